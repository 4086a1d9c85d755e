"""The menu bar of the main window: every command with its shortcut, in the order of the menus.
Commands are ``MainWindow.add_action``s (a ``QAction`` with a window-wide shortcut); submenus that follow
the document (Shot, Character, Layer) are their own modules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtGui import QKeySequence

from workstation.ui.editing import animator_edits as edits
from workstation.ui.editing.character_menu import CharacterMenu
from workstation.ui.editing.output_menu import OutputMenu
from workstation.ui.editing.shot_menu import ShotMenu
from workstation.ui.files.clip_fit import ClipFitMenu
from workstation.ui.files.relink_dialog import relink_missing_clips
from workstation.ui.shell.demo_menu import DemoMenu
from workstation.ui.shell.help import HELP_TEXT
from workstation.ui.view.layer_menu import LayerMenu

if TYPE_CHECKING:
    from workstation.ui.shell.main_window import MainWindow


def build_menus(window: MainWindow) -> None:
    bar = window.menuBar()
    file = bar.addMenu("&File")
    window.add_action(file, "&New Project", window.files.new_project, QKeySequence.StandardKey.New)
    window.add_action(file, "&Open…", window.open_project, QKeySequence.StandardKey.Open)
    window.recent_menu = file.addMenu("Open &Recent")
    window.recent_menu.aboutToShow.connect(lambda: window.files.fill_recent_menu(window.recent_menu))
    window.demo_menu = DemoMenu(file.addMenu("Open &Demo"), window.add_action, window.open_project,
                                window.show_problem)
    window.add_action(file, "&Save", window.files.save, QKeySequence.StandardKey.Save)
    window.add_action(file, "Save &As…", window.files.save_as, QKeySequence.StandardKey.SaveAs)
    file.addSeparator()
    window.add_action(file, "&Import Clip…", window.import_dialog, "Ctrl+I")
    window.add_action(file, "Relin&k Missing Clips…",
                      lambda: relink_missing_clips(window.document, window, window.show_problem))
    window.add_action(file, "&Export Shot…", window.export_dialog, "Ctrl+E")
    window.add_action(file, "Export All S&hots…", window.all_shots.start)
    window.add_action(file, "&Train Model on Clips…", window.train_dialog)
    file.addSeparator()
    window.add_action(file, "&Quit", window.close, QKeySequence.StandardKey.Quit)

    edit = bar.addMenu("&Edit")
    undo = window.document.undo_stack.createUndoAction(window, "&Undo")
    undo.setShortcut(QKeySequence.StandardKey.Undo)
    redo = window.document.undo_stack.createRedoAction(window, "&Redo")
    redo.setShortcut(QKeySequence.StandardKey.Redo)
    undo.setProperty(HELP_TEXT, "Undo")
    redo.setProperty(HELP_TEXT, "Redo")
    edit.addActions([undo, redo])
    edit.addSeparator()
    window.set_key_action = window.add_action(
        edit, "Set &Key", lambda: window._edit_selected(edits.set_key, window.document.frame), "K")
    window.remove_key_action = window.add_action(
        edit, "Remove K&ey", lambda: window._edit_selected(edits.remove_key, window.document.frame), "Alt+K")
    window.remove_character_action = window.add_action(
        edit, "Remove &Character", lambda: window._edit_selected(edits.remove_character),
        QKeySequence.StandardKey.Delete)
    edit.addSeparator()
    window.add_action(edit, "&Preferences…", window.preferences_dialog,
                      QKeySequence.StandardKey.Preferences if QKeySequence.keyBindings(
                          QKeySequence.StandardKey.Preferences) else "Ctrl+,")

    shot = bar.addMenu("&Shot")
    window.shot_menu = ShotMenu(shot, window.document, window.add_action, window, window.show_problem)
    shot.addSeparator()
    window.output_menu = OutputMenu(shot.addMenu("&Output Size"), window.document, window.add_action, window.viewport,
                                    window.show_problem)
    window.statusBar().addPermanentWidget(window.output_menu.status_label)
    window.character_menu = CharacterMenu(bar.addMenu("&Character"), window.document, window.add_action,
                                        window._edit_selected)
    window.clip_fit_menu = ClipFitMenu(bar.addMenu("C&lip"), window.document, window.library, window.add_action,
                                       window.show_problem)

    play = bar.addMenu("&Playback")
    window.play_action = window.add_action(play, "&Play / Pause", window.player.toggle, "Space")
    window.add_action(play, "Previous Frame", lambda: window.player.step(-1), [",", "Left"])
    window.add_action(play, "Next Frame", lambda: window.player.step(1), [".", "Right"])
    window.add_action(play, "First Frame", window.player.go_to_start, "Home")
    window.add_action(play, "Last Frame", window.player.go_to_end, "End")
    window.add_action(play, "Set &In Point", window.timeline.set_in_point, "I")
    window.add_action(play, "Set &Out Point", window.timeline.set_out_point, "O")
    window.add_action(play, "Clear In/Out", window.timeline.clear_in_out, "Alt+X")
    window.previous_key_action = window.add_action(play, "Previous Key", lambda: window.jump_to_key(-1), "Alt+,")
    window.next_key_action = window.add_action(play, "Next Key", lambda: window.jump_to_key(1), "Alt+.")
    window.loop_action = window.add_action(play, "&Loop", window.player.set_loop, "L", checkable=True)
    window.loop_action.setChecked(window.player.loop)

    view = bar.addMenu("&View")
    window.layer_menu = LayerMenu(view.addMenu("&Layer"), window.viewport, window.add_action)
    window.onion_action = window.add_action(view, "&Onion Skin", window.set_onion_skin, "Alt+O", checkable=True)
    window.onion_action.setToolTip("Show the frames on either side faintly: earlier in red, later in blue")
    view.addSeparator()
    for dock in (window.shots_dock, window.library_dock, window.inspector_dock, window.layers_dock,
                 window.timeline_dock):
        view.addAction(dock.toggleViewAction())

    help_menu = bar.addMenu("&Help")
    window.add_action(help_menu, "&Keyboard Shortcuts…", window.show_shortcuts, "F1")
    window.add_action(help_menu, "&About Stopframe", window.show_about)
