"""The matte rule: a character's alpha as every view and export with alpha shows it, exactly 0 away
from the character and exactly 1 inside it, soft only across its edge. No Qt, no torch.

A layered model's alpha never reaches 0 (training bounds its logit, so it stays above about
0.6/255: a faint box around every character that stops a game engine trimming it) nor quite 1.
The rule is a hysteresis with a ramp on the edge: pixels at or above ``HIGH`` seed the character;
pixels above ``LOW`` are kept where they connect to a seed (8-neighbours, through pixels above
``LOW``); a kept pixel on the edge (next to one not kept) takes ``(alpha - LOW) / (HIGH - LOW)``
clipped to [0, 1], every other kept pixel 1, and every pixel not kept 0. So the alpha is soft
only across the edge, one model pixel wide (a few output pixels once enlarged). The ramp alone
(neither hysteresis nor edge) scores the same IoU on validation, but leaves single faint pixels a
few pixels off a sprite's body, each of which a trim would keep, and a few soft pixels inside it.

``LOW`` and ``HIGH`` were chosen on the validation splits of both shipped layered models
(``scripts/matte_sweep.py``, docs/RESULTS.md section 8): the widest ramp whose soft IoU against
the true masks is within one standard error of the best rule's, both models together.
"""

from __future__ import annotations

import numpy as np

LOW, HIGH = 0.5, 0.65


def ramp(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """float32 like ``values``: exactly 1 at or above ``high``, else exactly 0 at or below ``low``,
    ``(value - low) / (high - low)`` between; monotone. ``low == high`` is a threshold."""
    if not low <= high:
        raise ValueError(f"a ramp needs low <= high, got low={low}, high={high}")
    values = np.asarray(values, np.float32)
    if high == low:
        return (values >= high).astype(np.float32)
    with np.errstate(over="ignore"):  # a ramp a hair wide overflows to inf, which the clip makes 1
        ramped: np.ndarray = np.clip((values - np.float32(low)) / np.float32(high - low), 0.0, 1.0)
    ramped[values <= low] = 0.0
    ramped[values >= high] = 1.0
    return ramped.astype(np.float32, copy=False)


def dilated(mask: np.ndarray) -> np.ndarray:
    """bool [..., H, W]: ``mask`` and its 8-neighbours within each image (nothing beyond the border)."""
    grown = mask.copy()  # 3x3, one axis at a time
    grown[..., 1:, :] |= mask[..., :-1, :]
    grown[..., :-1, :] |= mask[..., 1:, :]
    rows = grown.copy()
    grown[..., :, 1:] |= rows[..., :, :-1]
    grown[..., :, :-1] |= rows[..., :, 1:]
    return grown


def connected(seeds: np.ndarray, support: np.ndarray) -> np.ndarray:
    """bool [..., H, W]: the pixels of ``support`` joined to one of ``seeds`` through ``support``
    (8-neighbours), each image of the leading axes on its own; seeds outside support are kept."""
    kept = seeds.copy()
    support = support | seeds
    while True:
        grown = dilated(kept) & support
        if np.array_equal(grown, kept):
            return kept
        kept = grown


def clean_matte(alpha: np.ndarray, low: float = LOW, high: float = HIGH) -> np.ndarray:
    """A decoder's alpha ([..., H, W], e.g. [N, 1, S, S]) under the matte rule, float32."""
    alpha = np.asarray(alpha, np.float32)
    kept = connected(alpha >= high, alpha > low)
    edge = kept & dilated(~kept)
    matte: np.ndarray = np.where(edge, ramp(alpha, low, high), kept).astype(np.float32)
    return matte
