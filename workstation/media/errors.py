"""The one error media reading raises: :class:`MediaError`, a single line naming the file and the problem."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class MediaError(RuntimeError):
    """One line naming the file and the problem."""


def media_error(path: object, problem: str) -> MediaError:
    """``MediaError("<path>: <problem>")`` with all whitespace (newlines included) folded to single spaces."""
    return MediaError(" ".join(f"{path}: {problem}".split()))


def guarded(path: object, func: Callable[[], T]) -> T:
    """Run ``func()``; turn anything unexpected into a one-line MediaError naming ``path``."""
    try:
        return func()
    except MediaError:
        raise
    except OSError as exc:
        raise media_error(path, f"cannot read ({exc.strerror or exc})") from exc
    except Exception as exc:  # cv2.error, MemoryError, ...: the UI wants one line, not a traceback
        raise media_error(path, f"cannot open ({type(exc).__name__}: {exc})") from exc
