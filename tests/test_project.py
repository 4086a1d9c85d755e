"""The project document: round trips, paths, atomic save, load and validation errors, keyframe
interpolation, render requests and the editing helpers."""

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from workstation import project as proj
from workstation.project import (
    SCHEMA_VERSION,
    Character,
    CharacterRequest,
    ClipRef,
    FrameRef,
    FrameRequest,
    Keyframe,
    MotionRequest,
    MotionSource,
    Pose,
    Project,
    ProjectError,
    Shot,
    add_character,
    add_clip,
    add_shot,
    autosave_path,
    clip_path,
    from_dict,
    load_autosave,
    load_project,
    missing_clips,
    pose_at,
    remove_clip,
    remove_keyframe,
    remove_shot,
    render_requests,
    save_autosave,
    save_project,
    set_keyframe,
    to_dict,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]


def rich_project() -> Project:
    return Project(
        clips={
            "walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240),
            "street": ClipRef("clips/street", 5, 29.97, 64, 64),
            "dance é": ClipRef("/abs/dance.gif", 20, 12.5, 128, 96),
        },
        model="models/walker",
        shots=[
            Shot("intro", 8, 24.0, FrameRef("street", 4), [
                Character("walker", FrameRef("walk", 3), MotionSource("walk", 2, None, True),
                          [Keyframe(0, Pose(1.5, -2.25, 10.0, 1.0)),
                           Keyframe(5, Pose(0.1, 0.2, -370.5, 0.3333333333333333))],
                          "smooth"),
                Character("dancer", FrameRef("dance é", 0), MotionSource("dance é", 4, 9), [], "step"),
                Character("still", FrameRef("walk", 0)),
            ]),
            Shot("empty plate", 1, 0.1, FrameRef("walk", 9)),
        ],
    )


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def one_line(error: pytest.ExceptionInfo) -> str:
    message = str(error.value)
    assert "\n" not in message and "\r" not in message
    return message


# --- round trips -------------------------------------------------------------------------------


def test_dict_round_trip_is_exact():
    project = rich_project()
    data = to_dict(project)
    assert data["format"] == "stopframe-project" and data["schema_version"] == SCHEMA_VERSION
    assert list(data) == ["format", "schema_version", "model", "clips", "shots"]
    again = from_dict(json.loads(json.dumps(data)))
    assert again == project
    assert to_dict(again) == data


def test_file_round_trip_preserves_floats_and_is_pretty(tmp_path):
    project = rich_project()
    path = tmp_path / "film.stopframe"
    save_project(project, path)
    assert project.path == path
    loaded = load_project(path)
    assert loaded == project and loaded.path == path
    key = loaded.shots[0].characters[0].keyframes[1]
    assert key.pose.scale == 0.3333333333333333 and key.pose.rotation == -370.5
    assert loaded.clips["street"].fps == 29.97
    text = path.read_text(encoding="utf-8")
    assert text.startswith('{\n  "format": "stopframe-project",\n  "schema_version": 1,')
    assert "dance é" in text  # readable, not \u-escaped
    save_project(loaded, path)
    assert path.read_text(encoding="utf-8") == text  # stable output: clean diffs


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


# --- paths -------------------------------------------------------------------------------------


def test_paths_are_stored_relative_to_the_project(tmp_path):
    inside = tmp_path / "a" / "clips" / "x.mp4"
    outside = tmp_path / "b" / "y.mp4"
    for path in (inside, outside):
        path.parent.mkdir(parents=True)
        path.write_bytes(b"")
    project = Project()
    add_clip(project, "x", ClipRef(str(inside), 4, 25.0, 64, 64))
    add_clip(project, "y", ClipRef(str(outside), 4, 25.0, 64, 64))
    project.model = str(tmp_path / "a" / "bundle")
    project.shots.append(Shot("s", 1, 24.0, FrameRef("x", 0)))
    file = tmp_path / "a" / "p.stopframe"
    save_project(project, file)
    stored = json.loads(file.read_text())
    assert stored["clips"]["x"]["path"] == "clips/x.mp4"
    assert stored["clips"]["y"]["path"] == "../b/y.mp4"
    assert stored["model"] == "bundle"
    assert project.clips["x"].path == "clips/x.mp4"  # the project adopted its new location

    loaded = load_project(file)
    assert clip_path(loaded, "x") == inside
    assert clip_path(loaded, "y") == outside
    assert proj.model_path(loaded) == tmp_path / "a" / "bundle"
    assert missing_clips(loaded) == []

    # "save as" into another folder rebases every path; the files found stay the same
    (tmp_path / "c" / "d").mkdir(parents=True)
    save_project(loaded, tmp_path / "c" / "d" / "q.stopframe")
    moved = json.loads((tmp_path / "c" / "d" / "q.stopframe").read_text())
    assert moved["clips"]["x"]["path"] == "../../a/clips/x.mp4"
    assert clip_path(load_project(tmp_path / "c" / "d" / "q.stopframe"), "y") == outside


def test_add_clip_keeps_paths_relative_to_a_saved_project(tmp_path):
    project = Project(path=tmp_path / "a" / "p.stopframe")
    name = add_clip(project, "x", ClipRef(str(tmp_path / "a" / "clips" / "x.mp4"), 1, 1.0, 1, 1))
    assert project.clips[name].path == "clips/x.mp4"
    add_clip(project, "z", ClipRef("clips/z.mp4", 1, 1.0, 1, 1))  # already relative to the project
    assert project.clips["z"].path == "clips/z.mp4"
    assert clip_path(project, "z") == tmp_path / "a" / "clips" / "z.mp4"
    unsaved = Project()
    add_clip(unsaved, "x", ClipRef(str(tmp_path / "x.mp4"), 1, 1.0, 1, 1))
    assert unsaved.clips["x"].path == (tmp_path / "x.mp4").as_posix()


def test_missing_clips_names_the_path_looked_for(tmp_path):
    (tmp_path / "clips").mkdir()
    (tmp_path / "clips" / "here.mp4").write_bytes(b"")
    (tmp_path / "frames").mkdir()  # an image-sequence folder counts as present
    project = Project(path=tmp_path / "p.stopframe", clips={
        "here": ClipRef("clips/here.mp4", 1, 1.0, 1, 1),
        "folder": ClipRef("frames", 1, 1.0, 1, 1),
        "gone": ClipRef("clips/gone.mp4", 1, 1.0, 1, 1),
    })
    assert missing_clips(project) == [("gone", tmp_path / "clips" / "gone.mp4")]
    with pytest.raises(ProjectError, match="unknown clip 'nope'"):
        clip_path(project, "nope")


# --- atomic save ------------------------------------------------------------------------------


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, step):
    path = tmp_path / "p.stopframe"
    save_project(rich_project(), path)
    before = path.read_bytes()
    changed = rich_project()
    changed.shots[0].length = 99

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(proj.os, step, fail)
    with pytest.raises(ProjectError) as error:
        save_project(changed, path)
    monkeypatch.undo()
    assert str(path) in one_line(error) and "No space left on device" in str(error.value)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.stopframe"]
    assert changed.path is None  # a failed save does not move the project


def test_save_into_a_missing_folder_raises(tmp_path):
    path = tmp_path / "nowhere" / "p.stopframe"
    with pytest.raises(ProjectError) as error:
        save_project(rich_project(), path)
    assert one_line(error).startswith(f"{path}: cannot save")


def test_save_into_a_read_only_folder_raises(tmp_path, monkeypatch):
    folder = tmp_path / "ro"
    folder.mkdir()
    path = folder / "p.stopframe"
    save_project(rich_project(), path)
    before = path.read_bytes()
    if os.name == "posix" and os.geteuid() != 0:
        folder.chmod(0o555)
    else:  # root (or Windows) can write anyway: refuse the temporary file the way the OS would
        def refuse(*args, **kwargs):
            raise PermissionError(13, "Permission denied")

        monkeypatch.setattr(proj.os, "open", refuse)
    try:
        with pytest.raises(ProjectError) as error:
            save_project(rich_project(), path)
    finally:
        folder.chmod(0o755)
        monkeypatch.undo()
    assert one_line(error) == f"{path}: cannot save: Permission denied"
    assert path.read_bytes() == before
    assert sorted(p.name for p in folder.iterdir()) == ["p.stopframe"]


def test_invalid_project_is_not_saved(tmp_path):
    project = rich_project()
    project.shots[0].fps = 0.0
    path = tmp_path / "p.stopframe"
    with pytest.raises(ProjectError, match=r"cannot save an invalid project: shots\[0\]\.fps"):
        save_project(project, path)
    assert not path.exists()


def test_autosave_goes_beside_the_project_and_leaves_it_alone(tmp_path):
    path = tmp_path / "film.stopframe"
    assert autosave_path(path) == tmp_path / "film.stopframe.autosave"
    assert autosave_path(path) != path
    project = rich_project()
    with pytest.raises(ProjectError, match="never been saved"):
        save_autosave(project)
    save_project(project, path)
    saved = path.read_bytes()
    project.shots[0].length = 3
    assert save_autosave(project) == autosave_path(path)
    assert path.read_bytes() == saved and project.path == path
    assert proj.autosave_pending(path)
    recovered = load_autosave(path)
    assert recovered.path == path and recovered.shots[0].length == 3
    proj.discard_autosave(path)
    assert not autosave_path(path).exists() and not proj.autosave_pending(path)


# --- load errors -------------------------------------------------------------------------------


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.stopframe"
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: file not found"


def test_load_folder(tmp_path):
    with pytest.raises(ProjectError, match="is a folder"):
        load_project(tmp_path)


def test_load_not_json_gives_line_and_column(tmp_path):
    path = tmp_path / "p.stopframe"
    path.write_text('{\n  "format": "stopframe-project",\n  oops\n}')
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error).startswith(f"{path}: not valid JSON: ")
    assert "line 3, column 3" in str(error.value)


def test_load_not_utf8(tmp_path):
    path = tmp_path / "p.stopframe"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ProjectError, match="not UTF-8"):
        load_project(path)


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
    path = write_json(tmp_path / "p.stopframe", {"format": "stopframe-project", "schema_version": 7})
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: schema version 7 is newer than this Stopframe understands (1)"


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


# --- validation -------------------------------------------------------------------------------


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
    (lambda p: setattr(p.shots[0], "fps", 0.0), "shots[0].fps: must be greater than 0, got 0.0"),
    (lambda p: setattr(p.shots[0], "fps", -24.0), "shots[0].fps: must be greater than 0, got -24.0"),
    (lambda p: setattr(p.shots[0], "fps", float("nan")), "shots[0].fps: must be a finite number, got nan"),
    (lambda p: p.clips.update(walk=ClipRef("w.mp4", 0, 25.0, 1, 1)),
     'clips["walk"].frame_count: must be at least 1, got 0'),
    (lambda p: p.clips.update(walk=ClipRef("w.mp4", 10, 0, 1, 1)), 'clips["walk"].fps: must be greater than 0, got 0'),
    (lambda p: p.clips.update({"": ClipRef("w.mp4", 10, 1.0, 1, 1)}), 'clips[""] (name): must not be empty'),
    (lambda p: set_keyframe(_character(p), Keyframe(2, Pose(scale=0.0))),
     "shots[0].characters[0].keyframes[1].scale: must be greater than 0, got 0.0"),
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


# --- keyframe interpolation ------------------------------------------------------------------


def _keyed(interpolation):
    return Character("c", FrameRef("walk", 0), None,
                     [Keyframe(10, Pose(0.0, 10.0, 0.0, 1.0)), Keyframe(20, Pose(10.0, 30.0, 90.0, 3.0))],
                     interpolation)


def test_edit_at_without_keys_is_identity():
    assert pose_at(Character("c", FrameRef("walk", 0)), 5) == Pose(0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize("interpolation", ["linear", "step", "smooth"])
def test_edit_at_holds_before_first_and_after_last_key(interpolation):
    character = _keyed(interpolation)
    assert pose_at(character, 0) == pose_at(character, 10) == Pose(0.0, 10.0, 0.0, 1.0)
    assert pose_at(character, 20) == pose_at(character, 99) == Pose(10.0, 30.0, 90.0, 3.0)


def test_edit_at_linear():
    assert pose_at(_keyed("linear"), 15) == Pose(5.0, 20.0, 45.0, 2.0)
    edit = pose_at(_keyed("linear"), 12)
    assert (edit.tx, edit.ty, edit.rotation, edit.scale) == pytest.approx((2.0, 14.0, 18.0, 1.4))


def test_edit_at_step():
    assert pose_at(_keyed("step"), 19) == Pose(0.0, 10.0, 0.0, 1.0)


def test_edit_at_smooth_eases_in_and_out():
    character = _keyed("smooth")
    assert pose_at(character, 15) == Pose(5.0, 20.0, 45.0, 2.0)  # symmetric about the middle
    early, late = pose_at(character, 12), pose_at(character, 18)
    assert early.tx == pytest.approx(10 * (0.2 ** 2 * (3 - 0.4)))  # smoothstep(0.2) = 0.104
    assert early.tx < 2.0 and late.tx > 8.0  # slower than linear near the keys
    assert early.tx + late.tx == pytest.approx(10.0)


def test_edit_at_with_three_keys_uses_the_right_segment():
    character = _keyed("linear")
    set_keyframe(character, Keyframe(30, Pose(0.0, 0.0, 0.0, 1.0)))
    assert pose_at(character, 25).tx == pytest.approx(5.0)
    assert pose_at(character, 20) == Pose(10.0, 30.0, 90.0, 3.0)


# --- render requests --------------------------------------------------------------------------


def test_render_requests_all_frames():
    project = rich_project()
    requests = render_requests(project, "intro")
    assert len(requests) == 8
    assert [r.index for r in requests] == list(range(8))
    assert all(r.shot == "intro" and r.background == FrameRef("street", 4) for r in requests)
    first = requests[0]
    assert isinstance(first, FrameRequest) and all(isinstance(c, CharacterRequest) for c in first.characters)
    assert [c.source for c in first.characters] == [FrameRef("walk", 3), FrameRef("dance é", 0), FrameRef("walk", 0)]
    # walker: clip "walk" frames 2..9 (end None = last frame), looping over 8 frames
    assert [r.characters[0].motion for r in requests] == [MotionRequest("walk", 2, 2 + k) for k in range(8)]
    # dancer: frames 4..9 of "dance é", then holds frame 9
    assert [r.characters[1].motion.frame for r in requests] == [4, 5, 6, 7, 8, 9, 9, 9]
    assert all((r.characters[1].motion.clip, r.characters[1].motion.start) == ("dance é", 4) for r in requests)
    # no motion source, no keys
    assert all(r.characters[2].motion is None and r.characters[2].pose == Pose() for r in requests)
    # hand keys
    assert requests[0].characters[0].pose == Pose(1.5, -2.25, 10.0, 1.0)
    assert requests[7].characters[0].pose == Pose(0.1, 0.2, -370.5, 0.3333333333333333)
    hash(requests[3])  # hashable: usable as a cache key


def test_render_requests_loop_wraps():
    project = rich_project()
    project.shots[0].characters[0].motion = MotionSource("walk", 7, 8, loop=True)
    project.shots[0].length = 6
    assert [r.characters[0].motion.frame for r in render_requests(project, "intro")] == [7, 8, 7, 8, 7, 8]
    project.shots[0].characters[0].motion = MotionSource("walk", 7, 8, loop=False)
    assert [r.characters[0].motion.frame for r in render_requests(project, "intro")] == [7, 8, 8, 8, 8, 8]
    project.shots[0].characters[0].motion = MotionSource("walk", 9)  # a one-frame range: a still pose
    assert {r.characters[0].motion for r in render_requests(project, "intro")} == {MotionRequest("walk", 9, 9)}


def test_render_requests_of_a_range():
    project = rich_project()
    requests = render_requests(project, "intro", range(3, 6))
    assert [r.index for r in requests] == [3, 4, 5]
    assert [r.characters[1].motion.frame for r in requests] == [7, 8, 9]
    assert render_requests(project, "intro", range(2, 8, 3)) == [render_requests(project, "intro")[i] for i in (2, 5)]
    assert render_requests(project, "intro", range(0)) == []
    assert render_requests(project, "empty plate")[0].characters == ()


@pytest.mark.parametrize("frames", [range(0, 9), range(8, 9), range(-1, 2), [2.0]])
def test_render_requests_out_of_range(frames):
    with pytest.raises(ProjectError) as error:
        render_requests(rich_project(), "intro", frames)
    assert "out of range (0..7)" in one_line(error)


def test_render_requests_unknown_shot_and_invalid_project():
    with pytest.raises(ProjectError, match="no shot named 'outro'"):
        render_requests(rich_project(), "outro")
    project = rich_project()
    project.shots[0].background = FrameRef("walk", 99)
    with pytest.raises(ProjectError, match="out of range for clip 'walk'"):
        render_requests(project, "intro")


# --- editing helpers --------------------------------------------------------------------------


def test_add_clip_makes_names_unique():
    project = Project()
    clip = ClipRef("/x.mp4", 1, 1.0, 1, 1)
    assert [add_clip(project, "walk", clip) for _ in range(3)] == ["walk", "walk 2", "walk 3"]
    assert add_clip(project, "walk 2", clip) == "walk 2 2"
    assert list(project.clips) == ["walk", "walk 2", "walk 3", "walk 2 2"]


def test_remove_clip_refuses_while_used():
    project = rich_project()
    with pytest.raises(ProjectError, match=r"clip 'street' is still used by shots\[0\]\.background"):
        remove_clip(project, "street")
    project.shots[0].background = FrameRef("walk", 0)
    assert remove_clip(project, "street") == ClipRef("clips/street", 5, 29.97, 64, 64)
    assert "street" not in project.clips
    validate(project)


def test_add_and_remove_shots_and_characters():
    project = rich_project()
    shot = Shot("intro", 4, 24.0, FrameRef("walk", 0))
    assert add_shot(project, shot, 0) == "intro 2" and project.shots[0] is shot
    assert remove_shot(project, "intro 2") == (0, shot)
    assert [s.name for s in project.shots] == ["intro", "empty plate"]
    target = project.shots[1]
    assert add_character(target, Character("walker", FrameRef("walk", 1))) == "walker"
    assert add_character(target, Character("walker", FrameRef("walk", 2))) == "walker 2"
    validate(project)
    index, removed = proj.remove_character(target, "walker")
    assert index == 0 and removed.source == FrameRef("walk", 1)
    assert [c.name for c in target.characters] == ["walker 2"]


def test_set_keyframe_keeps_order_and_replaces_same_frame():
    character = Character("c", FrameRef("walk", 0))
    for frame in (5, 1, 9, 3):
        assert set_keyframe(character, Keyframe(frame, Pose(tx=float(frame)))) is None
    assert [k.frame for k in character.keyframes] == [1, 3, 5, 9]
    old = set_keyframe(character, Keyframe(5, Pose(tx=-1.0)))
    assert old == Keyframe(5, Pose(tx=5.0))
    assert [(k.frame, k.pose.tx) for k in character.keyframes] == [(1, 1.0), (3, 3.0), (5, -1.0), (9, 9.0)]
    assert remove_keyframe(character, 3) == Keyframe(3, Pose(tx=3.0))
    assert remove_keyframe(character, 4) is None
    assert [k.frame for k in character.keyframes] == [1, 5, 9]


def test_keyframe_and_frame_refs_are_frozen_values():
    key = Keyframe(1)
    with pytest.raises(AttributeError):
        key.frame = 2  # type: ignore[misc]
    assert replace(key, pose=Pose(2.0)) == Keyframe(1, Pose(2.0))
    assert proj.copy_project(rich_project()) == rich_project()


def test_module_imports_no_ui_or_ml_stack():
    code = ("import sys, workstation.project; "
            "bad = {'torch', 'PySide6', 'cv2', 'onnxruntime'} & set(sys.modules); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_neighbour_key_finds_the_nearest_key_each_way():
    character = proj.Character("c", proj.FrameRef("clip", 0),
                               keyframes=[proj.Keyframe(2), proj.Keyframe(7), proj.Keyframe(12)])
    assert [proj.neighbour_key(character, f, 1) for f in (0, 2, 5, 7, 12, 30)] == [2, 7, 7, 12, None, None]
    assert [proj.neighbour_key(character, f, -1) for f in (0, 2, 5, 7, 12, 30)] == [None, None, 2, 2, 7, 12]
    assert proj.neighbour_key(proj.Character("d", proj.FrameRef("clip", 0)), 3, 1) is None

