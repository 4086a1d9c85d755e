"""T^Z refined by a dense displacement (training/model/dense_motion.py): with its head at zero (as it
starts) the field is the single affine's; a still motion source moves no other character; the
displacement is laid about the rendered character's own pivot (relative transfer); the bundle's
motion graph gives the model's field; a dense model warm-starts from a bundle without it."""

import json

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from tests.conftest import trained_looking_model
from training.model.config import ConfigError, ModelConfig
from workstation.render.bundle import open_bundle
from workstation.render.graphs import Graphs

SIZE = 64
IDENTITY = torch.tensor([[[1.0, 0, 0], [0, 1, 0]]])


def dense_model(moving: bool = True, steps: int = 1):
    model = trained_looking_model(motion_input="instance", motion_alignment="registration", colour="source",
                                  dense=steps)
    if moving:  # a head that says something, as a trained one does
        torch.manual_seed(7)
        torch.nn.init.normal_(model.dense_motion.out.weight, std=0.2)
    return model


def blob_frames(places: list[tuple[int, int]], seed: int = 0) -> torch.Tensor:
    """Frames of one bright block character (the same pixels each time) at each (x, y)."""
    generator = torch.Generator().manual_seed(seed)
    block = torch.rand(3, 20, 12, generator=generator)
    images = torch.zeros(len(places), 3, SIZE, SIZE)
    for i, (x, y) in enumerate(places):
        images[i, :, y : y + 20, x : x + 12] = block
    return images


def affine_field(theta: torch.Tensor) -> torch.Tensor:
    return F.affine_grid(theta.float(), [theta.shape[0], 3, SIZE, SIZE], align_corners=False)


@pytest.mark.parametrize("steps", [1, 4])
def test_an_untrained_head_gives_the_single_affine_field(steps):
    model = dense_model(moving=False, steps=steps)
    single = trained_looking_model(motion_input="instance", motion_alignment="registration", colour="source")
    single.load_state_dict({k: v for k, v in model.state_dict().items() if not k.startswith("dense_motion.")})
    with torch.no_grad():
        features = model.encoder_character(blob_frames([(10, 12), (20, 30), (30, 20)]))
        thetas = model.motion(features, features.roll(1, 0))
        theta = single.motion(features, features.roll(1, 0))
        assert thetas.shape == (3, 1 + (16 * steps) ** 2, 2, 3)
        assert torch.allclose(thetas[:, 0], theta)
        field, masks = model.motion_field(features, thetas)
    assert masks is None
    assert float((field - affine_field(single.absolute(features, theta))).abs().max()) < 1e-6


def test_a_still_motion_source_moves_no_other_character():
    model = dense_model()
    torch.nn.init.zeros_(model.motion_net.head.weight)  # the body's motion: the registration's alone
    with torch.no_grad():
        a, a_moved, b = model.encoder_character(blob_frames([(20, 20), (28, 16), (30, 30)])).split(1)
        motion = model.motion(a, a)
        still = model.source_field(b, motion)
        moving = model.source_field(b, model.motion(a, a_moved))
        body = affine_field(model.absolute(b, model.motion(a, a_moved)))
    assert float((still - affine_field(model.absolute(b, motion))).abs().max()) < 1e-3  # no displacement
    assert float((still - affine_field(IDENTITY)).abs().max()) < 5e-3  # registered still to a sixth of a pixel
    assert float((moving - body).abs().max()) > 5e-3  # the head moves more than the body, when A moves


def test_the_displacement_is_laid_about_the_drawn_characters_own_pivot():
    model = dense_model()
    with torch.no_grad():
        # B is A's first frame 8 pixels (two feature cells) to the right: B follows A's motion there
        a_p, a_q, b_p = model.encoder_character(blob_frames([(16, 16), (20, 18), (24, 16)])).split(1)
        motion = model.motion(a_p, a_q)
        own, other = model.source_field(a_p, motion), model.source_field(b_p, motion)
    step = 8 * 2 / SIZE  # 8 pixels in grid units
    # B's field at (x, y) is A's at (x - 8, y), moved 8 pixels on: away from the square's edges
    expected = own[:, 8:-8, 8:-16] + torch.tensor([step, 0.0])
    assert float((other[:, 8:-8, 16:-8] - expected).abs().max()) < 5e-3
    assert float((own - affine_field(model.absolute(a_p, motion))).abs().max()) > 0.01


def test_the_bundle_gives_the_models_field(dense_bundle):
    model, folder = dense_bundle
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 3 and metadata["parts"] == 0 and metadata["model_config"]["dense"] == 4
    graphs = Graphs(open_bundle(folder), None, 1 << 24)
    with torch.no_grad():
        a, b, c = model.encoder_character(blob_frames([(16, 16), (22, 12), (30, 24)])).split(1)
        want = model.source_field(c, model.motion(a, b)).permute(0, 3, 1, 2).numpy()
        assert np.abs(want - F.affine_grid(model.absolute(c, model.motion(a, b)), [1, 3, SIZE, SIZE],
                                           align_corners=False).permute(0, 3, 1, 2).numpy()).max() > 0.01
    field, _theta = graphs._run("motion.onnx", a.numpy(), b.numpy(), c.numpy())
    assert np.abs(field - want).max() <= 1e-4


def test_a_dense_model_starts_from_a_bundle_without_it(anchored_bundle):
    from training.model.scene_model import SceneModel
    from training.run.warm_start import warm_start

    source, folder = anchored_bundle  # a single affine, coloured by its decoder
    model = SceneModel(ModelConfig(**{**source.config.__dict__, "colour": "source", "dense": 1}))
    warm_start(model, str(folder))
    for name, tensor in model.state_dict().items():
        if name.startswith(("encoder_", "motion_net.")):
            assert torch.equal(tensor, source.state_dict()[name]), name
    assert not model.dense_motion.out.weight.detach().any()  # it starts as the single affine


def test_dense_motion_needs_a_model_drawn_from_its_own_pixels():
    with pytest.raises(ConfigError, match="model.dense"):
        ModelConfig(dense=1).validate()
    with pytest.raises(ConfigError, match="model.dense"):
        ModelConfig(dense=True, colour="source", parts=4).validate()
    with pytest.raises(ConfigError, match="model.dense=3"):
        ModelConfig(dense=3, colour="source").validate()
    assert ModelConfig(dense=True, colour="source").validate().dense == 1  # as the first dense runs said it
