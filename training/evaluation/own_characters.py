"""What teaching a model your own characters buys (issue 29, item 4): the protocol, in numpy.

"Your own characters" are ``OWN`` validation-split characters (the first of a seeded shuffle of
that split, so never trained on and never a test character). Each gets the sprite sheet a game
artist would have: its walk and slash rows in all four directions (``TAUGHT``), 64x64 cells, the
character alone over transparency (or, to see what a sheet without transparency teaches, over one
validation background of its own, opaque), the cells a row does not use left transparent so that
the sheet's grid cut stops where the row does. Fine-tuning reads only these.

The measure is the sprite analogy (``evaluate_sprites``) on the rows it was never taught
(``UNSEEN``: spellcast, thrust and shoot): B is one of the own characters, A another validation
character (never one of them), one row, two distinct frames p and q; each over a validation
background drawn at random. The starting model and the fine-tuned one see the same examples, so
their difference is paired: ``gain`` is its mean and 95% interval.
"""

from __future__ import annotations

from collections.abc import Iterator

import cv2
import numpy as np

from training.data.sprites import CANVAS, Analogies, Character, Sequence, Sprites, over, sequence
from training.evaluation.evaluate_sprites import BATCH
from training.evaluation.metrics import mean_ci95, psnr_from_mse

OWN = 10
SHUFFLE_SEED = 29  # the number: which validation characters are "your own"
TAUGHT = ("walk", "slash")
UNSEEN = ("spellcast", "thrust", "shoot")
DIRECTIONS = ("back", "left", "front", "right")


def own_and_others(sprites: Sprites, count: int = OWN) -> tuple[list[Character], list[Character]]:
    """(your own characters, every other character of the split): a seeded shuffle, cut at ``count``."""
    order = np.random.default_rng(SHUFFLE_SEED).permutation(len(sprites.characters))
    chosen = [sprites.characters[i] for i in order]
    return chosen[:count], chosen[count:]


def taught_rows() -> list[Sequence]:
    return [sequence(animation, direction) for animation in TAUGHT for direction in DIRECTIONS]


def unseen_rows() -> list[Sequence]:
    return [sequence(animation, direction) for animation in UNSEEN for direction in DIRECTIONS]


def sheet_picture(sprites: Sprites, character: Character, background: int | None = None) -> np.ndarray:
    """The character's sheet of ``taught_rows``: uint8 BGRA [rows * 64, columns * 64, 4], the
    character alone over transparency, as a game's sheet is; or with ``background``, every used
    cell the character over ``sprites.backgrounds[background]`` (opaque). Unused cells are transparent."""
    rows = taught_rows()
    columns = max(row.length for row in rows)
    sheet = np.zeros((len(rows) * CANVAS, columns * CANVAS, 4), np.uint8)
    for r, row in enumerate(rows):
        rgba = sprites.rgba(character, row)  # [n, 4, 64, 64], straight
        if background is not None:
            rgba = np.concatenate([over(rgba, sprites.backgrounds[background]), np.ones_like(rgba[:, 3:])], axis=1)
        for c, frame in enumerate(rgba):
            pixels = (frame.transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)
            sheet[r * CANVAS:(r + 1) * CANVAS, c * CANVAS:(c + 1) * CANVAS] = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA)
    return sheet


def analogies(sprites: Sprites, own: list[Character], others: list[Character], count: int,
              seed: int) -> Iterator[Analogies]:
    """``count`` analogies of the protocol (see the module docstring), in batches of ``BATCH``; an
    example whose B_p and B_q are the same picture is redrawn, as in ``evaluate_sprites``."""
    rng = np.random.default_rng(seed)
    rows = unseen_rows()
    backgrounds = sprites.backgrounds
    drawn = 0
    while drawn < count:
        parts: dict[str, list[np.ndarray]] = {key: [] for key in ("a_p", "a_q", "b_p", "b_q", "background", "mask")}
        chosen_rows: list[Sequence] = []
        while len(chosen_rows) < min(BATCH, count - drawn):
            row = rows[rng.integers(len(rows))]
            p, q = rng.choice(row.length, size=2, replace=False)
            a, b = others[rng.integers(len(others))], own[rng.integers(len(own))]
            rgba_a, rgba_b = sprites.rgba(a, row, [p, q]), sprites.rgba(b, row, [p, q])
            if np.array_equal(rgba_b[0], rgba_b[1]):
                continue
            a_background, b_background = backgrounds[rng.integers(len(backgrounds), size=2)]
            images_a, images_b = over(rgba_a, a_background), over(rgba_b, b_background)
            for key, value in (("a_p", images_a[0]), ("a_q", images_a[1]), ("b_p", images_b[0]),
                               ("b_q", images_b[1]), ("background", b_background), ("mask", rgba_b[1, 3] > 0)):
                parts[key].append(value)
            chosen_rows.append(row)
        stacked = {key: np.stack(values) for key, values in parts.items()}
        drawn += len(chosen_rows)
        yield Analogies(stacked["a_p"], stacked["a_q"], stacked["b_p"], stacked["b_q"], stacked["background"],
                        stacked["mask"], chosen_rows)


def gain(before_mse: np.ndarray, after_mse: np.ndarray) -> dict[str, float]:
    """The paired PSNR gain from ``before`` to ``after`` (per-example MSEs of the same examples):
    its mean, 95% half-width, and the share of examples that got better."""
    difference = psnr_from_mse(after_mse) - psnr_from_mse(before_mse)
    mean, half_width = mean_ci95(difference)
    return {"mean": mean, "ci95": half_width, "better_share": float((difference > 0).mean())}
