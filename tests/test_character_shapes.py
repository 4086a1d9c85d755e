"""Where the engine says a character is (the Canvas outline, handles and hit tests), checked
against where its ink really is, with the bundled demo model and the shipped demo clips."""

import numpy as np

from workstation import project as doc
from workstation.demo_project import build_demo_project
from workstation.rendering import open_engine


def ink_centre(image: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(image.max(axis=0) < 0.15)  # the digits are drawn black
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5])


def test_each_character_is_found_where_its_ink_is_and_follows_a_hand_move():
    project = build_demo_project()
    engine = open_engine(project)
    shot = project.shot("duet")
    request = doc.render_requests(project, "duet", [0])[0]
    shapes = engine.character_shapes(request)
    assert len(shapes) == 2
    for character, shape in zip(shot.characters, shapes):
        truth = ink_centre(engine.frames(character.source.clip, character.source.frame))
        assert np.hypot(*(np.array([shape.x, shape.y]) - truth)) < 4.0, character.name
        assert 6.0 <= shape.radius <= 24.0
    moved = doc.FrameRequest(request.shot, 0, request.background, (
        doc.CharacterRequest(request.characters[0].source, None, doc.Edit(tx=10.0, ty=-6.0)),))
    after = engine.character_shapes(moved)[0]
    still = engine.character_shapes(doc.FrameRequest(request.shot, 0, request.background, (
        doc.CharacterRequest(request.characters[0].source, None, doc.Edit()),)))[0]
    assert abs(after.x - still.x - 10.0) < 1.5 and abs(after.y - still.y + 6.0) < 1.5
