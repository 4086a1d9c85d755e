"""The drag-and-drop payload of the Library: a clip, or one frame of a clip; and what a drop on the
Canvas asks for (its intent)."""

from __future__ import annotations

import json
from dataclasses import dataclass

from PySide6.QtCore import QMimeData

MIME_TYPE = "application/x-stopframe-frame"
BACKGROUND, ADD_CHARACTER, MOTION, IMPORT = "background", "add character", "motion", "import"  # drop intents


@dataclass(frozen=True)
class DraggedMedia:
    clip: str
    frame: int | None = None  # None: the whole clip

    @property
    def is_clip(self) -> bool:
        return self.frame is None

    @property
    def frame_or_first(self) -> int:
        return 0 if self.frame is None else self.frame

    def describe(self) -> str:
        return f"clip {self.clip!r}" if self.is_clip else f"frame {self.frame} of {self.clip!r}"


def to_mime(media: DraggedMedia) -> QMimeData:
    data = QMimeData()
    data.setData(MIME_TYPE, json.dumps({"clip": media.clip, "frame": media.frame}).encode())
    data.setText(media.describe())
    return data


def from_mime(data: QMimeData) -> DraggedMedia | None:
    """The payload, or None when the drag carries something else (or something malformed)."""
    if not data.hasFormat(MIME_TYPE):
        return None
    try:
        values = json.loads(bytes(data.data(MIME_TYPE).data()).decode())
        clip, frame = values["clip"], values["frame"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(clip, str) or not (frame is None or (isinstance(frame, int) and frame >= 0)):
        return None
    return DraggedMedia(clip, frame)
