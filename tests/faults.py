"""Disk faults for tests: CI runs as root, which can write anywhere, so a full or read-only disk is
injected. Two ways, from the cheapest:

- ``failing_writes(folder, errno.ENOSPC, after_bytes=N)``: every file Python opens for writing
  under ``folder`` (``open``, ``io.open``, ``Path.open/write_*``) raises ``OSError(ENOSPC)`` once
  more than N bytes were written to it in all; ``os.write`` to such a file too. Writers in C
  (OpenCV, PyAV, torch's zip writer with a path) do not go through Python and are not affected:
- ``small_filesystem(bytes)``: a real tmpfs of that size, mounted for the test (root only;
  ``pytest.skip`` with the reason where mounting is not allowed). ``remount_read_only(folder)``
  turns it read-only.

Hazards in place of a file: ``fifo_watchdog(path)`` makes a FIFO that no reader may open, and
``sparse_file(path, size)`` a file that claims ``size`` bytes and uses no disk.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest

_WRITE_MODES = ("w", "a", "x", "+")


class _FailingStream:
    """A file object that raises OSError(code) once the shared budget of bytes is spent."""

    def __init__(self, stream, budget: list[int], code: int):
        self._stream, self._budget, self._code = stream, budget, code

    def write(self, data):
        size = len(data)
        if size > self._budget[0]:
            self._budget[0] = 0
            raise OSError(self._code, os.strerror(self._code))
        self._budget[0] -= size
        return self._stream.write(data)

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def __iter__(self):
        return iter(self._stream)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._stream.close()
        return False


@contextmanager
def failing_writes(folder: str | os.PathLike[str], code: int = errno.ENOSPC, after_bytes: int = 0):
    folder = Path(folder).resolve()
    budget = [after_bytes]
    real_open, real_write = builtins.open, os.write
    failing_fds: set[int] = set()

    def inside(path) -> bool:
        try:
            return Path(os.fspath(path)).resolve().is_relative_to(folder)
        except (TypeError, ValueError):
            return False

    def patched_open(file, mode="r", *args, **kwargs):
        stream = real_open(file, mode, *args, **kwargs)
        if isinstance(file, (str, bytes, os.PathLike)) and inside(file) and any(m in mode for m in _WRITE_MODES):
            return _FailingStream(stream, budget, code)
        return stream

    def patched_os_write(fd, data):
        if fd in failing_fds or _fd_inside(fd, inside):
            failing_fds.add(fd)
            if len(data) > budget[0]:
                budget[0] = 0
                raise OSError(code, os.strerror(code))
            budget[0] -= len(data)
        return real_write(fd, data)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builtins, "open", patched_open)
        patch.setattr(io, "open", patched_open)
        patch.setattr(os, "write", patched_os_write)
        yield


def _fd_inside(fd: int, inside) -> bool:
    try:
        return inside(os.readlink(f"/proc/self/fd/{fd}"))
    except OSError:
        return False


@contextmanager
def small_filesystem(size_bytes: int):
    """A real, tiny filesystem (tmpfs) of ``size_bytes``, mounted on a fresh folder for the test."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small filesystem needs root")
    folder = Path(tempfile.mkdtemp(prefix="stopframe-small-fs-"))
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_bytes}", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip() or done.returncode}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
        folder.rmdir()


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True)


def fill(folder: Path, leave_bytes: int = 0) -> None:
    """Fill the filesystem of ``folder`` up to ``leave_bytes`` free."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize - leave_bytes
    if free > 0:
        with builtins.open(folder / "filler.bin", "wb") as stream:
            try:
                stream.write(b"\0" * free)
            except OSError:
                pass


@contextmanager
def fifo_watchdog(fifo: Path, seconds: float = 5.0):
    """Makes a FIFO that no test may open: should a reader still be blocked on it after ``seconds``
    (the code under test opened it), a writer opens and closes it so the test ends, and the
    yielded list records that the reader had to be rescued."""
    os.mkfifo(fifo)
    rescued: list[bool] = []
    done = threading.Event()

    def rescue() -> None:
        if done.wait(seconds):
            return
        try:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))  # ENXIO unless a reader is waiting
            rescued.append(True)
        except OSError:
            pass

    watchdog = threading.Thread(target=rescue, daemon=True)
    watchdog.start()
    try:
        yield rescued
    finally:
        done.set()
        watchdog.join()


def sparse_file(path: Path, size: int) -> Path:
    with open(path, "wb") as stream:
        stream.truncate(size)
    return path
