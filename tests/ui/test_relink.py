"""Clips that moved (workstation/ui/files/relink_dialog.py): opening a project whose clips folder was renamed offers
to find them; the user shows one, the others in that folder follow, in one undo step."""

import json
import shutil

import pytest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import menu_action, wait_for_frame
from workstation import project as doc
from workstation.render.shot_frames import changed_clips

YES = QMessageBox.StandardButton.Yes
OFFER, RELINK = "Missing clips", "Relink Missing Clips…"
CHANGED = "Clip images changed"


@pytest.fixture
def moved(tmp_path):
    """A copy of the demo project whose clips folder ``clips/`` was renamed ``footage/`` since it was saved."""
    from workstation.demos.digit_demo import DEMO_CLIPS, write_demo_project

    shutil.copytree(DEMO_CLIPS, tmp_path / "clips")
    path = write_demo_project(tmp_path / "film", clips=tmp_path / "clips")
    (tmp_path / "clips").rename(tmp_path / "footage")
    return path


def missing(window) -> list[str]:
    return [name for name, _ in doc.missing_clips(window.document.project)]


def test_showing_one_moved_clip_relinks_them_all_in_one_undo_step(window, qtbot, answers, moved, tmp_path):
    footage = tmp_path / "footage"
    answers.replies.update({OFFER: YES, "Locate digit-2-sway": str(footage / "digit-2-sway" / "frame_0003.png")})
    assert window.open_project(moved)
    asked = [(question.kind, question.title) for question in answers.asked]
    assert asked == [("question", OFFER), ("open_file", "Locate digit-2-sway")]
    assert "5 clips are missing" in answers.asked[0].text and str(tmp_path / "clips" / "backdrop-1.png") in \
        answers.asked[0].text

    assert missing(window) == []
    assert doc.clip_path(window.document.project, "digit-2-sway") == footage / "digit-2-sway"
    assert doc.clip_path(window.document.project, "backdrop-1") == footage / "backdrop-1.png"
    stack = window.document.undo_stack
    assert stack.count() == 1 and window.document.modified
    assert "relinked 5 clips" in window.statusBar().currentMessage()
    wait_for_frame(qtbot, window)
    assert window.viewport.engine is not None

    stack.undo()
    assert len(missing(window)) == 5 and not window.document.modified
    stack.redo()
    assert missing(window) == []

    assert window.files.save()
    stored = json.loads(moved.read_text())
    assert {clip["path"] for clip in stored["clips"].values()} == {
        "../footage/digit-2-sway", "../footage/digit-5-square", "../footage/digit-7-drift",
        "../footage/backdrop-1.png", "../footage/backdrop-2.png"}
    assert doc.missing_clips(doc.load_project(moved)) == []


def test_clips_not_in_that_folder_stay_missing_and_are_listed(window, qtbot, answers, moved, tmp_path):
    footage, elsewhere = tmp_path / "footage", tmp_path / "elsewhere"
    elsewhere.mkdir()
    (footage / "backdrop-1.png").rename(elsewhere / "backdrop-1.png")
    answers.replies.update({OFFER: YES, "Locate digit-2-sway": str(footage / "digit-2-sway" / "frame_0000.png")})
    assert window.open_project(moved)
    assert missing(window) == ["backdrop-1"]
    line = window.statusBar().currentMessage()
    assert "relinked 4 clips" in line and "'backdrop-1' is missing" in line

    answers.replies["Locate backdrop-1.png"] = str(elsewhere / "backdrop-1.png")
    menu_action(window, "File", RELINK).trigger()
    assert missing(window) == []
    assert window.document.undo_stack.count() == 2
    wait_for_frame(qtbot, window)


def test_a_declined_offer_opens_the_project_with_its_clips_missing(window, qtbot, answers, moved):
    assert window.open_project(moved)  # the offer answered No
    assert [question.title for question in answers.asked] == [OFFER]
    assert window.document.path == moved and len(missing(window)) == 5
    assert not window.document.modified and window.document.undo_stack.count() == 0
    qtbot.waitUntil(lambda: not window.viewport.renderer.busy, timeout=10_000)  # what the opening asked is back

    menu_action(window, "File", RELINK).trigger()  # the file dialog cancelled: nothing changes
    assert [question.title for question in answers.asked] == [OFFER, "Locate digit-2-sway"]
    assert len(missing(window)) == 5 and window.document.undo_stack.count() == 0
    assert "5 clips are missing" in window.statusBar().currentMessage()


def test_with_nothing_missing_the_command_says_so(window, answers):
    menu_action(window, "File", RELINK).trigger()
    assert answers.asked == []
    assert "no clips are missing" in window.statusBar().currentMessage()
    assert window.document.undo_stack.count() == 0


@pytest.fixture
def swapped(tmp_path):
    """The demo project over its own clips, one image of whose folder ``clips/digit-2-sway`` was since
    swapped for another (still 24 frames, frames 3 to 7 each one later: tests/test_image_folder_changes.py)."""
    from workstation.demos.digit_demo import DEMO_CLIPS, write_demo_project

    shutil.copytree(DEMO_CLIPS, tmp_path / "clips")
    path = write_demo_project(tmp_path / "film", clips=tmp_path / "clips")
    folder = tmp_path / "clips" / "digit-2-sway"
    (folder / "frame_0003.png").unlink()
    shutil.copyfile(folder / "frame_0020.png", folder / "frame_0007b.png")
    return path


def test_a_clip_folder_whose_images_changed_is_offered_and_relinked_where_it_is(window, answers, swapped, tmp_path):
    folder = tmp_path / "clips" / "digit-2-sway"
    answers.replies.update({CHANGED: YES, "Locate digit-2-sway": str(folder / "frame_0000.png")})
    assert window.open_project(swapped)
    assert [(question.kind, question.title) for question in answers.asked] == [
        ("question", CHANGED), ("open_file", "Locate digit-2-sway")]
    assert f"{folder}: its images are not those the project was made with (added: frame_0007b.png; removed: " \
           "frame_0003.png)" in answers.asked[0].text
    assert changed_clips(window.document.project) == [] and window.document.undo_stack.count() == 1
    assert doc.clip_path(window.document.project, "digit-2-sway") == folder
    assert "relinked 1 clip" in window.statusBar().currentMessage()


def test_after_relinking_the_changed_folder_from_the_menu_the_project_renders(window, qtbot, answers, swapped,
                                                                               tmp_path, capsys):
    import main

    folder = tmp_path / "clips" / "digit-2-sway"
    assert window.open_project(swapped)  # the offer answered No: nothing changes
    assert [question.title for question in answers.asked] == [CHANGED]
    assert [name for name, _, _ in changed_clips(window.document.project)] == ["digit-2-sway"]
    assert window.document.undo_stack.count() == 0 and not window.document.modified
    qtbot.waitUntil(lambda: not window.viewport.renderer.busy, timeout=10_000)
    assert "removed: frame_0003.png); the frames after them would shift" in window.statusBar().currentMessage()

    answers.replies["Locate digit-2-sway"] = str(folder / "frame_0005.png")
    menu_action(window, "File", RELINK).trigger()
    assert changed_clips(window.document.project) == []
    stack = window.document.undo_stack
    assert stack.count() == 1 and window.document.modified
    wait_for_frame(qtbot, window)
    stack.undo()
    assert len(changed_clips(window.document.project)) == 1 and not window.document.modified
    stack.redo()

    assert window.files.save()
    names = json.loads(swapped.read_text(encoding="utf-8"))["clips"]["digit-2-sway"]["image_names"]
    assert "frame_0007b.png" in names and "frame_0003.png" not in names and len(names) == 24
    assert main.main(["render", str(swapped), "--shot", "sway", "--range", "0:8", "--out", str(tmp_path / "out"),
                      "--quiet"]) == 0, capsys.readouterr().err
    assert len(list((tmp_path / "out").glob("*.png"))) == 8


def test_a_folder_imported_records_its_image_names(window, qtbot, tmp_path):
    """What the check above compares the folder with: its names as the import read them, in frame order."""
    from workstation.demos.digit_demo import DEMO_CLIPS

    folder = tmp_path / "drift"
    shutil.copytree(DEMO_CLIPS / "digit-7-drift", folder)
    with qtbot.waitSignal(window.clips_imported, timeout=60_000) as imported:
        window.import_files([str(folder)])
    (name,) = imported.args[0]
    names = tuple(f"frame_{i:04d}.png" for i in range(24))
    assert window.document.project.clips[name].image_names == names
