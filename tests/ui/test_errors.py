"""Faults injected into the workstation (issue 12): an exception in a worker (rendering, import,
export, a child process) or in a slot is one line in the status bar and a traceback in the log file
(``workstation/kernel/logs.py``, in the user log folder), never a crash; and a model bundle that cannot be
loaded is said as such, and stays said (case 6), rather than a wrong message about the clips."""

import json
import shutil
import sys
import threading

from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import wait_for_frame
from workstation import project as doc
from workstation.kernel.locations import asset_path
from workstation.kernel.logs import log_file


class InjectedFault(Exception):
    pass


def fail(*args, **kwargs):
    raise InjectedFault("injected fault")


def assert_reported(window, qtbot, context: str) -> str:
    """The status bar shows one line about the fault, and the log file holds its traceback."""
    qtbot.waitUntil(lambda: "InjectedFault" in window.statusBar().currentMessage(), timeout=10_000)
    message = window.statusBar().currentMessage()
    assert message.startswith(context) and "\n" not in message
    assert f"InjectedFault: injected fault (details in {log_file()})" in message
    logged = log_file().read_text()
    assert "Traceback (most recent call last)" in logged and "InjectedFault: injected fault" in logged
    assert window.isVisible()
    return message


def test_an_exception_in_the_render_worker_is_a_line_and_a_log(window, qtbot, monkeypatch):
    monkeypatch.setattr(window.viewport.engine, "render_requests", fail)
    window.scrub(5)
    assert_reported(window, qtbot, "rendering failed: ")
    assert "user-state" in str(log_file())  # the user log folder (tests/ui/conftest.py)
    monkeypatch.undo()
    window.scrub(6)
    wait_for_frame(qtbot, window, 6)  # the renderer carries on


def test_an_exception_in_a_slot_is_a_line_and_a_log(window, qtbot, monkeypatch):
    from workstation.ui.shell.error_report import install

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # both restored after the test
    monkeypatch.setattr(threading, "excepthook", threading.excepthook)
    install(window.show_problem, window)  # as workstation/ui/shell/app.py's run does
    monkeypatch.setattr(window.player, "step", fail)
    next_frame = next(a for a in window.findChildren(QAction) if a.text() == "Next Frame")
    next_frame.trigger()
    QApplication.processEvents()
    assert_reported(window, qtbot, "internal error: ")
    window.document.set_frame(3)  # the window goes on working
    wait_for_frame(qtbot, window, 3)


def test_an_exception_in_an_import_is_a_line_and_a_log_and_the_import_ends(window, qtbot, monkeypatch):
    from workstation.ui.files import import_job

    monkeypatch.setattr(import_job, "probe", fail)
    before = dict(window.document.project.clips)
    with qtbot.waitSignal(window.clips_imported, timeout=10_000) as imported:
        window.import_files([str(asset_path("demo", "clips", "backdrop-2.png"))])
    assert imported.args == [[]] and window.document.project.clips == before
    assert_reported(window, qtbot, "")
    assert window.importer.jobs == []


def test_an_exception_in_an_export_is_a_line_and_a_log(window, qtbot, monkeypatch, tmp_path):
    from workstation.output import shot_writer
    from workstation.output.export_request import ExportRequest
    from workstation.output.formats import OutputFormat

    monkeypatch.setattr(shot_writer, "render_shot", fail)
    request = ExportRequest.of_shot(window.document.project, "demo", tmp_path / "out.gif", OutputFormat.GIF)
    job = window.export_shot(request)
    assert job is not None
    QThreadPool.globalInstance().waitForDone(30_000)  # the job has ended, its signals are posted
    QApplication.processEvents()
    assert_reported(window, qtbot, "export of demo failed: ")
    assert not (tmp_path / "out.gif").exists()


def test_a_child_process_that_crashes_is_logged(qtbot, monkeypatch):
    from workstation.ui.train import child_process

    crash = "import sys; sys.stderr.write('Traceback (most recent call last):\\nInjectedFault: boom\\n'); sys.exit(1)"
    monkeypatch.setattr(child_process, "CLI_MODULE", ["-c", crash])
    child = child_process.ChildCommand(["train"])
    with qtbot.waitSignal(child.finished, timeout=30_000) as finished:
        child.start()
    assert finished.args == [1, f"InjectedFault: boom (details in {log_file()})"]
    assert "InjectedFault: boom" in log_file().read_text()


def test_a_broken_model_bundle_is_said_and_stays_said(qtbot, settings, tmp_path, project_path):
    """Case 6 through the real path: a project naming a copy of the demo bundle whose model.json
    has a bad ``feature_shape``, opened at start (after the empty project a window begins with)."""
    from workstation.ui.shell.main_window import MainWindow

    bundle = tmp_path / "broken-model"
    shutil.copytree(asset_path("models", "demo"), bundle)
    metadata = json.loads((bundle / "model.json").read_text())
    metadata["feature_shape"] = 64
    (bundle / "model.json").write_text(json.dumps(metadata))
    project = doc.load_project(project_path)
    project.model = str(bundle)
    doc.save_project(project, tmp_path / "broken.stopframe")

    window = MainWindow(settings)
    qtbot.addWidget(window)
    window.show()
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    assert window.open_project(tmp_path / "broken.stopframe")
    message = window.statusBar().currentMessage()
    assert message.startswith(str(bundle)) and "\n" not in message
    assert window.viewport.engine is None  # not the old engine over the new project
    assert window.device_label.text() == message  # the permanent part of the status bar keeps saying it
    for frame in (3, 7):  # then the user goes on: nothing says anything wrong
        window.scrub(frame)
        window.viewport.wait()
        QApplication.processEvents()
    assert window.device_label.text() == message
    assert [line for line in said if line] == [message]
