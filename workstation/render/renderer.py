"""What a kind of bundle's renderer does for the engine: draw frame requests in a layer, and say
where their characters land. The engine picks one by the bundle's kind when it is made
(``LayeredRenderer`` in layered.py, ``SummedRenderer`` in summed.py) and delegates to it. No Qt,
no torch."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Protocol

import numpy as np

from workstation.project import FrameRequest
from workstation.render.layers import LayerView
from workstation.render.shapes import CharacterShape


class Renderer(Protocol):
    def render(self, requests: Sequence[FrameRequest], layer: LayerView,
               parts_of: Collection[str] | None = None) -> np.ndarray:
        """Images [N, C, S, S] of the requests in ``layer`` (C is its ``channels``); the engine has
        checked the layer, left out the characters not asked for, and never asks for none. In the
        Parts view, only the characters named in ``parts_of`` (None: all) have their parts coloured."""
        ...

    def shapes(self, requests: Sequence[FrameRequest]) -> list[list[CharacterShape]]:
        """Each request's characters as they land on the output image, in the request's order."""
        ...
