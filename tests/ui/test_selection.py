"""Selecting characters as a user does (issue 15, cases 5 and 8): on the Canvas a character takes the
clicks where it is drawn, and one that draws nothing (footage the model does not know) gets a small
handle at its anchor instead of an outline over the whole Canvas; the Inspector's character list
picks any character of the shot, even with none selected; selecting never moves the Canvas; and the
Inspector's disabled fields show nothing of the character selected before. A character dropped on the
Canvas (case 6) lands with its centre under the drop point, in one undo step."""

import math

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from tests.ui.conftest import character_point, empty_point, send_drop, snapshot, wait_for_frame
from workstation.ui.mime import DraggedMedia, to_mime

UNKNOWN = "backdrop-1"  # a photo backdrop: as a character, the digit model draws nothing of it


def click(widget, point: QPointF) -> None:
    QTest.mouseClick(widget, Qt.MouseButton.LeftButton, pos=point.toPoint())


def pick_in_inspector(window, name: str | None) -> None:
    """Choose ``name`` (None: "(none selected)") in the Inspector's character list, as a click does."""
    box = window.inspector.character_box
    index = box.findData(name)
    assert index >= 0 and box.isEnabled() and box.isVisibleTo(window)
    box.setCurrentIndex(index)
    box.activated.emit(index)


@pytest.fixture
def unknown(window, qtbot):
    """A character added (Shift+drop) from footage the model does not know; it is selected."""
    assert send_drop(window.canvas, to_mime(DraggedMedia(UNKNOWN, 0)), empty_point(window),
                     Qt.KeyboardModifier.ShiftModifier)
    name = window.document.character_name
    assert name is not None
    wait_for_frame(qtbot, window)
    shape = window.canvas.shape_of(name)
    assert shape is not None and shape.coverage is None  # it draws nothing: nothing of it to click
    return name


def painted_beyond(window, before, centre: QPointF, distance: float) -> int:
    """How many pixels of the Canvas as painted now differ from ``before`` (an earlier grab) farther
    than ``distance`` from ``centre``."""
    image = window.canvas.grab().toImage()
    ratio = image.width() / window.canvas.width()
    return sum(1 for y in range(image.height()) for x in range(image.width())
               if image.pixel(x, y) != before.pixel(x, y)
               and math.hypot(x / ratio - centre.x(), y / ratio - centre.y()) > distance)


def test_a_character_that_draws_nothing_gets_a_small_handle_not_a_canvas_sized_outline(window, qtbot, unknown):
    canvas = window.canvas
    shape = canvas.shape_of(unknown)
    anchor = canvas.to_widget(shape.x, shape.y)
    centre, radius = canvas.outline(shape)
    assert centre == anchor and radius <= 12 < canvas.image_rect().width() / 10
    selected = canvas.grab().toImage()
    canvas.set_selected(None)
    assert painted_beyond(window, selected, anchor, 0) > 0  # the selection was painted
    assert painted_beyond(window, selected, anchor, 40) == 0  # outline and handles stay near the anchor
    canvas.set_selected(unknown)

    digit = window.document.shot().characters[0].name
    click(canvas, character_point(window, digit))  # a drawn character under it takes the click
    assert window.document.character_name == digit
    click(canvas, anchor)  # it takes no click where it draws nothing (and it is not selected)
    assert window.document.character_name != unknown

    pick_in_inspector(window, unknown)  # picked from the Inspector, then dragged by its handle
    assert window.document.character_name == unknown and canvas.selected == unknown
    steps = window.document.undo_stack.count()
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=anchor.toPoint())
    QTest.mouseMove(canvas, (anchor + QPointF(30, 0)).toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=(anchor + QPointF(30, 0)).toPoint())
    pose = window.document.character().keyframes[0].pose
    assert pose.tx == pytest.approx(30 / canvas.square_rect().width()) and pose.ty == 0  # fractions of the square
    assert window.document.undo_stack.count() == steps + 1


def test_a_press_near_the_anchor_moves_it_though_the_scale_handle_reaches_there(window, qtbot, unknown):
    """The anchor of a character that draws nothing is small: its scale handle reaches its centre. A
    press nearer the centre than the handle moves the character; one on the handle scales it."""
    canvas = window.canvas
    shape = canvas.shape_of(unknown)
    anchor = canvas.to_widget(shape.x, shape.y)
    handle = canvas.scale_handle(shape)
    toward = anchor + (handle - anchor) * 0.4  # inside the anchor, and within the handle's reach
    assert math.hypot(toward.x() - handle.x(), toward.y() - handle.y()) <= 10
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, pos=toward.toPoint())
    QTest.mouseMove(canvas, (toward + QPointF(-40, 0)).toPoint())
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=(toward + QPointF(-40, 0)).toPoint())
    pose = window.document.character().keyframes[0].pose
    assert pose.tx == pytest.approx(-40 / canvas.square_rect().width()) and pose.scale == 1


def test_a_drawn_character_is_outlined_around_its_opaque_pixels(window, qtbot):
    canvas = window.canvas
    digit = window.document.shot().characters[0].name
    click(canvas, character_point(window, digit))
    shape = canvas.shape_of(digit)
    centre, radius = canvas.outline(shape)
    rows, columns = shape.coverage.nonzero()
    farthest = max(math.hypot(c + 0.5 - shape.x, r + 0.5 - shape.y) for r, c in zip(rows, columns))
    assert farthest * canvas.square_zoom() <= radius <= (farthest + 1) * canvas.square_zoom()
    assert radius < canvas.image_rect().width() / 2


def test_the_inspector_picks_a_character_with_none_selected(window, qtbot):
    inspector = window.inspector
    click(window.canvas, empty_point(window))
    assert window.document.character_name is None
    names = [c.name for c in window.document.shot().characters]
    assert [inspector.character_box.itemData(i) for i in range(1, inspector.character_box.count())] == names
    pick_in_inspector(window, names[-1])
    assert window.document.character_name == names[-1] and window.canvas.selected == names[-1]
    assert inspector.offset_x.isEnabled()
    pick_in_inspector(window, None)
    assert window.document.character_name is None and window.canvas.selected is None


def test_disabled_fields_show_nothing_of_the_character_selected_before(window, qtbot):
    inspector, document = window.inspector, window.document
    name = document.shot().characters[0].name
    document.select_character(name)
    inspector.offset_x.setValue(7.5)
    inspector.rotation.setValue(45)
    assert document.character().keyframes
    click(window.canvas, empty_point(window))
    assert document.character_name is None
    for box in (inspector.offset_x, inspector.offset_y, inspector.rotation, inspector.scale, inspector.motion_start,
                inspector.motion_end):
        assert not box.isEnabled() and box.cleanText() == "", box
    assert not inspector.motion_loop.isChecked() and inspector.interpolation.currentText() == ""
    assert inspector.key_state.text() == "" and inspector.source.text() == inspector.source.empty_text
    document.select_character(name)  # the values come back with the character
    assert [box.cleanText() for box in (inspector.offset_x, inspector.offset_y, inspector.rotation)] == \
        ["7.5", "0.0", "45.0"]
    assert inspector.interpolation.currentText() == document.character().interpolation


def test_selecting_and_deselecting_never_moves_the_canvas(window, qtbot, unknown):
    document = window.document
    click(window.canvas, empty_point(window))
    QApplication.processEvents()
    geometry = window.canvas.geometry()
    width = window.inspector_dock.width()
    for name in [c.name for c in document.shot().characters] + [None, unknown, None]:
        pick_in_inspector(window, name)
        for frame in (0, 5, 23):  # the Keys line says other things at other frames
            window.scrub(frame)
            QApplication.processEvents()
            assert window.canvas.geometry() == geometry, (name, frame, window.inspector.key_state.text())
    assert window.inspector_dock.width() == width


def test_a_dropped_character_lands_with_its_centre_under_the_drop_point(window, qtbot):
    canvas, document = window.canvas, window.document
    window.scrub(5)
    wait_for_frame(qtbot, window)
    before, steps = snapshot(window), document.undo_stack.count()
    rect = canvas.image_rect()
    point = QPointF(rect.left() + 0.25 * rect.width(), rect.top() + 0.7 * rect.height())
    assert send_drop(canvas, to_mime(DraggedMedia("digit-5-square", 0)), point, Qt.KeyboardModifier.ShiftModifier)
    name = document.character_name
    assert name == document.shot().characters[-1].name
    wait_for_frame(qtbot, window)
    shape = canvas.shape_of(name)
    x, y = canvas.to_model(point)
    assert shape.coverage is not None and shape.covers(x, y, 1.0)
    assert math.hypot(shape.x - x, shape.y - y) < 1.5, ((shape.x, shape.y), (x, y))
    assert [key.frame for key in document.character().keyframes] == [5]
    assert canvas.character_at(point) == name  # what is under the pointer is what was dropped

    assert document.undo_stack.count() == steps + 1
    document.undo_stack.undo()
    assert snapshot(window) == before
