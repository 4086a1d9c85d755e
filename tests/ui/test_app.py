"""Starting the workstation: which project opens first, and a bad project path on the command line."""

from tests.conftest import assert_one_line_exit_2, run_cli


def test_first_start_opens_the_demo_project_then_the_most_recent_one(qtbot, settings, tmp_path, monkeypatch):
    from workstation import project as doc
    from workstation.ui.shell.app import first_project
    from workstation.ui.shell.main_window import MainWindow

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    window = MainWindow(settings)
    qtbot.addWidget(window)
    demo = first_project(window)
    assert demo == tmp_path / "data" / "stopframe" / "demo" / "demo.stopframe"
    project = doc.load_project(demo)
    assert project.shots and not doc.missing_clips(project)
    assert window.open_project(demo)
    assert window.document.shot().characters
    mine = tmp_path / "mine.stopframe"
    window.files.save_to(mine)
    assert first_project(window) == mine


def test_a_missing_project_on_the_command_line_is_one_line():
    done = run_cli("nowhere.stopframe")
    assert_one_line_exit_2(done, "nowhere.stopframe")
