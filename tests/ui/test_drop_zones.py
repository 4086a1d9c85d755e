"""Dropping on a small character (issue 29, item 6): a clip dropped a few pixels off a character
drawn small lands on it (its motion), not on the background; a drop well away from it still
replaces the background; and the pictures that follow the pointer out of the Library (a clip's row,
a frame) keep clear of the spot aimed at."""

import math

import pytest
from PySide6.QtCore import QPoint, QPointF, QRect, Qt
from PySide6.QtGui import QDrag
from PySide6.QtTest import QTest

from tests.ui.conftest import send_drop, wait_for_frame
from tests.ui.test_library import click_row
from workstation import project as doc
from workstation.ui.editing import animator_edits as edits
from workstation.ui.view.canvas_drops import MIN_DROP_RADIUS

CLIP = "digit-7-drift"


@pytest.fixture
def small(window, qtbot):
    """The demo's first character, scaled down to a few pixels on the Canvas; its name."""
    document = window.document
    name = document.shot().characters[0].name
    document.select_character(name)
    edits.change_edit(document, name, document.frame, absolute={"scale": 0.4})
    document.select_character(None)
    document.undo_stack.clear()
    wait_for_frame(qtbot, window)
    shape = window.canvas.shape_of(name)
    assert shape is not None and shape.coverage is not None  # it is drawn...
    columns = shape.coverage.nonzero()[1]
    assert (columns.max() - columns.min() + 1) * window.canvas.square_zoom() <= 32  # ...a few pixels wide
    return name


def just_off(window, name: str, gap: float) -> QPointF:
    """A point ``gap`` screen pixels to the right of the rightmost pixel ``name`` draws on its middle
    row (and so beyond the reach of a click)."""
    canvas = window.canvas
    shape = canvas.shape_of(name)
    rows, columns = shape.coverage.nonzero()
    row = int(rows[len(rows) // 2])
    edge = canvas.to_widget(float(columns[rows == row].max() + 1), row + 0.5)
    point = QPointF(edge.x() + gap, edge.y())
    assert canvas.character_at(point) is None  # a click there would miss it
    return point


def row_mime(window, clip: str):
    library = window.library
    return library.mimeData([library.clip_item(clip)])


def test_a_clip_dropped_a_few_pixels_off_a_small_character_animates_it(window, qtbot, small):
    document = window.document
    background = document.shot().background
    assert send_drop(window.canvas, row_mime(window, CLIP), just_off(window, small, 6))
    assert document.shot().background == background  # not replaced
    assert document.shot().character(small).motion == doc.MotionSource(CLIP, 0, None, True)


def test_a_clip_dropped_well_away_from_a_small_character_is_the_background(window, qtbot, small):
    document = window.document
    point = just_off(window, small, MIN_DROP_RADIUS + 40)
    motion = document.shot().character(small).motion
    assert send_drop(window.canvas, row_mime(window, CLIP), point)
    assert document.shot().background == doc.FrameRef(CLIP, 0)
    assert document.shot().character(small).motion == motion


def started_drag(window, source, press: QPoint) -> QDrag:
    """Press on ``source`` at ``press`` and move as a user starting a drag does; the drag that started
    (offscreen, it ends at once, and waits to be deleted)."""
    before = set(window.findChildren(QDrag))
    QTest.mousePress(source, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press)
    for step in range(1, 5):
        QTest.mouseMove(source, press + QPoint(8 * step, 4 * step))
    QTest.mouseRelease(source, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, press + QPoint(32, 16))
    drags = [drag for drag in window.findChildren(QDrag) if drag not in before]
    assert drags, "no drag started"
    return drags[-1]


def assert_clear_of_the_pointer(drag: QDrag) -> None:
    """The drag's picture, where it follows the pointer, stays outside the smallest drop zone."""
    pixmap = drag.pixmap()
    assert not pixmap.isNull()
    size = pixmap.deviceIndependentSize().toSize()
    assert max(size.width(), size.height()) <= 64  # small
    placed = QRect(-drag.hotSpot(), size)  # the pointer at (0, 0)
    nearest_x = max(placed.left(), 0, -placed.right() - 1)
    nearest_y = max(placed.top(), 0, -placed.bottom() - 1)
    assert math.hypot(nearest_x, nearest_y) > MIN_DROP_RADIUS


def test_a_clips_row_drags_a_small_picture_beside_the_pointer(window, qtbot):
    library = window.library
    library.load_all_icons()
    click_row(library, CLIP)
    drag = started_drag(window, library.viewport(), library.visualItemRect(library.clip_item(CLIP)).center())
    assert drag.mimeData().text() == row_mime(window, CLIP).text()
    assert_clear_of_the_pointer(drag)


def test_a_frame_drags_a_small_picture_beside_the_pointer(window, qtbot):
    library = window.library
    click_row(library, CLIP)
    frames = library.frames
    frames.spin.setValue(3)
    qtbot.waitUntil(lambda: not frames.picture.pixmap().isNull(), timeout=10_000)
    drag = started_drag(window, frames.picture, frames.picture.rect().center())
    assert drag.mimeData().text() == f"frame 3 of {CLIP!r}"
    assert_clear_of_the_pointer(drag)
