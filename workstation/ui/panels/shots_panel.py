"""The Shots panel: the project's shots in order, the current one selected. Clicking a shot shows
it (the Canvas, the Timeline, the Inspector and the Layers panel follow the document's current
shot); double-click or F2 renames it in place; Add, Duplicate, Delete, Up and Down are the Shot
menu's commands (``shot_edits``), each one undo step."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QListWidget, QListWidgetItem, QPushButton, QVBoxLayout, QWidget

from workstation import project as doc
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import shot_edits
from workstation.ui.panels.named_list import NAME, NamedList


class ShotsPanel(QWidget):
    error = Signal(str)  # one line for the status bar

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.list = NamedList()
        self.list.setToolTip("The project's shots: click one to show it; double-click or F2 to rename it")
        self.list.setEditTriggers(QListWidget.EditTrigger.DoubleClicked | QListWidget.EditTrigger.EditKeyPressed)
        self.list.installEventFilter(self)
        self.buttons: dict[str, QPushButton] = {}
        row = QHBoxLayout()
        for key, text, tip, slot in (
            ("add", "Add", "Add an empty shot after this one, over the same background (Ctrl+Shift+N)",
             self._command(shot_edits.add_shot)),
            ("duplicate", "Duplicate", "Add a copy of this shot after it (Ctrl+D)",
             self._command(shot_edits.duplicate_shot)),
            ("delete", "Delete", "Delete this shot (Edit ▸ Undo brings it back)",
             self._command(shot_edits.delete_shot)),
            ("up", "Up", "Move this shot up the list (Ctrl+Shift+PgUp)", self._command(shot_edits.move_shot, -1)),
            ("down", "Down", "Move this shot down the list (Ctrl+Shift+PgDown)",
             self._command(shot_edits.move_shot, 1)),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.clicked.connect(slot)
            row.addWidget(button)
            self.buttons[key] = button
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.list.itemChanged.connect(self._on_renamed)
        for signal in (document.changed, document.selection_changed, document.replaced):
            signal.connect(self.refresh)
        self.refresh()

    def names(self) -> list[str]:
        """The shots of the rows, top to bottom."""
        return self.list.names()

    def row_of(self, name: str) -> QListWidgetItem | None:
        return self.list.row_of(name)

    def refresh(self) -> None:
        """Show the document: its shots in order, the current one selected, what the buttons can do."""
        shots, current = self.document.project.shots, self.document.shot_name
        self.list.blockSignals(True)
        while self.list.count() > len(shots):
            self.list.takeItem(self.list.count() - 1)
        while self.list.count() < len(shots):
            added = QListWidgetItem()
            added.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEditable)
            self.list.addItem(added)
        for row, shot in enumerate(shots):  # in place: a rename is applied while its row emits
            self.list.item(row).setText(shot.name)
            self.list.item(row).setData(NAME, shot.name)
        current_row = self.row_of(current) if current is not None else None
        if current_row is not None:
            self.list.setCurrentItem(current_row)
        else:
            self.list.setCurrentRow(-1)
        self.list.blockSignals(False)
        has_shot = current_row is not None
        self.buttons["add"].setEnabled(bool(self.document.project.clips))
        self.buttons["duplicate"].setEnabled(has_shot)
        self.buttons["delete"].setEnabled(has_shot and len(shots) > 1)
        for key, step in (("up", -1), ("down", 1)):
            target = shot_edits.move_target(self.document, step)
            self.buttons[key].setEnabled(target is not None and target[0] != target[1])

    def _on_current_changed(self, current: QListWidgetItem | None, _previous: object) -> None:
        if current is not None:
            self.document.select_shot(current.data(NAME))

    def _on_renamed(self, item: QListWidgetItem) -> None:
        self._command(shot_edits.rename_shot, item.data(NAME), item.text())()
        self.refresh()  # the row shows the document, also when the new name was refused

    def _command(self, edit: Callable[..., object], *args: object) -> Callable[[], None]:
        """``edit(document, *args)`` as a button's command: a broken rule is a one-line message."""
        def run() -> None:
            try:
                edit(self.document, *args)
            except doc.ProjectError as problem:
                self.error.emit(str(problem))

        return run

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """F2 in the list renames in place, not through the window's Shot ▸ Rename Shot… (also F2)."""
        if (watched is self.list and event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent)
                and event.key() == Qt.Key.Key_F2 and event.modifiers() == Qt.KeyboardModifier.NoModifier):
            event.accept()
        return super().eventFilter(watched, event)
