"""The render engine: a model bundle run with ONNX Runtime over a frame source. No Qt, no torch.
Design: docs/DESIGN.md, "The engine".

    engine = Engine(bundle_folder, frames=lambda clip, frame: image_float32_3xSxS)
    engine.device_line            -> "rendering on CPU (...)" for the status bar and the CLI
    engine.render_requests(requests, layer) -> [N, 3, S, S] float32, one image per FrameRequest
    engine.with_frames(frames)    -> a new engine over other frames, sharing the loaded graphs

An engine is complete when made and never changed afterwards: when the clips behind the names
change, ``with_frames`` makes a new engine (cheap: the ONNX sessions are shared, the caches are
new) and its owner swaps it in, so no thread ever renders with a half-changed one.

Encodings are cached per (clip, frame, encoder) and thetas per (motion clip, start, frame) in
bounded LRU caches, so moving a character re-runs only the renderer. All methods are safe to call
from several threads (ONNX Runtime sessions are; the caches take a lock).

With an anchored bundle, theta is relative to the character's centre (the renderer re-anchors it
on the character it draws); hand poses are composed in that frame (see workstation.geometry).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workstation.bundle import CENTROID, GRAPHS, Bundle, open_bundle
from workstation.geometry import (
    IDENTITY_THETA,
    centroid,
    character_only,
    compose_pose,
    energy_centroid,
    is_identity_pose,
    split_field,
    theta_about,
    theta_from,
    warp,
)
from workstation.lru import LRUCache
from workstation.project import CharacterRequest, FrameRequest

LAYERS = ("both", "background", "character", "empty")
FrameSource = Callable[[str, int], np.ndarray]


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
    theta: np.ndarray  # [2, 3], as the renderer graph takes it: the motion, then the hand pose
    motion: np.ndarray | None = None  # [2, 3] absolute, the motion alone; None without a hand pose


class Engine:
    """A bundle's four graphs with cached encodings and thetas over one frame source.

    ``bundle`` is a bundle folder (opened here; raises BundleError) or an already opened Bundle.
    ``frames(clip, frame)`` gives a clip frame as float32 [3, S, S] fitted to the model; an engine
    made without one runs the graphs on arrays only (``h``, ``encode_*``, ``render_features``)."""

    def __init__(self, bundle: str | Path | Bundle, frames: FrameSource | None = None, cache_size: int = 4096,
                 prefer_cuda: bool = True):
        self.bundle = bundle if isinstance(bundle, Bundle) else open_bundle(bundle, prefer_cuda)
        self._frames = frames
        self._cache_size = cache_size
        self._centroid = centroid if self.bundle.metadata.get("centroid") == CENTROID else energy_centroid
        self._encodings = LRUCache(cache_size)
        self._thetas = LRUCache(cache_size)

    def with_frames(self, frames: FrameSource | None) -> Engine:
        """A new engine over ``frames`` sharing this one's loaded graphs and metadata, with empty
        caches: what replaces this one when the clips behind the names change."""
        return Engine(self.bundle, frames, cache_size=self._cache_size)

    @property
    def frames(self) -> FrameSource | None:
        return self._frames

    @property
    def folder(self) -> Path:
        return self.bundle.folder

    @property
    def metadata(self) -> dict:
        return self.bundle.metadata

    @property
    def device(self) -> str:
        return self.bundle.device

    @property
    def image_size(self) -> int:
        return self.bundle.image_size

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        return self.bundle.feature_shape

    @property
    def anchored(self) -> bool:
        return self.bundle.anchored

    @property
    def centroid(self) -> Callable[[np.ndarray], np.ndarray]:
        """The centroid the renderer graph anchors on (model.json "centroid"), [N, C, h, w] -> [N, 2]."""
        return self._centroid

    @property
    def device_line(self) -> str:
        if self.device == "CUDA":
            return "rendering on CUDA (GPU)"
        return "rendering on CPU (no usable CUDA GPU found)"

    # -- the four graphs, batched, on numpy: also the evaluation's SceneFunctions --------------------
    def _run(self, graph: str, *arrays: np.ndarray, batch_size: int = 256) -> np.ndarray:
        inputs, _ = GRAPHS[graph]
        session = self.bundle.sessions[graph]
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
        if self._frames is None:
            raise RuntimeError("this engine was made without a frame source")
        return self._frames(clip, frame)

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
                cached = IDENTITY_THETA.copy()
            else:
                cached = self.motion(self.features(clip, start, "character")[None],
                                     self.features(clip, frame, "character")[None])[0]
            self._thetas.put(key, cached)
        return cached

    # -- frame requests -----------------------------------------------------------------------------
    def _placed(self, character: CharacterRequest) -> _Placed:
        features = self.features(character.source.clip, character.source.frame, "character")
        m = character.motion
        motion = IDENTITY_THETA if m is None else self.motion_theta(m.clip, m.start, m.frame)
        if is_identity_pose(character.pose):
            return _Placed(features, motion.astype(np.float32))
        pivot = self.centroid(features[None])
        if self.anchored:  # centre-relative thetas: the pose composes directly
            theta = compose_pose(motion, character.pose, self.image_size)
            motion = theta_from(motion[None], pivot)[0]
        else:  # plain bundles take absolute thetas: pose about this character's centroid
            relative = compose_pose(theta_about(motion[None], pivot)[0], character.pose, self.image_size)
            theta = theta_from(relative[None], pivot)[0]
        return _Placed(features, theta.astype(np.float32), motion.astype(np.float32))

    def _absolute(self, placed: _Placed) -> np.ndarray:
        """Theta as grid_sample uses it (what the renderer graph does inside when anchored)."""
        if not self.anchored:
            return placed.theta
        return theta_from(placed.theta[None], self.centroid(placed.features[None]))[0]

    def _inputs(self, request: FrameRequest, layer: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        channels, height, width = self.feature_shape
        background = np.zeros((channels, height, width), np.float32)
        if layer in ("both", "background", "empty"):
            background = self.features(request.background.clip, request.background.frame, "background").copy()
        if layer == "empty":
            if request.characters:  # the field is the first character's, as in "both"
                source = request.characters[0].source
                background = background + split_field(self.features(source.clip, source.frame, "character"))[1]
            return np.zeros_like(background), IDENTITY_THETA, background
        placed = [self._placed(c) for c in request.characters] if layer in ("both", "character") else []
        if not placed:
            return np.zeros_like(background), IDENTITY_THETA, background
        first, others = placed[0], placed[1:]
        character = first.features
        if first.motion is not None and self.centroid is centroid:
            # A hand pose moves the character, not the field f_c carries everywhere: warped with a
            # shrink or a turn, that field would pull the warp's zero padding into view and stain
            # the background. So the field follows the motion alone, as in training, and the
            # renderer warps the character part by motion and pose. With an identity pose the sum
            # is warp(f_c, motion) exactly. (This centroid ignores the field, so the renderer
            # anchors the character part where it anchors f_c.)
            character, field = split_field(first.features)
            background = background + warp(field[None], first.motion[None])[0]
        if others:  # the renderer warps one character; the others are warped here and added in
            features = character_only(np.stack([p.features for p in others]))
            thetas = np.stack([self._absolute(p) for p in others])
            background = background + warp(features, thetas).sum(axis=0)
        return character, first.theta, background

    def render_requests(self, requests: Sequence[FrameRequest], layer: str = "both") -> np.ndarray:
        """Images [N, 3, S, S] for frame requests. ``layer``:
        "both", "background" (the plate alone), "character" (the characters alone) or "empty" (the
        shot as its frames show it without their characters: the plate with the field f_c carries
        everywhere, which the plate alone lacks; what onion skins and masks compare frames with)."""
        if layer not in LAYERS:
            raise ValueError(f"layer={layer!r}: allowed values are {', '.join(LAYERS)}")
        if not requests:
            return np.zeros((0, 3, self.image_size, self.image_size), np.float32)
        character, theta, background = zip(*(self._inputs(r, layer) for r in requests))
        return self.render_features(np.stack(character), np.stack(theta), np.stack(background))

    def render_frame(self, request: FrameRequest, layer: str = "both") -> np.ndarray:
        return self.render_requests([request], layer)[0]

    def character_shapes(self, request: FrameRequest) -> list[CharacterShape]:
        """Each character of a frame request as it lands on the output image, for outlines,
        handles and hit tests: the centre and radius of what the renderer draws for it alone
        (g of its placed features, against g of nothing). The rendering, not the feature energy,
        because a character encoder may also carry faint background everywhere."""
        return self.shapes_of_requests([request])[0]

    def shapes_of_requests(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """``character_shapes`` for several requests, with one renderer call for all of them."""
        placed = [[self._placed(c) for c in request.characters] for request in requests]
        flat = [p for frame in placed for p in frame]
        if not flat:
            return [[] for _ in requests]
        features = np.stack([p.features for p in flat])
        nothing = np.zeros_like(features[:1])
        images = self.render_features(np.concatenate([features, nothing]),
                                      np.concatenate([np.stack([p.theta for p in flat]), IDENTITY_THETA[None]]),
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
