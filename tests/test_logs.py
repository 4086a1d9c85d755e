"""The log file (workstation/kernel/logs.py): tracebacks of bugs in the user log folder, bounded in size;
a user's error is its one line alone; a log folder that cannot be written never raises."""

import pytest

from workstation.kernel import logs
from workstation.kernel.errors import StopframeError


@pytest.fixture(autouse=True)
def log_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    yield tmp_path / "state"
    logs.close()


def raised(error: BaseException) -> BaseException:
    try:
        raise error
    except BaseException as caught:
        return caught


def test_a_bug_is_logged_with_its_traceback_and_the_line_says_where(log_folder):
    line = logs.log_error("rendering failed", raised(ZeroDivisionError("division by zero")))
    assert logs.log_file().is_relative_to(log_folder)
    assert line == f"rendering failed: ZeroDivisionError: division by zero (details in {logs.log_file()})"
    text = logs.log_file().read_text()
    assert "rendering failed\nTraceback (most recent call last)" in text and "raise error" in text


def test_a_users_error_is_its_line_alone():
    line = logs.log_error("rendering failed", raised(StopframeError("not a video", "clip.mp4")))
    assert line == "rendering failed: clip.mp4: not a video"
    assert not logs.log_file().exists()


def test_the_log_is_rotated_so_it_stays_bounded(monkeypatch):
    monkeypatch.setattr(logs, "MAX_BYTES", 10_000)
    logs.close()  # opened again with the smaller size
    for _ in range(200):
        logs.log_error("a bug", raised(RuntimeError("x" * 500)))
    files = sorted(logs.log_file().parent.iterdir())
    assert [f.name for f in files] == ["stopframe.log", "stopframe.log.1", "stopframe.log.2"]
    assert all(f.stat().st_size <= 10_000 + 2_000 for f in files)


def test_a_log_folder_that_cannot_be_made_goes_to_stderr(tmp_path, monkeypatch, capsys):
    (tmp_path / "blocked").write_text("a file where the folder would go")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "blocked"))
    line = logs.log_error("a bug", raised(RuntimeError("boom")))
    assert line == "a bug: RuntimeError: boom (details on stderr)"
    assert "RuntimeError: boom" in capsys.readouterr().err
