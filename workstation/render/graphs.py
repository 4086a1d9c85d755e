"""A bundle's graphs on numpy over one frame source, with what every renderer needs of them: the
encodings of clip frames and the thetas of motions, cached, and characters placed for the renderer
graphs. The engine's renderers (layered.py, summed.py) draw with it. No Qt, no torch.

Encodings are cached per (clip, frame, encoder) and thetas per (motion clip, start, frame), in LRU
caches bounded in bytes, so every method is safe to call from several threads (ONNX Runtime
sessions are; the caches take a lock).

With an anchored bundle, theta is relative to the character's centre (the renderer re-anchors it
on the character it draws); hand poses are composed in that frame (see workstation.render.geometry).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest
from workstation.render.bundle import CENTROID, Bundle
from workstation.render.geometry import (
    IDENTITY_THETA,
    centroid,
    compose_pose,
    energy_centroid,
    is_identity_pose,
    theta_about,
    theta_from,
)

FrameSource = Callable[[str, int], np.ndarray]


class Encoder(StrEnum):
    """Which encoder's features of a clip frame: f_c (the character) or f_b (the background)."""

    CHARACTER = "character"
    BACKGROUND = "background"


@dataclass(frozen=True)
class Placed:
    features: np.ndarray  # [C, h, w]
    theta: np.ndarray  # [2, 3], as the renderer graphs take it: the motion, then the hand pose
    # [2, 3] absolute, the motion alone, for the summed renderer; None without a hand pose, and for
    # an anchored layered bundle (its graphs take theta alone)
    motion: np.ndarray | None = None


class Graphs:
    """``bundle``'s graphs, batched, on numpy (also the evaluation's SceneFunctions), and their
    cached results over ``frames(clip, frame)``, a clip frame as float32 [3, S, S] fitted to the
    model; without a frame source only the graphs on arrays run."""

    def __init__(self, bundle: Bundle, frames: FrameSource | None, cache_bytes: int):
        """``cache_bytes``: what the encodings and thetas hold together, at most; the thetas get a
        256th of it (24 bytes each: some 32,000 motions at the engine's default)."""
        self.bundle = bundle
        self._frames = frames
        self._centroid = centroid if self.anchors_on_character_part else energy_centroid
        self.thetas: LRUCache[tuple[str, int, int], np.ndarray] = LRUCache(cache_bytes // 256)
        self.encodings: LRUCache[tuple[str, int, str], np.ndarray] = LRUCache(cache_bytes - self.thetas.max_bytes)

    @property
    def frames(self) -> FrameSource | None:
        return self._frames

    @property
    def anchors_on_character_part(self) -> bool:
        """Whether the renderer graph anchors on the character part of f_c, not on the field it
        carries everywhere (model.json "centroid" is ``CENTROID``; older bundles anchor on all of it)."""
        return self.bundle.metadata.get("centroid") == CENTROID

    @property
    def centroid(self) -> Callable[[np.ndarray], np.ndarray]:
        """The centroid the renderer graph anchors on, [N, C, h, w] -> [N, 2]."""
        return self._centroid

    # -- the graphs ---------------------------------------------------------------------------------
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
        if not self.bundle.layered:
            raise ValueError(f"{self.bundle.folder}: a {self.bundle.renderer} bundle has no separate layer graphs")

    def h(self, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
        """h(x_c, x_t1, x_t2, x_b) uncached; the three character encodings run as one batch."""
        character, moved_from, moved_to = np.split(self.encode_character(np.concatenate([x_c, x_t1, x_t2])), 3)
        return self.render_features(character, self.motion(moved_from, moved_to), self.encode_background(x_b))

    # -- cached over the frame source ---------------------------------------------------------------
    def _frame(self, clip: str, frame: int) -> np.ndarray:
        if self._frames is None:
            raise RuntimeError("this engine was made without a frame source")
        return self._frames(clip, frame)

    def features(self, clip: str, frame: int, encoder: Encoder | str) -> np.ndarray:
        """f_c or f_b (``Encoder``) of a clip frame, [C, h, w], cached."""
        key = (clip, frame, encoder)
        cached = self.encodings.get(key)
        if cached is None:
            image = self._frame(clip, frame)[None]
            cached = (self.encode_character if encoder == Encoder.CHARACTER else self.encode_background)(image)[0]
            self.encodings.put(key, cached)
        return cached

    def motion_theta(self, clip: str, start: int, frame: int) -> np.ndarray:
        """T^Z from clip frame ``start`` to ``frame``, [2, 3], cached."""
        key = (clip, start, frame)
        cached = self.thetas.get(key)
        if cached is None:
            if frame == start:
                cached = IDENTITY_THETA.copy()
            else:
                cached = self.motion(self.features(clip, start, Encoder.CHARACTER)[None],
                                     self.features(clip, frame, Encoder.CHARACTER)[None])[0]
            self.thetas.put(key, cached)
        return cached

    def placed(self, character: CharacterRequest) -> Placed:
        """A character's features and the theta the renderer graphs place it with."""
        features = self.features(character.source.clip, character.source.frame, Encoder.CHARACTER)
        m = character.motion
        motion = IDENTITY_THETA if m is None else self.motion_theta(m.clip, m.start, m.frame)
        if is_identity_pose(character.pose):
            return Placed(features, motion.astype(np.float32))
        if self.bundle.anchored and self.bundle.layered:  # centre-relative thetas: the pose composes directly
            return Placed(features, compose_pose(motion, character.pose).astype(np.float32))
        pivot = self.centroid(features[None])
        if self.bundle.anchored:  # the summed renderer also needs the motion alone, absolute (summed.py)
            theta = compose_pose(motion, character.pose)
            motion = theta_from(motion[None], pivot)[0]
        else:  # plain bundles take absolute thetas: pose about this character's centroid
            relative = compose_pose(theta_about(motion[None], pivot)[0], character.pose)
            theta = theta_from(relative[None], pivot)[0]
        return Placed(features, theta.astype(np.float32), motion.astype(np.float32))

    def absolute(self, placed: Placed) -> np.ndarray:
        """Theta as grid_sample uses it (what the renderer graph does inside when anchored)."""
        if not self.bundle.anchored:
            return placed.theta
        absolute: np.ndarray = theta_from(placed.theta[None], self.centroid(placed.features[None]))[0]
        return absolute
