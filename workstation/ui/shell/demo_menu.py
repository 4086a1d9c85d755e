"""File ▸ Open Demo: the demo projects that ship with Stopframe. Digits (``workstation.demos.digit_demo``:
handwritten digits moved by each other's motion) and Sprites (``workstation.demos.sprite_demo``: game
characters that walk, slash and cast spells). A demo is written to the user's demo folder the first
time it is asked for and then opened as the user left it, like any project (unsaved changes to the
open one are offered for saving first)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu

from workstation import project as doc
from workstation.demos.digit_demo import write_demo_project
from workstation.demos.sprite_demo import write_sprite_demo_project
from workstation.kernel.locations import default_demo_folder

MakeAction = Callable[..., QAction]  # MainWindow.add_action: (menu, text, slot, shortcut)

# demo -> (menu text, tool tip, how it is written into a folder)
DEMOS: dict[str, tuple[str, str, Callable[[Path], Path]]] = {
    "digits": ("&Digits", "Handwritten digits moved by each other's motion", write_demo_project),
    "sprites": ("&Sprites", "Game characters that walk, slash and cast spells with other characters' motion",
                write_sprite_demo_project),
}


class DemoMenu:
    def __init__(self, menu: QMenu, make_action: MakeAction, open_project: Callable[[Path], bool],
                 show_problem: Callable[[str], None]):
        self.open_project, self.show_problem = open_project, show_problem
        self.actions: dict[str, QAction] = {}
        for demo, (text, tip, _) in DEMOS.items():
            action = make_action(menu, text, lambda demo=demo: self.open_demo(demo))
            action.setToolTip(tip)
            self.actions[demo] = action
        menu.setToolTipsVisible(True)

    def open_demo(self, demo: str) -> bool:
        """Open the demo project ``demo`` ("digits" or "sprites"), writing it first if it is not there."""
        write = DEMOS[demo][2]
        try:
            path = write(default_demo_folder())
        except (doc.ProjectError, OSError) as problem:
            self.show_problem(f"could not write the {demo} demo project: {problem}")
            return False
        return self.open_project(path)
