"""The drag-and-drop payload of the Library: a clip, or one frame of a clip; and what a drop on the
Canvas asks for (its intent)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum

from PySide6.QtCore import QMimeData

MIME_TYPE = "application/x-stopframe-frame"


class DropIntent(StrEnum):
    BACKGROUND = "background"  # a frame on empty background: the shot's background
    ADD_CHARACTER = "add character"  # Shift+drop, or a frame on a character: a new character
    MOTION = "motion"  # a clip on a character: its motion
    IMPORT = "import"  # files from the desktop: into the Library


@dataclass(frozen=True)
class DropPlan:
    """What dropping at a point of the Canvas would do, and the hint that says so while dragging."""

    intent: DropIntent
    character: str | None  # the character dropped on, where the intent needs one
    hint: str


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
