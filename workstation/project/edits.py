"""The editing helpers: each changes a project (or a shot, a character) in place and returns what
an undo command needs to revert it (the name actually used, or the item removed / replaced).
They keep names unique and keys in order; the editor validates the result (``validate``)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace

from .paths import clip_users, stored_path
from .values import Character, ClipRef, Keyframe, Project, ProjectError, Shot

__all__ = [
    "unique_name", "add_clip", "remove_clip", "add_shot", "remove_shot", "add_character", "remove_character",
    "set_hidden", "move_character", "set_keyframe", "remove_keyframe", "neighbour_key",
]


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name 2``, ``name 3``... whichever is first not in ``taken``."""
    taken = set(taken)
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def add_clip(project: Project, name: str, clip: ClipRef) -> str:
    """Add ``clip`` under ``name`` (made unique); returns the name used. A relative ``clip.path``
    is taken relative to the project's folder (the current directory if never saved); it is kept
    relative to the project's folder when possible, absolute while the project has no file."""
    used = unique_name(name, project.clips)
    project.clips[used] = replace(clip, path=stored_path(project, clip.path))
    return used


def remove_clip(project: Project, name: str) -> ClipRef:
    """Remove an unused clip; returns it. Raises ProjectError while a shot still uses it."""
    if name not in project.clips:
        raise ProjectError(f"unknown clip {name!r}", project.path)
    users = clip_users(project, name)
    if users:
        more = f" and {len(users) - 1} more" if len(users) > 1 else ""
        raise ProjectError(f"clip {name!r} is still used by {users[0]}{more}", project.path)
    return project.clips.pop(name)


def add_shot(project: Project, shot: Shot, index: int | None = None) -> str:
    """Insert ``shot`` (at ``index``, default last), renaming it if its name is taken; returns the
    name used (``shot.name`` is updated)."""
    shot.name = unique_name(shot.name, (s.name for s in project.shots))
    project.shots.insert(len(project.shots) if index is None else index, shot)
    return shot.name


def remove_shot(project: Project, name: str) -> tuple[int, Shot]:
    """Remove the shot called ``name``; returns (its index, the shot) for undo."""
    shot = project.shot(name)
    index = project.shots.index(shot)
    del project.shots[index]
    return index, shot


def add_character(shot: Shot, character: Character, index: int | None = None) -> str:
    """Insert ``character`` into ``shot`` (at ``index``, default last), renaming it if its name is
    taken in that shot; returns the name used (``character.name`` is updated)."""
    character.name = unique_name(character.name, (c.name for c in shot.characters))
    shot.characters.insert(len(shot.characters) if index is None else index, character)
    return character.name


def remove_character(shot: Shot, name: str) -> tuple[int, Character]:
    """Remove the character called ``name`` from ``shot``; returns (its index, the character)."""
    character = shot.character(name)
    index = shot.characters.index(character)
    del shot.characters[index]
    return index, character


def set_hidden(shot: Shot, name: str, hidden: bool) -> bool:
    """Hide (True) or show (False) the character called ``name`` of ``shot``; returns whether it
    was hidden before."""
    character = shot.character(name)
    previous, character.hidden = character.hidden, bool(hidden)
    return previous


def move_character(shot: Shot, name: str, index: int) -> int:
    """Move the character called ``name`` to ``index`` of the shot's z-order (0: the back, the last
    index: the front), clamped: below 0 is the back, past the end the front; returns the index it
    had before (``move_character(shot, name, previous)`` undoes it)."""
    character = shot.character(name)
    previous = shot.characters.index(character)
    index = max(0, min(int(index), len(shot.characters) - 1))
    del shot.characters[previous]
    shot.characters.insert(index, character)
    return previous


def set_keyframe(character: Character, key: Keyframe) -> Keyframe | None:
    """Insert ``key`` in frame order, or replace the key at the same frame; returns the key it
    replaced (None if the frame had none)."""
    keys = character.keyframes
    at = bisect.bisect_left(keys, key.frame, key=lambda k: k.frame)
    if at < len(keys) and keys[at].frame == key.frame:
        previous, keys[at] = keys[at], key
        return previous
    keys.insert(at, key)
    return None


def remove_keyframe(character: Character, frame: int) -> Keyframe | None:
    """Remove the key at ``frame``; returns it (None, and nothing changes, if there was none)."""
    keys = character.keyframes
    at = bisect.bisect_left(keys, frame, key=lambda k: k.frame)
    if at < len(keys) and keys[at].frame == frame:
        return keys.pop(at)
    return None


def neighbour_key(character: Character, frame: int, direction: int) -> int | None:
    """The frame of the nearest key after ``frame`` (``direction`` > 0) or before it (< 0); None
    when there is none that way."""
    frames = [key.frame for key in character.keyframes]
    if direction > 0:
        at = bisect.bisect_right(frames, frame)
        return frames[at] if at < len(frames) else None
    at = bisect.bisect_left(frames, frame)
    return frames[at - 1] if at > 0 else None
