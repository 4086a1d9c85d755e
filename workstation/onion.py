"""Onion skin: the neighbouring frames' characters drawn faintly under the current frame, tinted
by direction (earlier frames red, later frames blue), as in Pencil2D and Krita.

Where a character stands is its alpha (the engine's "characters" layer): a neighbour shows as a
ghost where its characters cover the frame, except where the current frame's own characters are,
which stay on top. Pure numpy, no Qt.
"""

from __future__ import annotations

import numpy as np

PREVIOUS_TINT = (0.90, 0.15, 0.10)
NEXT_TINT = (0.10, 0.35, 0.95)
GHOST_OPACITY = 0.5


def onion_skin(current: np.ndarray, coverage: np.ndarray, previous: np.ndarray | None = None,
               following: np.ndarray | None = None, opacity: float = GHOST_OPACITY) -> np.ndarray:
    """``current`` (float RGB [H, W, 3] in [0, 1]) with the ghosts of ``previous`` and ``following``
    (their characters as straight RGBA [H, W, 4]; None for a missing neighbour at the shot's ends)
    under its own characters, whose alpha is ``coverage`` [H, W]."""
    current = current.astype(np.float32)
    uncovered = 1.0 - np.clip(coverage.astype(np.float32), 0.0, 1.0)
    out = current.copy()
    for neighbour, tint in ((previous, PREVIOUS_TINT), (following, NEXT_TINT)):
        if neighbour is None:
            continue
        neighbour = neighbour.astype(np.float32)
        weight = (opacity * np.clip(neighbour[..., 3], 0.0, 1.0) * uncovered)[..., None]
        ghost = 0.5 * neighbour[..., :3] + 0.5 * np.asarray(tint, np.float32)
        out = out * (1.0 - weight) + ghost * weight
    return out
