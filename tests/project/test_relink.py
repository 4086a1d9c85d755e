"""Clips that moved (workstation/project/relink.py): the user shows one, the rest of the folder follows."""

import json

import pytest

from workstation.project import (
    ClipRef,
    FrameRef,
    Project,
    ProjectError,
    Shot,
    load_project,
    missing_clips,
    save_project,
)
from workstation.project.relink import found_in_folder, located_clip, missing_line, relink_clips, relink_from


@pytest.fixture
def moved(tmp_path):
    """A saved project whose clips were in ``footage/`` (a video, an image folder, a still) and in
    ``other/``; ``footage/`` was renamed ``footage-2024/`` since, and ``other/`` is gone."""
    film = tmp_path / "film"
    footage = film / "footage-2024"
    (footage / "dance").mkdir(parents=True)
    (footage / "dance" / "0001.png").write_bytes(b"")
    (footage / "walk.mp4").write_bytes(b"")
    (footage / "field.png").write_bytes(b"")
    project = Project(path=film / "film.stopframe", clips={
        "walk": ClipRef("footage/walk.mp4", 10, 25.0, 64, 64),
        "dance": ClipRef("footage/dance", 8, 12.0, 64, 64),
        "field": ClipRef("footage/field.png", 1, 1.0, 64, 64),
        "sky": ClipRef("other/sky.png", 1, 1.0, 64, 64),
    }, shots=[Shot("intro", 4, 12.0, FrameRef("field", 0))])
    return project


def test_missing_clips_are_named_in_one_line(moved, tmp_path):
    missing = missing_clips(moved)
    assert [name for name, _ in missing] == ["walk", "dance", "field", "sky"]
    line = missing_line(missing)
    assert "\n" not in line and line.startswith("4 clips are missing")
    assert all(f"'{name}'" in line for name in ("walk", "dance", "field", "sky"))
    assert str(tmp_path / "film" / "other" / "sky.png") in line
    assert missing_line(missing[3:]) == f"clip 'sky' is missing: looked for {tmp_path / 'film' / 'other' / 'sky.png'}"


def test_picking_one_clip_finds_the_others_in_the_same_folder(moved, tmp_path):
    footage = tmp_path / "film" / "footage-2024"
    found = relink_from(moved, "walk", footage / "walk.mp4")
    assert found == {"walk": footage / "walk.mp4", "dance": footage / "dance", "field": footage / "field.png"}
    assert [name for name, _ in missing_clips(moved)] == ["walk", "dance", "field", "sky"]  # changes nothing

    relink_clips(moved, found)
    assert missing_clips(moved) == [("sky", tmp_path / "film" / "other" / "sky.png")]
    assert moved.clips["walk"].path == "footage-2024/walk.mp4"  # relative to the project file, as stored
    assert moved.clips["dance"] == ClipRef("footage-2024/dance", 8, 12.0, 64, 64)  # only the path changes


def test_an_image_folder_clip_is_found_by_picking_one_of_its_frames(moved, tmp_path):
    footage = tmp_path / "film" / "footage-2024"
    assert located_clip(footage / "dance" / "0001.png", tmp_path / "footage" / "dance") == footage / "dance"
    assert located_clip(footage / "walk.mp4", tmp_path / "footage" / "walk.mp4") == footage / "walk.mp4"
    assert relink_from(moved, "dance", footage / "dance" / "0001.png")["dance"] == footage / "dance"


def test_a_renamed_file_is_taken_as_the_clip_the_user_picked_it_for(moved, tmp_path):
    renamed = tmp_path / "elsewhere" / "sky-final.png"
    renamed.parent.mkdir()
    renamed.write_bytes(b"")
    assert relink_from(moved, "sky", renamed) == {"sky": renamed}  # nothing else missing is there


def test_only_missing_clips_are_found_and_relinked(moved, tmp_path):
    assert found_in_folder(moved, tmp_path / "nowhere") == {}
    relink_clips(moved, relink_from(moved, "walk", tmp_path / "film" / "footage-2024" / "walk.mp4"))
    with pytest.raises(ProjectError, match="clip 'walk' is not missing"):
        relink_from(moved, "walk", tmp_path / "film" / "footage-2024" / "walk.mp4")
    with pytest.raises(ProjectError, match="does not exist"):
        relink_from(moved, "sky", tmp_path / "gone.png")
    with pytest.raises(ProjectError, match="unknown clip 'nope'"):
        relink_clips(moved, {"nope": tmp_path})


def test_relinked_paths_are_saved_relative_to_the_project_file(moved, tmp_path):
    footage = tmp_path / "film" / "footage-2024"
    relink_clips(moved, relink_from(moved, "field", footage / "field.png"))
    save_project(moved, moved.path)
    stored = json.loads(moved.path.read_text())
    assert stored["clips"]["walk"]["path"] == "footage-2024/walk.mp4"
    assert stored["clips"]["sky"]["path"] == "other/sky.png"  # still missing: kept as it was
    assert [name for name, _ in missing_clips(load_project(moved.path))] == ["sky"]


def test_an_unsaved_project_stores_absolute_paths(tmp_path):
    clip = tmp_path / "new" / "walk.mp4"
    clip.parent.mkdir()
    clip.write_bytes(b"")
    project = Project(clips={"walk": ClipRef((tmp_path / "old" / "walk.mp4").as_posix(), 1, 1.0, 1, 1)})
    relink_clips(project, relink_from(project, "walk", clip))
    assert project.clips["walk"].path == clip.as_posix()
