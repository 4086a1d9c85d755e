"""Autosave as a user meets it (issue 12, cases 15 and 16): a session that did not close leaves an
autosave; the next one offers it back; a restored project is modified until saved; and an autosave
is offered only until the user has saved or discarded it. Projects never saved are autosaved too,
to the user's data folder, and offered back at the next start (``workstation/ui/shell/app.py``)."""

import sys
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from tests.conftest import ROOT
from tests.ui.conftest import menu_action
from workstation import project as doc
from workstation.kernel.locations import untitled_autosave_folder

Yes, Save, Discard = (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.Save,
                      QMessageBox.StandardButton.Discard)
CLIP = ROOT / "assets" / "demo" / "clips" / "backdrop-2.png"


def crash_after_autosave(window) -> None:
    """The autosave timer fires, then the session ends without closing (as a crash would); the
    window is marked clean so the test's teardown asks nothing."""
    window._autosave_timer.timeout.emit()
    window.document.undo_stack.setClean()


def new_window(qtbot, settings):
    from workstation.ui.shell.main_window import MainWindow

    window = MainWindow(settings)
    qtbot.addWidget(window)
    return window


def titles(answers) -> list[str]:
    titles = [question.title for question in answers.asked]
    answers.asked.clear()
    return titles


def test_a_restored_autosave_is_modified_and_offered_only_until_discarded_or_saved(
        window, qtbot, settings, answers, project_path):
    window.inspector.length.setValue(30)
    crash_after_autosave(window)
    assert doc.autosave_path(project_path).is_file()
    answers.replies["Restore autosave?"] = Yes
    for choice in (Discard, Save):
        if choice == Save:  # the same crash again
            window.inspector.length.setValue(31)
            crash_after_autosave(window)
        answers.asked.clear()
        reopened = new_window(qtbot, settings)
        assert reopened.open_project(project_path)
        assert titles(answers) == ["Restore autosave?"]
        assert reopened.document.shot().length == (30 if choice == Discard else 31)
        assert reopened.document.modified and reopened.isWindowModified()  # not what the file holds
        answers.replies["Unsaved changes"] = choice
        assert reopened.close()
        assert titles(answers) == ["Unsaved changes"]  # closing asks
        assert not doc.autosave_path(project_path).exists()
        again = new_window(qtbot, settings)
        assert again.open_project(project_path)
        assert titles(answers) == []  # not offered again
        assert again.document.shot().length == (24 if choice == Discard else 31)
        assert not again.document.modified


def test_declining_an_autosave_moves_it_aside_and_says_where(window, qtbot, settings, answers, project_path):
    """Issue 15, case 2: No is not asked again at every start, and the changes are not lost silently."""
    from workstation.ui.shell.app import open_first

    window.inspector.length.setValue(30)
    crash_after_autosave(window)
    answers.replies["Restore autosave?"] = QMessageBox.StandardButton.No
    reopened = new_window(qtbot, settings)
    answers.asked.clear()
    open_first(reopened)  # the next start opens the most recent project
    assert titles(answers) == ["Restore autosave?"]
    assert reopened.document.shot().length == 24 and not reopened.document.modified
    assert not doc.autosave_path(project_path).exists()
    kept = project_path.with_name("demo (declined autosave).stopframe")
    assert str(kept) in reopened.statusBar().currentMessage()
    assert doc.load_project(kept).shots[0].length == 30  # File ▸ Open still reaches the changes
    assert doc.missing_clips(doc.load_project(kept)) == []
    assert reopened.close()

    again = new_window(qtbot, settings)
    open_first(again)
    assert again.document.path == project_path.resolve() and titles(answers) == []

    again.inspector.length.setValue(40)  # declined a second time: the first copy stays
    crash_after_autosave(again)
    third = new_window(qtbot, settings)
    open_first(third)
    assert titles(answers) == ["Restore autosave?"]
    second = project_path.with_name("demo (declined autosave) 2.stopframe")
    assert str(second) in third.statusBar().currentMessage()
    assert doc.load_project(kept).shots[0].length == 30 and doc.load_project(second).shots[0].length == 40


def test_an_untitled_project_is_autosaved_and_offered_back_at_the_next_start(qtbot, settings, answers, tmp_path):
    first = new_window(qtbot, settings)
    assert first.document.path is None
    with qtbot.waitSignal(first.clips_imported, timeout=10_000):
        first.import_files([str(CLIP)])
    crash_after_autosave(first)
    saved = list(untitled_autosave_folder().iterdir())
    assert len(saved) == 1 and saved[0].suffix == ".stopframe"
    assert untitled_autosave_folder().is_relative_to(tmp_path)  # the user data folder (tests/ui/conftest.py)

    from workstation.ui.shell.app import open_first

    answers.replies["Restore unsaved project?"] = Yes
    second = new_window(qtbot, settings)
    open_first(second)  # the next start
    assert titles(answers) == ["Restore unsaved project?"]
    project = second.document.project
    assert project.path is None and list(project.clips) == ["backdrop-2"]
    assert doc.clip_path(project, "backdrop-2") == CLIP and not doc.missing_clips(project)
    assert second.document.modified and second.windowTitle().startswith("Untitled")
    second._autosave_timer.timeout.emit()  # it goes on being autosaved under this session's name
    assert len(list(untitled_autosave_folder().iterdir())) == 1

    answers.replies.update({"Unsaved changes": Save, "Save project": str(tmp_path / "rescued.stopframe")})
    assert second.close()
    assert titles(answers) == ["Unsaved changes", "Save project"]
    assert list(doc.load_project(tmp_path / "rescued.stopframe").clips) == ["backdrop-2"]
    assert list(untitled_autosave_folder().iterdir()) == []  # saved: not offered again
    third = new_window(qtbot, settings)
    open_first(third)
    assert "Restore unsaved project?" not in titles(answers)
    assert third.document.path == Path(second.files.recent_files()[0])


def test_an_untitled_autosave_declined_is_kept_aside_and_a_discarded_one_is_gone(qtbot, settings, answers):
    from workstation.ui.shell.app import open_first

    for reply in (QMessageBox.StandardButton.No, Discard):
        first = new_window(qtbot, settings)
        with qtbot.waitSignal(first.clips_imported, timeout=10_000):
            first.import_files([str(CLIP)])
        crash_after_autosave(first)
        assert len(list(untitled_autosave_folder().iterdir())) == 1
        answers.replies["Restore unsaved project?"] = Yes if reply == Discard else reply
        answers.replies["Unsaved changes"] = Discard
        second = new_window(qtbot, settings)
        open_first(second)
        if reply == Discard:
            assert second.document.modified
            assert second.close()
            assert list(untitled_autosave_folder().iterdir()) == []
        else:
            kept = list(untitled_autosave_folder().iterdir())
            assert len(kept) == 1 and kept[0].name.startswith("declined-") and kept[0].suffix == ".stopframe"
            assert str(kept[0]) in second.statusBar().currentMessage()
            assert list(doc.load_project(kept[0]).clips) == ["backdrop-2"]
            assert not doc.missing_clips(doc.load_project(kept[0]))
            assert second.close()
            answers.asked.clear()
            third = new_window(qtbot, settings)
            open_first(third)
            assert "Restore unsaved project?" not in titles(answers)  # not asked again
            kept[0].unlink()


def test_a_change_undone_leaves_no_autosave_to_offer(window, qtbot, settings, answers, project_path):
    """Issue 15, case 2: a model applied, undone, File ▸ New, quit: nothing is unsaved, so the next
    start asks nothing."""
    from workstation.ui.editing import animator_edits as edits
    from workstation.ui.shell.app import open_first

    edits.use_model(window.document, project_path.parent / "some-model")
    window._autosave_timer.timeout.emit()  # the autosave caught the change
    assert doc.autosave_path(project_path).is_file()
    window.document.undo_stack.undo()
    assert not window.document.modified
    menu_action(window, "File", "New Project").trigger()
    assert window.close()
    assert titles(answers) == []  # nothing to save
    assert not doc.autosave_path(project_path).exists()

    for _start in range(2):  # and the start after it
        again = new_window(qtbot, settings)
        open_first(again)
        assert again.document.path == project_path.resolve()
        assert titles(answers) == []
        assert again.close()


def test_quitting_after_discard_raises_nothing(qtbot, settings, answers, monkeypatch):
    """Issue 15, case 8: File ▸ Quit, Discard, and the window goes away without a traceback (the undo
    history used to tell the deleted window that it was clean again)."""
    import shiboken6

    errors: list[str] = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, trace: errors.append(f"{kind.__name__}: {value}"))
    from workstation.ui.shell.main_window import MainWindow

    window = MainWindow(settings)  # not qtbot's to delete: deleting it is the test
    window.show()
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        window.import_files([str(CLIP)])
    assert window.document.modified
    answers.replies["Unsaved changes"] = Discard
    menu_action(window, "File", "Quit").trigger()
    assert titles(answers) == ["Unsaved changes"] and not window.isVisible()
    shiboken6.delete(window)  # what the end of the application does to it
    assert errors == []
