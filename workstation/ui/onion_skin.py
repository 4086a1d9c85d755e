"""The Canvas's onion skin: the frame on show with the ghosts of the frames on either side
(``workstation/onion.py`` draws them). The neighbours and the plate (the shot rendered without its
characters, layer "empty") come from the same renderer and cache as every other frame; what is
missing is asked for ahead of the thumbnails, and the window shows the composite once it is all
there.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from PySide6.QtGui import QImage

from workstation import project as doc
from workstation.onion import onion_skin
from workstation.ui.document import ProjectDocument
from workstation.ui.images import qimage_to_rgb8, rgb8_to_qimage
from workstation.ui.render_service import EMPTY_SHOT as PLATE
from workstation.ui.render_service import FrameKey, FrameRenderer, RenderedFrame


def _rgb(image: QImage) -> np.ndarray:
    return qimage_to_rgb8(image).astype(np.float32) / 255.0


class OnionSkin:
    def __init__(self, document: ProjectDocument, renderer: FrameRenderer):
        self.document, self.renderer = document, renderer
        self.enabled = False

    def _needed(self, key: FrameKey) -> list[int]:
        """The plate and the neighbours within the shot, for the frame at ``key``."""
        shot = self.document.shot()
        if shot is None or shot.name != key[1]:
            return []
        return [PLATE] + [k for k in (key[2] - 1, key[2] + 1) if 0 <= k < shot.length]

    def waits_for(self, finished: FrameKey, shown: FrameKey | None) -> bool:
        """Whether the composite of the frame at ``shown`` needs the frame just ``finished``."""
        return (self.enabled and shown is not None and finished[:2] == shown[:2]
                and finished[2] in self._needed(shown))

    def request_missing(self, key: FrameKey | None) -> None:
        """Ask the renderer for what the composite of ``key`` still lacks, before anything queued."""
        if not self.enabled or key is None:
            return
        missing = [k for k in self._needed(key) if self.renderer.cached((key[0], key[1], k)) is None]
        if not missing:
            return
        frames = [k for k in missing if k != PLATE]
        try:
            requests = doc.render_requests(self.document.project, key[1], frames or [key[2]])
        except doc.ProjectError:
            return
        work = [((key[0], key[1], k), r) for k, r in zip(frames, requests)] if frames else []
        if PLATE in missing:
            work.insert(0, ((key[0], key[1], PLATE), replace(requests[0], index=PLATE)))
        self.renderer.request_first(work)

    def composite(self, frame: RenderedFrame) -> QImage | None:
        """``frame`` with its neighbours' ghosts; None (and the missing frames asked for) while the
        plate or a neighbour is not rendered yet."""
        revision, shot, index = frame.key
        parts = {k: self.renderer.cached((revision, shot, k)) for k in self._needed(frame.key)}
        if not parts or any(part is None for part in parts.values()):
            self.request_missing(frame.key)
            return None
        previous = parts.get(index - 1) if index > 0 else None  # frame -1 is the plate
        following = parts.get(index + 1)
        image = onion_skin(_rgb(frame.image), _rgb(parts[PLATE].image),
                           _rgb(previous.image) if previous else None,
                           _rgb(following.image) if following else None)
        return rgb8_to_qimage((np.clip(image, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8))
