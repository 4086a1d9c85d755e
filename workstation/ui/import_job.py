"""Importing clips in a worker thread: a video is decoded through to count its frames (headers lie),
which for a long video takes seconds the window must not freeze for. The job only reads the files;
the clips are added to the project on the UI thread, one undo step each, as they come."""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QRunnable, Signal

from workstation.media import MediaError, probe


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
        for number, path in enumerate(self.paths, start=1):
            if self._cancel.is_set():
                break
            self.signals.reading.emit(path, number, len(self.paths))
            try:
                self.signals.probed.emit(path, probe(path))
            except MediaError as problem:
                self.signals.failed.emit(str(problem).splitlines()[0])
        self.signals.finished.emit()
