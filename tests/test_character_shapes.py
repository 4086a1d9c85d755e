"""Where the engine says a character is (the Canvas outline, handles and hit tests), checked
against where its ink really is, with the bundled demo model and the shipped demo clips. Shapes are
in model-square pixels; the frames come at the shot's output size (256x256 for the demos' 64-pixel
square), and the tests map each output pixel into the square to compare them."""

from dataclasses import replace

import numpy as np

from workstation import project as doc
from workstation.demos.digit_demo import build_demo_project
from workstation.render.shot_frames import open_engine


def ink_centre(image: np.ndarray) -> np.ndarray:
    ys, xs = np.nonzero(image.max(axis=0) < 0.15)  # the digits are drawn black
    return np.array([xs.mean() + 0.5, ys.mean() + 0.5])


def in_square(engine, request):
    """(xs, ys): where the centre of each output pixel of ``request`` lies in the model square, in
    the shapes' units (square pixels, 0 at the square's edge)."""
    framing = engine.framing(request)
    x, y, width, height = framing.square_rect
    ys, xs = np.mgrid[0 : framing.height, 0 : framing.width] + 0.5
    return (xs - x) * engine.image_size / width, (ys - y) * engine.image_size / height


def square_pixels(engine, request):
    """How many output pixels one square pixel of ``request``'s output covers."""
    _, _, width, height = engine.framing(request).square_rect
    return width * height / engine.image_size**2


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
    side = engine.image_size  # a pose's offset is a fraction of the square's side
    moved = replace(request, characters=(
        doc.CharacterRequest(request.characters[0].source, None, doc.Pose(tx=10.0 / side, ty=-6.0 / side)),))
    after = engine.character_shapes(moved)[0]
    still = engine.character_shapes(replace(request, characters=(
        doc.CharacterRequest(request.characters[0].source, None, doc.Pose()),)))[0]
    assert abs(after.x - still.x - 10.0) < 1.5 and abs(after.y - still.y + 6.0) < 1.5
    ink = engine.render_requests([moved])[0].max(axis=0) < 0.15  # and is drawn there at the output size
    xs, ys = in_square(engine, moved)
    assert ink.sum() >= 10 * square_pixels(engine, moved)
    assert np.hypot(xs[ink].mean() - after.x, ys[ink].mean() - after.y) < 4.0


def test_a_second_character_adds_itself_without_washing_out_the_scene():
    """The duet shot against its first character alone: away from the second character, the
    picture stays as it was (summing whole features added a second copy of f_c's field, and the
    whole picture washed out: 0.10 mean difference there, against 0.005 with the plate everywhere and
    0 now that the background view is the background frame)."""
    project = build_demo_project()
    engine = open_engine(project)
    duet = doc.render_requests(project, "duet", [0, 12])
    alone = [replace(r, characters=r.characters[:1]) for r in duet]
    with_both, with_first = engine.render_requests(duet), engine.render_requests(alone)
    for request, both, first in zip(duet, with_both, with_first):
        second = engine.character_shapes(request)[1]
        xs, ys = in_square(engine, request)
        away = np.hypot(xs - second.x, ys - second.y) > second.radius + 4
        assert np.abs(both - first)[:, away].mean() < 0.03
        ink = (both.max(axis=0) < 0.15) & ~away
        assert ink.sum() >= 15 * square_pixels(engine, request)  # the second character is drawn, in black


def test_shrinking_or_turning_a_character_by_hand_leaves_the_background_as_it_was():
    """A hand edit warps the character, not the field f_c carries everywhere: when the field was
    warped too, a shrink pulled the warp's zero padding into view and stained the background near
    the borders. Away from the character, the mean difference was 0.039 for a shrink to 0.6 and
    0.008 for a 30-degree turn; it was under 0.003 with the plate everywhere, and is 0 now: away from
    the character the frame is the background view, the background frame at the output size."""
    project = build_demo_project()
    engine = open_engine(project)
    request = doc.render_requests(project, "demo", [6])[0]
    plain = request.characters[0]
    xs, ys = in_square(engine, request)
    still = engine.character_shapes(request)[0]
    background = engine.render_requests([request], "background")[0]
    for edit in (doc.Pose(scale=0.6), doc.Pose(rotation=30.0), doc.Pose(tx=-0.1875, rotation=-20.0, scale=0.8)):
        edited = replace(request, characters=(doc.CharacterRequest(plain.source, plain.motion, edit),))
        moved = engine.character_shapes(edited)[0]
        away = ((np.hypot(xs - still.x, ys - still.y) > still.radius + 4)
                & (np.hypot(xs - moved.x, ys - moved.y) > moved.radius + 4))
        before, after = engine.render_requests([request, edited])
        assert np.abs(after - before)[:, away].mean() < 0.006, edit
        assert np.abs(after - background)[:, away].mean() < 0.006, edit  # the background view, as it was
        assert (after.max(axis=0) < 0.15).sum() >= 10 * square_pixels(engine, request)  # still drawn, in black


def test_the_layers_of_a_frame_are_its_background_and_its_characters_cut_out():
    """Away from the character the frame is the background view and the alpha is about 0; where its
    ink is, the alpha is about 1; the background view has no ink of the character (the summed
    renderer's plate lacked the field f_c carries everywhere, and its "character alone" was a grey
    field)."""
    project = build_demo_project()
    engine = open_engine(project)
    request = doc.render_requests(project, "demo", [6])[0]
    frame, background, rgba = (engine.render_requests([request], layer)[0]
                               for layer in ("composite", "background", "characters"))
    assert frame.shape[1:] == background.shape[1:] == rgba.shape[1:] == (256, 256)  # the shot's output
    shape = engine.character_shapes(request)[0]
    xs, ys = in_square(engine, request)
    away = np.hypot(xs - shape.x, ys - shape.y) > shape.radius + 4
    assert np.abs(frame - background)[:, away].mean() < 0.01
    assert rgba[3][away].mean() < 0.02
    ink = frame.max(axis=0) < 0.15
    assert ink.sum() >= 10 * square_pixels(engine, request) and rgba[3][ink].mean() > 0.8
    assert (background.max(axis=0) < 0.15).sum() == 0  # no ink: the character is not in the background
