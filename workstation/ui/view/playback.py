"""Playback on the wall clock: while playing, the current frame is the one the shot's fps says it
should be now. Frames the renderer cannot deliver in time are skipped, so the speed holds on a
slow machine (napari's rule); a frame still rendering is simply replaced by the newer one."""

from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from workstation.ui.document import ProjectDocument


class Player(QObject):
    state_changed = Signal(bool)  # playing or not
    loop_changed = Signal(bool)

    def __init__(self, document: ProjectDocument, parent: QObject | None = None):
        super().__init__(parent)
        self.document = document
        self.loop = True
        self.first, self.last = 0, 0  # the in/out range being played (inclusive)
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.timeout.connect(self._tick)
        self._start_time = 0.0
        self._start_frame = 0

    @property
    def playing(self) -> bool:
        return self._timer.isActive()

    def fps(self) -> float:
        shot = self.document.shot()
        return shot.fps if shot is not None else 12.0

    def set_range(self, first: int, last: int) -> None:
        self.first, self.last = first, max(first, last)

    def _clamped_range(self) -> tuple[int, int]:
        shot = self.document.shot()
        end = shot.length - 1 if shot is not None else 0
        first = min(max(0, self.first), end)
        last = min(max(first, self.last if self.last > 0 else end), end)
        return first, last

    def play(self) -> None:
        if self.document.shot() is None or self.playing:
            return
        first, last = self._clamped_range()
        if not first <= self.document.frame < last:  # at (or past) the end: start over
            self.document.set_frame(first)
        self._start_time, self._start_frame = time.perf_counter(), self.document.frame
        self._timer.start(max(1, int(500.0 / self.fps())))  # tick at twice the frame rate
        self.state_changed.emit(True)

    def stop(self) -> None:
        if self.playing:
            self._timer.stop()
            self.state_changed.emit(False)

    def toggle(self) -> None:
        self.stop() if self.playing else self.play()

    def set_loop(self, loop: bool) -> None:
        if loop != self.loop:
            self.loop = loop
            self.loop_changed.emit(loop)

    def step(self, frames: int) -> None:
        """Step by ``frames`` (stops playback), wrapping within the range when looping."""
        self.stop()
        first, last = self._clamped_range()
        frame = self.document.frame + frames
        if self.loop and (frame < first or frame > last):
            frame = first + (frame - first) % (last - first + 1)
        self.document.set_frame(min(max(frame, first), last))

    def go_to_start(self) -> None:
        self.stop()
        self.document.set_frame(self._clamped_range()[0])

    def go_to_end(self) -> None:
        self.stop()
        self.document.set_frame(self._clamped_range()[1])

    def upcoming(self, frame: int, count: int) -> list[int]:
        """The ``count`` frames that play after ``frame`` (wrapping when looping)."""
        first, last = self._clamped_range()
        frames = []
        for k in range(frame + 1, frame + 1 + count):
            if k > last:
                if not self.loop:
                    break
                k = first + (k - first) % (last - first + 1)
            frames.append(k)
        return frames

    def _tick(self) -> None:
        first, last = self._clamped_range()
        elapsed = int((time.perf_counter() - self._start_time) * self.fps())
        frame = self._start_frame + elapsed
        if frame > last:
            if not self.loop:
                self.document.set_frame(last)
                self.stop()
                return
            frame = first + (frame - first) % (last - first + 1)
        self.document.set_frame(frame)
