"""The Parts view's colours (``LayerView.PARTS``): a character's part masks drawn over it, each part
in its colour of a fixed palette, what the parts leave of the body (it follows the whole body's
motion) in a neutral grey, at half opacity over the character's own colour. A character of a
bundle without parts is one part: all of it in the first colour. No Qt, no torch.

The palette is Okabe and Ito's (2008), told apart with every common colour blindness, without its
black (the frame shows through at half opacity). Part k is always the k-th colour (a bundle with
more parts than colours repeats them), so the same learned part has the same colour in every
character and frame.
"""

from __future__ import annotations

import numpy as np

PALETTE = np.array([  # RGB in [0, 1]: orange, sky blue, bluish green, yellow, blue, vermilion, reddish purple
    (0xE6, 0x9F, 0x00), (0x56, 0xB4, 0xE9), (0x00, 0x9E, 0x73), (0xF0, 0xE4, 0x42),
    (0x00, 0x72, 0xB2), (0xD5, 0x5E, 0x00), (0xCC, 0x79, 0xA7),
], np.float32) / np.float32(255.0)
BODY_GREY = np.array([0.6, 0.6, 0.6], np.float32)  # what no part claims: it moves with the whole body
OPACITY = 0.5  # how much of a covered pixel is the part colour; the rest is the character's own


def part_colours(masks: np.ndarray | None, size: tuple[int, int]) -> np.ndarray:
    """[3, H, W]: the colour each pixel's parts give it, from soft part masks [P, H, W] (each in
    [0, 1], summing to at most 1): ``sum_k mask_k * PALETTE[k] + (1 - sum_k mask_k) * BODY_GREY``;
    with no masks (a bundle without parts), ``PALETTE[0]`` everywhere."""
    if masks is None:
        return np.broadcast_to(PALETTE[0][:, None, None], (3, *size)).astype(np.float32)
    colours = PALETTE[np.arange(len(masks)) % len(PALETTE)]  # [P, 3]
    weights = np.clip(masks, 0.0, 1.0)
    claimed = np.minimum(weights.sum(axis=0), 1.0)
    drawn = np.einsum("pc,phw->chw", colours, weights) + (1.0 - claimed) * BODY_GREY[:, None, None]
    return drawn.astype(np.float32, copy=False)


def tinted(rgb: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """A character's straight colour [3, H, W] with its parts' ``colours`` laid over it at ``OPACITY``:
    composited with the character's alpha, the parts show only where the character does."""
    return ((1.0 - OPACITY) * rgb + OPACITY * colours).astype(np.float32, copy=False)


def tint_frame(frame: np.ndarray, colours: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """A whole frame [3, H, W] with ``colours`` laid over it at ``OPACITY`` where ``alpha`` [1, H, W]
    (the characters' coverage) says: the frame itself where alpha is 0."""
    return (frame + OPACITY * alpha * (colours - frame)).astype(np.float32, copy=False)
