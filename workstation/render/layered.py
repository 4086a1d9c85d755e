"""The layered renderer (format 2 "layered" bundles): it decodes the plate once per background frame
and each character's RGB and alpha once per (source, motion, pose), keeps them in LRU caches
bounded in bytes, and composites them in numpy (layers.py), so a drag re-runs one character decoder.
A character's alpha is its decoder's under the matte rule (matte.py) in every view, applied once
when the character is decoded. The Parts view is the composite with the chosen characters' part
masks (``Graphs.part_masks``) enlarged as their alpha is and coloured over them (part_colours.py).
No Qt, no torch."""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Sequence
from typing import NamedTuple, TypeVar

import cv2
import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest, FrameRef, FrameRequest
from workstation.render.framing import Framing
from workstation.render.geometry import IDENTITY_THETA
from workstation.render.graphs import Encoder, Graphs
from workstation.render.layers import CharacterLayer, LayerView
from workstation.render.matte import clean_matte
from workstation.render.output_layers import (
    OutputLayer,
    SourceColour,
    composite_at_output,
    enlarge,
    flatten_at_output,
    frame_at_output,
    layer_at_output,
)
from workstation.render.part_colours import part_colours, tinted
from workstation.render.shapes import CharacterShape, shape_of
from workstation.render.sources import Sources

Key = TypeVar("Key", bound=Hashable)
Item = TypeVar("Item")
Decoded = TypeVar("Decoded")


class DecodedCharacter(NamedTuple):
    """One placed character as its decoder draws it, kept whole in the cache."""

    rgb: np.ndarray  # [3, S, S], straight
    alpha: np.ndarray  # [1, S, S], the decoder's own: where the outline centres
    matte: np.ndarray  # [1, S, S], ``alpha`` under the matte rule: what every view draws
    theta: np.ndarray  # [2, 3], absolute: where its source frame is sampled from (the guide's map)
    visibility: np.ndarray | None = None  # [1, S, S], format 3: where the source's own pixels are the colour
    field: np.ndarray | None = None  # [2, S, S], format 3: where each pixel samples its source frame

    @property
    def layer(self) -> CharacterLayer:
        return self.rgb, self.matte


class Plate(NamedTuple):
    """A background frame's plate and the matte of the character the frame holds itself (the
    character graph at identity, under the matte rule): where the plate replaces the frame."""

    rgb: np.ndarray  # [3, S, S]
    own: np.ndarray  # [1, S, S]


class LayeredRenderer:
    """Frames composited from decoded layers: a ``Renderer`` for layered bundles."""

    def __init__(self, graphs: Graphs, sources: Sources | None, cache_bytes: int):
        """``cache_bytes``: what the decoded plates, the backgrounds composed at the output size and
        the character layers hold together, at most: a sixth for the plates, a third for the
        backgrounds (a 720p one is 11 MiB), the rest for the characters (a frame may have several)."""
        self.graphs = graphs
        self.sources = sources
        self.plates: LRUCache[FrameRef, Plate] = LRUCache(cache_bytes // 6)
        self.backgrounds: LRUCache[Hashable, np.ndarray] = LRUCache(cache_bytes // 3)
        self.layers: LRUCache[Hashable, DecodedCharacter] = LRUCache(
            cache_bytes - self.plates.max_bytes - self.backgrounds.max_bytes)

    def render(self, requests: Sequence[FrameRequest], layer: LayerView,
               parts_of: Collection[str] | None = None) -> np.ndarray:
        """Each request at its output size: the background frame, with the plate only where a
        character of its own is removed, and the characters over it (output_layers.py); in the
        Parts view, those named in ``parts_of`` (None: all) with their parts coloured."""
        if self.sources is None:
            raise RuntimeError("this engine was made without a frame source")
        needs_background = layer in (LayerView.COMPOSITE, LayerView.BACKGROUND, LayerView.PARTS)
        plates = self._plates_of([r.background for r in requests]) if needs_background else {}
        characters = [c for r in requests for c in r.characters]
        drawn = self._layers_of(characters) if layer is not LayerView.BACKGROUND else {}
        out: np.ndarray | None = None
        for i, r in enumerate(requests):
            framing = self.sources.framing(r)
            if out is None:  # the requests of one call share one output size
                out = np.empty((len(requests), layer.channels, framing.height, framing.width), np.float32)
            smooth = r.output is not None and r.output.scaling == "smooth"
            background = self._background(r, framing, plates[r.background], smooth) if needs_background else None
            if background is not None and layer is LayerView.BACKGROUND:
                out[i] = background
                continue
            layers = [self._at_output(r, framing, c, drawn[_layer_key(c)], smooth) for c in r.characters]
            if layer is LayerView.PARTS:
                layers = [self._parts_over(framing, c, each, smooth)
                          if each is not None and (parts_of is None or c.name in parts_of) else each
                          for c, each in zip(r.characters, layers)]
            placed = [each for each in layers if each is not None]
            if background is not None:
                composite_at_output(background, placed, out[i])
            else:
                flatten_at_output(placed, out[i])
        assert out is not None
        return out

    def _background(self, request: FrameRequest, framing: Framing, plate: Plate, smooth: bool) -> np.ndarray:
        """The background at the output size, cached: the frame, and where a character of its own
        is, the plate blended in by that character's matte."""
        assert self.sources is not None
        key = (request.background, framing.width, framing.height, smooth)
        cached = self.backgrounds.get(key)
        if cached is None:
            frame = frame_at_output(self.sources.background(request, framing), framing, smooth)
            guide = self.sources.guide(request, framing, request.background, IDENTITY_THETA)
            own = layer_at_output(framing, plate.rgb, plate.own, smooth, guide)
            cached = composite_at_output(frame, [own] if own is not None else [], frame)
            self.backgrounds.put(key, cached)
        return cached

    def _at_output(self, request: FrameRequest, framing: Framing, character: CharacterRequest,
                   decoded: DecodedCharacter, smooth: bool) -> OutputLayer | None:
        assert self.sources is not None
        guide = self.sources.guide(request, framing, character.source, decoded.theta)
        colour = None
        if decoded.visibility is not None and decoded.field is not None:  # format 3: from the source's pixels
            image, square_to_image = self.sources.own(request, character.source)
            colour = SourceColour(decoded.visibility, decoded.field, image, square_to_image)
        return layer_at_output(framing, decoded.rgb, decoded.matte, smooth, guide, colour)

    def _parts_over(self, framing: Framing, character: CharacterRequest, layer: OutputLayer,
                    smooth: bool) -> OutputLayer:
        """``layer`` (the character at the output size) with its part masks (or, without parts, its
        own motion beyond the body's) coloured over it: enlarged into its box as its alpha is, so
        they land where the character does."""
        interpolation = cv2.INTER_LINEAR if smooth else cv2.INTER_NEAREST
        masks, own_motion = self.graphs.part_masks(character), self.graphs.own_motion(character)
        if masks is not None:
            masks = enlarge(masks, framing, layer.box, interpolation)
        if own_motion is not None:
            own_motion = enlarge(own_motion, framing, layer.box, interpolation)
        colours = part_colours(masks, layer.alpha.shape[1:], own_motion)
        return OutputLayer(layer.box, tinted(layer.rgb, colours), layer.alpha)

    def shapes(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """The centre and spread of each character's opaque alpha, and where it is opaque as drawn
        (under the matte rule). The centre weighs the decoder's own alpha, so a character the rule
        clears entirely still has its anchor where the decoder puts it."""
        drawn = self._layers_of([c for r in requests for c in r.characters])
        shapes = []
        for r in requests:
            decoded = [drawn[_layer_key(c)] for c in r.characters]
            shapes.append([shape_of(_opaque(d.alpha[0]), d.matte[0] >= 0.5) for d in decoded])
        return shapes

    # -- decoded layers, cached -----------------------------------------------------------------------
    @staticmethod
    def _decoded(cache: LRUCache[Key, Decoded], items: dict[Key, Item],
                 decode: Callable[[list[Item]], list[Decoded]]) -> dict[Key, Decoded]:
        """``items`` (key -> what to decode) decoded, those not in ``cache`` in one batch."""
        found: dict[Key, Decoded] = {}
        missing = []
        for key in items:
            value = cache.get(key)
            if value is None:
                missing.append(key)
            else:
                found[key] = value
        if missing:
            for key, value in zip(missing, decode([items[key] for key in missing])):
                cache.put(key, value)
                found[key] = value
        return found

    def _plates_of(self, backgrounds: Sequence[FrameRef]) -> dict[FrameRef, Plate]:
        graphs = self.graphs

        def decode(refs: list[FrameRef]) -> list[Plate]:  # copies: a slice would keep the whole batch alive
            plates = graphs.plate(np.stack([graphs.features(r.clip, r.frame, Encoder.BACKGROUND) for r in refs]))
            own = np.stack([graphs.features(r.clip, r.frame, Encoder.CHARACTER) for r in refs])
            _, alpha = graphs.character_layer(own, np.broadcast_to(IDENTITY_THETA, (len(refs), 2, 3)))
            return [Plate(plate.copy(), matte.copy()) for plate, matte in zip(plates, clean_matte(alpha))]

        return self._decoded(self.plates, {ref: ref for ref in backgrounds}, decode)

    def _layers_of(self, characters: Sequence[CharacterRequest]) -> dict[Hashable, DecodedCharacter]:
        graphs = self.graphs

        def decode(requests: list[CharacterRequest]) -> list[DecodedCharacter]:  # copies, as the plates'
            placed = [graphs.placed(c) for c in requests]
            features = np.stack([p.features for p in placed])
            thetas = [graphs.absolute(p) for p in placed]
            if graphs.bundle.colour_from_source:
                fields = np.stack([p.field for p in placed if p.field is not None])
                rgb, alpha, visibility = graphs.character_parts(features, fields)
                return [DecodedCharacter(r.copy(), a.copy(), m.copy(), t, v.copy(), f)
                        for r, a, m, t, v, f in zip(rgb, alpha, clean_matte(alpha), thetas, visibility, fields)]
            rgb, alpha = graphs.character_layer(features, np.stack([p.theta for p in placed]))
            return [DecodedCharacter(r.copy(), a.copy(), m.copy(), t)
                    for r, a, m, t in zip(rgb, alpha, clean_matte(alpha), thetas)]

        return self._decoded(self.layers, {_layer_key(c): c for c in characters}, decode)


def _opaque(alpha: np.ndarray) -> np.ndarray:
    """Alpha where it is at least 0.5 (the character proper, not the faint haze a decoder leaves
    around it, which would pull the outline wide); all of it when nothing is that opaque."""
    opaque = np.where(alpha >= 0.5, alpha, 0.0)
    return opaque if opaque.any() else alpha


def _layer_key(character: CharacterRequest) -> Hashable:
    """What a character's decoded layer depends on (not its name: two characters alike share it)."""
    return (character.source, character.motion, character.pose)
