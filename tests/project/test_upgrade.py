"""Files older than schema version 4 (workstation/project/upgrade.py): a shot's output scale k becomes
a k·S square and a key's offsets in the model's pixels fractions of its side, where S is the image
size in the project's model bundle's model.json, read when the file is loaded (64, and said in
``load_note``, when it cannot be read)."""

import json
import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.project.documents import ROOT, one_line, write_json
from workstation.project import (
    MAX_OUTPUT_SIDE,
    Keyframe,
    Output,
    Pose,
    ProjectError,
    from_dict,
    load_project,
    save_project,
    to_dict,
)
from workstation.project.upgrade import DEFAULT_MODEL_SIZE


def old_file(version: int = 3, model: str | None = "models/walker", scale: int | None = 2,
             tx: float = 8.0, ty: float = -4.0) -> dict:
    """A project of schema ``version`` with one shot (output ``scale``; None: no "output", as
    before version 3) and one key at (tx, ty) pixels of the model image."""
    shot = {"name": "s", "length": 2, "fps": 12.0, "background": {"clip": "a", "frame": 0},
            "characters": [{"name": "c", "source": {"clip": "a", "frame": 0},
                            "keyframes": [{"frame": 0, "tx": tx, "ty": ty, "rotation": 5.0, "scale": 2.0}]}]}
    if scale is not None:
        shot["output"] = {"scale": scale, "scaling": "smooth"}
    return {"format": "stopframe-project", "schema_version": version, "model": model,
            "clips": {"a": {"path": "a.mp4", "frame_count": 3, "fps": 12.0, "width": 320, "height": 240}},
            "shots": [shot]}


def write_model(folder, metadata) -> None:
    folder.mkdir(parents=True)
    text = metadata if isinstance(metadata, str) else json.dumps(metadata)
    (folder / "model.json").write_text(text, encoding="utf-8")


def the_shot(project):
    shot = project.shots[0]
    return shot.output, shot.characters[0].keyframes[0]


def test_an_old_project_is_upgraded_for_its_models_own_square(tmp_path):
    write_model(tmp_path / "models" / "walker", {"format": "stopframe-model-bundle", "image_size": 32})
    project = load_project(write_json(tmp_path / "p.stopframe", old_file(scale=2, tx=8.0, ty=-4.0)))
    assert the_shot(project) == (Output(64, 64, "smooth"), Keyframe(0, Pose(0.25, -0.125, 5.0, 2.0)))
    assert project.load_note is None


def test_an_old_project_whose_model_json_is_missing_assumes_64_and_says_so(tmp_path):
    path = write_json(tmp_path / "p.stopframe", old_file(scale=2, tx=8.0, ty=-4.0))
    project = load_project(path)
    assert the_shot(project) == (Output(128, 128, "smooth"), Keyframe(0, Pose(0.125, -0.0625, 5.0, 2.0)))
    expected = tmp_path / "models" / "walker" / "model.json"
    assert project.load_note == f"upgraded from schema 3 assuming a 64-pixel model square ({expected}: not found)"
    assert "\n" not in project.load_note


@pytest.mark.parametrize("metadata, problem", [
    ("{not json", "not valid JSON"),
    ([64], 'no "image_size"'),
    ({"image_size": "64"}, '"image_size" is string "64", not a whole number from 8 to 8192'),
    ({"image_size": 64.0}, '"image_size" is 64.0, not a whole number from 8 to 8192'),
    ({"image_size": True}, '"image_size" is true, not a whole number from 8 to 8192'),
    ({"image_size": 4}, '"image_size" is 4, not a whole number from 8 to 8192'),
    ({"format": "stopframe-model-bundle"}, 'no "image_size"'),
])
def test_a_model_json_that_does_not_say_its_size_is_named_in_the_note(tmp_path, metadata, problem):
    write_model(tmp_path / "m", metadata)
    project = load_project(write_json(tmp_path / "p.stopframe", old_file(version=2, model="m", scale=None)))
    assert project.shots[0].output == Output(256, 256, "crisp")  # no output before version 3: 4x
    assert project.load_note == (f"upgraded from schema 2 assuming a 64-pixel model square "
                                 f"({tmp_path / 'm' / 'model.json'}: {problem})")


def test_a_model_json_that_is_a_folder_or_a_fifo_is_not_read(tmp_path):
    (tmp_path / "m" / "model.json").mkdir(parents=True)
    project = load_project(write_json(tmp_path / "p.stopframe", old_file(model="m")))
    assert project.load_note.endswith(f"({tmp_path / 'm' / 'model.json'}: not a file but a folder "
                                      "(a model bundle's model.json was expected); it was not read)")
    (tmp_path / "f").mkdir()
    os.mkfifo(tmp_path / "f" / "model.json")
    project = load_project(write_json(tmp_path / "q.stopframe", old_file(model="f")))  # would wait forever
    assert "model.json: not a file but a named pipe (FIFO)" in project.load_note


def test_the_model_is_found_from_the_files_folder_not_the_current_one(tmp_path, monkeypatch):
    write_model(tmp_path / "models" / "wide", {"image_size": 128})
    (tmp_path / "films").mkdir()
    write_json(tmp_path / "films" / "p.stopframe", old_file(model="../models/wide"))
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")
    project = load_project(os.path.join("..", "films", "p.stopframe"))
    assert project.shots[0].output == Output(256, 256, "smooth") and project.load_note is None
    absolute = old_file(model=str(tmp_path / "models" / "wide"), scale=1)
    assert load_project(write_json(tmp_path / "abs.stopframe", absolute)).shots[0].output.size == (128, 128)


def test_the_bundled_demo_model_is_the_64_pixel_square_assumed():
    """"model": null is the bundled demo model; its square is what every unknown model is taken as."""
    metadata = json.loads((ROOT / "assets" / "models" / "demo" / "model.json").read_text(encoding="utf-8"))
    assert metadata["image_size"] == DEFAULT_MODEL_SIZE == 64


def test_a_version_4_file_reads_no_model_json(tmp_path):
    write_model(tmp_path / "models" / "walker", {"image_size": 32})
    data = to_dict(from_dict(old_file(), model_size=32))
    project = load_project(write_json(tmp_path / "p.stopframe", data))
    assert the_shot(project) == (Output(64, 64, "smooth"), Keyframe(0, Pose(0.25, -0.125, 5.0, 2.0)))
    assert load_project(write_json(tmp_path / "q.stopframe", {**data, "model": "gone"})).load_note is None


def test_from_dict_upgrades_for_the_model_size_it_is_given_or_64():
    assert the_shot(from_dict(old_file(version=1, scale=None, tx=16.0, ty=32.0))) == (
        Output(256, 256, "crisp"), Keyframe(0, Pose(0.25, 0.5, 5.0, 2.0)))
    data = old_file(version=3, scale=8, tx=16.0, ty=32.0)
    before = json.dumps(data)
    assert the_shot(from_dict(data)) == (Output(512, 512, "smooth"), Keyframe(0, Pose(0.25, 0.5, 5.0, 2.0)))
    assert the_shot(from_dict(data, model_size=128)) == (Output(1024, 1024, "smooth"),
                                                         Keyframe(0, Pose(0.125, 0.25, 5.0, 2.0)))
    assert json.dumps(data) == before  # the caller's dict is left as it was


def test_an_output_larger_than_any_frame_is_the_largest():
    assert from_dict(old_file(scale=16), model_size=2048).shots[0].output == Output(16384, 16384, "smooth")


@pytest.mark.parametrize("output, expected", [
    ({"scale": 0}, "shots[0].output.scale: must be at least 1, got 0"),
    ({"scale": 17}, "shots[0].output.scale: must be at most 16, got 17"),
    ({"scale": 2.0}, "shots[0].output.scale: expected an integer, got 2.0"),
    ({"scale": None}, "shots[0].output.scale: expected an integer, got null"),
    ({"scaling": "blurry"}, 'shots[0].output.scaling: unknown scaling string "blurry" (allowed: crisp, smooth)'),
    ({"width": 256}, "shots[0].output.width: unknown key"),
    (4, "shots[0].output: expected an object, got 4"),
])
def test_an_old_output_is_checked_as_its_version_did(tmp_path, output, expected):
    data = old_file()
    data["shots"][0]["output"] = output
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: {expected}"


@pytest.mark.parametrize("tx, expected", [
    ("8", 'shots[0].characters[0].keyframes[0].tx: expected a number, got string "8"'),
    (True, "shots[0].characters[0].keyframes[0].tx: expected a number, got true"),
    (10**400, "shots[0].characters[0].keyframes[0].tx: must be a finite number, got inf"),
])
def test_an_old_offset_that_is_not_a_number_is_refused_as_it_was(tx, expected):
    with pytest.raises(ProjectError) as error:
        from_dict(old_file(tx=tx))
    assert one_line(error) == expected


# offsets in an old file's model pixels: within POSE_LIMITS' million squares at the smallest model drawn
finite = st.floats(min_value=-8e6, max_value=8e6)


@given(version=st.integers(1, 3), scale=st.integers(1, 16), model_size=st.integers(8, 8192), tx=finite, ty=finite)
def test_an_old_body_means_the_same_pixels_at_any_model_size(version, scale, model_size, tx, ty):
    """k times the S square, offsets divided by S; what it upgrades to saves as the latest version
    and loads back the same."""
    project = from_dict(old_file(version, scale=scale, tx=tx, ty=ty), model_size=model_size)
    side = min(scale * model_size, MAX_OUTPUT_SIDE)
    assert the_shot(project) == (Output(side, side, "smooth"),
                                 Keyframe(0, Pose(tx / model_size, ty / model_size, 5.0, 2.0)))
    data = to_dict(project)
    assert data["schema_version"] == 6 and from_dict(data, model_size=7) == project


def test_an_upgraded_project_saves_as_version_4_and_loads_back_equal(tmp_path):
    write_model(tmp_path / "models" / "walker", {"image_size": 32})
    path = write_json(tmp_path / "p.stopframe", old_file())
    project = load_project(path)
    save_project(project, path)
    assert json.loads(path.read_text(encoding="utf-8"))["shots"][0]["output"] == {
        "width": 64, "height": 64, "scaling": "smooth"}
    (tmp_path / "models" / "walker" / "model.json").unlink()  # a version 4 file no longer needs it
    again = load_project(path)
    assert again == project and again.load_note is None
