"""The editing helpers: each changes a project (or a shot, a character) in place and returns what
an undo command needs to revert it (the name actually used, or the item removed / replaced).
They keep names unique and keys in order; the editor validates the result (``validate``)."""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import replace

from .paths import stored_path
from .values import Character, ClipRef, Keyframe, Project, ProjectError, Shot

__all__ = [
    "unique_name", "add_clip", "remove_clip", "clip_use", "checked_clip_name", "rename_clip", "add_shot",
    "remove_shot", "add_character", "remove_character", "set_hidden", "move_character", "set_keyframe",
    "remove_keyframe", "neighbour_key",
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
    """Remove an unused clip; returns it. Raises ProjectError while a shot still uses it, saying
    where (``clip_use``): "walk is used by shot 'intro' (background) and 2 characters"."""
    if name not in project.clips:
        raise ProjectError(f"there is no clip named {name!r}")
    use = clip_use(project, name)
    if use is not None:
        raise ProjectError(f"{name} is used by {use}")
    return project.clips.pop(name)


def clip_use(project: Project, name: str) -> str | None:
    """Where the shots use the clip ``name``, in words ("shot 'intro' (background) and 2
    characters"); None when no shot does. A character counts once, by its source or its motion."""
    backgrounds = [shot.name for shot in project.shots if shot.background.clip == name]
    characters = [(shot.name, character.name) for shot in project.shots for character in shot.characters
                  if character.source.clip == name or (character.motion is not None and character.motion.clip == name)]
    uses = []
    if backgrounds:
        uses.append(f"shot{'s' if len(backgrounds) > 1 else ''} {_listed(backgrounds)} (background)")
    if len(characters) == 1:
        uses.append(f"character {characters[0][1]!r} of shot {characters[0][0]!r}")
    elif characters:
        uses.append(f"{len(characters)} characters")
    return " and ".join(uses) or None


def _listed(names: list[str], shown: int = 3) -> str:
    """'a', 'a' and 'b', 'a', 'b' and 'c', 'a', 'b', 'c' and 2 more."""
    quoted = [repr(name) for name in names[:shown]]
    if len(names) > shown:
        return f"{', '.join(quoted)} and {len(names) - shown} more"
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} and {quoted[-1]}"


def checked_clip_name(project: Project, name: str, renaming: str | None = None) -> str:
    """``name`` without its outer spaces, if a clip may be called so (the clip ``renaming`` may keep
    its own name); ProjectError with one line otherwise. Like a shot's name, it names no file."""
    name = name.strip()
    if not name:
        raise ProjectError("a clip's name must not be blank")
    if "\n" in name or "\r" in name:
        raise ProjectError("a clip's name must be one line")
    if name != renaming and name in project.clips:
        raise ProjectError(f"there is already a clip named {name!r}")
    return name


def rename_clip(project: Project, name: str, new_name: str) -> str:
    """Call the clip ``name`` ``new_name`` (see ``checked_clip_name``), in its place in the Library's
    order, and every use of it with it: the shots' backgrounds, the characters' sources and motions.
    Returns the name it had."""
    if name not in project.clips:
        raise ProjectError(f"there is no clip named {name!r}")
    new_name = checked_clip_name(project, new_name, renaming=name)
    project.clips = {new_name if key == name else key: clip for key, clip in project.clips.items()}
    for shot in project.shots:
        if shot.background.clip == name:
            shot.background = replace(shot.background, clip=new_name)
        for character in shot.characters:
            if character.source.clip == name:
                character.source = replace(character.source, clip=new_name)
            if character.motion is not None and character.motion.clip == name:
                character.motion = replace(character.motion, clip=new_name)
    return name


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
