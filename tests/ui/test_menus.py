"""Every menu command, triggered as a user would pick it: the demo project open, a character
selected, dialogs answered through ``workstation/ui/shell/dialogs.py``, and any exception that reaches Qt
failing the test (Qt only prints those, so the app would carry on with the command half done)."""

import sys

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QDialog, QMenu, QProgressDialog

from tests.conftest import ROOT

CLIP = ROOT / "assets" / "demo" / "clips" / "backdrop-2.png"


def menu_actions(menu: QMenu, path: str = "") -> list[tuple[str, QAction]]:
    """(menu path, action) for every command of ``menu`` and its submenus, filled as on opening."""
    menu.aboutToShow.emit()  # menus filled when they open (Open Recent)
    found = []
    for action in menu.actions():
        name = f"{path} ▸ {action.text().replace('&', '')}"
        if action.menu() is not None:
            found += menu_actions(action.menu(), name)
        elif not action.isSeparator():
            found.append((name, action))
    return found


def close_dialogs() -> list[str]:
    """Close the dialog windows a command opened (not an export's progress); their titles."""
    dialogs = [w for w in QApplication.topLevelWidgets()
               if isinstance(w, QDialog) and not isinstance(w, QProgressDialog) and w.isVisible()]
    for dialog in dialogs:
        dialog.close()
    return [dialog.windowTitle() for dialog in dialogs]


def test_every_menu_command_runs_without_an_exception(window, qtbot, answers, project_path, tmp_path,
                                                      monkeypatch):
    errors: list[str] = []
    current = ["(none)"]
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    monkeypatch.setattr(sys, "excepthook",
                        lambda kind, value, trace: errors.append(f"{current[0]}: {kind.__name__}: {value}"))
    answers.replies.update({
        "Open project": str(project_path),
        "Save project": str(tmp_path / "saved.stopframe"),
        "Import clips": [str(CLIP)],
        "Export All Shots": "Animated GIF (.gif)",  # File ▸ Export All Shots…: the format, the layer, the folder
        "Layer": "Composite",
        "Export all shots to folder": str(tmp_path / "all"),
    })
    (tmp_path / "all").mkdir()
    menus = [entry.menu() for entry in window.menuBar().actions() if entry.menu() is not None]
    actions = [item for menu in menus for item in menu_actions(menu, menu.title().replace("&", ""))]
    quitting = [item for item in actions if item[0] == "File ▸ Quit"]
    actions = [item for item in actions if item not in quitting]
    assert len(quitting) == 1 and len(actions) > 25
    opened = []
    for name, action in actions:
        document = window.document
        shot = document.shot()
        if shot is not None and shot.characters and document.character_name is None:
            document.select_character(shot.characters[0].name)  # so the character commands apply
        current[0] = name
        action.trigger()
        if name == "File ▸ Export Shot…":  # the export form: a GIF, typed without its extension
            export = window.export_shot_dialog
            export.format_combo.setCurrentIndex(export.format_combo.findData("gif"))
            export.path_edit.setText(str(tmp_path / "out"))
            export.export_button.click()
        QApplication.processEvents()  # what the command posted
        opened += close_dialogs()
    # the import and the exports done, and their ends told to the window (Quit would cancel them)
    qtbot.waitUntil(lambda: not window.importer.jobs and not window.all_shots.running
                    and any("out.gif" in line for line in said), timeout=60_000)
    for name, action in quitting:
        current[0] = name
        action.trigger()
    window.viewport.wait()
    assert errors == []
    assert not window.isVisible()  # Quit closed it
    assert sorted(opened) == ["Custom Output Size", "Keyboard Shortcuts", "Preferences", "Train a Model on Clips"]
    asked = [question.title for question in answers.asked]
    for title in ("Open project", "Save project", "Import clips", "About Stopframe"):
        assert title in asked
    assert (tmp_path / "saved.stopframe").is_file() and (tmp_path / "out.gif").is_file()
    assert (tmp_path / "all" / "walk.gif").is_file()  # of the sprite demo, open since File ▸ Open Demo ▸ Sprites
