"""The shot timeline: a custom-painted strip with a frame-number ruler, one thumbnail cell per
frame, a diamond under each key of the selected character, the in/out range and the playhead.
Click or drag to scrub, Ctrl+wheel to zoom, wheel to scroll, I/O to set the in and out points
(window-wide as Playback ▸ Set In Point / Set Out Point, Alt+X clears them; ``menus.py``).
Frames are numbered from 0, as in the project file.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QPointF, QRect, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QResizeEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QWidget

ThumbnailProvider = Callable[[int], QImage | None]

MIN_CELL, MAX_CELL, DEFAULT_CELL = 8, 160, 48
ZOOM_STEP = 1.25
RULER_HEIGHT = 18
CELL_PADDING = 2
LABEL_STEPS = (1, 5, 10, 50, 100, 500, 1000, 5000, 10000)
PLAYHEAD_COLOUR = QColor(235, 80, 50)  # a fixed accent: it must stand out in both light and dark themes
KEY_COLOUR = QColor(255, 170, 40)  # the Canvas's handle colour: keys belong to the selected character
KEY_OUTLINE = QColor(60, 40, 0)  # dark, so the diamond shows on light thumbnails too
HANDLE_SLACK = 24  # how far the playhead's numbered handle may reach past its cell, each side
SCALED_KEPT = 512  # thumbnails kept scaled to the cell size (a repaint during playback reuses them)


class Timeline(QWidget):
    frame_requested = Signal(int)
    range_changed = Signal(int, int)
    key_moved = Signal(int, int)  # a key dragged from one frame to another

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._length = 1
        self._frame = 0
        self._first = 0
        self._last = 0
        self._cell = DEFAULT_CELL
        self._scroll = 0.0  # pixels of content scrolled off the left edge
        self._provider: ThumbnailProvider | None = None
        self._scaled: dict[tuple[int, int, int], QImage] = {}  # (image's cacheKey, width, height) -> scaled
        self._keys: tuple[int, ...] = ()
        self._key_drag: tuple[int, int] | None = None  # (the key's frame, the frame it is over now)
        self._scrubbing = False
        self._last_requested: int | None = None
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setMinimumHeight(64)
        self.setToolTip("Click or drag to scrub · Ctrl+wheel to zoom · I/O set in and out · "
                        "◆ marks the selected character's keys: drag one to move it")

    def sizeHint(self) -> QSize:
        return QSize(600, 96)

    # --- model ---------------------------------------------------------------------------------

    def set_length(self, n: int) -> None:
        """Clamps the playhead and the in/out range; a range that was the whole shot stays so."""
        whole = self.range() == (0, self._length - 1)
        self._length = max(1, int(n))
        self._frame = min(self._frame, self._length - 1)
        self._first = min(self._first, self._length - 1)
        self._last = self._length - 1 if whole else min(self._last, self._length - 1)
        self._set_scroll(self._scroll)
        self.update()

    def length(self) -> int:
        return self._length

    def set_frame(self, k: int) -> None:
        """Move the playhead: only its old and new cells are repainted (playback moves it 60 times
        a second), unless the strip scrolls to show it."""
        old, scroll = self._frame, self._scroll
        self._frame = self._clamp(k)
        self._ensure_visible(self._frame)
        if self._scroll != scroll:
            self.update()
            return
        for frame in (old, self._frame):
            cell = self._cell_rect(frame)
            self.update(QRectF(cell.left() - HANDLE_SLACK, 0, cell.width() + 2 * HANDLE_SLACK,
                               self.height()).toAlignedRect())

    def frame(self) -> int:
        return self._frame

    def set_range(self, first: int, last: int) -> None:
        first, last = self._clamp(first), self._clamp(last)
        self._first, self._last = min(first, last), max(first, last)
        self.update()

    def range(self) -> tuple[int, int]:
        return self._first, self._last

    def set_keys(self, frames) -> None:
        """The frames to mark as keys (those of the selected character; none without one)."""
        keys = tuple(sorted(set(int(k) for k in frames)))
        if keys != self._keys:
            self._keys = keys
            self.update()

    def keys(self) -> tuple[int, ...]:
        return self._keys

    def set_thumbnail_provider(self, provider: ThumbnailProvider | None) -> None:
        self._provider = provider
        self.update()

    def invalidate_thumbnails(self, frame: int | None = None) -> None:
        """Repaint the thumbnails: all, or only ``frame``'s cell (one came in from the renderer)."""
        if frame is None:
            self.update()
        else:
            self.update(self._cell_rect(frame).toAlignedRect())

    def set_cell_width(self, px: int) -> None:
        self._cell = max(MIN_CELL, min(MAX_CELL, int(px)))
        self._set_scroll(self._scroll)
        self.update()

    def cell_width(self) -> int:
        return self._cell

    # --- geometry ------------------------------------------------------------------------------

    def x_of(self, frame: int) -> float:
        """Widget x of the left edge of `frame`'s cell."""
        return frame * self._cell - self._scroll

    def frame_at(self, x: float) -> int:
        """The frame whose cell is under widget x, clamped to the shot."""
        return self._clamp(math.floor((x + self._scroll) / self._cell))

    def _clamp(self, k: int) -> int:
        return max(0, min(self._length - 1, int(k)))

    def _set_scroll(self, px: float) -> None:
        most = max(0.0, self._length * self._cell - self.width())
        self._scroll = max(0.0, min(most, px))

    def _ensure_visible(self, frame: int) -> None:
        left = self.x_of(frame)
        if left < 0:
            self._set_scroll(self._scroll + left)
        elif left + self._cell > self.width():
            self._set_scroll(self._scroll + left + self._cell - self.width())

    def resizeEvent(self, event: QResizeEvent) -> None:
        self._set_scroll(self._scroll)
        super().resizeEvent(event)

    # --- input ---------------------------------------------------------------------------------

    def key_at(self, point: QPointF) -> int | None:
        """The key whose diamond is under ``point`` (with a little slack), if any."""
        reach = self._key_radius() + 3
        for k in self._keys:
            centre = self.key_marker_centre(k)
            if abs(point.x() - centre.x()) <= reach and abs(point.y() - centre.y()) <= reach:
                return k
        return None

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return super().mousePressEvent(event)
        key = self.key_at(event.position())
        if key is not None:
            self._key_drag = (key, key)
            self.update()
            return
        self._scrubbing = True
        self._last_requested = None
        self._scrub_to(event.position().x())

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._key_drag is not None and event.buttons() & Qt.MouseButton.LeftButton:
            self._key_drag = (self._key_drag[0], self.frame_at(event.position().x()))
            self._ensure_visible(self._key_drag[1])
            self.update()
        elif self._scrubbing and event.buttons() & Qt.MouseButton.LeftButton:
            self._scrub_to(event.position().x())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        self._scrubbing = False
        if self._key_drag is not None:
            source, target = self._key_drag[0], self.frame_at(event.position().x())
            self._key_drag = None
            self.update()
            if target != source:
                self.key_moved.emit(source, target)

    def _scrub_to(self, x: float) -> None:
        k = self.frame_at(x)
        if k == self._last_requested:
            return
        self._last_requested = k
        self.set_frame(k)  # immediate feedback; the app's own set_frame in reply is then a no-op
        self.frame_requested.emit(k)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if delta.y():
                self._zoom(ZOOM_STEP if delta.y() > 0 else 1 / ZOOM_STEP, event.position().x())
        else:
            notches = (delta.x() or delta.y()) / 120
            self._set_scroll(self._scroll - notches * 2 * self._cell)
            self.update()
        event.accept()

    def _zoom(self, factor: float, anchor_x: float) -> None:
        content_at_anchor = (anchor_x + self._scroll) / self._cell  # in frames, fractional
        self.set_cell_width(round(self._cell * factor))
        self._set_scroll(content_at_anchor * self._cell - anchor_x)
        self.update()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            return super().keyPressEvent(event)
        if event.key() == Qt.Key.Key_I:
            self.set_in_point()
        elif event.key() == Qt.Key.Key_O:
            self.set_out_point()
        else:
            super().keyPressEvent(event)

    def set_in_point(self) -> None:
        """The in point at the playhead; an out point before it moves along."""
        self._user_range(self._frame, max(self._frame, self._last))

    def set_out_point(self) -> None:
        """The out point at the playhead; an in point after it moves along."""
        self._user_range(min(self._frame, self._first), self._frame)

    def clear_in_out(self) -> None:
        """The range back to the whole shot."""
        self._user_range(0, self._length - 1)

    def _user_range(self, first: int, last: int) -> None:
        if (first, last) != self.range():
            self.set_range(first, last)
            self.range_changed.emit(first, last)

    # --- painting ------------------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Window))
        exposed = event.rect()
        first_visible = self.frame_at(max(0, exposed.left()))
        last_visible = self.frame_at(min(exposed.right(), self._length * self._cell - self._scroll - 1))
        self._paint_ruler(painter, palette, first_visible, last_visible)
        for k in range(first_visible, last_visible + 1):
            self._paint_cell(painter, palette, k)
        self._paint_keys(painter, first_visible, last_visible)
        self._paint_playhead(painter)
        painter.end()

    def _cell_rect(self, k: int) -> QRectF:
        return QRectF(self.x_of(k), RULER_HEIGHT, self._cell, self.height() - RULER_HEIGHT)

    def _paint_ruler(self, painter: QPainter, palette: QPalette, first: int, last: int) -> None:
        ruler = QRectF(0, 0, self.width(), RULER_HEIGHT)
        painter.fillRect(ruler, palette.color(QPalette.ColorRole.Button))
        in_out = QRectF(self.x_of(self._first), 0, (self._last - self._first + 1) * self._cell, RULER_HEIGHT)
        shade = QColor(palette.color(QPalette.ColorRole.Highlight))
        shade.setAlpha(90)
        painter.fillRect(in_out.intersected(ruler), shade)

        # Label every `step`-th frame, the smallest step whose labels cannot touch each other.
        metrics = painter.fontMetrics()
        widest = metrics.horizontalAdvance(str(self._length - 1)) + 6
        step = next((s for s in LABEL_STEPS if s * self._cell >= widest), LABEL_STEPS[-1])
        painter.setPen(palette.color(QPalette.ColorRole.ButtonText))
        for k in range(first, last + 1):
            x = round(self.x_of(k))
            labelled = k % step == 0
            painter.drawLine(x, RULER_HEIGHT - (8 if labelled else 3), x, RULER_HEIGHT - 1)
            if labelled:
                painter.drawText(QRect(x + 3, 0, step * self._cell - 3, RULER_HEIGHT - 2),
                                 Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, str(k))

    def _paint_cell(self, painter: QPainter, palette: QPalette, k: int) -> None:
        cell = self._cell_rect(k)
        inner = cell.adjusted(CELL_PADDING, CELL_PADDING, -CELL_PADDING, -CELL_PADDING)
        painter.fillRect(cell, palette.color(QPalette.ColorRole.Base))
        image = self._provider(k) if self._provider is not None else None
        if image is not None and not image.isNull() and inner.width() >= 1 and inner.height() >= 1:
            scaled = self._scaled_to(image, inner.size().toSize())
            offset = QPointF((inner.width() - scaled.width()) / 2, (inner.height() - scaled.height()) / 2)
            painter.drawImage(inner.topLeft() + offset, scaled)
        else:
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
            painter.drawText(inner, Qt.AlignmentFlag.AlignCenter, str(k))
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawLine(cell.topRight(), cell.bottomRight())
        if not self._first <= k <= self._last:
            dim = QColor(palette.color(QPalette.ColorRole.Window))
            dim.setAlpha(160)
            painter.fillRect(cell, dim)

    def _scaled_to(self, image: QImage, size: QSize) -> QImage:
        """``image`` fitted into ``size``, scaled once and kept (a few hundred at most)."""
        key = (image.cacheKey(), size.width(), size.height())
        scaled = self._scaled.get(key)
        if scaled is None:
            if len(self._scaled) >= SCALED_KEPT:
                self._scaled.clear()
            scaled = image.scaled(size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)
            self._scaled[key] = scaled
        return scaled

    def key_marker_centre(self, k: int) -> QPointF:
        cell = self._cell_rect(k)
        return QPointF(cell.center().x(), cell.bottom() - self._key_radius() - 3)

    def _key_radius(self) -> float:
        return max(3.0, min(7.0, self._cell * 0.18))

    def _paint_keys(self, painter: QPainter, first: int, last: int) -> None:
        radius = self._key_radius()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        painter.setPen(QPen(KEY_OUTLINE, 1.2))
        painter.setBrush(KEY_COLOUR)
        keys = self._keys
        if self._key_drag is not None:  # the dragged key is drawn where it would land
            source, target = self._key_drag
            keys = tuple(k for k in keys if k not in (source, target)) + (target,)
        for k in keys:
            if first <= k <= last:
                c = self.key_marker_centre(k)
                painter.drawPolygon(QPolygonF([QPointF(c.x(), c.y() - radius), QPointF(c.x() + radius, c.y()),
                                               QPointF(c.x(), c.y() + radius), QPointF(c.x() - radius, c.y())]))
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        painter.setBrush(Qt.BrushStyle.NoBrush)

    def _paint_playhead(self, painter: QPainter) -> None:
        cell = self._cell_rect(self._frame)
        if cell.right() < 0 or cell.left() > self.width():
            return
        painter.setPen(QPen(PLAYHEAD_COLOUR, 2))
        painter.drawRect(cell.adjusted(1, 1, -1, -1))
        # The handle is at least as wide as its number, so narrow cells still show which frame it is.
        centre = cell.center().x()
        label = str(self._frame)
        half = max(cell.width(), painter.fontMetrics().horizontalAdvance(label) + 8) / 2
        left = max(0.0, min(self.width() - 2 * half, centre - half))  # whole, even at the strip's ends
        handle = QRectF(left, 0, 2 * half, RULER_HEIGHT)
        painter.fillRect(handle, PLAYHEAD_COLOUR)
        painter.setPen(Qt.GlobalColor.white)
        painter.drawText(handle, Qt.AlignmentFlag.AlignCenter, label)
        painter.setPen(QPen(PLAYHEAD_COLOUR, 1))
        painter.drawLine(QPointF(centre, RULER_HEIGHT), QPointF(centre, self.height()))
