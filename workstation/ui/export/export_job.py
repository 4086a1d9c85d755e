"""Exporting a shot's frames (all, or a range) in one of the engine's layers to any of the frame
writers' formats (``workstation.output.FORMAT_INFO``) in a worker thread, with progress and cancel.

The job renders a copy of the project taken when it starts, with an engine of its own, so the
animator can keep editing (and the Canvas keep rendering) while it runs. It replaces an existing
output only when told to (``overwrite``), which File > Export Shot... (``export_dialog.py``) does
only after asking (``ask_to_replace``); the output is written safely (workstation/output,
workstation/kernel/safe_write.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from workstation import project as doc
from workstation.kernel.errors import StopframeError, one_line
from workstation.kernel.logs import log_error
from workstation.output import FrameWriter, output_exists
from workstation.render.engine import Engine
from workstation.render.shot_frames import open_engine, render_shot
from workstation.ui.shell import dialogs


class ExportCancelled(Exception):
    """Raised inside an export when the user cancelled it: the output being written is discarded."""


def write_shot(project: doc.Project, engine: Engine, shot_name: str, path: str | Path, fmt: str,
               scale: int | None = None, overwrite: bool = False, frames: Sequence[int] | None = None,
               layer: str = "composite", progress: Callable[[int, int], None] = lambda written, total: None,
               cancelled: Callable[[], bool] = lambda: False, smooth: bool | None = None) -> None:
    """Render ``frames`` (all when None) of a shot in ``layer`` and write them to ``path``: the one
    way File ▸ Export Shot and File ▸ Export All Shots write a shot, at the shot's output size and
    scaling (``Shot.output``) unless ``scale`` or ``smooth`` is given. ``progress(written, total)``
    after each frame; raises ExportCancelled, leaving nothing of the output, once ``cancelled()``."""
    shot = project.shot(shot_name)
    frames = range(shot.length) if frames is None else frames
    scale = shot.output.scale if scale is None else scale
    smooth = shot.output.scaling == "smooth" if smooth is None else smooth
    with FrameWriter(path, fmt, shot.fps, len(frames), scale=scale, smooth=smooth, force=overwrite,
                     frame_size=(engine.image_size, engine.image_size)) as writer:
        for written, image in enumerate(render_shot(engine, project, shot.name, frames, layer), start=1):
            if cancelled():
                raise ExportCancelled
            writer.write(image)
            progress(written, len(frames))


class ExportSignals(QObject):
    progress = Signal(int, int)  # frames written, frames in all
    finished = Signal(str)  # the path written
    failed = Signal(str)  # one line; "" when cancelled


class ExportJob(QRunnable):
    def __init__(self, project: doc.Project, shot: str, path: str | Path, fmt: str, scale: int | None = None,
                 overwrite: bool = False, frames: Sequence[int] | None = None, layer: str = "composite",
                 smooth: bool | None = None):
        """``frames``: the shot's frames to render (numbered from 0), all when None; ``layer``: one of
        the engine's ``LAYERS`` (characters, RGBA, needs a format with alpha); ``scale`` and
        ``smooth``: the shot's output (``Shot.output``) when None."""
        super().__init__()
        self.project = doc.copy_project(project)
        self.shot, self.path, self.fmt, self.scale, self.overwrite = shot, Path(path), fmt, scale, overwrite
        self.frames, self.layer, self.smooth = frames, layer, smooth
        self.signals = ExportSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        self._cancel.set()

    def run(self) -> None:
        try:
            write_shot(self.project, open_engine(self.project), self.shot, self.path, self.fmt, self.scale,
                       self.overwrite, self.frames, self.layer, self.signals.progress.emit, self._cancel.is_set,
                       self.smooth)
        except ExportCancelled:
            self.signals.failed.emit("")
            return
        except (StopframeError, OSError) as problem:
            self.signals.failed.emit(one_line(problem))
            return
        except Exception as error:  # a bug: one line, the traceback in the log file, never a crash
            self.signals.failed.emit(log_error(f"export of {self.shot} failed", error))
            return
        self.signals.finished.emit(str(self.path))


def ask_to_replace(parent: QWidget | None, path: str | Path, fmt: str) -> bool | None:
    """The ``overwrite`` to export to ``path`` with: False when nothing is there; when something
    is, the user is asked: True to replace it, None to keep it (no export)."""
    if not output_exists(path, fmt):
        return False
    what = "The folder" if fmt == "png" else "The file"
    answer = dialogs.question(parent, "Replace existing export?",
                              f"{what} {path} already exists. Replace it with the new export?")
    return True if answer == dialogs.Button.Yes else None


def start_export(parent: QWidget, project: doc.Project, shot: doc.Shot, path: str | Path, fmt: str,
                 scale: int | None, message: Callable[[str, int], None], overwrite: bool = False,
                 frames: Sequence[int] | None = None, layer: str = "composite",
                 smooth: bool | None = None) -> tuple[ExportJob, QProgressDialog]:
    """Start an ExportJob of ``frames`` (all when None) in ``layer`` on the global thread pool with a
    progress dialog whose Cancel stops it; ``message(line, milliseconds)`` tells the status bar how
    it ended. Keep both alive meanwhile. An existing output is replaced only with ``overwrite``
    (else the job fails in one line)."""
    frames = range(shot.length) if frames is None else frames
    count = len(frames)
    job = ExportJob(project, shot.name, path, fmt, scale, overwrite, frames, layer, smooth)
    progress = QProgressDialog(f"Exporting {shot.name} to {Path(path).name}…", "Cancel", 0, count, parent)
    progress.setWindowTitle("Export")
    progress.setMinimumDuration(300)
    progress.canceled.connect(job.cancel)
    job.signals.progress.connect(lambda done, total: progress.setValue(done))

    def finished(written: str) -> None:
        progress.reset()
        message(f"exported {count} frame{'s' if count != 1 else ''} to {written}", 10_000)

    def failed(problem: str) -> None:
        progress.reset()
        message(problem or f"export of {shot.name} cancelled", 10_000)

    job.signals.finished.connect(finished)
    job.signals.failed.connect(failed)
    QThreadPool.globalInstance().start(job)
    return job, progress
