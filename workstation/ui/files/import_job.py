"""Importing clips in a worker thread: a video is decoded through to count its frames (headers lie),
which for a long video takes seconds the window must not freeze for. The job only reads the files;
the clips are added to the project on the UI thread, one undo step each, as they come
(``ClipImporter``), each fitted to the model's square as ``fit_for`` says (``clip_fit.py``: it may
ask the user, in a modal dialog, meanwhile the next files' results wait their turn)."""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Sequence
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from workstation import project as doc
from workstation.kernel.logs import log_error
from workstation.media import ClipInfo, MediaError, probe
from workstation.ui.document import ProjectDocument
from workstation.ui.editing import animator_edits as edits

FitFor = Callable[[str, ClipInfo], str]  # (clip name, what was read) -> its fit (``doc.FITS``)


class ImportSignals(QObject):
    reading = Signal(str, int, int)  # the file being read, its number (from 1), files in all
    probed = Signal(str, object)  # the path as given, its ClipInfo
    failed = Signal(str)  # one line naming the file
    finished = Signal()


class ImportJob(QRunnable):
    def __init__(self, paths: list[str]):
        super().__init__()
        self.paths = [str(path) for path in paths]
        self.signals = ImportSignals()
        self._cancel = threading.Event()

    def cancel(self) -> None:
        """Stop after the file being read (reading one file cannot be interrupted)."""
        self._cancel.set()

    def run(self) -> None:
        try:
            for number, path in enumerate(self.paths, start=1):
                if self._cancel.is_set():
                    break
                self.signals.reading.emit(path, number, len(self.paths))
                try:
                    self.signals.probed.emit(path, probe(path))
                except MediaError as problem:
                    self.signals.failed.emit(str(problem).splitlines()[0])
                except Exception as error:  # a bug, or memory: one line (traceback logged), next file
                    self.signals.failed.emit(log_error(f"{path}: import failed", error))
        finally:
            self.signals.finished.emit()  # always, so the importer forgets the job


class ClipImporter(QObject):
    """Runs ImportJobs on the global thread pool and adds each clip read to the document (one undo
    step each); ``imported`` gives the names an import added (maybe none) once all its files are read."""

    imported = Signal(list)
    message = Signal(str, int)  # a line for the status bar, how long to show it (0: until replaced)

    def __init__(self, document: ProjectDocument, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.jobs: list[ImportJob] = []  # alive until they finish
        self._waiting: deque[Callable[[], None]] = deque()  # what the jobs read, handled in order
        self._handling = False

    def import_files(self, paths: Sequence[str], fit_for: FitFor = lambda name, info: "crop") -> ImportJob | None:
        """Read ``paths`` in the background; each clip read is added fitted by ``fit_for(name, info)``."""
        if not paths:
            return None
        job, names = ImportJob(list(paths)), list[str]()
        job.signals.reading.connect(lambda path, number, count: self.message.emit(
            f"reading {Path(path).name}" + (f" ({number} of {count})" if count > 1 else "") + "…", 0))
        job.signals.probed.connect(lambda path, info: self._in_turn(lambda: self._add(path, info, names, fit_for)))
        job.signals.failed.connect(lambda problem: self.message.emit(problem, 10_000))
        job.signals.finished.connect(lambda: self._in_turn(lambda: self._finished(job, names)))
        self.jobs.append(job)
        QThreadPool.globalInstance().start(job)
        return job

    def cancel(self) -> None:
        for job in self.jobs:
            job.cancel()

    def _in_turn(self, handle: Callable[[], None]) -> None:
        """Handle the jobs' results one after the other: a question asked while adding a clip
        (a modal dialog runs the event loop) never lets the next result in before it is answered."""
        self._waiting.append(handle)
        if self._handling:
            return
        self._handling = True
        try:
            while self._waiting:
                self._waiting.popleft()()
        finally:
            self._handling = False

    def _add(self, path: str, info: ClipInfo, names: list[str], fit_for: FitFor) -> None:
        try:
            fit = fit_for(Path(path).stem or Path(path).name, info)
            names.append(edits.import_clip(self.document, path, info, fit))
        except (MediaError, doc.ProjectError) as problem:
            self.message.emit(str(problem), 10_000)

    def _finished(self, job: ImportJob, names: list[str]) -> None:
        self.jobs.remove(job)
        if names:
            self.message.emit(f"imported {', '.join(names)}", 5000)
        self.imported.emit(names)
