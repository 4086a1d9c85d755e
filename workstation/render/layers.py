"""Compositing the layers of a frame in numpy: a plate and characters (RGB plus alpha) drawn back to
front with the "over" operator, as the layered model's training composite does. No Qt, no torch.

Images are float32 [C, H, W] in [0, 1]; a character layer is its straight (not premultiplied) RGB
[3, H, W] and its alpha [1, H, W], what a layered bundle's ``renderer_character.onnx`` gives.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

import numpy as np

CharacterLayer = tuple[np.ndarray, np.ndarray]  # one character drawn: (rgb [3, H, W], alpha [1, H, W])


class LayerView(StrEnum):
    """What the engine renders and ``stopframe render --layer`` writes: the frame, the plate, the
    characters alone over transparency (straight RGBA), their coverage, and the frame with the
    characters' part masks coloured over them (RGB; part_colours.py)."""

    COMPOSITE = "composite"
    BACKGROUND = "background"
    CHARACTERS = "characters"
    ALPHA = "alpha"
    PARTS = "parts"

    @property
    def channels(self) -> int:
        """Channels of an image of this view: RGB 3, straight RGBA 4, coverage 1."""
        return {"characters": 4, "alpha": 1}.get(self.value, 3)

    @property
    def has_alpha(self) -> bool:
        """Whether the view is RGBA, so only an output format with alpha keeps what it shows."""
        return self is LayerView.CHARACTERS


def composite(plate: np.ndarray, characters: Sequence[CharacterLayer]) -> np.ndarray:
    """The frame: each character over what is below it, the first at the back.
    ``alpha * rgb + (1 - alpha) * below``, the layered renderer's image for one character."""
    image = plate
    for rgb, alpha in characters:
        image = alpha * rgb + (1.0 - alpha) * image
    return image.astype(np.float32, copy=False)


def flatten(characters: Sequence[CharacterLayer], size: tuple[int, int]) -> np.ndarray:
    """The characters alone over transparency, as one straight RGBA image [4, H, W]: what composited
    over any plate gives the same frame as ``composite``. Where no character is (alpha 0) the RGB
    is 0."""
    premultiplied: np.ndarray = np.zeros((3, *size), np.float32)
    coverage: np.ndarray = np.zeros((1, *size), np.float32)
    for rgb, alpha in characters:
        premultiplied = alpha * rgb + (1.0 - alpha) * premultiplied
        coverage = alpha + (1.0 - alpha) * coverage
    rgb = np.divide(premultiplied, coverage, out=np.zeros_like(premultiplied), where=coverage > 1e-6)
    return np.concatenate([np.clip(rgb, 0.0, 1.0), coverage]).astype(np.float32, copy=False)
