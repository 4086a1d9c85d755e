"""Float frames to the 8-bit images the encoders take: rounded, in OpenCV's channel order, at the
frame's own size (nothing here scales: the engine renders at the output size).

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


def to_image(frame: np.ndarray, channels: Channels, even_sides: bool) -> np.ndarray:
    """``frame`` clipped to [0, 1] (NaN as 0) and rounded to uint8 ``[H, W(, C)]``; with
    ``even_sides``, one row and/or column of zeros (black, transparent where there is alpha) is
    added at the bottom/right of an odd-sized image."""
    pixels = np.nan_to_num(np.asarray(frame, dtype=np.float32).transpose(1, 2, 0), nan=0.0)
    image = np.ascontiguousarray(np.rint(np.clip(pixels, 0.0, 1.0) * 255.0).astype(np.uint8))
    count = image.shape[2]
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
