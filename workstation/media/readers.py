"""Decoding files with OpenCV, one reader per kind of clip: single images (``imdecode``), image
folders (listed in natural order), animations (``imreadanimation``) and videos (``VideoCapture``).

An animation is a GIF, an ``.apng``, or any image file holding more than one frame (an animated
WebP, an APNG named ``.png``, a multi-page TIFF: ``cv2.imcount`` tells from the headers, without
decoding); its kind is "gif", whatever the format.

Everything returned is uint8 RGB; every failure is a one-line :class:`MediaError`.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path
from typing import Literal

import cv2
import numpy as np

from workstation.kernel.reading import InputError, not_regular, read_bytes_capped
from workstation.media.headers import declared_size
from workstation.media.images import to_rgb8
from workstation.media.media_error import media_error, size_problem
from workstation.media.quiet import quiet

# OpenCV's warnings go to its log; a damaged file is reported as one MediaError line instead
# (and every read is wrapped in quiet(), which silences the decoders entirely).
cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)

ClipKind = Literal["video", "images", "image", "gif", "sheet"]  # "gif": any animation; "sheet": cut from a sprite sheet

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff")
GIF_EXTENSIONS = (".gif",)
ANIMATION_EXTENSIONS = GIF_EXTENSIONS + (".apng",)  # animations whatever their frame count
SHEET_EXTENSIONS = (".json",)  # a sprite sheet's Aseprite JSON (``aseprite_json.py``)

# An animation's format, told by its first bytes: (signature, what messages call it, whether it
# stores each frame's duration). OpenCV gives a TIFF page 1000 ms, which is no rate of the file's.
_ANIMATION_FORMATS = (
    (b"GIF8", "GIF", True), (b"\x89PNG", "APNG", True), (b"RIFF", "animated WebP", True),
    (b"II*\x00", "multi-page TIFF", False), (b"MM\x00*", "multi-page TIFF", False),
)

_IMREAD_FLAGS = cv2.IMREAD_ANYDEPTH | cv2.IMREAD_ANYCOLOR  # keeps 16-bit, drops alpha, applies EXIF rotation
# A still image is read whole before it is decoded: 1 GiB holds even an uncompressed 8-bit RGB
# image of 16384 px a side (768 MiB); a compressed one of that size is far smaller.
IMAGE_MAX_BYTES = 1 << 30


def kind_of(path: Path) -> ClipKind:
    """Which reader ``path`` needs, from what it is (a folder), its extension and, for an image, how
    many frames it holds; anything that is not a known image or animation is tried as a video.
    MediaError if nothing is there, or if it is not a regular file or folder: a FIFO or a device is
    never opened (reading a FIFO waits forever)."""
    try:
        mode = os.stat(path).st_mode
    except (FileNotFoundError, NotADirectoryError):
        raise media_error(path, "no such file or folder") from None
    except (OSError, ValueError) as exc:
        raise media_error(path, f"cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    if stat.S_ISDIR(mode):
        return "images"
    what = not_regular(mode)
    if what is not None:
        raise media_error(path, f"is {what}, not a video, image or folder of images; it was not opened")
    suffix = path.suffix.lower()
    if suffix in ANIMATION_EXTENSIONS:
        return "gif"
    if suffix in IMAGE_EXTENSIONS:
        return "gif" if count_frames(path) > 1 else "image"
    return "video"


def count_frames(path: Path) -> int:
    """How many frames an image file holds, from its headers (``cv2.imcount`` decodes no pixel);
    0 if OpenCV cannot tell (decoding it then says what is wrong)."""
    try:
        with quiet():
            return max(0, int(cv2.imcount(str(path))))
    except (cv2.error, MemoryError, OverflowError):
        return 0


def animation_format(path: Path) -> tuple[str, bool]:
    """(what to call the animation at ``path``, whether its format stores frame durations), from
    its first bytes; an unknown one is named by its extension."""
    try:
        with open(path, "rb") as file:
            head = file.read(12)
    except OSError:
        head = b""
    for signature, name, timed in _ANIMATION_FORMATS:
        if head.startswith(signature) and (signature != b"RIFF" or head[8:12] == b"WEBP"):
            return name, timed
    return (path.suffix[1:].upper() or "animation"), True


def natural_key(name: str) -> tuple[list[tuple[int, int, str]], str]:
    """Sort key putting ``frame2`` before ``frame10`` (digit runs compare as numbers, case ignored)."""
    parts = re.split(r"(\d+)", name.casefold())
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in parts], name


def read_image(path: Path) -> np.ndarray:
    """Decode one image file to uint8 RGB; MediaError if it cannot be read or decoded."""
    return rgb8(path, decode_image(path))


def decode_image(path: Path, flags: int = _IMREAD_FLAGS) -> np.ndarray:
    """Decode one image file as OpenCV does with ``flags`` (BGR, BGRA or grey, any depth); MediaError
    if it cannot be read or decoded."""
    try:  # unlike cv2.imread, copes with any path on Windows
        data = np.frombuffer(read_bytes_capped(path, IMAGE_MAX_BYTES, "an image file"), np.uint8)
    except InputError as exc:
        raise media_error(path, exc.problem) from None
    if data.size == 0:
        raise media_error(path, "not an image OpenCV can decode (empty file)")
    try:
        with quiet():
            img = cv2.imdecode(data, flags)
    except (cv2.error, MemoryError) as exc:
        problem = size_problem(exc, declared_size(data[:65536].tobytes()))
        if problem is not None:
            raise media_error(path, problem) from None
        img = None
    if img is None or img.size == 0:
        raise media_error(path, "not an image OpenCV can decode")
    return img


def rgb8(path: Path, img: np.ndarray) -> np.ndarray:
    """A decoded image of ``path`` as uint8 RGB; MediaError if it is not an image this tool can use."""
    try:
        return to_rgb8(img)
    except ValueError as exc:
        raise media_error(path, f"not an image this tool can use ({exc})") from None
    except (cv2.error, MemoryError) as exc:
        problem = size_problem(exc, (img.shape[1], img.shape[0]))
        if problem is None:
            raise
        raise media_error(path, problem) from None


def list_images(folder: Path) -> list[Path]:
    """The image files of ``folder`` (by extension; hidden files skipped) in natural order."""
    try:
        entries = [p for p in folder.iterdir()
                   if not p.name.startswith(".") and p.suffix.lower() in IMAGE_EXTENSIONS and p.is_file()]
    except OSError as exc:
        raise media_error(folder, f"cannot list folder ({exc.strerror or exc})") from None
    return sorted(entries, key=lambda p: natural_key(p.name))


def open_capture(path: Path) -> cv2.VideoCapture | None:
    """Open a VideoCapture by file name, FFmpeg first (it does not treat '%' in names as a pattern)."""
    for api in (cv2.CAP_FFMPEG, cv2.CAP_ANY):
        try:
            with quiet():
                cap = cv2.VideoCapture(str(path), api)
        except cv2.error:
            continue
        if cap.isOpened():
            return cap
        cap.release()
    return None


def load_animation(path: Path) -> tuple[list[np.ndarray], list[float]] | None:
    """(frames as uint8 RGB, durations in ms; none for a format without them) of an animation via
    ``cv2.imreadanimation``, or None if this OpenCV has no such reader or it cannot decode the file."""
    reader = getattr(cv2, "imreadanimation", None)
    if reader is None:
        return None
    try:
        with quiet():
            ok, animation = reader(str(path))
    except (cv2.error, MemoryError) as exc:
        problem = size_problem(exc, _declared_size(path))
        if problem is not None:
            raise media_error(path, problem) from None
        return None
    if not ok or animation is None or len(animation.frames) == 0:
        return None
    try:
        frames = [to_rgb8(f) for f in animation.frames]
    except ValueError:
        return None
    timed = animation_format(path)[1]
    durations = [float(d) for d in np.asarray(animation.durations).ravel()] if timed else []
    return frames, durations


def _declared_size(path: Path) -> tuple[int, int] | None:
    try:
        with open(path, "rb") as file:
            return declared_size(file.read(65536))
    except OSError:
        return None
