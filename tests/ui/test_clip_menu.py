"""Clips in the Library (issue 29, item 2), reached as the animator reaches them: File ▸ Import
Clip… with numbered images picked together (offered as one clip), File ▸ Import Image Folder…,
Clip ▸ Rename Clip… and Clip ▸ Remove Clip from the menu bar and from the Library's right-click
menu, dialogs answered through ``workstation/ui/shell/dialogs.py``, undone with Ctrl+Z."""

from pathlib import Path

import cv2
import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QMessageBox

from tests.ui.conftest import menu_action, snapshot, wait_for_frame
from workstation import project as doc
from workstation.media import Clip

CTRL = Qt.KeyboardModifier.ControlModifier
YES, NO, CANCEL = (QMessageBox.StandardButton.Yes, QMessageBox.StandardButton.No, QMessageBox.StandardButton.Cancel)


def numbered_images(folder: Path, stem: str, numbers: list[int]) -> list[Path]:
    """``<stem><n>.png`` for each n, 16×16, each as bright as its number (so a frame tells its file)."""
    folder.mkdir(exist_ok=True)
    paths = []
    for n in numbers:
        paths.append(folder / f"{stem}{n}.png")
        cv2.imwrite(str(paths[-1]), np.full((16, 16, 3), 10 * n, np.uint8))
    return paths


def import_clips(window, qtbot, answers, picked: list[Path], **replies) -> list[str] | None:
    """File ▸ Import Clip… picking ``picked``; the names imported (None when nothing was read)."""
    answers.replies.update({"Import clips": [str(path) for path in picked], **replies})
    with qtbot.waitSignal(window.clips_imported, timeout=30_000, raising=False) as imported:
        menu_action(window, "File", "Import Clip…").trigger()
    return imported.args[0] if imported.signal_triggered else None


def undo(window) -> None:
    QTest.keyClick(window, Qt.Key.Key_Z, CTRL)


def select(window, clip: str | None) -> None:
    window.library.setCurrentItem(window.library.clip_item(clip) if clip else None)


def library_action(window, text: str) -> QAction:
    """A command of the Library's right-click menu (its actions: ``ActionsContextMenu``)."""
    library = window.library
    assert library.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
    return next(action for action in library.actions() if action.text().replace("&", "") == text)


def test_numbered_images_picked_together_are_one_clip_in_natural_order_on_yes(window, qtbot, answers, tmp_path):
    numbers = [1, 2, 3, 5, 8, 10, 13, 21]  # not consecutive; 10 after 8 only in natural order
    picked = numbered_images(tmp_path / "walk", "walk_", numbers)
    before, steps = list(window.document.project.clips), window.document.undo_stack.count()
    imported = import_clips(window, qtbot, answers, picked[::-1], **{"Import as one clip": YES})  # in any order
    question = next(q for q in answers.asked if q.kind == "question")
    assert question.title == "Import as one clip"
    assert question.text.startswith("Import the 8 numbered images as one clip?")
    assert imported == ["walk"]  # one clip, not 8
    project = window.document.project
    assert list(project.clips) == before + ["walk"] and window.document.undo_stack.count() == steps + 1
    clip = project.clips["walk"]
    assert clip.frame_count == 8 and clip.image_names == tuple(f"walk_{n}.png" for n in numbers)
    with Clip(doc.clip_path(project, "walk"), known=clip) as frames:
        assert [int(frames.frame(k)[0, 0, 0]) for k in range(8)] == [10 * n for n in numbers]
    undo(window)  # one Ctrl+Z takes the whole sequence away
    assert list(window.document.project.clips) == before


def test_numbered_images_are_one_clip_each_on_no_and_nothing_on_cancel(window, qtbot, answers, tmp_path):
    picked = numbered_images(tmp_path / "walk", "walk_", [1, 2, 3])
    backdrop = doc.clip_path(window.document.project, "backdrop-1")
    before = list(window.document.project.clips)
    assert import_clips(window, qtbot, answers, [picked[0], backdrop, *picked[1:]],
                        **{"Import as one clip": CANCEL}) is None
    assert list(window.document.project.clips) == before and not window.importer.jobs
    imported = import_clips(window, qtbot, answers, [picked[0], backdrop, *picked[1:]], **{"Import as one clip": NO})
    assert imported == ["walk_1", "backdrop-1 2", "walk_2", "walk_3"]  # as picked, as before


def test_numbered_images_sharing_their_folder_with_other_images_are_never_one_clip(window, qtbot, answers, tmp_path):
    folder = tmp_path / "sprites"
    picked = numbered_images(folder, "walk_", [1, 2, 3, 4])
    numbered_images(folder, "idle_", [1, 2])  # the folder's other images: a folder clip would take them too
    (folder / "notes.txt").write_text("not an image")
    before = list(window.document.project.clips)
    said: list[str] = []
    window.statusBar().messageChanged.connect(said.append)
    assert import_clips(window, qtbot, answers, picked) is None  # the question's default answer: No
    question = next(q for q in answers.asked if q.kind == "question")
    assert question.title == "Numbered images in a shared folder"
    assert "walk_1.png … walk_4.png share their folder with 2 other images (idle_1.png, idle_2.png)" in question.text
    assert list(window.document.project.clips) == before
    assert any(line.startswith("walk_1.png … walk_4.png: not imported") and "a folder of their own" in line
               for line in said)
    assert "\n" not in said[-1]
    imported = import_clips(window, qtbot, answers, picked, **{"Numbered images in a shared folder": YES})
    assert imported == ["walk_1", "walk_2", "walk_3", "walk_4"]


def test_import_image_folder_makes_one_clip_of_a_folder(window, qtbot, answers, tmp_path):
    folder = tmp_path / "run"
    numbered_images(folder, "run", [1, 2, 10])
    action = menu_action(window, "File", "Import Image Folder…")
    assert action.shortcut().toString() == "Ctrl+Shift+I"
    answers.replies["Import image folder"] = str(folder)
    with qtbot.waitSignal(window.clips_imported, timeout=30_000) as imported:
        action.trigger()
    assert imported.args == [["run"]]
    assert [q.kind for q in answers.asked if q.title == "Import image folder"] == ["open_folder"]
    assert window.document.project.clips["run"].image_names == ("run1.png", "run2.png", "run10.png")


def test_rename_clip_renames_every_use_in_one_undo_step(window, qtbot, answers):
    document = window.document
    before, steps = snapshot(window), document.undo_stack.count()
    select(window, "digit-2-sway")
    answers.replies["Rename clip"] = "sway"
    menu_action(window, "Clip", "Rename Clip…").trigger()
    asked = [q for q in answers.asked if q.title == "Rename clip"]
    assert asked[0].text == "New name for the clip digit-2-sway:"
    project = document.project
    assert "sway" in project.clips and "digit-2-sway" not in project.clips
    assert list(project.clips).index("sway") == 0  # where it was in the Library
    demo, sway = project.shot("demo"), project.shot("sway")
    assert demo.character("digit 2").source.clip == "sway"  # a character's source...
    assert sway.character("digit 5").motion.clip == "sway"  # ...and another's motion
    assert window.library.current_clip() == "sway"  # still the one selected, under its new name
    wait_for_frame(qtbot, window)  # the shot renders from the clip under its new name
    assert window.statusBar().currentMessage() == ""
    assert document.undo_stack.count() == steps + 1
    undo(window)
    assert snapshot(window) == before


def test_rename_clip_refuses_a_taken_or_blank_name_in_one_line(window, answers):
    document = window.document
    before, steps = snapshot(window), document.undo_stack.count()
    select(window, "digit-2-sway")
    for typed, problem in (("backdrop-1", "there is already a clip named 'backdrop-1'"),
                           ("   ", "a clip's name must not be blank")):
        answers.replies["Rename clip"] = typed
        menu_action(window, "Clip", "Rename Clip…").trigger()
        assert window.statusBar().currentMessage() == problem
    assert snapshot(window) == before and document.undo_stack.count() == steps


def test_remove_clip_is_refused_with_the_reason_while_a_shot_uses_it(window):
    before, steps = snapshot(window), window.document.undo_stack.count()
    remove = menu_action(window, "Clip", "Remove Clip")
    for clip, reason in (("backdrop-1", "backdrop-1 is used by shots 'demo' and 'duet' (background)"),
                         ("digit-7-drift", "digit-7-drift is used by 2 characters")):
        select(window, clip)
        remove.trigger()
        assert window.statusBar().currentMessage() == reason
    assert snapshot(window) == before and window.document.undo_stack.count() == steps


def test_the_librarys_right_click_menu_renames_and_removes_a_clip(window, qtbot, answers, tmp_path):
    document = window.document
    picture = numbered_images(tmp_path, "extra", [7])[0]
    with qtbot.waitSignal(window.clips_imported, timeout=30_000):
        window.import_files([str(picture)])
    before = snapshot(window)
    select(window, "extra7")
    answers.replies["Rename clip"] = "spare"
    library_action(window, "Rename Clip…").trigger()
    assert "spare" in document.project.clips and window.library.current_clip() == "spare"
    steps = document.undo_stack.count()
    library_action(window, "Remove Clip").trigger()
    assert "spare" not in document.project.clips and window.library.clip_item("spare") is None
    assert document.undo_stack.count() == steps + 1
    undo(window)  # the removal
    assert "spare" in document.project.clips and window.library.clip_item("spare") is not None
    undo(window)  # the rename
    assert snapshot(window) == before


def test_the_clip_commands_wait_for_a_clip_selected_in_the_library(window):
    select(window, None)
    commands = [menu_action(window, "Clip", text) for text in ("Rename Clip…", "Remove Clip")]
    assert not any(action.isEnabled() for action in commands)
    select(window, "backdrop-2")
    assert all(action.isEnabled() for action in commands)
    assert [library_action(window, text) for text in ("Rename Clip…", "Remove Clip")] == commands
