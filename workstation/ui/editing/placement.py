"""Where a character dropped on the Canvas lands: its centre under the drop point. A character
draws where it is in its source frame, so the drop measures that centre first (what the engine
draws for the character alone, at the current frame, with no hand pose) and keys the move from there
to the drop point into the same undo step as the drop (``edits.add_character``). The same measure
tells a character the model cannot draw at all (``unknown_character.py``)."""

from __future__ import annotations

from dataclasses import replace

from workstation import project as doc
from workstation.kernel.errors import StopframeError
from workstation.render.engine import CharacterShape, Engine
from workstation.ui.document import ProjectDocument


def drawn_alone(engine: Engine | None, document: ProjectDocument, character: doc.Character) -> CharacterShape | None:
    """What ``character`` (in the current shot or not) draws alone at the current frame, with no
    hand pose, in model-square pixels (its ``coverage`` None when it draws nothing); None without
    an engine or a shot, or when its clip cannot be read now."""
    shot = document.shot()
    if engine is None or shot is None:
        return None
    scratch = doc.copy_project(document.project)
    trial = replace(character, keyframes=[], hidden=False)
    name = doc.add_character(next(s for s in scratch.shots if s.name == shot.name), trial)
    request = doc.render_requests(scratch, shot.name, [document.frame])[0]
    alone = replace(request, characters=tuple(c for c in request.characters if c.name == name))
    try:  # an engine of its own (fresh caches, the same loaded model): the viewport's renders on its thread
        return engine.with_frames(engine.frames).character_shapes(alone)[0]
    except StopframeError:
        return None


def drawn_centre(engine: Engine | None, document: ProjectDocument,
                 character: doc.Character) -> tuple[float, float] | None:
    """The centre of what ``character``, not yet in the current shot, would draw at the current
    frame with no hand pose, in fractions of the model square's side from its top-left corner (a
    pose's unit); None without an engine or a shot, or when it draws nothing (footage the model does
    not know) or its clip cannot be read now: such a character stays where it is."""
    shape = drawn_alone(engine, document, character)
    if shape is None or shape.coverage is None or engine is None:
        return None
    size = engine.image_size  # the shape is in the square's pixels
    return shape.x / size, shape.y / size
