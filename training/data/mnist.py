"""MNIST digits from IDX files (gzip or plain), with a one-line error when files are missing.

Each file is read through ``read_bytes_capped`` (a regular file, at most ``MNIST_FILE_MAX_BYTES``)
and a gzipped one is decompressed to at most ``MNIST_DATA_MAX_BYTES``: a FIFO named like a file is
refused unopened, and a huge file or a gzip bomb in bounded memory."""

from __future__ import annotations

import gzip
import io
import zlib
from pathlib import Path

import numpy as np

from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped, size_text

IMAGE_FILES = {
    "train": "train-images-idx3-ubyte.gz",
    "test": "t10k-images-idx3-ubyte.gz",
}
IMAGE_MAGIC = 2051
# The largest real MNIST file, the training images, is 9.9 MB gzipped and 47,040,016 bytes raw.
MNIST_FILE_MAX_BYTES = 64 << 20  # a file as it is on disk, gzipped or not
MNIST_DATA_MAX_BYTES = 64 << 20  # what a gzipped file holds once decompressed


class DataError(StopframeError, RuntimeError):
    """Input data is missing or malformed; the message is one line naming the file."""


def image_file(data_dir: str | Path, part: str) -> Path:
    return Path(data_dir) / IMAGE_FILES[part]


def read_idx(path: Path, what: str, missing: str) -> bytes:
    """The bytes an IDX file holds (decompressed when it ends in ``.gz``); ``missing`` is the
    message when there is no file. DataError naming the file for anything that cannot be read."""
    try:
        raw = read_bytes_capped(path, MNIST_FILE_MAX_BYTES, what)
    except InputMissing:
        raise DataError(missing) from None
    except InputError as error:
        raise DataError(error.problem, path) from None
    if path.suffix != ".gz":
        return raw
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as stream:
            data = stream.read(MNIST_DATA_MAX_BYTES + 1)  # a gzip bomb stops here, not at the end of memory
    except (OSError, EOFError, zlib.error) as error:
        raise DataError(f"cannot read MNIST file ({error})", path) from None
    if len(data) > MNIST_DATA_MAX_BYTES:
        raise DataError(f"decompresses to more than {size_text(MNIST_DATA_MAX_BYTES)}: too large for {what}; "
                        "it was not decompressed further", path)
    return data


def load_images(data_dir: str | Path, part: str) -> np.ndarray:
    """The ``part`` ("train" or "test") digits as uint8 [count, 28, 28], bright ink on dark."""
    path = image_file(data_dir, part)
    expected = ", ".join(str(image_file(data_dir, p)) for p in IMAGE_FILES)
    raw = read_idx(path, "an MNIST image file", f"MNIST digits not found: expected {expected}")
    if len(raw) < 16:
        raise DataError("not an MNIST IDX image file (too short)", path)
    magic, count, rows, cols = np.frombuffer(raw[:16], dtype=">u4")
    if magic != IMAGE_MAGIC:
        raise DataError(f"not an MNIST IDX image file (magic {magic}, expected {IMAGE_MAGIC})", path)
    expected_bytes = 16 + int(count) * int(rows) * int(cols)
    if len(raw) < expected_bytes:
        raise DataError(f"truncated ({len(raw)} bytes, header promises {expected_bytes})", path)
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
    raw = read_idx(path, "an MNIST label file", f"MNIST labels not found: expected {path}")
    if len(raw) < 8:
        raise DataError("not an MNIST IDX label file (too short)", path)
    magic, count = np.frombuffer(raw[:8], dtype=">u4")
    if magic != LABEL_MAGIC or len(raw) < 8 + int(count):
        raise DataError("not an MNIST IDX label file", path)
    return np.frombuffer(raw, dtype=np.uint8, count=int(count), offset=8)
