"""Float frames to the 8-bit images the encoders take: scaled, rounded, in OpenCV's channel order.

A frame is ``[C, H, W]`` float in [0, 1] (C 3: RGB, 4: straight RGBA, 1: grey), already checked by
the writer. ``channels`` says what the encoder takes:

* ``"keep"`` (a PNG folder): grey stays one channel, RGB becomes BGR, RGBA becomes BGRA;
* ``"bgr"`` (formats without alpha): grey and RGB become BGR;
* ``"bgra"`` (the other formats with alpha): RGBA becomes BGRA; RGB and grey get an opaque alpha.
"""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np

Channels = Literal["keep", "bgr", "bgra"]

_TO_BGRA = {1: cv2.COLOR_GRAY2BGRA, 3: cv2.COLOR_RGB2BGRA, 4: cv2.COLOR_RGBA2BGRA}
_TO_BGR = {1: cv2.COLOR_GRAY2BGR, 3: cv2.COLOR_RGB2BGR}
_KEEP = {3: cv2.COLOR_RGB2BGR, 4: cv2.COLOR_RGBA2BGRA}


def _resize_straight_rgba(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Bicubic resize of straight RGBA through premultiplied colour, so that the colour under
    transparent pixels (any colour: it is invisible) does not bleed into the edges of what is drawn."""
    alpha = np.clip(pixels[..., 3:], 0.0, 1.0)
    resized = cv2.resize(np.concatenate([pixels[..., :3] * alpha, alpha], axis=2), size, interpolation=cv2.INTER_CUBIC)
    coverage = np.clip(resized[..., 3:], 0.0, 1.0)
    colour = np.divide(resized[..., :3], coverage, out=np.zeros_like(resized[..., :3]), where=coverage > 1e-6)
    return np.concatenate([colour, coverage], axis=2)


def to_image(frame: np.ndarray, scale: int, smooth: bool, channels: Channels, even_sides: bool) -> np.ndarray:
    """``frame`` scaled up by ``scale`` (``smooth``: bicubic, RGBA through premultiplied colour,
    clipped to [0, 1]; else nearest neighbour, on the 8-bit values), rounded to uint8 ``[H, W(, C)]``;
    with ``even_sides``, one row and/or column of zeros (black, transparent where there is alpha) is
    added at the bottom/right of an odd-sized image."""
    pixels: np.ndarray = np.nan_to_num(np.ascontiguousarray(frame.transpose(1, 2, 0), dtype=np.float32), nan=0.0)
    height, width, count = pixels.shape
    target = (width * scale, height * scale)
    if scale > 1 and smooth and count == 4:
        pixels = _resize_straight_rgba(pixels, target)
    elif scale > 1 and smooth:
        pixels = cv2.resize(pixels, target, interpolation=cv2.INTER_CUBIC)
    image = np.rint(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8)
    if scale > 1 and not smooth:
        image = cv2.resize(image, target, interpolation=cv2.INTER_NEAREST)
    image = image.reshape(target[1], target[0], count)  # cv2.resize drops a single channel's axis
    if channels == "bgra":
        image = cv2.cvtColor(image, _TO_BGRA[count])
    elif channels == "bgr":
        image = cv2.cvtColor(image, _TO_BGR[count])
    elif count == 1:
        image = image.reshape(image.shape[:2])
    else:
        image = cv2.cvtColor(image, _KEEP[count])
    if even_sides:
        pad_bottom, pad_right = image.shape[0] % 2, image.shape[1] % 2
        if pad_bottom or pad_right:
            image = cv2.copyMakeBorder(image, 0, pad_bottom, 0, pad_right, cv2.BORDER_CONSTANT, value=0)
    return image
