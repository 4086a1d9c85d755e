"""Fixtures for driving the real workstation widgets offscreen: settings and the user's folders in
a temporary folder, a window with the demo project, dialogs answered instead of shown, and real drag-and-drop events."""

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QObject, QPoint, QPointF, QSettings, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QMessageBox

from workstation import project as doc
from workstation.kernel.errors import EXIT_INTERRUPTED
from workstation.ui.shell import dialogs
from workstation.ui.shell.dialogs import Question
from workstation.ui.shell.help import HELP_TEXT
from workstation.ui.train import train_dialog, training_estimate

DEFAULT_ANSWERS = {"open_file": "", "open_files": [], "save_file": "", "question": QMessageBox.StandardButton.No,
                   "warning": None, "about": None, "text": "", "open_folder": "", "choose": ""}


class Answers:
    """Answers every dialog (``workstation/ui/shell/dialogs.py``) as a user who cancels would, except the
    ones given in ``replies`` by dialog title; ``asked`` lists the dialogs in the order they came."""

    def __init__(self):
        self.asked: list[Question] = []
        self.replies: dict[str, object] = {"Unsaved changes": QMessageBox.StandardButton.Discard}

    def __call__(self, question: Question):
        self.asked.append(question)
        return self.replies.get(question.title, DEFAULT_ANSWERS[question.kind])


@pytest.fixture(autouse=True)
def answers(monkeypatch):
    """A modal dialog would wait forever offscreen: every UI test answers them through this."""
    answers = Answers()
    monkeypatch.setattr(dialogs, "answerer", answers)
    return answers


@pytest.fixture(autouse=True)
def user_folders(tmp_path, monkeypatch):
    """The user's data and log folders (autosaves of untitled projects, the demo project, the log
    file; ``workstation.kernel.locations``) in the test's temporary folder, never the real ones."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "user-state"))
    return tmp_path


@pytest.fixture
def settings(tmp_path):
    """QSettings in a temporary INI file, so tests never touch the user's settings."""
    return QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def project_path(tmp_path):
    from workstation.demos.digit_demo import write_demo_project

    return write_demo_project(tmp_path / "demo")


@pytest.fixture
def window(qtbot, settings, project_path):
    from workstation.ui.shell.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    assert window.open_project(project_path)
    wait_for_frame(qtbot, window)
    yield window
    window.document.undo_stack.setClean()  # no unsaved-changes prompt at teardown
    window.viewport.wait()


def wait_for_frame(qtbot, window, frame: int | None = None):
    """Wait until the Canvas shows the current state of the document (at ``frame``)."""
    def shown():
        cached = window.viewport.cached(frame)
        return cached is not None and window.canvas.image is cached.image
    qtbot.waitUntil(shown, timeout=10_000)


def send_drop(widget, mime: QMimeData, point: QPointF, modifiers=Qt.KeyboardModifier.NoModifier) -> bool:
    """A real drag enter, move and drop at ``point``; True when the widget accepted the drop."""
    from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent

    actions, button = Qt.DropAction.CopyAction, Qt.MouseButton.LeftButton
    enter = QDragEnterEvent(point.toPoint(), actions, mime, button, modifiers)
    QApplication.sendEvent(widget, enter)
    if not enter.isAccepted():
        return False
    move = QDragMoveEvent(point.toPoint(), actions, mime, button, modifiers)
    QApplication.sendEvent(widget, move)
    drop = QDropEvent(point, actions, mime, button, modifiers)
    QApplication.sendEvent(widget, drop)
    return drop.isAccepted()


def character_point(window, name: str) -> QPointF:
    """A point of the Canvas where a click picks ``name``: of the pixels it covers and no character
    above it covers, the one nearest its centre (the centre itself may lie between strokes)."""
    canvas = window.canvas
    shape = canvas.shape_of(name)
    assert shape is not None and shape.coverage is not None, f"{name} covers nothing on the canvas"
    rows, columns = shape.coverage.nonzero()
    for i in np.argsort((columns + 0.5 - shape.x) ** 2 + (rows + 0.5 - shape.y) ** 2):
        point = canvas.to_widget(columns[i] + 0.5, rows[i] + 0.5)
        if canvas.character_at(point) == name:
            return point
    raise AssertionError(f"{name} is covered everywhere by the characters above it")


def empty_point(window) -> QPointF:
    """A point of the Canvas image where no character is."""
    canvas = window.canvas
    rect = canvas.image_rect()
    for fx, fy in ((0.05, 0.95), (0.95, 0.95), (0.95, 0.05), (0.05, 0.05), (0.5, 0.95)):
        point = QPointF(rect.left() + fx * rect.width(), rect.top() + fy * rect.height())
        if canvas.character_at(point) is None:
            return point
    raise AssertionError("every corner of the canvas is covered by a character")


def snapshot(window) -> dict:
    return doc.to_dict(window.document.project)


def menu_action(window, menu: str, text: str) -> QAction:
    for entry in window.menuBar().actions():
        if entry.menu() is not None and entry.text().replace("&", "") == menu:
            for action in entry.menu().actions():
                if (action.property(HELP_TEXT) or action.text()).replace("&", "") == text:  # Undo: "Undo Hide…"
                    return action
    raise AssertionError(f"no menu command {menu} ▸ {text}")


def order(window) -> list[str]:
    return [c.name for c in window.document.shot().characters]


def drawn(window) -> list[str]:
    """The characters the engine is asked to draw at the current frame, back to front."""
    document = window.document
    return [c.name for c in doc.render_requests(document.project, document.shot_name, [document.frame])[0].characters]


@pytest.fixture
def trio(window, qtbot):
    """The demo's "duet" shot with a third character: digit 2, digit 7, digit 5 (back to front),
    digit 7 selected."""
    document = window.document
    document.select_shot("duet")
    document.edit_shot("Add digit 5", lambda shot: doc.add_character(
        shot, doc.Character("digit 5", doc.FrameRef("digit-5-square", 0))))
    document.undo_stack.clear()
    document.select_character("digit 7")
    assert order(window) == ["digit 2", "digit 7", "digit 5"]
    wait_for_frame(qtbot, window)
    return window


__all__ = ["QPoint", "Answers", "character_point", "drawn", "empty_point", "menu_action", "order", "send_drop",
           "snapshot", "wait_for_frame"]


class FakeChild(QObject):
    """A child process that runs nothing: the test says what it prints (``record``) and how it ends
    (``finished``), as ``main.py train --progress json`` would."""

    record = Signal(dict)
    finished = Signal(int, str)

    def __init__(self, arguments, parent=None, made=None):
        super().__init__(parent)
        self.arguments = [str(a) for a in arguments]
        self.started = self.ended = self.cancelled = False
        self.finished.connect(lambda *_: setattr(self, "ended", True))
        made.append(self)

    def start(self):
        self.started = True

    def running(self):
        return self.started and not self.ended

    def cancel(self):
        self.cancelled = True

    def wait(self, timeout_ms=0):
        """As QProcess.waitForFinished: a child told to stop has ended when it returns."""
        if self.cancelled and self.running():
            self.finished.emit(EXIT_INTERRUPTED, "stopframe: interrupted")
        return True


def step(number: int, eta_s: float) -> dict:
    return {"event": "step", "step": number, "loss": 0.1, "step_s": 0.1, "eta_s": eta_s, "pairs_per_s": 10.0}


@pytest.fixture
def fake_dialog(window, monkeypatch, tmp_path):
    """File ▸ Train Model on Clips… with every child process a FakeChild; then the warm-up measures
    ``step_s`` a step (it starts at once: the fake child's first step comes with no wait)."""
    children: list[FakeChild] = []
    make = lambda arguments, parent=None: FakeChild(arguments, parent, children)  # noqa: E731
    monkeypatch.setattr(train_dialog, "ChildCommand", make)
    monkeypatch.setattr(training_estimate, "ChildCommand", make)
    monkeypatch.setattr(train_dialog, "models_folder", lambda document: tmp_path / "models")

    def open_it(step_s: float):
        before = set(window.findChildren(train_dialog.TrainDialog))
        menu_action(window, "File", "Train Model on Clips…").trigger()
        (dialog,) = set(window.findChildren(train_dialog.TrainDialog)) - before
        for number in range(1, training_estimate.WARM_UP_STEPS + 1):
            dialog.warm_up.child.record.emit({"event": "step", "step": number, "loss": 1.0, "step_s": step_s})
        assert dialog.estimate.step_s == step_s and dialog.estimate.start_s == 0  # the fake starts at once
        return dialog
    return open_it
