"""File ▸ Export All Shots…: every shot of the project, whole, into one folder, one output per shot
named after it (``workstation/output/shot_files.py``), in a format of the frame writers' table; or,
as sprites, every shot into one sheet named after the project, one tag and one Godot animation per
shot (``write_sheet``; shots of different output sizes are refused in one line).

The user picks the format, the layer (the characters alone over transparency where the format keeps
alpha), for sprites one sheet per shot or all shots in one sheet, and the folder
(``dialogs.choose``, ``dialogs.open_folder``); outputs already there are replaced only after a Yes.
The shots are written one after another in a worker thread from a copy of the project, each an
``ExportRequest`` written by ``workstation.output.write_shot`` as File ▸ Export Shot and ``stopframe
render --all`` write one, at the shot's own output size and scaling (Shot ▸ Output Size), under one
progress dialog: its Cancel keeps the shots already written, and the shot being written leaves
nothing behind (``workstation/kernel/safe_write.py``).
"""

from __future__ import annotations

import threading
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QSettings, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from workstation import project as doc
from workstation.kernel.errors import StopframeError, one_line
from workstation.kernel.locations import may_propose
from workstation.kernel.logs import log_error
from workstation.output.export_request import ExportRequest
from workstation.output.formats import FORMAT_INFO, OutputFormat, has_alpha
from workstation.output.shot_files import existing_outputs, safe_file_name, shot_outputs
from workstation.output.shot_writer import ExportCancelled, check_one_sheet, write_sheet, write_shot
from workstation.render.layers import LayerView
from workstation.render.shot_frames import open_engine
from workstation.ui.document import ProjectDocument
from workstation.ui.export.export_dialog import DEFAULT_FORMAT, KEY, LAYER_LABELS
from workstation.ui.shell import dialogs

TITLE = "Export All Shots"
FOLDER_TITLE = "Export all shots to folder"
REPLACE_TITLE = "Replace existing exports?"
SHEETS_TITLE = "Sprite sheets"
LAYER_TITLE = "Layer"
PER_SHOT, ONE_SHEET = "One sheet per shot", "All shots in one sheet"
ALL_KEY = "export_all/"  # QSettings: the format, layer, sheets and folder of the last Export All Shots


class ExportAllSignals(QObject):
    shot_started = Signal(int, str)  # which shot (counted from 0), its name
    progress = Signal(int, int)  # frames written, frames in all (every shot)
    finished = Signal(list)  # the paths written
    failed = Signal(str, list)  # one line ("" when cancelled), the paths written before it stopped


class ExportAllJob(QRunnable):
    """Writes each of ``requests`` (shots of one project), in order, from one copy of the project
    taken when the job is made; with ``one_sheet``, all of them into their one sprite sheet."""

    def __init__(self, requests: list[ExportRequest], one_sheet: bool = False):
        super().__init__()
        project = doc.copy_project(requests[0].project)
        self.requests = [replace(request, project=project) for request in requests]
        self.one_sheet = one_sheet
        self.total = sum(len(request.frames) for request in self.requests)
        self.signals = ExportAllSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        written: list[str] = []
        try:
            engine = open_engine(self.requests[0].project)
            before = 0  # frames of the shots already written

            def progress(done: int, _: int) -> None:
                self.signals.progress.emit(before + done, self.total)

            if self.one_sheet:
                written.append(str(write_sheet(self.requests, engine, progress, self._cancel.is_set)))
            else:
                for index, request in enumerate(self.requests):
                    self.signals.shot_started.emit(index, request.shot)
                    written.append(str(write_shot(request, engine, progress, self._cancel.is_set)))
                    before += len(request.frames)
        except ExportCancelled:
            self.signals.failed.emit("", written)
        except (StopframeError, OSError) as problem:
            self.signals.failed.emit(one_line(problem), written)
        except Exception as error:  # a bug: one line, the traceback in the log file, never a crash
            self.signals.failed.emit(log_error("export of all shots failed", error), written)
        else:
            self.signals.finished.emit(written)


class AllShotsExport(QObject):
    """File ▸ Export All Shots…: asks what and where, then runs one ExportAllJob at a time."""

    message = Signal(str, int)  # a line for the status bar, how long to show it (ms)

    def __init__(self, document: ProjectDocument, settings: QSettings, parent: QWidget):
        super().__init__(parent)
        self.document, self.settings, self.window = document, settings, parent
        self.job: ExportAllJob | None = None
        self.progress: QProgressDialog | None = None
        self.running = False

    def start(self) -> ExportAllJob | None:
        """Ask for the format and the folder, and whether to replace outputs already there; then
        export every shot in the background. None when nothing was started."""
        project = self.document.project
        if not project.shots:
            self.message.emit("there are no shots to export yet", 10_000)
            return None
        if self.running:
            self.message.emit("an export of all shots is already running", 10_000)
            return None
        fmt = self._ask_format(len(project.shots))
        if fmt is None:
            return None
        layer = self._ask_layer(fmt)
        if layer is None:
            return None
        one_sheet = self._ask_one_sheet() if fmt == OutputFormat.SPRITES else False
        if one_sheet is None:
            return None
        folder = dialogs.open_folder(self.window, FOLDER_TITLE, str(self._last_folder()))
        if not folder:
            return None
        outputs = self._sheet_outputs(folder) if one_sheet else shot_outputs(project, folder, fmt)
        if one_sheet:
            try:
                check_one_sheet([ExportRequest.of_shot(project, name, path, fmt, layer=layer)
                                 for name, path in outputs])
            except StopframeError as problem:
                self.message.emit(f"nothing exported: {problem.problem}", 15_000)
                return None
        existing = existing_outputs(outputs[:1] if one_sheet else outputs, fmt)
        if existing:
            names = ", ".join(path.name for path in existing)
            answer = dialogs.question(self.window, REPLACE_TITLE, f"{folder} already holds {names}. Replace "
                                      f"{'it' if len(existing) == 1 else 'them'} with the new exports?")
            if answer != dialogs.Button.Yes:
                self.message.emit(f"nothing exported: {folder} already holds {names}", 10_000)
                return None
        self.settings.setValue(ALL_KEY + "format", fmt.value)
        self.settings.setValue(ALL_KEY + "folder", folder)
        requests = [ExportRequest.of_shot(project, name, path, fmt, layer=layer, overwrite=bool(existing))
                    for name, path in outputs]
        return self._run(ExportAllJob(requests, one_sheet), Path(folder))

    def cancel(self) -> None:
        if self.job is not None:
            self.job.cancel()

    def _ask_format(self, shots: int) -> OutputFormat | None:
        formats = list(FORMAT_INFO)
        remembered = str(self.settings.value(ALL_KEY + "format", "") or self.settings.value(KEY + "format", "") or "")
        current = formats.index(OutputFormat(remembered) if remembered in FORMAT_INFO else DEFAULT_FORMAT)
        labels = [FORMAT_INFO[fmt].label for fmt in formats]
        label = dialogs.choose(self.window, TITLE, f"Export each of the {shots} shots, whole, at its output size, as:",
                               labels, current)
        return formats[labels.index(label)] if label in labels else None

    def _ask_layer(self, fmt: OutputFormat) -> LayerView | None:
        """The layer to export (None: cancelled); those with alpha only in a format that keeps it, so
        a game's sprite sheet can hold the characters alone over transparency."""
        layers = [layer for layer in LAYER_LABELS if has_alpha(fmt) or not layer.has_alpha]
        labels = [LAYER_LABELS[layer] for layer in layers]
        remembered = str(self.settings.value(ALL_KEY + "layer", "") or "")
        current = next((i for i, layer in enumerate(layers) if layer.value == remembered), 0)
        label = dialogs.choose(self.window, LAYER_TITLE, "Export this layer of each shot:", labels, current)
        if label not in labels:
            return None
        layer = layers[labels.index(label)]
        self.settings.setValue(ALL_KEY + "layer", layer.value)
        return layer

    def _ask_one_sheet(self) -> bool | None:
        """Whether the user wants all shots in one sprite sheet (None: cancelled)."""
        choices = [PER_SHOT, ONE_SHEET]
        current = 1 if self.settings.value(ALL_KEY + "sheets", "") == "one" else 0
        label = dialogs.choose(self.window, SHEETS_TITLE, "Write the shots' sprite sheets as:", choices, current)
        if label not in choices:
            return None
        self.settings.setValue(ALL_KEY + "sheets", "one" if label == ONE_SHEET else "per shot")
        return label == ONE_SHEET

    def _sheet_outputs(self, folder: str) -> list[tuple[str, Path]]:
        """(shot name, the one sheet's atlas) for every shot: the sheet named after the project."""
        path = self.document.path
        sheet = Path(folder) / (safe_file_name(path.stem if path is not None else "shots") + ".png")
        return [(shot.name, sheet) for shot in self.document.project.shots]

    def _last_folder(self) -> Path:
        path = self.document.path
        for key in (ALL_KEY + "folder", KEY + "folder"):
            saved = str(self.settings.value(key, "") or "")
            if may_propose(saved, path):
                return Path(saved)
        return path.parent if path is not None else Path.home()

    def _run(self, job: ExportAllJob, folder: Path) -> ExportAllJob:
        count = len(job.requests)
        into = f"one sprite sheet in {folder}" if job.one_sheet else str(folder)
        progress = QProgressDialog(f"Exporting {count} shots to {into}…", "Cancel", 0, job.total, self.window)
        progress.setWindowTitle(TITLE)
        progress.setMinimumDuration(300)
        progress.canceled.connect(job.cancel)
        job.signals.shot_started.connect(
            lambda index, name: progress.setLabelText(f"Exporting shot {index + 1} of {count}: {name}…"))
        job.signals.progress.connect(lambda done, total: progress.setValue(done))

        def finished(written: list[str]) -> None:
            self.running = False
            progress.reset()
            if job.one_sheet:
                self.message.emit(f"exported {count} shot{'s' if count != 1 else ''} into one sprite sheet, "
                                  f"{written[0]}", 10_000)
                return
            self.message.emit(f"exported {len(written)} shot{'s' if len(written) != 1 else ''} to {folder}", 10_000)

        def failed(problem: str, written: list[str]) -> None:
            self.running = False
            progress.reset()
            kept = f"{len(written)} of {count} shots written to {folder}"
            self.message.emit(f"{problem} ({kept})" if problem else f"export of all shots cancelled: {kept}", 15_000)

        job.signals.finished.connect(finished)
        job.signals.failed.connect(failed)
        self.job, self.progress, self.running = job, progress, True  # alive until the next export
        QThreadPool.globalInstance().start(job)
        return job
