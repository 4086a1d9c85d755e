"""The end of a training run: the current frame as the project's model renders it beside the new
model's render, and the question whether this project should use the new one. Nothing changes
until the animator says so; after the answer, the other model stays one click away (a button that
switches back, itself an undoable edit, as is the switch it undoes).

Both frames are rendered off the UI thread (``QThreadPool.globalInstance()``, which the window
waits for at exit), each by an engine of its own over a copy of the project.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from workstation import project as doc
from workstation.kernel.logs import log_error
from workstation.render.shot_frames import open_engine
from workstation.ui.document import ProjectDocument
from workstation.ui.view.qimages import chw_to_qimage

PICTURE_SIZE = 192  # each render is shown at this size, its pixels kept crisp


def model_words(model: str | Path | None) -> str:
    """How the dialog names a model: 'the demo model' or 'my-digits' (its folder)."""
    return "the demo model" if model is None else f"“{Path(model).name}”"


class _Signals(QObject):
    rendered = Signal(object)  # (the current model's QImage, the new model's QImage)
    failed = Signal(str)


class _CompareJob(QRunnable):
    def __init__(self, project: doc.Project, shot: str, frame: int, bundle: Path, signals: _Signals):
        super().__init__()
        self.project, self.shot, self.frame, self.bundle, self.signals = project, shot, frame, bundle, signals

    def run(self) -> None:
        try:
            request = doc.render_requests(self.project, self.shot, [self.frame])[0]
            images = []
            for model in (self.project.model, str(self.bundle)):
                version = doc.copy_project(self.project)
                version.model = model
                images.append(chw_to_qimage(open_engine(version).render_frame(request)))
        except Exception as error:  # a missing clip, a damaged bundle, a bug: one line, never a crash
            self.signals.failed.emit(log_error("cannot show the new model's render", error))
            return
        self.signals.rendered.emit(tuple(images))


class ModelChoice(QWidget):
    """Hidden until ``compare``; then the two renders, Use It / Keep the Current One, and after the
    answer one button to switch to the other model."""

    chosen = Signal(object)  # the model the project should render with: a bundle folder, None for the demo

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None):
        super().__init__(parent)
        self.document = document
        self.previous: str | None = None  # the project's model (as stored) when the run ended
        self.bundle: Path | None = None  # the new model
        self.decided = False  # the animator has answered: one button switches between the two
        self._signals = _Signals(self)
        self._signals.rendered.connect(self._show_renders)
        self._signals.failed.connect(self._show_failure)
        self.before_picture, self.after_picture = QLabel(), QLabel()
        self.before_caption, self.after_caption = QLabel(), QLabel()
        pictures = QGridLayout()
        for column, (picture, caption) in enumerate(((self.before_picture, self.before_caption),
                                                     (self.after_picture, self.after_caption))):
            picture.setFixedSize(PICTURE_SIZE, PICTURE_SIZE)
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            picture.setStyleSheet("background: palette(base)")
            caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
            pictures.addWidget(picture, 0, column)
            pictures.addWidget(caption, 1, column)
        self.question = QLabel()
        self.question.setWordWrap(True)
        self.use_button = QPushButton("Use It")
        self.keep_button = QPushButton("Keep the Current One")
        self.switch_button = QPushButton()
        self.use_button.clicked.connect(self._use_new)
        self.keep_button.clicked.connect(self._keep_current)
        self.switch_button.clicked.connect(self._switch)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.switch_button, self.keep_button, self.use_button):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(pictures)
        layout.addWidget(self.question)
        layout.addLayout(buttons)
        self.switch_button.hide()
        self.hide()
        document.model_changed.connect(self._update_switch)
        document.replaced.connect(self._update_switch)

    def compare(self, bundle: Path) -> None:
        """Render the current frame with the project's model and with ``bundle``, then ask."""
        project, shot = self.document.project, self.document.shot_name
        self.previous, self.bundle, self.decided = project.model, Path(os.path.normpath(bundle)), False
        self.before_caption.setText(f"Now: {model_words(self.previous)}")
        self.after_caption.setText(f"New: {model_words(self.bundle)}")
        for picture in (self.before_picture, self.after_picture):
            picture.clear()
        self.use_button.show()
        self.keep_button.show()
        self.switch_button.hide()
        self.show()
        if shot is None:
            self._ask("There is no shot to show it on. ")
            return
        self.question.setText("Drawing the current frame with both models…")
        job = _CompareJob(doc.copy_project(project), shot, self.document.frame, self.bundle, self._signals)
        QThreadPool.globalInstance().start(job)

    def use(self, bundle: Path) -> None:
        """Render the project with ``bundle`` at once (the animator asked for it), the two renders
        shown as by ``compare``, and the previous model one click away."""
        self.compare(bundle)
        self._use_new()

    def _show_renders(self, images: tuple[QImage, QImage]) -> None:
        for picture, image in zip((self.before_picture, self.after_picture), images):
            pixmap = QPixmap.fromImage(image)
            picture.setPixmap(pixmap.scaled(PICTURE_SIZE, PICTURE_SIZE, Qt.AspectRatioMode.KeepAspectRatio,
                                            Qt.TransformationMode.FastTransformation))
        self._ask("")

    def _show_failure(self, line: str) -> None:
        self._ask(f"{line.removeprefix('stopframe: ')}. ")

    def _ask(self, before: str) -> None:
        if self.decided:  # answered before the renders came
            self._update_switch()
            return
        self.question.setText(f"{before}Use the new model for this project? Nothing changes until you choose.")

    def _use_new(self) -> None:
        self.chosen.emit(self.bundle)
        self._answered()

    def _keep_current(self) -> None:
        self._answered()

    def _answered(self) -> None:
        self.decided = True
        self.use_button.hide()
        self.keep_button.hide()
        self.switch_button.show()
        self._update_switch()

    def _using_new(self) -> bool:
        return self.bundle is not None and doc.model_path(self.document.project) == self.bundle

    def _switch(self) -> None:
        self.chosen.emit(self.previous if self._using_new() else self.bundle)

    def _update_switch(self) -> None:
        if not self.decided or self.bundle is None:
            return
        new, previous = model_words(self.bundle), model_words(self.previous)
        if self._using_new():
            self.question.setText(f"This project now renders with {new}. Going back to {previous} is one click "
                                  "(or Edit ▸ Undo).")
            self.switch_button.setText("Go Back to the Previous Model")
        else:
            self.question.setText(f"This project renders with {model_words(self.document.project.model)}. "
                                  f"The new model is kept in {self.bundle.parent}, should you want it later.")
            self.switch_button.setText("Use the New Model")
