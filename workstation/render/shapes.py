"""Where a placed character lands on the output image, for the Canvas's outlines, handles and hit
tests: each renderer weighs its pixels its own way (layered.py, summed.py), and the shape is the
centre and spread of those weights. No Qt, no torch."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np


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


def shape_of(weights: np.ndarray, coverage: np.ndarray) -> CharacterShape:
    """The shape of a character weighted by ``weights`` [S, S] (where it is, how surely) that covers
    ``coverage`` (bool [S, S]); one weighing nothing sits in the middle, a quarter of the image wide."""
    size = coverage.shape[0]
    centres = np.arange(size, dtype=np.float64) + 0.5
    weights = weights.astype(np.float64)
    covered = coverage if coverage.any() else None
    if weights.sum() <= 1e-9:
        return CharacterShape(size / 2.0, size / 2.0, size / 4.0, covered)
    weights = weights / weights.sum()
    x, y = float(weights.sum(0) @ centres), float(weights.sum(1) @ centres)
    spread = math.sqrt(float(weights.sum(0) @ (centres - x) ** 2 + weights.sum(1) @ (centres - y) ** 2))
    return CharacterShape(x, y, min(max(3.0, 1.6 * spread), size / 2.0), covered)
