"""The one error media reading raises: :class:`MediaError`, a single line naming the file and the problem
(a :class:`workstation.kernel.errors.StopframeError`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import cv2

from workstation.kernel.errors import StopframeError

T = TypeVar("T")

# OpenCV's codes for "an allocation failed" and, in the message of an assertion, "over its image size limit".
_NO_MEMORY = int(cv2.Error.StsNoMem)
_SIZE_LIMITS = ("CV_IO_MAX_IMAGE_PIXELS", "CV_IO_MAX_IMAGE_WIDTH", "CV_IO_MAX_IMAGE_HEIGHT")


class MediaError(StopframeError, RuntimeError):
    """One line naming the file and the problem."""


def media_error(path: object, problem: str) -> MediaError:
    """``MediaError`` for ``path``: ``str()`` is ``"<path>: <problem>"`` on one line."""
    return MediaError(problem, str(path))


def size_problem(error: BaseException, size: tuple[int, int] | None = None) -> str | None:
    """What a decoder's failure means when it is about the image's size rather than its bytes:
    out of memory, or over OpenCV's limits; None otherwise. ``size`` (width, height) from the
    file's header, when known, goes into the message."""
    pixels = f"{size[0]}x{size[1]} pixels" if size else "the image"
    if isinstance(error, MemoryError) or (isinstance(error, cv2.error) and getattr(error, "code", None) == _NO_MEMORY):
        if size:
            pixels += f", about {size[0] * size[1] * 3 / 1e6:,.0f} MB decoded"
        return f"too large to decode: not enough memory ({pixels})"
    if isinstance(error, cv2.error) and any(limit in str(error) for limit in _SIZE_LIMITS):
        return f"too large to decode: {pixels} is over OpenCV's limit of 2^30 pixels"
    return None


def guarded(path: object, func: Callable[[], T]) -> T:
    """Run ``func()``; turn anything unexpected into a one-line MediaError naming ``path``."""
    try:
        return func()
    except MediaError:
        raise
    except OSError as exc:
        raise media_error(path, f"cannot read ({exc.strerror or exc})") from exc
    except Exception as exc:  # cv2.error, MemoryError, ...: the UI wants one line, not a traceback
        problem = size_problem(exc)
        if problem is None:
            problem = f"cannot open ({type(exc).__name__}: {' '.join(str(exc).split())})"
        raise media_error(path, problem) from exc
