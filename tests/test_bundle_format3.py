"""Bundle format 3: a model that draws a character's colour from its own source frame
(model.colour = "source") exports its motion as a sampling field, its character graph with a
visibility, and its renderer taking the source frame; each graph equals the model in PyTorch, and a
damaged format 3 bundle is one line. Models that colour with their decoder keep format 2."""

import json
import shutil

import numpy as np
import onnx
import pytest
import torch

from tests.conftest import trained_looking_model
from training.bundle_export import ModelExportError, export_bundle, verify
from workstation.render.bundle import FIELD_GRAPHS, GRAPHS, LAYER_GRAPHS, BundleError, open_bundle

SIZE = 64
ALL_GRAPHS = {*GRAPHS, *LAYER_GRAPHS}


def source_colour_model(anchored: bool = True):
    return trained_looking_model(anchored=anchored, motion_input="instance", motion_alignment="registration",
                                 colour="source")


@pytest.fixture(scope="module")
def format3(tmp_path_factory):
    """(model, bundle folder, the parity figures its export printed) of a tiny colour="source" model."""
    model = source_colour_model()
    said: list[str] = []
    folder = export_bundle(model, tmp_path_factory.mktemp("bundles") / "format3", progress=said.append)
    return model, folder, said[-1]


def frames(count: int, seed: int) -> torch.Tensor:
    return torch.rand(count, 3, SIZE, SIZE, generator=torch.Generator().manual_seed(seed))


def run(bundle, graph: str, *arrays: torch.Tensor) -> list[np.ndarray]:
    inputs, _ = bundle.graphs[graph]
    return bundle.sessions[graph].run(None, {name: a.numpy() for name, a in zip(inputs, arrays, strict=True)})


def assert_close(got, want, tolerance=1e-4):
    assert got.shape == tuple(want.shape)
    difference = float(np.abs(got - want.numpy()).max())
    assert difference <= tolerance, difference


def test_a_source_colour_model_is_written_as_format_3(format3, anchored_bundle):
    model, folder, said = format3
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 3 and metadata["colour"] == "source" and metadata["parts"] == 0
    assert metadata["renderer"] == "layered" and metadata["image_size"] == SIZE
    format2 = json.loads((anchored_bundle[1] / "model.json").read_text())
    assert set(metadata) == set(format2) | {"colour", "parts"}  # the same other keys as format 2
    assert set(metadata["parity_max_abs_difference"]) == ALL_GRAPHS
    assert max(metadata["parity_max_abs_difference"].values()) <= 1e-4
    assert said.startswith("largest difference from PyTorch: ")
    bundle = open_bundle(folder, prefer_cuda=False)
    assert bundle.format_version == 3 and bundle.colour_from_source and bundle.layered and bundle.parts == 0
    assert set(bundle.sessions) == ALL_GRAPHS
    for graph, (inputs, outputs) in FIELD_GRAPHS.items():
        session = bundle.sessions[graph]
        assert [i.name for i in session.get_inputs()] == list(inputs)
        assert [o.name for o in session.get_outputs()] == list(outputs)


def test_no_graph_drops_or_ignores_an_input_of_the_contract(format3):
    """Every input the contract names is in its graph and feeds one of its nodes."""
    folder = format3[1]
    bundle = open_bundle(folder, prefer_cuda=False)
    for graph, (inputs, _) in bundle.graphs.items():
        proto = onnx.load(str(folder / graph))
        used = {name for node in proto.graph.node for name in node.input}
        assert [i.name for i in proto.graph.input] == list(inputs), graph
        assert set(inputs) <= used, (graph, set(inputs) - used)


@pytest.mark.parametrize("batch", [1, 3])
def test_every_graph_equals_the_model_in_pytorch(format3, batch):
    """Each graph run directly against the model's own functions: the field and the absolute theta
    of the motion, the character graph placing by the field against ``character_parts`` placing by
    the relative theta (an affine field places exactly as its theta does), the renderer against
    ``render(..., source=)``."""
    model, folder, _ = format3
    bundle = open_bundle(folder, prefer_cuda=False)
    x_from, x_to, x_c = frames(batch, 1), frames(batch, 2), frames(batch, 3)
    with torch.no_grad():
        f_from, f_to = model.encoder_character(x_from), model.encoder_character(x_to)
        f_c, f_b = model.encoder_character(x_c), model.encoder_background(x_c)
        relative = model.motion(f_from, f_to)
        want_field = model.source_field(f_c, relative).permute(0, 3, 1, 2)
        want_parts = model.character_parts(f_c, relative)
        want_image = model.render(f_c, relative, f_b, source=x_c)
        want_plate = model.plate(f_b)
        want_theta = model.absolute(f_c, relative)
    assert_close(run(bundle, "encoder_character.onnx", x_c)[0], f_c)
    assert_close(run(bundle, "encoder_background.onnx", x_c)[0], f_b)
    field, theta = run(bundle, "motion.onnx", f_from, f_to, f_c)
    assert_close(field, want_field)
    assert_close(theta, want_theta)
    assert np.abs(theta - np.array([[1, 0, 0], [0, 1, 0]])).max() > 1e-3  # the motion moves
    rgb, alpha, visibility = run(bundle, "renderer_character.onnx", f_c, want_field)
    for got, want in zip((rgb, alpha, visibility), want_parts, strict=True):
        assert_close(got, want)
    assert_close(run(bundle, "renderer_background.onnx", f_b)[0], want_plate)
    image = run(bundle, "renderer.onnx", f_c, want_field, x_c, f_b)[0]
    assert_close(image, want_image)
    # the source frame is drawn in: another source gives another image where v and alpha are not 0
    assert np.abs(run(bundle, "renderer.onnx", f_c, want_field, x_from, f_b)[0] - image).max() > 1e-3


def test_the_graphs_alone_give_the_models_frame(format3):
    """f = encoder_character(x_c); field = motion(f(x_t1), f(x_t2), f); h = renderer(f, field, x_c,
    encoder_background(x_b)) equals model(x_c, x_t1, x_t2, x_b)."""
    model, folder, _ = format3
    bundle = open_bundle(folder, prefer_cuda=False)
    x_c, x_t1, x_t2, x_b = (frames(4, seed) for seed in (4, 5, 6, 7))
    encode = lambda x: torch.from_numpy(run(bundle, "encoder_character.onnx", x)[0])  # noqa: E731
    f = encode(x_c)
    field = torch.from_numpy(run(bundle, "motion.onnx", encode(x_t1), encode(x_t2), f)[0])
    background = torch.from_numpy(run(bundle, "encoder_background.onnx", x_b)[0])
    with torch.no_grad():
        want = model(x_c, x_t1, x_t2, x_b)
    assert_close(run(bundle, "renderer.onnx", f, field, x_c, background)[0], want)


def copy_bundle(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def one_line(folder, pattern):
    with pytest.raises(BundleError, match=pattern) as caught:
        open_bundle(folder, prefer_cuda=False)
    assert "\n" not in str(caught.value)
    return str(caught.value)


def test_a_format_3_bundle_without_a_graph_or_with_a_damaged_one_is_one_line(format3, tmp_path):
    folder = copy_bundle(format3[1], tmp_path)
    (folder / "renderer_character.onnx").unlink()
    one_line(folder, r"renderer_character\.onnx: missing; this model bundle holds model.json and")
    shutil.copy(format3[1] / "renderer_character.onnx", folder)
    graph = folder / "renderer.onnx"
    graph.write_bytes(graph.read_bytes()[:1000])
    one_line(folder, r"renderer\.onnx: not a loadable ONNX graph")


def test_a_format_2_graph_in_a_format_3_bundle_is_one_line_naming_its_inputs(format3, anchored_bundle, tmp_path):
    folder = copy_bundle(format3[1], tmp_path)
    shutil.copy(anchored_bundle[1] / "motion.onnx", folder / "motion.onnx")
    line = one_line(folder, r"motion\.onnx: takes \['features_from', 'features_to'\] -> \['theta'\], expected")
    assert "'character_features'" in line and "'field'" in line
    with pytest.raises(ModelExportError, match=r"motion\.onnx: was written taking .* but the contract says"):
        verify(format3[0], folder)


def test_format_3_graphs_whose_shapes_disagree_with_model_json_are_one_line(format3, tmp_path):
    folder = copy_bundle(format3[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps({**metadata, "parts": 2}))
    one_line(folder, r"motion\.onnx: takes .* -> \['field', 'theta'\], expected .* \['field', 'theta', 'parts'\]")
    (folder / "model.json").write_text(json.dumps({**metadata, "image_size": 128}))
    one_line(folder, r"\.onnx: \w+ has shape \[N, 3, 64, 64\] but the bundle's model.json says \[N, 3, 128, 128\]")


@pytest.mark.parametrize("change, key", [
    ({"renderer": "summed"}, "renderer"),
    ({"colour": "decoder"}, "colour"),
    ({"colour": None}, "colour"),
    ({"parts": None}, "parts"),
    ({"parts": -1}, "parts"),
    ({"parts": 1.0}, "parts"),
    ({"format_version": 2}, "colour"),  # a format 2 bundle cannot draw from the source
    ({"format_version": 4}, "format_version"),
])
def test_format_3_model_json_that_disagrees_with_the_format_is_one_line_naming_the_key(format3, tmp_path, change,
                                                                                       key):
    folder = copy_bundle(format3[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    metadata.update(change)
    (folder / "model.json").write_text(json.dumps({k: v for k, v in metadata.items() if v is not None}))
    line = one_line(folder, f"model.json: {key}")
    assert line.startswith(str(folder / "model.json"))


def test_a_decoder_colour_model_still_exports_format_2(anchored_bundle):
    model, folder = anchored_bundle
    assert model.config.colour == "decoder"
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 2 and "colour" not in metadata and "parts" not in metadata
    bundle = open_bundle(folder, prefer_cuda=False)
    assert bundle.format_version == 2 and not bundle.colour_from_source and bundle.parts == 0
    assert bundle.graphs == {**GRAPHS, **LAYER_GRAPHS}
    assert [i.name for i in bundle.sessions["motion.onnx"].get_inputs()] == ["features_from", "features_to"]


def test_an_unanchored_source_colour_model_keeps_the_character_input_of_its_motion(tmp_path):
    """Its field does not depend on the character's features; the motion graph still takes them."""
    model = source_colour_model(anchored=False)
    folder = export_bundle(model, tmp_path / "unanchored")
    bundle = open_bundle(folder, prefer_cuda=False)
    assert bundle.format_version == 3 and not bundle.anchored
    assert [i.name for i in bundle.sessions["motion.onnx"].get_inputs()] == list(FIELD_GRAPHS["motion.onnx"][0])
