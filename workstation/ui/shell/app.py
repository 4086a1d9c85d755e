"""Starting the workstation: the Qt application, the main window and the project it opens first
(the one named; else an autosave of a project never saved that a session left, offered back; else
the most recent; else the digit demo project, written to the user's data folder by the first start
with the sprite demo beside it;
``workstation.kernel.locations``). An exception that reaches Qt's event loop is one line in the status bar
and a traceback in the log file (``error_report.py``), never a crash."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from workstation import project as doc
from workstation.demos.digit_demo import write_demo_project
from workstation.demos.sprite_demo import write_sprite_demo_project
from workstation.kernel.locations import default_demo_folder
from workstation.ui.shell.error_report import install
from workstation.ui.shell.main_window import MainWindow


def first_project(window: MainWindow) -> Path | None:
    for recent in window.recent_files():
        if Path(recent).is_file():
            return Path(recent)
    try:
        write_sprite_demo_project(default_demo_folder())  # beside it, for File ▸ Open Demo ▸ Sprites
    except (doc.ProjectError, OSError) as problem:
        window.show_problem(f"could not write the sprite demo project: {problem}")
    try:
        return write_demo_project(default_demo_folder())
    except (doc.ProjectError, OSError) as problem:
        window.show_problem(f"could not write the demo project: {problem}")
        return None


def open_first(window: MainWindow, project: str | None = None) -> None:
    """Open what a start opens: ``project`` when named (an untitled autosave then waits for a start
    without one), else a restored untitled autosave, else ``first_project``."""
    if project:
        window.open_project(Path(project))
        return
    if window.files.offer_untitled_autosave():
        return
    path = first_project(window)
    if path is not None:
        window.open_project(path)


def run(project: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Stopframe")
    app.setApplicationName("Stopframe")
    window = MainWindow()
    install(window.show_problem, window)  # kept alive by the window and the hook
    window.show()
    open_first(window, project)
    return app.exec()
