"""numpy images to Qt images (the only place pixels cross into Qt)."""

from __future__ import annotations

import numpy as np
from PySide6.QtGui import QImage


def rgb8_to_qimage(image: np.ndarray) -> QImage:
    """uint8 [H, W, 3] RGB -> a QImage that owns a copy of the pixels."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, _ = image.shape
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def chw_to_qimage(image: np.ndarray) -> QImage:
    """float [3, H, W] in [0, 1] (what the engine renders) -> QImage."""
    return rgb8_to_qimage((np.clip(image, 0.0, 1.0).transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8))


def qimage_to_rgb8(image: QImage) -> np.ndarray:
    """QImage -> uint8 [H, W, 3] RGB (for tests and exports)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return data[:, : 3 * width].reshape(height, width, 3).copy()
