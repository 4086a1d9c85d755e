"""The training dialog's loss curve, painted with QPainter from the run's ``step`` events (no
plotting library in the editor). The loss is drawn on a log scale when it is all positive: it falls
by orders of magnitude early on, and a linear scale would flatten the rest of the run."""

from __future__ import annotations

import math

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

MAX_POINTS = 2000  # older points are thinned to every other one beyond this: the shape stays


class LossCurve(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.points: list[tuple[int, float]] = []  # (step, loss)
        self.setMinimumSize(200, 90)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setToolTip("How far the model's pictures are from the real frames: lower is better")

    def add(self, step: int, loss: float) -> None:
        if not math.isfinite(loss):
            return
        if self.points and step <= self.points[-1][0]:  # a resumed run repeats the steps after its checkpoint
            self.points = [point for point in self.points if point[0] < step]
        self.points.append((step, loss))
        if len(self.points) > MAX_POINTS:
            self.points = self.points[::2]
        self.update()

    def clear(self) -> None:
        self.points = []
        self.update()

    def log_scale(self) -> bool:
        return bool(self.points) and min(loss for _, loss in self.points) > 0

    def polyline(self, area: QRectF) -> list[QPointF]:
        """The curve's points in widget coordinates within ``area``."""
        if not self.points:
            return []
        scale = math.log10 if self.log_scale() else (lambda value: value)
        steps = [step for step, _ in self.points]
        values = [scale(loss) for _, loss in self.points]
        first, last = min(steps), max(steps)
        low, high = min(values), max(values)
        width, height = max(last - first, 1), max(high - low, 1e-12)
        return [QPointF(area.left() + (step - first) / width * area.width(),
                        area.bottom() - (value - low) / height * area.height()) for step, value in zip(steps, values)]

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        painter.fillRect(self.rect(), palette.base())
        text_colour = palette.text().color()
        painter.setPen(text_colour)
        margin = 6.0
        caption_height = painter.fontMetrics().height()
        area = QRectF(margin, margin + caption_height, self.width() - 2 * margin,
                      self.height() - 2 * margin - caption_height)
        caption = "Error (lower is better)"
        if self.points:
            caption += f": {self.points[-1][1]:.4g} at step {self.points[-1][0]:,}"
        painter.drawText(QRectF(margin, margin, area.width(), caption_height),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, caption)
        frame_colour = QColor(text_colour)
        frame_colour.setAlpha(60)
        painter.setPen(QPen(frame_colour, 1))
        painter.drawRect(area)
        points = self.polyline(area)
        if len(points) >= 2:
            path = QPainterPath(points[0])
            for point in points[1:]:
                path.lineTo(point)
            painter.setPen(QPen(palette.highlight().color(), 1.5))
            painter.drawPath(path)
        elif points:
            painter.setBrush(palette.highlight())
            painter.drawEllipse(points[0], 2.0, 2.0)
        painter.end()
