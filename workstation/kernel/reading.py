"""Reading an input file: a regular file, no larger than its kind of file can be, checked before a
byte of it is read.

Every file Stopframe reads whole (a project, its autosave, a recipe, a bundle's ``model.json``, an
evaluation's JSON) comes through ``read_bytes_capped``. ``os.stat`` (which follows symbolic links)
must say a regular file no larger than the cap: a FIFO, a socket or a device is refused without
being opened (opening a FIFO waits for a writer; ``/dev/zero`` never ends), and an oversized file
without reading it. The file is then opened without blocking and checked again on the open
descriptor, and at most ``cap`` + 1 bytes are read, so a file swapped or grown in between is
refused too: memory stays bounded by the cap whatever the path names.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import StopframeError

__all__ = ["InputError", "InputMissing", "read_bytes_capped", "not_regular", "size_text"]

_CHUNK = 1 << 20
_NOT_REGULAR = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISSOCK, "a socket"),
                (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


class InputError(StopframeError):
    """An input file that cannot be read: one line naming it."""


class InputMissing(InputError):
    """There is no file at the path (its reader may word that its own way)."""


def size_text(size: int) -> str:
    """``64 MiB``, ``1 MiB``, ``512 KiB``, ``300 bytes``: a cap as a message states it."""
    for unit, shift in (("GiB", 30), ("MiB", 20), ("KiB", 10)):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift} {unit}"
    return f"{size} bytes"


def not_regular(mode: int) -> str | None:
    """What a file of ``mode`` is when it is not a regular file ("a named pipe (FIFO)"); None when it is."""
    if stat.S_ISREG(mode):
        return None
    return next((name for test, name in _NOT_REGULAR if test(mode)), "not a regular file")


def _checked(status: os.stat_result, path: Path, cap: int, what: str) -> None:
    kind = not_regular(status.st_mode)
    if kind is not None:
        raise InputError(f"not a file but {kind} ({what} was expected); it was not read", path)
    if status.st_size > cap:
        raise InputError(f"{status.st_size} bytes: too large for {what} (at most {size_text(cap)}); "
                         "it was not read", path)


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def read_bytes_capped(path: str | os.PathLike[str], cap: int, what: str) -> bytes:
    """The bytes of the regular file ``path`` (a symbolic link is followed), at most ``cap`` of
    them; ``what`` names the kind of file in messages ("a project file"). Raises InputMissing when
    nothing is there, InputError for anything else that cannot be read, never a bare OSError."""
    path = Path(path)
    try:
        _checked(os.stat(path), path, cap, what)
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except (FileNotFoundError, NotADirectoryError):
        raise InputMissing("file not found", path) from None
    except OSError as error:
        raise InputError(f"cannot read: {_reason(error)}", path) from None
    except ValueError as error:  # a NUL in the path
        raise InputError(f"cannot read: {error}", path) from None
    try:
        _checked(os.fstat(fd), path, cap, what)  # the file opened is still the one checked
        chunks, total = [], 0
        while total <= cap:
            chunk = os.read(fd, min(_CHUNK, cap + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    except OSError as error:
        raise InputError(f"cannot read: {_reason(error)}", path) from None
    finally:
        os.close(fd)
    if total > cap:
        raise InputError(f"grew past {size_text(cap)} while it was read: too large for {what}", path)
    return b"".join(chunks)
