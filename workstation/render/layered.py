"""The layered renderer (format 2 "layered" bundles): it decodes the plate once per background frame
and each character's RGB and alpha once per (source, motion, pose), keeps them in bounded LRU
caches, and composites them in numpy (layers.py), so a drag re-runs one character decoder.
No Qt, no torch."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

import numpy as np

from workstation.kernel.lru import LRUCache
from workstation.project import CharacterRequest, FrameRef, FrameRequest
from workstation.render.graphs import Encoder, Graphs
from workstation.render.layers import CharacterLayer, LayerView, composite, flatten
from workstation.render.shapes import CharacterShape, shape_of

DECODED_CACHE = 1024  # plates and character layers kept: 64 KiB each at 64x64
Key = TypeVar("Key", bound=Hashable)
Item = TypeVar("Item")
Decoded = TypeVar("Decoded")


class LayeredRenderer:
    """Frames composited from decoded layers: a ``Renderer`` for layered bundles."""

    def __init__(self, graphs: Graphs, cache_size: int):
        self.graphs = graphs
        self.plates: LRUCache[FrameRef, np.ndarray] = LRUCache(min(cache_size, DECODED_CACHE))
        self.layers: LRUCache[Hashable, CharacterLayer] = LRUCache(min(cache_size, DECODED_CACHE))

    def render(self, requests: Sequence[FrameRequest], layer: LayerView) -> np.ndarray:
        size = self.graphs.image_size
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

    def shapes(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """The centre and spread of each character's opaque alpha, and where it is opaque."""
        drawn = self._layers_of([c for r in requests for c in r.characters])
        alphas = [[drawn[_layer_key(c)][1][0] for c in r.characters] for r in requests]
        return [[shape_of(_opaque(alpha), alpha >= 0.5) for alpha in frame] for frame in alphas]

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

        def decode(refs: list[FrameRef]) -> list[np.ndarray]:
            return list(graphs.plate(np.stack([graphs.features(r.clip, r.frame, Encoder.BACKGROUND) for r in refs])))

        return self._decoded(self.plates, {ref: ref for ref in backgrounds}, decode)

    def _layers_of(self, characters: Sequence[CharacterRequest]) -> dict[Hashable, CharacterLayer]:
        graphs = self.graphs

        def decode(requests: list[CharacterRequest]) -> list[CharacterLayer]:
            placed = [graphs.placed(c) for c in requests]
            rgb, alpha = graphs.character_layer(np.stack([p.features for p in placed]),
                                                np.stack([p.theta for p in placed]))
            return list(zip(rgb, alpha))

        return self._decoded(self.layers, {_layer_key(c): c for c in characters}, decode)


def _opaque(alpha: np.ndarray) -> np.ndarray:
    """Alpha where it is at least 0.5 (the character proper, not the faint haze a decoder leaves
    around it, which would pull the outline wide); all of it when nothing is that opaque."""
    opaque = np.where(alpha >= 0.5, alpha, 0.0)
    return opaque if opaque.any() else alpha


def _layer_key(character: CharacterRequest) -> Hashable:
    """What a character's decoded layer depends on (not its name: two characters alike share it)."""
    return (character.source, character.motion, character.pose)
