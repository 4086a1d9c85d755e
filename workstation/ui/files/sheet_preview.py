"""The picture of a sprite sheet with its cells drawn over it, as File ▸ Import Sprite Sheet… shows it
while the grid is set (``sheet_dialog.py``): the cells of the clips to import outlined in orange, the
others in grey. The picture is scaled to fit, by whole pixels (nearest neighbour) where it is
enlarged, so pixel art stays crisp."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from workstation.media.aseprite_json import Rect
from workstation.ui.view.qimages import rgb8_to_qimage

CHOSEN = QColor(255, 140, 0)  # the cells of a clip to import
OTHER = QColor(160, 160, 160, 140)  # the other cells of the grid


class SheetPreview(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._image: QImage | None = None
        self._size = (1, 1)
        self._cells: tuple[tuple[Rect, bool], ...] = ()
        self.setMinimumSize(240, 180)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:
        return QSize(520, 420)

    def set_picture(self, rgb: np.ndarray) -> None:
        self._image = rgb8_to_qimage(rgb)
        self._size = (int(rgb.shape[1]), int(rgb.shape[0]))
        self.update()

    def set_cells(self, cells: Sequence[tuple[Rect, bool]]) -> None:
        """The rectangles drawn over the picture, each with whether it belongs to a clip to import."""
        self._cells = tuple(cells)
        self.update()

    @property
    def cells(self) -> tuple[tuple[Rect, bool], ...]:
        return self._cells

    def picture_rect(self) -> QRectF:
        """Where the picture is drawn: centred, as large as fits, whole multiples when enlarged."""
        width, height = self._size
        scale = min(self.width() / width, self.height() / height)
        if scale >= 1:
            scale = float(int(scale))
        shown_width, shown_height = width * scale, height * scale
        return QRectF((self.width() - shown_width) / 2, (self.height() - shown_height) / 2, shown_width, shown_height)

    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().dark())
        if self._image is None:
            return
        target = self.picture_rect()
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, target.width() < self._size[0])
        painter.drawImage(target, self._image)
        scale = target.width() / self._size[0]
        for chosen in (False, True):  # the chosen cells on top
            pen = QPen(CHOSEN if chosen else OTHER)
            pen.setCosmetic(True)
            pen.setWidth(2 if chosen else 1)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            for rect, is_chosen in self._cells:
                if is_chosen == chosen:
                    painter.drawRect(QRectF(target.x() + rect.x * scale, target.y() + rect.y * scale,
                                            rect.w * scale, rect.h * scale))
        painter.end()
