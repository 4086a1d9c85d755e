"""The Parts view (``LayerView.PARTS``, issue 28): the frame with each character's part masks
coloured over it, half opaque, only where its alpha is. With a tiny exported parts bundle, the
colours are the masks' where the character is (so they differ where different parts dominate) and
the frame is the composite away from it; a hand pose moves the masks with the character; a bundle
without parts colours the whole character in one colour, unless its motion moves pixels beyond the
body's (a dense model), which are coloured by the direction they move in; ``render --layer parts``
writes a PNG."""

import cv2
import numpy as np
import pytest

from tests.conftest import opaque_where_placed
from tests.test_engine_format3 import MemoryClips
from tests.test_format2_bundle import FIXTURE, synthetic_frames
from tests.test_parts import part_model
from tests.test_render import demo, render_in_process  # noqa: F401 (a fixture)
from training.bundle_export import export_bundle
from workstation import project as document
from workstation.kernel.locations import asset_path
from workstation.project import CharacterRequest, FrameRef, FrameRequest, MotionRequest, Output, Pose
from workstation.render.engine import Engine
from workstation.render.layers import LayerView
from workstation.render.part_colours import BODY_GREY, DIRECTIONS, FULL_MOVE, PALETTE, motion_colours, part_colours
from workstation.render.shot_frames import open_engine

SIZE = 64


@pytest.fixture(scope="module")
def parts_engine(tmp_path_factory):
    """An engine over a tiny exported bundle with four parts whose alpha is 1 wherever the
    character is placed in the square, and clips: an actor (a bright block moving down on black)
    and a background twice as wide as the square, so a 128x64 output has bands beside the square
    where no character is."""
    model = opaque_where_placed(part_model())
    return Engine(export_bundle(model, tmp_path_factory.mktemp("bundles") / "parts"), actor_clips(), prefer_cuda=False)


def actor_clips() -> MemoryClips:
    """An actor (a bright block moving down on black) and a background twice as wide as the square."""
    rng = np.random.default_rng(0)
    actor = []
    for frame in range(3):
        image = np.zeros((SIZE, SIZE, 3), np.uint8)
        image[14 + 3 * frame:46 + 3 * frame, 22:42] = rng.integers(120, 256, (32, 20, 3))
        actor.append(image)
    background = np.broadcast_to(np.array([40, 90, 160], np.uint8), (SIZE, 2 * SIZE, 3)).copy()
    return MemoryClips({"actor": actor, "bg": [background]})


def request(pose: Pose = Pose(), motion: MotionRequest | None = MotionRequest("actor", 0, 2)) -> FrameRequest:
    return FrameRequest("s", 0, FrameRef("bg", 0), (CharacterRequest(FrameRef("actor", 0), motion, pose, "actor"),),
                        Output(2 * SIZE, SIZE, "crisp"))


def test_the_parts_view_colours_each_part_where_the_character_is_and_is_the_frame_elsewhere(parts_engine):
    frame = request()
    composite, alpha, parts = (parts_engine.render_requests([frame], layer)[0]
                               for layer in (LayerView.COMPOSITE, LayerView.ALPHA, LayerView.PARTS))
    assert parts.shape == (3, SIZE, 2 * SIZE)
    square = (slice(None), slice(None), slice(SIZE // 2, SIZE // 2 + SIZE))  # the model square, output pixels
    drawn = alpha[0] == 1.0
    assert drawn[square[1:]].all() and not drawn.any(axis=0)[: SIZE // 2].any()  # the bands hold no character
    assert np.array_equal(parts[:, ~drawn], composite[:, ~drawn])
    masks = parts_engine.graphs.part_masks(frame.characters[0])
    assert masks is not None and masks.shape == (4, SIZE, SIZE)
    colours = 2 * parts[square] - composite[square]  # half the part colour, half the character's own
    assert np.abs(colours - part_colours(masks, (SIZE, SIZE))).max() < 1e-4
    dominant = [(masks[k] > 0.6) for k in range(4)]
    shown = [k for k in range(4) if dominant[k].sum() >= 4]
    assert len(shown) >= 2, [int(d.sum()) for d in dominant]  # the tiny model splits its character
    means = [colours[:, dominant[k]].mean(axis=1) for k in shown]
    assert all(np.abs(a - b).max() > 0.1 for i, a in enumerate(means) for b in means[i + 1:])
    body = masks.sum(axis=0) < 0.02  # what no part claims follows the whole body: grey
    assert body.any() and np.abs(colours[:, body] - BODY_GREY[:, None]).max() < 0.02


def test_a_hand_pose_moves_the_part_masks_with_the_character(parts_engine):
    still = parts_engine.graphs.part_masks(request().characters[0])
    moved = parts_engine.graphs.part_masks(request(Pose(0.25, 0, 0, 1)).characters[0])  # a quarter right: 16 px
    assert still is not None and moved is not None and still[:, :, :-16].sum() > 1
    assert np.abs(moved[:, :, 16:] - still[:, :, :-16]).max() < 1e-4
    assert np.all(moved[:, :, :16] == 0)  # nothing of the character's parts came from beyond the square


def test_a_character_without_motion_shows_its_own_parts(parts_engine):
    masks = parts_engine.graphs.part_masks(request(motion=None).characters[0])
    assert masks is not None and masks.max() > 0.5
    assert masks.min() >= 0 and masks.sum(axis=0).max() <= 1 + 1e-5


def test_own_motion_is_coloured_by_its_direction_from_the_bodys_colour():
    moves = np.zeros((2, 1, 6), np.float32)
    moves[:, 0, 1:] = np.array([[0.01, FULL_MOVE, 0, -3, 0], [0, 0, FULL_MOVE, 0, -5]])
    colours = motion_colours(moves)[:, 0].T
    assert np.abs(colours[:2] - PALETTE[0]).max() < 1e-6  # still, and a hundredth of a pixel: the body's
    assert np.abs(colours[2:] - DIRECTIONS).max() < 1e-6  # right, down, left, up, in full
    half = motion_colours(np.array([[[FULL_MOVE / 2]], [[0.0]]], np.float32))[:, 0, 0]
    assert np.abs(half - PALETTE[0]).max() > 0.1 and np.abs(half - DIRECTIONS[0]).max() > 0.1


def test_a_dense_model_colours_what_moves_beyond_the_body(dense_bundle):
    engine = Engine(dense_bundle[1], actor_clips(), prefer_cuda=False)
    frame = request()
    own = engine.graphs.own_motion(frame.characters[0])
    assert engine.graphs.part_masks(frame.characters[0]) is None and own is not None
    assert np.hypot(*own).max() > FULL_MOVE / 4  # the head moves pixels beyond the body
    composite, parts = (engine.render_requests([frame], layer)[0] for layer in (LayerView.COMPOSITE, LayerView.PARTS))
    square = (slice(None), slice(None), slice(SIZE // 2, SIZE // 2 + SIZE))
    colours = 2 * parts[square] - composite[square]
    assert np.abs(colours - motion_colours(own)).max() < 1e-4
    assert np.abs(colours - PALETTE[0][:, None, None]).max() > 0.1
    still = engine.graphs.own_motion(request(motion=None).characters[0])
    assert still is not None and not still.any()  # standing where it is, nothing moves


@pytest.fixture(scope="module")
def fixture_engine():
    """An engine over the committed format 2 bundle (no parts), fitted to find its characters."""
    frames = synthetic_frames()
    return Engine(FIXTURE, frames=lambda clip, frame: frames[clip][frame], prefer_cuda=False)


def test_a_bundle_without_parts_colours_the_whole_character_in_one_colour(fixture_engine):
    frame = FrameRequest("fixture", 1, FrameRef("b", 1), (CharacterRequest(FrameRef("a", 0), None, Pose(), "a"),))
    assert fixture_engine.graphs.part_masks(frame.characters[0]) is None
    composite, alpha, parts = (fixture_engine.render_requests([frame], layer)[0]
                               for layer in (LayerView.COMPOSITE, LayerView.ALPHA, LayerView.PARTS))
    opaque, clear = alpha[0] == 1.0, alpha[0] == 0.0
    assert opaque.sum() > 100 and clear.sum() > 100
    assert np.array_equal(parts[:, clear], composite[:, clear])
    assert np.abs(2 * parts[:, opaque] - composite[:, opaque] - PALETTE[0][:, None]).max() < 1e-5


def test_only_the_characters_asked_for_are_coloured(fixture_engine):
    two = FrameRequest("fixture", 0, FrameRef("b", 0), (
        CharacterRequest(FrameRef("a", 0), None, Pose(-0.15, 0.1, 0, 0.8), "left"),
        CharacterRequest(FrameRef("a", 0), None, Pose(0.2, -0.1, 0, 0.8), "right")))
    composite = fixture_engine.render_requests([two], LayerView.COMPOSITE)[0]
    left, right = (fixture_engine.render_requests([two], LayerView.ALPHA, name)[0][0] > 0 for name in ("left", "right"))
    only_left, only_right = left & ~right, right & ~left
    assert only_left.sum() > 20 and only_right.sum() > 20
    alone = fixture_engine.render_requests([two], LayerView.PARTS, parts_of=["left"])[0]
    assert np.array_equal(alone[:, ~left], composite[:, ~left])
    assert np.abs(alone[:, only_left] - composite[:, only_left]).max() > 0.1
    every = fixture_engine.render_requests([two], LayerView.PARTS)[0]
    assert np.abs(every[:, only_right] - composite[:, only_right]).max() > 0.1
    assert np.array_equal(every[:, only_left], alone[:, only_left])


def test_a_summed_bundle_colours_its_characters_where_their_alpha_is(demo):  # noqa: F811
    project = document.load_project(demo)
    project.model = str(asset_path("models", "summed"))
    engine = open_engine(project)
    requests = document.render_requests(project, "duet", [0])
    composite, alpha, parts = (engine.render_requests(requests, layer)[0]
                               for layer in (LayerView.COMPOSITE, LayerView.ALPHA, LayerView.PARTS))
    opaque, clear = alpha[0] == 1.0, alpha[0] == 0.0
    assert opaque.sum() > 100 and clear.sum() > 100
    assert np.array_equal(parts[:, clear], composite[:, clear])
    assert np.abs(2 * parts[:, opaque] - composite[:, opaque] - PALETTE[0][:, None]).max() < 1e-5
    nobody = engine.render_requests(requests, LayerView.PARTS, parts_of=["nobody"])[0]
    assert np.abs(nobody - composite).max() < 1e-6


def test_render_layer_parts_writes_the_engines_parts_view_as_a_png(demo, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "parts"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--layer", "parts",
                                    "--range", "0:1", "--scale", "1")
    assert code == 0, lines
    project = document.load_project(demo)
    engine = open_engine(project)
    requests = document.render_requests(project, "duet", [0])
    expected, composite = (engine.render_requests(requests, layer)[0] for layer in ("parts", "composite"))
    (png,) = sorted(out.glob("frame_*.png"))
    written = cv2.cvtColor(cv2.imread(str(png), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGR2RGB).astype(int)
    assert written.shape == (256, 256, 3)
    assert np.abs(written - (expected.transpose(1, 2, 0) * 255).round()).max() <= 1
    assert np.abs(expected - composite).max() > 0.1  # the characters are coloured
