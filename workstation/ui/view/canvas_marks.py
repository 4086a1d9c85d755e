"""What the Canvas paints on and beside the frame, apart from the selection: the checkerboard that
shows through a cut-out, the caption naming the layer shown, and the note saying the frame is
scaled down to fit."""

from __future__ import annotations

import math

from PySide6.QtCore import QRectF, Qt
from PySide6.QtGui import QColor, QPainter

CHECKER = 12  # screen pixels per checkerboard square
CHECKER_COLOURS = (QColor(204, 204, 204), QColor(153, 153, 153))


def paint_checkerboard(painter: QPainter, rect: QRectF) -> None:
    painter.save()
    painter.setClipRect(rect)
    painter.fillRect(rect, CHECKER_COLOURS[0])
    columns, rows = math.ceil(rect.width() / CHECKER), math.ceil(rect.height() / CHECKER)
    for row in range(rows):
        for column in range(row % 2, columns, 2):
            painter.fillRect(QRectF(rect.left() + column * CHECKER, rect.top() + row * CHECKER, CHECKER, CHECKER),
                             CHECKER_COLOURS[1])
    painter.restore()


def paint_note(painter: QPainter, rect: QRectF, note: str) -> None:
    band = QRectF(rect.left(), rect.bottom() - 20, rect.width(), 20)
    painter.fillRect(band, QColor(0, 0, 0, 130))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(band.adjusted(6, 0, -6, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight, note)


def paint_caption(painter: QPainter, rect: QRectF, caption: str) -> None:
    band = QRectF(rect.left(), rect.top(), rect.width(), 22)
    painter.fillRect(band, QColor(0, 0, 0, 150))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(band.adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, caption)
