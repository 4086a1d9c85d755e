"""Never silently wrong (issue 27): model.json records the SHA-256 of each graph it was exported with,
and a graph of another bundle (same names, same shapes, other weights) is refused in one line naming
it, where before it rendered wrong pictures with exit 0. Bundles from before the digests open as
they did."""

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from tests.conftest import assert_one_line_exit_2, run_cli
from training.bundle_export import export_bundle
from training.model.scene_model import SceneModel
from workstation import project as doc
from workstation.kernel.locations import asset_path
from workstation.render.bundle import BundleError, open_bundle
from workstation.render.engine import Engine

FIXTURES = Path(__file__).parent / "fixtures" / "bundles"
LAYERED_GRAPHS = ("encoder_character.onnx", "encoder_background.onnx", "motion.onnx", "renderer.onnx",
                  "renderer_character.onnx", "renderer_background.onnx")
NOT_ITS_OWN = "does not belong to this bundle's model.json"


@pytest.fixture(scope="module")
def other_bundle(anchored_bundle, tmp_path_factory):
    """A second bundle of the same architecture as ``anchored_bundle`` (so every graph has the same
    names and shapes) with other weights."""
    torch.manual_seed(11)
    model = SceneModel(anchored_bundle[0].config).eval()
    torch.nn.init.normal_(model.motion_net.head.weight, std=0.05)
    return export_bundle(model, tmp_path_factory.mktemp("bundles") / "other")


def copy_bundle(folder: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


def renders(folder: Path) -> np.ndarray:
    engine = Engine(folder, prefer_cuda=False)
    size = engine.image_size
    frames = np.random.default_rng(0).random((2, 3, size, size), dtype=np.float32)
    features = engine.encode_character(frames)
    return engine.render_features(features, engine.motion(features, features[[1, 0]]), features)


def test_export_records_the_sha256_of_every_graph_file_as_written(anchored_bundle):
    folder = anchored_bundle[1]
    recorded = json.loads((folder / "model.json").read_text())["graph_sha256"]
    assert list(recorded) == list(LAYERED_GRAPHS)
    for name, digest in recorded.items():
        assert digest == hashlib.sha256((folder / name).read_bytes()).hexdigest(), name
    images = renders(folder)
    assert images.shape == (2, 3, 64, 64) and np.isfinite(images).all()


@pytest.mark.parametrize("graph", LAYERED_GRAPHS)
def test_a_graph_of_another_bundle_is_one_line_naming_it(anchored_bundle, other_bundle, tmp_path, graph):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    assert (other_bundle / graph).read_bytes() != (folder / graph).read_bytes()
    shutil.copy(other_bundle / graph, folder / graph)
    with pytest.raises(BundleError) as caught:
        open_bundle(folder, prefer_cuda=False)
    line = str(caught.value)
    assert line.startswith(f"{folder / graph}: {NOT_ITS_OWN}") and "\n" not in line, line


def test_a_model_json_of_another_bundle_names_the_first_graph(anchored_bundle, other_bundle, tmp_path):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    shutil.copy(other_bundle / "model.json", folder / "model.json")
    with pytest.raises(BundleError, match=f"encoder_character.onnx: {NOT_ITS_OWN}"):
        open_bundle(folder, prefer_cuda=False)


def test_render_of_a_project_on_a_bundle_with_a_swapped_graph_is_one_line_and_writes_nothing(
        anchored_bundle, other_bundle, tmp_path):
    """`stopframe render`, as a user runs it: the bundle renders; with its motion graph swapped for
    another bundle's, the same command exits 2 with one line naming the graph, and writes nothing."""
    made = run_cli("demo-project", "--out", tmp_path / "film")
    assert made.returncode == 0, made.stderr
    project_file = tmp_path / "film" / "demo.stopframe"
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    project = doc.load_project(project_file)
    project.model = str(folder)
    doc.save_project(project, project_file)
    command = ("render", project_file, "--shot", "demo", "--range", "0:2", "--format", "png", "--quiet")
    done = run_cli(*command, "--out", tmp_path / "good")
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "good").glob("*.png"))) == 2

    shutil.copy(other_bundle / "motion.onnx", folder / "motion.onnx")
    done = run_cli(*command, "--out", tmp_path / "swapped")
    assert_one_line_exit_2(done, f"{folder / 'motion.onnx'}: {NOT_ITS_OWN}")
    assert not (tmp_path / "swapped").exists()


def test_evaluate_on_a_bundle_with_a_swapped_graph_is_one_line(anchored_bundle, other_bundle, tmp_path, capsys):
    import main

    folder = copy_bundle(anchored_bundle[1], tmp_path)
    shutil.copy(other_bundle / "renderer_background.onnx", folder / "renderer_background.onnx")
    capsys.readouterr()
    assert main.main(["evaluate", str(folder), "--n", "5"]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    assert f"{folder / 'renderer_background.onnx'}: {NOT_ITS_OWN}" in err, err


@pytest.mark.parametrize("change, says", [
    (lambda digests: digests.pop("motion.onnx"), "graph_sha256: must give each graph file"),
    (lambda digests: digests.update({"motion.onnx": "ABC"}), "graph_sha256: must give each graph file"),
    (lambda digests: digests.update({"extra.onnx": "0" * 64}), "graph_sha256: must give each graph file"),
])
def test_a_malformed_graph_sha256_is_one_line_naming_model_json(anchored_bundle, tmp_path, change, says):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    change(metadata["graph_sha256"])
    (folder / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match=f"{folder / 'model.json'}: {says}"):
        open_bundle(folder, prefer_cuda=False)


@pytest.mark.parametrize("folder", [FIXTURES / "format2" / "bundle", FIXTURES / "format1" / "bundle",
                                    asset_path("models", "digits_decoder"), asset_path("models", "summed"),
                                    asset_path("models", "sprites_decoder")],
                         ids=["format2 fixture", "format1 fixture", "digits decoder", "summed", "sprites decoder"])
def test_bundles_from_before_the_digests_open_and_render(folder):
    assert "graph_sha256" not in json.loads((folder / "model.json").read_text())
    images = renders(folder)
    assert np.isfinite(images).all()
