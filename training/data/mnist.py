"""MNIST digits from IDX files (gzip or plain), with a one-line error when files are missing."""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from workstation.kernel.errors import StopframeError

IMAGE_FILES = {
    "train": "train-images-idx3-ubyte.gz",
    "test": "t10k-images-idx3-ubyte.gz",
}
IMAGE_MAGIC = 2051


class DataError(StopframeError, RuntimeError):
    """Input data is missing or malformed; the message is one line naming the file."""


def image_file(data_dir: str | Path, part: str) -> Path:
    return Path(data_dir) / IMAGE_FILES[part]


def load_images(data_dir: str | Path, part: str) -> np.ndarray:
    """The ``part`` ("train" or "test") digits as uint8 [count, 28, 28], bright ink on dark."""
    path = image_file(data_dir, part)
    if not path.is_file():
        expected = ", ".join(str(image_file(data_dir, p)) for p in IMAGE_FILES)
        raise DataError(f"MNIST digits not found: expected {expected}")
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read()
    except (OSError, EOFError) as error:
        raise DataError(f"{path}: cannot read MNIST file ({error})") from None
    if len(raw) < 16:
        raise DataError(f"{path}: not an MNIST IDX image file (too short)")
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != IMAGE_MAGIC:
        raise DataError(f"{path}: not an MNIST IDX image file (magic {magic}, expected {IMAGE_MAGIC})")
    expected_bytes = 16 + int(count) * int(rows) * int(cols)
    if len(raw) < expected_bytes:
        raise DataError(f"{path}: truncated ({len(raw)} bytes, header promises {expected_bytes})")
    pixels = np.frombuffer(raw, dtype=np.uint8, count=expected_bytes - 16, offset=16)
    return pixels.reshape(int(count), int(rows), int(cols))


LABEL_FILES = {
    "train": "train-labels-idx1-ubyte.gz",
    "test": "t10k-labels-idx1-ubyte.gz",
}
LABEL_MAGIC = 2049


def load_labels(data_dir: str | Path, part: str) -> np.ndarray:
    """The ``part`` digits' labels as uint8 [count]."""
    path = Path(data_dir) / LABEL_FILES[part]
    if not path.is_file():
        raise DataError(f"MNIST labels not found: expected {path}")
    with gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb") as handle:
        raw = handle.read()
    magic, count = np.frombuffer(raw[:8], dtype=">u4")
    if magic != LABEL_MAGIC or len(raw) < 8 + int(count):
        raise DataError(f"{path}: not an MNIST IDX label file")
    return np.frombuffer(raw, dtype=np.uint8, count=int(count), offset=8)
