"""The model of docs/DESIGN.md ("The model"): shapes, identity start, order dependence, anchored motion, losses."""

import dataclasses
import math

import numpy as np
import pytest
import torch

from tests.conftest import tiny_model_config, tiny_train_config
from training.model.alignment import (
    centroid,
    identity_theta,
    rotation_linear,
    theta_about,
    theta_from,
    warp,
)
from training.model.alignment import rotation_theta as model_rotation_theta
from training.model.config import ConfigError, LossOptions, TrainConfig
from training.model.decoders import LOGIT_BOUND, composite, logit_bound
from training.model.scene_model import SceneModel

# The paper's three losses, each weighted 1 (recipes/paper.toml), and the defaults' (the recipe's).
PAPER_LOSSES = LossOptions(alpha_equiv=1.0, alpha_inv=1.0, alpha_sparse=0.0, alpha_self=0.0, alpha_plate=0.0,
                           alpha_bound=0.0, alpha_static=0.0, alpha_visible=0.0, equiv_levels=1)
DEFAULT_LOSSES = TrainConfig().loss_options()


def rotation_theta(degrees: float, n: int = 1) -> torch.Tensor:
    return model_rotation_theta(torch.tensor(math.radians(degrees))).expand(n, 2, 3)


@pytest.mark.parametrize("size", [64, 128])
def test_shapes(size):
    model = SceneModel(tiny_model_config(image_size=size))
    images = torch.rand(2, 3, size, size)
    features = model.encoder_character(images)
    assert features.shape == (2, 8, size // 4, size // 4)
    assert model.encoder_background(images).shape == features.shape
    theta = model.motion(features, features)
    assert theta.shape == (2, 2, 3)
    output = model(images, images, images, images)
    assert output.shape == (2, 3, size, size)
    assert output.min() >= 0 and output.max() <= 1


@pytest.mark.parametrize("anchored, motion_input, alignment", [
    (True, "rms", "none"), (False, "rms", "none"), (True, "instance", "none"),
])
def test_motion_is_identity_at_start(anchored, motion_input, alignment):
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(anchored=anchored, motion_input=motion_input, motion_alignment=alignment))
    a, b = torch.randn(3, 8, 16, 16), torch.randn(3, 8, 16, 16)
    assert torch.allclose(model.motion(a, b), identity_theta(3), atol=1e-6)
    assert torch.allclose(model.place(a, model.motion(a, b)), a, atol=1e-5)


@pytest.mark.parametrize("motion_input, alignment", [("rms", "none"), ("instance", "none"),
                                                     ("instance", "registration")])
def test_motion_depends_on_input_order(motion_input, alignment):
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(motion_input=motion_input, motion_alignment=alignment))
    torch.nn.init.normal_(model.motion_net.head.weight, std=0.1)
    a, b = torch.randn(1, 8, 16, 16), torch.randn(1, 8, 16, 16)
    assert not torch.allclose(model.motion(a, b), model.motion(b, a), atol=1e-4)


def trained_looking_pair(alignment: str = "none"):
    torch.manual_seed(1)
    anchored = SceneModel(tiny_model_config(anchored=True, motion_alignment=alignment))
    torch.nn.init.normal_(anchored.motion_net.head.weight, std=0.2)
    plain = SceneModel(tiny_model_config(anchored=False, motion_alignment=alignment))
    plain.load_state_dict(anchored.state_dict())
    return anchored, plain


@pytest.mark.parametrize("alignment", ["none", "registration"])
def test_anchored_and_plain_agree_when_the_character_is_the_motion_source(alignment):
    anchored, plain = trained_looking_pair(alignment)
    x1, x2, xb = torch.rand(4, 3, 64, 64), torch.rand(4, 3, 64, 64), torch.rand(4, 3, 64, 64)
    assert torch.allclose(anchored(x1, x1, x2, xb), plain(x1, x1, x2, xb), atol=1e-5)
    losses_a, losses_p = anchored.losses(x1, x2, DEFAULT_LOSSES), plain.losses(x1, x2, DEFAULT_LOSSES)
    for key in ("scene", "equiv", "inv", "self", "total"):
        assert torch.allclose(losses_a[key], losses_p[key], atol=1e-6)
    fc1, fc2 = anchored.encoder_character(x1), anchored.encoder_character(x2)
    placed_a = anchored.place(fc1, anchored.motion(fc1, fc2))
    placed_p = plain.place(fc1, plain.motion(fc1, fc2))
    assert not torch.allclose(placed_a, fc1, atol=1e-3)  # the motion really moves something
    assert torch.allclose(placed_a, placed_p, atol=1e-5)


def test_anchored_and_plain_differ_when_another_character_receives_the_motion():
    anchored, plain = trained_looking_pair()
    mover, receiver = blob(4, 4, channels=8), blob(12, 12, channels=8)
    theta_plain = plain.motion(mover, mover)
    theta_anchored = anchored.motion(mover, mover)
    assert not torch.allclose(anchored.place(receiver, theta_anchored), plain.place(receiver, theta_plain),
                              atol=1e-3)


def blob(x: int, y: int, size: int = 16, channels: int = 4) -> torch.Tensor:
    features = torch.zeros(1, channels, size, size)
    features[:, :, y - 1 : y + 2, x - 1 : x + 2] = 1.0
    return features


def letter_l(channels: int = 8) -> torch.Tensor:
    """An L of character features: no symmetry, so its turn and its shift are both readable."""
    features = torch.zeros(1, channels, 16, 16)
    features[:, : channels // 2, 4:10, 5:7] = 1.0
    features[:, channels // 2 :, 8:10, 5:10] = 1.0
    return features


@pytest.mark.parametrize("anchored", [True, False])
def test_registered_motion_finds_a_turn_and_a_shift_before_any_training(anchored):
    """T^Z by registration reads a 30 degree turn and a 3-cell shift of an untrained model's
    features, and placing the character with it lands on where it went."""
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(anchored=anchored, motion_input="instance", motion_alignment="registration"))
    start = letter_l()
    moved = torch.cat([rotation_linear(torch.tensor([math.radians(30.0)])), torch.tensor([[[-0.3], [-0.2]]])], dim=2)
    end = warp(start, theta_from(moved, centroid(start)))
    theta = model.motion(start, end)
    angle = math.degrees(math.atan2(theta[0, 1, 0].item(), theta[0, 0, 0].item()))
    assert abs(angle - 30.0) < 2.0
    miss = (model.place(start, theta) - end).pow(2).mean()
    assert miss < 0.01 * (start - end).pow(2).mean()
    assert torch.allclose(model.motion(start, start), identity_theta(1), atol=0.01)


def test_registered_motion_correction_is_bounded():
    """However wild the motion net's output, its correction moves each entry by at most 0.5:
    the failure of the centroid alignment (theta running off to hundreds; removed) cannot happen."""
    model = SceneModel(tiny_model_config(motion_input="instance", motion_alignment="registration"))
    torch.nn.init.normal_(model.motion_net.head.weight, std=100.0)
    start = letter_l()
    theta = model.motion(start, warp(start, rotation_theta(20)))
    assert theta.isfinite().all() and theta[:, :, :2].abs().max() <= 1.5 * math.sqrt(2)
    assert not torch.allclose(theta[:, :, :2], rotation_linear(torch.tensor([math.radians(20.0)])), atol=0.05)


def test_anchored_rotation_turns_the_character_about_its_own_centre():
    model = SceneModel(tiny_model_config(anchored=True, feature_channels=4))
    character = blob(4, 11)  # far from the image centre
    placed = model.place(character, rotation_theta(90))
    assert torch.allclose(centroid(placed), centroid(character), atol=0.02)
    plain = SceneModel(tiny_model_config(anchored=False, feature_channels=4))
    assert not torch.allclose(centroid(plain.place(character, rotation_theta(90))), centroid(character), atol=0.2)


def test_pivot_helpers_are_inverse_and_keep_identity():
    theta = torch.randn(5, 2, 3)
    pivot = torch.rand(5, 2) * 2 - 1
    assert torch.allclose(theta_from(theta_about(theta, pivot), pivot), theta, atol=1e-6)
    assert torch.allclose(theta_about(identity_theta(5), pivot), identity_theta(5), atol=1e-6)


def test_centroid_finds_the_blob():
    """On the centre cell of the blob: what each channel's mean leaves away from the character
    falls below the average energy and is dropped."""
    assert torch.allclose(centroid(blob(8, 8)), torch.tensor([[1 / 16, 1 / 16]]), atol=0.015)
    assert torch.allclose(centroid(blob(4, 11)), torch.tensor([[-7 / 16, 7 / 16]]), atol=0.015)


def test_centroid_ignores_a_uniform_field_and_a_static_rim():
    """A trained f_c carries a field that is the same everywhere and a rim from zero padding;
    the centroid is that of the character all the same."""
    character = blob(4, 11)
    decorated = character + 0.5
    decorated[:, :, 0, :] += 2.0
    decorated[:, :, :, -1] += 2.0
    assert torch.allclose(centroid(decorated), centroid(character), atol=1e-5)


def test_warp_translates_features():
    features = blob(8, 8)
    shifted = warp(features, torch.tensor([[[1.0, 0.0, -0.25], [0.0, 1.0, 0.0]]]))  # sample 2 cells left
    assert torch.allclose(shifted[..., 10], features[..., 8], atol=1e-5)


def test_a_tiny_model_overfits_a_few_pairs(test_split):
    import numpy as np

    torch.manual_seed(0)
    x1, x2 = (torch.from_numpy(a) for a in test_split.random_pairs(np.random.default_rng(0), 4))
    model = SceneModel(tiny_model_config(width=16, feature_channels=16, motion_input="rms", motion_alignment="none"))
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    first = None
    for _ in range(300):
        losses = model.losses(x1, x2, PAPER_LOSSES)
        optimizer.zero_grad()
        losses["total"].backward()
        optimizer.step()
        first = first if first is not None else losses["scene"].item()
    assert losses["scene"].item() < 0.15 * first


def test_sparsity_is_one_when_dense_small_when_concentrated_and_ignores_scale():
    from training.model.loss_terms import sparsity

    dense = torch.ones(2, 4, 16, 16)
    single = torch.zeros(2, 4, 16, 16)
    single[:, :, 3, 5] = 7.0
    assert torch.isclose(sparsity(dense), torch.tensor(1.0))
    assert torch.isclose(sparsity(single), torch.tensor(1 / 16.0), atol=1e-4)  # 1 / sqrt(256 cells)
    assert torch.isclose(sparsity(5 * single), sparsity(single))


def test_pyramid_equivariance_gives_the_motion_a_gradient_beyond_a_stroke_width():
    """With no overlap between the moved character and its target, the paper's L_equiv cannot tell
    which way the target lies; the pyramid can."""
    from torch.nn import functional as F

    from training.model.loss_terms import pyramid_equivariance

    source = blob(8, 8)

    def gradient(loss, target):
        shift = torch.zeros((), requires_grad=True)
        theta = torch.stack([torch.stack([torch.ones(()), torch.zeros(()), shift]),
                             torch.tensor([0.0, 1.0, 0.0])])[None]
        loss(warp(source, theta), target).backward()
        return shift.grad.item()

    # Part of each gradient comes from the source alone (bilinear resampling changes its energy);
    # what depends on the target is the difference between a target on the left and on the right.
    left, right = blob(2, 8), blob(14, 8)  # six cells away on either side
    assert gradient(F.mse_loss, right) - gradient(F.mse_loss, left) == 0  # blind to where the target is

    def pyramid(a, b):
        return pyramid_equivariance(a, b, levels=4)

    # A positive shift samples further right, moving the content left: the loss for the target on
    # the right must rise with it, for the target on the left fall.
    assert gradient(pyramid, right) - gradient(pyramid, left) > 1.0
    assert pyramid_equivariance(right, right, levels=4).item() == 0


def test_static_background_asks_the_plates_for_the_pixels_both_frames_show_all_around():
    """L_static: only where x1 and x2 are the same picture over the whole window around a pixel does
    it ask the plate for that pixel; a plate that is right there costs nothing, whatever it shows
    near where the character moved."""
    from training.model.loss_terms import STATIC_WINDOW, static_background

    torch.manual_seed(0)
    size, reach = 32, STATIC_WINDOW // 2
    background = torch.rand(1, 3, size, size)
    x1, x2 = background.clone(), background.clone()
    x1[:, :, 4:8, 4:8], x2[:, :, 20:24, 6:10] = 1.0, 0.0  # the character, in two places
    near = torch.zeros(1, 1, size, size, dtype=torch.bool)  # within reach of a pixel that changed
    near[:, :, 4 - reach : 8 + reach, 4 - reach : 8 + reach] = True
    near[:, :, 20 - reach : 24 + reach, 6 - reach : 10 + reach] = True
    frames = torch.cat([x1, x2])
    right = torch.where(near, torch.rand(1, 3, size, size), background).repeat(2, 1, 1, 1)
    assert static_background(right, frames).item() == 0
    off = (right + 0.1).clamp(max=1.0)  # wrong by 0.1 where both frames show the background all around
    expected = ((off - frames) ** 2 * ~near).sum() / (3 * 2 * (~near).sum())
    assert torch.isclose(static_background(off, frames), expected)
    assert static_background(off, torch.cat([x1, 1 - x1])).item() == 0  # nowhere the same: nothing


def test_static_background_is_part_of_the_loss_when_weighted():
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config())
    x1, x2 = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64)
    x2[:, :, :32] = x1[:, :, :32]  # the top half agrees
    options = tiny_train_config(alpha_static=2.0).loss_options()
    losses = model.losses(x1, x2, options)
    unweighted = model.losses(x1, x2, tiny_train_config(alpha_static=0.0).loss_options())
    assert losses["static"].item() > 0 and unweighted["static"].item() == 0
    assert torch.isclose(losses["total"] - unweighted["total"], 2.0 * losses["static"], atol=1e-6)


def test_self_reconstruction_is_h_of_a_frame_with_itself():
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config())
    x1, x2 = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64)
    losses = model.losses(x1, x2, DEFAULT_LOSSES)
    assert torch.allclose(losses["self"], ((model(x1, x1, x1, x1) - x1) ** 2).mean(), atol=1e-6)
    assert model.losses(x1, x2, PAPER_LOSSES)["self"].item() == 0  # not computed unless weighted


def test_instance_normalised_motion_ignores_a_field_that_is_the_same_everywhere():
    """f_c often carries a constant field early in training; it must not change T^Z's answer."""
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(motion_input="instance", motion_alignment="none"))
    torch.nn.init.normal_(model.motion_net.head.weight, std=0.1)
    a, b = blob(4, 4, channels=8), blob(9, 6, channels=8)
    field = torch.randn(1, 8, 1, 1)
    plain_model = SceneModel(tiny_model_config(motion_input="rms", motion_alignment="none", anchored=False))
    plain_model.load_state_dict(model.state_dict())
    model.config.anchored = False  # compare the motion nets alone
    assert torch.allclose(model.motion(a + field, b + field), model.motion(a, b), atol=1e-3)
    assert not torch.allclose(plain_model.motion(a + field, b + field), plain_model.motion(a, b), atol=1e-3)


# Each term and L_total for one fixed model and batch, as computed by losses() before it took one
# LossOptions (flags relative / equiv_levels / self_reconstruction, weights applied by the trainer).
LOSSES_BEFORE_OPTIONS = {
    "paper": (dict(motion_input="rms", motion_alignment="none", renderer="summed"), PAPER_LOSSES,
              dict(scene=0.0831754133105278, equiv=0.00044631457421928644, inv=0.00234628701582551,
                   sparse=0.8371384143829346, self=0.0, total=0.0859680101275444)),
    "recipe": (dict(motion_input="instance", motion_alignment="registration", renderer="summed"),
               dataclasses.replace(DEFAULT_LOSSES, alpha_plate=0.0, alpha_bound=0.0),
               dict(scene=0.08317471295595169, equiv=0.08294323831796646, inv=0.00234628701582551,
                    sparse=0.8371384143829346, self=0.08334722369909286, total=0.2685542404651642)),
    "mixed": (dict(motion_input="rms", motion_alignment="none", anchored=False, renderer="summed"),
              LossOptions(alpha_equiv=0.5, alpha_inv=2.0, alpha_sparse=0.1, alpha_self=0.3, alpha_plate=0.0,
                          alpha_bound=0.0, alpha_static=0.0, alpha_visible=0.0, equiv_levels=2),
              dict(scene=0.0831754133105278, equiv=0.010631184093654156, inv=0.00234628701582551,
                   sparse=0.8371384143829346, self=0.08334723860025406, total=0.2019016146659851)),
}


@pytest.mark.parametrize("case", LOSSES_BEFORE_OPTIONS)
def test_losses_with_options_are_the_numbers_of_before(case):
    model_settings, options, expected = LOSSES_BEFORE_OPTIONS[case]
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(**model_settings))
    torch.nn.init.normal_(model.motion_net.head.weight, std=0.05)
    x1, x2 = torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64)
    losses = model.losses(x1, x2, options)
    assert {key: losses[key].item() for key in expected} == pytest.approx(expected, rel=1e-5, abs=1e-9)


def test_loss_options_are_the_train_configs_weights_and_levels():
    config = TrainConfig(alpha_equiv=0.5, alpha_inv=2.0, alpha_sparse=0.1, alpha_self=0.0, alpha_plate=3.0,
                         alpha_bound=0.5, alpha_static=0.25, equiv_levels=3)
    assert config.loss_options() == LossOptions(alpha_equiv=0.5, alpha_inv=2.0, alpha_sparse=0.1, alpha_self=0.0,
                                                alpha_plate=3.0, alpha_bound=0.5, alpha_static=0.25, alpha_visible=0.0,
                                                equiv_levels=3)
    assert DEFAULT_LOSSES == LossOptions(alpha_equiv=1.0, alpha_inv=1.0, alpha_sparse=0.02, alpha_self=1.0,
                                         alpha_plate=4.0, alpha_bound=1.0, alpha_static=0.0, alpha_visible=0.0,
                                         equiv_levels=4)
    torch.manual_seed(0)
    losses = SceneModel(tiny_model_config()).losses(torch.rand(2, 3, 64, 64), torch.rand(2, 3, 64, 64),
                                                    config.loss_options())
    weighted = (losses["scene"] + 0.5 * losses["equiv"] + 2.0 * losses["inv"] + 0.1 * losses["sparse"]
                + 3.0 * losses["plate"] + 0.5 * losses["bound"])
    assert torch.equal(losses["total"], weighted) and losses["self"].item() == 0
    assert losses["plate"].item() > 0


def layered_model(opaque: bool = False) -> SceneModel:
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config()).eval()
    if opaque:  # alpha's pre-sigmoid bias far up: every pixel of the character layer is opaque
        with torch.no_grad():
            model.character_decoder.layers[-2].bias[3] = 30.0
    return model


def test_layered_render_is_alpha_over_the_plate():
    model = layered_model()
    images = torch.rand(3, 3, 64, 64) * 4 - 2  # outside [0, 1] too: alpha must still stay in it
    character, background = model.encoder_character(images), model.encoder_background(images)
    theta = rotation_theta(30, 3)
    rgb, alpha = model.character_layer(character, theta)
    plate = model.plate(background)
    assert rgb.shape == plate.shape == (3, 3, 64, 64) and alpha.shape == (3, 1, 64, 64)
    assert alpha.min() >= 0 and alpha.max() <= 1
    expected = alpha * rgb + (1 - alpha) * plate
    assert torch.allclose(model.render(character, theta, background), expected, atol=1e-6)


def test_composite_draws_the_later_character_on_top():
    plate = torch.zeros(1, 3, 4, 4)
    red = torch.tensor([1.0, 0, 0]).view(1, 3, 1, 1).expand(1, 3, 4, 4)
    blue = torch.tensor([0, 0, 1.0]).view(1, 3, 1, 1)
    left = torch.zeros(1, 1, 4, 4)
    left[..., :3] = 1  # columns 0-2
    right = torch.zeros(1, 1, 4, 4)
    right[..., 1:] = 1  # columns 1-3: the overlap is columns 1-2
    image = composite(plate, [(red, left), (blue.expand(1, 3, 4, 4), right)])
    assert image[0, :, 0, 1].tolist() == [0, 0, 1] and image[0, :, 0, 0].tolist() == [1, 0, 0]
    swapped = composite(plate, [(blue.expand(1, 3, 4, 4), right), (red, left)])
    assert swapped[0, :, 0, 1].tolist() == [1, 0, 0] and swapped[0, :, 0, 3].tolist() == [0, 0, 1]


def test_an_opaque_character_hides_the_plate():
    model = layered_model(opaque=True)
    images = torch.rand(2, 3, 64, 64)
    character, background = model.encoder_character(images), model.encoder_background(images)
    rgb, alpha = model.character_layer(character, rotation_theta(0, 2))
    assert torch.all(alpha > 0.999)
    assert torch.allclose(model.render(character, rotation_theta(0, 2), background), rgb, atol=1e-4)


def test_the_plate_term_is_zero_for_a_pair_with_one_background_and_counts_in_the_total():
    model = layered_model()
    x = torch.rand(2, 3, 64, 64)
    assert model.losses(x, x, DEFAULT_LOSSES)["plate"].item() == 0
    other = model.losses(x, torch.rand(2, 3, 64, 64), DEFAULT_LOSSES)
    assert other["plate"].item() > 0


def test_the_summed_renderer_refuses_the_plate_and_bound_terms():
    with pytest.raises(ConfigError, match="alpha_plate"):
        TrainConfig(alpha_bound=0.0, init_from="", model=tiny_model_config(renderer="summed")).validate()
    with pytest.raises(ConfigError, match="alpha_bound"):
        TrainConfig(alpha_plate=0.0, init_from="", model=tiny_model_config(renderer="summed")).validate()
    TrainConfig(alpha_plate=0.0, alpha_bound=0.0, init_from="", model=tiny_model_config(renderer="summed")).validate()


def test_the_bound_term_is_zero_within_the_bound_and_walks_a_sunk_alpha_back():
    assert logit_bound(torch.full((1, 4, 8, 8), LOGIT_BOUND - 0.1)).item() == 0
    assert logit_bound(torch.full((1, 4, 8, 8), -LOGIT_BOUND - 2.0)).item() == pytest.approx(4.0)
    model = layered_model(opaque=True)  # alpha's logits at about +30: far past the bound
    x = torch.rand(2, 3, 64, 64)
    losses = model.losses(x, x, DEFAULT_LOSSES)
    assert losses["bound"].item() > 100
    losses["total"].backward()
    assert model.character_decoder.layers[-2].bias.grad[3] > 0  # descending it lowers the sunk logit


def test_layer_scores_measure_the_plate_and_the_alpha_against_the_ink(test_split):
    from training.evaluation.evaluate import draw_examples, layer_scores
    from training.model.scene_functions import TorchScene

    examples = draw_examples(test_split, 3, seed=0)
    opaque = layer_scores(TorchScene(layered_model(opaque=True)), test_split, examples)
    ink = np.array([test_split.ink_mask(ex.first.digit, ex.first.poses[ex.i]).mean() for ex in examples])
    assert np.allclose(opaque["Alpha IoU"], ink)  # alpha 1 everywhere: the IoU is the ink's share
    assert opaque["Plate vs true background"].shape == (3,) and np.all(opaque["Plate vs true background"] > 0)
    torch.manual_seed(0)
    summed = layer_scores(TorchScene(SceneModel(tiny_model_config(renderer="summed")).eval()), test_split, examples)
    assert set(summed) == {"Plate vs true background"}


def test_a_model_that_draws_from_the_source_shows_its_pixels_where_it_sees_them():
    """model.colour="source": colour = v * sample(x_c, field) + (1 - v) * rgb. At the identity
    motion with v = 1 the character's colour is its source frame exactly; with v = 0 the decoder's;
    L_visible is the mean of alpha * (1 - v), and a summed model cannot have it."""
    from training.model.config import ConfigError, ModelConfig, TrainConfig

    torch.manual_seed(0)
    model = SceneModel(tiny_model_config(colour="source"))
    last = model.character_decoder.layers[-2]  # the transposed convolution before the sigmoid
    x_c = torch.rand(2, 3, 64, 64)
    with torch.no_grad():
        features = model.encoder_character(x_c)
        unmoved = identity_theta(2)
        for bias, expected in ((30.0, x_c), (-30.0, None)):
            last.weight[:, 4].zero_()
            last.bias[4] = bias
            colour, alpha = model.drawn_character(features, unmoved, x_c)
            rgb, _, visibility = model.character_parts(features, unmoved)
            assert torch.allclose(colour, expected if expected is not None else rgb, atol=1e-5)
        last.bias[4] = 0.0  # v = 0.5: the penalty is half the mean alpha
        losses = model.losses(x_c, x_c.flip(0), dataclasses.replace(DEFAULT_LOSSES, alpha_visible=1.0))
        assert losses["visible"].item() > 0 and torch.isfinite(losses["total"])
        assert 0 < losses["tight"].item() <= 2 * losses["visible"].item() + 1e-6  # a share of the mean alpha
        tightened = model.losses(x_c, x_c.flip(0), dataclasses.replace(DEFAULT_LOSSES, alpha_visible=1.0,
                                                                         alpha_tight=2.0))
        assert tightened["total"].item() == pytest.approx(losses["total"].item() + 2 * losses["tight"].item(),
                                                           rel=1e-4)
    with pytest.raises(ValueError, match="pass source"):
        model.render(features, unmoved, model.encoder_background(x_c))
    with pytest.raises(ConfigError, match='needs model.renderer="layered"'):
        ModelConfig(renderer="summed", colour="source").validate()
    with pytest.raises(ConfigError, match='alpha_visible=0.5: needs model.colour="source"'):
        TrainConfig(alpha_visible=0.5).validate()
    with pytest.raises(ConfigError, match='alpha_tight=0.1: needs model.colour="source"'):
        TrainConfig(alpha_tight=0.1).validate()


def test_alpha_alignment_teaches_only_the_motion_and_is_least_at_the_true_shift():
    """L_align moves the first frame's own alpha by T^Z's field onto the second's: the decoder and
    the encoders' colour paths get no gradient from it, T^Z does; it is smaller for the field that
    undoes the true shift than for the identity."""
    from torch.nn import functional as F

    from training.model.loss_terms import alpha_alignment

    square = torch.zeros(1, 1, 64, 64)
    square[:, :, 20:36, 24:40] = 1.0
    shifted = torch.roll(square, shifts=6, dims=3)  # 6 pixels to the right
    identity = F.affine_grid(torch.tensor([[[1.0, 0, 0], [0, 1.0, 0]]]), [1, 1, 64, 64], align_corners=False)
    back = F.affine_grid(torch.tensor([[[1.0, 0, -12 / 64], [0, 1.0, 0]]]), [1, 1, 64, 64], align_corners=False)
    assert alpha_alignment(square, shifted, back).item() < 1e-6 < alpha_alignment(square, shifted, identity).item()

    model = SceneModel(tiny_model_config(colour="source"))
    x1 = torch.rand(2, 3, 64, 64)
    losses = model.losses(x1, x1.roll(4, dims=3), dataclasses.replace(DEFAULT_LOSSES, alpha_align=1.0))
    assert losses["align"].item() > 0
    losses["align"].backward()
    decoder_grads = [p.grad for p in model.character_decoder.parameters()]
    assert all(g is None or not g.any() for g in decoder_grads)
    assert any(p.grad is not None and p.grad.any() for p in model.motion_net.parameters())


def test_unseen_alpha_asks_nothing_where_the_colour_shows_and_everything_where_it_does_not():
    """L_tight: alpha over a colour equal to what is behind it costs its whole value; over black ink
    on a light background, nothing; only alpha gets the gradient."""
    from training.model.loss_terms import unseen_alpha

    behind = torch.full((1, 3, 4, 4), 0.8)
    alpha = torch.full((1, 1, 4, 4), 0.5, requires_grad=True)
    assert unseen_alpha(alpha, behind.clone(), behind).item() == pytest.approx(0.5)
    assert unseen_alpha(alpha, torch.zeros_like(behind), behind).item() < 1e-9
    colour = behind.clone().requires_grad_(True)
    unseen_alpha(alpha, colour, behind).backward()
    assert colour.grad is None and alpha.grad is not None and alpha.grad.abs().sum() > 0
