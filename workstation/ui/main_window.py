"""The Stopframe main window: Library, Canvas, Timeline and Inspector around one open project,
with the menus, shortcuts and status bar that tie them together."""

from __future__ import annotations

import importlib.metadata
import time
from collections import deque
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QThreadPool, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QLabel, QMainWindow, QMessageBox, QProgressDialog

from workstation import project as doc
from workstation.engine import BundleError, Engine
from workstation.media import MediaError
from workstation.rendering import ProjectFrames, bundle_for
from workstation.ui import edits
from workstation.ui.canvas import ADD_CHARACTER, BACKGROUND, MOTION, Canvas
from workstation.ui.document import ProjectDocument
from workstation.ui.export_job import ExportJob
from workstation.ui.help import HELP_TEXT, ShortcutsDialog
from workstation.ui.import_job import ImportJob
from workstation.ui.inspector import Inspector
from workstation.ui.library import Library
from workstation.ui.onion_skin import OnionSkin
from workstation.ui.playback import Player
from workstation.ui.render_service import FrameRenderer, RenderedFrame
from workstation.ui.timeline import Timeline
from workstation.ui.train_dialog import TrainDialog

RECENT_LIMIT = 8
AUTOSAVE_MS = 60_000
THUMBNAIL_DELAY_MS = 250
PREFETCH = 8  # frames rendered ahead of the playhead while playing
PROJECT_FILTER = f"Stopframe projects (*{doc.PROJECT_SUFFIX})"
EXPORT_FILTERS = {"MP4 video (*.mp4)": "mp4", "Animated GIF (*.gif)": "gif", "PNG frames (a folder)": "png"}
MEDIA_FILTER = "Clips (*.mp4 *.mov *.avi *.mkv *.webm *.gif *.png *.jpg *.jpeg *.bmp *.webp);;All files (*)"


class MainWindow(QMainWindow):
    clips_imported = Signal(list)  # the names of the clips an import added (maybe none)

    def __init__(self, settings: QSettings | None = None):
        super().__init__()
        self._imports: list[ImportJob] = []
        self._export: tuple[ExportJob, QProgressDialog] | None = None
        self.settings = settings or QSettings()
        self.document = ProjectDocument(parent=self)
        self.renderer = FrameRenderer(parent=self)
        self.player = Player(self.document, self)
        self.onion = OnionSkin(self.document, self.renderer)
        self.engine: Engine | None = None
        self._shown_ticket = 0
        self._shown_times: deque[float] = deque(maxlen=120)

        self.canvas = Canvas()
        self.setCentralWidget(self.canvas)
        self.library = Library()
        self.timeline = Timeline()
        self.inspector = Inspector(self.document)
        self.library_dock = self._dock("Library", self.library, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.inspector_dock = self._dock("Inspector", self.inspector, Qt.DockWidgetArea.RightDockWidgetArea)
        self.timeline_dock = self._dock("Timeline", self.timeline, Qt.DockWidgetArea.BottomDockWidgetArea)
        self.device_label, self.render_label, self.fps_label = QLabel(), QLabel(), QLabel()
        for label in (self.device_label, self.render_label, self.fps_label):
            self.statusBar().addPermanentWidget(label)

        self._thumbnail_timer = QTimer(self, singleShot=True, interval=THUMBNAIL_DELAY_MS,
                                       timeout=self._render_thumbnails)
        self._autosave_timer = QTimer(self, interval=AUTOSAVE_MS, timeout=self._autosave)
        self._autosave_timer.start()
        self._make_actions()
        self._connect()
        self.timeline.set_thumbnail_provider(self._thumbnail)
        self.resize(1280, 800)
        self._restore_layout()
        self.document.open(doc.Project())

    # -- construction ------------------------------------------------------------------------------
    def _dock(self, title: str, widget, area) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(f"{title.lower()}-dock")
        dock.setWidget(widget)
        self.addDockWidget(area, dock)
        return dock

    def _action(self, menu, text: str, slot, shortcut=None, checkable: bool = False) -> QAction:
        action = QAction(text, self)
        if shortcut is not None:
            shortcuts = shortcut if isinstance(shortcut, list) else [shortcut]
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setCheckable(checkable)
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def _make_actions(self) -> None:
        bar = self.menuBar()
        file = bar.addMenu("&File")
        self._action(file, "&New Project", self.new_project, QKeySequence.StandardKey.New)
        self._action(file, "&Open…", lambda: self.open_project(), QKeySequence.StandardKey.Open)
        self.recent_menu = file.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self._action(file, "&Save", self.save, QKeySequence.StandardKey.Save)
        self._action(file, "Save &As…", self.save_as, QKeySequence.StandardKey.SaveAs)
        file.addSeparator()
        self._action(file, "&Import Clip…", self.import_dialog, "Ctrl+I")
        self._action(file, "&Export Shot…", self.export_dialog, "Ctrl+E")
        self._action(file, "&Train Model on Clips…", self.train_dialog)
        file.addSeparator()
        self._action(file, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit = bar.addMenu("&Edit")
        undo = self.document.undo_stack.createUndoAction(self, "&Undo")
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self.document.undo_stack.createRedoAction(self, "&Redo")
        redo.setShortcut(QKeySequence.StandardKey.Redo)
        undo.setProperty(HELP_TEXT, "Undo")
        redo.setProperty(HELP_TEXT, "Redo")
        edit.addActions([undo, redo])
        edit.addSeparator()
        self.set_key_action = self._action(
            edit, "Set &Key", lambda: self._edit_selected(edits.set_key, self.document.frame), "K")
        self.remove_key_action = self._action(
            edit, "Remove K&ey", lambda: self._edit_selected(edits.remove_key, self.document.frame), "Alt+K")
        self.remove_character_action = self._action(
            edit, "Remove &Character", lambda: self._edit_selected(edits.remove_character),
            QKeySequence.StandardKey.Delete)

        play = bar.addMenu("&Playback")
        self.play_action = self._action(play, "&Play / Pause", self.player.toggle, "Space")
        self._action(play, "Previous Frame", lambda: self.player.step(-1), [",", "Left"])
        self._action(play, "Next Frame", lambda: self.player.step(1), [".", "Right"])
        self._action(play, "First Frame", self.player.go_to_start, "Home")
        self._action(play, "Last Frame", self.player.go_to_end, "End")
        self.previous_key_action = self._action(play, "Previous Key", lambda: self.jump_to_key(-1), "Alt+,")
        self.next_key_action = self._action(play, "Next Key", lambda: self.jump_to_key(1), "Alt+.")
        self.loop_action = self._action(play, "&Loop", self.player.set_loop, "L", checkable=True)
        self.loop_action.setChecked(self.player.loop)

        view = bar.addMenu("&View")
        self.onion_action = self._action(view, "&Onion Skin", self.set_onion_skin, "Alt+O", checkable=True)
        self.onion_action.setToolTip("Show the frames on either side faintly: earlier in red, later in blue")
        view.addSeparator()
        for dock in (self.library_dock, self.inspector_dock, self.timeline_dock):
            view.addAction(dock.toggleViewAction())

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&Keyboard Shortcuts…", self.show_shortcuts, "F1")
        self._action(help_menu, "&About Stopframe", self.show_about)

    def _connect(self) -> None:
        d = self.document
        d.replaced.connect(self._on_replaced)
        d.clips_changed.connect(self._on_clips_changed)
        d.model_changed.connect(self._open_engine)
        d.changed.connect(self._on_changed)
        d.selection_changed.connect(self._on_selection_changed)
        d.frame_changed.connect(self._on_frame_changed)
        d.undo_stack.cleanChanged.connect(lambda clean: self._update_title())
        self.renderer.frame_ready.connect(self._on_frame_ready)
        self.renderer.failed.connect(self.show_problem)
        self.player.state_changed.connect(self._on_play_state)
        self.player.loop_changed.connect(self.loop_action.setChecked)
        self.timeline.frame_requested.connect(self._scrub)
        self.timeline.range_changed.connect(self.player.set_range)
        self.timeline.key_moved.connect(lambda source, target: self._edit_selected(edits.move_key, source, target))
        self.inspector.error.connect(self.show_problem)
        self.library.files_dropped.connect(self.import_files)
        c = self.canvas
        c.files_dropped.connect(self.import_files)
        c.selection_requested.connect(d.select_character)
        c.drop_requested.connect(self._on_drop)
        c.move_requested.connect(lambda name, dx, dy, g: self._transform(name, ("drag", g), dx=dx, dy=dy))
        c.rotate_requested.connect(lambda name, degrees, g: self._transform(name, ("drag", g), rotate=degrees))
        c.scale_requested.connect(lambda name, factor, g: self._transform(name, ("drag", g), scale=factor))

    # -- reacting to the document ---------------------------------------------------------------------
    def _on_replaced(self) -> None:
        self.player.stop()
        self.player.set_range(0, 0)
        self._shown_ticket = 0
        self.fps_label.setText("paused")
        self._update_title()

    def _open_engine(self) -> None:
        project = self.document.project
        try:
            bundle = bundle_for(project)
            if self.engine is None or self.engine.folder != Path(bundle):
                self.engine = Engine(bundle)
        except BundleError as problem:
            self.engine = None
            self.device_label.setText("no model")
            self.show_problem(str(problem))
            self.renderer.set_engine(None)
            return
        self.engine.frames = ProjectFrames(project, self.engine.image_size)
        self.engine.clear_caches()
        self.renderer.set_engine(self.engine)
        self.device_label.setText(self.engine.device_line)

    def _on_clips_changed(self) -> None:
        self.library.set_project(self.document.project)
        self._open_engine()

    def _on_changed(self) -> None:
        shot = self.document.shot()
        self.timeline.set_length(shot.length if shot else 1)
        self._refresh_keys()
        self._request_frame()
        self._thumbnail_timer.start()

    def _on_selection_changed(self) -> None:
        self.canvas.set_selected(self.document.character_name)
        self._on_changed()

    def _on_frame_changed(self, frame: int) -> None:
        self.timeline.set_frame(frame)
        self._refresh_keys()
        # While playing, the next frames render ahead (in batches) so they are cached in time.
        self._request_frame(self.player.upcoming(frame, PREFETCH) if self.player.playing else [])

    def _refresh_keys(self) -> None:
        """The timeline's key marks and the key actions follow the selected character and frame."""
        character = self.document.character()
        frames = [key.frame for key in character.keyframes] if character else []
        self.timeline.set_keys(frames)
        for action in (self.set_key_action, self.previous_key_action, self.next_key_action,
                       self.remove_character_action):
            action.setEnabled(character is not None)
        self.remove_key_action.setEnabled(self.document.frame in frames)

    def _key(self, frame: int) -> tuple[int, str, int] | None:
        shot = self.document.shot()
        return None if shot is None else (self.document.revision, shot.name, frame)

    def _request_frame(self, ahead: list[int] = ()) -> None:
        """Show the current frame (from the cache, else render it) and queue ``ahead`` behind it;
        the project is turned into render requests once for all of them."""
        key = self._key(self.document.frame)
        if key is None or self.engine is None:
            self.canvas.show_frame(None, (), [])
            return
        cached = self.renderer.cached(key)
        if cached is not None:
            self._display(cached)
        frames = [] if cached is not None else [key[2]]
        frames += [k for k in ahead if self.renderer.cached(self._key(k)) is None]
        if not frames:
            return
        try:
            requests = doc.render_requests(self.document.project, key[1], frames)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
            return
        if cached is None:
            self.renderer.request(key, requests.pop(0))
            frames = frames[1:]
        if frames:
            self.renderer.request_background([(self._key(k), r) for k, r in zip(frames, requests)])

    def _on_frame_ready(self, frame: RenderedFrame) -> None:
        if frame.ticket == 0:
            shown = self._key(self.document.frame)
            if frame.key == shown and self.canvas.image is not frame.image:
                self._display(frame)  # rendered ahead, and its time has come
            elif self.onion.waits_for(frame.key, shown) and self.renderer.cached(shown) is not None:
                self._display(self.renderer.cached(shown))  # a ghost it waited for has come
            if frame.key[:2] == (self.document.revision, self.document.shot_name):
                self.timeline.invalidate_thumbnails()
            return
        if frame.ticket > self._shown_ticket and frame.key[1] == self.document.shot_name:
            self._shown_ticket = frame.ticket  # the newest finished frame wins; older ones are stale
            self._display(frame)

    def _display(self, frame: RenderedFrame) -> None:
        shot = self.document.shot()
        image = frame.image
        if self.onion.enabled and not self.player.playing:  # ghosts would only blur playback
            image = self.onion.composite(frame) or image
        self.canvas.show_frame(image, frame.shapes, [c.name for c in shot.characters] if shot else [])
        self.render_label.setText(f"render {frame.milliseconds:.1f} ms/frame")
        now = time.perf_counter()
        self._shown_times.append(now)
        if self.player.playing:
            recent = [t for t in self._shown_times if now - t <= 1.0]
            self.fps_label.setText(f"playing {len(recent)} fps (shot {self.player.fps():g})")

    def _on_play_state(self, playing: bool) -> None:
        self._shown_times.clear()
        if not playing:
            self.fps_label.setText("paused")
            if self.onion.enabled:
                self._request_frame()  # the ghosts come back

    def _thumbnail(self, frame: int):
        key = self._key(frame)
        cached = self.renderer.cached(key) if key else None
        return cached.image if cached else None

    def _render_thumbnails(self) -> None:
        shot = self.document.shot()
        if shot is None or self.engine is None:
            return
        if self.player.playing:  # playback renders (and caches) every frame it can; thumbnails wait
            self._thumbnail_timer.start()
            return
        frames = range(min(shot.length, 600))
        try:
            requests = doc.render_requests(self.document.project, shot.name, frames)
        except doc.ProjectError:
            return
        self.renderer.request_background([(self._key(k), r) for k, r in zip(frames, requests)])
        self.onion.request_missing(self._key(self.document.frame))  # ahead of the thumbnails

    # -- user actions ----------------------------------------------------------------------------------
    def _scrub(self, frame: int) -> None:
        self.player.stop()
        self.document.set_frame(frame)

    def _transform(self, name: str, gesture, **change) -> None:
        self._guarded(edits.change_edit, self.document, name, self.document.frame, gesture, **change)

    def train_dialog(self, extra_arguments: tuple[str, ...] = ()) -> TrainDialog:
        """Train a model on the project's clips in the background and render with it when done."""
        dialog = TrainDialog(self.document, self, extra_arguments)
        dialog.model_ready.connect(lambda bundle: self._guarded(edits.use_model, self.document, bundle))
        self._train_dialog = dialog  # one at a time; alive while shown
        dialog.show()
        return dialog

    def show_shortcuts(self) -> ShortcutsDialog:
        self.shortcuts_dialog = ShortcutsDialog(self.menuBar(), self)
        self.shortcuts_dialog.show()
        return self.shortcuts_dialog

    def about_text(self) -> str:
        try:
            version = importlib.metadata.version("stopframe")
        except importlib.metadata.PackageNotFoundError:
            version = "(not installed)"
        model = f"model: {self.engine.folder} ({self.engine.device_line})" if self.engine else "no model loaded"
        return (f"Stopframe {version}\n\nSelf-supervised equivariant scene synthesis from video: "
                f"characters, backgrounds and motion learnt from plain clips.\n\n{model}")

    def show_about(self) -> None:
        QMessageBox.about(self, "About Stopframe", self.about_text())

    def set_onion_skin(self, on: bool) -> None:
        self.onion.enabled = bool(on)
        self.onion_action.setChecked(self.onion.enabled)
        self.settings.setValue("view/onion_skin", self.onion.enabled)
        self._request_frame()

    def _edit_selected(self, function, *args) -> None:
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
            self._scrub(frame)

    def _guarded(self, function, *args, **kwargs) -> None:
        """Run an edit; a project error becomes a one-line message in the status bar."""
        try:
            function(*args, **kwargs)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))

    def _on_drop(self, media, intent: str, character) -> None:
        try:
            if media.clip not in self.document.project.clips:
                raise doc.ProjectError(f"clip {media.clip!r} is not in this project")
            if intent == BACKGROUND:
                edits.set_background(self.document, media)
            elif intent == ADD_CHARACTER:
                edits.add_character(self.document, media)
            elif intent == MOTION:
                edits.set_motion(self.document, character, media)
                self.document.select_character(character)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))

    def import_files(self, paths) -> ImportJob | None:
        """Read the clips at ``paths`` in the background and add each as it is read; the window
        stays live meanwhile. Emits ``clips_imported`` with the names added when all are done."""
        if not paths:
            return None
        job, names = ImportJob(list(paths)), []
        job.signals.reading.connect(lambda path, number, count: self.statusBar().showMessage(
            f"reading {Path(path).name}" + (f" ({number} of {count})" if count > 1 else "") + "…"))
        job.signals.probed.connect(lambda path, info: self._add_imported(path, info, names))
        job.signals.failed.connect(self.show_problem)
        job.signals.finished.connect(lambda: self._imports_finished(job, names))
        self._imports.append(job)  # alive until it finishes
        QThreadPool.globalInstance().start(job)
        return job

    def _add_imported(self, path: str, info, names: list[str]) -> None:
        try:
            names.append(edits.import_clip(self.document, path, info))
        except (MediaError, doc.ProjectError) as problem:
            self.show_problem(str(problem))

    def _imports_finished(self, job: ImportJob, names: list[str]) -> None:
        self._imports.remove(job)
        if names:
            self.statusBar().showMessage(f"imported {', '.join(names)}", 5000)
        self.clips_imported.emit(names)

    def import_dialog(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Import clips", str(self._last_folder()), MEDIA_FILTER)
        self.import_files(paths)

    def export_dialog(self) -> None:
        shot = self.document.shot()
        if shot is None:
            self.show_problem("there is no shot to export yet")
            return
        folder = self.document.path.parent if self.document.path else self._last_folder()
        path, chosen = QFileDialog.getSaveFileName(self, f"Export shot {shot.name!r}", str(folder / shot.name),
                                                   ";;".join(EXPORT_FILTERS))
        if path:
            fmt = EXPORT_FILTERS[chosen] if chosen in EXPORT_FILTERS else "mp4"
            if fmt != "png" and not path.lower().endswith("." + fmt):
                path += "." + fmt
            self.export_shot(path, fmt)

    def export_shot(self, path: str | Path, fmt: str, scale: int = 4) -> ExportJob | None:
        """Render the current shot to ``path`` (a PNG folder, an MP4 or a GIF) in the background,
        with a progress dialog that can cancel it."""
        shot = self.document.shot()
        if shot is None:
            return None
        job = ExportJob(self.document.project, shot.name, path, fmt, scale)
        progress = QProgressDialog(f"Exporting {shot.name} to {Path(path).name}…", "Cancel", 0, shot.length, self)
        progress.setWindowTitle("Export")
        progress.setMinimumDuration(300)
        progress.canceled.connect(job.cancel)
        job.signals.progress.connect(lambda done, total: progress.setValue(done))
        job.signals.finished.connect(lambda written: (progress.reset(), self.statusBar().showMessage(
            f"exported {shot.length} frames to {written}", 10_000)))
        job.signals.failed.connect(lambda problem: (progress.reset(), self.show_problem(
            problem or f"export of {shot.name} cancelled")))
        self._export = (job, progress)  # keep both alive until the next export
        QThreadPool.globalInstance().start(job)
        return job

    def show_problem(self, message: str) -> None:
        self.statusBar().showMessage(message, 10_000)

    # -- projects ----------------------------------------------------------------------------------------
    def new_project(self) -> None:
        if self.maybe_save():
            self.document.open(doc.Project())

    def open_project(self, path: str | Path | None = None) -> bool:
        if not self.maybe_save():
            return False
        if path is None:
            path, _ = QFileDialog.getOpenFileName(self, "Open project", str(self._last_folder()), PROJECT_FILTER)
            if not path:
                return False
        try:
            project = doc.load_project(path)
            if doc.autosave_pending(path) and self.ask("Restore autosave?", f"{path} has newer unsaved changes "
                                                       "from a session that did not close. Restore them?"):
                project = doc.load_autosave(path)
        except doc.ProjectError as problem:
            self.show_problem(str(problem))
            QMessageBox.warning(self, "Cannot open project", str(problem))
            return False
        self.document.open(project)
        self._remember(path)
        missing = doc.missing_clips(project)
        if missing:
            self.show_problem(f"clip {missing[0][0]!r} is missing: looked for {missing[0][1]}")
        return True

    def save(self) -> bool:
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        path, _ = QFileDialog.getSaveFileName(self, "Save project", str(self._last_folder()), PROJECT_FILTER)
        if not path:
            return False
        if not path.endswith(doc.PROJECT_SUFFIX):
            path += doc.PROJECT_SUFFIX
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            self.document.save(path)
            doc.discard_autosave(path)
        except doc.ProjectError as problem:
            QMessageBox.warning(self, "Cannot save project", str(problem))
            return False
        self._remember(path)
        self._update_title()
        self.statusBar().showMessage(f"saved {path}", 5000)
        return True

    def _autosave(self) -> None:
        if self.document.modified and self.document.path is not None:
            try:
                doc.save_autosave(self.document.project)
            except doc.ProjectError as problem:
                self.show_problem(str(problem))

    def maybe_save(self) -> bool:
        """True when it is fine to drop the current project (saved, discarded, or unchanged)."""
        if not self.document.modified:
            return True
        answer = self.ask_unsaved()
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def ask_unsaved(self) -> QMessageBox.StandardButton:
        name = self.document.path.name if self.document.path else "The new project"
        return QMessageBox.question(
            self, "Unsaved changes", f"{name} has unsaved changes. Save them?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save)

    def ask(self, title: str, text: str) -> bool:
        return QMessageBox.question(self, title, text) == QMessageBox.StandardButton.Yes

    def closeEvent(self, event) -> None:
        if not self.maybe_save():
            event.ignore()
            return
        self.player.stop()
        for job in self._imports:
            job.cancel()
        if self._export is not None:
            self._export[0].cancel()
        QThreadPool.globalInstance().waitForDone()  # a worker still running at exit aborts the process
        self.renderer.shutdown()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        event.accept()

    # -- settings ----------------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.settings.value("recent", [])
        return [value] if isinstance(value, str) else list(value or [])

    def _remember(self, path) -> None:
        path = str(Path(path).resolve())
        self.settings.setValue("recent", ([path] + [p for p in self.recent_files() if p != path])[:RECENT_LIMIT])

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        for path in self.recent_files():
            action = self.recent_menu.addAction(path)
            action.triggered.connect(lambda checked=False, p=path: self.open_project(p))
        self.recent_menu.setEnabled(bool(self.recent_files()))

    def _last_folder(self) -> Path:
        recent = self.recent_files()
        return Path(recent[0]).parent if recent else Path.home()

    def _restore_layout(self) -> None:
        self.onion.enabled = self.settings.value("view/onion_skin", False, type=bool)
        self.onion_action.setChecked(self.onion.enabled)
        geometry, state = self.settings.value("window/geometry"), self.settings.value("window/state")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        if isinstance(state, QByteArray):
            self.restoreState(state)

    def _update_title(self) -> None:
        name = self.document.path.name if self.document.path else "Untitled"
        self.setWindowTitle(f"{name}[*] — Stopframe")
        self.setWindowModified(self.document.modified)
