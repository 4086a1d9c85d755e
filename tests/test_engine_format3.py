"""The engine over a format 3 bundle (a model that draws characters from their own pixels): the
model's own frame as torch computes it, and at the output size the character's colour sampled from
its full-resolution source frame through the field, so a character at the identity pose shows its
source's pixels exactly and a turned one keeps a one-pixel line its square could never hold."""

import numpy as np
import pytest
import torch

from tests.conftest import tiny_model_config
from training.bundle_export import export_bundle
from training.model.scene_model import SceneModel
from workstation.media import fit
from workstation.project import CharacterRequest, FrameRef, FrameRequest, Output, Pose
from workstation.render.engine import Engine
from workstation.render.framing import ClipGeometry
from workstation.render.layers import LayerView

SIZE = 64


class MemoryClips:
    """A ClipFrames source over in-memory uint8 frames, every clip cropped."""

    def __init__(self, clips: dict[str, list[np.ndarray]]):
        self.clips = clips

    def __call__(self, clip, frame):
        return fit(self.clips[clip][frame], SIZE, "crop")

    def original(self, clip, frame):
        return self.clips[clip][frame]

    def geometry(self, clip):
        height, width = self.clips[clip][0].shape[:2]
        return ClipGeometry(width, height, "crop")


@pytest.fixture(scope="module")
def sighted_bundle(tmp_path_factory):
    """A tiny format 3 model whose visibility is 1 everywhere (the source's pixels are the colour)
    and whose alpha covers the middle of the square, exported."""
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(colour="source"))
    last = model.character_decoder.layers[-2]
    with torch.no_grad():
        last.weight[:, 3:5].zero_()
        last.bias[3] = 30.0  # alpha 1 everywhere the placed features reach
        last.bias[4] = 30.0  # v = 1
    return model, export_bundle(model, tmp_path_factory.mktemp("bundles") / "sighted")


def textured(side: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)


def test_the_bundle_draws_the_models_own_frame(sighted_bundle):
    model, folder = sighted_bundle
    engine = Engine(folder, prefer_cuda=False)
    assert engine.bundle.colour_from_source
    # pictures with edges a few pixels wide, not pixel noise: sampled a hair apart (float rounding
    # of the field), noise would differ by its whole step
    x = [torch.nn.functional.interpolate(torch.rand(2, 3, 16, 16), size=SIZE, mode="bilinear") for _ in range(4)]
    with torch.no_grad():
        expected = model(*x).numpy()
    assert np.abs(engine.h(*(t.numpy() for t in x)) - expected).max() < 1e-4


def test_at_the_identity_pose_a_crisp_character_is_its_source_pixels_exactly(sighted_bundle):
    _, folder = sighted_bundle
    source, background = textured(256, 1), textured(256, 2)
    engine = Engine(folder, MemoryClips({"actor": [source], "bg": [background]}), prefer_cuda=False)
    request = FrameRequest("s", 0, FrameRef("bg", 0), (CharacterRequest(FrameRef("actor", 0), None, Pose(), "a"),),
                           Output(256, 256, "crisp"))
    rgba = engine.render_requests([request], LayerView.CHARACTERS)[0]
    alpha = rgba[3]
    drawn = alpha == 1.0
    assert drawn.mean() > 0.2  # the character covers a good part of the frame
    truth = source.transpose(2, 0, 1).astype(np.float32) / 255
    assert np.abs(rgba[:3][:, drawn] - truth[:, drawn]).max() < 1e-6


def test_a_turned_character_keeps_a_one_pixel_line_of_its_full_resolution_source(sighted_bundle):
    _, folder = sighted_bundle
    source = np.full((512, 512, 3), 40, np.uint8)
    source[:, 256] = 250  # a one-pixel line, an eighth of a square pixel wide
    engine = Engine(folder, MemoryClips({"actor": [source], "bg": [np.zeros((512, 512, 3), np.uint8)]}),
                    prefer_cuda=False)
    request = FrameRequest("s", 0, FrameRef("bg", 0), (
        CharacterRequest(FrameRef("actor", 0), None, Pose(rotation=30.0), "a"),), Output(512, 512, "crisp"))
    colour = engine.render_requests([request], LayerView.CHARACTERS)[0][:3]
    bright = colour.max(axis=0) > 0.9  # the line's own colour, nearest-sampled: never averaged away
    rows = np.flatnonzero(bright.any(axis=1))
    assert len(rows) > 150  # it crosses the character, one pixel wide and turned
    widths = bright[rows].sum(axis=1)
    assert np.median(widths) <= 3  # still a line, not a band


def test_the_scene_functions_of_a_format_3_engine_are_the_models(sighted_bundle):
    """What the evaluations call, motion then render with the character's frame, is h as torch draws it."""
    from training.evaluation.manipulation import h

    model, folder = sighted_bundle
    engine = Engine(folder, prefer_cuda=False)
    x = [torch.nn.functional.interpolate(torch.rand(2, 3, 16, 16), size=SIZE, mode="bilinear") for _ in range(4)]
    with torch.no_grad():
        expected = model(*x).numpy()
    assert np.abs(h(engine, *(t.numpy() for t in x)) - expected).max() < 1e-4
