"""Export a trained model to the model bundle of docs/DESIGN.md: its ONNX graphs (four, and the
two layer decoders of a layered model) and model.json. A model that draws a character's colour from
its own source frame (``model.colour = "source"``) is written as format 3 (its motion, character and
renderer graphs on a sampling field: training/format3_graphs.py), every other model as format 2.

model.json records what the model was trained on by the dataset's name and the data's path
relative to the data folder (``trained_on.data``), never a path of the training machine, and the
SHA-256 of each graph file as written (``graph_sha256``), so that a graph of another bundle is refused.

Every graph is checked with onnx.checker, for the contract's input and output names (an input the
export dropped aborts it), and run in ONNX Runtime against the model's own functions in PyTorch on
random and on real frames; a difference above 1e-4 aborts the export. The bundle is written through
``workstation.kernel.safe_write.output_folder``: staged in a fresh hidden folder beside the target and
swapped in only when complete; on any failure (a full disk included) the previous bundle and
everything else beside it are left as they were.
"""

from __future__ import annotations

import contextlib
import inspect
import io
import json
import logging
import warnings
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import onnx
import torch
from torch import nn

from training.format3_graphs import format3_cases, format3_modules
from training.model.scene_model import SceneModel
from training.provenance import evaluation_record, source_record, trained_on_record
from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped
from workstation.kernel.safe_write import output_folder
from workstation.render.bundle import (
    BUNDLE_FORMAT,
    BUNDLE_VERSION,
    CENTROID,
    GRAPHS,
    LAYER_GRAPHS,
    MAX_METADATA_BYTES,
    SOURCE_COLOUR_VERSION,
    graph_digest,
    graphs_for,
    new_session,
)

OPSET = 20
TOLERANCE = 1e-4
# Part masks only colour the Parts view, and a mask at a part's edge moves with the rotation search's
# soft arg-max, where ONNX Runtime's float sums differ more (2.3e-4 seen); 1e-3 is a quarter of an 8-bit step.
PARTS_TOLERANCE = 1e-3
BUNDLE_FILES = (*GRAPHS, *LAYER_GRAPHS, "model.json")


class ModelExportError(StopframeError, RuntimeError):
    """The model export cannot go ahead; one line naming the path and the problem."""


class _Encoder(nn.Module):
    def __init__(self, encoder: nn.Module):
        super().__init__()
        self.encoder = encoder

    def forward(self, *inputs):  # as _ModelMethod's, so every graph exports alike
        return self.encoder(*inputs)


class _ModelMethod(nn.Module):
    """One of the model's functions as a graph: ``motion``, ``render``, ``character_layer`` or ``plate``
    (the model is held as ``model``, which names the graph's weights "model.<parameter>")."""

    def __init__(self, model: SceneModel, method: str):
        super().__init__()
        self.model, self.method = model, method

    def forward(self, *inputs):
        return getattr(self.model, self.method)(*inputs)


def format_version(model: SceneModel) -> int:
    """The bundle format the model is written as: 3 when it draws colour from its source frame, else 2."""
    return SOURCE_COLOUR_VERSION if model.colour_from_source else BUNDLE_VERSION


def part_count(model: SceneModel) -> int:
    """model.json's "parts": the part masks the motion graph gives (0: a single affine)."""
    return model.config.parts if model.config.parts > 1 else 0


def graph_specs(model: SceneModel) -> dict[str, tuple[nn.Module, tuple[str, ...], tuple[str, ...]]]:
    """File name -> (module, input names, output names), the names as the engine's contract says."""
    modules: dict[str, nn.Module] = {
        "encoder_character.onnx": _Encoder(model.encoder_character),
        "encoder_background.onnx": _Encoder(model.encoder_background),
        "motion.onnx": _ModelMethod(model, "motion"),
        "renderer.onnx": _ModelMethod(model, "render"),
    }
    if model.layered:
        modules["renderer_character.onnx"] = _ModelMethod(model, "character_layer")
        modules["renderer_background.onnx"] = _ModelMethod(model, "plate")
    if model.colour_from_source:
        modules.update(format3_modules(model))
    graphs = graphs_for(model.config.renderer, format_version(model), part_count(model))
    return {name: (modules[name], *graphs[name]) for name in graphs}


def parity_cases(model: SceneModel, batch: int, images: torch.Tensor | None = None) -> dict[str, tuple[tuple, tuple]]:
    """File -> (the graph's inputs, the model's own outputs for them): on random images, or on the
    real frames given (their features feed the later graphs). Format 3's graphs draw the frames
    in reverse order moved by the motion from each frame to the one before it."""
    size = model.config.image_size
    generator = torch.Generator().manual_seed(batch)
    if images is None:
        images = torch.rand(batch, 3, size, size, generator=generator)
    with torch.no_grad():
        character = model.encoder_character(images)
        background = model.encoder_background(images)
        shifted = model.encoder_character(images.roll(1, dims=0))
        theta = model.motion(character, shifted)
    cases = format3_cases(model, character, shifted, images.flip(0)) if model.colour_from_source else {}
    inputs = {
        "encoder_character.onnx": (images,),
        "encoder_background.onnx": (images,),
        "motion.onnx": (character, shifted),
        "renderer.onnx": (character, theta, background),
        "renderer_character.onnx": (character, theta),
        "renderer_background.onnx": (background,),
    }
    for name, (module, _, _) in graph_specs(model).items():
        if name not in cases:
            with torch.no_grad():
                outputs = module(*inputs[name])
            cases[name] = (inputs[name], outputs if isinstance(outputs, tuple) else (outputs,))
    return cases


def check_target(out: str | Path) -> Path:
    """Refuse a target that is neither absent, an empty folder, nor an older bundle (or that is the
    current folder, or holds it); returns it as an absolute path."""
    out = Path(out).absolute()
    if Path.cwd().resolve().is_relative_to(out.resolve()):
        raise ModelExportError("is the current folder (or holds it); name a new folder for the bundle, "
                               "e.g. --out bundles/mine", out)
    if out.parent.exists() and not out.parent.is_dir():
        raise ModelExportError(f"{out.parent} is not a folder", out)
    if not out.exists():
        return out
    if not out.is_dir():
        raise ModelExportError("exists and is not a folder; choose another --out", out)
    try:
        entries = {p.name for p in out.iterdir()}
    except OSError as error:
        raise ModelExportError(f"cannot be read ({error.strerror or error})", out) from None
    if entries and not (entries <= set(BUNDLE_FILES) and "model.json" in entries):
        raise ModelExportError("holds files that are not a model bundle; choose an empty folder", out)
    return out


def export_bundle(model: SceneModel, out: str | Path, metadata: dict | None = None,
                  real_frames: np.ndarray | None = None, progress=lambda message: None) -> Path:
    """Write the bundle for ``model`` to ``out`` (absent, an empty folder or an older bundle, which
    is replaced only once the new one is complete); returns ``out``. Raises ModelExportError (and
    OutputError, naming ``out``, when the disk refuses)."""
    target = check_target(out)
    model = model.eval().float()
    with _parents_made(target), output_folder(target, overwrite=True) as staging:
        batch = torch.export.Dim("batch", min=1, max=4096)
        examples = parity_cases(model, 2)
        for name, (module, inputs, outputs) in graph_specs(model).items():
            progress(f"exporting {name}")
            _export_quietly(module, examples[name][0], staging / name, inputs, outputs, batch)
            onnx.checker.check_model(str(staging / name), full_check=True)
        real = torch.from_numpy(real_frames).float() if real_frames is not None else None
        differences = verify(model, staging, real, shown=target)
        progress("largest difference from PyTorch: " + ", ".join(f"{k} {v:.2g}" for k, v in differences.items()))
        digests = {name: graph_digest((staging / name).read_bytes()) for name in graph_specs(model)}
        with open(staging / "model.json", "w", encoding="utf-8") as stream:
            stream.write(json.dumps(bundle_metadata(model, differences, metadata or {}, digests), indent=2) + "\n")
    return Path(out)


@contextlib.contextmanager
def _parents_made(target: Path):
    """The missing folders above ``target``, made for the export and removed again if it fails."""
    made = [folder for folder in reversed(target.parents) if not folder.exists()]
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _remove_empty(made)
        raise ModelExportError(f"cannot make its folder ({error.strerror or error})", target) from None
    try:
        yield
    except BaseException:
        _remove_empty(made)
        raise


def _remove_empty(folders: list[Path]) -> None:
    for folder in reversed(folders):
        with contextlib.suppress(OSError):
            folder.rmdir()


def read_evaluation(path: str | Path) -> dict:
    """The ``--evaluation`` file (what ``evaluate --json`` wrote) to store in model.json; read and
    checked before the model loads. Raises ModelExportError."""
    usage = "--evaluation takes what `stopframe evaluate MODEL --json FILE` wrote"
    try:  # it goes into model.json: no larger than model.json may be
        evaluation = json.loads(read_bytes_capped(path, MAX_METADATA_BYTES, "an evaluation's JSON").decode("utf-8"))
    except InputMissing:
        raise ModelExportError(f"no such file; {usage}", path) from None
    except InputError as error:
        raise ModelExportError(f"{error.problem}; {usage}", path) from None
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise ModelExportError(f"not valid JSON ({str(error)[:100]}); {usage}", path) from None
    if not isinstance(evaluation, dict) or not isinstance(evaluation.get("psnr"), dict):
        raise ModelExportError(f"not the results of an evaluation (no \"psnr\" table); {usage}", path)
    return evaluation


def _export_quietly(module, example, path: Path, inputs, outputs, batch) -> None:
    logging.getLogger("torch.onnx").setLevel(logging.ERROR)  # e.g. "torchvision is not installed"
    dynamic: tuple = tuple({0: batch} for _ in inputs)
    if any(p.kind is p.VAR_POSITIONAL for p in inspect.signature(module.forward).parameters.values()):
        dynamic = (dynamic,)  # a wrapper of *inputs takes them as one tuple
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):
        warnings.simplefilter("ignore")
        torch.onnx.export(module, example, str(path), dynamo=True, opset_version=OPSET, external_data=False,
                          input_names=list(inputs), output_names=list(outputs), dynamic_shapes=dynamic)


def verify(model: SceneModel, folder: Path, real_images: torch.Tensor | None = None,
           shown: Path | None = None) -> dict[str, float]:
    """Largest absolute difference between each graph in ONNX Runtime and the model's own functions
    in PyTorch, at batch 1 and 5 on random images, and on the real frames when given. Raises
    ModelExportError for a graph whose input or output names are not the contract's (an input the
    export dropped) or that differs by more than TOLERANCE, naming the graph in ``shown`` (the
    bundle's final folder) or ``folder``."""
    specs = graph_specs(model)
    sessions = {name: new_session(folder / name) for name in specs}
    for name, (_, inputs, outputs) in specs.items():
        got_inputs = [node.name for node in sessions[name].get_inputs()]
        got_outputs = [node.name for node in sessions[name].get_outputs()]
        if got_inputs != list(inputs) or got_outputs != list(outputs):
            raise ModelExportError(f"was written taking {got_inputs} -> {got_outputs}, but the contract says "
                                   f"{list(inputs)} -> {list(outputs)}", (shown or folder) / name)
    worst = dict.fromkeys(specs, 0.0)
    if part_count(model):
        worst["motion.onnx parts"] = 0.0
    cases = [parity_cases(model, 1), parity_cases(model, 5)]
    if real_images is not None:
        cases.append(parity_cases(model, len(real_images), real_images))
    for case in cases:
        for name, (_, inputs, _) in specs.items():
            given, expected = case[name]
            got = sessions[name].run(None, {k: v.numpy() for k, v in zip(inputs, given, strict=True)})
            for output, want, have in zip(specs[name][2], expected, got, strict=True):
                key = f"{name} parts" if output == "parts" else name
                worst[key] = max(worst[key], float(np.abs(have - want.numpy()).max()))
    for name, difference in worst.items():
        tolerance = PARTS_TOLERANCE if name.endswith(" parts") else TOLERANCE
        if not difference <= tolerance:
            raise ModelExportError(f"differs from PyTorch by {difference:.3g} (> {tolerance})",
                                   (shown or folder) / name.removesuffix(" parts"))
    return worst


def bundle_metadata(model: SceneModel, differences: dict[str, float], extra: dict,
                    graph_sha256: dict[str, str]) -> dict:
    """model.json for ``model``: ``graph_sha256`` is each graph file's ``graph_digest``."""
    config = model.config
    drawn_from_source = {"colour": "source", "parts": part_count(model)} if model.colour_from_source else {}
    return {
        "format": BUNDLE_FORMAT,
        "format_version": format_version(model),
        **drawn_from_source,
        "image_size": config.image_size,
        "feature_shape": [config.feature_channels, config.feature_size, config.feature_size],
        "opset": OPSET,
        "anchored": config.anchored,
        "centroid": CENTROID,
        "renderer": config.renderer,
        "graph_sha256": graph_sha256,
        "model_config": {k: getattr(config, k) for k in config.__dataclass_fields__},
        "trained_on": trained_on_record(extra.get("trained_on")),
        "evaluation": evaluation_record(extra["evaluation"]) if extra.get("evaluation") else None,
        "source": source_record(extra.get("source")),
        "parity_max_abs_difference": differences,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
