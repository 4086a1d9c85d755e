"""Render requests (workstation/project/requests.py): keyframe interpolation, motion frames, ranges."""

import pytest

from tests.project.documents import one_line, rich_project
from workstation.project import (
    Character,
    CharacterRequest,
    ClipRef,
    FrameRef,
    FrameRequest,
    Keyframe,
    MotionRequest,
    MotionSource,
    Output,
    Pose,
    ProjectError,
    pose_at,
    render_requests,
    set_keyframe,
    validate,
)


def _keyed(interpolation):
    return Character("c", FrameRef("walk", 0), None,
                     [Keyframe(10, Pose(0.0, 10.0, 0.0, 1.0)), Keyframe(20, Pose(10.0, 30.0, 90.0, 3.0))],
                     interpolation)


def test_pose_at_without_keys_is_identity():
    assert pose_at(Character("c", FrameRef("walk", 0)), 5) == Pose(0.0, 0.0, 0.0, 1.0)


@pytest.mark.parametrize("interpolation", ["linear", "step", "smooth"])
def test_pose_at_holds_before_first_and_after_last_key(interpolation):
    character = _keyed(interpolation)
    assert pose_at(character, 0) == pose_at(character, 10) == Pose(0.0, 10.0, 0.0, 1.0)
    assert pose_at(character, 20) == pose_at(character, 99) == Pose(10.0, 30.0, 90.0, 3.0)


def test_pose_at_linear():
    assert pose_at(_keyed("linear"), 15) == Pose(5.0, 20.0, 45.0, 2.0)
    pose = pose_at(_keyed("linear"), 12)
    assert (pose.tx, pose.ty, pose.rotation, pose.scale) == pytest.approx((2.0, 14.0, 18.0, 1.4))


def test_pose_at_step():
    assert pose_at(_keyed("step"), 19) == Pose(0.0, 10.0, 0.0, 1.0)


def test_pose_at_smooth_eases_in_and_out():
    character = _keyed("smooth")
    assert pose_at(character, 15) == Pose(5.0, 20.0, 45.0, 2.0)  # symmetric about the middle
    early, late = pose_at(character, 12), pose_at(character, 18)
    assert early.tx == pytest.approx(10 * (0.2 ** 2 * (3 - 0.4)))  # smoothstep(0.2) = 0.104
    assert early.tx < 2.0 and late.tx > 8.0  # slower than linear near the keys
    assert early.tx + late.tx == pytest.approx(10.0)


def test_pose_at_with_three_keys_uses_the_right_segment():
    character = _keyed("linear")
    set_keyframe(character, Keyframe(30, Pose(0.0, 0.0, 0.0, 1.0)))
    assert pose_at(character, 25).tx == pytest.approx(5.0)
    assert pose_at(character, 20) == Pose(10.0, 30.0, 90.0, 3.0)


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


def test_render_requests_unknown_shot():
    with pytest.raises(ProjectError, match="no shot named 'outro'"):
        render_requests(rich_project(), "outro")


def test_render_requests_trusts_the_document():
    """The document is validated where it enters (load, edit), not on each of the several render
    requests of every displayed frame: a problem elsewhere in the project does not stop them."""
    project = rich_project()
    project.shots[1].fps = 0.0  # invalid, but not about the frames of "intro"
    project.clips["unused"] = ClipRef("", 0, 0.0, 0, 0)
    with pytest.raises(ProjectError):
        validate(project)
    assert render_requests(project, "intro") == render_requests(rich_project(), "intro")


def test_render_requests_name_the_characters_back_to_front_and_leave_hidden_ones_out():
    project = rich_project()
    assert [c.name for c in render_requests(project, "intro", [0])[0].characters] == ["walker", "dancer", "still"]
    project.shots[0].characters.reverse()  # the z-order: the last is drawn on top
    assert [c.name for c in render_requests(project, "intro", [0])[0].characters] == ["still", "dancer", "walker"]
    project.shots[0].character("dancer").hidden = True
    requests = render_requests(project, "intro")
    assert all([c.name for c in r.characters] == ["still", "walker"] for r in requests)
    assert [r.characters[1].motion.frame for r in requests] == [2 + k for k in range(8)]  # walker as before
    for character in project.shots[0].characters:
        character.hidden = True
    assert all(r.characters == () for r in render_requests(project, "intro"))  # the plate alone


def test_character_request_name_defaults_to_empty():
    request = CharacterRequest(FrameRef("walk", 0), None, Pose())
    assert request.name == "" and request == CharacterRequest(FrameRef("walk", 0), None, Pose(), "")


def test_every_request_carries_its_shots_output():
    """The engine renders each request at its output size; one built by hand (no output) means the
    model's square itself."""
    project = rich_project()
    project.shots[0].output = Output(1280, 720, "smooth")
    assert {r.output for r in render_requests(project, "intro")} == {Output(1280, 720, "smooth")}
    assert render_requests(project, "empty plate")[0].output == Output()
    by_hand = FrameRequest("intro", 0, FrameRef("walk", 0), ())
    assert by_hand.output is None
    assert by_hand != FrameRequest("intro", 0, FrameRef("walk", 0), (), Output())
