"""Model bundles: export parity with PyTorch, the engine's rendering, and clear errors for bad bundles."""

import json
import shutil
from unittest import mock

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import main
from tests.conftest import tiny_model_config
from training.bundle_export import ModelExportError, check_target, export_bundle, verify
from training.model.scene_model import SceneModel
from workstation.render import bundle as bundle_module
from workstation.render import geometry
from workstation.render.bundle import BundleError, open_bundle
from workstation.render.engine import Engine
from workstation.render.shot_frames import DEMO_BUNDLE

SIZE = 64


LAYERED_GRAPHS = {"encoder_character.onnx", "encoder_background.onnx", "motion.onnx", "renderer.onnx",
                  "renderer_character.onnx", "renderer_background.onnx"}


def test_every_graph_of_a_layered_bundle_matches_pytorch_at_batch_1_and_5(anchored_bundle):
    model, folder = anchored_bundle
    differences = verify(model, folder)  # raises above 1e-4; each output of each graph
    assert set(differences) == LAYERED_GRAPHS
    assert max(differences.values()) <= 1e-4
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format"] == "stopframe-model-bundle" and metadata["format_version"] == 2
    assert metadata["renderer"] == "layered"
    assert metadata["image_size"] == 64 and metadata["feature_shape"] == [8, 16, 16]
    assert metadata["opset"] == 20 and metadata["anchored"] is True
    bundle = open_bundle(folder)
    assert bundle.layered and set(bundle.sessions) == LAYERED_GRAPHS
    assert [o.name for o in bundle.sessions["renderer_character.onnx"].get_outputs()] == ["rgb", "alpha"]


def test_a_summed_bundle_has_the_four_graphs_of_format_1_and_says_so(summed_bundle):
    model, folder = summed_bundle
    differences = verify(model, folder)
    assert set(differences) == LAYERED_GRAPHS - {"renderer_character.onnx", "renderer_background.onnx"}
    assert max(differences.values()) <= 1e-4
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format_version"] == 2 and metadata["renderer"] == "summed"
    assert not open_bundle(folder).layered


def test_a_layered_bundle_without_a_layer_graph_is_one_line_naming_it(anchored_bundle, tmp_path):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    (folder / "renderer_character.onnx").unlink()
    with pytest.raises(BundleError, match=r"renderer_character\.onnx: missing") as caught:
        open_bundle(folder)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("renderer, version, problem", [
    (None, 2, "renderer: must be"), ("layered", 1, "renderer: must be"), ("painted", 2, "renderer: must be"),
])
def test_model_json_renderer_must_agree_with_the_format(anchored_bundle, tmp_path, renderer, version, problem):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    metadata["format_version"] = version
    metadata.pop("renderer")
    if renderer is not None:
        metadata["renderer"] = renderer
    (folder / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match=problem) as caught:
        open_bundle(folder)
    assert str(caught.value).startswith(str(folder / "model.json")) and "\n" not in str(caught.value)


# -- bad bundles ---------------------------------------------------------------------------------------
def test_bundles_say_which_centroid_their_renderer_anchors_on(anchored_bundle, tmp_path):
    """A new bundle anchors on the character centroid and says so; a bundle from before the key
    existed anchored on the plain feature energy, and the engine's outlines follow each one."""
    metadata = json.loads((anchored_bundle[1] / "model.json").read_text())
    assert metadata["centroid"] == "character"
    assert Engine(anchored_bundle[1]).centroid is geometry.centroid
    older = copy_bundle(anchored_bundle[1], tmp_path)
    del metadata["centroid"]
    (older / "model.json").write_text(json.dumps(metadata))
    assert Engine(older).centroid is geometry.energy_centroid
    features = np.zeros((1, 4, 16, 16), dtype=np.float32)
    features[:, :, 10:13, 2:5] = 1.0
    features[:, :, 0, :] = 3.0  # a rim: the character centroid leaves it out, the plain one does not
    assert np.allclose(geometry.centroid(features), [[-0.5625, 0.4375]], atol=1e-5)  # cells x 3, y 11
    assert geometry.energy_centroid(features)[0, 1] < 0


def copy_bundle(folder, tmp_path):
    target = tmp_path / "copy"
    shutil.copytree(folder, target)
    return target


DAMAGES = {  # a damaged graph file -> what the one line must say
    "truncated": (lambda data: data[:1000], "Protobuf parsing failed"),
    "half": (lambda data: data[: len(data) // 2], "Protobuf parsing failed"),
    "empty": (lambda data: b"", "not a loadable ONNX graph"),
    "random bytes": (lambda data: np.random.default_rng(0).bytes(len(data)), "not a loadable ONNX graph"),
    "text": (lambda data: b"not a graph\n" * 10, "not a loadable ONNX graph"),
}


@pytest.mark.parametrize("damage", DAMAGES)
def test_a_damaged_onnx_file_is_one_line_naming_it_and_nothing_on_stdout(tmp_path, capfd, damage):
    """Of the bundled demo model: no EP Error banner on stdout, no C++ source path from a retry."""
    folder = copy_bundle(DEMO_BUNDLE, tmp_path)
    graph = folder / "renderer.onnx"
    change, says = DAMAGES[damage]
    graph.write_bytes(change(graph.read_bytes()))
    with pytest.raises(BundleError, match="renderer.onnx: not a loadable ONNX graph"):
        Engine(folder)
    out, err = capfd.readouterr()
    assert out == "" and err == ""
    assert main.main(["evaluate", str(folder), "--n", "5"]) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err.count("\n") == 1 and err.startswith(f"stopframe: {graph}: not a loadable ONNX graph"), err
    assert says in err and ".cc" not in err and "use_per_session_threads" not in err, err


@pytest.mark.parametrize("length", ["wrong", "missing file"])
def test_a_graph_with_external_data_is_one_line_and_onnx_runtime_says_nothing(tmp_path, capfd, length):
    """A graph whose weights lie in a side file (the exporter never writes one), with a length that
    does not match or no side file at all: before, ONNX Runtime's own log lines reached the terminal."""
    import onnx
    from onnx.external_data_helper import convert_model_to_external_data

    folder = copy_bundle(DEMO_BUNDLE, tmp_path)
    graph = onnx.load(str(folder / "motion.onnx"))
    convert_model_to_external_data(graph, all_tensors_to_one_file=True, location="motion.data", size_threshold=0)
    onnx.save(graph, str(folder / "motion.onnx"))
    if length == "wrong":
        graph = onnx.load(str(folder / "motion.onnx"), load_external_data=False)
        entry = next(e for e in graph.graph.initializer[0].external_data if e.key == "length")
        entry.value = str(int(entry.value) * 1000 + 7)
        onnx.save(graph, str(folder / "motion.onnx"))
    else:
        (folder / "motion.data").unlink()
    capfd.readouterr()
    with pytest.raises(BundleError, match="motion.onnx: not a loadable ONNX graph") as caught:
        Engine(folder)
    assert "\n" not in str(caught.value)
    assert capfd.readouterr() == ("", "")


def assert_cli_one_line(capsys, argv, *fragments):
    """``main.main(argv)`` in-process: exit code 2, one line on stderr naming the problem."""
    capsys.readouterr()
    assert main.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def test_model_json_of_another_format_version(anchored_bundle, tmp_path, capsys):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    metadata["format_version"] = 4
    (folder / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match="format version 4 is not supported"):
        Engine(folder)
    assert_cli_one_line(capsys, ["evaluate", str(folder), "--n", "5"], str(folder / "model.json"), "version 4")


# model.json: each key the workstation uses, given values of the wrong type or out of range.
BAD_VALUES = {
    "feature_shape": [64, None, [64, 16], [8, 16, 16, 1], [8, 16, 16.0], [8, "16", 16], [True, 16, 16],
                      [8, -16, 16], [0, 16, 16], "8,16,16", {"c": 8}, [], [[8], 16, 16]],
    "image_size": [64.0, "64", None, True, -64, 0, [64], {"size": 64}, 10**12, 64.5],
    "anchored": ["yes", 1, 0, None, [], {}, "true"],
    "centroid": ["middle", 5, True, [], {"kind": "character"}],
    "format_version": [2.0, True, "2", None, 4, 0, [2]],
    "renderer": ["painted", None, 1, True, ["layered"]],
    "format": ["stopframe-project", None, 5, ["stopframe-model-bundle"]],
}
BAD_CASES = [(key, value) for key, values in BAD_VALUES.items() for value in values]


def write_metadata(folder, metadata):
    (folder / "model.json").write_text(json.dumps(metadata))


@pytest.mark.parametrize(("key", "value"), BAD_CASES, ids=[f"{k}={json.dumps(v)}" for k, v in BAD_CASES])
def test_model_json_with_a_value_of_the_wrong_kind_is_one_line_naming_the_key(anchored_bundle, tmp_path, key, value):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    write_metadata(folder, {**metadata, key: value})
    with pytest.raises(BundleError) as info:
        open_bundle(folder)
    line = str(info.value)
    assert "\n" not in line and line.startswith(f"{folder / 'model.json'}: ") and key in line, line


@pytest.mark.parametrize("key", ["format", "format_version", "image_size", "feature_shape", "anchored"])
def test_model_json_without_a_required_key(anchored_bundle, tmp_path, key):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    del metadata[key]
    write_metadata(folder, metadata)
    with pytest.raises(BundleError, match=f"model.json: .*{key}") as info:
        open_bundle(folder)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("text", ["", "{", "[1, 2]", "null", '"stopframe"', "[" * 100_000 + "]" * 100_000,
                                  '{"format": "stopframe-model-bundle", "format_version": 1, "image_size": NaN}'])
def test_model_json_that_is_not_an_object_of_json(anchored_bundle, tmp_path, text):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    (folder / "model.json").write_text(text)
    with pytest.raises(BundleError, match="model.json: ") as info:
        open_bundle(folder)
    assert "\n" not in str(info.value)
    (folder / "model.json").write_bytes(b"\xff\xfe{\x00")
    with pytest.raises(BundleError, match="model.json: not valid JSON"):
        open_bundle(folder)


def test_model_json_feature_shape_64_in_the_cli(anchored_bundle, tmp_path, capsys):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    write_metadata(folder, {**metadata, "feature_shape": 64})
    assert main.main(["evaluate", str(folder), "--n", "5"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{folder / 'model.json'}: feature_shape" in err, err


# model.json fuzzed: whatever it holds, the bundle opens (and renders) or says why in one BundleError line.
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12)
KEYS = ("format", "format_version", "image_size", "feature_shape", "anchored", "centroid", "opset", "model_config")


@st.composite
def model_jsons(draw):
    """model.json text: the valid one mutated (keys changed, removed, added), or anything at all."""
    kind = draw(st.sampled_from(["mutated", "mutated", "mutated", "any json", "bytes"]))
    if kind == "bytes":
        return draw(st.binary(max_size=200))
    if kind == "any json":
        return json.dumps(draw(JSON_VALUES)).encode()
    metadata = dict(VALID_METADATA)
    for _ in range(draw(st.integers(1, 3))):
        key = draw(st.sampled_from(KEYS) | st.text(max_size=8))
        action = draw(st.sampled_from(["replace", "delete", "near"]))
        if action == "delete":
            metadata.pop(key, None)
        elif action == "near" and key in VALID_METADATA:
            metadata[key] = draw(near(VALID_METADATA[key]))
        else:
            metadata[key] = draw(JSON_VALUES)
    return json.dumps(metadata).encode()


def near(value):
    """Values close to a valid one: the same kind, a little off."""
    if isinstance(value, bool):
        return st.sampled_from([not value, int(value), str(value).lower()])
    if isinstance(value, int):
        return st.sampled_from([value + 1, value - 1, -value, float(value), str(value), [value], 0])
    if isinstance(value, list):
        return st.lists(st.integers(-2, 70) | st.floats(0, 70), max_size=5) | st.just(value[:2]) | st.just(value[0])
    return JSON_VALUES


VALID_METADATA: dict = {}


@pytest.fixture(scope="module")
def fuzz_folder(anchored_bundle, tmp_path_factory):
    folder = copy_bundle(anchored_bundle[1], tmp_path_factory.mktemp("fuzz"))
    VALID_METADATA.update(json.loads((folder / "model.json").read_text()))
    return folder, bundle_module.open_sessions(folder, bundle_module.graphs_for("layered"), prefer_cuda=False)


@given(text=model_jsons())
def test_fuzzed_model_json_opens_or_says_why_in_one_line(fuzz_folder, text):
    folder, sessions = fuzz_folder
    (folder / "model.json").write_bytes(text)
    with mock.patch.object(bundle_module, "open_sessions", return_value=sessions):
        try:
            bundle = open_bundle(folder)
        except BundleError as error:
            line = str(error)
            assert "\n" not in line and line.startswith(f"{folder}/") and len(line) < 400, line
            event(f"refused: {line[len(str(folder)) + 1:].split(' (')[0][:40]}")
            return
    event("opened")
    engine = Engine(bundle)  # it opened: then it works
    size = engine.image_size
    features = engine.encode_character(np.zeros((1, 3, size, size), np.float32))
    assert features.shape == (1, *engine.feature_shape)
    assert engine.render_features(features, engine.motion(features, features), features).shape == (1, 3, size, size)


def test_graphs_that_disagree_on_shapes(anchored_bundle, tmp_path, capsys):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    wider = SceneModel(tiny_model_config(feature_channels=12)).eval()
    export_bundle(wider, tmp_path / "wider")
    shutil.copy(tmp_path / "wider" / "encoder_background.onnx", folder / "encoder_background.onnx")
    with pytest.raises(BundleError, match=r"encoder_background.onnx: features has shape \[N, 12, 16, 16\]"):
        Engine(folder)
    assert_cli_one_line(capsys, ["evaluate", str(folder), "--n", "5"], "encoder_background.onnx", "shape")


def test_missing_graph_and_missing_bundle(anchored_bundle, tmp_path):
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    (folder / "motion.onnx").unlink()
    with pytest.raises(BundleError, match="motion.onnx: missing"):
        Engine(folder)
    with pytest.raises(BundleError, match="no such model bundle"):
        Engine(tmp_path / "nowhere")


def test_export_refuses_a_folder_that_is_not_empty_or_a_bundle(anchored_bundle, tmp_path):
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.txt").write_text("mine")
    with pytest.raises(ModelExportError, match="not a model bundle"):
        check_target(tmp_path / "work")
    check_target(anchored_bundle[1])  # an older bundle may be replaced
    check_target(tmp_path / "new")
    assert (tmp_path / "work" / "notes.txt").read_text() == "mine"


# -- what model.json says the model was trained on ------------------------------------------------------

def absolute_paths(value) -> list[str]:
    """Every string of a JSON value that is an absolute path (POSIX or Windows)."""
    from pathlib import PurePosixPath, PureWindowsPath

    if isinstance(value, dict):
        return [path for item in value.values() for path in absolute_paths(item)]
    if isinstance(value, list):
        return [path for item in value for path in absolute_paths(item)]
    is_path = isinstance(value, str) and (PurePosixPath(value).is_absolute() or PureWindowsPath(value).is_absolute())
    return [value] if is_path else []


def test_an_exported_bundle_names_its_data_relative_to_the_data_folder_never_by_an_absolute_path(tmp_path, capsys):
    import torch

    from tests.conftest import MNIST_DIR, tiny_train_config
    from training.run import checkpoint

    config = tiny_train_config()
    assert config.data_dir == str(MNIST_DIR)  # an absolute path of this machine, as `train` saves it
    model = SceneModel(config.model)
    best = tmp_path / "run" / "checkpoints" / "best.pt"
    checkpoint.save(best, model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), step=6, config=config,
                    rng=np.random.default_rng(0))
    assert main.main(["export-model", str(best), "--out", str(tmp_path / "bundle")]) == 0, capsys.readouterr().err
    text = (tmp_path / "bundle" / "model.json").read_text()
    metadata = json.loads(text)
    assert absolute_paths(metadata) == [] and str(tmp_path) not in text and str(MNIST_DIR) not in text
    trained_on = metadata["trained_on"]
    assert (trained_on["dataset"], trained_on["data"], trained_on["steps"]) == ("mmnist", "mnist", 6)
    assert trained_on["train_config"]["data_dir"] is None  # the data-dir rule finds it wherever the bundle goes
    assert metadata["source"]["checkpoint"] == "run/checkpoints/best.pt"
    assert open_bundle(tmp_path / "bundle").metadata["trained_on"] == trained_on


def test_a_bundle_that_names_its_data_by_an_absolute_path_still_opens(anchored_bundle, tmp_path):
    """Bundles exported before recorded the training machine's data_dir; nothing reads it."""
    folder = copy_bundle(anchored_bundle[1], tmp_path)
    metadata = json.loads((folder / "model.json").read_text())
    older = {"dataset": "mmnist", "steps": 6,
             "train_config": {"dataset": "mmnist", "data_dir": "/work/shared/data/mnist"}}
    write_metadata(folder, {**metadata, "trained_on": older})
    assert open_bundle(folder).metadata["trained_on"] == older
    assert Engine(folder).metadata["trained_on"] == older


@pytest.mark.parametrize("name", ["demo", "sprites", "summed"])
def test_the_shipped_bundles_name_their_data_relative_to_the_data_folder(name):
    metadata = json.loads((DEMO_BUNDLE.parent / name / "model.json").read_text())
    trained_on = metadata["trained_on"]
    assert trained_on["data"] == {"sprites": "lpc-sprites"}.get(trained_on["dataset"], "mnist")
    assert trained_on["train_config"]["data_dir"] is None and absolute_paths(metadata) == []


def test_the_evaluations_in_docs_name_no_path_of_the_machine_that_made_them():
    from tests.conftest import ROOT

    for path in sorted((ROOT / "docs" / "results").glob("*.json")):
        assert absolute_paths(json.loads(path.read_text())) == [], path


def test_an_evaluation_stored_in_a_bundle_keeps_no_absolute_path(tmp_path, capsys):
    """``export-model --evaluation``: what ``evaluate --json`` wrote on the evaluating machine goes
    into model.json with its data folder relative to the data folder and its model by its own name."""
    import torch

    from tests.conftest import MNIST_DIR, tiny_train_config
    from training.run import checkpoint

    config = tiny_train_config()
    model = SceneModel(config.model)
    best = tmp_path / "run" / "checkpoints" / "best.pt"
    checkpoint.save(best, model=model, optimizer=torch.optim.SGD(model.parameters(), lr=0.1), step=6, config=config,
                    rng=np.random.default_rng(0))
    evaluation = {"psnr": {"manipulation": {"mean": 20.0}},
                  "model": {"bundle": str(tmp_path / "elsewhere" / "mine"), "config": {"data_dir": str(MNIST_DIR)}}}
    (tmp_path / "eval.json").write_text(json.dumps(evaluation))
    out = tmp_path / "bundle"
    argv = ["export-model", str(best), "--out", str(out), "--evaluation", str(tmp_path / "eval.json")]
    assert main.main(argv) == 0, capsys.readouterr().err
    stored = json.loads((out / "model.json").read_text())["evaluation"]
    assert absolute_paths(stored) == []
    assert stored["model"]["config"]["data_dir"] == "mnist" and stored["model"]["bundle"] == "mine"
    assert stored["psnr"] == evaluation["psnr"]
