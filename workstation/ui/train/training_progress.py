"""A training run's progress in plain words, from its ``--progress json`` events: how far it is and
how long is left, how good its pictures are on frames it has not trained on, the error curve
(``loss_curve.py``) and the run's latest sample pictures (``samples/step_*.png``)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from workstation.ui.train.loss_curve import LossCurve
from workstation.ui.train.training_estimate import duration_words

SAMPLES_HEIGHT = 200  # the sample pictures are shown scaled to this height
SAMPLES_POLL_MS = 1000
SAMPLES_TIP = ("Pictures of frames it has not trained on. Each row: a frame, a later frame, the model's own "
               "drawing of the later frame, then the background and the character as the model sees them.")
# Reconstruction PSNR (dB) of held-out frame pairs, lowest first, and what it looks like.
QUALITY = ((20.0, "rough"), (25.0, "fair"), (30.0, "good"))


def quality_words(psnr: float) -> str:
    for below, words in QUALITY:
        if psnr < below:
            return words
    return "very good"


class TrainingProgress(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.run_folder: Path | None = None
        self.total_steps = 0
        self.last_step = 0  # of the latest step event
        self.sample_shown: Path | None = None
        self.bar = QProgressBar()
        self.status = QLabel("Training runs in the background: you can go on animating meanwhile.")
        self.status.setWordWrap(True)
        self.quality = QLabel()
        self.quality.setWordWrap(True)
        self.curve = LossCurve()
        self.samples = QLabel()
        self.samples.setToolTip(SAMPLES_TIP)
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.samples.hide()
        self._poll = QTimer(self)
        self._poll.setInterval(SAMPLES_POLL_MS)
        self._poll.timeout.connect(self.show_latest_samples)
        side = QVBoxLayout()
        side.addWidget(self.curve, 1)
        side.addWidget(self.quality)
        pictures = QHBoxLayout()
        pictures.addWidget(self.samples)
        pictures.addLayout(side, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addLayout(pictures)

    def begin(self, run_folder: Path, total_steps: int, message: str) -> None:
        """A run (new or resumed) into ``run_folder``, to ``total_steps``."""
        if run_folder != self.run_folder:
            self.curve.clear()
            self.quality.clear()
            self.samples.hide()
            self.sample_shown, self.last_step = None, 0
        self.run_folder, self.total_steps = run_folder, total_steps
        self.bar.setRange(0, total_steps)
        self.bar.setValue(min(self.last_step, total_steps))
        self.status.setText(message)
        self._poll.start()

    def end(self, message: str) -> None:
        self._poll.stop()
        self.show_latest_samples()
        self.status.setText(message)

    def on_event(self, record: dict) -> None:
        event = record.get("event")
        if event == "start":
            self.status.setText("Training has started: the first steps come in a moment.")
        elif event == "step":
            self.last_step = int(record["step"])
            self.bar.setValue(self.last_step)
            self.curve.add(self.last_step, float(record["loss"]))
            left = duration_words(float(record.get("eta_s", 0.0)))
            self.status.setText(f"Training: step {self.last_step:,} of {self.total_steps:,}, {left} left.")
        elif event == "validation" and "val_reconstruction_psnr" in record:
            words = quality_words(float(record["val_reconstruction_psnr"]))
            self.quality.setText(f"Quality on frames it has not trained on: {words}.")

    def latest_samples(self) -> Path | None:
        if self.run_folder is None:
            return None
        pictures = sorted((self.run_folder / "samples").glob("step_*.png"))
        return pictures[-1] if pictures else None

    def show_latest_samples(self) -> None:
        latest = self.latest_samples()
        if latest is None or latest == self.sample_shown:
            return
        pixmap = QPixmap(str(latest))
        if pixmap.isNull():  # not readable (yet): the next poll tries again
            return
        self.sample_shown = latest
        self.samples.setPixmap(pixmap.scaledToHeight(SAMPLES_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        self.samples.show()
