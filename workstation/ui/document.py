"""The open project as Qt sees it: the document, its undo stack and what is selected.

Every change to the project goes through ``ProjectDocument.edit``, which applies it to a scratch
copy, validates the result (an invalid edit raises ProjectError and changes nothing) and records it
as one undo command holding the project's state before and after; commands given the same
``merge_key`` in a row (one mouse drag, one burst of wheel steps) merge into a single undo step.
Views subscribe to the signals and never change the project directly.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from workstation import project as doc


@dataclass(frozen=True)
class _State:
    clips: dict
    model: str | None
    shots: list

    @classmethod
    def of(cls, project: doc.Project) -> _State:
        return cls(copy.deepcopy(project.clips), project.model, copy.deepcopy(project.shots))

    def apply_to(self, project: doc.Project) -> None:
        project.clips = copy.deepcopy(self.clips)
        project.model = self.model
        project.shots = copy.deepcopy(self.shots)


class ProjectEdit(QUndoCommand):
    MERGE_ID = 0x5F0E

    def __init__(self, document: ProjectDocument, text: str, mutate: Callable[[doc.Project], object],
                 merge_key: object = None, shot_after: str | None = None):
        super().__init__(text)
        self.document = document
        self.merge_key = merge_key
        # An edit of the list of shots names the shot to show after it; its undo shows the one before.
        self.shot_before, self.shot_after = document.shot_name, shot_after
        self.before = _State.of(document.project)
        scratch = doc.copy_project(document.project)
        self.result = mutate(scratch)
        doc.validate(scratch)
        self.after = _State(scratch.clips, scratch.model, scratch.shots)  # the scratch copy is ours alone

    def redo(self) -> None:
        self.document._restore(self.after, self.shot_after)

    def undo(self) -> None:
        self.document._restore(self.before, self.shot_before if self.shot_after is not None else None)

    def id(self) -> int:
        return self.MERGE_ID if self.merge_key is not None else -1

    def mergeWith(self, other: QUndoCommand) -> bool:
        if not isinstance(other, ProjectEdit) or other.merge_key != self.merge_key:
            return False
        self.after = other.after
        return True


class ProjectDocument(QObject):
    changed = Signal()  # the content changed: an edit, an undo or a redo
    clips_changed = Signal()  # the set of clips (names or files) changed
    model_changed = Signal()  # the project names another model bundle (by an edit, undo or redo)
    selection_changed = Signal()  # another shot or character is selected
    frame_changed = Signal(int)  # the current frame of the current shot
    replaced = Signal()  # another project was opened (or a new one made)

    def __init__(self, project: doc.Project | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.undo_stack = QUndoStack(self)
        self.project = doc.Project()
        self.shot_name: str | None = None
        self.character_name: str | None = None
        self.frame = 0
        self.revision = 0  # grows with every change of content: a key for rendered frames
        self.new_shot_fps: float | None = None  # Preferences: a first shot's rate (None: its clip's)
        self.open(project or doc.Project())

    # -- the whole document --------------------------------------------------------------------------
    def open(self, project: doc.Project, restored: bool = False) -> None:
        """Show ``project`` (a freshly loaded or new one); the undo history starts afresh. Raises
        ProjectError, and changes nothing, if ``project`` is not valid: a document is validated
        where it enters (here, and each edit), not by every render request. A project ``restored``
        from an autosave is modified (not what its file holds) until it is saved. It opens where
        the user was when it was saved (``Project.current``), else at the first shot's first frame."""
        doc.validate(project)
        self.project = project
        self.undo_stack.clear()
        self.undo_stack.setClean()
        if restored:
            self.undo_stack.resetClean()
        self.revision += 1
        names, current = [shot.name for shot in project.shots], project.current
        self.shot_name = current.shot if current and current.shot in names else names[0] if names else None
        self.character_name = None
        self.frame = current.frame if current and current.shot == self.shot_name else 0
        self._fix_selection()
        self.replaced.emit()
        self.clips_changed.emit()
        self.changed.emit()
        self.selection_changed.emit()
        self.frame_changed.emit(self.frame)

    @property
    def path(self) -> Path | None:
        return self.project.path

    @property
    def modified(self) -> bool:
        return not self.undo_stack.isClean()

    def save(self, path: str | Path) -> None:
        """Write the project (atomically) to ``path``, with where the user is now (the shot and
        frame it reopens at); raises ProjectError with one line."""
        self.remember_position()
        doc.save_project(self.project, path)
        self.undo_stack.setClean()

    def remember_position(self) -> None:
        """``Project.current`` set to the shot and frame shown: what a save (or autosave) writes.
        Where the user is is not an edit: it makes no undo step and leaves the project unmodified."""
        self.project.current = None if self.shot_name is None else doc.Current(self.shot_name, self.frame)

    # -- edits ---------------------------------------------------------------------------------------
    def edit(self, text: str, mutate: Callable[[doc.Project], object], merge_key: object = None,
             shot_after: str | None = None):
        """Apply ``mutate`` (a function changing a project in place) as one undoable step and
        return what it returned. An edit that would make the project invalid raises ProjectError
        and changes nothing. With ``shot_after`` (an edit of the list of shots), the edit and its
        redo show that shot, and its undo the shot shown before it."""
        command = ProjectEdit(self, text, mutate, merge_key, shot_after)
        self.undo_stack.push(command)
        return command.result

    def edit_shot(self, text: str, mutate: Callable[[doc.Shot], object], merge_key: object = None):
        """``edit`` on the current shot (as it is in the project being changed)."""
        name = self.shot_name
        if name is None:
            raise doc.ProjectError("there is no shot to change: make one first")
        return self.edit(text, lambda project: mutate(project.shot(name)), merge_key)

    def edit_character(self, text: str, mutate: Callable[[doc.Character], object], merge_key: object = None,
                       name: str | None = None):
        """``edit`` on the selected character (or the one called ``name``) of the current shot."""
        shot_name, name = self.shot_name, name or self.character_name
        if shot_name is None or name is None:
            raise doc.ProjectError("no character is selected")
        return self.edit(text, lambda project: mutate(project.shot(shot_name).character(name)), merge_key)

    def _restore(self, state: _State, shot: str | None = None) -> None:
        clips_before, model_before = dict(self.project.clips), self.project.model
        shot_before = self.shot_name
        state.apply_to(self.project)
        self.revision += 1
        if shot is not None and shot != shot_before:
            self.shot_name, self.character_name = shot, None
        self._fix_selection()
        if self.project.clips != clips_before:
            self.clips_changed.emit()
        if self.project.model != model_before:
            self.model_changed.emit()
        self.changed.emit()
        self.selection_changed.emit()
        if self.shot_name != shot_before:
            self.frame_changed.emit(self.frame)

    # -- selection -----------------------------------------------------------------------------------
    def shot(self) -> doc.Shot | None:
        if self.shot_name is None:
            return None
        return next((s for s in self.project.shots if s.name == self.shot_name), None)

    def character(self) -> doc.Character | None:
        shot = self.shot()
        if shot is None or self.character_name is None:
            return None
        return next((c for c in shot.characters if c.name == self.character_name), None)

    def select_shot(self, name: str | None) -> None:
        if name != self.shot_name:
            self.shot_name = name
            self.character_name = None
            self._fix_selection()
            self.selection_changed.emit()
            self.frame_changed.emit(self.frame)

    def select_character(self, name: str | None) -> None:
        if name != self.character_name:
            self.character_name = name
            self._fix_selection()
            self.selection_changed.emit()

    def set_frame(self, frame: int) -> None:
        shot = self.shot()
        frame = 0 if shot is None else max(0, min(int(frame), shot.length - 1))
        if frame != self.frame:
            self.frame = frame
            self.frame_changed.emit(frame)

    def _fix_selection(self) -> None:
        """Keep the selection pointing at things that exist (after an undo removed them)."""
        names = [s.name for s in self.project.shots]
        if self.shot_name not in names:
            self.shot_name = names[0] if names else None
        shot = self.shot()
        if shot is None or self.character_name not in [c.name for c in shot.characters]:
            self.character_name = None
        if shot is not None:
            self.frame = min(self.frame, shot.length - 1)
        else:
            self.frame = 0
