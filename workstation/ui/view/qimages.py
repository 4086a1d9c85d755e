"""numpy images to Qt images (the only place pixels cross into Qt)."""

from __future__ import annotations

import cv2
import numpy as np
from PySide6.QtGui import QImage


def rgb8_to_qimage(image: np.ndarray) -> QImage:
    """uint8 [H, W, 3] RGB -> a QImage that owns a copy of the pixels."""
    image = np.ascontiguousarray(image, dtype=np.uint8)
    height, width, _ = image.shape
    return QImage(image.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def chw_to_qimage(image: np.ndarray) -> QImage:
    """float [C, H, W] in [0, 1] (what the engine renders: RGB, straight RGBA or one alpha channel)
    -> QImage (RGB888, RGBA8888 or Grayscale8)."""
    # each plane scaled, rounded and saturated to uint8 by OpenCV, then interleaved: at 720p about
    # 0.3 ms, where numpy's clip, scale and transposed copy take 4 ms (the values are never below 0)
    planes = [cv2.convertScaleAbs(plane, alpha=255.0) for plane in np.asarray(image, np.float32)]
    pixels = planes[0][..., None] if len(planes) == 1 else cv2.merge(planes)
    height, width, channels = pixels.shape
    if channels == 3:
        return rgb8_to_qimage(pixels)
    layout = {4: QImage.Format.Format_RGBA8888, 1: QImage.Format.Format_Grayscale8}[channels]
    return QImage(pixels.data, width, height, channels * width, layout).copy()


def qimage_to_rgba8(image: QImage) -> np.ndarray:
    """QImage -> uint8 [H, W, 4] straight RGBA."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return data[:, : 4 * width].reshape(height, width, 4).copy()


def qimage_to_rgb8(image: QImage) -> np.ndarray:
    """QImage -> uint8 [H, W, 3] RGB (for tests and exports)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    width, height, stride = image.width(), image.height(), image.bytesPerLine()
    data = np.frombuffer(image.constBits(), np.uint8, count=stride * height).reshape(height, stride)
    return data[:, : 3 * width].reshape(height, width, 3).copy()
