"""The layered renderer (format 2 "layered" bundles): it decodes the plate once per background frame
and each character's RGB and alpha once per (source, motion, pose), keeps them in LRU caches
bounded in bytes, and composites them in numpy (layers.py), so a drag re-runs one character decoder.
A character's alpha is its decoder's under the matte rule (matte.py) in every view, applied once
when the character is decoded. No Qt, no torch."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import NamedTuple, TypeVar

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest, FrameRef, FrameRequest
from workstation.render.graphs import Encoder, Graphs
from workstation.render.layers import CharacterLayer, LayerView, composite, flatten
from workstation.render.matte import clean_matte
from workstation.render.shapes import CharacterShape, shape_of

Key = TypeVar("Key", bound=Hashable)
Item = TypeVar("Item")
Decoded = TypeVar("Decoded")


class DecodedCharacter(NamedTuple):
    """One placed character as its decoder draws it, kept whole in the cache."""

    rgb: np.ndarray  # [3, S, S], straight
    alpha: np.ndarray  # [1, S, S], the decoder's own: where the outline centres
    matte: np.ndarray  # [1, S, S], ``alpha`` under the matte rule: what every view draws

    @property
    def layer(self) -> CharacterLayer:
        return self.rgb, self.matte


class LayeredRenderer:
    """Frames composited from decoded layers: a ``Renderer`` for layered bundles."""

    def __init__(self, graphs: Graphs, cache_bytes: int):
        """``cache_bytes``: what the decoded plates and character layers hold together, at most; the
        plates get a third of it (a frame has one plate and may have several characters)."""
        self.graphs = graphs
        self.plates: LRUCache[FrameRef, np.ndarray] = LRUCache(cache_bytes // 3)
        self.layers: LRUCache[Hashable, DecodedCharacter] = LRUCache(cache_bytes - self.plates.max_bytes)

    def render(self, requests: Sequence[FrameRequest], layer: LayerView) -> np.ndarray:
        size = self.graphs.bundle.image_size
        needs_plate = layer in (LayerView.COMPOSITE, LayerView.BACKGROUND)
        plates = self._plates_of([r.background for r in requests]) if needs_plate else {}
        characters = [c for r in requests for c in r.characters]
        drawn = self._layers_of(characters) if layer is not LayerView.BACKGROUND else {}
        images = []
        for r in requests:
            if layer is LayerView.BACKGROUND:
                images.append(plates[r.background])
                continue
            layers = [drawn[_layer_key(c)].layer for c in r.characters]
            if layer is LayerView.COMPOSITE:
                images.append(composite(plates[r.background], layers))
            else:
                rgba = flatten(layers, (size, size))
                images.append(rgba if layer is LayerView.CHARACTERS else rgba[3:])
        return np.stack(images)

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

    def _plates_of(self, backgrounds: Sequence[FrameRef]) -> dict[FrameRef, np.ndarray]:
        graphs = self.graphs

        def decode(refs: list[FrameRef]) -> list[np.ndarray]:  # copies: a slice would keep the whole batch alive
            plates = graphs.plate(np.stack([graphs.features(r.clip, r.frame, Encoder.BACKGROUND) for r in refs]))
            return [plate.copy() for plate in plates]

        return self._decoded(self.plates, {ref: ref for ref in backgrounds}, decode)

    def _layers_of(self, characters: Sequence[CharacterRequest]) -> dict[Hashable, DecodedCharacter]:
        graphs = self.graphs

        def decode(requests: list[CharacterRequest]) -> list[DecodedCharacter]:  # copies, as the plates'
            placed = [graphs.placed(c) for c in requests]
            rgb, alpha = graphs.character_layer(np.stack([p.features for p in placed]),
                                                np.stack([p.theta for p in placed]))
            return [DecodedCharacter(r.copy(), a.copy(), m.copy()) for r, a, m in zip(rgb, alpha, clean_matte(alpha))]

        return self._decoded(self.layers, {_layer_key(c): c for c in characters}, decode)


def _opaque(alpha: np.ndarray) -> np.ndarray:
    """Alpha where it is at least 0.5 (the character proper, not the faint haze a decoder leaves
    around it, which would pull the outline wide); all of it when nothing is that opaque."""
    opaque = np.where(alpha >= 0.5, alpha, 0.0)
    return opaque if opaque.any() else alpha


def _layer_key(character: CharacterRequest) -> Hashable:
    """What a character's decoded layer depends on (not its name: two characters alike share it)."""
    return (character.source, character.motion, character.pose)
