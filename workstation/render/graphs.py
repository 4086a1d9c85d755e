"""A bundle's graphs on numpy over one frame source, with what every renderer needs of them: the
encodings of clip frames and the thetas of motions, cached, and characters placed for the renderer
graphs. The engine's renderers (layered.py, summed.py) draw with it. No Qt, no torch.

Encodings are cached per (clip, frame, encoder) and thetas per (motion clip, start, frame), in LRU
caches bounded in bytes, so every method is safe to call from several threads (ONNX Runtime
sessions are; the caches take a lock).

With an anchored bundle, theta is relative to the character's centre (the renderer re-anchors it
on the character it draws); hand poses are composed in that frame (see workstation.render.geometry).

A format 3 bundle with parts ("parts": P >= 1) also gives, with each motion's field, P soft part
masks in the square the character is drawn into; they are cached with the field, and
``part_masks`` gives a character's, moved by its hand pose as its field is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest, FrameRef, MotionRequest
from workstation.render.bundle import CENTROID, Bundle, BundleError
from workstation.render.fields import affine_field, beyond_affine, posed_field, posed_planes
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
# Format 3's motion of one character: (field [2, S, S], absolute theta [2, 3], part masks [P, S, S] or
# None for a bundle without parts)
Motion = tuple[np.ndarray, np.ndarray, np.ndarray | None]


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
    field: np.ndarray | None = None  # [2, S, S]: format 3's sampling field, the hand pose applied


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
        # format 3: a motion's field (and part masks) depend on the character it moves (32 KiB each at
        # 64x64, and 16 KiB a part)
        self.fields: LRUCache[tuple[str, int, int, str, int], Motion] = LRUCache(
            cache_bytes // 8 if bundle.colour_from_source else 0)
        self.encodings: LRUCache[tuple[str, int, str], np.ndarray] = LRUCache(
            cache_bytes - self.thetas.max_bytes - self.fields.max_bytes)

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
            try:
                outputs = session.run(None, feed)
            except Exception as error:  # onnxruntime raises several kinds while a graph runs
                reason = " ".join(str(error).split())[:200] or type(error).__name__
                raise BundleError(f"failed while running: {reason}", self.bundle.folder / graph) from None
            if not all(np.isfinite(output).all() for output in outputs):
                raise BundleError("gave values that are not numbers (NaN or infinite): its weights are damaged; "
                                  "export the bundle again", self.bundle.folder / graph)
            batches.append(outputs)
        if len(batches) == 1:
            return list(batches[0])
        return [np.concatenate(outputs) for outputs in zip(*batches)]

    def encode_character(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_character.onnx", images)[0]

    def encode_background(self, images: np.ndarray) -> np.ndarray:
        return self._run("encoder_background.onnx", images)[0]

    def motion(self, features_from: np.ndarray, features_to: np.ndarray) -> np.ndarray:
        """T^Z's theta, as the renderer graphs of formats 1 and 2 take it (anchored: relative to the
        centroid). Format 3's motion graph also takes the character it moves: here the first of the
        pair, whose centroid the theta is then made relative to (the same for an affine model)."""
        if not self.bundle.colour_from_source:
            return self._run("motion.onnx", features_from, features_to)[0]
        _, theta = self.motion_fields(features_from, features_to, features_from)
        return theta_about(theta, self.centroid(features_from)) if self.bundle.anchored else theta

    def motion_fields(self, features_from: np.ndarray, features_to: np.ndarray,
                      character: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Format 3: (field [N, 2, S, S], absolute theta [N, 2, 3]) of a motion for the characters."""
        field, theta, _ = self.motion_parts(features_from, features_to, character)
        return field, theta

    def motion_parts(self, features_from: np.ndarray, features_to: np.ndarray,
                     character: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """Format 3: ``motion_fields`` and the part masks [N, P, S, S] that go with the field (None
        for a bundle without parts)."""
        field, theta, *parts = self._run("motion.onnx", features_from, features_to, character)
        return field, theta, (parts[0] if parts else None)

    def field_of(self, character: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Format 3: the field of thetas as ``motion`` gives them, for character features [N, C, h, w]."""
        absolute = theta_from(theta, self.centroid(character)) if self.bundle.anchored else theta
        return affine_field(absolute, self.bundle.image_size)

    def render_features(self, character: np.ndarray, theta: np.ndarray, background: np.ndarray,
                        source: np.ndarray | None = None) -> np.ndarray:
        """The frame of one character over a background: renderer.onnx, in every bundle; format 3's
        also takes the character's own frame (``source``), which it draws the colour from."""
        if not self.bundle.colour_from_source:
            return self._run("renderer.onnx", character, theta, background)[0]
        if source is None:
            raise ValueError(f"{self.bundle.folder}: a format 3 bundle draws a character from its own frame: "
                             "pass source")
        return self._run("renderer.onnx", character, self.field_of(character, theta), source, background)[0]

    def plate(self, background: np.ndarray) -> np.ndarray:
        """[N, 3, S, S]: the plate decoded from background features (layered bundles)."""
        self._require_layers()
        return self._run("renderer_background.onnx", background)[0]

    def character_layer(self, character: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rgb [N, 3, S, S], alpha [N, 1, S, S]) of character features placed by theta (layered bundles)."""
        self._require_layers()
        if self.bundle.colour_from_source:
            rgb, alpha, _ = self.character_parts(character, self.field_of(character, theta))
            return rgb, alpha
        rgb, alpha = self._run("renderer_character.onnx", character, theta)
        return rgb, alpha

    def character_parts(self, character: np.ndarray, field: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Format 3: (rgb, alpha, visibility) of character features placed by fields [N, 2, S, S]."""
        rgb, alpha, visibility = self._run("renderer_character.onnx", character, field)
        return rgb, alpha, visibility

    def _require_layers(self) -> None:
        if not self.bundle.layered:
            raise ValueError(f"{self.bundle.folder}: a {self.bundle.renderer} bundle has no separate layer graphs")

    def h(self, x_c: np.ndarray, x_t1: np.ndarray, x_t2: np.ndarray, x_b: np.ndarray) -> np.ndarray:
        """h(x_c, x_t1, x_t2, x_b) uncached; the three character encodings run as one batch."""
        character, moved_from, moved_to = np.split(self.encode_character(np.concatenate([x_c, x_t1, x_t2])), 3)
        if self.bundle.colour_from_source:
            field, _ = self.motion_fields(moved_from, moved_to, character)
            return self._run("renderer.onnx", character, field, x_c, self.encode_background(x_b))[0]
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

    def motion_field(self, character: CharacterRequest, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Format 3: (field [2, S, S], absolute theta [2, 3]) of the character's motion, cached."""
        m = character.motion
        if m is None or m.frame == m.start:
            return affine_field(IDENTITY_THETA[None], self.bundle.image_size)[0], IDENTITY_THETA.copy()
        field, theta, _ = self._motion_of(m, character.source, features)
        return field, theta

    def _motion_of(self, m: MotionRequest, source: FrameRef, features: np.ndarray) -> Motion:
        """Format 3: motion ``m`` of the character of ``source`` (its ``features``), cached."""
        key = (m.clip, m.start, m.frame, source.clip, source.frame)
        cached = self.fields.get(key)
        if cached is None:
            fields, thetas, parts = self.motion_parts(self.features(m.clip, m.start, Encoder.CHARACTER)[None],
                                                      self.features(m.clip, m.frame, Encoder.CHARACTER)[None],
                                                      features[None])
            cached = (fields[0], thetas[0], None if parts is None else parts[0])
            self.fields.put(key, cached)
        return cached

    def part_masks(self, character: CharacterRequest) -> np.ndarray | None:
        """Format 3 with parts: the character's part masks [P, S, S] in the square it is drawn
        into, where its motion takes each part and moved by its hand pose as its field is; without
        a motion, its own parts where it stands (a still motion of itself). None for a bundle
        without parts: the whole character is one part."""
        if not self.bundle.parts:
            return None

        def masks_of(field: np.ndarray, absolute: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
            assert masks is not None  # the bundle has parts, so its motion graph gives them
            return masks

        return self._posed_motion_planes(character, masks_of)

    def own_motion(self, character: CharacterRequest) -> np.ndarray | None:
        """Format 3 without parts: [2, S, S], how far (x, y, in pixels of the square) the character's
        motion moves each pixel of the square beyond its whole body's affine (a dense model's
        displacement; zero for a single affine, and without a motion), moved by its hand pose as its
        field is. None for formats 1 and 2 and for a bundle with parts (its masks say what moves with
        what)."""
        if not self.bundle.colour_from_source or self.bundle.parts:
            return None
        size = self.bundle.image_size
        m = character.motion
        if m is None or m.frame == m.start:  # drawn where it stands, by no motion at all
            return np.zeros((2, size, size), np.float32)

        def beyond(field: np.ndarray, absolute: np.ndarray, masks: np.ndarray | None) -> np.ndarray:
            return beyond_affine(field, absolute) * np.float32(size / 2)

        return self._posed_motion_planes(character, beyond)

    def _posed_motion_planes(self, character: CharacterRequest,
                             planes_of: Callable[[np.ndarray, np.ndarray, np.ndarray | None], np.ndarray],
                             ) -> np.ndarray:
        """Planes of the square that ``planes_of(field, absolute theta, masks)`` makes of the
        character's motion (without one, a still motion of itself), moved by its hand pose."""
        source, m = character.source, character.motion
        features = self.features(source.clip, source.frame, Encoder.CHARACTER)
        still = m is None or m.frame == m.start
        motion = MotionRequest(source.clip, source.frame, source.frame) if m is None or still else m
        field, absolute, masks = self._motion_of(motion, source, features)
        planes = planes_of(field, absolute, masks)
        if still:  # drawn where it stands: its hand pose moves it from there
            absolute = IDENTITY_THETA
        if is_identity_pose(character.pose):
            return planes
        _, posed_absolute = self._posed(absolute, self.centroid(features[None]), character)
        return posed_planes(planes, absolute, posed_absolute)

    def _placed_by_field(self, character: CharacterRequest, features: np.ndarray) -> Placed:
        """Format 3: the motion's field, with the hand pose applied as formats 1 and 2 apply it to
        theta (about where the motion takes the character); ``Placed.theta`` is relative when anchored."""
        field, absolute = self.motion_field(character, features)
        pivot = self.centroid(features[None])
        relative = theta_about(absolute[None], pivot)[0] if self.bundle.anchored else absolute
        if is_identity_pose(character.pose):
            return Placed(features, relative.astype(np.float32), field=field)
        posed, posed_absolute = self._posed(absolute, pivot, character)
        return Placed(features, posed.astype(np.float32), field=posed_field(field, absolute, posed_absolute))

    def _posed(self, absolute: np.ndarray, pivot: np.ndarray,
               character: CharacterRequest) -> tuple[np.ndarray, np.ndarray]:
        """Format 3: (theta as ``Placed`` holds it, absolute theta) of a motion's absolute theta with
        the character's hand pose composed about where the motion takes it (``pivot``)."""
        posed = compose_pose(theta_about(absolute[None], pivot)[0], character.pose)
        posed_absolute = theta_from(posed[None], pivot)[0]
        return (posed if self.bundle.anchored else posed_absolute), posed_absolute

    def placed(self, character: CharacterRequest) -> Placed:
        """A character's features and the theta the renderer graphs place it with (and format 3's field)."""
        features = self.features(character.source.clip, character.source.frame, Encoder.CHARACTER)
        if self.bundle.colour_from_source:
            return self._placed_by_field(character, features)
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
