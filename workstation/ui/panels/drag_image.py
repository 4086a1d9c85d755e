"""The picture that follows the pointer while a clip or a frame is dragged out of the Library: small,
half see-through, and below and to the right of the pointer, beyond the smallest drop zone of a
character (``canvas_drops.MIN_DROP_RADIUS``), so it never hides the character aimed at. (Qt's own,
for a row of the list, is the whole row under the pointer.)"""

from __future__ import annotations

import math

from PySide6.QtCore import QMimeData, QPoint, Qt
from PySide6.QtGui import QDrag, QPainter, QPixmap
from PySide6.QtWidgets import QWidget

from workstation.ui.view.canvas_drops import MIN_DROP_RADIUS

DRAG_SIDE = 48  # the picture's longer side, in screen pixels
DRAG_OPACITY = 0.7
DRAG_OFFSET = math.ceil(MIN_DROP_RADIUS)  # screen pixels from the pointer to the picture, across and down


def media_drag(source: QWidget, mime: QMimeData, picture: QPixmap | None) -> QDrag:
    """A drag of ``mime`` from ``source``, showing ``picture`` (a clip's thumbnail, a frame; none:
    the pointer alone) clear of the pointer."""
    drag = QDrag(source)
    drag.setMimeData(mime)
    if picture is not None and not picture.isNull():
        small = picture.scaled(DRAG_SIDE, DRAG_SIDE, Qt.AspectRatioMode.KeepAspectRatio,
                               Qt.TransformationMode.SmoothTransformation)
        small.setDevicePixelRatio(1.0)  # DRAG_SIDE screen pixels, whatever the picture's own ratio
        faded = QPixmap(small.size())
        faded.fill(Qt.GlobalColor.transparent)
        painter = QPainter(faded)
        painter.setOpacity(DRAG_OPACITY)
        painter.drawPixmap(0, 0, small)
        painter.end()
        drag.setPixmap(faded)
        drag.setHotSpot(QPoint(-DRAG_OFFSET, -DRAG_OFFSET))  # the pointer, from the picture's top-left corner
    return drag
