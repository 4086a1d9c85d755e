"""The workstation driven through its real widgets: import, drag and drop, motion, playback,
direct manipulation with undo, and projects (save, reopen, unsaved changes, bad files)."""

import threading
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from tests.conftest import ROOT
from tests.ui.conftest import character_point, empty_point, send_drop, snapshot, wait_for_frame
from workstation import project as doc
from workstation.media import probe
from workstation.ui.editing import animator_edits as edits
from workstation.ui.mime import DraggedMedia, to_mime

CLIPS = ROOT / "assets" / "demo" / "clips"


def library_mime(window, clip: str, frame: int | None = None):
    """The drag payload the Library itself makes for a clip (its row) or one of its frames (the
    picture of the frame picked under the list)."""
    library = window.library
    if frame is not None:
        library.show_frame(clip, frame)
        return library.frames.mime_data()
    item = library.clip_item(clip)
    assert item is not None
    return library.mimeData([item])


def test_importing_a_clip_by_dropping_a_file_on_the_library(window, qtbot):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(CLIPS / "backdrop-2.png"))])
    before, engine = set(window.document.project.clips), window.viewport.engine
    point = QPointF(window.library.viewport().rect().center())
    with qtbot.waitSignal(window.clips_imported, timeout=10_000):
        assert send_drop(window.library.viewport(), mime, point)
    added = set(window.document.project.clips) - before
    # the clips changed: a new engine over them (same model), never the old one changed in place
    assert window.viewport.engine is not engine and window.viewport.engine.folder == engine.folder
    assert len(added) == 1
    name = added.pop()
    assert window.document.project.clips[name].frame_count == 1
    item = window.library.clip_item(name)
    assert item is not None and "1 frame ·" in item.text(0)
    window.document.undo_stack.undo()
    assert name not in window.document.project.clips and window.library.clip_item(name) is None


def test_importing_a_file_that_is_not_media_says_so_and_changes_nothing(window, qtbot, tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video")
    before = snapshot(window)
    with qtbot.waitSignal(window.clips_imported, timeout=10_000) as imported:
        window.import_files([str(bad)])
    assert imported.args == [[]]
    assert snapshot(window) == before
    message = window.statusBar().currentMessage()
    assert "notes.mp4" in message and "\n" not in message


def test_a_slow_clip_is_read_in_the_background_while_the_window_stays_live(window, qtbot, monkeypatch):
    """Reading a long video (decoded through to count its frames) takes seconds; here a probe that
    reads nothing until the test lets it stands in for one. While it is held, the event loop must
    keep running: a timer ticks, the status bar says what is read, the Canvas follows a scrub."""
    from workstation.ui.files import import_job

    release, held = threading.Event(), []

    def held_probe(path):
        held.append(release.wait(timeout=30))  # False: the window never got to let it go (it was frozen)
        return probe(path)

    monkeypatch.setattr(import_job, "probe", held_probe)
    clips, ticks = set(window.document.project.clips), []
    timer = QTimer(interval=20, timeout=lambda: ticks.append(True))
    timer.start()
    with qtbot.waitSignal(window.clips_imported, timeout=60_000) as imported:
        window.import_files([str(CLIPS / "digit-7-drift"), str(CLIPS / "backdrop-1.png")])
        qtbot.waitUntil(lambda: "reading digit-7-drift (1 of 2)" in window.statusBar().currentMessage())
        qtbot.waitUntil(lambda: len(ticks) >= 5, timeout=10_000)  # the timer ticks while the read is held
        window.scrub(5)
        wait_for_frame(qtbot, window, 5)  # and the Canvas renders
        assert set(window.document.project.clips) == clips  # nothing read yet
        release.set()
    timer.stop()
    assert held == [True, True]  # each read was let go by the test, from the live window
    folder, plate = imported.args[0]
    assert window.document.project.clips[folder].frame_count == 24
    assert window.document.project.clips[plate].frame_count == 1
    window.document.undo_stack.undo()
    assert plate not in window.document.project.clips and folder in window.document.project.clips


def test_dropping_a_frame_on_the_canvas_sets_the_background(window, qtbot):
    before = snapshot(window)
    mime = library_mime(window, "digit-7-drift", 3)
    assert send_drop(window.canvas, mime, empty_point(window))
    assert window.document.shot().background == doc.FrameRef("digit-7-drift", 3)
    wait_for_frame(qtbot, window)
    window.document.undo_stack.undo()
    assert snapshot(window) == before


def test_shift_drop_adds_a_character_and_selects_it(window):
    shot = window.document.shot()
    count = len(shot.characters)
    assert send_drop(window.canvas, library_mime(window, "digit-5-square", 0), empty_point(window),
                     Qt.KeyboardModifier.ShiftModifier)
    shot = window.document.shot()
    assert len(shot.characters) == count + 1
    added = shot.characters[-1]
    assert added.source == doc.FrameRef("digit-5-square", 0)
    assert window.document.character_name == added.name


def test_dropping_a_clip_on_a_character_makes_it_the_motion_source(window):
    point = character_point(window, window.document.shot().characters[0].name)
    target = window.canvas.character_at(point)  # characters may overlap: the one the canvas picks
    assert target is not None
    assert send_drop(window.canvas, library_mime(window, "digit-7-drift"), point)
    motion = window.document.shot().character(target).motion
    assert motion is not None and motion.clip == "digit-7-drift"
    assert window.document.character_name == target


def test_the_inspector_motion_slot_takes_a_clip(window):
    name = window.document.shot().characters[0].name
    window.document.select_character(name)
    slot = window.inspector.motion
    assert slot.isEnabled()
    assert send_drop(slot, to_mime(DraggedMedia("digit-2-sway")), QPointF(slot.rect().center()))
    assert window.document.shot().character(name).motion.clip == "digit-2-sway"
    assert slot.text() == "digit-2-sway"
    window.inspector.hold.click()
    assert window.document.shot().character(name).motion is None


def test_space_plays_and_stops_and_the_timeline_scrubs(window, qtbot):
    window.activateWindow()
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    assert window.player.playing
    qtbot.waitUntil(lambda: window.document.frame >= 3, timeout=5_000)
    QTest.keyClick(window.canvas, Qt.Key.Key_Space)
    assert not window.player.playing
    timeline = window.timeline
    target = QPointF(timeline.x_of(5) + timeline.cell_width() / 2, timeline.height() - 10).toPoint()
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, target)
    assert window.document.frame == 5
    wait_for_frame(qtbot, window, 5)
    QTest.keyClick(window.canvas, Qt.Key.Key_Period)
    assert window.document.frame == 6
    QTest.keyClick(window.canvas, Qt.Key.Key_Comma)
    QTest.keyClick(window.canvas, Qt.Key.Key_Comma)
    assert window.document.frame == 4
    QTest.keyClick(window.canvas, Qt.Key.Key_End)
    assert window.document.frame == window.document.shot().length - 1
    QTest.keyClick(window.canvas, Qt.Key.Key_Home)
    assert window.document.frame == 0


def test_one_drag_of_a_character_is_one_undo_step(window, qtbot):
    start = character_point(window, window.document.shot().characters[0].name)
    name = window.canvas.character_at(start)
    before, steps = snapshot(window), window.document.undo_stack.count()
    canvas, side = window.canvas, window.canvas.square_rect().width()  # the model square on screen
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start.toPoint())
    for i in range(1, 6):
        QTest.mouseMove(canvas, (start + QPointF(6 * i, 3 * i)).toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       (start + QPointF(30, 15)).toPoint())
    assert window.document.undo_stack.count() == steps + 1
    edit = doc.pose_at(window.document.shot().character(name), window.document.frame)
    assert edit.tx == pytest.approx(30 / side) and edit.ty == pytest.approx(15 / side)  # fractions of the square
    after = snapshot(window)
    window.document.undo_stack.undo()
    assert snapshot(window) == before
    window.document.undo_stack.redo()
    assert snapshot(window) == after
    wait_for_frame(qtbot, window)


def test_wheel_steps_on_a_character_scale_it_in_one_undo_step(window):
    point = character_point(window, window.document.shot().characters[0].name)
    name, steps = window.canvas.character_at(point), window.document.undo_stack.count()
    for _ in range(3):
        event = QWheelEvent(point, window.canvas.mapToGlobal(point), QPointF().toPoint(), QPointF(0, 120).toPoint(),
                            Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier, Qt.ScrollPhase.NoScrollPhase,
                            False)
        QApplication.sendEvent(window.canvas, event)
    assert window.document.undo_stack.count() == steps + 1
    scale = doc.pose_at(window.document.shot().character(name), window.document.frame).scale
    assert abs(scale - 1.1**3) < 1e-6


def test_keys_show_on_the_timeline_and_the_keyboard_sets_jumps_and_removes_them(window, qtbot):
    document, timeline = window.document, window.timeline
    name = document.shot().characters[0].name
    document.select_character(name)
    window.canvas.setFocus()
    assert timeline.keys() == tuple(k.frame for k in document.character().keyframes) == ()
    window.scrub(3)
    edits.change_edit(document, name, 3, dx=0.25)
    window.scrub(9)
    edits.change_edit(document, name, 9, dx=0.5)
    assert timeline.keys() == (3, 9)
    assert window.inspector.key_state.text().startswith("◆ key at this frame")

    window.scrub(6)
    assert window.inspector.key_state.text().startswith("between 3 and 9")
    assert not window.menus.remove_key_action.isEnabled()
    steps = document.undo_stack.count()
    QTest.keyClick(window.canvas, Qt.Key.Key_K)  # key the in-between pose: frame 6 holds it
    assert timeline.keys() == (3, 6, 9) and document.undo_stack.count() == steps + 1
    assert doc.pose_at(document.character(), 6).tx == 0.25 + (0.75 - 0.25) * 3 / 6

    QTest.keyClick(window.canvas, Qt.Key.Key_Comma, Qt.KeyboardModifier.AltModifier)
    QTest.keyClick(window.canvas, Qt.Key.Key_Comma, Qt.KeyboardModifier.AltModifier)
    assert document.frame == 3
    QTest.keyClick(window.canvas, Qt.Key.Key_Comma, Qt.KeyboardModifier.AltModifier)
    assert document.frame == 3  # no key before the first
    QTest.keyClick(window.canvas, Qt.Key.Key_Period, Qt.KeyboardModifier.AltModifier)
    assert document.frame == 6
    before = snapshot(window)
    QTest.keyClick(window.canvas, Qt.Key.Key_K, Qt.KeyboardModifier.AltModifier)
    assert timeline.keys() == (3, 9) and not window.menus.remove_key_action.isEnabled()
    document.undo_stack.undo()
    assert snapshot(window) == before and timeline.keys() == (3, 6, 9)

    steps, before = document.undo_stack.index(), snapshot(window)
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     timeline.key_marker_centre(9).toPoint())
    QTest.mouseMove(timeline, timeline.key_marker_centre(11).toPoint())
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       timeline.key_marker_centre(12).toPoint())
    assert timeline.keys() == (3, 6, 12) and document.undo_stack.index() == steps + 1  # retimed in one step
    assert doc.pose_at(document.character(), 12).tx == 0.75
    document.undo_stack.undo()
    assert snapshot(window) == before

    document.select_character(None)
    assert timeline.keys() == () and not window.menus.set_key_action.isEnabled()
    wait_for_frame(qtbot, window)


def test_delete_removes_the_selected_character_but_not_while_typing_in_a_field(window, qtbot):
    document = window.document
    name = document.shot().characters[0].name
    document.select_character(name)
    count = len(document.shot().characters)
    window.inspector.offset_x.setFocus()
    QTest.keyClick(window.inspector.offset_x, Qt.Key.Key_Delete)
    assert len(document.shot().characters) == count
    window.canvas.setFocus()
    QTest.keyClick(window.canvas, Qt.Key.Key_Delete)
    assert name not in [c.name for c in document.shot().characters]
    document.undo_stack.undo()
    assert len(document.shot().characters) == count
    wait_for_frame(qtbot, window)


def test_onion_skin_shows_the_neighbours_ghosts_while_paused_and_goes_when_switched_off(window, qtbot, settings):
    from workstation.ui.view.qimages import qimage_to_rgb8

    window.scrub(6)
    wait_for_frame(qtbot, window, 6)
    plain = qimage_to_rgb8(window.canvas.image).astype(int)
    QTest.keyClick(window.canvas, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    assert window.menus.onion_action.isChecked() and settings.value("view/onion_skin", type=bool)
    plain_frame = window.viewport.cached(6)
    qtbot.waitUntil(lambda: window.canvas.image is not plain_frame.image, timeout=10_000)
    ghosted = qimage_to_rgb8(window.canvas.image).astype(int)
    changed = np.abs(ghosted - plain).max(axis=2) > 12
    assert 4 <= changed.sum() < 0.25 * changed.size  # ghosts where the character was and will be
    assert window.canvas.shapes  # the outline and handles stay
    window.player.play()
    qtbot.waitUntil(lambda: window.document.frame != 6, timeout=5_000)
    window.player.stop()
    wait_for_frame(qtbot, window)
    qtbot.waitUntil(lambda: window.canvas.image is not window.viewport.cached().image,
                    timeout=10_000)  # ghosts again once paused
    QTest.keyClick(window.canvas, Qt.Key.Key_O, Qt.KeyboardModifier.AltModifier)
    wait_for_frame(qtbot, window)  # the plain frame again


def test_save_reopen_and_compare(window, qtbot, tmp_path, settings):
    from workstation.ui.shell.main_window import MainWindow

    name = window.document.shot().characters[0].name
    window.document.select_character(name)
    window.inspector.rotation.setValue(30.0)
    assert window.isWindowModified() or window.document.modified
    path = tmp_path / "saved" / "shot.stopframe"
    path.parent.mkdir()
    assert window.files.save_to(path)
    assert not window.document.modified
    assert window.recent_files()[0] == str(path.resolve())
    reopened = MainWindow(settings)
    qtbot.addWidget(reopened)
    assert reopened.open_project(path)
    assert doc.to_dict(reopened.document.project) == doc.to_dict(window.document.project)
    assert doc.pose_at(reopened.document.shot().character(name), 0).rotation == 30.0


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(window, answers):
    window.inspector.length.setValue(30)
    assert window.document.modified
    answers.replies["Unsaved changes"] = QMessageBox.StandardButton.Cancel
    assert not window.close()
    assert window.isVisible() and window.document.shot().length == 30
    assert [q.title for q in answers.asked] == ["Unsaved changes"]
    answers.replies["Unsaved changes"] = QMessageBox.StandardButton.Discard
    assert window.close()


def test_a_broken_project_file_is_one_line_and_the_open_project_stays(window, tmp_path, answers):
    broken = tmp_path / "broken.stopframe"
    broken.write_text("{ not json")
    before = snapshot(window)
    assert not window.open_project(broken)
    assert [q.title for q in answers.asked] == ["Cannot open project"]
    assert snapshot(window) == before
    message = window.statusBar().currentMessage()
    assert str(broken) in message and "\n" not in message
    assert Path(broken).read_text() == "{ not json"


def test_exporting_the_shot_writes_every_frame_while_editing_goes_on(window, qtbot, tmp_path):
    from workstation.media import Clip

    shot = window.document.shot()
    out = tmp_path / "out.mp4"
    from workstation.output.export_request import ExportRequest
    from workstation.output.formats import OutputFormat

    job = window.export_shot(ExportRequest.of_shot(window.document.project, shot.name, out, OutputFormat.MP4,
                                                  size=(128, 128)))
    with qtbot.waitSignal(job.signals.finished, timeout=30_000) as done:
        window.inspector.length.setValue(shot.length + 5)  # editing during the export changes nothing in it
    assert done.args == [str(out)]
    with Clip(out) as clip:
        assert (len(clip), clip.info.width, clip.info.height) == (24, 128, 128)
    assert "exported 24 frames" in window.statusBar().currentMessage()


def test_a_cancelled_export_leaves_nothing_behind(window, tmp_path):
    from workstation.output.export_request import ExportRequest
    from workstation.output.formats import OutputFormat
    from workstation.ui.export.export_job import ExportJob

    out = tmp_path / "out.gif"
    job = ExportJob(ExportRequest.of_shot(window.document.project, window.document.shot_name, out, OutputFormat.GIF))
    failures = []
    job.signals.failed.connect(failures.append)
    job.cancel()  # as the progress dialog's Cancel does, here before the first frame is written
    job.run()
    assert failures == [""]
    assert not out.exists() and not [p for p in tmp_path.iterdir() if p.name.startswith("out")]


def test_help_lists_every_keyboard_shortcut_from_the_menus_themselves(window):
    rows = window.show_shortcuts().rows()
    assert ("Edit", "Set Key", "K") in rows and ("View", "Onion Skin", "Alt+O") in rows
    assert ("Edit", "Undo", "Ctrl+Z") in rows
    assert ("Playback", "Previous Frame", ", or Left") in rows
    assert ("Playback", "Set In Point", "I") in rows and ("View ▸ Layer", "Alpha Matte", "Ctrl+4") in rows
    shortcuts = {action.shortcut().toString() for action in window.findChildren(QAction)
                 if not action.shortcut().isEmpty()}
    listed = {keys for _, _, keys in rows}
    assert all(any(key in entry for entry in listed) for key in shortcuts)  # no shortcut left out
    window.shortcuts_dialog.close()
    assert "Stopframe" in window.about_text() and "model:" in window.about_text()
