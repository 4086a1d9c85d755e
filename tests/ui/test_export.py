"""File ▸ Export Shot…, picked as a user would: the extension is added before anything is checked,
an existing output is replaced only after the user said so, and an export that fails says so in
the status bar and leaves the old output as it was (issue 12). The form itself:
``test_export_dialog.py``."""

import pytest
from PySide6.QtCore import Qt, QThreadPool
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.ui.test_menus import menu_actions
from workstation.media import probe

REPLACE = "Replace existing export?"
MP4, PNG = "mp4", "png"


def export_action(window):
    file_menu = next(entry.menu() for entry in window.menuBar().actions() if entry.text() == "&File")
    return dict(menu_actions(file_menu, "File"))["File ▸ Export Shot…"]


def export_through_the_menu(window, qtbot, answers, path, fmt):
    """Open the export form from the menu, choose ``fmt``, type ``path`` and click Export; a form
    still open afterwards (the user kept what was there) is then cancelled."""
    export_action(window).trigger()
    dialog = window.export_shot_dialog
    qtbot.waitUntil(dialog.isVisible)
    dialog.format_combo.setCurrentIndex(dialog.format_combo.findData(fmt))
    dialog.path_edit.setText(str(path))
    QTest.mouseClick(dialog.export_button, Qt.MouseButton.LeftButton)
    QThreadPool.globalInstance().waitForDone(60_000)
    QApplication.processEvents()  # the finished job's signals, already posted, reach the status bar
    if dialog.isVisible():
        dialog.reject()
    return [question.title for question in answers.asked]


@pytest.fixture
def exports(tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    return folder


def test_typing_a_name_without_extension_asks_before_replacing_the_video(window, qtbot, answers, exports):
    existing = exports / "demo.mp4"
    existing.write_bytes(b"my only copy")
    asked = export_through_the_menu(window, qtbot, answers, exports / "demo", MP4)  # typed "demo"
    assert REPLACE in asked and str(existing) in answers.asked[-1].text
    assert existing.read_bytes() == b"my only copy"  # the default answer is No
    assert [p.name for p in exports.iterdir()] == ["demo.mp4"]

    answers.replies[REPLACE] = QMessageBox.StandardButton.Yes
    export_through_the_menu(window, qtbot, answers, exports / "demo", MP4)
    info = probe(existing)
    assert (info.frame_count, info.width, info.height) == (24, 256, 256)
    assert "exported 24 frames" in window.statusBar().currentMessage()


@pytest.mark.parametrize("existing_frames", [True, False])
def test_a_png_folder_is_replaced_only_after_asking(window, qtbot, answers, exports, existing_frames):
    folder = exports / "frames"
    folder.mkdir()
    if existing_frames:
        (folder / "frame_0000.png").write_bytes(b"an old frame")
        (folder / "notes.txt").write_text("keep me")
    asked = export_through_the_menu(window, qtbot, answers, folder, PNG)
    if existing_frames:
        assert REPLACE in asked
        assert (folder / "frame_0000.png").read_bytes() == b"an old frame"
        answers.replies[REPLACE] = QMessageBox.StandardButton.Yes
        export_through_the_menu(window, qtbot, answers, folder, PNG)
        assert (folder / "notes.txt").read_text() == "keep me"  # only the frames are replaced
    else:
        assert REPLACE not in asked  # an empty folder holds nothing to lose
    assert len(list(folder.glob("frame_*.png"))) == 24
    assert (folder / "frame_0000.png").read_bytes() != b"an old frame"


def test_an_export_onto_a_full_disk_says_so_and_keeps_the_old_video(window, qtbot, answers, exports):
    from tests.faults import failing_writes

    existing = exports / "keep.mp4"
    answers.replies[REPLACE] = QMessageBox.StandardButton.Yes
    export_through_the_menu(window, qtbot, answers, existing, MP4)
    before = existing.read_bytes()
    with failing_writes(exports, after_bytes=2000):
        export_through_the_menu(window, qtbot, answers, existing, MP4)
    message = window.statusBar().currentMessage()
    assert str(existing) in message and "No space left on device" in message and "\n" not in message
    assert existing.read_bytes() == before
    assert [p.name for p in exports.iterdir()] == ["keep.mp4"]  # no temporary, no lock
