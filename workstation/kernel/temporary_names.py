"""The names safe_write gives what it writes beside a target: its lock, its temporaries and a
previous folder on its way out, each hidden (a leading dot), marked, and carrying the writer's PID
so that the next writer can tell a dead writer's leftovers from a live one's.

A name the file system would refuse as too long (lengths in bytes) is shortened: its start, ``~``
and a hash of the whole name, so any name the file system accepts can be an output. No Qt, no torch.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from pathlib import Path

__all__ = ["LOCK_SUFFIX", "PARTIAL_MARK", "OLD_MARK", "name_max", "lock_path", "partial_prefix", "temporary_name",
           "aside_of", "stage_of", "is_temporary"]

LOCK_SUFFIX = ".stopframe-lock"
PARTIAL_MARK = ".stopframe-partial"
OLD_MARK = ".stopframe-old"


# What a temporary's name adds to the target's (at most): ".", ".<pid>-<8 hex>", the mark, the suffix.
_ADDED_BYTES = 2 + 10 + 1 + 8 + len(PARTIAL_MARK)
_SUFFIX_BYTES = 16  # a longer suffix names no codec: the temporary goes without it
_HASH_CHARS = 16


def name_max(folder: Path) -> int:
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def stem(target: Path) -> str:
    """``target``'s name as its lock's and temporaries' names hold it: whole, or where that would
    pass the file system's limit (in bytes), its start, ``~`` and a hash of the whole name."""
    name = target.name
    budget = name_max(target.parent) - _ADDED_BYTES - _SUFFIX_BYTES
    if len(os.fsencode(name)) <= budget:
        return name
    digest = hashlib.sha256(os.fsencode(name)).hexdigest()[:_HASH_CHARS]
    head, used = [], 0
    for char in name:
        used += len(os.fsencode(char))
        if used > budget - 1 - _HASH_CHARS:
            break
        head.append(char)
    return f"{''.join(head)}~{digest}"


def lock_path(target: Path) -> Path:
    return target.with_name(f".{stem(target)}{LOCK_SUFFIX}")


def partial_prefix(target: Path) -> str:
    return f".{stem(target)}."


def temporary_name(target: Path, suffix: str = "", mark: str = PARTIAL_MARK) -> Path:
    """A fresh name beside ``target`` that no user could own, which the next writer of ``target``
    removes should this process die with it still there."""
    if len(os.fsencode(suffix)) > _SUFFIX_BYTES:
        suffix = ""
    return target.with_name(f"{partial_prefix(target)}{os.getpid()}-{secrets.token_hex(4)}{mark}{suffix}")


def aside_of(stage: Path) -> Path:
    """Where the previous folder waits while ``stage`` is swapped in: the stage's name, marked old."""
    return stage.with_name(stage.name[:-len(PARTIAL_MARK)] + OLD_MARK)


def stage_of(aside: Path) -> Path:
    return aside.with_name(aside.name[:-len(OLD_MARK)] + PARTIAL_MARK)


_TEMPORARY_NAME = re.compile(rf"\..+\.\d+-[0-9a-f]{{8}}({re.escape(PARTIAL_MARK)}(\.[^.]*)?|{re.escape(OLD_MARK)})")


def is_temporary(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is named as safe_write names its temporaries (``temporary_name``): a file or
    folder being written, or a previous folder being swapped out. For tests of leftovers."""
    return _TEMPORARY_NAME.fullmatch(Path(path).name) is not None
