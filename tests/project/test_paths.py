"""Clip and model paths (workstation/project/paths.py): stored relative to the project file."""

import json

import pytest

from workstation import project as proj
from workstation.project import (
    ClipRef,
    FrameRef,
    Project,
    ProjectError,
    Shot,
    add_clip,
    clip_path,
    load_project,
    missing_clips,
    save_project,
)


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
