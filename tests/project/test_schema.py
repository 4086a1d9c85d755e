"""The file format (workstation/project/schema.py): round trips through the dict form, defaults,
int and float rules, and the one-line messages naming the JSON location of the first problem."""

import json
from pathlib import Path

import numpy as np
import pytest

from tests.project.documents import one_line, rich_project, write_json
from workstation.project import (
    FITS,
    SCHEMA_VERSION,
    ClipRef,
    Current,
    FrameRef,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    from_dict,
    load_project,
    set_keyframe,
    to_dict,
    validate,
)


def test_dict_round_trip_is_exact():
    project = rich_project()
    data = to_dict(project)
    assert data["format"] == "stopframe-project" and data["schema_version"] == SCHEMA_VERSION
    assert list(data) == ["format", "schema_version", "model", "clips", "shots", "current"]
    again = from_dict(json.loads(json.dumps(data)))
    assert again == project
    assert to_dict(again) == data


def test_ints_in_float_fields_load_as_floats(tmp_path):
    data = to_dict(rich_project())
    data["shots"][0]["fps"] = 24
    data["shots"][0]["characters"][0]["keyframes"][0]["tx"] = 2
    loaded = from_dict(data)
    assert type(loaded.shots[0].fps) is float
    assert type(loaded.shots[0].characters[0].keyframes[0].pose.tx) is float


def test_optional_keys_take_defaults():
    data = {"format": "stopframe-project", "schema_version": 1,
            "clips": {"a": {"path": "a.mp4", "frame_count": 3, "fps": 10, "width": 8, "height": 8}},
            "shots": [{"name": "s", "length": 2, "fps": 12, "background": {"clip": "a", "frame": 0},
                       "characters": [{"name": "c", "source": {"clip": "a", "frame": 1},
                                       "motion": {"clip": "a"}, "keyframes": [{"frame": 3}]}]}]}
    project = from_dict(data)
    character = project.shots[0].characters[0]
    assert project.model is None
    assert character.motion == MotionSource("a", 0, None, False)
    assert character.interpolation == "linear"
    assert character.keyframes == [Keyframe(3, Pose(0.0, 0.0, 0.0, 1.0))]
    assert from_dict({"format": "stopframe-project", "schema_version": 1}) == Project()


@pytest.mark.parametrize("data, expected", [
    ([1, 2], "not a Stopframe project"),
    ({"schema_version": 1}, 'not a Stopframe project (no "format"'),
    ({"format": "photoshop", "schema_version": 1}, 'format is string "photoshop"'),
    ({"format": "stopframe-project"}, "schema_version: missing"),
    ({"format": "stopframe-project", "schema_version": "1"}, "schema_version: expected an integer"),
    ({"format": "stopframe-project", "schema_version": 0}, "schema version 0 is not valid"),
])
def test_load_not_a_project(tmp_path, data, expected):
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error).startswith(f"{path}: ")
    assert expected in str(error.value)


def test_load_newer_schema_version(tmp_path):
    path = write_json(tmp_path / "p.stopframe", {"format": "stopframe-project", "schema_version": 8})
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: schema version 8 is newer than this Stopframe understands (6)"
    assert SCHEMA_VERSION == 6
    path = write_json(tmp_path / "p.stopframe", {"format": "stopframe-project", "schema_version": 7})
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: schema version 7 is newer than this Stopframe understands (6)"


def test_hidden_is_written_for_every_character_and_read_back():
    project = rich_project()
    project.shots[0].characters[1].hidden = True
    data = to_dict(project)
    assert [c["hidden"] for c in data["shots"][0]["characters"]] == [False, True, False]
    assert list(data["shots"][0]["characters"][0])[:2] == ["name", "hidden"]
    assert from_dict(json.loads(json.dumps(data))) == project


@pytest.mark.parametrize("version", [1, 2])
def test_hidden_is_optional_and_false_by_default(version):
    data = to_dict(rich_project())
    data["schema_version"] = version
    for shot in data["shots"]:
        del shot["output"]  # version 3's
    for character in data["shots"][0]["characters"]:
        del character["hidden"]
    assert [c.hidden for c in from_dict(data).shots[0].characters] == [False, False, False]


@pytest.mark.parametrize("value, shown", [(1, "1"), ("true", 'string "true"'), (None, "null"), (0, "0")])
def test_hidden_is_strictly_a_bool(tmp_path, value, shown):
    data = to_dict(rich_project())
    data["shots"][0]["characters"][2]["hidden"] = value
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: shots[0].characters[2].hidden: expected true or false, got {shown}"


def _set(data, location, value):
    *parents, last = location
    for key in parents:
        data = data[key]
    if value is _DELETE:
        del data[last]
    else:
        data[last] = value


_DELETE = object()
_KEY = ("shots", 0, "characters", 0, "keyframes", 1)


@pytest.mark.parametrize("location, value, expected", [
    (("shots",), {}, "shots: expected a list, got an object"),
    (("clips",), [], "clips: expected an object, got a list"),
    (("shots", 0, "name"), _DELETE, "shots[0].name: missing"),
    (("shots", 0, "background"), _DELETE, "shots[0].background: missing"),
    (("shots", 0, "background"), 4, "shots[0].background: expected an object, got 4"),
    (("shots", 0, "characters", 1, "source", "frame"), _DELETE, "shots[0].characters[1].source.frame: missing"),
    (_KEY + ("scale",), "big", 'shots[0].characters[0].keyframes[1].scale: expected a number, got string "big"'),
    (_KEY + ("frame",), 2.5, "shots[0].characters[0].keyframes[1].frame: expected an integer, got 2.5"),
    (_KEY + ("frame",), True, "shots[0].characters[0].keyframes[1].frame: expected an integer, got true"),
    (_KEY + ("tx",), None, "shots[0].characters[0].keyframes[1].tx: expected a number, got null"),
    (_KEY + ("colour",), "red", "shots[0].characters[0].keyframes[1].colour: unknown key"),
    (("shots", 0, "characters", 0, "keyframes"), {},
     "shots[0].characters[0].keyframes: expected a list, got an object"),
    (("shots", 0, "characters", 0, "motion", "loop"), "yes",
     'shots[0].characters[0].motion.loop: expected true or false, got string "yes"'),
    (("shots", 0, "name"), 3, "shots[0].name: expected a string, got 3"),
    (("clips", "walk", "width"), _DELETE, 'clips["walk"].width: missing'),
    (("clips", "walk", "path"), None, 'clips["walk"].path: expected a string, got null'),
    (("model",), 5, "model: expected a string, got 5"),
    (("extra",), 1, "extra: unknown key"),
])
def test_load_structural_errors_name_the_json_path(tmp_path, location, value, expected):
    data = to_dict(rich_project())
    _set(data, location, value)
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: {expected}"


def test_from_dict_without_source_names_only_the_json_path():
    data = to_dict(rich_project())
    data["shots"][1]["length"] = 0
    with pytest.raises(ProjectError) as error:
        from_dict(data)
    assert one_line(error) == "shots[1].length: must be at least 1, got 0"
    assert error.value.path is None and error.value.problem == str(error.value)


def _edit(fn):
    project = rich_project()
    fn(project)
    return project


def _character(project, shot=0, index=0):
    return project.shots[shot].characters[index]


@pytest.mark.parametrize("change, expected", [
    (lambda p: setattr(p.shots[0], "background", FrameRef("nope", 0)),
     "shots[0].background.clip: unknown clip 'nope'"),
    (lambda p: setattr(_character(p), "source", FrameRef("walk", 10)),
     "shots[0].characters[0].source.frame: frame 10 is out of range for clip 'walk' (0..9)"),
    (lambda p: setattr(p.shots[1], "background", FrameRef("walk", -1)),
     "shots[1].background.frame: frame -1 is out of range for clip 'walk' (0..9)"),
    (lambda p: setattr(_character(p), "motion", MotionSource("ghost")),
     "shots[0].characters[0].motion.clip: unknown clip 'ghost'"),
    (lambda p: setattr(_character(p), "motion", MotionSource("walk", 0, 10)),
     "shots[0].characters[0].motion.end: frame 10 is out of range for clip 'walk' (0..9)"),
    (lambda p: setattr(_character(p), "motion", MotionSource("walk", 6, 5)),
     "shots[0].characters[0].motion: start 6 is after end 5"),
    (lambda p: setattr(p.shots[1], "name", "intro"),
     "shots[1].name: duplicate shot name 'intro' (also shots[0])"),
    (lambda p: setattr(p.shots[1], "name", "  "), "shots[1].name: must not be empty"),
    (lambda p: setattr(_character(p, 0, 2), "name", "walker"),
     "shots[0].characters[2].name: duplicate character name 'walker' in this shot (also shots[0].characters[0])"),
    (lambda p: setattr(p.shots[0], "length", 0), "shots[0].length: must be at least 1, got 0"),
    (lambda p: setattr(p.shots[0], "fps", 0.0), "shots[0].fps: must be at least 0.01, got 0.0"),
    (lambda p: setattr(p.shots[0], "fps", -24.0), "shots[0].fps: must be at least 0.01, got -24.0"),
    (lambda p: setattr(p.shots[0], "fps", 0.0004), "shots[0].fps: must be at least 0.01, got 0.0004"),
    (lambda p: setattr(p.shots[0], "fps", 1e300), "shots[0].fps: must be at most 1000, got 1e+300"),
    (lambda p: setattr(p.shots[0], "length", 2**63), f"shots[0].length: must be at most {2**31 - 1}, got {2**63}"),
    (lambda p: setattr(p.shots[0], "fps", float("nan")), "shots[0].fps: must be a finite number, got nan"),
    (lambda p: p.clips.update(walk=ClipRef("w.mp4", 0, 25.0, 1, 1)),
     'clips["walk"].frame_count: must be at least 1, got 0'),
    (lambda p: p.clips.update(walk=ClipRef("w.mp4", 10, 0, 1, 1)), 'clips["walk"].fps: must be greater than 0, got 0'),
    (lambda p: p.clips.update({"": ClipRef("w.mp4", 10, 1.0, 1, 1)}), 'clips[""] (name): must not be empty'),
    (lambda p: set_keyframe(_character(p), Keyframe(2, Pose(scale=0.0))),
     "shots[0].characters[0].keyframes[1].scale: must be at least 0.001, got 0.0"),
    (lambda p: setattr(_character(p), "interpolation", "cubic"),
     'shots[0].characters[0].interpolation: unknown interpolation string "cubic" (allowed: linear, step, smooth)'),
    (lambda p: _character(p).keyframes.reverse(),
     "shots[0].characters[0].keyframes[1].frame: keyframes must be sorted by frame (0 comes after 5)"),
    (lambda p: _character(p).keyframes.append(Keyframe(5)),
     "shots[0].characters[0].keyframes[2].frame: duplicate keyframe at frame 5"),
    (lambda p: _character(p).keyframes.insert(0, Keyframe(-1)),
     "shots[0].characters[0].keyframes[0].frame: must be at least 0, got -1"),
])
def test_validate_reports_the_first_problem(change, expected):
    project = _edit(change)
    with pytest.raises(ProjectError) as error:
        validate(project)
    assert one_line(error) == expected
    project.path = Path("/films/p.stopframe")
    with pytest.raises(ProjectError) as error:
        validate(project)
    assert str(error.value) == f"{Path('/films/p.stopframe')}: {expected}"


def test_validate_reports_only_the_first_of_several_problems():
    project = rich_project()
    project.shots[1].length = 0
    project.shots[0].fps = -1.0
    with pytest.raises(ProjectError, match=r"^shots\[0\]\.fps"):
        validate(project)


def test_validation_errors_on_load_name_the_file(tmp_path):
    data = to_dict(rich_project())
    data["shots"][0]["characters"][0]["motion"]["start"] = 12
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == (f"{path}: shots[0].characters[0].motion.start: "
                               "frame 12 is out of range for clip 'walk' (0..9)")


def test_messages_stay_on_one_line_with_odd_names():
    project = rich_project()
    project.shots[1].name = "intro"
    project.shots[0].name = project.shots[1].name = "two\nlines"
    with pytest.raises(ProjectError) as error:
        validate(project)
    one_line(error)
    assert "'two\\nlines'" in str(error.value)


def test_documents_built_in_memory_take_numbers_as_the_file_would():
    """Integral numbers of other types (numpy) count as integers; ints in float fields are written
    as floats; a bool is neither."""
    project = rich_project()
    project.shots[0].characters[0].keyframes[1] = Keyframe(np.int64(5), Pose(tx=np.float32(0.5)))
    project.shots[0].fps = 24
    validate(project)
    data = to_dict(project)
    assert data["shots"][0]["fps"] == 24.0 and type(data["shots"][0]["fps"]) is float
    key = data["shots"][0]["characters"][0]["keyframes"][1]
    assert key == {"frame": 5, "tx": 0.5, "ty": 0.0, "rotation": 0.0, "scale": 1.0} and type(key["frame"]) is int
    assert json.dumps(data)  # plain JSON types only
    project.shots[0].length = True
    with pytest.raises(ProjectError, match=r"^shots\[0\]\.length: expected an integer, got true$"):
        validate(project)


def test_to_dict_refuses_an_invalid_project():
    project = rich_project()
    project.path = Path("/films/p.stopframe")
    project.shots[0].characters[0].keyframes.reverse()
    with pytest.raises(ProjectError) as error:
        to_dict(project)
    assert one_line(error) == (f"{Path('/films/p.stopframe')}: shots[0].characters[0].keyframes[1].frame: "
                               "keyframes must be sorted by frame (0 comes after 5)")


def test_file_values_of_the_wrong_json_type_are_refused():
    data = to_dict(rich_project())
    for location, value, expected in [
        (("shots", 0, "length"), 8.0, "shots[0].length: expected an integer, got 8.0"),
        (("shots", 0, "length"), "8", 'shots[0].length: expected an integer, got string "8"'),
        (("shots", 0, "fps"), True, "shots[0].fps: expected a number, got true"),
        (("shots", 0, "fps"), 10**400, "shots[0].fps: must be a finite number, got inf"),
        (("shots", 0, "characters", 0, "interpolation"), 1, "shots[0].characters[0].interpolation: "
                                                            "expected a string, got 1"),
        (("clips", "dance é", "path"), "", 'clips["dance é"].path: must not be empty'),
        (("clips", "walk"), {"path": "w.mp4"}, 'clips["walk"].frame_count: missing'),
    ]:
        changed = json.loads(json.dumps(data))
        _set(changed, location, value)
        with pytest.raises(ProjectError) as error:
            from_dict(changed)
        assert one_line(error) == expected


# --- versions 3 and 4: a clip's fit, a shot's output and in/out points, where the user was ---------


def _version_4_project() -> Project:
    project = rich_project()
    project.clips["walk"] = ClipRef("clips/walk.mp4", 10, 25.0, 320, 240, "letterbox")
    project.shots[0].output = Output(1280, 720, "smooth")
    project.shots[0].in_point, project.shots[0].out_point = 2, 6
    project.shots[1].output = Output(64, 64)
    project.current = Current("empty plate", 0)
    return project


def test_version_4_fields_round_trip_in_file_order():
    project = _version_4_project()
    data = to_dict(project)
    assert data["clips"]["walk"] == {"path": "clips/walk.mp4", "frame_count": 10, "fps": 25.0, "width": 320,
                                     "height": 240, "fit": "letterbox"}
    shot = data["shots"][0]
    assert list(shot) == ["name", "length", "fps", "output", "in", "out", "background", "characters"]
    assert (shot["output"], shot["in"], shot["out"]) == ({"width": 1280, "height": 720, "scaling": "smooth"}, 2, 6)
    assert data["shots"][1]["output"] == {"width": 64, "height": 64, "scaling": "crisp"}
    assert data["shots"][1]["out"] is None
    assert data["current"] == {"shot": "empty plate", "frame": 0}
    assert from_dict(json.loads(json.dumps(data))) == project


def test_a_version_4_output_without_its_keys_is_256_square_crisp():
    data = to_dict(_version_4_project())
    data["shots"][0]["output"] = {"height": 100}
    del data["shots"][1]["output"]
    assert [shot.output for shot in from_dict(data).shots] == [Output(256, 100, "crisp"), Output(256, 256, "crisp")]


@pytest.mark.parametrize("version", [1, 2, 3])
def test_without_the_version_3_keys_a_file_means_what_it_always_did(version):
    """Clips cropped, shots exported at 4x crisp (256 x 256 from a 64-pixel model), in and out at the
    ends of the shot, opened at the first shot: every file before version 3 meant that."""
    data = to_dict(_version_4_project())
    data["schema_version"] = version
    for clip in data["clips"].values():
        del clip["fit"]
    for shot in data["shots"]:
        del shot["output"], shot["in"], shot["out"]
    del data["current"]
    project = from_dict(data)
    assert {clip.fit for clip in project.clips.values()} == {"crop"}
    assert [(s.output, s.in_point, s.out_point, s.in_out()) for s in project.shots] == [
        (Output(256, 256, "crisp"), 0, None, (0, 7)), (Output(256, 256, "crisp"), 0, None, (0, 0))]
    assert project.current is None


def test_in_and_out_past_the_end_mean_the_last_frame():
    """Shortening a shot never makes it invalid: points past its end stand for its last frame."""
    project = _version_4_project()
    project.shots[0].length = 4
    validate(project)
    assert project.shots[0].in_out() == (2, 3)
    project.shots[0].length = 2
    assert project.shots[0].in_out() == (1, 1)


def test_current_may_name_a_shot_no_longer_there():
    project = _version_4_project()
    project.current = Current("deleted long ago", 500)
    validate(project)


@pytest.mark.parametrize("location, value, expected", [
    (("clips", "walk", "fit"), "stretch", 'clips["walk"].fit: unknown fit string "stretch" (allowed: crop, letterbox)'),
    (("clips", "walk", "fit"), None, 'clips["walk"].fit: expected a string, got null'),
    (("shots", 0, "output"), 4, "shots[0].output: expected an object, got 4"),
    (("shots", 0, "output", "width"), 0, "shots[0].output.width: must be at least 1, got 0"),
    (("shots", 0, "output", "height"), 16385, "shots[0].output.height: must be at most 16384, got 16385"),
    (("shots", 0, "output", "width"), 2.0, "shots[0].output.width: expected an integer, got 2.0"),
    (("shots", 0, "output", "height"), True, "shots[0].output.height: expected an integer, got true"),
    (("shots", 0, "output", "width"), "640", 'shots[0].output.width: expected an integer, got string "640"'),
    (("shots", 0, "output", "scaling"), "blurry",
     'shots[0].output.scaling: unknown scaling string "blurry" (allowed: crisp, smooth)'),
    (("shots", 0, "output", "scale"), 4, "shots[0].output.scale: unknown key"),
    (("shots", 0, "in"), -1, "shots[0].in: must be at least 0, got -1"),
    (("shots", 0, "in"), "3", 'shots[0].in: expected an integer, got string "3"'),
    (("shots", 0, "out"), 1, "shots[0].out: out 1 is before in 2"),
    (("shots", 0, "in_point"), 1, "shots[0].in_point: unknown key"),
    (("current",), "intro", 'current: expected an object, got string "intro"'),
    (("current", "shot"), _DELETE, "current.shot: missing"),
    (("current", "shot"), " ", "current.shot: must not be empty"),
    (("current", "frame"), -3, "current.frame: must be at least 0, got -3"),
])
def test_version_4_errors_name_the_json_location(tmp_path, location, value, expected):
    data = to_dict(_version_4_project())
    _set(data, location, value)
    path = write_json(tmp_path / "p.stopframe", data)
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: {expected}"


def test_a_document_built_in_memory_is_checked_like_a_file():
    project = _version_4_project()
    project.shots[0].out_point = 1
    with pytest.raises(ProjectError, match=r"^shots\[0\]\.out: out 1 is before in 2$"):
        validate(project)
    project.shots[0].out_point = None
    project.shots[0].output = Output(256, 256, "bilinear")
    with pytest.raises(ProjectError, match=r'^shots\[0\]\.output\.scaling: unknown scaling string "bilinear"'):
        validate(project)
    project.shots[0].output = Output(0, 256)
    with pytest.raises(ProjectError, match=r"^shots\[0\]\.output\.width: must be at least 1, got 0$"):
        validate(project)


def test_the_fits_are_the_media_fit_modes():
    from workstation.media import FIT_MODES

    assert FITS == tuple(FIT_MODES)
