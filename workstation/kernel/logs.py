"""The log file: where an unexpected error's traceback goes, so the user sees one line and the
details are kept for a bug report.

The file is ``stopframe.log`` in the user log folder (``workstation.kernel.locations.user_log_folder``),
rotated at ``MAX_BYTES`` with ``BACKUPS`` old files kept, so it never grows without bound. Writing
the log never raises: a log folder that cannot be written leaves the traceback on stderr instead.
No Qt and no torch here.
"""

from __future__ import annotations

import logging
import sys
import threading
import traceback
from logging.handlers import RotatingFileHandler
from pathlib import Path

from workstation.kernel.errors import StopframeError, one_line
from workstation.kernel.locations import user_log_folder

__all__ = ["BACKUPS", "LOG_NAME", "MAX_BYTES", "close", "describe", "log_error", "log_file", "log_text"]

LOG_NAME = "stopframe.log"
MAX_BYTES = 1_000_000  # per file; with the backups at most (1 + BACKUPS) MB of logs
BACKUPS = 2

_logger = logging.getLogger("stopframe")
_logger.propagate = False
_logger.setLevel(logging.INFO)
_lock = threading.Lock()
_handler: tuple[Path, logging.Handler] | None = None


def log_file() -> Path:
    """The log file as the user's folders are now."""
    return user_log_folder() / LOG_NAME


def _current_handler() -> logging.Handler | None:
    """The handler writing ``log_file()`` (made again when the log folder has changed); None when
    the file cannot be opened."""
    global _handler
    path = log_file()
    with _lock:
        if _handler is not None and _handler[0] == path:
            return _handler[1]
        if _handler is not None:
            _logger.removeHandler(_handler[1])
            _handler[1].close()
            _handler = None
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            handler = RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8")
        except OSError:
            return None
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        _logger.addHandler(handler)
        _handler = (path, handler)
        return handler


def close() -> None:
    """Close the log file (the next message opens it again)."""
    global _handler
    with _lock:
        if _handler is not None:
            _logger.removeHandler(_handler[1])
            _handler[1].close()
            _handler = None


def log_text(text: str, level: int = logging.ERROR) -> Path | None:
    """Append ``text`` to the log file; the file written, or None (then ``text`` went to stderr)."""
    handler = _current_handler()
    if handler is None:
        print(text, file=sys.stderr)
        return None
    _logger.log(level, text)
    handler.flush()
    return log_file()


def describe(error: BaseException) -> str:
    """``error`` in one line: a StopframeError's own line, else ``<Type>: <message>``."""
    if isinstance(error, StopframeError):
        return str(error)
    text = one_line(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def log_error(context: str, error: BaseException) -> str:
    """The one line for the user, ``<context>: <error>`` (``context``: what was being done, e.g.
    "rendering failed"). An error the user caused (a StopframeError) is that line alone; any other
    is a bug: its traceback is logged and the line says where."""
    line = f"{context}: {describe(error)}"
    if isinstance(error, StopframeError):
        return line
    trace = "".join(traceback.format_exception(type(error), error, error.__traceback__))
    written = log_text(f"{context}\n{trace.rstrip()}")
    return line + (f" (details in {written})" if written is not None else " (details on stderr)")
