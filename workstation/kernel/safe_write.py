"""The one way Stopframe writes an output (frames, videos, bundles, checkpoints, JSON), whatever fills it.

    with output_file(Path("intro.mp4"), overwrite=force, verify=check_video) as temporary:
        write_the_video(temporary)            # any codec, any library: it only sees a fresh path

1. **Claim** the final name: a lock file ``.<name>.stopframe-lock`` beside it, created with
   ``O_EXCL`` and holding the writer's PID, so two writers cannot both succeed. A lock whose process
   is gone (a crash, ``kill -9``) is stale and is taken over, and what its writer left is recovered:
   a previous folder it had renamed aside is put back unless its new one is already in place.
2. **Refuse** an existing output unless ``overwrite`` (``OutputExists``; the caller words the remedy), and
   always refuse to replace anything but a regular file (``output_file``) or a folder (``output_folder``):
   a symbolic link, a FIFO, a device or a socket is never replaced.
3. **Write** to a fresh temporary beside the target: ``.<name>.<pid>-<random>.stopframe-partial``
   (plus the target's suffix, so codecs pick the format), created with ``O_EXCL``: never a name a
   user could own, and nothing is ever deleted that this module did not create. ``<name>`` is
   shortened (its start and a hash) where the whole would pass the file system's name limit
   (``temporary_names``).
4. **fsync, verify** (the caller's check, e.g. a video read back by the project's own reader), then
   **rename** over the target and fsync the folder. A folder (a PNG sequence, a bundle) is staged
   beside the target and swapped in: the old one renamed aside (named after the stage), the new one
   renamed in, the old one removed; as close to atomic as a filesystem allows.
5. On **any** error, Ctrl-C included, the temporaries are removed, the previous output is untouched and
   the claim released; an ``OSError`` becomes one ``OutputError`` line naming the target (and its errno).

No Qt and no torch here. Design: docs/DESIGN.md, "Writing outputs"."""

from __future__ import annotations

import errno
import json
import os
import shutil
import stat
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, read_bytes_capped
from workstation.kernel.temporary_names import (
    LOCK_SUFFIX,
    OLD_MARK,
    PARTIAL_MARK,
    aside_of,
    is_temporary,
    lock_path,
    name_max,
    partial_prefix,
    stage_of,
    temporary_name,
)

__all__ = ["OutputError", "OutputExists", "OutputBusy", "output_file", "output_folder",
           "write_bytes", "write_text", "write_json", "is_temporary", "temporary_name", "LOCK_SUFFIX",
           "PARTIAL_MARK"]

Verify = Callable[[Path], None]


class OutputError(StopframeError):
    """An output could not be written; the previous one (if any) is untouched. ``errno``: the OS's reason."""

    def __init__(self, problem: object, path: str | os.PathLike[str] | None = None, errno: int | None = None):
        super().__init__(problem, path)
        self.errno = errno


class OutputExists(OutputError):
    """The output exists and the caller did not allow replacing it."""


class OutputBusy(OutputError):
    """Another live writer holds the claim on the output."""


def _reason(error: OSError) -> str:
    return error.strerror or str(error)


def _alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, another user's
        return True
    return True


LOCK_MAX_BYTES = 64  # a lock holds one PID and a newline


def _read_pid(path: Path) -> int | None:
    """The PID in the lock file ``path``; None when it holds none (a FIFO there is never opened)."""
    try:
        return int(read_bytes_capped(path, LOCK_MAX_BYTES, "a lock file").decode("ascii").split()[0])
    except (InputError, ValueError, IndexError):  # UnicodeDecodeError is a ValueError
        return None


def _claim(target: Path) -> Path:
    """Create the lock file of ``target`` (O_EXCL), taking over a stale one; returns its path."""
    lock = lock_path(target)
    for _ in range(CLAIM_TRIES):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _read_pid(lock)
            if pid is not None and _alive(pid):
                raise OutputBusy(f"another Stopframe process (pid {pid}) is writing it; if none is running, "
                                 f"remove {lock}", target) from None
            if pid is None and _young(lock):  # being written this very moment: its PID follows
                time.sleep(CLAIM_WAIT_S)  # without a pause, all tries passed before the PID was written
                continue
            try:  # stale: its writer is gone
                os.unlink(lock)
            except FileNotFoundError:
                pass
            continue
        try:
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        except BaseException:  # e.g. a full disk: the lock exists but holds no PID; take it back
            os.close(fd)
            os.unlink(lock)
            raise
        os.close(fd)
        return lock
    raise OutputBusy(f"could not claim it (the lock {lock} keeps changing hands)", target)


# A lock just created holds no PID yet: wait for it this long, at most this many times (about 1 s).
CLAIM_TRIES, CLAIM_WAIT_S = 50, 0.02


def _young(path: Path, seconds: float = 2.0) -> bool:
    try:
        return time.time() - path.stat().st_mtime < seconds
    except OSError:
        return False


def _release(lock: Path) -> None:
    if _read_pid(lock) == os.getpid():
        try:
            os.unlink(lock)
        except OSError:
            pass


def _recover_killed_writers(target: Path) -> None:
    """What writers of ``target`` that died (``kill -9``) left: a previous folder renamed aside is
    put back where the new one did not replace it (and kept when in doubt); their temporaries are
    removed. Ours by name, theirs by PID."""
    prefix = partial_prefix(target)
    try:
        entries = list(target.parent.iterdir())
    except OSError:
        return
    dead = []
    for entry in entries:
        name = entry.name
        if not name.startswith(prefix) or (PARTIAL_MARK not in name and OLD_MARK not in name):
            continue
        pid_text = name[len(prefix):].split("-", 1)[0]
        if pid_text.isdigit() and not _alive(int(pid_text)):
            dead.append(entry)
    kept = set()
    for aside in (entry for entry in dead if entry.name.endswith(OLD_MARK)):
        stage = stage_of(aside)
        if not os.path.lexists(target):  # killed between the renames: the previous output goes back
            try:
                os.rename(aside, target)
            except OSError:
                kept.add(stage)  # the next writer tries again
        elif not os.path.lexists(stage):  # its new output went in: the previous one was on its way out
            _remove(aside)
        else:  # something else took the name since: both stay, so the next writer decides the same
            kept.add(stage)
    for entry in dead:
        if PARTIAL_MARK in entry.name and entry not in kept:
            _remove(entry)


def _remove(path: Path) -> None:
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink()
    except OSError:  # gone already, or not ours to remove after all
        pass


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) if path.is_dir() else os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as error:
        if error.errno not in (errno.EINVAL, errno.EBADF):  # some filesystems cannot fsync a folder
            raise
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    """fsync the regular files and folders under ``folder``; links are not followed and nothing else
    is opened (a FIFO would wait for a writer forever)."""
    for root, _, files in os.walk(folder):
        for name in files:
            path = Path(root) / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                _fsync_path(path)
        _fsync_path(Path(root))


def _check_target(target: Path) -> None:
    """A name an output can have, in a folder that exists, within the file system's limit."""
    if target.name in ("", ".", ".."):
        raise OutputError("is not a name for an output; give the file or folder a name of its own", target)
    if not target.parent.is_dir():
        raise OutputError(f"the folder {target.parent} does not exist", target)
    size, limit = len(os.fsencode(target.name)), name_max(target.parent)
    if size > limit:
        raise OutputError(f"file name too long ({size} bytes; the file system allows {limit})", target)


_SPECIAL_KINDS = ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                  (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def _check_replaceable(target: Path, *, folder: bool) -> None:
    """Refuse ``target`` unless it is absent or what the output is: a regular file or a folder,
    never a link or a special file (read from ``lstat``, nothing opened or followed)."""
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise OutputError(_reason(error), target, error.errno) from None
    for kind, words in _SPECIAL_KINDS:
        if kind(mode):
            raise OutputError(f"is {words}; an output replaces only a regular file or a folder", target)
    if folder and not stat.S_ISDIR(mode):
        raise OutputError("exists and is not a folder", target)
    if not folder and stat.S_ISDIR(mode):
        raise OutputError("is a folder, not a file", target)


@contextmanager
def _claimed(target: Path) -> Iterator[None]:
    try:
        lock = _claim(target)
    except OSError as error:
        raise OutputError(_reason(error), target, error.errno) from None
    try:
        _recover_killed_writers(target)
        yield
    finally:
        _release(lock)


@contextmanager
def output_file(target: str | os.PathLike[str], *, overwrite: bool, verify: Verify | None = None) -> Iterator[Path]:
    """Write the file ``target``: yields a fresh temporary path beside it (an empty file), which
    replaces ``target`` only after the block, fsync and ``verify`` all succeed."""
    target = Path(target)
    _check_target(target)
    _check_replaceable(target, folder=False)
    with _claimed(target):
        _check_replaceable(target, folder=False)
        if target.exists() and not overwrite:
            raise OutputExists("already exists", target)
        temporary = temporary_name(target, target.suffix)
        try:
            os.close(os.open(temporary, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644))
            yield temporary
            _fsync_path(temporary)
            if verify is not None:
                verify(temporary)
            _check_replaceable(target, folder=False)
            os.replace(temporary, target)
            _fsync_path(target.parent)
        except OSError as error:
            _remove(temporary)
            raise OutputError(_reason(error), target, error.errno) from None
        except BaseException:
            _remove(temporary)
            raise


@contextmanager
def output_folder(target: str | os.PathLike[str], *, overwrite: bool,
                  verify: Verify | None = None) -> Iterator[Path]:
    """Write the folder ``target``: yields a fresh empty folder beside it, which is swapped in for
    ``target`` only after the block, fsync and ``verify`` all succeed."""
    target = Path(target)
    _check_target(target)
    _check_replaceable(target, folder=True)
    with _claimed(target):
        _check_replaceable(target, folder=True)
        if target.exists() and not overwrite:
            raise OutputExists("already exists", target)
        stage = temporary_name(target)
        aside = aside_of(stage)
        try:
            stage.mkdir()
            yield stage
            _fsync_tree(stage)
            if verify is not None:
                verify(stage)
            _check_replaceable(target, folder=True)
            _swap_in(stage, target, aside)
        except BaseException as error:
            _remove(stage)
            if isinstance(error, OSError):
                raise OutputError(_reason(error), target, error.errno) from None
            raise
        _remove(aside)  # the previous output, now replaced (a killed writer's is removed by the next)


def _swap_in(stage: Path, target: Path, aside: Path) -> None:
    """``stage`` becomes ``target``; the previous ``target`` (if any) waits at ``aside``. If the
    swap fails, the previous one is put back. Killed between the renames, the next writer puts it
    back (``_recover_killed_writers``)."""
    try:
        if os.path.lexists(target):
            os.rename(target, aside)
        os.rename(stage, target)
    except BaseException:
        if os.path.lexists(aside) and not os.path.lexists(target):
            os.rename(aside, target)
        raise
    _fsync_path(target.parent)


def write_bytes(target: str | os.PathLike[str], data: bytes, *, overwrite: bool = True) -> None:
    with output_file(target, overwrite=overwrite) as temporary, open(temporary, "wb") as stream:
        stream.write(data)


def write_text(target: str | os.PathLike[str], text: str, *, overwrite: bool = True) -> None:
    write_bytes(target, text.encode("utf-8"), overwrite=overwrite)


def write_json(target: str | os.PathLike[str], value: Any, *, overwrite: bool = True) -> None:
    write_text(target, json.dumps(value, indent=2, ensure_ascii=False) + "\n", overwrite=overwrite)
