"""The project's files as the File menu handles them: new, open, save, save as, autosave, the
unsaved-changes question and the recent files (kept in QSettings). Dialogs go through
``dialogs.py``.

Autosaves: a saved project's goes beside it (``workstation/project/files.py``), a project never
saved goes to the user data folder (``untitled.py``). Either is offered back when a session did not
close (a crash); a restored project is modified until saved. An autosave is deleted once the
project is saved, or its changes discarded, or undone back to what the file holds (the next
autosave tick, or leaving the project). One whose restore the user declined is moved aside, never
deleted, to a project file of its own (``declined_path``) that the status bar names, so it is not
offered again and File ▸ Open still reaches it.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QMenu, QWidget

from workstation import project as doc
from workstation.kernel.errors import StopframeError
from workstation.kernel.locations import is_stopframes_own
from workstation.output.inputs import check_not_an_input
from workstation.ui.document import ProjectDocument
from workstation.ui.files import untitled
from workstation.ui.files.relink_dialog import offer_relink
from workstation.ui.shell import dialogs
from workstation.ui.shell.dialogs import Button

RECENT_LIMIT = 8
PROJECT_FILTER = f"Stopframe projects (*{doc.PROJECT_SUFFIX})"


def declined_path(project: Path) -> Path:
    """Where the declined autosave of the project file ``project`` is kept: beside it (so its
    relative clip paths still hold), as ``<name> (declined autosave).stopframe``."""
    return project.with_name(f"{project.stem} (declined autosave){doc.PROJECT_SUFFIX}")


class ProjectFiles(QObject):
    message = Signal(str, int)  # a line for the status bar, how long to show it (ms)
    saved = Signal()  # the project was written (maybe under another name)

    def __init__(self, document: ProjectDocument, settings: QSettings, window: QWidget):
        super().__init__(window)
        self.document, self.settings, self.window = document, settings, window
        self.untitled_autosave = untitled.session_path()  # where this window autosaves an untitled project

    def _problem(self, text: str) -> None:
        self.message.emit(text, 10_000)

    # -- opening ---------------------------------------------------------------------------------
    def new_project(self) -> None:
        if self.maybe_save():
            self.document.open(doc.Project())

    def open_project(self, path: str | Path | None = None) -> bool:
        """Open ``path`` (asking for one when None), offering the autosave when it is newer; a file
        that cannot be opened is one line and the open project stays."""
        if not self.maybe_save():
            return False
        if path is None:
            path = dialogs.open_file(self.window, "Open project", str(self.last_folder()), PROJECT_FILTER)
            if not path:
                return False
        restored = False
        try:
            project = doc.load_project(path)
            if doc.autosave_pending(path):
                kept = declined_path(Path(path))
                if self.ask("Restore autosave?", f"{path} has newer unsaved changes from a session that did "
                            f"not close. Restore them? (No keeps them aside as {kept.name}.)"):
                    project, restored = doc.load_autosave(path), True
                else:
                    self._set_aside(doc.autosave_path(path), kept)
            self.document.open(project, restored=restored)  # restored: modified until saved
        except doc.ProjectError as problem:
            self._problem(str(problem))
            dialogs.warning(self.window, "Cannot open project", str(problem))
            return False
        self.remember(path)
        offer_relink(self.document, self.window, self._problem)  # clips that moved: offer to find them
        if project.load_note:  # an older file upgraded on a guess (its model's size could not be read)
            self.message.emit(f"{Path(path).name}: {project.load_note}", 20_000)
        return True

    def offer_untitled_autosave(self) -> bool:
        """Offer back the autosaves of projects never saved that sessions left (newest first); True
        when one was restored (it is then the open project, modified). A declined one is moved aside."""
        for path in untitled.pending():
            if not self.ask("Restore unsaved project?", "A project that was never saved was autosaved by a "
                            f"session that did not close ({path}). Restore it? (No keeps it aside.)"):
                self._set_aside(path, untitled.declined_path(path))
                continue
            try:
                self.document.open(untitled.load(path), restored=True)
            except doc.ProjectError as problem:  # kept where it is: nothing is lost
                self._problem(str(problem))
                dialogs.warning(self.window, "Cannot restore project", str(problem))
                return False
            untitled.adopt(path, self.untitled_autosave)
            self.message.emit("restored an unsaved project: File ▸ Save keeps it", 10_000)
            return True
        return False

    # -- saving ----------------------------------------------------------------------------------
    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self.save_to(self.document.path)

    def save_as(self) -> bool:
        path, _ = dialogs.save_file(self.window, "Save project", str(self.last_folder()), PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(doc.PROJECT_SUFFIX):
            path += doc.PROJECT_SUFFIX
        try:  # over one of its own clips or its bundle (through a link too); over its own file is a save
            check_not_an_input([Path(path)], self.document.project, what="file to save to",
                               allowed=[self.document.path] if self.document.path is not None else [])
        except StopframeError as problem:
            dialogs.warning(self.window, "Cannot save project", str(problem))
            return False
        return self.save_to(Path(path))

    def save_to(self, path: str | Path) -> bool:
        path, before = Path(path), self.document.path
        try:
            self.document.save(path)
        except doc.ProjectError as problem:
            dialogs.warning(self.window, "Cannot save project", str(problem))
            return False
        self.discard_autosaves(before, path)  # saved: none of them holds anything more
        self.remember(path)
        self.saved.emit()
        self.message.emit(f"saved {path}", 5000)
        return True

    def autosave(self) -> None:
        """Write the unsaved changes to the autosave (beside the project, or in the user data folder
        for a project never saved); with nothing unsaved (all undone), the autosaves go."""
        if not self.document.modified:
            self.discard_autosaves(self.document.path)
            return
        self.document.remember_position()
        try:
            if self.document.path is None:
                untitled.write(self.document.project, self.untitled_autosave)
            else:
                doc.save_autosave(self.document.project)
        except doc.ProjectError as problem:
            self._problem(str(problem))

    def discard_autosaves(self, *paths: Path | None) -> None:
        """Delete this window's untitled autosave and the autosaves of the project files ``paths``."""
        self._discard(self.untitled_autosave)
        for path in paths:
            if path is not None:
                self._discard(doc.autosave_path(path))

    def _discard(self, autosave: Path) -> None:
        try:
            untitled.discard(autosave)
        except doc.ProjectError as problem:
            self._problem(str(problem))

    def _set_aside(self, autosave: Path, kept: Path) -> None:
        """Move the declined ``autosave`` to ``kept``, or ``kept`` numbered (" 2", " 3"...) when an
        older declined one is there (never replaced), and say where; if it cannot be moved it
        stays, and is offered again."""
        for number in range(1, 1000):
            target = kept if number == 1 else kept.with_name(f"{kept.stem} {number}{kept.suffix}")
            try:
                os.link(autosave, target)  # fails rather than replace a file already there
            except FileExistsError:
                continue
            except OSError as error:
                self._problem(f"cannot keep the declined autosave aside: {error.strerror or error}: {autosave}")
                return
            autosave.unlink(missing_ok=True)
            self.message.emit(f"kept the changes you did not restore in {target} (File ▸ Open opens it)", 15_000)
            return
        self._problem(f"cannot keep the declined autosave aside: too many declined copies beside {kept}")

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded, or unchanged); the
        autosave of changes the user discarded goes with them."""
        if not self.document.modified:
            self.discard_autosaves(self.document.path)  # nothing unsaved: the autosaves hold nothing more
            return True
        answer = self.ask_unsaved()
        if answer == Button.Save:
            return self.save()
        if answer == Button.Discard:
            self.discard_autosaves(self.document.path)
            return True
        return False

    def ask_unsaved(self) -> Button:
        name = self.document.path.name if self.document.path else "The new project"
        return dialogs.question(self.window, "Unsaved changes", f"{name} has unsaved changes. Save them?",
                                Button.Save | Button.Discard | Button.Cancel, Button.Save)

    def ask(self, title: str, text: str) -> bool:
        return dialogs.question(self.window, title, text) == Button.Yes

    # -- recent files ----------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        if isinstance(value, str):
            return [value]
        return [str(path) for path in value] if isinstance(value, list) else []

    def remember(self, path: str | Path) -> None:
        resolved = str(Path(path).resolve())
        recent = [resolved] + [p for p in self.recent_files() if p != resolved]
        self.settings.setValue("recent", recent[:RECENT_LIMIT])

    def fill_recent_menu(self, menu: QMenu) -> None:
        menu.clear()
        for path in self.recent_files():
            action = menu.addAction(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_project(p))
        menu.setEnabled(bool(self.recent_files()))

    def last_folder(self) -> Path:
        """The folder of the latest project opened, unless Stopframe's own (the demo's): home then."""
        folders = [Path(recent).parent for recent in self.recent_files()]
        return next((folder for folder in folders if not is_stopframes_own(folder)), Path.home())
