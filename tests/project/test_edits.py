"""The editing helpers (workstation/project/edits.py): unique names, clips removed and renamed, keys in order."""


import pytest

from tests.project.documents import one_line, rich_project
from workstation import project as proj
from workstation.project import (
    Character,
    ClipRef,
    FrameRef,
    Keyframe,
    Pose,
    Project,
    ProjectError,
    Shot,
    add_character,
    add_clip,
    add_shot,
    remove_clip,
    remove_keyframe,
    remove_shot,
    set_keyframe,
    validate,
)


def test_add_clip_makes_names_unique():
    project = Project()
    clip = ClipRef("/x.mp4", 1, 1.0, 1, 1)
    assert [add_clip(project, "walk", clip) for _ in range(3)] == ["walk", "walk 2", "walk 3"]
    assert add_clip(project, "walk 2", clip) == "walk 2 2"
    assert list(project.clips) == ["walk", "walk 2", "walk 3", "walk 2 2"]


def test_remove_clip_refuses_while_used():
    project = rich_project()
    with pytest.raises(ProjectError) as refused:
        remove_clip(project, "street")
    assert one_line(refused) == "street is used by shot 'intro' (background)"  # said where, not as JSON paths
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


def test_neighbour_key_finds_the_nearest_key_each_way():
    character = proj.Character("c", proj.FrameRef("clip", 0),
                               keyframes=[proj.Keyframe(2), proj.Keyframe(7), proj.Keyframe(12)])
    assert [proj.neighbour_key(character, f, 1) for f in (0, 2, 5, 7, 12, 30)] == [2, 7, 7, 12, None, None]
    assert [proj.neighbour_key(character, f, -1) for f in (0, 2, 5, 7, 12, 30)] == [None, None, 2, 2, 7, 12]
    assert proj.neighbour_key(proj.Character("d", proj.FrameRef("clip", 0)), 3, 1) is None


def test_set_hidden_returns_the_previous_value_and_keeps_the_character():
    project = rich_project()
    shot = project.shots[0]
    assert proj.set_hidden(shot, "dancer", True) is False
    assert shot.character("dancer").hidden is True
    assert proj.set_hidden(shot, "dancer", True) is True  # already hidden: unchanged
    assert [c.name for c in shot.characters] == ["walker", "dancer", "still"]
    validate(project)
    assert proj.set_hidden(shot, "dancer", False) is True
    assert project == rich_project()
    with pytest.raises(ProjectError, match="has no character 'ghost'"):
        proj.set_hidden(shot, "ghost", True)


@pytest.mark.parametrize("name, index, previous, order", [
    ("walker", 2, 0, ["dancer", "still", "walker"]),  # to the front
    ("still", 0, 2, ["still", "walker", "dancer"]),  # to the back
    ("dancer", 2, 1, ["walker", "still", "dancer"]),  # one forward
    ("dancer", 0, 1, ["dancer", "walker", "still"]),  # one backward
    ("dancer", 1, 1, ["walker", "dancer", "still"]),  # where it is
    ("walker", 99, 0, ["dancer", "still", "walker"]),  # clamped to the front
    ("still", -5, 2, ["still", "walker", "dancer"]),  # clamped to the back
])
def test_move_character_changes_the_z_order(name, index, previous, order):
    project = rich_project()
    shot = project.shots[0]
    before = [c.name for c in shot.characters]
    assert proj.move_character(shot, name, index) == previous
    assert [c.name for c in shot.characters] == order
    validate(project)
    proj.move_character(shot, name, previous)  # the undo
    assert [c.name for c in shot.characters] == before
    assert project == rich_project()


def test_move_character_of_an_unknown_name_changes_nothing():
    project = rich_project()
    with pytest.raises(ProjectError, match="has no character 'ghost'"):
        proj.move_character(project.shots[0], "ghost", 0)
    assert project == rich_project()


def test_where_a_clip_is_used_is_said_in_words():
    project = rich_project()
    assert proj.clip_use(project, "walk") == "shot 'empty plate' (background) and 2 characters"  # source + motion
    assert proj.clip_use(project, "dance é") == "character 'dancer' of shot 'intro'"
    project.shots.append(Shot("outro", 2, 12.0, FrameRef("walk", 0)))
    project.shots.append(Shot("credits", 2, 12.0, FrameRef("walk", 0)))
    project.shots.append(Shot("bonus", 2, 12.0, FrameRef("walk", 0)))
    assert proj.clip_use(project, "walk") == ("shots 'empty plate', 'outro', 'credits' and 1 more (background) "
                                             "and 2 characters")
    project.shots[0].characters.clear()
    del project.shots[1:]
    assert proj.clip_use(project, "walk") is None
    with pytest.raises(ProjectError) as refused:
        remove_clip(project, "street")
    assert one_line(refused) == "street is used by shot 'intro' (background)"
    with pytest.raises(ProjectError, match="there is no clip named 'ghost'"):
        remove_clip(project, "ghost")


def test_rename_clip_carries_every_use_along_and_keeps_its_place():
    project = rich_project()
    assert proj.rename_clip(project, "walk", "  stroll ") == "walk"  # outer spaces dropped
    assert list(project.clips) == ["stroll", "street", "dance é"]  # the Library's order kept
    assert project.clips["stroll"] == rich_project().clips["walk"]
    intro, plate = project.shots
    walker, dancer, still = intro.characters
    assert walker.source == FrameRef("stroll", 3) and walker.motion == proj.MotionSource("stroll", 2, None, True)
    assert still.source == FrameRef("stroll", 0) and plate.background == FrameRef("stroll", 9)
    assert dancer.source.clip == "dance é" and intro.background.clip == "street"  # other clips' uses unchanged
    validate(project)
    assert proj.rename_clip(project, "stroll", "walk") == "stroll"  # the undo: the same project again
    assert project == rich_project()


@pytest.mark.parametrize("new_name, problem", [
    ("", "a clip's name must not be blank"),
    ("   ", "a clip's name must not be blank"),
    ("two\nlines", "a clip's name must be one line"),
    ("street", "there is already a clip named 'street'"),
    (" street ", "there is already a clip named 'street'"),
])
def test_rename_clip_refuses_a_blank_or_taken_name(new_name, problem):
    project = rich_project()
    with pytest.raises(ProjectError) as refused:
        proj.rename_clip(project, "walk", new_name)
    assert one_line(refused) == problem
    assert project == rich_project()


def test_rename_clip_to_its_own_name_or_of_an_unknown_clip():
    project = rich_project()
    assert proj.rename_clip(project, "walk", "walk ") == "walk" and project == rich_project()
    with pytest.raises(ProjectError, match="there is no clip named 'ghost'"):
        proj.rename_clip(project, "ghost", "spirit")
