"""Where a rendered frame and its model square land on the Canvas.

The frame is the shot's output (W x H pixels, as the engine renders it): it is drawn centred,
enlarged by the largest whole number that fits the Canvas (a 64x64 shot is not a speck, and its
pixels stay square), or scaled down, keeping its aspect, when the Canvas is too small for it: a
crisp shot by a whole divisor (1/2, 1/3, ...: each screen pixel shows the same n x n of its
pixels, so none shows wider than another), a smooth one by whatever fits. The zoom counts the
screen's device pixels (a 150% screen has 1.5 to a widget pixel), and the frame's corner sits on
a device pixel, so a whole-number zoom is whole where the pixels are drawn. Inside it
the model square lands where the shot's ``Framing`` says (``square_rect``, in output pixels);
outlines, handles and hit tests are in model-square pixels (``CharacterShape``) and reach the
screen through it. Positions are edge to edge: a pixel i spans i..i+1, its centre at i + 0.5.
Pure geometry: Qt's point and rectangle types, no widget.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF

from workstation.render.framing import Framing

MARGIN = 8.0  # screen pixels kept free around a frame scaled down to fit


@dataclass(frozen=True)
class ScreenFraming:
    """A frame of ``output`` (width, height) pixels drawn at ``image`` on the screen, its model
    square (``size`` pixels a side) at ``square``."""

    image: QRectF
    square: QRectF
    size: int
    output: tuple[int, int]

    @classmethod
    def fit(cls, widget: tuple[float, float], output: tuple[int, int], framing: Framing, crisp: bool = False,
            ratio: float = 1.0) -> ScreenFraming:
        """A frame of ``output`` pixels in a widget of ``widget`` (width, height) screen pixels, its
        square placed as ``framing`` places it (in a frame of ``framing``'s size, scaled to this one);
        ``crisp``: shrunk only by a whole divisor; ``ratio``: device pixels per widget pixel."""
        (space_w, space_h), (width, height) = widget, output
        fits = min(max(1.0, space_w - MARGIN) * ratio / width, max(1.0, space_h - MARGIN) * ratio / height)
        if fits >= 1.0:
            device_zoom = float(math.floor(fits))  # whole-number zooms keep pixel art crisp
        elif crisp:
            device_zoom = 1.0 / math.ceil(1.0 / fits - 1e-9)  # 1/n: every pixel shown the same
        else:
            device_zoom = fits
        shown = device_zoom / ratio  # widget pixels per output pixel
        left = math.floor((space_w - width * shown) / 2 * ratio) / ratio  # on a device pixel
        top = math.floor((space_h - height * shown) / 2 * ratio) / ratio
        image = QRectF(left, top, width * shown, height * shown)
        x, y, side_x, side_y = framing.square_rect
        per_x, per_y = image.width() / framing.width, image.height() / framing.height  # screen per framing pixel
        square = QRectF(image.left() + x * per_x, image.top() + y * per_y, side_x * per_x, side_y * per_y)
        return cls(image, square, framing.size, (width, height))

    @property
    def zoom(self) -> float:
        """Widget pixels per output pixel (a whole number of device pixels, or below 1 when scaled
        down to fit: 1/n when crisp)."""
        return self.image.width() / self.output[0]

    @property
    def square_zoom(self) -> float:
        """Screen pixels per model-square pixel."""
        return self.square.width() / self.size

    def to_screen(self, x: float, y: float) -> QPointF:
        """A model-square position on the screen."""
        square = self.square
        return QPointF(square.left() + x * square.width() / self.size, square.top() + y * square.height() / self.size)

    def to_square(self, point: QPointF) -> tuple[float, float]:
        """A screen position in model-square pixels."""
        square = self.square
        return ((point.x() - square.left()) * self.size / square.width(),
                (point.y() - square.top()) * self.size / square.height())

    def to_fraction(self, point: QPointF) -> tuple[float, float]:
        """A screen position as fractions of the square's side from its top-left corner (the unit
        of a pose's offset)."""
        x, y = self.to_square(point)
        return x / self.size, y / self.size

    def travel(self, dx: float, dy: float) -> tuple[float, float]:
        """A move of (dx, dy) screen pixels as fractions of the square's side: a move of d output
        pixels is d / the square's side in output pixels."""
        return dx / self.square.width(), dy / self.square.height()
