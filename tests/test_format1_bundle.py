"""A format 1 bundle (written before bundle format 2, by tests/fixtures/bundles/make_format1.py at
commit 842994a) still loads, as a summed bundle, and renders what it rendered then."""

import json
from pathlib import Path

import numpy as np
import pytest

from workstation.project import CharacterRequest, FrameRef, FrameRequest, MotionRequest, Pose
from workstation.render.bundle import open_bundle
from workstation.render.engine import Engine

FIXTURE = Path(__file__).parent / "fixtures" / "bundles" / "format1"
# The engine's layer (or the summed renderer's view) that draws what format 1's layer drew.
THEN_AND_NOW = {"both": "composite", "background": "background", "character": "view:character"}


@pytest.fixture(scope="module")
def references():
    data = np.load(FIXTURE / "references.npz")
    frames = {"a": data["frames_a"].astype(np.float32) / 255, "b": data["frames_b"].astype(np.float32) / 255}
    specs = json.loads((FIXTURE / "requests.json").read_text())
    def pose(tx, ty, rotation, scale):  # format 1's poses moved by pixels of its 64-pixel square
        return Pose(tx / 64, ty / 64, float(rotation), float(scale))

    requests = [
        FrameRequest("reference", index, FrameRef(*spec["background"]), tuple(
            CharacterRequest(FrameRef(*c["source"]), None if c["motion"] is None else MotionRequest(*c["motion"]),
                             pose(*c["pose"]))
            for c in spec["characters"]))
        for index, spec in enumerate(specs)]
    return frames, requests, {layer: data[layer] for layer in THEN_AND_NOW}


def test_a_format_1_bundle_loads_as_a_summed_bundle():
    bundle = open_bundle(FIXTURE / "bundle", prefer_cuda=False)
    assert bundle.metadata["format_version"] == 1 and bundle.renderer == "summed" and not bundle.layered
    assert set(bundle.sessions) == {"encoder_character.onnx", "encoder_background.onnx", "motion.onnx",
                                    "renderer.onnx"}


@pytest.mark.parametrize("then", list(THEN_AND_NOW))
def test_a_format_1_bundle_renders_as_it_did(references, then):
    frames, requests, renders = references
    engine = Engine(FIXTURE / "bundle", frames=lambda clip, frame: frames[clip][frame], prefer_cuda=False)
    now = THEN_AND_NOW[then]
    if now.startswith("view:"):
        got = engine.render_view(requests, now.removeprefix("view:"))
    else:
        got = engine.render_requests(requests, now)
    assert got.shape == renders[then].shape == (len(requests), 3, 64, 64)
    assert np.abs(got - renders[then]).max() <= 1e-5  # the same graphs on the same inputs: float rounding at most
