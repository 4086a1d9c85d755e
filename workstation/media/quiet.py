"""Decoders that keep quiet: :func:`quiet` wraps every call into OpenCV that reads a file.

A damaged file is reported as one :class:`MediaError` line; what the decoders say about it on their
own would only repeat it as noise on the user's terminal, before the line that matters:

- OpenCV's own log (``[ERROR:0@0.01] global loadsave.cpp ...``) is set to silent while inside;
- FFmpeg's log is silenced for good (``OPENCV_FFMPEG_LOGLEVEL=-8``, read when FFmpeg starts);
- libpng (``libpng error: ...``), libtiff and OpenCV's own AVI parser print with C's ``fprintf``
  to file descriptor 2, which no Python setting reaches. While inside, descriptor 2 is pointed at
  a temporary file; on the way out it is restored and whatever was written in between is written
  back to it, except the lines that are a decoder's complaint (``_NOISE``). Another thread's output
  in that window (a warning, a traceback) is delayed, never lost.

Nested and concurrent use is counted: the first one in silences, the last one out restores.
No Qt and no torch here.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

import cv2

__all__ = ["quiet"]

os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")

# A decoder's complaint about a file, by how each library starts its lines.
_NOISE = re.compile(
    rb"^(libpng (error|warning)|\[ ?(ERROR|WARN|INFO|DEBUG|FATAL|VERB)[: ]|TIFF|[A-Za-z]*TIFF[A-Za-z]*:"
    rb"|Unexpected element|Corrupt JPEG|Premature end of JPEG|Invalid SOS|Warning: unknown JFIF"
    rb"|\[[a-z0-9_]+ @ 0x[0-9a-f]+\]|OpenCV\()"
)

_lock = threading.Lock()
_depth = 0
_saved_fd: int | None = None
_sink: IO[bytes] | None = None
_saved_level: int | None = None


def _silence() -> None:
    global _saved_fd, _sink, _saved_level
    try:
        _saved_level = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except (AttributeError, cv2.error):
        _saved_level = None
    try:
        sys.stderr.flush()
    except (AttributeError, OSError, ValueError):
        pass
    try:
        if _sink is None:
            _sink = tempfile.TemporaryFile()
        _saved_fd = os.dup(2)
    except OSError:  # no descriptor 2 (a windowed app): nothing to silence
        _saved_fd = None
        return
    try:
        os.dup2(_sink.fileno(), 2)
    except OSError:
        os.close(_saved_fd)
        _saved_fd = None


def _restore() -> None:
    global _saved_fd
    if _saved_fd is not None:
        os.dup2(_saved_fd, 2)
        os.close(_saved_fd)
        _saved_fd = None
        assert _sink is not None
        _sink.seek(0)
        written = _sink.read()
        _sink.seek(0)
        _sink.truncate()
        kept = b"".join(line for line in written.splitlines(keepends=True)
                        if line.strip() and not _NOISE.match(line.lstrip()))
        if kept:
            try:
                os.write(2, kept)
            except OSError:
                pass
    if _saved_level is not None:
        cv2.utils.logging.setLogLevel(_saved_level)


@contextmanager
def quiet() -> Iterator[None]:
    """Inside, OpenCV and the decoders it calls print nothing (see the module's notes)."""
    global _depth
    with _lock:
        if _depth == 0:
            _silence()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _restore()
