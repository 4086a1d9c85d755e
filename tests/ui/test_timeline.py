"""The timeline widget driven with real mouse, key and wheel events."""

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QColor, QImage, QWheelEvent
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from workstation.ui.view.timeline import KEY_COLOUR, RULER_HEIGHT, Timeline

WIDTH, HEIGHT = 600, 96


@pytest.fixture
def timeline(qtbot):
    widget = Timeline()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.set_length(100)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def centre_of(widget: Timeline, frame: int) -> QPoint:
    """The middle of a frame's cell, below the ruler."""
    return QPoint(round(widget.x_of(frame) + widget.cell_width() / 2), (RULER_HEIGHT + widget.height()) // 2)


def wheel(widget: Timeline, x: float, dy: int, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    position = QPointF(x, widget.height() / 2)
    event = QWheelEvent(position, widget.mapToGlobal(position), QPoint(), QPoint(0, dy), Qt.MouseButton.NoButton,
                        modifiers, Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, event)


def record(signal) -> list:
    seen = []
    signal.connect(lambda *args: seen.append(args if len(args) > 1 else args[0]))
    return seen


def test_defaults(qtbot):
    widget = Timeline()
    qtbot.addWidget(widget)
    assert (widget.frame(), widget.range(), widget.cell_width()) == (0, (0, 0), 48)
    assert widget.sizeHint().width() == 600 and widget.sizeHint().height() == 96
    assert widget.minimumHeight() == 64
    assert widget.focusPolicy() == Qt.FocusPolicy.StrongFocus
    assert "Ctrl+wheel to zoom" in widget.toolTip()
    widget.set_length(30)
    assert widget.range() == (0, 29), "the default range is the whole shot, whatever its length"


def test_frame_at_and_x_of_agree(timeline):
    for k in (0, 1, 7, 12):
        left = timeline.x_of(k)
        assert timeline.frame_at(left) == k
        assert timeline.frame_at(left + timeline.cell_width() - 0.5) == k
    assert timeline.frame_at(-50) == 0
    assert timeline.frame_at(1e6) == 99


def test_click_requests_the_frame_under_the_cursor(timeline, qtbot):
    seen = record(timeline.frame_requested)
    qtbot.mouseClick(timeline, Qt.MouseButton.LeftButton, pos=centre_of(timeline, 5))
    assert seen == [5]
    assert timeline.frame() == 5


def test_drag_requests_each_distinct_frame_once_in_order(timeline, qtbot):
    seen = record(timeline.frame_requested)
    start = centre_of(timeline, 2)
    qtbot.mousePress(timeline, Qt.MouseButton.LeftButton, pos=start)
    for x in range(start.x(), round(timeline.x_of(6)) + 10, timeline.cell_width() // 4):
        qtbot.mouseMove(timeline, QPoint(x, start.y()))
    qtbot.mouseRelease(timeline, Qt.MouseButton.LeftButton, pos=centre_of(timeline, 6))
    assert seen == [2, 3, 4, 5, 6]


def test_drag_past_the_ends_clamps(qtbot):
    widget = Timeline()
    qtbot.addWidget(widget)
    widget.resize(WIDTH, HEIGHT)
    widget.set_length(5)  # 240 px of cells in a 600 px strip
    widget.show()
    seen = record(widget.frame_requested)
    qtbot.mousePress(widget, Qt.MouseButton.LeftButton, pos=centre_of(widget, 3))
    for x in (300, 400, 590, -20):
        qtbot.mouseMove(widget, QPoint(x, 50))
    qtbot.mouseRelease(widget, Qt.MouseButton.LeftButton, pos=QPoint(-20, 50))
    assert seen == [3, 4, 0]


def test_moving_without_a_button_does_not_scrub(timeline, qtbot):
    timeline.setMouseTracking(True)
    seen = record(timeline.frame_requested)
    qtbot.mouseMove(timeline, centre_of(timeline, 4))
    qtbot.mouseMove(timeline, centre_of(timeline, 8))
    assert seen == []


def test_set_frame_does_not_emit_and_clamps(timeline, qtbot):
    with qtbot.assertNotEmitted(timeline.frame_requested):
        timeline.set_frame(7)
        assert timeline.frame() == 7
        timeline.set_frame(1000)
        assert timeline.frame() == 99
        timeline.set_frame(-3)
        assert timeline.frame() == 0


def test_set_frame_keeps_the_playhead_visible(timeline):
    timeline.set_frame(80)
    assert 0 <= timeline.x_of(80) and timeline.x_of(80) + timeline.cell_width() <= timeline.width()
    timeline.set_frame(3)
    assert 0 <= timeline.x_of(3) and timeline.x_of(3) + timeline.cell_width() <= timeline.width()


def test_i_and_o_set_the_range_and_emit(timeline, qtbot):
    seen = record(timeline.range_changed)
    timeline.set_frame(10)
    QTest.keyClick(timeline, Qt.Key.Key_I)
    timeline.set_frame(20)
    QTest.keyClick(timeline, Qt.Key.Key_O)
    QTest.keyClick(timeline, Qt.Key.Key_O)  # no change, no signal
    assert timeline.range() == (10, 20)
    assert seen == [(10, 99), (10, 20)]
    timeline.set_frame(30)
    QTest.keyClick(timeline, Qt.Key.Key_I)  # an in point after the out point takes the out point along
    assert timeline.range() == (30, 30) and seen[-1] == (30, 30)


def test_set_range_orders_clamps_and_does_not_emit(timeline, qtbot):
    with qtbot.assertNotEmitted(timeline.range_changed):
        timeline.set_range(50, 10)
        assert timeline.range() == (10, 50)
        timeline.set_range(-5, 500)
        assert timeline.range() == (0, 99)


def test_set_length_clamps_frame_and_range(timeline):
    timeline.set_frame(80)
    timeline.set_range(20, 90)
    timeline.set_length(50)
    assert timeline.frame() == 49 and timeline.range() == (20, 49)
    timeline.set_length(10)
    assert timeline.frame() == 9 and timeline.range() == (9, 9)
    timeline.set_length(0)
    assert timeline.frame() == 0 and timeline.range() == (0, 0)
    assert timeline.frame_at(1e6) == 0


def test_cell_width_is_clamped(timeline):
    timeline.set_cell_width(2)
    assert timeline.cell_width() == 8
    timeline.set_cell_width(1000)
    assert timeline.cell_width() == 160
    wheel(timeline, 300, 120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.cell_width() == 160


def test_ctrl_wheel_zooms_around_the_cursor(timeline):
    wheel(timeline, 300, -120)  # scroll a little first, so the anchor is not the trivial one
    assert timeline.x_of(0) < 0
    x = 317
    under = timeline.frame_at(x)
    wheel(timeline, x, 120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.cell_width() == 60
    assert timeline.frame_at(x) == under
    wheel(timeline, x, -120, Qt.KeyboardModifier.ControlModifier)
    wheel(timeline, x, -120, Qt.KeyboardModifier.ControlModifier)
    assert timeline.cell_width() == round(round(60 / 1.25) / 1.25)
    assert timeline.frame_at(x) == under


def test_plain_wheel_scrolls_within_the_content(timeline):
    wheel(timeline, 300, -120)
    assert timeline.x_of(0) < 0 and timeline.cell_width() == 48
    for _ in range(50):
        wheel(timeline, 300, -120)
    assert timeline.x_of(100) == timeline.width(), "scrolled to the end, and no further"
    for _ in range(50):
        wheel(timeline, 300, 120)
    assert timeline.x_of(0) == 0


def test_provider_is_asked_for_visible_frames_only(timeline):
    asked = []
    timeline.set_thumbnail_provider(lambda k: asked.append(k))
    timeline.grab()
    assert sorted(asked) == list(range(13))  # 600 px / 48 px: frames 0..12, the last one cut off
    asked.clear()
    timeline.set_frame(60)
    timeline.grab()
    assert 60 in asked and len(asked) == len(set(asked)) <= 14
    assert all(0 <= timeline.x_of(k) + timeline.cell_width() and timeline.x_of(k) < timeline.width() for k in asked)


def solid(colour) -> QImage:
    image = QImage(4, 4, QImage.Format.Format_RGB32)
    image.fill(QColor(colour))
    return image


def test_thumbnails_are_drawn_and_none_gets_a_placeholder(timeline):
    timeline.set_frame(8)
    timeline.set_thumbnail_provider(lambda k: solid("#ff0000") if k == 2 else None)
    picture = timeline.grab().toImage()
    assert picture.pixelColor(centre_of(timeline, 2)) == QColor("#ff0000")
    assert picture.pixelColor(centre_of(timeline, 3)) != QColor("#ff0000")


def test_pixel_art_stays_crisp(timeline):
    checker = QImage(2, 2, QImage.Format.Format_RGB32)
    for x in range(2):
        for y in range(2):
            checker.setPixelColor(x, y, QColor("black") if (x + y) % 2 else QColor("white"))
    timeline.set_frame(8)
    timeline.set_thumbnail_provider(lambda k: checker)
    picture = timeline.grab().toImage()
    centre = centre_of(timeline, 2)
    colours = {picture.pixelColor(centre.x() + dx, centre.y() + dy).name()
               for dx in range(-10, 11) for dy in range(-10, 11)}
    assert colours == {"#000000", "#ffffff"}


def test_frames_outside_the_range_are_dimmed(timeline):
    timeline.set_frame(8)
    timeline.set_range(3, 5)
    timeline.set_thumbnail_provider(lambda k: solid("#ff0000"))
    picture = timeline.grab().toImage()
    assert picture.pixelColor(centre_of(timeline, 4)) == QColor("#ff0000")
    assert picture.pixelColor(centre_of(timeline, 1)) != QColor("#ff0000")
    assert picture.pixelColor(centre_of(timeline, 6)) != QColor("#ff0000")


def test_paints_at_every_zoom(timeline):
    timeline.set_thumbnail_provider(lambda k: solid("#00ff00") if k % 3 else QImage())
    for width in (8, 9, 20, 48, 160):
        timeline.set_cell_width(width)
        timeline.set_frame(99)
        assert not timeline.grab().isNull()


def test_keys_are_marked_with_a_diamond_under_their_frames(timeline):
    timeline.set_frame(8)
    timeline.set_thumbnail_provider(lambda k: solid("#202020"))
    timeline.set_keys([5, 2, 5, 300])  # unsorted, repeated, and one past the shot's end
    assert timeline.keys() == (2, 5, 300)
    for width in (8, 48):
        timeline.set_cell_width(width)
        picture = timeline.grab().toImage()
        marked = [picture.pixelColor(timeline.key_marker_centre(k).toPoint()) == KEY_COLOUR for k in range(6)]
        assert marked[2] and marked[5] and not marked[3] and not marked[4]
    timeline.set_keys([])
    assert timeline.grab().toImage().pixelColor(timeline.key_marker_centre(2).toPoint()) != KEY_COLOUR



def test_dragging_a_key_diamond_moves_the_key_and_does_not_scrub(timeline, qtbot):
    timeline.set_keys([2, 5])
    moved, requested = record(timeline.key_moved), record(timeline.frame_requested)
    start = timeline.key_marker_centre(5).toPoint()
    QTest.mousePress(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, start)
    for frame in (6, 7, 8):
        QTest.mouseMove(timeline, timeline.key_marker_centre(frame).toPoint())
    assert timeline.grab().toImage().pixelColor(timeline.key_marker_centre(8).toPoint()) == KEY_COLOUR
    QTest.mouseRelease(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                       timeline.key_marker_centre(8).toPoint())
    assert moved == [(5, 8)] and requested == []
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier,
                     timeline.key_marker_centre(2).toPoint())  # a click on a key moves nothing
    assert moved == [(5, 8)]
    QTest.mouseClick(timeline, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, centre_of(timeline, 3))
    assert requested == [3]  # elsewhere it scrubs as before
