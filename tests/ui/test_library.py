"""The Library: one row per clip however long it is, and its frames picked one at a time under the
list (slider or spin box), dragged from there onto the Canvas."""

import cv2
import numpy as np
from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import empty_point, send_drop, wait_for_frame
from workstation import project as doc

LONG = 341  # the clip of the issue that filled the Library with 341 rows


def long_clip(folder, frames: int = LONG):
    """An image folder of ``frames`` small frames, each a little brighter than the one before."""
    folder.mkdir()
    for k in range(frames):
        image = np.full((24, 32, 3), k * 255 // frames, np.uint8)
        cv2.imwrite(str(folder / f"frame{k:04d}.png"), image)
    return folder


def click_row(library, name: str) -> None:
    item = library.clip_item(name)
    assert item is not None
    library.scrollToItem(item)  # as the animator scrolls to it
    QTest.mouseClick(library.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     library.visualItemRect(item).center())


def test_a_long_clip_is_one_row_and_any_of_its_frames_drags_onto_the_canvas(window, qtbot, tmp_path):
    library = window.library
    rows = library.topLevelItemCount()
    with qtbot.waitSignal(window.clips_imported, timeout=30_000) as imported:
        window.import_files([str(long_clip(tmp_path / "long"))])
    assert imported.args == [["long"]]
    assert library.topLevelItemCount() == rows + 1  # one row more, not 342
    item = library.clip_item("long")
    assert item.childCount() == 0 and f"{LONG} frames · 32×24" in item.text(0)
    library.load_all_icons()
    assert not item.icon(0).isNull()

    click_row(library, "long")
    frames = library.frames
    assert library.current_clip() == "long" and frames.clip == "long"
    assert (frames.slider.maximum(), frames.spin.maximum()) == (LONG - 1, LONG - 1)
    frames.slider.setValue(300)  # the animator drags the slider...
    assert frames.spin.value() == 300
    QTest.keyClick(frames.spin, Qt.Key.Key_Up)  # ...and steps one frame on
    assert frames.slider.value() == 301
    qtbot.waitUntil(lambda: not frames.picture.pixmap().isNull(), timeout=10_000)
    shown = frames.picture.pixmap().toImage().pixelColor(QPoint(2, 2)).red()
    assert abs(shown - 301 * 255 // LONG) <= 2  # the picture is frame 301's

    mime = frames.mime_data()
    assert mime.text() == "frame 301 of 'long'"
    assert send_drop(window.canvas, mime, empty_point(window))
    assert window.document.shot().background == doc.FrameRef("long", 301)
    wait_for_frame(qtbot, window)
    assert send_drop(window.canvas, library.mimeData([item]), empty_point(window))  # the row: the whole clip
    assert window.document.shot().background == doc.FrameRef("long", 0)


def test_the_frame_picked_stays_while_the_clips_change_and_goes_with_its_clip(window, qtbot):
    library = window.library
    click_row(library, "digit-7-drift")
    library.frames.spin.setValue(9)
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        window.import_files([str(doc.clip_path(window.document.project, "backdrop-1"))])
    assert library.current_clip() == "digit-7-drift" and library.frames.frame == 9
    window.document.undo_stack.undo()
    assert library.current_clip() == "digit-7-drift" and library.frames.frame == 9
    library.setCurrentItem(None)
    assert library.frames.media() is None and not library.frames.slider.isEnabled()


def test_a_new_project_with_a_clip_picked_raises_nothing(window, qtbot, monkeypatch):
    """Emptying the Library for another project once switched the picker to a clip the new
    project lacks (a KeyError from File ▸ New Project)."""
    import sys

    from tests.ui.conftest import menu_action
    from workstation.ui.panels.clip_frames import NO_CLIP_HINT

    errors = []
    monkeypatch.setattr(sys, "excepthook", lambda kind, value, trace: errors.append(value))
    picture = window.library.frames.picture
    click_row(window.library, "digit-7-drift")
    qtbot.waitUntil(lambda: not picture.pixmap().isNull(), timeout=10_000)  # its frame, picked
    window.document.undo_stack.setClean()
    menu_action(window, "File", "New Project").trigger()
    qtbot.waitUntil(lambda: picture.text() == NO_CLIP_HINT, timeout=10_000)  # the picker, emptied as it shows
    assert errors == []
    assert window.library.topLevelItemCount() == 0 and window.library.frames.clip is None
