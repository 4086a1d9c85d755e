"""The value types (workstation/project/values.py): frozen values, a deep copy, no UI imports."""

import subprocess
import sys
from dataclasses import replace

import pytest

from tests.project.documents import ROOT, rich_project
from workstation.project import (
    MAX_OUTPUT_SIDE,
    OUTPUT_MULTIPLES,
    ClipRef,
    FrameRef,
    Keyframe,
    Output,
    Pose,
    Shot,
    copy_project,
    set_keyframe,
)


def test_keyframe_and_frame_refs_are_frozen_values():
    key = Keyframe(1)
    with pytest.raises(AttributeError):
        key.frame = 2  # type: ignore[misc]
    assert replace(key, pose=Pose(2.0)) == Keyframe(1, Pose(2.0))


def test_module_imports_no_ui_or_ml_stack():
    code = ("import sys, workstation.project; "
            "bad = {'torch', 'PySide6', 'cv2', 'onnxruntime'} & set(sys.modules); "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_copy_project_copies_everything_it_holds():
    original = rich_project()
    copy = copy_project(original)
    assert copy == original and copy is not original
    copy.shots[0].length = 3
    copy.shots[0].characters[0].keyframes[1] = Keyframe(5, Pose(tx=99.0))
    set_keyframe(copy.shots[0].characters[1], Keyframe(2))
    copy.shots[0].characters[2].name = "renamed"
    copy.shots.append(Shot("more", 1, 1.0, FrameRef("walk", 0)))
    copy.clips["walk"] = ClipRef("elsewhere.mp4", 10, 25.0, 320, 240)
    del copy.clips["street"]
    copy.model = None
    assert original == rich_project()
    assert original.shots[0].characters[0].keyframes[1].pose.tx == 0.1
    assert original.shots[0].characters[1].keyframes == []


def test_an_output_is_its_size_in_pixels():
    output = Output(1280, 720, "smooth")
    assert output.size == (1280, 720) and output.describe() == "1280×720 smooth"
    assert Output() == Output(256, 256, "crisp") and Output().describe() == "256×256 crisp"
    with pytest.raises(AttributeError):
        output.width = 3  # type: ignore[misc]


def test_the_largest_output_is_the_largest_frame_written_and_the_multiples_are_whole():
    from workstation.output.formats import MAX_SIDE

    assert MAX_OUTPUT_SIDE == MAX_SIDE == 16384
    assert OUTPUT_MULTIPLES == (1, 2, 4, 8)


def test_where_loading_had_to_assume_something_is_not_content():
    project, noted = rich_project(), rich_project()
    noted.load_note = "upgraded from schema 3 assuming a 64-pixel model square (m/model.json: not found)"
    assert noted == project and copy_project(noted).load_note == noted.load_note
