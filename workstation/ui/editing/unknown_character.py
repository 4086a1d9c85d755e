"""A selected character that draws nothing shows only a small cross on the Canvas; when that is
because the model does not know it (drawn alone, with no hand pose, it still draws nothing:
``placement.drawn_alone``), the status bar says so and what to do about it, once each time the
character is selected (or its source, or the model, changes). A character that draws nothing only
where it has been moved to (out of the picture, scaled to nothing) gets no such line."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject

from workstation.ui.document import ProjectDocument
from workstation.ui.editing.placement import drawn_alone
from workstation.ui.view.render_service import RenderedFrame
from workstation.ui.view.viewport import Viewport

TRAIN_COMMAND = "File ▸ Train Model on Clips…"


def unknown_line(name: str) -> str:
    return (f"‘{name}’ draws nothing: the model does not know this character; "
            f"train it on your clips ({TRAIN_COMMAND})")


class UnknownCharacterNotice(QObject):
    def __init__(self, document: ProjectDocument, viewport: Viewport, say: Callable[[str], None],
                 parent: QObject | None = None):
        super().__init__(parent)
        self.document, self.viewport, self.say = document, viewport, say
        self._told: tuple[object, ...] | None = None  # the character (and source, model) last looked at
        viewport.frame_shown.connect(self._on_frame_shown)
        document.selection_changed.connect(self._forget)
        document.replaced.connect(self._forget)

    def _forget(self) -> None:
        self._told = None

    def _on_frame_shown(self, frame: RenderedFrame) -> None:
        character = self.document.character()
        if character is None or frame.key.shot != self.document.shot_name or character.name not in frame.names:
            return
        if frame.shapes[frame.names.index(character.name)].coverage is not None:
            return
        engine = self.viewport.engine
        looked_at = (character.name, character.source, id(engine))  # not the engine: its caches would stay
        if looked_at == self._told:
            return
        self._told = looked_at
        alone = drawn_alone(engine, self.document, character)
        if alone is not None and alone.coverage is None:
            self.say(unknown_line(character.name))
