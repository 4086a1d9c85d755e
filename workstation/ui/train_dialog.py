"""File ▸ Train Model on Clips…: train a model on clips of the project, export it as a bundle and
hand it to the window, all in child processes (``child_process.py``) while editing goes on.

The run folder and the bundle go beside the project, in ``models/`` (for a project not saved yet,
in the per-user data folder). Cancel stops training after the step under way, with a checkpoint
that Resume (or ``main.py train --resume --out RUN``) continues.
"""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from workstation import project as doc
from workstation.demo_project import default_demo_folder
from workstation.ui.child_process import ChildCommand
from workstation.ui.document import ProjectDocument

MIN_FRAMES = 8  # shorter clips cannot give both a training part and a held-out part


def models_folder(document: ProjectDocument) -> Path:
    base = document.path.parent if document.path else default_demo_folder().parent
    return base / "models"


def free_name(folder: Path, wanted: str) -> str:
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", wanted).strip("-.") or "model"
    name, number = stem, 2
    while (folder / name).exists() or (folder / f"{name}-training").exists():
        name, number = f"{stem}-{number}", number + 1
    return name


class TrainDialog(QDialog):
    model_ready = Signal(str)  # the folder of the exported bundle

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None,
                 extra_arguments: tuple[str, ...] = ()):
        super().__init__(parent)
        self.setWindowTitle("Train a Model on Clips")
        self.document, self.extra_arguments = document, tuple(extra_arguments)
        self.child: ChildCommand | None = None
        self.run_folder: Path | None = None
        self.bundle_folder: Path | None = None

        self.clips = QListWidget()
        for name, clip in document.project.clips.items():
            item = QListWidgetItem(f"{name} · {clip.frame_count} frames")
            item.setData(Qt.ItemDataRole.UserRole, name)
            usable = clip.frame_count >= MIN_FRAMES
            enabled = Qt.ItemFlag.ItemIsEnabled if usable else Qt.ItemFlag.NoItemFlags
            item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | enabled)
            item.setCheckState(Qt.CheckState.Checked if usable else Qt.CheckState.Unchecked)
            if not usable:
                item.setToolTip(f"needs at least {MIN_FRAMES} frames")
            self.clips.addItem(item)
        self.name = QLineEdit("my-model")
        self.steps = QSpinBox()
        self.steps.setRange(10, 1_000_000)
        self.steps.setValue(3000)
        self.steps.setSingleStep(500)
        self.max_gap = QSpinBox()
        self.max_gap.setRange(1, 1000)
        self.max_gap.setValue(4)
        self.max_gap.setToolTip("The two frames of a training pair are at most this many frames apart")
        form = QFormLayout()
        form.addRow("Clips", self.clips)
        form.addRow("Name", self.name)
        form.addRow("Steps", self.steps)
        form.addRow("Frames apart, at most", self.max_gap)

        self.progress = QProgressBar()
        self.status = QLabel("Training runs in the background; the model is yours to use when it ends.")
        self.status.setWordWrap(True)
        self.start_button = QPushButton("Train")
        self.resume_button = QPushButton("Resume")
        self.resume_button.setToolTip("Continue the stopped run from its checkpoint, to the steps above")
        self.resume_button.hide()
        self.cancel_button = QPushButton("Cancel")
        self.start_button.clicked.connect(self.start)
        self.resume_button.clicked.connect(self.resume)
        self.cancel_button.clicked.connect(self.cancel)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.resume_button)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.progress)
        layout.addWidget(self.status)
        layout.addLayout(buttons)
        self.resize(480, 460)

    def chosen_clips(self) -> list[str]:
        items = (self.clips.item(i) for i in range(self.clips.count()))
        return [item.data(Qt.ItemDataRole.UserRole) for item in items if item.checkState() == Qt.CheckState.Checked]

    def training_arguments(self) -> list[str]:
        arguments = ["train", "--out", str(self.run_folder), "--steps", str(self.steps.value()),
                     "--set", f"max_gap={self.max_gap.value()}", "--progress", "json"]
        for name in self.chosen_clips():
            arguments += ["--clip", str(doc.clip_path(self.document.project, name))]
        return arguments + list(self.extra_arguments)

    def start(self) -> None:
        if not self.chosen_clips():
            self.status.setText("Choose at least one clip to train on.")
            return
        folder = models_folder(self.document)
        name = free_name(folder, self.name.text())
        self.run_folder, self.bundle_folder = folder / f"{name}-training", folder / name
        self.progress.setRange(0, self.steps.value())
        self.progress.setValue(0)
        for widget in (self.clips, self.name, self.steps, self.max_gap, self.start_button):
            widget.setEnabled(False)
        self.status.setText(f"Starting training in {self.run_folder}…")
        self._run(self.training_arguments(), self._on_trained)

    def resume(self) -> None:
        """Continue a stopped run from its last checkpoint (to the number of steps now set)."""
        self.resume_button.hide()
        self.steps.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.progress.setRange(0, self.steps.value())
        self.status.setText(f"Resuming training in {self.run_folder}…")
        self._run(["train", "--resume", "--out", str(self.run_folder), "--steps", str(self.steps.value()),
                   "--progress", "json"], self._on_trained)

    def _run(self, arguments: list[str], then) -> None:
        self.child = ChildCommand(arguments, self)
        self.child.record.connect(self._on_event)
        self.child.finished.connect(then)
        self.child.start()

    def _on_event(self, record: dict) -> None:
        if record.get("event") == "step":
            self.progress.setValue(int(record["step"]))
            minutes = record.get("eta_s", 0) / 60
            self.status.setText(f"Training: step {record['step']} of {self.steps.value()}, loss "
                                f"{record['loss']:.4f}, about {minutes:.0f} min left")
        elif record.get("event") == "validation":
            self.progress.setFormat(f"%v / %m · held-out {record['val_reconstruction_psnr']:.1f} dB")

    def _on_trained(self, code: int, last_line: str) -> None:
        assert self.run_folder is not None and self.bundle_folder is not None  # set by start()
        if code != 0:
            self._finish(last_line or f"training ended with exit code {code}")
            if (self.run_folder / "checkpoints" / "last.pt").is_file():
                self.steps.setEnabled(True)
                self.resume_button.show()
            return
        self.status.setText(f"Exporting the model to {self.bundle_folder}…")
        self._run(["export-model", str(self.run_folder / "checkpoints" / "best.pt"), "--out", str(self.bundle_folder)],
                  self._on_exported)

    def _on_exported(self, code: int, last_line: str) -> None:
        assert self.bundle_folder is not None  # set by start()
        if code != 0:
            self._finish(last_line or f"export ended with exit code {code}")
            return
        self._finish(f"Done: the project now renders with {self.bundle_folder.name} (Edit ▸ Undo goes back).")
        self.model_ready.emit(str(self.bundle_folder))

    def _finish(self, message: str) -> None:
        self.status.setText(message.removeprefix("stopframe: "))
        self.cancel_button.setText("Close")
        self.child = None

    def cancel(self) -> None:
        if self.child is not None and self.child.running():
            self.status.setText("Stopping after the step under way…")
            self.child.cancel()
            return
        self.close()

    def closeEvent(self, event) -> None:
        if self.child is not None and self.child.running():
            self.child.cancel()
            self.child.wait()
        super().closeEvent(event)
