"""The Layers panel: the current shot's characters, frontmost at the top as in every paint program.

Document state, each change one undo step (``edits``): the order (Forward and Backward move the
selected character one place in the z-order) and visibility (a row's check box: unchecked is
hidden, drawn nowhere and exported nowhere). View state: which row is selected (the document's
selected character, shared with the Canvas) and Solo (the Canvas shows that character alone; the
viewport keeps it, the file never sees it).
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits
from workstation.ui.panels.named_list import NAME, NamedList
from workstation.ui.view.viewport import Viewport


class LayersPanel(QWidget):
    error = Signal(str)  # one line for the status bar

    def __init__(self, document: ProjectDocument, viewport: Viewport, parent: QWidget | None = None):
        super().__init__(parent)
        self.document, self.viewport = document, viewport
        self.list = NamedList()
        self.list.setToolTip("The shot's characters, front at the top: check to show, uncheck to hide")
        self.forward = QPushButton("Forward")
        self.forward.setToolTip("Bring the selected character one place forward (Ctrl+])")
        self.backward = QPushButton("Backward")
        self.backward.setToolTip("Send the selected character one place backward (Ctrl+[)")
        self.solo = QPushButton("Solo")
        self.solo.setCheckable(True)
        self.solo.setToolTip("Show the selected character alone on the Canvas (the file is not changed)")
        buttons = QHBoxLayout()
        for button in (self.forward, self.backward, self.solo):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(buttons)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemChanged.connect(self._on_item_changed)
        self.forward.clicked.connect(lambda: self._move("forward"))
        self.backward.clicked.connect(lambda: self._move("backward"))
        self.solo.toggled.connect(self._on_solo)
        for signal in (document.changed, document.selection_changed, document.replaced):
            signal.connect(self.refresh)
        self.refresh()

    def names(self) -> list[str]:
        """The rows' characters, top (front) to bottom (back)."""
        return self.list.names()

    def row_of(self, name: str) -> QListWidgetItem | None:
        return self.list.row_of(name)

    def refresh(self) -> None:
        """Show the document: the shot's characters front to back, their visibility, the selection."""
        shot, selected = self.document.shot(), self.document.character_name
        characters = list(reversed(shot.characters)) if shot else []
        self.list.blockSignals(True)
        if [c.name for c in characters] != self.names():  # else the rows stay (one may be emitting)
            self.list.clear()
            for character in characters:
                item = QListWidgetItem(character.name)
                item.setData(NAME, character.name)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                              | Qt.ItemFlag.ItemIsUserCheckable)
                self.list.addItem(item)
        for row, character in enumerate(characters):
            item = self.list.item(row)
            item.setCheckState(Qt.CheckState.Unchecked if character.hidden else Qt.CheckState.Checked)
            item.setForeground(self.palette().placeholderText() if character.hidden else self.palette().text())
        current = self.row_of(selected) if selected is not None else None
        if current is not None:
            self.list.setCurrentItem(current)
        else:
            self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        movable = shot is not None and selected is not None and any(c.name == selected for c in shot.characters)
        for button, where in ((self.forward, "forward"), (self.backward, "backward")):
            button.setEnabled(movable and shot is not None and _moves(shot, selected, where))
        self.solo.setEnabled(movable or self.viewport.solo is not None)
        self.solo.blockSignals(True)
        self.solo.setChecked(self.viewport.solo is not None)
        self.solo.blockSignals(False)

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        name = current.data(NAME) if current is not None else None
        self.document.select_character(name)
        if self.viewport.solo is not None and name is not None:
            self.viewport.set_solo(name)  # solo follows the selection

    def _on_item_changed(self, item: QListWidgetItem) -> None:
        hidden = item.checkState() != Qt.CheckState.Checked
        self._guarded(edits.set_hidden, item.data(NAME), hidden)
        self.refresh()  # the check box shows the document, also when the edit was refused

    def _move(self, where: str) -> None:
        if self.document.character_name is not None:
            self._guarded(edits.move_character, self.document.character_name, where)

    def _on_solo(self, on: bool) -> None:
        self.viewport.set_solo(self.document.character_name if on else None)
        self.refresh()

    def _guarded(self, function, *args) -> None:
        try:
            function(self.document, *args)
        except doc.ProjectError as problem:
            self.error.emit(str(problem))


def _moves(shot: doc.Shot, name: str | None, where: str) -> bool:
    if name is None:
        return False
    index, target = edits.z_target(shot, name, where)
    return target != index
