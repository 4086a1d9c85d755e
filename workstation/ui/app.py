"""Starting the workstation: the Qt application, the main window and the project it opens first
(the one named, else the most recent, else the demo project, written to the user's data folder by
the first start; ``workstation.locations``)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from workstation import project as doc
from workstation.demo_project import write_demo_project
from workstation.locations import default_demo_folder
from workstation.ui.main_window import MainWindow


def first_project(window: MainWindow) -> Path | None:
    for recent in window.recent_files():
        if Path(recent).is_file():
            return Path(recent)
    try:
        return write_demo_project(default_demo_folder())
    except (doc.ProjectError, OSError) as problem:
        window.show_problem(f"could not write the demo project: {problem}")
        return None


def run(project: str | None = None) -> int:
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName("Stopframe")
    app.setApplicationName("Stopframe")
    window = MainWindow()
    window.show()
    path = Path(project) if project else first_project(window)
    if path is not None:
        window.open_project(path)
    return app.exec()
