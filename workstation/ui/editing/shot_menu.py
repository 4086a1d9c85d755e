"""The Shot menu: make, duplicate, rename, delete and reorder shots (each one undo step:
``shot_edits``), and go to the previous or next shot. The commands follow the document: those on
the current shot are disabled while there is none, Delete while it is the only one, a move or a
step where it would change nothing."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import shot_edits
from workstation.ui.shell import dialogs

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)


class ShotMenu:
    def __init__(self, menu: QMenu, document: ProjectDocument, make_action: MakeAction, parent: QWidget,
                 show_problem: Callable[[str], None]):
        self.document, self.parent, self.show_problem = document, parent, show_problem
        self.new_action = make_action(menu, "&New Shot", self._guarded(shot_edits.add_shot), "Ctrl+Shift+N")
        self.new_action.setToolTip("Add an empty shot after this one, over the same background (Ctrl+Shift+N)")
        self.duplicate_action = make_action(menu, "&Duplicate Shot", self._guarded(shot_edits.duplicate_shot),
                                            "Ctrl+D")
        self.rename_action = make_action(menu, "&Rename Shot…", self.rename, "F2")
        self.delete_action = make_action(menu, "De&lete Shot", self._guarded(shot_edits.delete_shot))
        menu.addSeparator()
        self.up_action = make_action(menu, "Move Shot &Up", self._guarded(shot_edits.move_shot, -1),
                                     "Ctrl+Shift+PgUp")
        self.down_action = make_action(menu, "Move Shot Do&wn", self._guarded(shot_edits.move_shot, 1),
                                       "Ctrl+Shift+PgDown")
        menu.addSeparator()
        self.previous_action = make_action(menu, "&Previous Shot", lambda: shot_edits.step_shot(document, -1),
                                           "PgUp")
        self.next_action = make_action(menu, "Ne&xt Shot", lambda: shot_edits.step_shot(document, 1), "PgDown")
        for signal in (document.changed, document.selection_changed, document.replaced):
            signal.connect(self.refresh)
        self.refresh()

    def rename(self) -> None:
        """Ask for the current shot's new name (Cancel, or the same name, changes nothing)."""
        name = self.document.shot_name
        if name is None:
            return
        typed = dialogs.ask_text(self.parent, "Rename shot", f"New name for the shot {name}:", name)
        if typed:
            self._guarded(shot_edits.rename_shot, name, typed)()

    def _guarded(self, edit: Callable[..., object], *args: object) -> Callable[[], None]:
        """``edit(document, *args)`` as a command: a broken rule is a one-line message."""
        def run() -> None:
            try:
                edit(self.document, *args)
            except doc.ProjectError as problem:
                self.show_problem(str(problem))

        return run

    def refresh(self) -> None:
        shots = self.document.project.shots
        has_shot = self.document.shot() is not None
        self.new_action.setEnabled(bool(self.document.project.clips))
        for action in (self.duplicate_action, self.rename_action):
            action.setEnabled(has_shot)
        self.delete_action.setEnabled(has_shot and len(shots) > 1)
        for action, step in ((self.up_action, -1), (self.down_action, 1), (self.previous_action, -1),
                             (self.next_action, 1)):
            target = shot_edits.move_target(self.document, step)
            action.setEnabled(target is not None and target[0] != target[1])
