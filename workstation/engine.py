"""The render engine: a model bundle run with ONNX Runtime. No Qt, no torch.

    engine = Engine(bundle_folder, frames=lambda clip, frame: image_float32_3xSxS)
    engine.device_line            -> "rendering on CPU (...)" for the status bar and the CLI
    engine.render(requests)       -> [N, 3, S, S] float32, one image per workstation.project.FrameRequest

Encodings are cached per (clip, frame, encoder) and thetas per (motion clip, start, frame) in
bounded LRU caches, so moving a character re-runs only the renderer. All methods are safe to call
from several threads (ONNX Runtime sessions are; the caches take a lock).

Theta follows ``affine_grid``: it maps output coordinates to sampling coordinates, in normalized
[-1, 1] units. With an anchored bundle, theta is relative to the character's centre (the
renderer re-anchors it on the character it draws); hand edits are composed in that frame.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workstation.lru import LRUCache

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
LAYERS = ("both", "background", "character", "empty")
IDENTITY = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]], dtype=np.float32)
FrameSource = Callable[[str, int], np.ndarray]


class BundleError(RuntimeError):
    """A model bundle cannot be used; one line naming the file and the problem."""


# -- bundle loading ------------------------------------------------------------------------------
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
    for key in ("image_size", "feature_shape", "anchored"):
        if key not in metadata:
            raise BundleError(f"{path}: missing {key!r}")
    return metadata


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


# -- geometry in numpy (the same arithmetic as training/model.py) -------------------------------------
def centroid(features: np.ndarray) -> np.ndarray:
    """[N, 2] soft centroid (x, y, normalized) of the character energy, as training.model.centroid:
    inside the outermost ring of cells, each channel's departure from its mean there, squared,
    averaged over channels, less its average over those cells and clipped at 0."""
    inner = features[:, :, 1:-1, 1:-1].astype(np.float32)
    energy = np.square(inner - inner.mean(axis=(2, 3), keepdims=True)).mean(axis=1)
    energy = np.maximum(energy - energy.mean(axis=(1, 2), keepdims=True), 0.0)
    return _weighted_centre(np.pad(energy, ((0, 0), (1, 1), (1, 1))))


def energy_centroid(features: np.ndarray) -> np.ndarray:
    """[N, 2] soft centroid of the plain feature energy: what bundles without a "centroid" key use."""
    return _weighted_centre(np.square(features, dtype=np.float32).mean(axis=1))


def _weighted_centre(energy: np.ndarray) -> np.ndarray:
    n, h, w = energy.shape
    energy = energy.reshape(n, h * w)
    weights = energy / (energy.sum(axis=1, keepdims=True) + 1e-8)
    ys = (np.arange(h, dtype=np.float32) * 2 + 1) / h - 1
    xs = (np.arange(w, dtype=np.float32) * 2 + 1) / w - 1
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    return np.stack([weights @ grid_x.reshape(-1), weights @ grid_y.reshape(-1)], axis=1)


def character_only(features: np.ndarray) -> np.ndarray:
    """Character features [N, C, h, w] less what f_c carries everywhere: each channel's field (its
    median over the inner cells) and the rim its padding leaves (the outermost ring, set to zero).
    Added to a scene that already holds one character's features, these add the character alone;
    added whole, they add a second field, and the picture washes out."""
    inner = features[:, :, 1:-1, 1:-1]
    character = np.zeros_like(features)
    character[:, :, 1:-1, 1:-1] = inner - np.median(inner, axis=(2, 3), keepdims=True)
    return character


def split_field(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One character's features [C, h, w] as (its ``character_only`` part, the rest: the field and
    the rim), which add up to ``features``."""
    character = character_only(features[None])[0]
    return character, features - character


def theta_about(theta: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    linear, shift = theta[:, :, :2], theta[:, :, 2]
    return np.concatenate([linear, (shift + np.einsum("nij,nj->ni", linear, pivot) - pivot)[:, :, None]], axis=2)


def theta_from(relative: np.ndarray, pivot: np.ndarray) -> np.ndarray:
    linear, shift = relative[:, :, :2], relative[:, :, 2]
    return np.concatenate([linear, (shift - np.einsum("nij,nj->ni", linear, pivot) + pivot)[:, :, None]], axis=2)


def warp(features: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """affine_grid + grid_sample (bilinear, zero padding, align_corners=False) for [N, C, H, W]."""
    n, c, h, w = features.shape
    xs = (np.arange(w, dtype=np.float32) * 2 + 1) / w - 1
    ys = (np.arange(h, dtype=np.float32) * 2 + 1) / h - 1
    grid_y, grid_x = np.meshgrid(ys, xs, indexing="ij")
    base = np.stack([grid_x, grid_y, np.ones_like(grid_x)], axis=-1).reshape(-1, 3)  # [HW, 3]
    out = np.zeros_like(features)
    for b in range(n):
        sample = base @ theta[b].T.astype(np.float32)  # [HW, 2] in normalized units
        px = ((sample[:, 0] + 1) * w - 1) / 2
        py = ((sample[:, 1] + 1) * h - 1) / 2
        x0, y0 = np.floor(px).astype(int), np.floor(py).astype(int)
        fx, fy = px - x0, py - y0
        flat = features[b].reshape(c, h * w)
        accumulated = np.zeros((c, h * w), dtype=np.float32)
        for dx, dy, weight in ((0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)),
                               (0, 1, (1 - fx) * fy), (1, 1, fx * fy)):
            x, y = x0 + dx, y0 + dy
            inside = (x >= 0) & (x < w) & (y >= 0) & (y < h)
            index = np.where(inside, y * w + x, 0)
            accumulated += flat[:, index] * (weight * inside)
        out[b] = accumulated.reshape(c, h, w)
    return out


def edit_matrix(tx: float, ty: float, rotation: float, scale: float, image_size: int,
                centre: np.ndarray) -> np.ndarray:
    """The forward 3x3 map (normalized units) of a hand edit: rotate (degrees, clockwise on screen)
    and scale about ``centre``, then translate by (tx, ty) pixels."""
    radians = math.radians(rotation)
    cos, sin = math.cos(radians) * scale, math.sin(radians) * scale
    to_pixels = 2.0 / image_size
    cx, cy = float(centre[0]), float(centre[1])
    return np.array([
        [cos, -sin, cx - cos * cx + sin * cy + tx * to_pixels],
        [sin, cos, cy - sin * cx - cos * cy + ty * to_pixels],
        [0.0, 0.0, 1.0],
    ], dtype=np.float64)


def is_identity_edit(edit) -> bool:
    return edit is None or (edit.tx, edit.ty, edit.rotation, edit.scale) == (0, 0, 0, 1)


def compose_edit(relative_theta: np.ndarray, edit, image_size: int) -> np.ndarray:
    """A centre-relative theta [2, 3] with a hand edit (tx, ty pixels; rotation degrees clockwise;
    scale) applied after the motion, about the character's current centre (where the motion has
    taken it)."""
    if is_identity_edit(edit):
        return relative_theta
    sampling = np.vstack([relative_theta.astype(np.float64), [0.0, 0.0, 1.0]])
    motion = np.linalg.inv(sampling)  # forward map of the motion
    current_centre = motion[:2, 2]  # where the motion takes the centre (the origin of this frame)
    forward = edit_matrix(edit.tx, edit.ty, edit.rotation, edit.scale, image_size, current_centre) @ motion
    return np.linalg.inv(forward)[:2].astype(np.float32)


# -- the engine ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CharacterShape:
    """Where a placed character is on the output image, in model pixels: its centre and the radius
    holding most of its feature energy (for outlines, handles and hit tests)."""

    x: float
    y: float
    radius: float


@dataclass(frozen=True)
class _Placed:
    features: np.ndarray  # [C, h, w]
    theta: np.ndarray  # [2, 3], as the renderer graph takes it: the motion, then the hand edit
    motion: np.ndarray | None = None  # [2, 3] absolute, the motion alone; None without a hand edit


class Engine:
    def __init__(self, bundle: str | Path, frames: FrameSource | None = None, cache_size: int = 4096,
                 prefer_cuda: bool = True):
        self.folder = Path(bundle)
        self.metadata = read_metadata(self.folder)
        self._sessions, self.device = open_sessions(self.folder, prefer_cuda)
        check_graphs(self.folder, self._sessions, self.metadata)
        self.image_size: int = self.metadata["image_size"]
        self.feature_shape: tuple[int, int, int] = tuple(self.metadata["feature_shape"])
        self.anchored: bool = bool(self.metadata["anchored"])
        self.centroid = centroid if self.metadata.get("centroid") == CENTROID else energy_centroid
        self.frames = frames
        self._encodings = LRUCache(cache_size)
        self._thetas = LRUCache(cache_size)

    @property
    def device_line(self) -> str:
        if self.device == "CUDA":
            return "rendering on CUDA (GPU)"
        return "rendering on CPU (no usable CUDA GPU found)"

    # -- the four graphs, batched, on numpy: also the evaluation's SceneFunctions --------------------
    def _run(self, graph: str, *arrays: np.ndarray, batch_size: int = 256) -> np.ndarray:
        inputs, _ = GRAPHS[graph]
        session = self._sessions[graph]
        outputs = []
        for start in range(0, len(arrays[0]), batch_size):
            feed = {name: np.ascontiguousarray(a[start : start + batch_size], dtype=np.float32)
                    for name, a in zip(inputs, arrays)}
            outputs.append(session.run(None, feed)[0])
        return np.concatenate(outputs) if len(outputs) > 1 else outputs[0]

    def encode_character(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_character.onnx", images)

    def encode_background(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_background.onnx", images)

    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray:
        return self._run("motion.onnx", features_from, features_to)

    def render_features(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray) -> np.ndarray:
        return self._run("renderer.onnx", character, theta, background)

    render = render_features  # the name evaluation's SceneFunctions uses

    def h(self, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
        """h(x_c, x_t1, x_t2, x_b) uncached; the three character encodings run as one batch."""
        character, moved_from, moved_to = np.split(self.encode_character(np.concatenate([x_c, x_t1, x_t2])), 3)
        return self.render_features(character, self.motion(moved_from, moved_to), self.encode_background(x_b))

    # -- cached encodings -------------------------------------------------------------------------
    def _frame(self, clip: str, frame: int) -> np.ndarray:
        if self.frames is None:
            raise RuntimeError("this engine was made without a frame source")
        return self.frames(clip, frame)

    def features(self, clip: str, frame: int, encoder: str) -> np.ndarray:
        """f_c or f_b ("character" / "background") of a clip frame, [C, h, w], cached."""
        key = (clip, frame, encoder)
        cached = self._encodings.get(key)
        if cached is None:
            image = self._frame(clip, frame)[None]
            cached = (self.encode_character if encoder == "character" else self.encode_background)(image)[0]
            self._encodings.put(key, cached)
        return cached

    def motion_theta(self, clip: str, start: int, frame: int) -> np.ndarray:
        """T^Z from clip frame ``start`` to ``frame``, [2, 3], cached."""
        key = (clip, start, frame)
        cached = self._thetas.get(key)
        if cached is None:
            if frame == start:
                cached = IDENTITY.copy()
            else:
                cached = self.motion(self.features(clip, start, "character")[None],
                                     self.features(clip, frame, "character")[None])[0]
            self._thetas.put(key, cached)
        return cached

    # -- frame requests -----------------------------------------------------------------------------
    def _placed(self, character) -> _Placed:
        features = self.features(character.source.clip, character.source.frame, "character")
        m = character.motion
        motion = IDENTITY if m is None else self.motion_theta(m.clip, m.start, m.frame)
        if is_identity_edit(character.pose):
            return _Placed(features, motion.astype(np.float32))
        pivot = self.centroid(features[None])
        if self.anchored:  # centre-relative thetas: the edit composes directly
            theta = compose_edit(motion, character.pose, self.image_size)
            motion = theta_from(motion[None], pivot)[0]
        else:  # plain bundles take absolute thetas: edit about this character's centroid
            relative = compose_edit(theta_about(motion[None], pivot)[0], character.pose, self.image_size)
            theta = theta_from(relative[None], pivot)[0]
        return _Placed(features, theta.astype(np.float32), motion.astype(np.float32))

    def _absolute(self, placed: _Placed) -> np.ndarray:
        """Theta as grid_sample uses it (what the renderer graph does inside when anchored)."""
        if not self.anchored:
            return placed.theta
        return theta_from(placed.theta[None], self.centroid(placed.features[None]))[0]

    def _inputs(self, request, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        channels, height, width = self.feature_shape
        background = np.zeros((channels, height, width), np.float32)
        if layer in ("both", "background", "empty"):
            background = self.features(request.background.clip, request.background.frame, "background").copy()
        if layer == "empty":
            if request.characters:  # the field is the first character's, as in "both"
                source = request.characters[0].source
                background = background + split_field(self.features(source.clip, source.frame, "character"))[1]
            return np.zeros_like(background), IDENTITY, background
        placed = [self._placed(c) for c in request.characters] if layer in ("both", "character") else []
        if not placed:
            return np.zeros_like(background), IDENTITY, background
        first, others = placed[0], placed[1:]
        character = first.features
        if first.motion is not None and self.centroid is centroid:
            # A hand edit moves the character, not the field f_c carries everywhere: warped with a
            # shrink or a turn, that field would pull the warp's zero padding into view and stain
            # the background. So the field follows the motion alone, as in training, and the
            # renderer warps the character part by motion and edit. With an identity edit the sum
            # is warp(f_c, motion) exactly. (This centroid ignores the field, so the renderer
            # anchors the character part where it anchors f_c.)
            character, field = split_field(first.features)
            background = background + warp(field[None], first.motion[None])[0]
        if others:  # the renderer warps one character; the others are warped here and added in
            features = character_only(np.stack([p.features for p in others]))
            thetas = np.stack([self._absolute(p) for p in others])
            background = background + warp(features, thetas).sum(axis=0)
        return character, first.theta, background

    def render_requests(self, requests: Sequence, layer: str = "both") -> np.ndarray:
        """Images [N, 3, S, S] for workstation.project.FrameRequest-like requests. ``layer``:
        "both", "background" (the plate alone), "character" (the characters alone) or "empty" (the
        shot as its frames show it without their characters: the plate with the field f_c carries
        everywhere, which the plate alone lacks; what onion skins and masks compare frames with)."""
        if layer not in LAYERS:
            raise ValueError(f"layer={layer!r}: allowed values are {', '.join(LAYERS)}")
        if not requests:
            return np.zeros((0, 3, self.image_size, self.image_size), np.float32)
        character, theta, background = zip(*(self._inputs(r, layer) for r in requests))
        return self.render_features(np.stack(character), np.stack(theta), np.stack(background))

    def render_frame(self, request, layer: str = "both") -> np.ndarray:
        return self.render_requests([request], layer)[0]

    def character_shapes(self, request) -> list[CharacterShape]:
        """Each character of a frame request as it lands on the output image, for outlines,
        handles and hit tests: the centre and radius of what the renderer draws for it alone
        (g of its placed features, against g of nothing). The rendering, not the feature energy,
        because a character encoder may also carry faint background everywhere."""
        return self.shapes_of_requests([request])[0]

    def shapes_of_requests(self, requests: Sequence) -> list[list[CharacterShape]]:
        """``character_shapes`` for several requests, with one renderer call for all of them."""
        placed = [[self._placed(c) for c in request.characters] for request in requests]
        flat = [p for frame in placed for p in frame]
        if not flat:
            return [[] for _ in requests]
        features = np.stack([p.features for p in flat])
        nothing = np.zeros_like(features[:1])
        images = self.render_features(np.concatenate([features, nothing]),
                                      np.concatenate([np.stack([p.theta for p in flat]), IDENTITY[None]]),
                                      np.zeros((len(flat) + 1, *features.shape[1:]), np.float32))
        shapes = iter(self._shape(image, images[-1]) for image in images[:-1])
        return [[next(shapes) for _ in frame] for frame in placed]

    def _shape(self, image: np.ndarray, empty: np.ndarray) -> CharacterShape:
        size = self.image_size
        centres = np.arange(size, dtype=np.float64) + 0.5
        drawn = np.abs(image - empty).sum(axis=0).astype(np.float64)
        weights = np.maximum(drawn - np.quantile(drawn, 0.95), 0.0)  # the strongest 5% of the pixels
        if weights.sum() <= 0:
            return CharacterShape(size / 2.0, size / 2.0, size / 4.0)
        weights /= weights.sum()
        x, y = float(weights.sum(0) @ centres), float(weights.sum(1) @ centres)
        spread = math.sqrt(float(weights.sum(0) @ (centres - x) ** 2 + weights.sum(1) @ (centres - y) ** 2))
        return CharacterShape(x, y, min(max(3.0, 1.6 * spread), size / 2.0))

    def clear_caches(self) -> None:
        """Forget every encoding and theta: the clips behind the names have changed."""
        self._encodings.clear()
        self._thetas.clear()
