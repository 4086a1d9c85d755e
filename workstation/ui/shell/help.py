"""The Help menu. Keyboard Shortcuts: every menu command with its keys, read from the menus
themselves so the list cannot drift from what the keys do, then the gestures of the Canvas and the
Timeline. About: the version, the model and the device, and the credit of the sprite demo's art."""

from __future__ import annotations

import importlib.metadata

from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QHeaderView,
    QMenu,
    QMenuBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from workstation.demos.sprite_demo import SPRITE_ART_CREDIT, SPRITE_DEMO_FOLDER
from workstation.render.engine import Engine

GESTURES = (
    ("Canvas", "Move a character", "drag it"),
    ("Canvas", "Rotate a character", "Ctrl+drag, or drag the top handle"),
    ("Canvas", "Scale a character", "Shift+drag, the wheel, or drag the corner handle"),
    ("Canvas", "Add a character", "Shift+drop a frame from the Library"),
    ("Canvas", "Set the background", "drop a frame on empty space"),
    ("Canvas", "Give a character motion", "drop a clip on it"),
    ("Timeline", "Scrub", "click or drag"),
    ("Timeline", "Move a key to another frame", "drag its diamond"),
    ("Timeline", "Zoom", "Ctrl+wheel"),
)
HELP_TEXT = "help_text"  # an action property: its name here when its menu text changes (Undo, Redo)


def _plain(text: str) -> str:
    return text.replace("&", "").removesuffix("…")


def shortcut_rows(menu_bar: QMenuBar) -> list[tuple[str, str, str]]:
    """(menu, command, keys) for every menu command that has keys, in menu order; a submenu's
    commands are listed under its path ("View ▸ Layer")."""
    rows: list[tuple[str, str, str]] = []

    def walk(menu: QMenu, path: str) -> None:
        for action in menu.actions():
            submenu = action.menu()
            if isinstance(submenu, QMenu):
                walk(submenu, f"{path} ▸ {_plain(submenu.title())}")
                continue
            keys = [k.toString(QKeySequence.SequenceFormat.NativeText) for k in action.shortcuts() if not k.isEmpty()]
            if keys and not action.isSeparator():
                rows.append((path, _plain(action.property(HELP_TEXT) or action.text()), " or ".join(keys)))

    for entry in menu_bar.actions():
        menu = entry.menu()
        if isinstance(menu, QMenu):
            walk(menu, _plain(menu.title()))
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, menu_bar: QMenuBar, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard Shortcuts")
        rows = shortcut_rows(menu_bar) + list(GESTURES)
        self.table = QTableWidget(len(rows), 3)
        self.table.setHorizontalHeaderLabels(["Where", "Command", "Keys"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        for row, values in enumerate(rows):
            for column, value in enumerate(values):
                self.table.setItem(row, column, QTableWidgetItem(value))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table)
        self.resize(620, 560)

    def rows(self) -> list[tuple[str, str, str]]:
        def cell(row: int, column: int) -> str:
            item = self.table.item(row, column)
            return item.text() if item is not None else ""

        return [(cell(r, 0), cell(r, 1), cell(r, 2)) for r in range(self.table.rowCount())]


def about_text(engine: Engine | None) -> str:
    try:
        version = importlib.metadata.version("stopframe")
    except importlib.metadata.PackageNotFoundError:
        version = "(not installed)"
    model = f"model: {engine.folder} ({engine.device_line})" if engine else "no model loaded"
    credits = SPRITE_DEMO_FOLDER / "CREDITS.txt"
    return (f"Stopframe {version}\n\nSelf-supervised equivariant scene synthesis from video: "
            f"characters, backgrounds and motion learnt from plain clips.\n\n{model}\n\n"
            f"{SPRITE_ART_CREDIT} (credits and licence texts: {credits})")
