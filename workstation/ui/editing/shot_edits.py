"""The edits of the list of shots as undoable steps on a ProjectDocument, for the Shot menu and the
Shots panel: each is one undo step named after what it did ("Rename shot intro to opening"), shows
the shot it made or kept, and its undo shows the shot that was current before. The rules (names,
the last shot) are ``workstation.project.shots``'s; a broken one raises a one-line ProjectError."""

from __future__ import annotations

from workstation import project as doc
from workstation.ui.document import ProjectDocument


def _current(document: ProjectDocument) -> str:
    if document.shot_name is None:
        raise doc.ProjectError("there is no shot yet: drop a frame on the Canvas or add a shot")
    return document.shot_name


def add_shot(document: ProjectDocument) -> str:
    """A new empty shot after the current one (like it: see ``doc.blank_shot``; the first one at the
    Preferences' frame rate of a new shot); returns its name."""
    after, fps = document.shot_name, document.new_shot_fps
    name = doc.blank_shot(document.project, after, fps).name  # raises when there is no clip for a background
    document.edit(f"New shot {name}", lambda project: doc.add_blank_shot(project, after, fps), shot_after=name)
    return name


def duplicate_shot(document: ProjectDocument) -> str:
    """A copy of the current shot right after it ("intro copy"); returns its name."""
    name = _current(document)
    copy = doc.copy_name(document.project, name)
    document.edit(f"Duplicate shot {name} as {copy}", lambda project: doc.duplicate_shot(project, name, copy),
                  shot_after=copy)
    return copy


def rename_shot(document: ProjectDocument, name: str, new_name: str) -> bool:
    """Call the shot ``name`` ``new_name``; False (and no undo step) when that is its name already."""
    new_name = doc.checked_shot_name(document.project, new_name, renaming=name)
    if new_name == name:
        return False
    shown = new_name if document.shot_name == name else document.shot_name
    document.edit(f"Rename shot {name} to {new_name}", lambda project: doc.rename_shot(project, name, new_name),
                  shot_after=shown)
    return True


def delete_shot(document: ProjectDocument) -> str:
    """Delete the current shot (not the only one); the next one (else the previous) is shown.
    Returns the name of the shot deleted."""
    name = _current(document)
    shown = doc.neighbour_shot(document.project, name)  # None for the only shot, which doc.delete_shot refuses
    document.edit(f"Delete shot {name}", lambda project: doc.delete_shot(project, name), shot_after=shown)
    return name


def move_target(document: ProjectDocument, step: int) -> tuple[int, int] | None:
    """(the index of the current shot, where a move by ``step`` places it, within the list)."""
    if document.shot_name is None:
        return None
    names = [shot.name for shot in document.project.shots]
    index = names.index(document.shot_name)
    return index, max(0, min(index + step, len(names) - 1))


def move_shot(document: ProjectDocument, step: int) -> bool:
    """Move the current shot ``step`` places down the list (-1: up); False (and no undo step) at
    the end of the list."""
    target = move_target(document, step)
    if target is None or target[0] == target[1]:
        return False
    name, index = _current(document), target[1]
    direction = "up" if step < 0 else "down"
    document.edit(f"Move shot {name} {direction}", lambda project: doc.move_shot(project, name, index),
                  shot_after=name)
    return True


def step_shot(document: ProjectDocument, step: int) -> bool:
    """Show the shot ``step`` places down the list (-1: the previous one); not an edit. False at
    the end of the list."""
    target = move_target(document, step)
    if target is None or target[0] == target[1]:
        return False
    document.select_shot(document.project.shots[target[1]].name)
    return True
