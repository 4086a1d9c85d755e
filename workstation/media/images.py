"""Pixel conversions: any decoded image to uint8 RGB, the model's square input (:func:`fit`) and
display thumbnails (:func:`thumbnail`)."""

from __future__ import annotations

import operator

import cv2
import numpy as np

__all__ = ["FIT_MODES", "to_rgb8", "check_rgb", "resize", "fit", "thumbnail"]

FIT_MODES = ("crop", "letterbox")


def to_rgb8(image: np.ndarray) -> np.ndarray:
    """Any OpenCV-decoded image (BGR/BGRA/grey, 8/16-bit/float) -> contiguous uint8 RGB [H, W, 3].

    ValueError for a shape or channel count that is not an image."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        if img.dtype == np.uint16:
            img = ((img.astype(np.uint32) + 128) // 257).astype(np.uint8)
        elif np.issubdtype(img.dtype, np.floating):
            img = (np.clip(np.nan_to_num(img), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
        else:
            img = np.clip(img, 0, 255).astype(np.uint8)
    if img.ndim == 3 and img.shape[2] == 1:
        img = img[:, :, 0]
    if img.ndim == 2:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_GRAY2RGB)
    if img.ndim != 3:
        raise ValueError(f"unsupported image shape {img.shape}")
    channels = img.shape[2]
    if channels == 2:  # grey + alpha
        return cv2.cvtColor(np.ascontiguousarray(img[:, :, 0]), cv2.COLOR_GRAY2RGB)
    if channels == 3:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGR2RGB)
    if channels == 4:
        return cv2.cvtColor(np.ascontiguousarray(img), cv2.COLOR_BGRA2RGB)
    raise ValueError(f"unsupported number of channels {channels}")


def check_rgb(image: np.ndarray, what: str) -> np.ndarray:
    """``image`` as a contiguous uint8 RGB [H, W, 3] array (grey [H, W] is repeated to three
    channels); ValueError naming ``what`` otherwise."""
    img = np.asarray(image)
    if img.dtype != np.uint8:
        raise ValueError(f"{what} expects a uint8 image, got {img.dtype}")
    if img.ndim == 2:
        img = np.repeat(img[:, :, None], 3, axis=2)
    if img.ndim != 3 or img.shape[2] != 3 or img.shape[0] < 1 or img.shape[1] < 1:
        raise ValueError(f"{what} expects an RGB image [H, W, 3], got shape {img.shape}")
    return np.ascontiguousarray(img)


def resize(img: np.ndarray, width: int, height: int) -> np.ndarray:
    """``img`` at ``width`` x ``height`` (area averaging to shrink, bilinear to grow); the same
    array when the size already matches."""
    h, w = img.shape[:2]
    if (w, h) == (width, height):
        return img
    shrinking = width * height < w * h
    return cv2.resize(img, (width, height), interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_LINEAR)


def fit(image: np.ndarray, size: int, mode: str = "crop") -> np.ndarray:
    """uint8 RGB [H, W, 3] -> float32 [3, size, size] in [0, 1].

    ``"crop"``: centre crop to a square, then resize.  ``"letterbox"``: resize to fit inside the
    square keeping the aspect ratio and pad with black, image centred.
    """
    if mode not in FIT_MODES:
        raise ValueError(f"unknown fit mode {mode!r}; allowed: {', '.join(FIT_MODES)}")
    size = operator.index(size)
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    img = check_rgb(image, "fit")
    h, w = img.shape[:2]
    if mode == "crop":
        side = min(h, w)
        y0, x0 = (h - side) // 2, (w - side) // 2
        out = resize(np.ascontiguousarray(img[y0:y0 + side, x0:x0 + side]), size, size)
    else:
        scale = size / max(h, w)
        nw = min(size, max(1, int(round(w * scale))))
        nh = min(size, max(1, int(round(h * scale))))
        resized = resize(img, nw, nh)
        out = np.zeros((size, size, 3), np.uint8)
        y0, x0 = (size - nh) // 2, (size - nw) // 2
        out[y0:y0 + nh, x0:x0 + nw] = resized
    return np.ascontiguousarray(out.transpose(2, 0, 1), dtype=np.float32) / np.float32(255.0)


def thumbnail(image: np.ndarray, max_side: int = 96) -> np.ndarray:
    """Shrink so the longer side is at most ``max_side`` (aspect kept; never enlarges). uint8 RGB."""
    max_side = operator.index(max_side)
    if max_side < 1:
        raise ValueError(f"max_side must be >= 1, got {max_side}")
    img = check_rgb(image, "thumbnail")
    h, w = img.shape[:2]
    if max(h, w) <= max_side:
        return img.copy()
    scale = max_side / max(h, w)
    return resize(img, max(1, int(round(w * scale))), max(1, int(round(h * scale))))
