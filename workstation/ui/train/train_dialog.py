"""File ▸ Train Model on Clips…: train a model on clips of the project, export it as a bundle and
offer it to the project, all in child processes (``child_process.py``) while editing goes on.

How long it takes is one estimate, in one place (``duration``): measured by a short warm-up before
the run starts, then corrected by the run's own pace as it runs (``training_estimate.py``). While it
runs, its progress, sample pictures and quality are said in plain words (``training_progress.py``);
at its end the current frame drawn by the new model is shown beside the current model's, and the
project changes model only if the animator says so (``model_choice.py``). The run folder and the
bundle go beside the project, in ``models/`` (for a project not saved yet, in the per-user data
folder). Cancel stops training after the step under way, with a checkpoint and that model's
pictures; then the model so far can be used (its last checkpoint exported as a bundle, as
``main.py export-model`` does, and the project switched to it), or Resume continues the run
(``main.py train --resume``), or Close leaves it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workstation import project as doc
from workstation.demos.digit_demo import default_demo_folder
from workstation.kernel.errors import EXIT_INTERRUPTED
from workstation.media.clip_specs import spec_text
from workstation.ui.document import ProjectDocument
from workstation.ui.train.child_process import ChildCommand
from workstation.ui.train.model_choice import ModelChoice
from workstation.ui.train.start_from import StartFrom
from workstation.ui.train.training_estimate import (
    Estimate,
    TimeLeft,
    WarmUp,
    duration_words,
    left_words,
    validation_steps,
)
from workstation.ui.train.training_progress import TrainingProgress

MIN_FRAMES = 4  # shorter clips cannot give both a training part and a held-out part (training/data/clips.py)
DEFAULT_STEPS = 3000


def models_folder(document: ProjectDocument) -> Path:
    base = document.path.parent if document.path else default_demo_folder().parent
    return base / "models"


def free_name(folder: Path, wanted: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", wanted).strip("-.") or "model"
    name, number = stem, 2
    while (folder / name).exists() or (folder / f"{name}-training").exists():
        name, number = f"{stem}-{number}", number + 1
    return name


def plain_line(line: str) -> str:
    """A child's last line for the dialog: without the program's name or the command to resume."""
    return line.removeprefix("stopframe: ").split("; continue with:")[0]


class TrainDialog(QDialog):
    model_ready = Signal(str)  # the folder of the exported bundle, before the animator chose it
    model_chosen = Signal(object)  # the model the project should render with: a bundle folder, None for the demo

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None,
                 extra_arguments: tuple[str, ...] = ()):
        super().__init__(parent)
        self.setWindowTitle("Train a Model on Clips")
        self.document, self.extra_arguments = document, tuple(extra_arguments)
        self.child: ChildCommand | None = None
        self.run_folder: Path | None = None
        self.bundle_folder: Path | None = None
        self.estimate: Estimate | None = None  # the warm-up's
        self.time_left = TimeLeft(None)  # the one estimate shown, in ``duration``
        self.training = False  # a training run (not an export) is under way
        self.partial_folder: Path | None = None  # the bundle of a stopped run's model, once used

        self.clips = QListWidget()
        for name, clip in document.project.clips.items():
            frames = "1 frame: a still, nothing moves" if clip.frame_count == 1 else f"{clip.frame_count} frames"
            item = QListWidgetItem(f"{name} · {frames}")
            item.setData(Qt.ItemDataRole.UserRole, name)
            usable = clip.frame_count >= MIN_FRAMES
            enabled = Qt.ItemFlag.ItemIsEnabled if usable else Qt.ItemFlag.NoItemFlags
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | enabled)
            item.setCheckState(Qt.CheckState.Checked if usable else Qt.CheckState.Unchecked)
            if not usable:
                item.setToolTip(f"needs at least {MIN_FRAMES} frames")
            self.clips.addItem(item)
        self.start_from = StartFrom(document.project)
        self.name = QLineEdit("my-model")
        self.steps = QSpinBox()
        self.steps.setRange(10, 1_000_000)
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setSingleStep(500)
        self.steps.setSuffix(" steps")
        self.steps.setToolTip("Longer training gives better pictures, up to a point")
        self.duration = QLabel()
        self.max_gap = QSpinBox()
        self.max_gap.setRange(1, 1000)
        self.max_gap.setValue(4)
        self.max_gap.setToolTip("The two frames it learns from at a time are at most this many frames apart")
        form = QFormLayout()
        form.addRow("Clips", self.clips)
        form.addRow("Start from", self.start_from)
        form.addRow("Name", self.name)
        form.addRow("Training length", self.steps)
        form.addRow("", self.duration)
        form.addRow("Frames apart, at most", self.max_gap)
        # shown only where this computer has more than one GPU: one training process on each
        self.gpus = QSpinBox()
        self.gpus.setToolTip("Training runs on this many graphics cards at once, each on its own share of the pairs")
        form.addRow("Graphics cards", self.gpus)
        form.setRowVisible(self.gpus, False)
        self.form = form

        self.progress = TrainingProgress()
        self.status = self.progress.status
        self.choice = ModelChoice(document)
        self.choice.chosen.connect(self.model_chosen)
        self.start_button = QPushButton("Train")
        self.use_partial_button = QPushButton("Use the Model So Far")
        self.use_partial_button.setToolTip("Save the model as it is now and render this project with it; "
                                           "Resume can still carry on training")
        self.use_partial_button.hide()
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Carry on from where it stopped, to the training length above")
        self.resume_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.start_button.clicked.connect(self.start)
        self.resume_button.clicked.connect(self.resume)
        self.use_partial_button.clicked.connect(self.use_partial)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.use_partial_button)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.choice)
        layout.addLayout(buttons)
        self.resize(620, 720)

        self.warm_up = WarmUp(self)
        self.warm_up.measured.connect(self._on_estimate)
        self.warm_up.failed.connect(lambda line: self.duration.setText(f"How long it takes is unknown: {line}"))
        self.steps.valueChanged.connect(self._show_duration)
        self.clips.itemChanged.connect(lambda item: self._measure())
        self.start_from.currentIndexChanged.connect(lambda index: self._measure(again=True))
        self._measure()
        self.devices = ChildCommand(["devices", "--json"], self)  # the workstation never imports torch
        self.devices.record.connect(self._on_devices)
        self.devices.start()

    def _on_devices(self, found: dict) -> None:
        count = len(found.get("gpus", []))
        if count > 1:
            self.gpus.setRange(1, count)
            self.gpus.setValue(count)
            self.form.setRowVisible(self.gpus, True)

    def processes(self) -> list[str]:
        """``--nproc-per-node N`` where more than one graphics card trains (a resumed run keeps its N)."""
        count = self.gpus.value() if self.form.isRowVisible(self.gpus) else 1
        return ["--nproc-per-node", str(count)] if count > 1 else []

    def chosen_clips(self) -> list[str]:
        items = (self.clips.item(i) for i in range(self.clips.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    def training_arguments(self, run_folder: Path | None = None, steps: int | None = None) -> list[str]:
        """``main.py train`` for this form, into ``run_folder`` (the run's) for ``steps`` (the form's)."""
        arguments = ["train", "--out", str(run_folder or self.run_folder), "--steps", str(steps or self.steps.value()),
                     "--set", f"max_gap={self.max_gap.value()}",
                     "--set", f"val_every={validation_steps(self.estimate)}",  # the quality about every minute
                     "--progress", "json", *self.start_from.arguments(), *self.processes()]
        project = self.document.project
        for name in self.chosen_clips():  # a clip cut from a sheet goes with its cut (grid row or tag)
            arguments += ["--clip", spec_text(doc.clip_path(project, name), project.clips[name].sheet)]
        return arguments + list(self.extra_arguments)

    # -- the estimate ------------------------------------------------------------------------------
    def _measure(self, again: bool = False) -> None:
        """Start the warm-up once there are clips to train on (and no run has started); ``again``
        when what it measured no longer holds (another model to start from)."""
        if again and self.run_folder is None:
            self.warm_up.stop()
            self.estimate = self.time_left.estimate = None
        if self.estimate is not None or self.warm_up.running() or self.run_folder is not None:
            return
        if not self.chosen_clips():
            self.duration.setText("Choose a clip to see how long training takes.")
            return
        self.duration.setText("Measuring how fast this computer trains…")
        self.warm_up.start(lambda folder, steps: self.training_arguments(folder, steps))

    def _on_estimate(self, estimate: Estimate) -> None:
        self.estimate = self.time_left.estimate = estimate
        self._show_duration()

    def _show_duration(self) -> None:
        """The one estimate, while no run is under way: of the whole run, or of carrying on a stopped one."""
        if self.training:
            return  # the run's step events say it
        done = self.progress.last_step if self.run_folder is not None else 0
        seconds = self.time_left.seconds(self.steps.value() - done, starts=2)
        if seconds is None:
            return
        if self.run_folder is None:
            self.duration.setText(f"Takes {duration_words(seconds)} on this computer.")
        else:
            self.duration.setText(f"Carrying on to {self.steps.value():,} steps takes {duration_words(seconds)}.")

    def _show_time_left(self, record: dict) -> None:
        if not self.training or record.get("event") != "step":
            return
        self.time_left.on_step(record, self.steps.value())
        seconds = self.time_left.seconds(self.steps.value() - int(record["step"]), starts=1)  # the export is left
        if seconds is not None:
            self.duration.setText(left_words(seconds))

    # -- the run -----------------------------------------------------------------------------------
    def start(self) -> None:
        if not self.chosen_clips():
            self.status.setText("Choose at least one clip to train on.")
            return
        self.warm_up.stop()  # the computer's cores are the run's now
        folder = models_folder(self.document)
        name = free_name(folder, self.name.text())
        self.run_folder, self.bundle_folder = folder / f"{name}-training", folder / name
        for widget in (self.clips, self.start_from, self.name, self.steps, self.max_gap, self.gpus, self.start_button):
            widget.setEnabled(False)
        self.time_left = TimeLeft(self.estimate)
        self._begin_training("Starting training…", self.training_arguments())

    def resume(self) -> None:
        """Continue a stopped run from its last checkpoint (to the training length now set)."""
        assert self.run_folder is not None  # Resume shows only after a run stopped
        self.time_left = self.time_left.carried_on(self.progress.last_step)
        self._begin_training(f"Resuming at step {self.progress.last_step:,}…",
                             ["train", "--resume", "--out", str(self.run_folder), "--steps", str(self.steps.value()),
                              "--progress", "json", *self.processes()])

    def _begin_training(self, what: str, arguments: list[str]) -> None:
        assert self.run_folder is not None  # set by start()
        self._offer_stopped_run(False)
        seconds = self.time_left.seconds(self.steps.value() - self.progress.last_step, starts=2)
        self.duration.setText("How long it takes is said after its first steps." if seconds is None
                              else left_words(seconds))
        self.training = True
        self.progress.begin(self.run_folder, self.steps.value(), f"{what} You can go on animating meanwhile.")
        self._run(arguments, self._on_trained)

    def _run(self, arguments: list[str], then: Callable[[int, str], None]) -> None:
        self.cancel_button.setText("Cancel")
        self.child = ChildCommand(arguments, self)
        self.child.record.connect(self.progress.on_event)
        self.child.record.connect(self._show_time_left)
        self.child.finished.connect(then)
        self.child.start()

    def _offer_stopped_run(self, offered: bool) -> None:
        """Resume, Use the Model So Far and the training length, offered after a run stopped."""
        self.steps.setEnabled(offered)
        self.resume_button.setVisible(offered)
        self.use_partial_button.setVisible(offered)

    def _on_trained(self, code: int, last_line: str) -> None:
        assert self.run_folder is not None and self.bundle_folder is not None  # set by start()
        self.training = False
        if code != 0:
            resumable = (self.run_folder / "checkpoints" / "last.pt").is_file()
            self.progress.show_latest_samples()
            if code == EXIT_INTERRUPTED and resumable:
                pictures = " Its drawings so far are shown below." if self.progress.sample_shown else ""
                message = (f"Stopped at step {self.progress.last_step:,} of {self.steps.value():,}.{pictures} Use "
                           "the Model So Far saves it and renders this project with it; Resume carries on from "
                           "there, and you may change the training length first.")
            else:
                message = plain_line(last_line) or f"Training stopped unexpectedly (exit code {code})."
            self._finish(message)
            if resumable:
                self._offer_stopped_run(True)
                self._show_duration()
            return
        self.duration.clear()
        self.status.setText("Training is done. Saving the model…")
        self._run(["export-model", str(self.run_folder / "checkpoints" / "best.pt"), "--out", str(self.bundle_folder)],
                  self._on_exported)

    def use_partial(self) -> None:
        """Export the stopped run's last checkpoint as a bundle of its own, then render the project with it."""
        assert self.run_folder is not None and self.bundle_folder is not None  # shown only after a run stopped
        step = self.progress.last_step
        folder = self.bundle_folder.parent
        self.partial_folder = folder / free_name(folder, f"{self.bundle_folder.name}-at-step-{step}")
        self._offer_stopped_run(False)
        self.status.setText(f"Saving the model as it is at step {step:,}…")
        self._run(["export-model", str(self.run_folder / "checkpoints" / "last.pt"), "--out", str(self.partial_folder)],
                  self._on_partial_exported)

    def _on_partial_exported(self, code: int, last_line: str) -> None:
        assert self.partial_folder is not None  # set by use_partial()
        if code != 0:
            self._finish(plain_line(last_line) or f"Saving the model failed (exit code {code}).")
            self._offer_stopped_run(True)
            return
        self._finish(f"The model as it is at step {self.progress.last_step:,} is saved as "
                     f"“{self.partial_folder.name}”, and this project renders with it now. Resume carries on "
                     "training from there.")
        self._offer_stopped_run(True)
        self.use_partial_button.hide()  # it is in use
        self.model_ready.emit(str(self.partial_folder))
        self.choice.use(self.partial_folder)

    def _on_exported(self, code: int, last_line: str) -> None:
        assert self.bundle_folder is not None  # set by start()
        if code != 0:
            self._finish(plain_line(last_line) or f"Saving the model failed (exit code {code}).")
            return
        self._finish(f"Done: the model is saved as “{self.bundle_folder.name}”. Here is the current frame "
                     "drawn by the project's model and by the new one:")
        self.model_ready.emit(str(self.bundle_folder))
        self.choice.compare(self.bundle_folder)

    def _finish(self, message: str) -> None:
        self.progress.end(message)
        self.cancel_button.setText("Close")
        self.child = None

    def cancel(self) -> None:
        if self.child is not None and self.child.running():
            self.status.setText("Stopping after the step under way…" if self.training else "Stopping…")
            self.child.cancel()
            return
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self.warm_up.stop()
        if self.devices.running():
            self.devices.cancel()
            self.devices.wait()
        if self.child is not None and self.child.running():
            self.child.cancel()
            self.child.wait()
        super().closeEvent(event)
