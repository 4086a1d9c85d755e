"""A layered run starts from a trained summed model's bundle (training/run/warm_start.py): its encoders
and T^Z as they were, its renderer in both decoders, alpha at 0.5."""

import pytest
import torch

from tests.conftest import tiny_model_config, tiny_train_config
from training.model.config import ConfigError
from training.model.scene_model import SceneModel
from training.run.trainer import Trainer
from training.run.warm_start import warm_start


def test_a_layered_model_starts_as_the_summed_one_it_is_given(summed_bundle):
    summed, folder = summed_bundle
    torch.manual_seed(1)
    layered = SceneModel(tiny_model_config(motion_input="instance", motion_alignment="registration"))
    warm_start(layered, str(folder))
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        for encoder in ("encoder_character", "encoder_background"):
            assert torch.allclose(getattr(layered, encoder)(images), getattr(summed, encoder)(images), atol=1e-6)
        features = summed.encoder_character(images)
        assert torch.allclose(layered.motion(features, features.flip(0)), summed.motion(features, features.flip(0)),
                              atol=1e-5)
        background = summed.encoder_background(images)
        assert torch.allclose(layered.plate(background), summed.renderer(background), atol=1e-6)
        rgb, alpha = layered.character_decoder(features)
        assert torch.allclose(rgb, summed.renderer(features), atol=1e-6)
        assert torch.allclose(alpha, torch.full_like(alpha, 0.5))


def test_a_new_run_warm_starts_and_a_resumed_one_does_not(summed_bundle, tmp_path):
    summed, folder = summed_bundle
    config = tiny_train_config(init_from=str(folder), steps=2,
                               model=tiny_model_config(motion_input="instance", motion_alignment="registration"))
    trainer = Trainer(config, tmp_path / "run")
    assert torch.equal(trainer.model.encoder_character.layers[0].weight, summed.encoder_character.layers[0].weight)
    trainer.train()
    trained = trainer.model.encoder_character.layers[0].weight.detach().clone()
    assert not torch.equal(trained, summed.encoder_character.layers[0].weight)
    resumed = Trainer.resume(tmp_path / "run")
    assert torch.equal(resumed.model.encoder_character.layers[0].weight, trained)


@pytest.mark.parametrize("problem, settings, says", [
    ("not a bundle", {"init_from": "nowhere"}, "is not a model bundle"),
    ("another architecture", {"model": tiny_model_config(width=16, motion_input="instance",
                                                         motion_alignment="registration")}, "architecture"),
])
def test_a_bundle_that_cannot_start_the_run_is_one_line(summed_bundle, tmp_path, problem, settings, says):
    config = tiny_train_config(**{"init_from": str(summed_bundle[1]),
                                  "model": tiny_model_config(motion_input="instance", motion_alignment="registration"),
                                  **settings})
    with pytest.raises(ConfigError, match=says) as caught:
        Trainer(config, tmp_path / "run")
    assert "\n" not in str(caught.value)


def test_the_summed_renderer_refuses_a_warm_start():
    with pytest.raises(ConfigError, match="init_from"):
        tiny_train_config(alpha_plate=0.0, alpha_bound=0.0, init_from="summed-demo",
                          model=tiny_model_config(renderer="summed")).validate()


def test_a_damaged_graph_in_the_bundle_is_one_line_naming_it(summed_bundle, tmp_path):
    import shutil

    folder = tmp_path / "damaged"
    shutil.copytree(summed_bundle[1], folder)
    (folder / "motion.onnx").write_bytes(b"not a graph at all")
    config = tiny_train_config(init_from=str(folder),
                               model=tiny_model_config(motion_input="instance", motion_alignment="registration"))
    with pytest.raises(ConfigError, match="motion.onnx: not a readable ONNX graph") as caught:
        Trainer(config, tmp_path / "run")
    assert "\n" not in str(caught.value)


def test_a_graph_of_another_bundle_does_not_start_a_run(summed_bundle, tmp_path):
    """A valid graph with other weights in place of the bundle's own (its digest is not the one
    model.json recorded) is refused, as the workstation refuses it; before, its weights were taken."""
    import shutil

    import onnx
    from onnx import numpy_helper

    folder = tmp_path / "mixed"
    shutil.copytree(summed_bundle[1], folder)
    graph = onnx.load(str(folder / "motion.onnx"))
    first = graph.graph.initializer[0]
    first.CopyFrom(numpy_helper.from_array(numpy_helper.to_array(first) + 1, first.name))
    onnx.save(graph, str(folder / "motion.onnx"))
    config = tiny_train_config(init_from=str(folder),
                               model=tiny_model_config(motion_input="instance", motion_alignment="registration"))
    with pytest.raises(ConfigError, match="motion.onnx: does not belong to this bundle's model.json") as caught:
        Trainer(config, tmp_path / "run")
    assert "\n" not in str(caught.value)


def test_a_layered_model_starts_as_the_layered_one_it_is_given(anchored_bundle):
    """A layered bundle (the digit demo, for sprites) gives every part as it is, both decoders too."""
    source, folder = anchored_bundle
    torch.manual_seed(2)
    layered = SceneModel(source.config)
    warm_start(layered, str(folder))
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        features = source.encoder_character(images)
        assert torch.allclose(layered.encoder_character(images), features, atol=1e-6)
        background = source.encoder_background(images)
        assert torch.allclose(layered.plate(background), source.plate(background), atol=1e-6)
        for mine, theirs in zip(layered.character_decoder(features), source.character_decoder(features), strict=True):
            assert torch.allclose(mine, theirs, atol=1e-6)
        assert torch.allclose(layered.motion(features, features.flip(0)), source.motion(features, features.flip(0)),
                              atol=1e-5)


def test_a_layered_bundle_starts_a_model_that_draws_from_the_source(anchored_bundle):
    """model.colour="source" adds the visibility to the character decoder: the bundle's RGB and
    alpha come as they were, and v starts at 0.5 everywhere (half the colour from the source)."""
    import dataclasses

    source, folder = anchored_bundle
    model = SceneModel(dataclasses.replace(source.config, colour="source"))
    warm_start(model, str(folder))
    images = torch.rand(3, 3, 64, 64)
    with torch.no_grad():
        features = source.encoder_character(images)
        theta = source.motion(features, features.flip(0))
        rgb, alpha, visibility = model.character_parts(features, theta)
        theirs = source.character_layer(features, theta)
    assert torch.allclose(rgb, theirs[0], atol=1e-6) and torch.allclose(alpha, theirs[1], atol=1e-6)
    assert visibility is not None and torch.allclose(visibility, torch.full_like(visibility, 0.5))
