"""Shot management: the edits of a project's list of shots (add, rename, duplicate, delete, move).

Like ``edits``, each changes a project in place and returns what its caller needs (the name used,
the index it had, the shot removed); the editor validates the result. The rules a user expects:

- a new shot is called "Shot N", N one more than the shots there are (the next free number if
  that name is taken); it is empty, DEFAULT_SHOT_LENGTH frames long, over the background of the
  shot it follows and at its speed (the first shot: over the first clip's first frame, at the
  speed asked for or the clip's), and its output is its background clip's own size, crisp
  (``background_output``);
- a name is one line, not blank, and no other shot's (leading and trailing spaces are dropped);
- a duplicate is called "<name> copy" ("<name> copy 2"...) and comes right after its original;
- the only shot cannot be deleted: the Canvas, the Timeline and every export work on a shot;
- a move is clamped to the list, like a character's move in the z-order.

A broken rule is a ProjectError about what the user typed or chose, so it names no file.
"""

from __future__ import annotations

import copy

from .edits import unique_name
from .scalars import MAX_FPS, MIN_FPS
from .values import MAX_OUTPUT_SIDE, ClipRef, FrameRef, Output, Project, ProjectError, Shot

__all__ = [
    "DEFAULT_SHOT_LENGTH", "DEFAULT_SHOT_FPS", "new_shot_name", "checked_shot_name", "copy_name", "blank_shot",
    "add_blank_shot", "background_output", "rename_shot", "duplicate_shot", "delete_shot", "move_shot",
    "neighbour_shot",
]

DEFAULT_SHOT_LENGTH = 24  # frames: two seconds at the default speed
DEFAULT_SHOT_FPS = 12.0  # for a clip whose own speed is unknown


def new_shot_name(project: Project) -> str:
    """"Shot N" for the next shot: N is one more than the number of shots, or the next free number."""
    taken = {shot.name for shot in project.shots}
    number = len(project.shots) + 1
    while f"Shot {number}" in taken:
        number += 1
    return f"Shot {number}"


def checked_shot_name(project: Project, name: str, renaming: str | None = None) -> str:
    """``name`` without its outer spaces, if a shot may be called so (the shot ``renaming`` may keep
    its own name); ProjectError with one line otherwise."""
    name = name.strip()
    if not name:
        raise ProjectError("a shot's name must not be blank")
    if "\n" in name or "\r" in name:
        raise ProjectError("a shot's name must be one line")
    if name != renaming and any(shot.name == name for shot in project.shots):
        raise ProjectError(f"there is already a shot named {name!r}")
    return name


def copy_name(project: Project, name: str) -> str:
    """The name a duplicate of the shot ``name`` gets: "<name> copy", made unique."""
    return unique_name(f"{name} copy", (shot.name for shot in project.shots))


def background_output(clip: ClipRef) -> Output:
    """The output of a new shot over ``clip``: the clip's own width and height, crisp (a clip
    larger than MAX_OUTPUT_SIDE a side is made to fit, keeping its shape)."""
    width, height = max(1, clip.width), max(1, clip.height)
    if max(width, height) > MAX_OUTPUT_SIDE:
        shrink = MAX_OUTPUT_SIDE / max(width, height)
        width, height = max(1, round(width * shrink)), max(1, round(height * shrink))
    return Output(width, height, "crisp")


def blank_shot(project: Project, like: str | None = None, first_fps: float | None = None) -> Shot:
    """A new empty shot named ``new_shot_name``: over the background of the shot called ``like`` and
    at its speed, or, without one, over the first clip's first frame at ``first_fps`` (None: that
    clip's speed); its output is that background's own size (``background_output``)."""
    if like is not None:
        model = project.shot(like)
        background, fps = model.background, model.fps
    elif project.clips:
        clip_name, clip = next(iter(project.clips.items()))
        background, fps = FrameRef(clip_name, 0), first_fps or clip.fps or DEFAULT_SHOT_FPS
        fps = min(max(fps, MIN_FPS), MAX_FPS)  # a clip's own speed may lie beyond what a shot can be written at
    else:
        raise ProjectError("a shot needs a background: import a clip first")
    return Shot(new_shot_name(project), DEFAULT_SHOT_LENGTH, fps, background,
                output=background_output(project.clips[background.clip]))


def add_blank_shot(project: Project, after: str | None = None, first_fps: float | None = None) -> str:
    """Insert a ``blank_shot`` like the shot called ``after``, right after it (without one: over the
    first clip, at ``first_fps``, last); returns its name."""
    shot = blank_shot(project, after, first_fps)
    index = len(project.shots) if after is None else _index(project, after) + 1
    project.shots.insert(index, shot)
    return shot.name


def rename_shot(project: Project, name: str, new_name: str) -> str:
    """Call the shot ``name`` ``new_name`` (see ``checked_shot_name``); returns the name it had."""
    shot = project.shot(name)
    shot.name = checked_shot_name(project, new_name, renaming=name)
    return name


def duplicate_shot(project: Project, name: str, copy_called: str | None = None) -> str:
    """Insert a copy of the shot ``name`` (characters, keys and all) right after it, called
    ``copy_called`` (a free name: see ``checked_shot_name``) or ``copy_name``; returns its name."""
    index = _index(project, name)
    duplicate = copy.deepcopy(project.shots[index])
    duplicate.name = copy_name(project, name) if copy_called is None else checked_shot_name(project, copy_called)
    project.shots.insert(index + 1, duplicate)
    return duplicate.name


def delete_shot(project: Project, name: str) -> tuple[int, Shot]:
    """Remove the shot ``name``, unless it is the only one; returns (its index, the shot)."""
    index = _index(project, name)
    if len(project.shots) == 1:
        raise ProjectError(f"{name!r} is the only shot and cannot be deleted: add another shot first")
    return index, project.shots.pop(index)


def move_shot(project: Project, name: str, index: int) -> int:
    """Move the shot ``name`` to ``index`` of the list (clamped to it); returns the index it had
    (``move_shot(project, name, previous)`` undoes it)."""
    previous = _index(project, name)
    index = max(0, min(int(index), len(project.shots) - 1))
    project.shots.insert(index, project.shots.pop(previous))
    return previous


def neighbour_shot(project: Project, name: str) -> str | None:
    """The shot shown once the shot ``name`` is gone: the one after it, else the one before."""
    index = _index(project, name)
    others = project.shots[index + 1:] + project.shots[:index][::-1]
    return others[0].name if others else None


def _index(project: Project, name: str) -> int:
    return project.shots.index(project.shot(name))
