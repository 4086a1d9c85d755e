"""A list whose rows each stand for a named thing of the document (a shot, a character). The name
is the row's data (``NAME``), so it holds while the row's text is edited or decorated."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidget, QListWidgetItem

NAME = Qt.ItemDataRole.UserRole


class NamedList(QListWidget):
    def names(self) -> list[str]:
        """The rows' names, top to bottom."""
        return [self.item(row).data(NAME) for row in range(self.count())]

    def row_of(self, name: str) -> QListWidgetItem | None:
        return next((self.item(row) for row in range(self.count()) if self.item(row).data(NAME) == name), None)
