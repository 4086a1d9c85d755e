"""T^Z as a field of parts (training/model/parts.py): K = 1 is the single affine; the masks sum to
one; a part model's field is the single affine's when every part moves as the body; a character
stands still under a still motion source, whatever its parts; the bundle's motion graph gives the
model's field and masks; a part model warm-starts from a bundle without parts."""

import json

import numpy as np
import pytest
import torch
from torch.nn import functional as F

from tests.conftest import trained_looking_model
from training.bundle_export import export_bundle
from training.model.alignment import theta_about
from training.model.config import ConfigError, ModelConfig
from workstation.render.bundle import open_bundle
from workstation.render.graphs import Graphs

SIZE = 64


def part_model(part_motion: str = "shift", parts: int = 4):
    model = trained_looking_model(motion_input="instance", motion_alignment="registration", colour="source",
                                  parts=parts, part_motion=part_motion)
    torch.manual_seed(5)
    for layer in model.part_motion.segmenter:  # parts that differ from one cell to the next
        if isinstance(layer, torch.nn.Conv2d):
            torch.nn.init.normal_(layer.weight, std=0.3)
    return model


def character_features(model, count: int, seed: int) -> torch.Tensor:
    images = torch.zeros(count, 3, SIZE, SIZE)
    generator = torch.Generator().manual_seed(seed)
    for i in range(count):  # a bright blob somewhere on black: a character with a centre
        x, y = torch.randint(16, 40, (2,), generator=generator).tolist()
        images[i, :, y : y + 20, x : x + 12] = torch.rand(3, 20, 12, generator=generator)
    with torch.no_grad():
        return model.encoder_character(images)


def affine_field(theta: torch.Tensor) -> torch.Tensor:
    return F.affine_grid(theta.float(), [theta.shape[0], 3, SIZE, SIZE], align_corners=False)


def test_one_part_is_the_single_affine_model():
    model = trained_looking_model(motion_input="instance", motion_alignment="registration", colour="source")
    assert model.config.parts == 1 and not hasattr(model, "part_motion")
    a, b = character_features(model, 2, 0).split(1)
    with torch.no_grad():
        theta = model.motion(a, b)
        assert theta.shape == (1, 2, 3)
        assert torch.allclose(model.source_field(a, theta), affine_field(model.absolute(a, theta)))


@pytest.mark.parametrize("part_motion", ["shift", "residual"])
def test_parts_that_move_as_the_body_give_the_body_field(part_motion):
    model = part_model(part_motion)
    features = character_features(model, 3, 1)
    with torch.no_grad():
        thetas = model.motion(features, features.roll(1, 0))
        assert thetas.shape == (3, 5, 2, 3)
        whole = model.absolute(features, thetas)  # the whole body's, re-anchored on this character
        if part_motion == "residual":  # every part relative to the body's pivot, as the body
            same = thetas[:, :1].expand(3, 4, 2, 3)
        else:  # each part relative to its own pivot
            pivots = model.part_motion.pivots(model.part_motion.presence(features))
            same = torch.stack([theta_about(whole, pivots[:, k]) for k in range(4)], dim=1)
        field = model.source_field(features, torch.cat([thetas[:, :1], same], dim=1))
        own = model.source_field(features, thetas)  # the parts' own motion differs
    assert float((field - affine_field(whole)).abs().max()) < 1e-5
    assert float((field - own).abs().max()) > 1e-3


def test_masks_sum_to_one_and_parts_leave_the_rest_to_the_body():
    model = part_model()
    features = character_features(model, 4, 2)
    with torch.no_grad():
        thetas = model.motion(features, features.roll(1, 0))
        _, masks = model.part_motion.field(features, thetas, SIZE)
        parts = model.motion_field(features, thetas)[1]
    assert masks.shape == (4, 5, SIZE, SIZE) and parts.shape == (4, 4, SIZE, SIZE)
    assert float((masks.sum(dim=1) - 1).abs().max()) < 1e-5
    assert float(parts.min()) >= 0 and float(parts.sum(dim=1).max()) <= 1 + 1e-6
    assert float(parts.sum(dim=1).max()) > 0.5  # on the character the parts carry it
    assert float(parts.sum(dim=1)[:, :4, :4].max()) < 0.05  # in a corner, far from it, the body does


@pytest.mark.parametrize("part_motion", ["shift", "residual"])
def test_a_still_motion_source_moves_no_part_of_another_character(part_motion):
    model = part_model(part_motion)
    torch.nn.init.zeros_(model.motion_net.head.weight)  # the body's motion: the registration's alone
    a, b = character_features(model, 2, 3).split(1)
    with torch.no_grad():
        still = model.motion(a, a)
        if part_motion == "shift":  # no part moves against its own pivot
            assert float(still[:, 1:, :, 2].abs().max()) < 1e-6
        else:  # every part moves as the body does (which registers a still pair to within 1e-3)
            assert float((still[:, 1:] - still[:, :1]).abs().max()) < 1e-3
        field = model.source_field(b, still)
        moving = model.source_field(b, model.motion(a, character_features(model, 1, 9)))
    identity = affine_field(torch.tensor([[[1.0, 0, 0], [0, 1, 0]]]))
    assert float((field - identity).abs().max()) < 2e-3  # B is drawn where it is, as it is
    assert float((moving - identity).abs().max()) > 0.05


def test_the_bundle_gives_the_models_field_and_masks(tmp_path):
    model = part_model("residual")
    folder = export_bundle(model, tmp_path / "parts")
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 3 and metadata["parts"] == 4
    bundle = open_bundle(folder)
    graphs = Graphs(bundle, None, 1 << 24)
    a, b, c = character_features(model, 3, 4).split(1)
    field, theta, parts = graphs._run("motion.onnx", a.numpy(), b.numpy(), c.numpy())
    with torch.no_grad():
        thetas = model.motion(a, b)
        want_field = model.source_field(c, thetas).permute(0, 3, 1, 2).numpy()
        want_parts = model.motion_field(c, thetas)[1].numpy()
        want_theta = model.absolute(c, thetas).numpy()
    assert np.abs(field - want_field).max() <= 1e-4
    assert np.abs(theta - want_theta).max() <= 1e-4
    assert parts.shape == (1, 4, SIZE, SIZE) and np.abs(parts - want_parts).max() <= 1e-3


def test_a_part_model_starts_from_a_bundle_without_parts(anchored_bundle, tmp_path):
    from tests.test_bundle_format3 import source_colour_model
    from training.model.scene_model import SceneModel
    from training.run.warm_start import warm_start

    source = source_colour_model()
    folder = export_bundle(source, tmp_path / "single")
    model = SceneModel(ModelConfig(**{**source.config.__dict__, "parts": 4}))
    fresh = {name: tensor.clone() for name, tensor in model.part_motion.state_dict().items()}
    warm_start(model, str(folder))
    for name, tensor in model.state_dict().items():
        if name.startswith("part_motion."):
            assert torch.equal(tensor, fresh[name.removeprefix("part_motion.")])
        else:
            assert torch.equal(tensor, source.state_dict()[name]), name


def test_parts_need_a_model_drawn_from_its_own_pixels():
    with pytest.raises(ConfigError, match="model.parts > 1"):
        ModelConfig(parts=4).validate()
    with pytest.raises(ConfigError, match="model.parts=0"):
        ModelConfig(parts=0, colour="source").validate()
    with pytest.raises(ConfigError, match="model.part_motion"):
        ModelConfig(parts=4, colour="source", part_motion="bend").validate()


def test_a_gated_part_model_starts_as_the_single_affine_one():
    model = part_model("gated")
    features = character_features(model, 3, 6)
    with torch.no_grad():
        thetas = model.motion(features, features.roll(1, 0))
        closed = model.source_field(features, thetas)
        model.part_motion.gate.fill_(0.1)
        opened = model.source_field(features, model.motion(features, features.roll(1, 0)))
    assert float((closed - affine_field(model.absolute(features, thetas))).abs().max()) < 1e-5
    assert float((opened - closed).abs().max()) > 1e-3
