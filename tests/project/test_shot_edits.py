"""Shot management (workstation/project/shots.py): new shots and their names, rename, duplicate,
delete (never the only shot) and move; names stay unique and a move only reorders."""

import copy
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.project.documents import rich_project
from workstation.project import (
    DEFAULT_SHOT_LENGTH,
    MAX_OUTPUT_SIDE,
    ClipRef,
    FrameRef,
    Output,
    Project,
    ProjectError,
    add_blank_shot,
    background_output,
    blank_shot,
    delete_shot,
    duplicate_shot,
    from_dict,
    move_shot,
    neighbour_shot,
    new_shot_name,
    rename_shot,
    to_dict,
    validate,
)


def names(project: Project) -> list[str]:
    return [shot.name for shot in project.shots]


def test_a_new_shot_is_numbered_after_the_shots_there_are_and_skips_taken_numbers():
    project = Project(clips={"plate": ClipRef("/p.png", 1, 12.5, 8, 8)})
    assert new_shot_name(project) == "Shot 1"
    assert add_blank_shot(project) == "Shot 1"
    assert add_blank_shot(project, "Shot 1") == "Shot 2"
    rename_shot(project, "Shot 1", "Shot 3")
    assert new_shot_name(project) == "Shot 4"  # two shots, and "Shot 3" is taken
    validate(project)


def test_the_first_shot_of_a_project_is_over_the_first_clip_at_its_speed():
    project = rich_project()
    project.shots.clear()
    shot = blank_shot(project)
    assert (shot.name, shot.length, shot.fps, shot.background) == ("Shot 1", DEFAULT_SHOT_LENGTH, 25.0,
                                                                  FrameRef("walk", 0))
    assert shot.characters == []
    assert blank_shot(project, first_fps=24.0).fps == 24.0  # the Preferences' rate of a new shot
    assert blank_shot(rich_project(), "intro", first_fps=30.0).fps == 24.0  # a later shot: as the one before
    with pytest.raises(ProjectError, match="a shot needs a background: import a clip first"):
        blank_shot(Project())


def test_a_new_shot_is_its_backgrounds_own_size_crisp():
    project = Project(clips={"hd": ClipRef("/hd.mp4", 10, 24.0, 1280, 720), "tall": ClipRef("/t.png", 1, 12.0, 90, 160),
                             "huge": ClipRef("/h.png", 1, 12.0, 40000, 10000)})
    first = blank_shot(project)
    assert first.output == Output(1280, 720, "crisp")
    project.shots.append(first)
    project.shots.append(replace(first, name="tall", background=FrameRef("tall", 0), output=Output(64, 64, "smooth")))
    assert blank_shot(project, "tall").output == Output(90, 160, "crisp")  # its clip's size, not the shot's
    assert background_output(project.clips["huge"]) == Output(MAX_OUTPUT_SIDE, 4096, "crisp")  # made to fit


def test_a_new_shot_follows_the_current_one_like_it_but_empty():
    project = rich_project()
    name = add_blank_shot(project, "intro")
    assert names(project) == ["intro", "Shot 3", "empty plate"]
    shot = project.shot(name)
    assert (shot.background, shot.fps, shot.length, shot.characters) == (FrameRef("street", 4), 24.0,
                                                                         DEFAULT_SHOT_LENGTH, [])
    assert add_blank_shot(project) == "Shot 4" and names(project)[-1] == "Shot 4"  # no current shot: last
    validate(project)


def test_rename_keeps_names_unique_one_line_and_not_blank():
    project = rich_project()
    assert rename_shot(project, "intro", "  opening  ") == "intro"  # returns the old name
    assert names(project) == ["opening", "empty plate"]
    assert rename_shot(project, "opening", "opening") == "opening"  # its own name: allowed
    for bad, message in (("   ", "must not be blank"), ("", "must not be blank"),
                         ("two\nlines", "must be one line"), ("empty plate", "already a shot named 'empty plate'")):
        with pytest.raises(ProjectError, match=message) as raised:
            rename_shot(project, "opening", bad)
        assert "\n" not in str(raised.value)
    assert names(project) == ["opening", "empty plate"]  # a refused name changes nothing
    with pytest.raises(ProjectError, match="no shot named 'intro'"):
        rename_shot(project, "intro", "again")


def test_duplicate_copies_everything_right_after_the_original_under_a_copy_name():
    project = rich_project()
    original = copy.deepcopy(project.shot("intro"))
    assert duplicate_shot(project, "intro") == "intro copy"
    assert duplicate_shot(project, "intro") == "intro copy 2"
    assert names(project) == ["intro", "intro copy 2", "intro copy", "empty plate"]
    duplicate = project.shot("intro copy")
    assert duplicate.characters == original.characters and duplicate.background == original.background
    duplicate.characters[0].keyframes.clear()
    assert project.shot("intro").characters[0].keyframes  # a copy, not the same lists
    assert duplicate_shot(project, "empty plate", "plate again") == "plate again"
    with pytest.raises(ProjectError, match="already a shot named 'intro'"):
        duplicate_shot(project, "empty plate", "intro")
    validate(project)


def test_delete_removes_any_shot_but_the_only_one():
    project = rich_project()
    assert neighbour_shot(project, "intro") == "empty plate"
    assert neighbour_shot(project, "empty plate") == "intro"  # the last: the one before
    index, shot = delete_shot(project, "intro")
    assert (index, shot.name, names(project)) == (0, "intro", ["empty plate"])
    assert neighbour_shot(project, "empty plate") is None
    with pytest.raises(ProjectError, match="'empty plate' is the only shot and cannot be deleted"):
        delete_shot(project, "empty plate")
    assert names(project) == ["empty plate"]


def test_move_is_clamped_and_returns_the_index_to_undo_it():
    project = rich_project()
    add_blank_shot(project, "empty plate")
    assert names(project) == ["intro", "empty plate", "Shot 3"]
    assert move_shot(project, "Shot 3", 0) == 2
    assert names(project) == ["Shot 3", "intro", "empty plate"]
    assert move_shot(project, "Shot 3", 99) == 0
    assert names(project) == ["intro", "empty plate", "Shot 3"]
    assert move_shot(project, "intro", -5) == 0 and names(project)[0] == "intro"
    move_shot(project, "empty plate", 0)
    move_shot(project, "empty plate", 1)  # undone
    assert names(project) == ["intro", "empty plate", "Shot 3"]


def test_the_new_order_and_names_survive_a_save():
    project = rich_project()
    rename_shot(project, "intro", "opening")
    duplicate_shot(project, "opening")
    move_shot(project, "empty plate", 0)
    assert names(from_dict(to_dict(project))) == ["empty plate", "opening", "opening copy"]


OPERATIONS = st.lists(st.tuples(st.sampled_from(["add", "rename", "duplicate", "delete", "move"]),
                                st.integers(0, 10), st.text(max_size=6)), max_size=25)


@settings(max_examples=150, deadline=None)
@given(OPERATIONS)
def test_any_sequence_of_shot_edits_keeps_a_valid_project_with_unique_names(operations):
    project = rich_project()
    for operation, number, text in operations:
        target = project.shots[number % len(project.shots)].name
        before = names(project)
        try:
            if operation == "add":
                add_blank_shot(project, target)
            elif operation == "rename":
                rename_shot(project, target, text)
            elif operation == "duplicate":
                duplicate_shot(project, target)
            elif operation == "delete":
                delete_shot(project, target)
            else:
                move_shot(project, target, number - 3)
                assert sorted(names(project)) == sorted(before)  # a move only reorders
        except ProjectError as error:
            assert "\n" not in str(error)
            assert names(project) == before  # a refused edit changes nothing
        after = names(project)
        assert len(set(after)) == len(after) and all(name.strip() == name and name for name in after)
        assert len(after) >= 1
        assert len(after) - len(before) == {"add": 1, "duplicate": 1, "delete": -1}.get(operation, 0) or after == before
        validate(project)
