"""Onion skin: the neighbouring frames' characters drawn faintly under the current frame, tinted
by direction (earlier frames red, later frames blue), as in Pencil2D and Krita.

A rendered frame has no alpha, so where a character stands is read against the plate (the shot
rendered without its characters, the engine's layer "empty"): a neighbour shows as a ghost where
it departs from the plate, except where the current frame's own character is, which stays on top.
Pure numpy, no Qt.
"""

from __future__ import annotations

import numpy as np

PREVIOUS_TINT = (0.90, 0.15, 0.10)
NEXT_TINT = (0.10, 0.35, 0.95)
GHOST_OPACITY = 0.5
# A pixel belongs to a character when some channel departs from the plate by more than NOISE; it
# counts fully from NOISE + RAMP. Below NOISE is the renderer's own noise around a character.
NOISE, RAMP = 0.06, 0.2


def character_mask(image: np.ndarray, plate: np.ndarray) -> np.ndarray:
    """[H, W] in [0, 1]: how surely each pixel of ``image`` [H, W, 3] is character, not plate."""
    departure = np.abs(image.astype(np.float32) - plate.astype(np.float32)).max(axis=2)
    return np.clip((departure - NOISE) / RAMP, 0.0, 1.0)


def onion_skin(current: np.ndarray, plate: np.ndarray, previous: np.ndarray | None = None,
               following: np.ndarray | None = None, opacity: float = GHOST_OPACITY) -> np.ndarray:
    """``current`` with the ghosts of ``previous`` and ``following`` under its character. Images
    are float [H, W, 3] in [0, 1]; a missing neighbour (the shot's first or last frame) is None."""
    current = current.astype(np.float32)
    uncovered = 1.0 - character_mask(current, plate)
    out = current.copy()
    for neighbour, tint in ((previous, PREVIOUS_TINT), (following, NEXT_TINT)):
        if neighbour is None:
            continue
        neighbour = neighbour.astype(np.float32)
        weight = (opacity * character_mask(neighbour, plate) * uncovered)[..., None]
        ghost = 0.5 * neighbour + 0.5 * np.asarray(tint, np.float32)
        out = out * (1.0 - weight) + ghost * weight
    return out
