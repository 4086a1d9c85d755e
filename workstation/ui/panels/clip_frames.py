"""The frames of the clip selected in the Library, one at a time: pick a frame with the slider or
the spin box and drag its picture onto the Canvas (a background; Shift or onto a character: a new
character), so a clip of hundreds of frames stays one row in the Library.

The picture is the frame as the model sees it: the clip's fit (``media.fit``: crop, the centre
square; letterbox, the whole frame with bars) in a square of at least ``MIN_PREVIEW`` pixels,
enlarged with crisp pixels when the frame is smaller, so what is cropped away is not shown."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PySide6.QtCore import QMimeData, QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent, QPixmap
from PySide6.QtWidgets import QApplication, QHBoxLayout, QLabel, QSlider, QSpinBox, QVBoxLayout, QWidget

from workstation.media import Clip, MediaError, fit
from workstation.ui.mime import DraggedMedia, to_mime
from workstation.ui.panels.drag_image import media_drag
from workstation.ui.view.qimages import rgb8_to_qimage

NO_CLIP_HINT = "Select a clip to pick one of its frames"
DRAG_HINT = ("Drag onto the Canvas: background (Shift or onto a character: a new character). "
             "Shown as the model sees it: Clip ▸ Crop to Square or Letterbox")
MIN_PREVIEW, MAX_PREVIEW = 160, 320  # the picture's side in pixels


def model_view(image: np.ndarray, fit_mode: str, side: int) -> np.ndarray:
    """uint8 RGB [n, n, 3]: ``image`` fitted to a square as the model's input is (``media.fit``),
    at its own resolution or shrunk to ``side`` pixels, whichever is smaller."""
    height, width = image.shape[:2]
    own = min(height, width) if fit_mode == "crop" else max(height, width)
    square = fit(image, min(own, side), fit_mode)  # float [3, n, n] in [0, 1]
    return (square.transpose(1, 2, 0) * 255.0 + 0.5).astype(np.uint8)


class FramePicture(QLabel):
    """The chosen frame's picture; dragging it drags that frame."""

    def __init__(self, frames: ClipFrames):
        super().__init__(frames)
        self.frames = frames
        self._pressed_at: QPoint | None = None
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWordWrap(True)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._pressed_at = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._pressed_at
        if start is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        if (event.position().toPoint() - start).manhattanLength() < QApplication.startDragDistance():
            return
        self._pressed_at = None
        mime = self.frames.mime_data()
        if mime is None:
            return
        media_drag(self, mime, self.pixmap()).exec(Qt.DropAction.CopyAction)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._pressed_at = None
        super().mouseReleaseEvent(event)


class ClipFrames(QWidget):
    frame_changed = Signal(int)

    def __init__(self, open_clip: Callable[[str], Clip | None], parent: QWidget | None = None):
        super().__init__(parent)
        self.open_clip = open_clip
        self.clip: str | None = None
        self.frame_count = 0
        self.fit = "crop"  # the clip's (``ClipRef.fit``): how the model sees its frames
        self.preview_size = MIN_PREVIEW
        self.picture = FramePicture(self)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.spin = QSpinBox()
        self.spin.setPrefix("frame ")
        self.last_label = QLabel()
        self.slider.valueChanged.connect(self.set_frame)
        self.spin.valueChanged.connect(self.set_frame)
        self._picture_timer = QTimer(self)  # decodes the newest frame asked for once the slider rests
        self._picture_timer.setSingleShot(True)
        self._picture_timer.setInterval(0)
        self._picture_timer.timeout.connect(self.load_picture)
        row = QHBoxLayout()
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        row.addWidget(self.last_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(self.picture, 1)
        layout.addLayout(row)
        self.show_clip(None, 0)

    @property
    def frame(self) -> int:
        return self.spin.value()

    def set_preview_size(self, side: int) -> None:
        self.preview_size = min(max(side, MIN_PREVIEW), MAX_PREVIEW)
        self.picture.setMinimumSize(self.preview_size, self.preview_size)
        self._picture_timer.start()

    def show_clip(self, name: str | None, frame_count: int, fit_mode: str = "crop") -> None:
        """Pick from the frames of clip ``name`` (None: no clip), fitted to the model's square by
        ``fit_mode``; the chosen frame stays when it is the same clip."""
        keep = self.spin.value() if name == self.clip else 0
        self.clip, self.frame_count, self.fit = name, frame_count if name is not None else 0, fit_mode
        last = max(self.frame_count - 1, 0)
        for widget in (self.slider, self.spin):
            widget.blockSignals(True)
            widget.setRange(0, last)
            widget.setValue(min(keep, last))
            widget.setEnabled(self.frame_count > 1)
            widget.blockSignals(False)
        self.last_label.setText(f"of 0–{last}" if name is not None else "")
        self.picture.setToolTip(DRAG_HINT if name is not None else "")
        self._picture_timer.start()

    def set_frame(self, frame: int) -> None:
        frame = min(max(int(frame), 0), max(self.frame_count - 1, 0))
        for widget in (self.slider, self.spin):
            if widget.value() != frame:
                widget.blockSignals(True)
                widget.setValue(frame)
                widget.blockSignals(False)
        self._picture_timer.start()
        self.frame_changed.emit(frame)

    def media(self) -> DraggedMedia | None:
        """What dragging the picture drags: the chosen frame of the clip."""
        return None if self.clip is None else DraggedMedia(self.clip, self.frame)

    def mime_data(self) -> QMimeData | None:
        media = self.media()
        return None if media is None else to_mime(media)

    def load_picture(self) -> None:
        """Show the chosen frame (decoded now)."""
        self._picture_timer.stop()
        clip = self.open_clip(self.clip) if self.clip is not None else None
        if clip is None:
            self.picture.setPixmap(QPixmap())
            self.picture.setText(NO_CLIP_HINT if self.clip is None else f"cannot read clip {self.clip!r}")
            return
        side = self.preview_size
        try:
            image = model_view(clip.frame(self.frame), self.fit, side)
        except (MediaError, IndexError) as error:
            self.picture.setPixmap(QPixmap())
            self.picture.setText(str(error).splitlines()[0] if str(error) else f"cannot read frame {self.frame}")
            return
        # a small frame enlarged with crisp pixels, as pixel art is drawn
        self.picture.setPixmap(QPixmap.fromImage(rgb8_to_qimage(image).scaled(
            side, side, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation)))
