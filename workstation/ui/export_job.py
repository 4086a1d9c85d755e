"""Exporting a shot to PNG frames, MP4 or GIF in a worker thread, with progress and cancel.

The job renders a copy of the project taken when it starts, with an engine of its own, so the
animator can keep editing (and the Canvas keep rendering) while it runs."""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Signal

from export.frames import ExportError, FrameWriter
from workstation import project as doc
from workstation.engine import BundleError
from workstation.media import MediaError
from workstation.rendering import open_engine, render_shot


class _Cancelled(Exception):
    pass


class ExportSignals(QObject):
    progress = Signal(int, int)  # frames written, frames in all
    finished = Signal(str)  # the path written
    failed = Signal(str)  # one line; "" when cancelled


class ExportJob(QRunnable):
    def __init__(self, project: doc.Project, shot: str, path: str | Path, fmt: str, scale: int = 4):
        super().__init__()
        self.project = doc.copy_project(project)
        self.shot, self.path, self.fmt, self.scale = shot, Path(path), fmt, scale
        self.signals = ExportSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            shot = self.project.shot(self.shot)
            engine = open_engine(self.project)
            with FrameWriter(self.path, self.fmt, shot.fps, shot.length, scale=self.scale, force=True) as writer:
                for written, image in enumerate(render_shot(engine, self.project, shot.name), start=1):
                    if self._cancel.is_set():
                        raise _Cancelled
                    writer.write(image)
                    self.signals.progress.emit(written, shot.length)
        except _Cancelled:
            self.signals.failed.emit("")
            return
        except (ExportError, doc.ProjectError, BundleError, MediaError, OSError) as problem:
            self.signals.failed.emit(str(problem).splitlines()[0])
            return
        self.signals.finished.emit(str(self.path))
