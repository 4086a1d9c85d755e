"""The Stopframe main window: Library, Canvas, Timeline and Inspector around one open project,
with the menus, shortcuts and status bar that tie them together. What is rendered and when is the
viewport's (``viewport.py``); the project's files are ``project_files.py``'s."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QLabel, QMainWindow, QMenu, QProgressDialog, QWidget

from workstation import project as doc
from workstation.kernel.locations import is_stopframes_own
from workstation.output.export_request import ExportRequest
from workstation.preferences import Preferences, device_line
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits
from workstation.ui.editing.in_out import InOutPoints
from workstation.ui.editing.placement import drawn_centre
from workstation.ui.editing.unknown_character import UnknownCharacterNotice
from workstation.ui.export.export_all import AllShotsExport
from workstation.ui.export.export_dialog import ExportDialog
from workstation.ui.export.export_job import ExportJob, start_export
from workstation.ui.files.clip_fit import ImportFit
from workstation.ui.files.import_choice import pick_clips, pick_folder
from workstation.ui.files.import_job import ClipImporter, ImportJob
from workstation.ui.files.project_files import ProjectFiles
from workstation.ui.panels.inspector import Inspector
from workstation.ui.panels.layers_panel import LayersPanel
from workstation.ui.panels.library import Library
from workstation.ui.panels.shots_panel import ShotsPanel
from workstation.ui.shell import dialogs
from workstation.ui.shell.help import ShortcutsDialog, about_text
from workstation.ui.shell.menus import Shortcut, build_menus
from workstation.ui.shell.preferences_dialog import PreferencesDialog
from workstation.ui.shell.settings_store import read_preferences
from workstation.ui.shell.status_bar import StatusBar
from workstation.ui.train.train_dialog import TrainDialog
from workstation.ui.view.canvas import Canvas, Gesture
from workstation.ui.view.playback import Player
from workstation.ui.view.render_service import RenderedFrame
from workstation.ui.view.timeline import Timeline
from workstation.ui.view.viewport import Viewport

AUTOSAVE_MS = 60_000


class MainWindow(QMainWindow):
    clips_imported = Signal(list)  # the names of the clips an import added (maybe none)

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self._export: tuple[ExportJob, QProgressDialog] | None = None
        self.export_shot_dialog: ExportDialog | None = None  # File ▸ Export Shot…, the latest opened
        self.settings = settings or QSettings()
        self.document = ProjectDocument(parent=self)
        self.files = ProjectFiles(self.document, self.settings, self)
        self.all_shots = AllShotsExport(self.document, self.settings, self)  # File ▸ Export All Shots…
        self.importer = ClipImporter(self.document, self)
        self.player = Player(self.document, self)
        self.canvas = Canvas()
        self.setCentralWidget(self.canvas)
        self.setStatusBar(StatusBar())  # a long message stops short of the labels on its right
        self.library = Library()
        self.timeline = Timeline()
        self.inspector = Inspector(self.document)
        self.viewport = Viewport(self.document, self.player, self.canvas, self.timeline, self)
        self.layers = LayersPanel(self.document, self.viewport)
        self.shots = ShotsPanel(self.document)
        self.shots_dock = self._dock("Shots", self.shots, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.library_dock = self._dock("Library", self.library.panel(), Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.layers_dock = self._dock("Layers", self.layers, Qt.DockWidgetArea.RightDockWidgetArea)
        self.timeline_dock = self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.docks = (self.shots_dock, self.library_dock, self.inspector_dock, self.layers_dock, self.timeline_dock)
        self.device_label, self.render_label, self.fps_label = QLabel(), QLabel(), QLabel()
        for label in (self.device_label, self.render_label, self.fps_label):
            self.statusBar().addPermanentWidget(label)
        self._autosave_timer = QTimer(self)
        self._autosave_timer.setInterval(AUTOSAVE_MS)
        self._autosave_timer.timeout.connect(self.files.autosave)
        self._autosave_timer.start()
        self.menus = build_menus(self)  # the commands that follow the document
        self.statusBar().addPermanentWidget(self.menus.output_menu.status_label)
        self._connect()
        self.in_out = InOutPoints(self.document, self.timeline, self.player, self.show_problem)
        self.unknown_notice = UnknownCharacterNotice(self.document, self.viewport, self.show_problem, self)
        self.resize(1280, 800)
        self._restore_layout()
        self.apply_preferences(read_preferences(self.settings))
        self.document.open(doc.Project())

    # -- construction ------------------------------------------------------------------------------
    def _dock(self, title: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}-dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def add_action(self, menu: QMenu, text: str, slot: Callable[..., Any], shortcut: Shortcut | list[str] | None = None,
                checkable: bool = False) -> QAction:
        """A menu command. ``slot`` gets Qt's ``checked`` argument only when ``checkable``."""
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot if checkable else lambda checked=False: slot())
        menu.addAction(action)
        return action

    def _connect(self) -> None:
        d = self.document
        d.replaced.connect(self._on_replaced)
        d.clips_changed.connect(lambda: self.library.set_project(self.document.project))
        d.changed.connect(self._on_changed)
        d.selection_changed.connect(self._on_selection_changed)
        d.frame_changed.connect(self._on_frame_changed)
        d.undo_stack.cleanChanged.connect(lambda clean: self._update_title())
        self.files.message.connect(self.statusBar().showMessage)
        self.all_shots.message.connect(self.statusBar().showMessage)
        self.importer.message.connect(self.statusBar().showMessage)
        self.importer.imported.connect(self.clips_imported)
        self.files.saved.connect(self._update_title)
        self.viewport.frame_shown.connect(self._on_frame_shown)
        self.viewport.engine_changed.connect(self._on_engine_changed)
        self.viewport.failed.connect(self.show_problem)
        self.player.state_changed.connect(self._on_play_state)
        self.timeline.frame_requested.connect(self.scrub)
        self.timeline.key_moved.connect(lambda source, target: self.edit_selected(edits.move_key, source, target))
        self.inspector.error.connect(self.show_problem)
        self.layers.error.connect(self.show_problem)
        self.shots.error.connect(self.show_problem)
        self.library.files_dropped.connect(self.import_files)
        c = self.canvas
        c.files_dropped.connect(self.import_files)
        c.selection_requested.connect(d.select_character)
        c.drop_requested.connect(lambda media, intent, name, at: self._guarded(
            edits.drop, d, media, intent, name, at, lambda character: drawn_centre(self.viewport.engine, d, character)))
        c.move_requested.connect(lambda name, dx, dy, gesture: self._transform(name, gesture, dx=dx, dy=dy))
        c.rotate_requested.connect(lambda name, degrees, gesture: self._transform(name, gesture, rotate=degrees))
        c.scale_requested.connect(lambda name, factor, gesture: self._transform(name, gesture, scale=factor))

    # -- reacting to the document and the viewport --------------------------------------------------
    def _on_replaced(self) -> None:
        self.player.stop()  # the range: ``in_out.py``, from the shot
        self.fps_label.setText("paused")
        self._update_title()

    def _on_changed(self) -> None:
        shot = self.document.shot()
        self.timeline.set_length(shot.length if shot else 1)
        self.menus.character_menu.refresh()
        self._refresh_keys()

    def _on_selection_changed(self) -> None:
        self.canvas.set_selected(self.document.character_name)
        self._on_changed()

    def _on_frame_changed(self, frame: int) -> None:
        self.timeline.set_frame(frame)
        self._refresh_keys()

    def _refresh_keys(self) -> None:
        """The timeline's key marks and the key actions follow the selected character and frame."""
        character = self.document.character()
        frames = [key.frame for key in character.keyframes] if character else []
        self.timeline.set_keys(frames)
        menus = self.menus
        for action in (menus.set_key_action, menus.previous_key_action, menus.next_key_action,
                       menus.remove_character_action):
            action.setEnabled(character is not None)
        menus.remove_key_action.setEnabled(self.document.frame in frames)

    def _on_engine_changed(self) -> None:
        engine = self.viewport.engine
        self.inspector.set_model_size(engine.image_size if engine else None)
        self.device_label.setText(device_line(engine.device, self.viewport.render_device) if engine
                                  else self.viewport.problem or "no model")

    def _on_frame_shown(self, frame: RenderedFrame) -> None:
        self.render_label.setText(f"render {frame.milliseconds:.1f} ms/frame")
        if self.player.playing:
            self.fps_label.setText(f"playing {self.viewport.delivered_fps()} fps (shot {self.player.fps():g})")

    def _on_play_state(self, playing: bool) -> None:
        if not playing:
            self.fps_label.setText("paused")

    # -- user actions ----------------------------------------------------------------------------------
    def scrub(self, frame: int) -> None:
        """Stop playback and go to ``frame``."""
        self.player.stop()
        self.document.set_frame(frame)

    def _transform(self, name: str, gesture: Gesture, **change: float) -> None:
        """A change by a Canvas gesture: each gesture is one undo step (its changes merge)."""
        self._guarded(edits.change_edit, self.document, name, self.document.frame, gesture, **change)

    def train_dialog(self, extra_arguments: tuple[str, ...] = ()) -> TrainDialog:
        """Train a model on the project's clips in the background; at the end, the animator chooses
        whether the project renders with it (each switch of model is one undo step)."""
        dialog = TrainDialog(self.document, self, extra_arguments)
        dialog.model_chosen.connect(lambda bundle: self._guarded(edits.use_model, self.document, bundle))
        self._train_dialog = dialog  # one at a time; alive while shown
        dialog.show()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        self.shortcuts_dialog = ShortcutsDialog(self.menuBar(), self)
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def about_text(self) -> str:
        return about_text(self.viewport.engine)

    def show_about(self) -> None:
        dialogs.about(self, "About Stopframe", self.about_text())

    def preferences_dialog(self) -> PreferencesDialog:
        """Edit ▸ Preferences…: OK or Apply uses them at once and keeps them for the next start."""
        self._preferences_dialog = PreferencesDialog(self.preferences, self.settings, self.apply_preferences, self)
        self._preferences_dialog.open()  # window-modal, without blocking
        return self._preferences_dialog

    def apply_preferences(self, preferences: Preferences) -> None:
        self.preferences = preferences
        self._autosave_timer.setInterval(preferences.autosave_ms)
        self.viewport.set_onion_style(preferences.onion)
        self.viewport.set_render_device(preferences.render_device)
        self.library.set_thumbnail_size(preferences.thumbnail_size)
        self.document.new_shot_fps = preferences.new_shot_fps

    def set_onion_skin(self, on: bool) -> None:
        self.menus.onion_action.setChecked(bool(on))
        self.settings.setValue("view/onion_skin", bool(on))
        self.viewport.set_onion_skin(bool(on))

    def edit_selected(self, function: Callable[..., object], *args: object) -> None:
        """``function(document, selected character, *args)``, when a character is selected."""
        if self.document.character_name is not None:
            self._guarded(function, self.document, self.document.character_name, *args)

    def jump_to_key(self, direction: int) -> None:
        """Go to the selected character's previous (-1) or next (+1) key within the shot."""
        character, shot = self.document.character(), self.document.shot()
        if character is None or shot is None:
            return
        frame = doc.neighbour_key(character, self.document.frame, direction)
        if frame is not None and frame < shot.length:
            self.scrub(frame)

    def _guarded(self, function: Callable[..., object], *args: object, **kwargs: object) -> None:
        """Run an edit; a project error becomes a one-line message in the status bar."""
        try:
            function(*args, **kwargs)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))

    def import_files(self, paths: Sequence[str], ask_fit: bool = False) -> ImportJob | None:
        """Read the clips at ``paths`` in the background and add each as it is read, fitted as the
        user last chose (or asked, once: ``clip_fit.py``); the window stays live meanwhile. Emits
        ``clips_imported`` with the names added when all are done."""
        return self.importer.import_files(paths, ImportFit(self.settings, self, ask_fit).fit_for)

    def import_dialog(self) -> None:
        """File ▸ Import Clip…: files, numbered images as one clip if the user says so (``import_choice.py``)."""
        self.import_files(pick_clips(self, str(self.files.last_folder()), self.show_problem), True)

    def import_folder_dialog(self) -> None:
        """File ▸ Import Image Folder…: a folder's images as one clip."""
        self.import_files(pick_folder(self, str(self.files.last_folder())), True)

    def export_dialog(self) -> ExportDialog | None:
        """File ▸ Export Shot…: the form of ``export_dialog.py``, window-modal without blocking."""
        shot = self.document.shot()
        if shot is None:
            self.show_problem("there is no shot to export yet")
            return None
        if self.export_shot_dialog is not None:
            self.export_shot_dialog.deleteLater()
        path = self.document.path  # a project in Stopframe's own folder (the demo) exports to the user's
        folder = path.parent if path is not None and not is_stopframes_own(path.parent) else self.files.last_folder()
        self.export_shot_dialog = ExportDialog(self, self.settings, self.document.project, shot, self.timeline.range(),
                                               folder, self.export_shot)
        self.export_shot_dialog.open()
        return self.export_shot_dialog

    def export_shot(self, request: ExportRequest) -> ExportJob:
        """Write ``request`` (``workstation.output.write_shot``) in the background, from a copy of its
        project, with a progress dialog that can cancel it; the status bar says how it ended."""
        self._export = start_export(self, request, self.statusBar().showMessage)  # alive until the next export
        return self._export[0]

    def show_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    # -- projects and settings ------------------------------------------------------------------------
    def open_project(self, path: str | Path | None = None) -> bool:
        """Open the project at ``path``, or ask for one (see ``ProjectFiles.open_project``)."""
        return self.files.open_project(path)

    def recent_files(self) -> list[str]:
        return self.files.recent_files()

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.files.maybe_save():
            event.ignore()
            return
        self.document.undo_stack.clear()  # now: emptied while being deleted, it would tell this deleted window
        self.player.stop()
        self.importer.cancel()
        if self._export is not None:
            self._export[0].cancel()
        self.all_shots.cancel()
        QThreadPool.globalInstance().waitForDone()  # a worker still running at exit aborts the process
        self.viewport.shutdown()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        event.accept()

    def _restore_layout(self) -> None:
        onion = self.settings.value("view/onion_skin", False, type=bool)
        self.viewport.set_onion_skin(bool(onion))
        self.menus.onion_action.setChecked(bool(onion))
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Stopframe")
        self.setWindowModified(self.document.modified)
