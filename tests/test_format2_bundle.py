"""A layered format 2 bundle (written by the format 2 exporter, tests/fixtures/bundles/make_format2.py)
keeps opening and rendering: the committed fixture is the proof that later bundle formats leave
format 2 readable."""

import json
from pathlib import Path

import numpy as np
import pytest

from training.bundle_export import bundle_metadata
from training.model.config import ModelConfig
from training.model.scene_model import SceneModel
from workstation.project import CharacterRequest, FrameRef, FrameRequest, MotionRequest, Pose
from workstation.render.bundle import BUNDLE_VERSION, LAYER_GRAPHS, open_bundle
from workstation.render.engine import Engine
from workstation.render.layers import LayerView

FIXTURE = Path(__file__).parent / "fixtures" / "bundles" / "format2" / "bundle"
SIZE = 64  # the fixture's model square
RECTANGLES = {"a": (20, 14, 40, 34), "b": (10, 30, 34, 56)}  # clip -> (top, left, bottom, right) in frame 0


def synthetic_frames() -> dict[str, np.ndarray]:
    """Two clips of four frames each, [3, S, S] in [0, 1]: a bright rectangle (the character) moving
    right over a dark flat colour, what the fixture's model was fitted on."""
    clips = {}
    for clip, tint, ground in (("a", (0.9, 0.7, 0.6), (0.1, 0.2, 0.3)), ("b", (0.6, 0.8, 0.9), (0.3, 0.1, 0.1))):
        frames = np.empty((4, 3, SIZE, SIZE), np.float32)
        frames[:] = np.array(ground, np.float32)[:, None, None]
        top, left, bottom, right = RECTANGLES[clip]
        for index in range(4):
            frames[index, :, top:bottom, left + 4 * index:right + 4 * index] = np.array(tint, np.float32)[:, None, None]
        clips[clip] = frames
    return clips


# Built as a request built by hand is (its output left at None: the model square itself).
REQUESTS = [
    FrameRequest("fixture", 0, FrameRef("b", 0), ()),
    FrameRequest("fixture", 1, FrameRef("b", 1), (CharacterRequest(FrameRef("a", 0), None, Pose(0, 0, 0, 1)),)),
    FrameRequest("fixture", 2, FrameRef("b", 2), (
        CharacterRequest(FrameRef("a", 1), MotionRequest("a", 0, 3), Pose(0.1, -0.05, 30, 1.2), "first"),
        CharacterRequest(FrameRef("b", 3), MotionRequest("a", 1, 2), Pose(-0.1, 0.1, -20, 0.8), "second"))),
]


@pytest.fixture(scope="module")
def engine():
    frames = synthetic_frames()
    return Engine(FIXTURE, frames=lambda clip, frame: frames[clip][frame], prefer_cuda=False)


def test_the_format_2_fixture_opens_as_a_layered_bundle():
    bundle = open_bundle(FIXTURE, prefer_cuda=False)
    assert bundle.metadata["format_version"] == 2
    assert bundle.layered and bundle.renderer == "layered"
    assert {"encoder_character.onnx", "encoder_background.onnx", "motion.onnx", "renderer.onnx",
            *LAYER_GRAPHS} == set(bundle.sessions)
    assert bundle.image_size == SIZE


@pytest.mark.parametrize("view", list(LayerView))
def test_the_format_2_fixture_renders_every_layer_view(engine, view):
    images = engine.render_requests(REQUESTS, view)
    assert images.dtype == np.float32
    assert images.shape == (len(REQUESTS), view.channels, SIZE, SIZE)
    assert np.isfinite(images).all()
    assert images.min() >= 0.0 and images.max() <= 1.0


def test_the_format_2_fixture_draws_its_character_where_it_is(engine):
    """The character graph's alpha covers the rectangle it was fitted to find, under the matte rule;
    a request without characters covers nothing."""
    alpha = engine.render_requests(REQUESTS[:2], LayerView.ALPHA)
    assert np.all(alpha[0] == 0.0)
    top, left, bottom, right = RECTANGLES["a"]
    truth = np.zeros((SIZE, SIZE), bool)
    truth[top:bottom, left:right] = True
    drawn = alpha[1, 0] >= 0.5
    assert (drawn & truth).sum() / (drawn | truth).sum() > 0.8


def test_the_characters_over_the_background_are_the_composite(engine):
    """The characters view (straight RGBA) composited over the background view gives the composite."""
    composite = engine.render_requests(REQUESTS, LayerView.COMPOSITE)
    background = engine.render_requests(REQUESTS, LayerView.BACKGROUND)
    characters = engine.render_requests(REQUESTS, LayerView.CHARACTERS)
    rgb, alpha = characters[:, :3], characters[:, 3:]
    assert alpha[1:].max() == 1.0  # there is something to composite
    np.testing.assert_allclose(alpha * rgb + (1 - alpha) * background, composite, atol=2 / 255)


def test_the_fixture_holds_the_keys_the_format_2_exporter_writes():
    """The fixture's model.json has the keys the exporter writes today, no more and no fewer (the
    graphs are not compared: ONNX export is not promised to be byte-identical). When the exporter
    moves to a later format this fails on purpose, naming the keys that format changed: the fixture
    stays as it is (it is format 2's proof) and this test then pins format 2's keys. ``graph_sha256``
    came later as an optional key of format 2: the fixture is also the proof that a bundle without it opens."""
    model = SceneModel(ModelConfig(width=4, feature_channels=4, blocks=0, motion_width=4, renderer="layered"))
    today = bundle_metadata(model, {}, {}, {})
    committed = json.loads((FIXTURE / "model.json").read_text())
    new, gone = sorted(set(today) - set(committed) - {"graph_sha256"}), sorted(set(committed) - set(today))
    assert not new and not gone, f"the exporter now writes {new} and no longer {gone}"
    assert committed["format_version"] == today["format_version"] == BUNDLE_VERSION == 2
