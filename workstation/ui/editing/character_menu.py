"""The Character menu: hide or show the selected character, and move it in its shot's z-order
(the order of the shot's characters, back to front: the last is drawn on top). Each command is one
undo step (``edits.set_hidden``, ``edits.move_character``); all are disabled while no character is
selected, and a move is disabled where it would change nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut, checkable=...)
EditSelected = Callable[..., None]  # MainWindow.edit_selected: (function, *args) on the selection


class CharacterMenu:
    def __init__(self, menu: QMenu, document: ProjectDocument, make_action: MakeAction,
                 edit_selected: EditSelected):
        self.document = document
        self._edit_selected = edit_selected
        self.hidden_action = make_action(menu, "&Hidden", self._set_hidden, "H", checkable=True)
        self.hidden_action.setToolTip("Keep the character in the shot but draw nothing of it (H)")
        menu.addSeparator()
        self.moves: dict[str, QAction] = {
            "forward": make_action(menu, "Bring &Forward", self._move("forward"), "Ctrl+]"),
            "backward": make_action(menu, "Send &Backward", self._move("backward"), "Ctrl+["),
            "front": make_action(menu, "Bring to F&ront", self._move("front"), "Ctrl+Shift+]"),
            "back": make_action(menu, "Send to Bac&k", self._move("back"), "Ctrl+Shift+["),
        }
        self.refresh()

    def _set_hidden(self, hidden: bool) -> None:
        self._edit_selected(edits.set_hidden, hidden)
        self.refresh()  # the check mark shows the document, also when the edit was refused

    def _move(self, where: str) -> Callable[[], Any]:
        return lambda: self._edit_selected(edits.move_character, where)

    def refresh(self) -> None:
        """Follow the selected character: its hidden state, and the moves its place allows."""
        shot, character = self.document.shot(), self.document.character()
        self.hidden_action.setEnabled(character is not None)
        self.hidden_action.setChecked(character is not None and character.hidden)
        for where, action in self.moves.items():
            if shot is None or character is None:
                action.setEnabled(False)
            else:
                index, target = edits.z_target(shot, character.name, where)
                action.setEnabled(target != index)
