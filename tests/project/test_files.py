"""Project files (workstation/project/files.py): load errors, atomic save, autosave, and the
fixtures of every format (versions 1 to 6), which must keep loading."""

import json
import os
import shutil

import pytest

from tests.project.documents import FIXTURES, one_line, rich_project
from workstation import project as proj
from workstation.project import (
    Character,
    ClipRef,
    Current,
    FrameRef,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    SheetGrid,
    SheetTag,
    Shot,
    autosave_path,
    files,
    load_autosave,
    load_project,
    save_autosave,
    save_project,
)


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
    assert text.startswith('{\n  "format": "stopframe-project",\n  "schema_version": 6,')
    assert "dance é" in text  # readable, not \u-escaped
    save_project(loaded, path)
    assert path.read_text(encoding="utf-8") == text  # stable output: clean diffs


@pytest.mark.parametrize("step", ["fsync", "replace"])
def test_failed_save_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch, step):
    path = tmp_path / "p.stopframe"
    save_project(rich_project(), path)
    before = path.read_bytes()
    changed = rich_project()
    changed.shots[0].length = 99

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, step, fail)
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

        monkeypatch.setattr(files.os, "open", refuse)
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


def test_load_missing_file(tmp_path):
    path = tmp_path / "nope.stopframe"
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert one_line(error) == f"{path}: file not found"


def test_load_folder(tmp_path):
    with pytest.raises(ProjectError, match="not a file but a folder"):
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


# --- files written by every version --------------------------------------------------------------
# Before version 4 a key's tx, ty were pixels of the model's image and a shot's output its square
# enlarged "scale" times (4 when absent). The models of the v1..v3 fixtures are the bundled demo's
# (v2, v3: "model": null) or missing (v1): a 64-pixel square either way.

S = 64


def old_pose(tx: float = 0.0, ty: float = 0.0, rotation: float = 0.0, scale: float = 1.0) -> Pose:
    """A pose of a file older than version 4 (offsets in pixels of a 64-pixel model) as it loads."""
    return Pose(tx / S, ty / S, rotation, scale)


def _as_version_4(data: dict, output: list[dict] | None = None) -> dict:
    """An older file as version 4 wrote it, and version 6 writes it (with the version's number): the
    same document, its offsets divided by S, and the defaults that mean what it meant (clips cropped,
    4x crisp output: 256 x 256, in and out at the shot's ends, no position) where it has no values of
    its own (no clip's "image_names": none were recorded)."""
    data["schema_version"] = 6
    for clip in data["clips"].values():
        clip.setdefault("fit", "crop")
    for i, shot in enumerate(data["shots"]):
        head = {key: shot.pop(key) for key in ("name", "length", "fps")}
        size = {"width": 4 * S, "height": 4 * S, "scaling": "crisp"} if output is None else output[i]
        shot.pop("output", None)
        data["shots"][i] = {**head, "output": size, "in": shot.pop("in", 0), "out": shot.pop("out", None), **shot}
        for character in shot["characters"]:
            for key in character["keyframes"]:
                key["tx"], key["ty"] = key["tx"] / S, key["ty"] / S
    data["current"] = data.get("current")
    return data


def _fixture(version: int) -> dict:
    return json.loads((FIXTURES / f"v{version}.stopframe").read_text(encoding="utf-8"))


def _saved_again(path) -> str:
    """``path`` loaded and saved over itself; the text written, which loads back to the same document."""
    project = load_project(path)
    save_project(project, path)
    again = load_project(path)
    assert again == project and again.load_note is None
    return path.read_text(encoding="utf-8")


def test_version_1_file_loads_into_the_document_it_was_written_from(tmp_path):
    """tests/fixtures/projects/v1.stopframe was written by the schema_version 1 code (before the
    schema was declared with pydantic). Every later format must keep loading it."""
    path = tmp_path / "v1.stopframe"
    shutil.copyfile(FIXTURES / "v1.stopframe", path)
    project = load_project(path)
    assert project.path == path
    assert project == Project(
        clips={
            "walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240),
            "street": ClipRef("clips/street", 5, 29.97, 64, 64),
            "dance é": ClipRef("../media/dance é.gif", 20, 12.5, 128, 96),
            "plate": ClipRef("plate.png", 1, 1.0, 64, 48),
        },
        model="models/walker",
        shots=[
            Shot("intro", 8, 24.0, FrameRef("street", 4), [
                Character("walker", FrameRef("walk", 3), MotionSource("walk", 2, None, True),
                          [Keyframe(0, old_pose(1.5, -2.25, 10.0, 1.0)),
                           Keyframe(5, old_pose(0.1, 0.2, -370.5, 0.3333333333333333))], "smooth"),
                Character("dancer ☃", FrameRef("dance é", 0), MotionSource("dance é", 4, 9, False),
                          [Keyframe(1, old_pose(tx=-3.0)), Keyframe(6, old_pose(scale=2.5))], "step"),
                Character("still", FrameRef("walk", 0)),
            ]),
            Shot("empty plate", 1, 0.1, FrameRef("walk", 9)),
            Shot("ループ", 24, 12.0, FrameRef("plate", 0), [
                Character("hand", FrameRef("walk", 9), MotionSource("walk", 0, 9, True),
                          [Keyframe(0), Keyframe(12, old_pose(4.0, 8.0, 720.0, 0.5)),
                           Keyframe(23, old_pose(-1e-3, 1e6, 0.0, 1.25))], "linear"),
                Character("held", FrameRef("street", 1), MotionSource("street", 1, 3, False), [], "linear"),
            ]),
        ],
    )
    assert {shot.output for shot in project.shots} == {Output(256, 256, "crisp")}
    assert files.clip_path(project, "dance é") == tmp_path.parent / "media" / "dance é.gif"
    assert files.model_path(project) == tmp_path / "models" / "walker"
    assert project.load_note == ("upgraded from schema 1 assuming a 64-pixel model square "
                                 f"({tmp_path / 'models' / 'walker' / 'model.json'}: not found)")


def test_version_1_file_is_saved_again_as_version_6_with_nothing_else_changed(tmp_path):
    """Saving writes the latest version: the same document, every character "hidden": false, the
    offsets in fractions of the square, and the defaults of versions 3 and 4."""
    path = tmp_path / "v1.stopframe"
    shutil.copyfile(FIXTURES / "v1.stopframe", path)
    expected = _fixture(1)
    for shot in expected["shots"]:
        shot["characters"] = [{"name": c.pop("name"), "hidden": False, **c} for c in shot["characters"]]
    expected = _as_version_4(expected)
    assert _saved_again(path) == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_version_2_file_loads_into_the_document_it_was_written_from(tmp_path):
    """tests/fixtures/projects/v2.stopframe: characters in z-order (back to front), some hidden."""
    path = tmp_path / "v2.stopframe"
    shutil.copyfile(FIXTURES / "v2.stopframe", path)
    project = load_project(path)
    assert project.path == path and project.load_note is None  # the bundled demo model: 64 pixels
    assert project == Project(
        clips={"walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240),
               "street": ClipRef("clips/street", 5, 29.97, 64, 64)},
        model=None,
        shots=[
            Shot("crowd", 12, 12.0, FrameRef("street", 0), [
                Character("back", FrameRef("walk", 0), MotionSource("walk", 0, None, True)),
                Character("ghost ☃", FrameRef("walk", 5), None,
                          [Keyframe(0, old_pose(tx=-4.0)),
                           Keyframe(11, old_pose(tx=4.0, rotation=90.0, scale=0.5))],
                          "smooth", hidden=True),
                Character("front", FrameRef("street", 2), MotionSource("street", 1, 4, False), [], "step"),
            ]),
            Shot("alone", 1, 24.0, FrameRef("walk", 9), [Character("only", FrameRef("walk", 1), hidden=True)]),
        ],
    )
    assert project.shots[0].characters[1].keyframes[0].pose.tx == -0.0625
    assert {shot.output for shot in project.shots} == {Output(256, 256, "crisp")}
    assert [c.name for c in proj.render_requests(project, "crowd", [0])[0].characters] == ["back", "front"]
    assert proj.render_requests(project, "alone")[0].characters == ()


def test_version_2_file_is_saved_again_as_version_6_with_nothing_else_changed(tmp_path):
    path = tmp_path / "v2.stopframe"
    shutil.copyfile(FIXTURES / "v2.stopframe", path)
    expected = _as_version_4(_fixture(2))
    assert _saved_again(path) == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def test_version_3_file_loads_into_the_document_it_was_written_from(tmp_path):
    """tests/fixtures/projects/v3.stopframe: the v2 document with a letterboxed clip, shots with
    their own output scale (2 and 8 times the 64-pixel square) and in/out points, and where the user was."""
    path = tmp_path / "v3.stopframe"
    shutil.copyfile(FIXTURES / "v3.stopframe", path)
    project = load_project(path)
    assert project.load_note is None
    assert project.clips == {"walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240, "letterbox"),
                             "street": ClipRef("clips/street", 5, 29.97, 64, 64, "crop")}
    crowd, alone = project.shots
    assert (crowd.output, crowd.in_point, crowd.out_point, crowd.in_out()) == (
        Output(128, 128, "smooth"), 3, 9, (3, 9))
    assert (alone.output, alone.in_point, alone.out_point, alone.in_out()) == (
        Output(512, 512, "crisp"), 0, None, (0, 0))
    assert project.current == Current("crowd", 7)
    assert [c.name for c in crowd.characters] == ["back", "ghost ☃", "front"]
    assert crowd.characters[1].keyframes == [Keyframe(0, old_pose(tx=-4.0)),
                                             Keyframe(11, old_pose(tx=4.0, rotation=90.0, scale=0.5))]


def test_version_3_file_is_saved_again_as_version_6_with_nothing_else_changed(tmp_path):
    path = tmp_path / "v3.stopframe"
    shutil.copyfile(FIXTURES / "v3.stopframe", path)
    expected = _as_version_4(_fixture(3), output=[{"width": 128, "height": 128, "scaling": "smooth"},
                                                  {"width": 512, "height": 512, "scaling": "crisp"}])
    assert _saved_again(path) == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def version_4_document() -> Project:
    """What tests/fixtures/projects/v4.stopframe was written from (by save_project): every field of
    version 4, among them a wide smooth output and a small crisp one, and offsets in fractions of the
    model square."""
    return Project(
        clips={"walk": ClipRef("clips/walk.mp4", 10, 25.0, 320, 240, "letterbox"),
               "street": ClipRef("clips/street.mp4", 5, 29.97, 1280, 720, "crop")},
        model="models/walker",
        shots=[
            Shot("crowd", 12, 12.0, FrameRef("street", 0), [
                Character("back", FrameRef("walk", 0), MotionSource("walk", 0, None, True)),
                Character("ghost ☃", FrameRef("walk", 5), None,
                          [Keyframe(0, Pose(tx=-0.0625, ty=0.25)), Keyframe(11, Pose(0.5, -0.125, 90.0, 0.5))],
                          "smooth", hidden=True),
                Character("front", FrameRef("street", 2), MotionSource("street", 1, 4, False), [], "step"),
            ], Output(1280, 720, "smooth"), 3, 9),
            Shot("alone", 1, 24.0, FrameRef("walk", 9), [Character("only", FrameRef("walk", 1), hidden=True)],
                 Output(64, 48, "crisp")),
        ],
        current=Current("crowd", 7),
    )


def test_version_4_file_loads_into_the_document_it_was_written_from(tmp_path):
    """Its offsets are taken as they are: a version 4 file never reads its model's model.json."""
    path = tmp_path / "v4.stopframe"
    shutil.copyfile(FIXTURES / "v4.stopframe", path)
    project = load_project(path)
    assert project == version_4_document() and project.load_note is None
    assert _fixture(4)["schema_version"] == 4


def test_version_4_file_is_saved_again_as_version_6_with_nothing_else_changed(tmp_path):
    """Versions 5 and 6 only added what a version 4 file has none of (a clip's "image_names", "sheet")."""
    path = tmp_path / "v4.stopframe"
    shutil.copyfile(FIXTURES / "v4.stopframe", path)
    expected = {**_fixture(4), "schema_version": 6}
    assert _saved_again(path) == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def version_5_document() -> Project:
    """What tests/fixtures/projects/v5.stopframe was written from (by save_project): the version 4
    document and an image-folder clip with the names of its images (version 5's "image_names", in
    frame order: natural, p_10 after p_2), the background of the shot "alone"."""
    project = version_4_document()
    project.clips["plate"] = ClipRef("clips/plate", 3, 12.0, 64, 48, "crop", ("p_1.png", "p_2.png", "p_10.png"))
    project.shots[1].background = FrameRef("plate", 2)
    return project


def test_version_5_file_loads_into_the_document_it_was_written_from(tmp_path):
    path = tmp_path / "v5.stopframe"
    shutil.copyfile(FIXTURES / "v5.stopframe", path)
    project = load_project(path)
    assert project == version_5_document() and project.load_note is None
    assert _fixture(5)["schema_version"] == 5 and "image_names" not in _fixture(5)["clips"]["walk"]


def test_version_5_file_is_saved_again_as_version_6_with_nothing_else_changed(tmp_path):
    """Version 6 only added what a version 5 file has none of (a clip's "sheet")."""
    path = tmp_path / "v5.stopframe"
    shutil.copyfile(FIXTURES / "v5.stopframe", path)
    expected = {**_fixture(5), "schema_version": 6}
    assert _saved_again(path) == json.dumps(expected, indent=2, ensure_ascii=False) + "\n"


def version_6_document() -> Project:
    """What tests/fixtures/projects/v6.stopframe was written from (by save_project): the version 5
    document and two clips cut from sprite sheets (version 6's "sheet"): row 1 of a grid of 32x32
    cells with a margin and spacing, and the tag "run" of an Aseprite JSON, whose characters move in
    the shot "alone"."""
    project = version_5_document()
    project.clips["hero"] = ClipRef("clips/hero.png", 4, 8.0, 32, 32, "crop", None, SheetGrid((32, 32), 1, 2, 1, 4))
    project.clips["run"] = ClipRef("clips/run.json", 3, 10.0, 24, 32, "letterbox", None, SheetTag("run"))
    project.shots[1].characters += [Character("hero", FrameRef("hero", 1), MotionSource("hero", 0, None, True)),
                                    Character("runner", FrameRef("run", 0), MotionSource("run", 0, 2, False))]
    return project


def test_version_6_file_loads_into_the_document_it_was_written_from(tmp_path):
    path = tmp_path / "v6.stopframe"
    shutil.copyfile(FIXTURES / "v6.stopframe", path)
    project = load_project(path)
    assert project == version_6_document() and project.load_note is None
    assert _fixture(6)["schema_version"] == 6 and "sheet" not in _fixture(6)["clips"]["walk"]


def test_version_6_file_is_saved_again_byte_for_byte(tmp_path):
    path = tmp_path / "v6.stopframe"
    shutil.copyfile(FIXTURES / "v6.stopframe", path)
    _saved_again(path)
    assert path.read_bytes() == (FIXTURES / "v6.stopframe").read_bytes()


@pytest.mark.parametrize(("names", "problem"), [
    (["p_1.png", "p_2.png"], 'clips["plate"].image_names: holds 2 names for 3 frames'),
    (["p_1.png", "../p_2.png", "p_10.png"],
     'clips["plate"].image_names[1]: expected a file name, got string "../p_2.png"'),
    (["p_1.png", 2, "p_10.png"], 'clips["plate"].image_names[1]: expected a string, got 2'),
    ("p_1.png", 'clips["plate"].image_names: expected a list, got string "p_1.png"'),
])
def test_image_names_that_are_not_one_file_name_a_frame_are_refused_in_one_line(tmp_path, names, problem):
    data = _fixture(5)
    data["clips"]["plate"]["image_names"] = names
    path = tmp_path / "v5.stopframe"
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == f"{path}: {problem}"
