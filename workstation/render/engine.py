"""The render engine: a model bundle run with ONNX Runtime over a frame source. No Qt, no torch.
Design: docs/DESIGN.md, "The engine".

    engine = Engine(bundle_folder, frames=lambda clip, frame: image_float32_3xSxS)
    engine.device_line            -> "rendering on CPU (...)" for the status bar and the CLI
    engine.render_requests(requests, layer) -> [N, C, S, S] float32, one image per FrameRequest
    engine.with_frames(frames)    -> a new engine over other frames, sharing the loaded graphs

Layers (``LayerView``): "composite" (the frame, RGB), "background" (the plate, RGB), "characters"
(the characters alone over transparency, straight RGBA) and "alpha" (their coverage, [N, 1, S, S]);
``character=name`` draws that character alone. A request's characters are drawn in its order,
the first at the back.

With a layered bundle the engine decodes the plate once per background frame and each character's
RGB and alpha once per (source, motion, pose), and composites them in numpy (workstation/render/layers.py):
a drag re-runs one character decoder. A summed bundle (the paper's renderer, every format 1
bundle) draws each view through renderer.onnx from summed features (workstation/render/summed.py), and
reads its characters' alpha from where they change the frame.

An engine is complete when made and never changed afterwards: when the clips behind the names
change, ``with_frames`` makes a new engine (cheap: the ONNX sessions are shared, the caches are
new) and its owner swaps it in, so no thread ever renders with a half-changed one.

Encodings are cached per (clip, frame, encoder), thetas per (motion clip, start, frame) and decoded
layers per plate and placed character, in bounded LRU caches. All methods are safe to call from
several threads (ONNX Runtime sessions are; the caches take a lock).

With an anchored bundle, theta is relative to the character's centre (the renderer re-anchors it
on the character it draws); hand poses are composed in that frame (see workstation.render.geometry).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest, FrameRef, FrameRequest
from workstation.render import summed
from workstation.render.bundle import CENTROID, Bundle, open_bundle
from workstation.render.geometry import (
    IDENTITY_THETA,
    centroid,
    compose_pose,
    energy_centroid,
    is_identity_pose,
    theta_about,
    theta_from,
)
from workstation.render.layers import CharacterLayer, LayerView, composite, flatten

FrameSource = Callable[[str, int], np.ndarray]
DECODED_CACHE = 1024  # plates and character layers kept: 64 KiB each at 64x64


@dataclass(frozen=True)
class CharacterShape:
    """Where a placed character is on the output image, in model pixels: its centre and the radius
    holding most of it (for outlines and handles), and the pixels it covers (for hit tests)."""

    x: float
    y: float
    radius: float
    # bool [S, S]: where the character is opaque (alpha >= 0.5); none for a character that covers
    # nothing, which therefore takes no clicks
    coverage: np.ndarray | None = field(default=None, compare=False, repr=False)

    def covers(self, x: float, y: float, reach: float = 0.0) -> bool:
        """Whether the character covers the model pixel at (x, y), or one within ``reach`` pixels."""
        if self.coverage is None:
            return False
        size = self.coverage.shape[0]
        r = max(0, math.ceil(reach - 0.5))
        col, row = math.floor(x), math.floor(y)
        window = self.coverage[max(0, row - r) : max(0, row + r + 1), max(0, col - r) : max(0, col + r + 1)]
        return bool(-r <= col < size + r and -r <= row < size + r and window.any())


@dataclass(frozen=True)
class Placed:
    features: np.ndarray  # [C, h, w]
    theta: np.ndarray  # [2, 3], as the renderer graphs take it: the motion, then the hand pose
    # [2, 3] absolute, the motion alone, for the summed renderer; None without a hand pose, and for
    # an anchored layered bundle (its graphs take theta alone)
    motion: np.ndarray | None = None


class Engine:
    """A bundle's graphs with cached encodings, thetas and decoded layers over one frame source.

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
        self._plates = LRUCache(min(cache_size, DECODED_CACHE))
        self._layers = LRUCache(min(cache_size, DECODED_CACHE))

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
    def layered(self) -> bool:
        """Characters as RGB and alpha over a plate (format 2 "layered"); else the summed renderer."""
        return self.bundle.layered

    @property
    def centroid(self) -> Callable[[np.ndarray], np.ndarray]:
        """The centroid the renderer graph anchors on (model.json "centroid"), [N, C, h, w] -> [N, 2]."""
        return self._centroid

    @property
    def device_line(self) -> str:
        if self.device == "CUDA":
            return "rendering on CUDA (GPU)"
        return "rendering on CPU (no usable CUDA GPU found)"

    # -- the graphs, batched, on numpy: also the evaluation's SceneFunctions -----------------------
    def _run(self, graph: str, *arrays: np.ndarray, batch_size: int = 256) -> list[np.ndarray]:
        """Every output of ``graph``, in the contract's order."""
        inputs, _ = self.bundle.graphs[graph]
        session = self.bundle.sessions[graph]
        batches = []
        for start in range(0, len(arrays[0]), batch_size):
            feed = {name: np.ascontiguousarray(a[start : start + batch_size], dtype=np.float32)
                    for name, a in zip(inputs, arrays)}
            batches.append(session.run(None, feed))
        if len(batches) == 1:
            return list(batches[0])
        return [np.concatenate(outputs) for outputs in zip(*batches)]

    def encode_character(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_character.onnx", images)[0]

    def encode_background(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_background.onnx", images)[0]

    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray:
        return self._run("motion.onnx", features_from, features_to)[0]

    def render_features(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray) -> np.ndarray:
        """The frame of one character over a background: renderer.onnx, in every bundle."""
        return self._run("renderer.onnx", character, theta, background)[0]

    render = render_features  # the name evaluation's SceneFunctions uses

    def plate(self, background: np.ndarray) -> np.ndarray:
        """[N, 3, S, S]: the plate decoded from background features (layered bundles)."""
        self._require_layers()
        return self._run("renderer_background.onnx", background)[0]

    def character_layer(self, character: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rgb [N, 3, S, S], alpha [N, 1, S, S]) of character features placed by theta (layered bundles)."""
        self._require_layers()
        rgb, alpha = self._run("renderer_character.onnx", character, theta)
        return rgb, alpha

    def _require_layers(self) -> None:
        if not self.layered:
            raise ValueError(f"{self.folder}: a {self.bundle.renderer} bundle has no separate layer graphs")

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

    def placed(self, character: CharacterRequest) -> Placed:
        """A character's features and the theta the renderer graphs place it with."""
        features = self.features(character.source.clip, character.source.frame, "character")
        m = character.motion
        motion = IDENTITY_THETA if m is None else self.motion_theta(m.clip, m.start, m.frame)
        if is_identity_pose(character.pose):
            return Placed(features, motion.astype(np.float32))
        if self.anchored and self.layered:  # centre-relative thetas: the pose composes directly
            return Placed(features, compose_pose(motion, character.pose, self.image_size).astype(np.float32))
        pivot = self.centroid(features[None])
        if self.anchored:  # the summed renderer also needs the motion alone, absolute (summed.py)
            theta = compose_pose(motion, character.pose, self.image_size)
            motion = theta_from(motion[None], pivot)[0]
        else:  # plain bundles take absolute thetas: pose about this character's centroid
            relative = compose_pose(theta_about(motion[None], pivot)[0], character.pose, self.image_size)
            theta = theta_from(relative[None], pivot)[0]
        return Placed(features, theta.astype(np.float32), motion.astype(np.float32))

    def absolute(self, placed: Placed) -> np.ndarray:
        """Theta as grid_sample uses it (what the renderer graph does inside when anchored)."""
        if not self.anchored:
            return placed.theta
        return theta_from(placed.theta[None], self.centroid(placed.features[None]))[0]

    # -- decoded layers (layered bundles), cached -------------------------------------------------
    def _decoded(self, cache: LRUCache, items: dict[Hashable, object], decode: Callable[[list], list]) -> dict:
        """``items`` (key -> what to decode) decoded, those not in ``cache`` in one batch."""
        found = {key: cache.get(key) for key in items}
        missing = [key for key, value in found.items() if value is None]
        if missing:
            for key, value in zip(missing, decode([items[key] for key in missing])):
                cache.put(key, value)
                found[key] = value
        return found

    def _plates_of(self, backgrounds: Sequence[FrameRef]) -> dict:
        def decode(refs: list[FrameRef]) -> list[np.ndarray]:
            return list(self.plate(np.stack([self.features(r.clip, r.frame, "background") for r in refs])))

        return self._decoded(self._plates, {ref: ref for ref in backgrounds}, decode)

    def _layers_of(self, characters: Sequence[CharacterRequest]) -> dict:
        def decode(requests: list[CharacterRequest]) -> list[CharacterLayer]:
            placed = [self.placed(c) for c in requests]
            rgb, alpha = self.character_layer(np.stack([p.features for p in placed]),
                                              np.stack([p.theta for p in placed]))
            return list(zip(rgb, alpha))

        return self._decoded(self._layers, {_layer_key(c): c for c in characters}, decode)

    # -- frame requests -----------------------------------------------------------------------------
    def render_requests(self, requests: Sequence[FrameRequest], layer: LayerView | str = LayerView.COMPOSITE,
                        character: str | None = None) -> np.ndarray:
        """Images [N, C, S, S] of frame requests in one ``LayerView`` (C is its ``channels``);
        with ``character``, the request's character of that name alone (none if it has none)."""
        if layer not in tuple(LayerView):
            raise ValueError(f"layer={layer!r}: allowed values are {', '.join(LayerView)}")
        layer = LayerView(layer)
        size = self.image_size
        if character is not None:
            requests = [replace(r, characters=tuple(c for c in r.characters if c.name == character)) for r in requests]
        if not requests:
            return np.zeros((0, layer.channels, size, size), np.float32)
        if not self.layered:
            return self._render_summed(requests, layer)
        needs_plate = layer in (LayerView.COMPOSITE, LayerView.BACKGROUND)
        plates = self._plates_of([r.background for r in requests]) if needs_plate else {}
        characters = [c for r in requests for c in r.characters]
        drawn = self._layers_of(characters) if layer is not LayerView.BACKGROUND else {}
        images = []
        for r in requests:
            if layer is LayerView.BACKGROUND:
                images.append(plates[r.background])
                continue
            layers = [drawn[_layer_key(c)] for c in r.characters]
            if layer is LayerView.COMPOSITE:
                images.append(composite(plates[r.background], layers))
            else:
                rgba = flatten(layers, (size, size))
                images.append(rgba if layer is LayerView.CHARACTERS else rgba[3:])
        return np.stack(images)

    def _render_summed(self, requests: Sequence[FrameRequest], layer: LayerView) -> np.ndarray:
        if layer in (LayerView.COMPOSITE, LayerView.BACKGROUND):
            return summed.render_view(self, requests, "both" if layer is LayerView.COMPOSITE else "background")
        frame, empty = summed.render_view(self, requests, "both"), summed.render_view(self, requests, "empty")
        alpha = summed.departure_alpha(frame, empty)
        return np.concatenate([frame, alpha], axis=1) if layer is LayerView.CHARACTERS else alpha

    def render_frame(self, request: FrameRequest, layer: LayerView | str = LayerView.COMPOSITE) -> np.ndarray:
        return self.render_requests([request], layer)[0]

    def render_view(self, requests: Sequence[FrameRequest], view: str) -> np.ndarray:
        """A summed bundle's views (``summed.VIEWS``), through renderer.onnx: how format 1 drew."""
        if view not in summed.VIEWS:
            raise ValueError(f"view={view!r}: allowed values are {', '.join(summed.VIEWS)}")
        return summed.render_view(self, requests, view)

    # -- where the characters are ---------------------------------------------------------------------
    def character_shapes(self, request: FrameRequest) -> list[CharacterShape]:
        """Each character of a frame request as it lands on the output image, for outlines,
        handles and hit tests: the centre and spread of its opaque alpha (layered), or of what the
        renderer draws for it alone on nothing (summed)."""
        return self.shapes_of_requests([request])[0]

    def shapes_of_requests(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """``character_shapes`` for several requests, with one decoder call for all of them."""
        if not self.layered:  # the strongest 5% of where it changes the frame, and where it is opaque
            return [[self._shape(np.maximum(d - np.quantile(d, 0.95), 0.0), summed.covered(d))
                     for d in frame] for frame in summed.drawn_alone(self, requests)]
        drawn = self._layers_of([c for r in requests for c in r.characters])
        alphas = [[drawn[_layer_key(c)][1][0] for c in r.characters] for r in requests]
        return [[self._shape(_opaque(alpha), alpha >= 0.5) for alpha in frame] for frame in alphas]

    def _shape(self, weights: np.ndarray, coverage: np.ndarray) -> CharacterShape:
        size = self.image_size
        centres = np.arange(size, dtype=np.float64) + 0.5
        weights = weights.astype(np.float64)
        covered = coverage if coverage.any() else None
        if weights.sum() <= 1e-9:
            return CharacterShape(size / 2.0, size / 2.0, size / 4.0, covered)
        weights = weights / weights.sum()
        x, y = float(weights.sum(0) @ centres), float(weights.sum(1) @ centres)
        spread = math.sqrt(float(weights.sum(0) @ (centres - x) ** 2 + weights.sum(1) @ (centres - y) ** 2))
        return CharacterShape(x, y, min(max(3.0, 1.6 * spread), size / 2.0), covered)


def _opaque(alpha: np.ndarray) -> np.ndarray:
    """Alpha where it is at least 0.5 (the character proper, not the faint haze a decoder leaves
    around it, which would pull the outline wide); all of it when nothing is that opaque."""
    opaque = np.where(alpha >= 0.5, alpha, 0.0)
    return opaque if opaque.any() else alpha


def _layer_key(character: CharacterRequest) -> Hashable:
    """What a character's decoded layer depends on (not its name: two characters alike share it)."""
    return (character.source, character.motion, character.pose)
