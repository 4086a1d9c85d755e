"""The Parts view's colours (``LayerView.PARTS``): a character's part masks drawn over it, each part
in its colour of a fixed palette, what the parts leave of the body (it follows the whole body's
motion) in a neutral grey, at half opacity over the character's own colour. A character of a
bundle without parts is one part: all of it in the first colour. No Qt, no torch.

A character of a bundle without parts whose motion moves it beyond its whole body's affine (a
dense model's displacement, ``Graphs.own_motion``) is coloured by that displacement instead: the
first colour where it moves with the body, and where it moves on its own a colour for the direction
it moves in (right, down, left, up: ``DIRECTIONS``), as strong as the move is, in full from
``FULL_MOVE`` pixels. So a leg that swings shows in one colour against the body.

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
DIRECTIONS = PALETTE[[1, 2, 5, 6]]  # moving right, down, left, up: sky blue, bluish green, vermilion, purple
# a move under this many pixels is the graph's float rounding against numpy's affine field, not motion
STILL_MOVE = 0.05
FULL_MOVE = 2.0  # pixels of the model's square beyond the body's motion at which a direction shows in full
BODY_GREY = np.array([0.6, 0.6, 0.6], np.float32)  # what no part claims: it moves with the whole body
OPACITY = 0.5  # how much of a covered pixel is the part colour; the rest is the character's own


def part_colours(masks: np.ndarray | None, size: tuple[int, int], own_motion: np.ndarray | None = None) -> np.ndarray:
    """[3, H, W]: the colour each pixel's parts give it, from soft part masks [P, H, W] (each in
    [0, 1], summing to at most 1): ``sum_k mask_k * PALETTE[k] + (1 - sum_k mask_k) * BODY_GREY``;
    with no masks (a bundle without parts), ``PALETTE[0]`` everywhere, or with ``own_motion`` [2, H,
    W] (pixels) ``motion_colours``."""
    if masks is None:
        if own_motion is not None:
            return motion_colours(own_motion)
        return np.broadcast_to(PALETTE[0][:, None, None], (3, *size)).astype(np.float32)
    colours = PALETTE[np.arange(len(masks)) % len(PALETTE)]  # [P, 3]
    weights = np.clip(masks, 0.0, 1.0)
    claimed = np.minimum(weights.sum(axis=0), 1.0)
    drawn = np.einsum("pc,phw->chw", colours, weights) + (1.0 - claimed) * BODY_GREY[:, None, None]
    return drawn.astype(np.float32, copy=False)


def motion_colours(own_motion: np.ndarray) -> np.ndarray:
    """[3, H, W]: ``PALETTE[0]`` where ``own_motion`` [2, H, W] (x, y in pixels) is under
    ``STILL_MOVE``, blended towards the colours of the directions it points in (weighed by the square
    of their cosine) as it grows to ``FULL_MOVE``."""
    dx, dy = own_motion[0].astype(np.float32), own_motion[1].astype(np.float32)
    length = np.hypot(dx, dy)
    unit_x, unit_y = dx / np.maximum(length, 1e-6), dy / np.maximum(length, 1e-6)
    weights = np.maximum(np.stack([unit_x, unit_y, -unit_x, -unit_y]), 0.0) ** 2  # right, down, left, up
    direction = np.einsum("kc,khw->chw", DIRECTIONS, weights) / np.maximum(weights.sum(axis=0), 1e-6)
    strength = np.clip((length - STILL_MOVE) / (FULL_MOVE - STILL_MOVE), 0.0, 1.0)
    return (PALETTE[0][:, None, None] + strength * (direction - PALETTE[0][:, None, None])).astype(np.float32)


def tinted(rgb: np.ndarray, colours: np.ndarray) -> np.ndarray:
    """A character's straight colour [3, H, W] with its parts' ``colours`` laid over it at ``OPACITY``:
    composited with the character's alpha, the parts show only where the character does."""
    return ((1.0 - OPACITY) * rgb + OPACITY * colours).astype(np.float32, copy=False)


def tint_frame(frame: np.ndarray, colours: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """A whole frame [3, H, W] with ``colours`` laid over it at ``OPACITY`` where ``alpha`` [1, H, W]
    (the characters' coverage) says: the frame itself where alpha is 0."""
    return (frame + OPACITY * alpha * (colours - frame)).astype(np.float32, copy=False)
