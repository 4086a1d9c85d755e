"""Model bundles: export parity with PyTorch, the engine's rendering, and clear errors for bad bundles."""

import json
import shutil
import threading
from unittest import mock

import numpy as np
import pytest
import torch
from hypothesis import event, given
from hypothesis import strategies as st

import main
from export.bundle import ModelExportError, check_target, export_bundle, verify
from tests.conftest import tiny_model_config, trained_looking_model
from training.model import SceneModel
from workstation import bundle as bundle_module
from workstation import geometry
from workstation.bundle import BundleError, open_bundle
from workstation.engine import Engine
from workstation.project import CharacterRequest, FrameRef, FrameRequest, MotionRequest, Pose
from workstation.rendering import DEMO_BUNDLE

SIZE = 64


@pytest.fixture
def frames():
    """A frame source over two synthetic clips of random images (deterministic per clip/frame)."""
    def source(clip, frame):
        rng = np.random.default_rng(hash((clip, frame)) % 2**32)
        return rng.random((3, SIZE, SIZE), dtype=np.float32)
    return source


def image(frames, clip, frame):
    return torch.from_numpy(frames(clip, frame))[None]


def test_all_four_graphs_match_pytorch_at_batch_1_and_5(anchored_bundle):
    model, folder = anchored_bundle
    differences = verify(model, folder)  # raises above 1e-4
    assert set(differences) == {"encoder_character.onnx", "encoder_background.onnx", "motion.onnx",
                                "renderer.onnx"}
    assert max(differences.values()) <= 1e-4
    metadata = json.loads((folder / "model.json").read_text())
    assert metadata["format"] == "stopframe-model-bundle" and metadata["format_version"] == 1
    assert metadata["image_size"] == 64 and metadata["feature_shape"] == [8, 16, 16]
    assert metadata["opset"] == 20 and metadata["anchored"] is True


def test_engine_inputs_outputs_and_dynamic_batch(anchored_bundle):
    _, folder = anchored_bundle
    engine = Engine(folder)
    assert engine.device in ("CPU", "CUDA") and engine.device_line.startswith("rendering on")
    for n in (1, 5):
        features = engine.encode_character(np.random.rand(n, 3, SIZE, SIZE).astype(np.float32))
        assert features.shape == (n, 8, 16, 16)
        assert engine.motion(features, features).shape == (n, 2, 3)


def request(*characters, background=("bg", 0)):
    return FrameRequest(shot="s", index=0, background=FrameRef(*background), characters=tuple(characters))


def character(clip="actor", frame=0, motion=None, edit=None):
    return CharacterRequest(source=FrameRef(clip, frame), motion=None if motion is None else MotionRequest(*motion),
                            pose=edit or Pose(0, 0, 0, 1))


def test_a_frame_request_renders_h(anchored_bundle, frames):
    model, folder = anchored_bundle
    engine = Engine(folder, frames)
    got = engine.render_frame(request(character(motion=("walk", 2, 4))))
    with torch.no_grad():
        expected = model(image(frames, "actor", 0), image(frames, "walk", 2), image(frames, "walk", 4),
                         image(frames, "bg", 0))[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_a_hand_translation_moves_the_character_by_pixels(anchored_bundle, frames):
    model, folder = anchored_bundle
    engine = Engine(folder, frames)
    got = engine.render_frame(request(character(edit=Pose(tx=8, ty=-4, rotation=0, scale=1))))
    # 8 px right and 4 px up on a 64 px image: sample 0.25 to the left and 0.125 below. The edit
    # moves the character part of f_c; the field it carries everywhere stays where it was.
    theta = torch.tensor([[[1.0, 0.0, -0.25], [0.0, 1.0, 0.125]]])
    with torch.no_grad():
        features = model.encoder_character(image(frames, "actor", 0))
        character_part = torch.from_numpy(geometry.character_only(features.numpy()))
        background = model.encoder_background(image(frames, "bg", 0)) + (features - character_part)
        expected = model.render(character_part, theta, background)[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_several_characters_are_summed_in_feature_space(anchored_bundle, frames):
    model, folder = anchored_bundle
    engine = Engine(folder, frames)
    first = character("actor", 0, motion=("walk", 0, 3))
    second = character("extra", 1, edit=Pose(tx=-6, ty=5, rotation=30, scale=0.8))
    got = engine.render_frame(request(first, second))
    with torch.no_grad():
        f1, f2 = model.encoder_character(image(frames, "actor", 0)), model.encoder_character(image(frames, "extra", 1))
        theta1 = model.motion(model.encoder_character(image(frames, "walk", 0)),
                              model.encoder_character(image(frames, "walk", 3)))
        theta2 = torch.from_numpy(geometry.compose_pose(geometry.IDENTITY_THETA, second.pose, 64))[None]
        background = model.encoder_background(image(frames, "bg", 0))
        f2 = torch.from_numpy(geometry.character_only(f2.numpy()))  # the second adds itself alone
        expected = model.renderer(model.place(f1, theta1) + model.place(f2, theta2) + background)[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_layer_views_render_plate_and_character_alone(anchored_bundle, frames):
    model, folder = anchored_bundle
    engine = Engine(folder, frames)
    frame = request(character())
    with torch.no_grad():
        plate = model.renderer(model.encoder_background(image(frames, "bg", 0)))[0].numpy()
        alone = model.renderer(model.encoder_character(image(frames, "actor", 0)))[0].numpy()
    assert np.abs(engine.render_frame(frame, layer="background") - plate).max() < 1e-4
    assert np.abs(engine.render_frame(frame, layer="character") - alone).max() < 1e-4
    with pytest.raises(ValueError, match="allowed values"):
        engine.render_frame(frame, layer="mask")


def test_encodings_and_thetas_are_cached(anchored_bundle, frames):
    _, folder = anchored_bundle
    calls = []

    def counting(clip, frame):
        calls.append((clip, frame))
        return frames(clip, frame)

    engine = Engine(folder, counting)
    frame = request(character(motion=("walk", 0, 2)))
    first = engine.render_frame(frame)
    decoded = len(calls)
    moved = request(character(motion=("walk", 0, 2), edit=Pose(3, 0, 0, 1)))
    engine.render_frame(moved)  # a drag: only the renderer runs again
    assert len(calls) == decoded == 4  # actor, bg, walk 0, walk 2
    assert np.array_equal(engine.render_frame(frame), first)
    small = Engine(folder, frames, cache_size=2)
    small.render_frame(frame)
    assert len(small._encodings) <= 2


def test_with_frames_shares_the_loaded_graphs_and_starts_with_empty_caches(anchored_bundle, frames):
    """A clip change makes a new engine over the new frames; the old one is left as it was (a
    worker may still be rendering with it), and an engine cannot be changed from outside."""
    _, folder = anchored_bundle
    engine = Engine(folder, frames)
    frame = request(character(motion=("walk", 0, 2)))
    before = engine.render_frame(frame)

    def other(clip, frame):
        return 1.0 - frames(clip, frame)

    swapped = engine.with_frames(other)
    assert swapped is not engine and swapped.bundle is engine.bundle  # no graph is loaded again
    assert swapped.frames is other and engine.frames is frames
    assert len(swapped._encodings) == 0 and len(swapped._thetas) == 0
    assert np.array_equal(swapped.render_frame(frame), Engine(folder, other).render_frame(frame))
    assert not np.array_equal(swapped.render_frame(frame), before)
    assert np.array_equal(engine.render_frame(frame), before)
    with pytest.raises(AttributeError):
        engine.frames = other


def test_rendering_from_several_threads_gives_the_serial_result(anchored_bundle, frames):
    _, folder = anchored_bundle
    engine = Engine(folder, frames)
    requests = [request(character(motion=("walk", 0, k), edit=Pose(k, 0, 3 * k, 1))) for k in range(8)]
    serial = Engine(folder, frames).render_requests(requests)
    results = [None] * 8

    def work(k):
        results[k] = engine.render_frame(requests[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.abs(results[k] - serial[k]).max() < 1e-6 for k in range(8))


def test_plain_bundles_edit_about_the_character_centroid(tmp_path, frames):
    model = trained_looking_model(anchored=False)
    folder = export_bundle(model, tmp_path / "plain")
    engine = Engine(folder, frames)
    assert engine.anchored is False
    got = engine.render_frame(request(character(edit=Pose(tx=8, ty=0, rotation=0, scale=1))))
    with torch.no_grad():
        features = model.encoder_character(image(frames, "actor", 0))
        character_part = torch.from_numpy(geometry.character_only(features.numpy()))
        background = model.encoder_background(image(frames, "bg", 0)) + (features - character_part)
        expected = model.render(character_part, torch.tensor([[[1.0, 0.0, -0.25], [0.0, 1.0, 0.0]]]),
                                background)[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


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
    metadata["format_version"] = 2
    (folder / "model.json").write_text(json.dumps(metadata))
    with pytest.raises(BundleError, match="format version 2 is not supported"):
        Engine(folder)
    assert_cli_one_line(capsys, ["evaluate", str(folder), "--n", "5"], str(folder / "model.json"), "version 2")


# model.json: each key the workstation uses, given values of the wrong type or out of range.
BAD_VALUES = {
    "feature_shape": [64, None, [64, 16], [8, 16, 16, 1], [8, 16, 16.0], [8, "16", 16], [True, 16, 16],
                      [8, -16, 16], [0, 16, 16], "8,16,16", {"c": 8}, [], [[8], 16, 16]],
    "image_size": [64.0, "64", None, True, -64, 0, [64], {"size": 64}, 10**12, 64.5],
    "anchored": ["yes", 1, 0, None, [], {}, "true"],
    "centroid": ["middle", 5, True, [], {"kind": "character"}],
    "format_version": [1.0, True, "1", None, 2, [1]],
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
    return folder, bundle_module.open_sessions(folder, prefer_cuda=False)


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
