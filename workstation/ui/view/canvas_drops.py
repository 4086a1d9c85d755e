"""What a drop on the Canvas lands on, and how the Canvas shows it while the drag is over it.

A character takes a drop where it takes a click (its opaque pixels, give or take a few screen
pixels), and also a little beyond them (``DROP_MARGIN``) and anywhere within ``MIN_DROP_RADIUS``
screen pixels of its centre: a character drawn a few pixels wide is otherwise missed by a drop
meant for it, which then replaces the background. Over a character's pixels, that character takes
the drop, as it would the click; off them, where zones overlap, the character whose centre is
nearest (the topmost where distances tie). A character that draws nothing has no zone (it is not
to be seen, so a drop there is meant for the background). The zone shows as a glowing
circle while a drag is over it. The drag images of the Library (``ui/panels/drag_image.py``) keep
clear of this smallest zone, so they never hide the character aimed at.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPen

from workstation.render.shapes import CharacterShape
from workstation.ui.mime import DraggedMedia, DropIntent, DropPlan
from workstation.ui.view.screen_framing import ScreenFraming

MIN_DROP_RADIUS = 24.0  # screen pixels about a character's centre that always take its drops
DROP_MARGIN = 8.0  # screen pixels beyond what a character draws that still take its drops
GLOW_GAP = 6.0  # screen pixels between a character's outline and the glow around it


def nearest_zone(names: Sequence[str], shapes: Sequence[CharacterShape], screen: ScreenFraming,
                 point: QPointF) -> str | None:
    """The character, of ``names`` drawn as ``shapes``, whose drop zone holds ``point`` (screen
    pixels) with its centre nearest; None over the background."""
    x, y = screen.to_square(point)
    reach = DROP_MARGIN / screen.square_zoom
    found = []  # (distance from the centre on screen, back-to-front position, name)
    for index, (name, shape) in enumerate(zip(names, shapes)):
        if shape.coverage is None:
            continue
        centre = screen.to_screen(shape.x, shape.y)
        distance = math.hypot(point.x() - centre.x(), point.y() - centre.y())
        if distance <= MIN_DROP_RADIUS or shape.covers(x, y, reach):
            found.append((distance, -index, name))
    return min(found)[2] if found else None


def plan_drop(media: DraggedMedia | None, target: str | None, shift: bool) -> DropPlan:
    """What dropping ``media`` (None: files from the desktop) on ``target`` (a character, or None:
    the background) does, Shift held or not."""
    if media is None:
        return DropPlan(DropIntent.IMPORT, None, "Drop to import into the Library")
    if shift:
        return DropPlan(DropIntent.ADD_CHARACTER, None, f"Add a character from {media.describe()}")
    if target is not None and media.is_clip:
        return DropPlan(DropIntent.MOTION, target, f"Animate {target!r} with the motion of {media.describe()}")
    if target is not None:
        return DropPlan(DropIntent.ADD_CHARACTER, target, f"Add a character from {media.describe()}")
    return DropPlan(DropIntent.BACKGROUND, None, f"Use {media.describe()} as the background")


def zone_radius(outline_radius: float) -> float:
    """The radius of the glow that shows a character's drop zone, around an outline of ``outline_radius``."""
    return max(outline_radius + GLOW_GAP, MIN_DROP_RADIUS)


def paint_drop(painter: QPainter, drop: DropPlan, zone: tuple[QPointF, float] | None, image: QRectF,
               canvas: QRectF, accent: QColor) -> None:
    """The drop being planned: a glow over the character's ``zone`` (centre, radius) or the frame
    (``image``), and its hint in a band at the foot of the ``canvas``."""
    glow = QColor(accent)
    glow.setAlpha(70)
    if zone is not None and drop.intent in (DropIntent.MOTION, DropIntent.ADD_CHARACTER):
        centre, radius = zone
        painter.setPen(QPen(accent, 3))
        painter.setBrush(glow)
        painter.drawEllipse(centre, radius, radius)
    else:
        painter.setPen(QPen(accent, 4))
        painter.setBrush(glow if drop.intent is DropIntent.BACKGROUND else Qt.BrushStyle.NoBrush)
        painter.drawRect(image.adjusted(2, 2, -2, -2))
    band = QRectF(canvas.left(), canvas.bottom() - 30, canvas.width(), 30)
    painter.fillRect(band, QColor(0, 0, 0, 170))
    painter.setPen(QColor(255, 255, 255))
    painter.drawText(band, Qt.AlignmentFlag.AlignCenter, drop.hint)
