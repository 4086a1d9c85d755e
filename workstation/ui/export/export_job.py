"""Exporting a shot in a worker thread, with progress and cancel: an ExportJob runs
``workstation.output.write_shot`` (the one writer ``stopframe render`` uses too) for one
``ExportRequest`` on the global thread pool.

The job renders a copy of the project taken when it is made, with an engine of its own, so the
animator can keep editing (and the Canvas keep rendering) while it runs. It replaces an existing
output only when the request says so (``overwrite``), which File ▸ Export Shot… (``export_dialog.py``)
asks only after the user said Yes (``ask_to_replace``); the output is written safely
(workstation/output, workstation/kernel/safe_write.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from workstation import project as doc
from workstation.kernel.errors import StopframeError, one_line
from workstation.kernel.logs import log_error
from workstation.output.export_request import ExportRequest
from workstation.output.shot_writer import ExportCancelled, write_shot
from workstation.output.writer import output_exists
from workstation.render.shot_frames import open_engine
from workstation.ui.shell import dialogs


class ExportSignals(QObject):
    progress = Signal(int, int)  # frames written, frames in all
    finished = Signal(str)  # the path written
    failed = Signal(str)  # one line; "" when cancelled


class ExportJob(QRunnable):
    def __init__(self, request: ExportRequest):
        super().__init__()
        self.request = replace(request, project=doc.copy_project(request.project))
        self.signals = ExportSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            written = write_shot(self.request, open_engine(self.request.project), self.signals.progress.emit,
                                 self._cancel.is_set)
        except ExportCancelled:
            self.signals.failed.emit("")
            return
        except (StopframeError, OSError) as problem:
            self.signals.failed.emit(one_line(problem))
            return
        except Exception as error:  # a bug: one line, the traceback in the log file, never a crash
            self.signals.failed.emit(log_error(f"export of {self.request.shot} failed", error))
            return
        self.signals.finished.emit(str(written))


def ask_to_replace(parent: QWidget | None, path: str | Path, fmt: str) -> bool | None:
    """The ``overwrite`` to export to ``path`` with: False when nothing is there; when something
    is, the user is asked: True to replace it, None to keep it (no export)."""
    if not output_exists(path, fmt):
        return False
    what = "The folder" if fmt == "png" else "The file"
    answer = dialogs.question(parent, "Replace existing export?",
                              f"{what} {path} already exists. Replace it with the new export?")
    return True if answer == dialogs.Button.Yes else None


def start_export(parent: QWidget, request: ExportRequest,
                 message: Callable[[str, int], None]) -> tuple[ExportJob, QProgressDialog]:
    """Start an ExportJob of ``request`` on the global thread pool with a progress dialog whose
    Cancel stops it; ``message(line, milliseconds)`` tells the status bar how it ended. Keep both
    alive meanwhile."""
    count = len(request.frames)
    job = ExportJob(request)
    progress = QProgressDialog(f"Exporting {request.shot} to {request.target.name}…", "Cancel", 0, count, parent)
    progress.setWindowTitle("Export")
    progress.setMinimumDuration(300)
    progress.canceled.connect(job.cancel)
    job.signals.progress.connect(lambda done, total: progress.setValue(done))

    def finished(written: str) -> None:
        progress.reset()
        message(f"exported {count} frame{'s' if count != 1 else ''} to {written}", 10_000)

    def failed(problem: str) -> None:
        progress.reset()
        message(problem or f"export of {request.shot} cancelled", 10_000)

    job.signals.finished.connect(finished)
    job.signals.failed.connect(failed)
    QThreadPool.globalInstance().start(job)
    return job, progress
