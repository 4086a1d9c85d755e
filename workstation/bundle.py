"""The model bundle contract: what export/bundle.py writes and the engine reads. No Qt, no torch.
Design: docs/DESIGN.md, "The model bundle".

A bundle is a folder holding ``model.json`` and four ONNX graphs (``GRAPHS``: file -> input names,
output name; every input and output has a dynamic batch axis first):

    encoder_character.onnx   image [N, 3, S, S]                          -> features [N, C, h, w]
    encoder_background.onnx  image [N, 3, S, S]                          -> features [N, C, h, w]
    motion.onnx              features_from, features_to [N, C, h, w]    -> theta [N, 2, 3]
    renderer.onnx            character_features, theta [N, 2, 3], background_features -> image

``model.json`` says ``format`` (``BUNDLE_FORMAT``), ``format_version`` (``BUNDLE_VERSION``),
``image_size`` S, ``feature_shape`` [C, h, w], ``anchored`` (thetas relative to the character's
centre) and, in bundles written since it existed, ``centroid`` (``CENTROID``). Every problem is a
``BundleError`` of one line naming the file.

    bundle = open_bundle(folder)   # metadata read, graphs loaded in ONNX Runtime and checked
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUNDLE_FORMAT = "stopframe-model-bundle"
BUNDLE_VERSION = 1
GRAPHS = {  # file -> (inputs, output)
    "encoder_character.onnx": (("image",), "features"),
    "encoder_background.onnx": (("image",), "features"),
    "motion.onnx": (("features_from", "features_to"), "theta"),
    "renderer.onnx": (("character_features", "theta", "background_features"), "image"),
}
# model.json "centroid": which centroid the renderer graph anchors on. Bundles written before the
# key existed anchor on the plain feature energy ("energy"); the engine's own arithmetic (outlines,
# edits on plain bundles) must use the same one.
CENTROID = "character"
REQUIRED_KEYS = ("image_size", "feature_shape", "anchored")


class BundleError(RuntimeError):
    """A model bundle cannot be used; one line naming the file and the problem."""


@dataclass(frozen=True, eq=False)
class Bundle:
    """An opened bundle: its folder, model.json, one ONNX Runtime session per graph and the device
    they run on ("CPU" or "CUDA"). Sessions may be run from several threads at once."""

    folder: Path
    metadata: dict[str, Any]
    sessions: dict[str, Any]  # graph file -> onnxruntime.InferenceSession
    device: str

    @property
    def image_size(self) -> int:
        return int(self.metadata["image_size"])

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        channels, height, width = self.metadata["feature_shape"]
        return int(channels), int(height), int(width)

    @property
    def anchored(self) -> bool:
        return bool(self.metadata["anchored"])


def open_bundle(folder: str | Path, prefer_cuda: bool = True) -> Bundle:
    """Read model.json, load the four graphs (on CUDA when its provider loads) and check that they
    keep the contract; raises BundleError."""
    folder = Path(folder)
    metadata = read_metadata(folder)
    sessions, device = open_sessions(folder, prefer_cuda)
    check_graphs(folder, sessions, metadata)
    return Bundle(folder, metadata, sessions, device)


def read_metadata(folder: Path) -> dict:
    if not folder.is_dir():
        raise BundleError(f"{folder}: no such model bundle folder")
    path = folder / "model.json"
    if not path.is_file():
        raise BundleError(f"{path}: missing; a model bundle holds model.json and {', '.join(GRAPHS)}")
    try:
        metadata = json.loads(path.read_text())
    except (ValueError, OSError) as error:
        raise BundleError(f"{path}: not valid JSON ({error})") from None
    if not isinstance(metadata, dict) or metadata.get("format") != BUNDLE_FORMAT:
        raise BundleError(f"{path}: not a Stopframe model bundle (format should be {BUNDLE_FORMAT!r})")
    if metadata.get("format_version") != BUNDLE_VERSION:
        raise BundleError(f"{path}: bundle format version {metadata.get('format_version')!r} is not supported "
                          f"(this Stopframe reads version {BUNDLE_VERSION})")
    for key in REQUIRED_KEYS:
        if key not in metadata:
            raise BundleError(f"{path}: missing {key!r}")
    return metadata


# -- ONNX Runtime sessions ----------------------------------------------------------------------------
_shared_threads: bool | None = None  # whether this process's sessions share one thread pool


def _use_shared_threads() -> bool:
    """One intra-op thread pool for all sessions: with a pool per graph, the pool of the graph just
    run keeps spinning and steals the cores of the next one (a full h took 3.0 ms instead of 1.9
    on 2 cores). The pool can only be set up before ONNX Runtime's first session in the process."""
    global _shared_threads
    if _shared_threads is None:
        import onnxruntime

        try:
            onnxruntime.set_global_thread_pool_sizes(0, 1)
            _shared_threads = True
        except Exception:  # the environment already exists with per-session pools
            _shared_threads = False
    return _shared_threads


def _session_options(shared_threads: bool):
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.use_per_session_threads = not shared_threads
    return options


def new_session(path: Path, providers: list[str] | None = None):
    """An InferenceSession made the way every session of this process must be (they share one
    thread pool once the first is made); raises what onnxruntime raises."""
    import onnxruntime

    providers = providers or ["CPUExecutionProvider"]
    shared = _use_shared_threads()
    try:
        return onnxruntime.InferenceSession(str(path), _session_options(shared), providers=providers)
    except Exception:
        if not shared:
            raise
        return onnxruntime.InferenceSession(str(path), _session_options(False), providers=providers)


def _preload_cuda_libraries() -> None:
    """Load CUDA and cuDNN from the nvidia-* wheels of `onnxruntime-gpu[cuda,cudnn]` when they are
    installed; without them this only prints what it could not find, which the user need not see."""
    import contextlib
    import io

    import onnxruntime

    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        try:
            onnxruntime.preload_dlls()
        except Exception:
            pass


def open_sessions(folder: Path, prefer_cuda: bool = True) -> tuple[dict, str]:
    """One InferenceSession per graph, on CUDA when its provider loads, else on the CPU."""
    import onnxruntime

    onnxruntime.set_default_logger_severity(4)  # a CUDA provider that fails to load is not an error to the user
    wanted = ["CPUExecutionProvider"]
    if prefer_cuda and "CUDAExecutionProvider" in onnxruntime.get_available_providers():
        wanted.insert(0, "CUDAExecutionProvider")
        _preload_cuda_libraries()
    sessions, used = {}, set()
    for name in GRAPHS:
        path = folder / name
        if not path.is_file():
            raise BundleError(f"{path}: missing; a model bundle holds model.json and {', '.join(GRAPHS)}")
        try:
            session = new_session(path, wanted)
        except Exception as error:  # onnxruntime raises several kinds for a damaged graph
            reason = str(error).strip().splitlines()[0][:160]
            raise BundleError(f"{path}: not a loadable ONNX graph ({reason})") from None
        sessions[name] = session
        used.add(session.get_providers()[0])
    return sessions, ("CUDA" if used == {"CUDAExecutionProvider"} else "CPU")


def check_graphs(folder: Path, sessions: dict, metadata: dict) -> None:
    """Input/output names as the contract says, and shapes that agree with model.json and each other."""
    size = metadata["image_size"]
    channels, height, width = metadata["feature_shape"]
    features = [channels, height, width]
    expected_shapes = {
        "image": [3, size, size], "features": features, "features_from": features, "features_to": features,
        "theta": [2, 3], "character_features": features, "background_features": features,
    }
    for name, (inputs, output) in GRAPHS.items():
        session = sessions[name]
        got_inputs = [i.name for i in session.get_inputs()]
        got_outputs = [o.name for o in session.get_outputs()]
        if got_inputs != list(inputs) or got_outputs != [output]:
            raise BundleError(f"{folder / name}: takes {got_inputs} -> {got_outputs}, "
                              f"expected {list(inputs)} -> [{output!r}]")
        for node in (*session.get_inputs(), *session.get_outputs()):
            want = expected_shapes[node.name]
            dims = list(node.shape[1:])
            if dims != want:
                raise BundleError(f"{folder / name}: {node.name} has shape [N, {', '.join(map(str, dims))}] "
                                  f"but the bundle says [N, {', '.join(map(str, want))}]")
