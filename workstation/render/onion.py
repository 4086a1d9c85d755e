"""Onion skin: the neighbouring frames' characters drawn faintly under the current frame, tinted
by direction (earlier frames red, later frames blue by default), as in Pencil2D and Krita.

Where a character stands is its alpha (the engine's "characters" layer): a neighbour shows as a
ghost where its characters cover the frame, except where the current frame's own characters are,
which stay on top. How many frames on each side, how strong and in which colours is an
``OnionStyle`` (Edit ▸ Preferences). Pure numpy, no Qt.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

Colour = tuple[float, float, float]  # RGB in [0, 1]

PREVIOUS_TINT: Colour = (230 / 255, 38 / 255, 26 / 255)  # 8-bit colours, as a colour picker gives them
NEXT_TINT: Colour = (26 / 255, 89 / 255, 242 / 255)
# The nearest ghost's opacity, and how much of a ghost's colour is its tint (the rest: the neighbour's
# own colours). At half and half a dark ghost on a light plate read as a brownish smudge, hard to
# see; at these it reads as red or blue. A style saved with another opacity keeps it.
GHOST_OPACITY = 0.75
TINT_SHARE = 0.7
MAX_GHOST_FRAMES = 10  # on each side


@dataclass(frozen=True)
class OnionStyle:
    """The onion skin as the animator set it: ``frames`` ghosts on each side, the nearest at
    ``opacity`` and each one farther away fainter, tinted ``earlier`` before and ``later`` after."""

    frames: int = 1
    opacity: float = GHOST_OPACITY
    earlier: Colour = PREVIOUS_TINT
    later: Colour = NEXT_TINT

    def opacity_at(self, distance: int) -> float:
        """The opacity of the ghost ``distance`` frames away (1: the nearest)."""
        return self.opacity * (self.frames - distance + 1) / self.frames


Neighbours = np.ndarray | Sequence[np.ndarray | None] | None


def _nearest_first(neighbours: Neighbours) -> list[np.ndarray | None]:
    if neighbours is None:
        return []
    if isinstance(neighbours, np.ndarray):
        return [neighbours]
    return list(neighbours)


def onion_skin(current: np.ndarray, coverage: np.ndarray, previous: Neighbours = None, following: Neighbours = None,
               style: OnionStyle = OnionStyle()) -> np.ndarray:
    """``current`` (float RGB [H, W, 3] in [0, 1]) with the ghosts of ``previous`` and ``following``
    under its own characters, whose alpha is ``coverage`` [H, W]. Each side is one neighbour or a
    sequence of them, nearest first: their characters as straight RGBA [H, W, 4], None for a frame
    beyond the shot's ends. Only the first ``style.frames`` of each side are drawn."""
    current = current.astype(np.float32)
    uncovered = 1.0 - np.clip(coverage.astype(np.float32), 0.0, 1.0)
    ghosts = []  # (distance, neighbour, tint)
    for neighbours, tint in ((previous, style.earlier), (following, style.later)):
        for distance, neighbour in enumerate(_nearest_first(neighbours)[: style.frames], start=1):
            if neighbour is not None:
                ghosts.append((distance, neighbour, tint))
    out = current.copy()
    for distance, neighbour, tint in sorted(ghosts, key=lambda ghost: -ghost[0]):  # the nearest on top
        neighbour = neighbour.astype(np.float32)
        weight = (style.opacity_at(distance) * np.clip(neighbour[..., 3], 0.0, 1.0) * uncovered)[..., None]
        ghost = (1.0 - TINT_SHARE) * neighbour[..., :3] + TINT_SHARE * np.asarray(tint, np.float32)
        out = out * (1.0 - weight) + ghost * weight
    return out
