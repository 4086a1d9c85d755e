"""The Canvas: the current frame as rendered, at the shot's output size (W x H, centred; enlarged
by the largest whole number that fits, crisp or smooth as the shot's output is, or scaled down to
fit when the window is too small, a crisp shot by a whole divisor, and then it says so), with the
selected character's outline (a dashed circle) and handles; the place to drop library media
(``canvas_drops.py``: what a drop lands on) and to move, rotate and scale characters by hand.

It knows nothing of the project: it shows what it is given (the frame, its characters' shapes in
model-square pixels, and the ``Framing`` that places the model square in the frame; the geometry is
``screen_framing.py``'s) and says what the user asked for through signals (moves in fractions of
the model square's side, as a pose stores them; turns in degrees), which the window turns into
undoable edits.

Clicks and the selection outline follow what is drawn: a character takes the clicks where its alpha
is opaque (``CharacterShape.covers``), and its outline is the circle around those pixels. A
character that draws nothing (footage the model does not know) takes no clicks and, once selected
(from the Inspector), shows a small handle at its anchor, which takes the clicks that move it.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from enum import StrEnum

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from workstation.render.engine import CharacterShape
from workstation.render.framing import Framing
from workstation.ui.mime import DraggedMedia, DropIntent, DropPlan, from_mime
from workstation.ui.view.canvas_drops import nearest_zone, paint_drop, plan_drop, zone_radius
from workstation.ui.view.canvas_marks import paint_caption, paint_checkerboard, paint_note
from workstation.ui.view.screen_framing import ScreenFraming

ACCENT = QColor(255, 170, 40)
HANDLE = 7.0  # handle radius in screen pixels
ANCHOR = 10.0  # radius in screen pixels of the outline of a selected character that draws nothing
WHEEL_GESTURE_GAP = 0.6  # seconds between wheel steps that still belong to one gesture
_gestures = itertools.count(1)

IDLE_HINT = "Drop a frame here for the background · Shift+drop adds a character · drop a clip on a character for motion"
CHARACTER_HINT = ("Drag to move · Ctrl+drag or the top handle to rotate · "
                  "Shift+drag, the corner handle or the wheel to scale")


class GestureKind(StrEnum):
    MOVE = "move"  # a drag of the character, or of the anchor handle of one that draws nothing
    ROTATE = "rotate"  # a drag of the rotate handle: turns as the pointer turns about the anchor
    SCALE = "scale"  # a drag of the scale handle: scales as the pointer's distance from the anchor
    ROTATE_DRAG = "rotate-drag"  # Ctrl+drag: turns by the pointer's horizontal travel
    SCALE_DRAG = "scale-drag"  # Shift+drag: scales by the pointer's vertical travel
    WHEEL = "wheel"  # wheel steps over a character, close enough in time (WHEEL_GESTURE_GAP): scales


@dataclass(frozen=True)
class Gesture:
    """One drag or one burst of wheel steps on a character. Its changes merge into one undo step:
    the window passes the gesture as their merge key (``ProjectDocument.edit``)."""

    kind: GestureKind
    character: str
    number: int = field(default_factory=lambda: next(_gestures))  # tells it from the gestures before


class Canvas(QWidget):
    selection_requested = Signal(object)  # character name or None
    move_requested = Signal(str, float, float, object)  # character, dx, dy (fractions of the square's side), Gesture
    rotate_requested = Signal(str, float, object)  # character, degrees clockwise, Gesture
    scale_requested = Signal(str, float, object)  # character, factor, Gesture
    # DraggedMedia, DropIntent, character name or None, where it was dropped: (x, y) in fractions of the
    # model square's side from its top-left corner
    drop_requested = Signal(object, object, object, object)
    files_dropped = Signal(list)  # local file paths dropped from the desktop

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setAcceptDrops(True)
        self.setMouseTracking(True)
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumSize(160, 160)
        self.setToolTip(IDLE_HINT)
        self.image: QImage | None = None
        self._outlines: dict[int, float] = {}  # id of a shown shape -> radius (square px) around its opaque pixels
        self.framing = Framing.square(64)  # where the model square lands in the frame shown
        self.smooth = False  # the shot's output scaling: a frame enlarged on screen is crisp unless smooth
        self.names: list[str] = []  # of the characters drawn, back to front: one per shape
        self.shapes: tuple[CharacterShape, ...] = ()
        self.selected: str | None = None
        self.placeholder = "No shot yet: drag a frame from the Library here"
        self.caption = ""  # what the Canvas shows when it is not the frame itself, e.g. "Alpha matte"
        self._drop: DropPlan | None = None  # while a drag is over the Canvas
        self._gesture: Gesture | None = None  # while the mouse drags a character
        self._last = QPointF()
        self._wheel: Gesture | None = None  # the latest wheel steps' gesture ...
        self._wheel_at = 0.0  # ... and when its last step came (time.monotonic)

    # -- what to show ----------------------------------------------------------------------------
    def show_frame(self, image: QImage | None, shapes=(), names=None, framing: Framing | None = None) -> None:
        """Show ``image`` (the frame at its output size), its characters' ``shapes`` (model-square
        pixels) and ``names``; ``framing`` places the square in it (by default: the image is the square)."""
        self.image = image
        self.shapes = tuple(shapes)
        self._outlines.clear()
        if names is not None:
            self.names = list(names)
        if framing is not None:
            self.framing = framing
        elif image is not None:
            self.framing = Framing.square(image.width())
        self.update()

    def set_smooth(self, smooth: bool) -> None:
        """Enlarge the frame on screen (a high-density screen) smoothly, or crisp as the shot's pixels are."""
        self.smooth = bool(smooth)
        self.update()

    def set_caption(self, caption: str) -> None:
        self.caption = caption
        self.update()

    def set_selected(self, name: str | None) -> None:
        self.selected = name
        self.update()

    # -- geometry --------------------------------------------------------------------------------
    def on_screen(self) -> ScreenFraming:
        """Where the frame (the output, W x H) and its model square are on the Canvas now."""
        image, framing = self.image, self.framing
        output = (image.width(), image.height()) if image is not None else (framing.width, framing.height)
        return ScreenFraming.fit((self.width(), self.height()), output, framing, crisp=not self.smooth,
                                 ratio=self.devicePixelRatioF())

    def image_rect(self) -> QRectF:
        """Where the frame is drawn: at its own size, centred; smaller only when the Canvas is."""
        return self.on_screen().image

    def square_rect(self) -> QRectF:
        """Where the model square is drawn (within the frame, or the whole frame)."""
        return self.on_screen().square

    def size_note(self) -> str:
        """What the Canvas says when the frame is drawn smaller than the output ("" when it is not)."""
        screen = self.on_screen()
        (width, height), shown = screen.output, screen.image
        shown_w, shown_h = round(shown.width()), round(shown.height())
        if shown_w >= width and shown_h >= height:
            return ""
        return f"output {width}×{height} shown at {shown_w}×{shown_h} ({100 * shown_w // width}%) to fit the window"

    def zoom(self) -> float:
        """Screen pixels per output pixel."""
        return self.on_screen().zoom

    def square_zoom(self) -> float:
        """Screen pixels per model-square pixel (the unit of the characters' shapes)."""
        return self.on_screen().square_zoom

    def to_widget(self, x: float, y: float) -> QPointF:
        """A model-square position on the Canvas."""
        return self.on_screen().to_screen(x, y)

    def to_model(self, point: QPointF) -> tuple[float, float]:
        """A Canvas position in model-square pixels."""
        return self.on_screen().to_square(point)

    def shape_of(self, name: str | None) -> CharacterShape | None:
        for character, shape in zip(self.names, self.shapes):
            if character == name:
                return shape
        return None

    def character_at(self, point: QPointF) -> str | None:
        """The topmost character whose alpha covers ``point`` (give or take a few screen pixels);
        None over empty background. A character that covers nothing takes no clicks."""
        x, y = self.to_model(point)
        reach = 3.0 / self.square_zoom()
        hits = [name for name, shape in zip(self.names, self.shapes) if shape.covers(x, y, reach)]
        return hits[-1] if hits else None

    def outline(self, shape: CharacterShape) -> tuple[QPointF, float]:
        """The selection circle of ``shape`` on screen (centre, radius): around the pixels it covers,
        or a small one at its anchor when it covers none."""
        centre = self.to_widget(shape.x, shape.y)
        if shape.coverage is None:
            return centre, ANCHOR
        radius = self._outlines.get(id(shape))
        if radius is None:
            rows, columns = shape.coverage.nonzero()
            reach = float((((columns + 0.5 - shape.x) ** 2 + (rows + 0.5 - shape.y) ** 2) ** 0.5).max()) + 0.71
            radius = self._outlines[id(shape)] = max(3.0, reach)  # 0.71: the far corner of the pixel
        return centre, radius * self.square_zoom()

    def rotate_handle(self, shape: CharacterShape) -> QPointF:
        centre, r = self.outline(shape)
        return QPointF(centre.x(), centre.y() - r - 18.0)

    def scale_handle(self, shape: CharacterShape) -> QPointF:
        centre, r = self.outline(shape)
        return QPointF(centre.x() + r * 0.7071, centre.y() + r * 0.7071)

    def handle_at(self, point: QPointF) -> GestureKind | None:
        """The handle of the selected character under ``point``, as the gesture a drag of it makes:
        rotate, scale, or move (the anchor of a character that draws nothing); the nearest one where
        they overlap (the scale handle of a small anchor reaches its centre)."""
        shape = self.shape_of(self.selected)
        if shape is None:
            return None
        reached = []
        for kind, handle in ((GestureKind.ROTATE, self.rotate_handle(shape)),
                             (GestureKind.SCALE, self.scale_handle(shape))):
            distance = math.hypot(point.x() - handle.x(), point.y() - handle.y())
            if distance <= HANDLE + 3:
                reached.append((distance, kind))
        centre, r = self.outline(shape)
        distance = math.hypot(point.x() - centre.x(), point.y() - centre.y())
        if shape.coverage is None and distance <= r:
            reached.append((distance, GestureKind.MOVE))
        return min(reached, key=lambda reach: reach[0])[1] if reached else None

    # -- painting --------------------------------------------------------------------------------
    def paintEvent(self, event) -> None:
        painter = QPainter(self)
        painter.fillRect(self.rect(), self.palette().window().color().darker(160))
        rect = self.image_rect()
        if self.image is None:
            painter.setPen(self.palette().text().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.placeholder)
        else:
            if self.image.hasAlphaChannel():  # a cut-out: the checkerboard shows through where it is clear
                paint_checkerboard(painter, rect)
            # crisp pixels where enlarged (by a whole number of device pixels), unless the shot is smooth;
            # scaled down, smooth (a crisp shot by 1/n: each screen pixel blends the same n x n of its pixels)
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, self.smooth or self.zoom() < 1.0)
            painter.drawImage(rect, self.image)
            if self.caption:
                paint_caption(painter, rect, self.caption)
            note = self.size_note()
            if note:
                paint_note(painter, rect, note)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        shape = self.shape_of(self.selected)
        if shape is not None and self.image is not None:
            self._paint_selection(painter, shape)
        if self._drop is not None:
            self._paint_drop(painter, self._drop)
        painter.end()

    def _paint_selection(self, painter: QPainter, shape: CharacterShape) -> None:
        centre, r = self.outline(shape)
        painter.setPen(QPen(ACCENT, 1.5, Qt.PenStyle.DashLine))
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawEllipse(centre, r, r)
        if shape.coverage is None:  # draws nothing here: a cross marks where it is anchored
            painter.drawLine(QPointF(centre.x() - r, centre.y()), QPointF(centre.x() + r, centre.y()))
            painter.drawLine(QPointF(centre.x(), centre.y() - r), QPointF(centre.x(), centre.y() + r))
        rotate, scale = self.rotate_handle(shape), self.scale_handle(shape)
        painter.setPen(QPen(ACCENT, 1.5))
        painter.drawLine(QPointF(centre.x(), centre.y() - r), rotate)
        painter.setBrush(ACCENT)
        painter.drawEllipse(rotate, HANDLE, HANDLE)
        painter.drawRect(QRectF(scale.x() - HANDLE, scale.y() - HANDLE, 2 * HANDLE, 2 * HANDLE))
        painter.drawEllipse(centre, 2.5, 2.5)

    def _paint_drop(self, painter: QPainter, drop: DropPlan) -> None:
        shape = self.shape_of(drop.character)
        zone = None
        if shape is not None:
            centre, radius = self.outline(shape)
            zone = centre, zone_radius(radius)
        paint_drop(painter, drop, zone, self.image_rect(), QRectF(self.rect()), ACCENT)

    # -- direct manipulation ----------------------------------------------------------------------
    def mousePressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point = event.position()
        handle = self.handle_at(point)
        name = self.selected if handle else self.character_at(point)
        if name != self.selected:
            self.selection_requested.emit(name)
            self.selected = name
        if name is None:
            self._gesture = None
            return
        modifiers = event.modifiers()
        kind = handle or (GestureKind.ROTATE_DRAG if modifiers & Qt.KeyboardModifier.ControlModifier
                          else GestureKind.SCALE_DRAG if modifiers & Qt.KeyboardModifier.ShiftModifier
                          else GestureKind.MOVE)
        self._gesture = Gesture(kind, name)
        self._last = point
        self.update()

    def mouseMoveEvent(self, event) -> None:
        point = event.position()
        if self._gesture is None:
            over = self.handle_at(point) or self.character_at(point)
            self.setCursor(Qt.CursorShape.OpenHandCursor if over else Qt.CursorShape.ArrowCursor)
            self.setToolTip(CHARACTER_HINT if over else IDLE_HINT)
            return
        gesture = self._gesture
        name, kind = gesture.character, gesture.kind
        last, self._last = self._last, point
        shape = self.shape_of(name)
        if kind is GestureKind.MOVE:
            dx, dy = self.on_screen().travel(point.x() - last.x(), point.y() - last.y())
            self.move_requested.emit(name, dx, dy, gesture)
        elif kind is GestureKind.ROTATE_DRAG:
            self.rotate_requested.emit(name, (point.x() - last.x()) * 0.5, gesture)
        elif kind is GestureKind.SCALE_DRAG:
            self.scale_requested.emit(name, math.exp(-(point.y() - last.y()) * 0.01), gesture)
        elif shape is not None:
            centre = self.to_widget(shape.x, shape.y)
            before, after = last - centre, point - centre
            if kind is GestureKind.ROTATE:
                turn = math.degrees(math.atan2(after.y(), after.x()) - math.atan2(before.y(), before.x()))
                self.rotate_requested.emit(name, (turn + 180.0) % 360.0 - 180.0, gesture)
            elif kind is GestureKind.SCALE and math.hypot(before.x(), before.y()) > 2:
                factor = math.hypot(after.x(), after.y()) / math.hypot(before.x(), before.y())
                self.scale_requested.emit(name, max(0.2, min(5.0, factor)), gesture)

    def mouseReleaseEvent(self, event) -> None:
        self._gesture = None

    def wheelEvent(self, event) -> None:
        name = self.character_at(event.position()) or self.selected
        steps = event.angleDelta().y() / 120.0
        if name is None or steps == 0:
            event.ignore()
            return
        now = time.monotonic()
        if self._wheel is None or self._wheel.character != name or now - self._wheel_at > WHEEL_GESTURE_GAP:
            self._wheel = Gesture(GestureKind.WHEEL, name)
        self._wheel_at = now
        self.scale_requested.emit(name, 1.1**steps, self._wheel)
        event.accept()

    # -- drops ------------------------------------------------------------------------------------
    def drop_target(self, point: QPointF) -> str | None:
        """The character a drop at ``point`` lands on: the one a click there picks, else the one
        whose drop zone holds it (``canvas_drops.py``); None: the background."""
        return self.character_at(point) or nearest_zone(self.names, self.shapes, self.on_screen(), point)

    def drop_plan(self, media: DraggedMedia | None, point: QPointF, modifiers) -> DropPlan:
        """What dropping ``media`` (None: files from the desktop) at ``point`` would do."""
        target = self.drop_target(point) if media is not None else None
        return plan_drop(media, target, bool(modifiers & Qt.KeyboardModifier.ShiftModifier))

    def _accept_drag(self, event) -> bool:
        data = event.mimeData()
        media = from_mime(data)
        files = [url.toLocalFile() for url in data.urls() if url.isLocalFile()] if data.hasUrls() else []
        if media is None and not files:
            self._drop = None
            event.ignore()
            self.update()
            return False
        self._drop = self.drop_plan(media, event.position(), event.modifiers())
        event.acceptProposedAction()
        self.update()
        return True

    def dragEnterEvent(self, event) -> None:
        self._accept_drag(event)

    def dragMoveEvent(self, event) -> None:
        self._accept_drag(event)

    def dragLeaveEvent(self, event) -> None:
        self._drop = None
        self.update()

    def dropEvent(self, event) -> None:
        if not self._accept_drag(event) or self._drop is None:
            return
        plan, self._drop = self._drop, None
        self.update()
        data = event.mimeData()
        if plan.intent is DropIntent.IMPORT:
            self.files_dropped.emit([url.toLocalFile() for url in data.urls() if url.isLocalFile()])
        else:
            at = self.on_screen().to_fraction(event.position())
            self.drop_requested.emit(from_mime(data), plan.intent, plan.character, at)
