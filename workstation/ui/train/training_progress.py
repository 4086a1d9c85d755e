"""A training run's progress in plain words, from its ``--progress json`` events: how far it is, how
its drawings compare on frames it has not trained on with two ways to draw them without a model
(``validation`` events), the error curve (``loss_curve.py``) and each sample picture the run writes
(``samples`` events: the first within the first minute, then about every minute). How long is left
is the dialog's one estimate (``training_estimate.TimeLeft``), said nowhere here."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QVBoxLayout, QWidget

from workstation.ui.train.loss_curve import LossCurve

SAMPLES_HEIGHT = 200  # the sample pictures are shown scaled to this height
SAMPLES_TIP = ("Pictures of frames it has not trained on. Each row: a frame, a later frame, the model's own "
               "drawing of the later frame, then the background and the character as the model sees them.")
QUALITY_TIP = ("Measured on pairs of frames from the end of each clip, kept out of training: how close its drawing "
               "of the second frame is to the real one (in dB, higher is closer; 1 dB is plain to see), beside "
               "the first frame copied as it is, beside the first frame's pixels moved by optical flow, and "
               "beside the model it started from.")
COPY, FLOW = "copying the frame", "moving its pixels by optical flow"
START = "the model it started from"


def against(gain: float, peer: str) -> str:
    """'better than copying the frame by 1.2 dB', or 'not yet better than …' when it does not win by 0.1 dB."""
    if round(gain, 1) > 0:
        return f"better than {peer} by {gain:.1f} dB"
    return f"not yet better than {peer}" + (f" ({-gain:.1f} dB behind)" if round(gain, 1) < 0 else "")


def quality_words(scores: dict) -> str | None:
    """The quality of a validation event in words: the model's PSNR against Copy's and the optical
    flow's on the same held-out pairs (training/evaluation/validation.py), and in a run that started
    from a model, against that model's (``start_val_model_psnr``, measured at step 0); None without them."""
    model, copy, flow = (scores.get(f"val_{name}_psnr") for name in ("model", "copy", "flow"))
    if model is None or copy is None:
        return None
    words = [against(float(model) - float(copy), COPY)]
    if flow is not None:
        words.append(against(float(model) - float(flow), FLOW))
    start = scores.get("start_val_model_psnr")
    if start is None:
        return f"On frames it has not trained on: {'; '.join(words)}."
    if int(scores.get("step", 0)) == 0:
        return f"The model it starts from, on frames it will not train on: {'; '.join(words)}."
    return f"On frames it has not trained on: {against(float(model) - float(start), START)}; {'; '.join(words)}."


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
        self.quality.setToolTip(QUALITY_TIP)
        self.curve = LossCurve()
        self.samples = QLabel()
        self.samples.setToolTip(SAMPLES_TIP)
        self.samples.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.samples_caption = QLabel()
        self.samples_caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.samples.hide()
        self.samples_caption.hide()
        pictures_side = QVBoxLayout()
        pictures_side.addWidget(self.samples)
        pictures_side.addWidget(self.samples_caption)
        side = QVBoxLayout()
        side.addWidget(self.curve, 1)
        side.addWidget(self.quality)
        pictures = QHBoxLayout()
        pictures.addLayout(pictures_side)
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
            self.samples_caption.hide()
            self.sample_shown, self.last_step = None, 0
        self.run_folder, self.total_steps = run_folder, total_steps
        self.bar.setRange(0, total_steps)
        self.bar.setValue(min(self.last_step, total_steps))
        self.status.setText(message)

    def end(self, message: str) -> None:
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
            self.status.setText(f"Training: step {self.last_step:,} of {self.total_steps:,}.")
        elif event == "validation":
            words = quality_words(record)
            if words is not None:
                self.quality.setText(words)
        elif event == "samples" and self.run_folder is not None:
            self.show_samples(self.run_folder / "samples" / Path(str(record["path"])).name, int(record["step"]))

    def show_samples(self, picture: Path, step: int) -> None:
        pixmap = QPixmap(str(picture))
        if pixmap.isNull():  # not readable: the pictures shown stay
            return
        self.sample_shown = picture
        self.samples.setPixmap(pixmap.scaledToHeight(SAMPLES_HEIGHT, Qt.TransformationMode.SmoothTransformation))
        self.samples_caption.setText(f"Its drawings at step {step:,}")
        self.samples.show()
        self.samples_caption.show()

    def latest_samples(self) -> Path | None:
        if self.run_folder is None:
            return None
        pictures = sorted((self.run_folder / "samples").glob("step_*.png"))
        return pictures[-1] if pictures else None

    def show_latest_samples(self) -> None:
        """The run folder's latest picture, where no event named it (a run that ended before)."""
        latest = self.latest_samples()
        if latest is not None and latest != self.sample_shown:
            step = latest.stem.removeprefix("step_")
            self.show_samples(latest, int(step) if step.isdigit() else self.last_step)
