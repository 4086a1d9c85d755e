"""The menu bar of the main window: every command with its shortcut, in the order of the menus.

``build_menus`` fills the menu bar of a ``MenuHost`` (what the menus need of the window: its parts
and its commands) and returns the ``Menus``: the commands and submenus the window keeps in step
with the document. Commands are ``MenuHost.add_action``s (a ``QAction`` with a window-wide
shortcut); submenus that follow the document (Shot, Character, Clip, Layer) are their own modules."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMenuBar, QWidget

from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits
from workstation.ui.editing.character_menu import CharacterMenu
from workstation.ui.editing.clip_menu import ClipMenu
from workstation.ui.editing.output_menu import OutputMenu
from workstation.ui.editing.shot_menu import ShotMenu
from workstation.ui.export.export_all import AllShotsExport
from workstation.ui.files.clip_fit import ClipFitMenu
from workstation.ui.files.project_files import ProjectFiles
from workstation.ui.files.relink_dialog import relink_missing_clips
from workstation.ui.files.sheet_import import SheetImport
from workstation.ui.panels.library import Library
from workstation.ui.shell.demo_menu import DemoMenu
from workstation.ui.shell.help import HELP_TEXT
from workstation.ui.view.layer_menu import LayerMenu
from workstation.ui.view.playback import Player
from workstation.ui.view.timeline import Timeline
from workstation.ui.view.viewport import Viewport

Shortcut = str | QKeySequence | QKeySequence.StandardKey


class MenuHost(Protocol):
    """What the menus need of the main window: the parts their commands act on, and its commands."""

    document: ProjectDocument
    files: ProjectFiles
    all_shots: AllShotsExport
    library: Library
    player: Player
    timeline: Timeline
    viewport: Viewport

    @property
    def docks(self) -> Sequence[QDockWidget]: ...  # each shown or hidden from the View menu

    def menuBar(self) -> QMenuBar: ...
    def window(self) -> QWidget: ...  # the parent of the dialogs the menus open
    def add_action(self, menu: QMenu, text: str, slot: Callable[..., Any], shortcut: Shortcut | list[str] | None = None,
                   checkable: bool = False) -> QAction: ...
    def open_project(self, path: str | Path | None = None) -> bool: ...
    def import_dialog(self) -> None: ...
    def import_folder_dialog(self) -> None: ...
    def export_dialog(self) -> object: ...
    def train_dialog(self) -> object: ...
    def preferences_dialog(self) -> object: ...
    def close(self) -> bool: ...
    def edit_selected(self, function: Callable[..., object], *args: object) -> None: ...
    def jump_to_key(self, direction: int) -> None: ...
    def set_onion_skin(self, on: bool) -> None: ...
    def show_shortcuts(self) -> object: ...
    def show_about(self) -> None: ...
    def show_problem(self, message: str) -> None: ...


@dataclass(frozen=True)
class Menus:
    """The commands and submenus that follow the document, the selection and the player (the others
    only act when chosen). The submenus are held here: their commands call them."""

    demo_menu: DemoMenu
    sheet_import: SheetImport  # File ▸ Import Sprite Sheet…: its latest form, ``dialog``
    shot_menu: ShotMenu
    output_menu: OutputMenu  # its status_label: the output size, for the status bar
    character_menu: CharacterMenu
    clip_menu: ClipMenu
    clip_fit_menu: ClipFitMenu
    layer_menu: LayerMenu
    set_key_action: QAction
    remove_key_action: QAction
    remove_character_action: QAction
    play_action: QAction
    previous_key_action: QAction
    next_key_action: QAction
    loop_action: QAction
    onion_action: QAction


def build_menus(host: MenuHost) -> Menus:
    bar, add, parent, document = host.menuBar(), host.add_action, host.window(), host.document
    file = bar.addMenu("&File")
    add(file, "&New Project", host.files.new_project, QKeySequence.StandardKey.New)
    add(file, "&Open…", host.open_project, QKeySequence.StandardKey.Open)
    recent = file.addMenu("Open &Recent")
    recent.aboutToShow.connect(lambda: host.files.fill_recent_menu(recent))
    demo_menu = DemoMenu(file.addMenu("Open &Demo"), add, host.open_project, host.show_problem)
    add(file, "&Save", host.files.save, QKeySequence.StandardKey.Save)
    add(file, "Save &As…", host.files.save_as, QKeySequence.StandardKey.SaveAs)
    file.addSeparator()
    add(file, "&Import Clip…", host.import_dialog, "Ctrl+I")
    add(file, "Import Image &Folder…", host.import_folder_dialog, "Ctrl+Shift+I")
    sheet_import = SheetImport(document, parent, host.files.last_folder, host.show_problem)
    add(file, "Import &Sprite Sheet…", sheet_import.start)
    add(file, "Relin&k Missing Clips…", lambda: relink_missing_clips(document, parent, host.show_problem))
    add(file, "&Export Shot…", host.export_dialog, "Ctrl+E")
    add(file, "Export All S&hots…", host.all_shots.start)
    add(file, "&Train Model on Clips…", host.train_dialog)
    file.addSeparator()
    add(file, "&Quit", host.close, QKeySequence.StandardKey.Quit)

    edit = bar.addMenu("&Edit")
    undo = document.undo_stack.createUndoAction(parent, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = document.undo_stack.createRedoAction(parent, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    undo.setProperty(HELP_TEXT, "Undo")
    redo.setProperty(HELP_TEXT, "Redo")
    edit.addActions([undo, redo])
    edit.addSeparator()
    set_key = add(edit, "Set &Key", lambda: host.edit_selected(edits.set_key, document.frame), "K")
    remove_key = add(edit, "Remove K&ey", lambda: host.edit_selected(edits.remove_key, document.frame), "Alt+K")
    remove_character = add(edit, "Remove &Character", lambda: host.edit_selected(edits.remove_character),
                           QKeySequence.StandardKey.Delete)
    edit.addSeparator()
    add(edit, "&Preferences…", host.preferences_dialog,
        QKeySequence.StandardKey.Preferences if QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)
        else "Ctrl+,")

    shot = bar.addMenu("&Shot")
    shot_menu = ShotMenu(shot, document, add, parent, host.show_problem)
    shot.addSeparator()
    output_menu = OutputMenu(shot.addMenu("&Output Size"), document, add, host.viewport, host.show_problem)
    character_menu = CharacterMenu(bar.addMenu("&Character"), document, add, host.edit_selected)
    clip = bar.addMenu("C&lip")
    clip_menu = ClipMenu(clip, document, host.library, add, parent, host.show_problem)
    clip.addSeparator()
    clip_fit_menu = ClipFitMenu(clip, document, host.library, add, host.show_problem)

    play = bar.addMenu("&Playback")
    player, timeline = host.player, host.timeline
    play_action = add(play, "&Play / Pause", player.toggle, "Space")
    add(play, "Previous Frame", lambda: player.step(-1), [",", "Left"])
    add(play, "Next Frame", lambda: player.step(1), [".", "Right"])
    add(play, "First Frame", player.go_to_start, "Home")
    add(play, "Last Frame", player.go_to_end, "End")
    add(play, "Set &In Point", timeline.set_in_point, "I")
    add(play, "Set &Out Point", timeline.set_out_point, "O")
    add(play, "Clear In/Out", timeline.clear_in_out, "Alt+X")
    previous_key = add(play, "Previous Key", lambda: host.jump_to_key(-1), "Alt+,")
    next_key = add(play, "Next Key", lambda: host.jump_to_key(1), "Alt+.")
    loop = add(play, "&Loop", player.set_loop, "L", checkable=True)
    loop.setChecked(player.loop)
    player.loop_changed.connect(loop.setChecked)

    view = bar.addMenu("&View")
    layer_menu = LayerMenu(view.addMenu("&Layer"), host.viewport, add)
    onion = add(view, "&Onion Skin", host.set_onion_skin, "Alt+O", checkable=True)
    onion.setToolTip("Show the frames on either side faintly: earlier in red, later in blue")
    view.addSeparator()
    for dock in host.docks:
        view.addAction(dock.toggleViewAction())

    help_menu = bar.addMenu("&Help")
    add(help_menu, "&Keyboard Shortcuts…", host.show_shortcuts, "F1")
    add(help_menu, "&About Stopframe", host.show_about)
    return Menus(demo_menu, sheet_import, shot_menu, output_menu, character_menu, clip_menu, clip_fit_menu, layer_menu,
                 set_key, remove_key, remove_character, play_action, previous_key, next_key, loop, onion)
