"""The Canvas at the shot's output size (issue 25): a 1280x720 background shows as a 1280x720 frame,
scaled down only to fit the window; the model square sits in it where the shot's framing puts it
(crop: the middle 720x720), outlines and drags go through it, and a pose, stored in fractions of the
square's side, keeps its place in the picture when the output size changes. The Inspector shows
offsets in output pixels; thumbnails stay small."""

import math

import cv2
import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from tests.ui.conftest import character_point, send_drop, snapshot, wait_for_frame
from workstation import project as doc
from workstation.render.layers import LayerView
from workstation.ui.editing import animator_edits as edits
from workstation.ui.mime import DraggedMedia, to_mime
from workstation.ui.view.render_service import THUMBNAIL_SIDE

WIDE = (1280, 720)


def write_wide_clip(folder) -> None:
    """Two 1280x720 PNG frames: a colour ramp with a grid, so the picture has places to tell apart."""
    folder.mkdir()
    ys, xs = np.mgrid[0 : WIDE[1], 0 : WIDE[0]]
    for k in range(2):
        image = np.stack([xs * 255 // WIDE[0], ys * 255 // WIDE[1], np.full_like(xs, 90 + 60 * k)], axis=-1)
        image[(xs % 80 == 0) | (ys % 80 == 0)] = 255
        assert cv2.imwrite(str(folder / f"frame-{k}.png"), image.astype(np.uint8)[..., ::-1])


def set_output(window, width: int, height: int) -> None:
    """The shot's output size, changed through the document (as Shot ▸ Output Size does)."""
    window.document.edit_shot(f"Output size {width}×{height}",
                              lambda shot: setattr(shot, "output", doc.Output(width, height, shot.output.scaling)))


@pytest.fixture
def wide(window, qtbot, tmp_path):
    """The demo's first shot over a 1280x720 background clip, output at its size; its character selected."""
    write_wide_clip(tmp_path / "wide")
    document = window.document
    clip = edits.import_clip(document, tmp_path / "wide")
    edits.set_background(document, DraggedMedia(clip, 0))
    set_output(window, *WIDE)
    document.select_character(document.shot().characters[0].name)
    document.undo_stack.clear()
    wait_for_frame(qtbot, window)
    return window


def where_in_picture(window, name: str) -> tuple[float, float, float]:
    """The outline of ``name`` (centre x, y and radius) in fractions of the picture's width and height."""
    canvas = window.canvas
    centre, radius = canvas.outline(canvas.shape_of(name))
    rect = canvas.image_rect()
    return (centre.x() - rect.left()) / rect.width(), (centre.y() - rect.top()) / rect.height(), radius / rect.width()


def test_the_canvas_shows_the_frame_at_the_output_size_with_the_square_in_its_middle(wide):
    canvas = wide.canvas
    assert (canvas.image.width(), canvas.image.height()) == WIDE
    rect, square, zoom = canvas.image_rect(), canvas.square_rect(), canvas.zoom()
    assert rect.width() / rect.height() == pytest.approx(1280 / 720, rel=1e-3)  # its aspect kept
    assert rect.width() <= canvas.width() and rect.height() <= canvas.height()  # scaled down to fit the window
    shown = round(rect.width()), round(rect.height())
    assert canvas.size_note() == f"output 1280×720 shown at {shown[0]}×{shown[1]} ({100 * shown[0] // 1280}%) " \
                                 "to fit the window"
    # crop: the square is the middle 720 x 720 of the output
    assert square.width() == pytest.approx(720 * zoom) and square.height() == pytest.approx(720 * zoom)
    assert square.left() - rect.left() == pytest.approx(280 * zoom) and square.top() == pytest.approx(rect.top())
    assert "output 1280×720 crisp" in wide.menus.output_menu.status_label.text()
    assert "output 1280×720 crisp" in wide.inspector.output_line.text()


def test_a_drag_of_n_output_pixels_moves_the_pose_by_n_over_the_squares_side(wide, qtbot):
    window, canvas, document = wide, wide.canvas, wide.document
    name = document.character_name
    before, steps = snapshot(window), document.undo_stack.count()
    start = character_point(window, name).toPoint()
    assert canvas.character_at(QPointF(start)) == name
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for i in range(1, 5):
        QTest.mouseMove(canvas, start + QPointF(10 * i, -5 * i).toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       start + QPointF(40, -20).toPoint())
    output_x, output_y = 40 / canvas.zoom(), -20 / canvas.zoom()  # the travel in output pixels
    pose = doc.pose_at(document.character(), document.frame)
    assert pose.tx == pytest.approx(output_x / 720, rel=1e-6) and pose.ty == pytest.approx(output_y / 720, rel=1e-6)
    assert document.undo_stack.count() == steps + 1  # the whole drag is one step
    inspector = window.inspector  # the offsets in output pixels
    assert inspector.offset_x.value() == pytest.approx(output_x, abs=0.05)
    assert inspector.offset_y.value() == pytest.approx(output_y, abs=0.05)
    assert inspector.offset_unit.text() == "px at 1280×720 (the output)"
    after = snapshot(window)
    document.undo_stack.undo()
    assert snapshot(window) == before
    document.undo_stack.redo()
    assert snapshot(window) == after
    wait_for_frame(qtbot, window)


def test_an_offset_typed_in_output_pixels_is_stored_as_a_fraction_of_the_square(wide):
    document, inspector = wide.document, wide.inspector
    inspector.offset_x.setValue(72.0)  # a tenth of the 720-pixel square
    inspector.offset_y.setValue(-36.0)
    pose = doc.pose_at(document.character(), document.frame)
    assert pose.tx == pytest.approx(0.1) and pose.ty == pytest.approx(-0.05)
    set_output(wide, 640, 360)  # half the size: the same pose is half as many output pixels
    assert inspector.offset_x.value() == pytest.approx(36.0) and inspector.offset_y.value() == pytest.approx(-18.0)
    assert inspector.offset_unit.text() == "px at 640×360 (the output)"


def test_a_pose_keeps_its_place_in_the_picture_when_the_output_size_changes(wide, qtbot):
    window, document = wide, wide.document
    name = document.character_name
    edits.change_edit(document, name, document.frame, dx=0.2, dy=-0.1, rotate=15.0, scale=1.2)
    wait_for_frame(qtbot, window)
    pose, place = doc.pose_at(document.character(), document.frame), where_in_picture(window, name)
    set_output(window, 640, 360)
    wait_for_frame(qtbot, window)
    canvas = window.canvas
    assert (canvas.image.width(), canvas.image.height()) == (640, 360)
    assert doc.pose_at(document.character(), document.frame) == pose  # the fractions are untouched
    assert where_in_picture(window, name) == pytest.approx(place, abs=1e-3)
    assert canvas.square_rect().width() == pytest.approx(360 * canvas.zoom())


def test_a_character_dropped_on_the_wide_frame_lands_with_its_centre_under_the_drop_point(wide, qtbot):
    canvas, document = wide.canvas, wide.document
    rect = canvas.image_rect()
    point = QPointF(rect.left() + 0.4 * rect.width(), rect.top() + 0.65 * rect.height())  # within the square
    assert send_drop(canvas, to_mime(DraggedMedia("digit-5-square", 0)), point, Qt.KeyboardModifier.ShiftModifier)
    name = document.character_name
    wait_for_frame(qtbot, wide)
    centre = canvas.to_widget(canvas.shape_of(name).x, canvas.shape_of(name).y)
    assert math.hypot(centre.x() - point.x(), centre.y() - point.y()) < 1.5 * canvas.square_zoom()


def test_onion_ghosts_and_thumbnails_come_at_the_frames_size_and_thumbnails_stay_small(wide, qtbot):
    window = wide
    window.set_onion_skin(True)
    viewport = window.viewport
    qtbot.waitUntil(lambda: (cached := viewport.cached()) is not None and window.canvas.image is not cached.image
                    and window.canvas.image.size() == cached.image.size(), timeout=20_000)  # the ghosted frame
    assert (window.canvas.image.width(), window.canvas.image.height()) == WIDE
    window.set_onion_skin(False)
    viewport.refresh()
    qtbot.waitUntil(lambda: viewport.cached(1, LayerView.COMPOSITE) is not None, timeout=20_000)
    rendered = viewport.cached(1, LayerView.COMPOSITE)
    assert (rendered.image.width(), rendered.image.height()) == WIDE
    thumbnail = rendered.thumbnail
    assert max(thumbnail.width(), thumbnail.height()) == THUMBNAIL_SIDE
    assert math.isclose(thumbnail.width() / thumbnail.height(), 1280 / 720, rel_tol=0.02)


def test_a_small_frame_is_enlarged_by_a_whole_number_and_a_large_one_shrunk_to_fit():
    from workstation.render.framing import ClipGeometry, Framing
    from workstation.ui.view.screen_framing import ScreenFraming

    small = ScreenFraming.fit((700, 500), (64, 64), Framing.of_background(ClipGeometry(64, 64, "crop"), (64, 64), 64))
    assert small.zoom == 7 and small.image.width() == small.image.height() == 448  # (500 - 8) / 64 = 7.7
    large = Framing.of_background(ClipGeometry(1280, 720, "crop"), (1280, 720), 64)
    shrunk = ScreenFraming.fit((648, 500), (1280, 720), large)
    assert shrunk.zoom == 0.5 and shrunk.square.width() == 360  # the square keeps its place in the picture


def test_an_old_project_upgraded_on_a_guess_says_so_in_the_status_bar(window, tmp_path):
    """A schema 1 file whose model cannot be read is upgraded with a 64-pixel square, and opening
    it says so (the file and why), so a wrong guess does not pass unnoticed."""
    import shutil
    from pathlib import Path

    old = tmp_path / "old.stopframe"
    shutil.copy(Path(__file__).parents[1] / "fixtures" / "projects" / "v1.stopframe", old)
    assert window.open_project(old)
    message = window.statusBar().currentMessage()
    assert message.startswith("old.stopframe: upgraded from schema 1 assuming a 64-pixel model square")
    assert "model.json" in message
