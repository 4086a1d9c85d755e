"""The first-run demo: the shipped clips (scripts/make_demo_media.py) and the demo project over them."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT, assert_one_line_exit_2, run_cli
from workstation import project as document
from workstation.demos.digit_demo import (
    CLIP_FILES,
    DEMO_CLIPS,
    build_demo_project,
    default_demo_folder,
    write_demo_project,
)
from workstation.media import probe
from workstation.render.shot_frames import open_engine, render_shot

SCRIPT = ROOT / "scripts" / "make_demo_media.py"
CHARACTER_CLIPS = ("digit-2-sway", "digit-5-square", "digit-7-drift")


def load_script():
    spec = importlib.util.spec_from_file_location("make_demo_media", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the script runs
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return load_script()


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def frame_files(clip):
    return sorted((DEMO_CLIPS / clip).glob("frame_*.png"))


# -- the clips ----------------------------------------------------------------------------------

def test_every_clip_has_the_frames_the_script_wrote(script):
    assert {c.name for c in script.CHARACTER_CLIPS} == set(CHARACTER_CLIPS)
    for name, file_name in CLIP_FILES.items():
        info = probe(DEMO_CLIPS / file_name)
        expected = script.CLIP_LENGTH if name in CHARACTER_CLIPS else 1
        assert (info.frame_count, info.width, info.height) == (expected, 64, 64), name
    for clip in CHARACTER_CLIPS:
        assert [f.name for f in frame_files(clip)] == [f"frame_{k:04d}.png" for k in range(script.CLIP_LENGTH)]


def test_the_shipped_clips_are_what_the_script_makes(script, mnist_dir, tmp_path):
    written = script.make_clips(mnist_dir, tmp_path, print_line=lambda line: None)
    assert len(written) == len(CLIP_FILES)
    fresh = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.png"))
    shipped = sorted(p.relative_to(DEMO_CLIPS) for p in DEMO_CLIPS.rglob("*.png"))
    assert fresh == shipped
    for relative in shipped:
        assert np.array_equal(read_rgb(tmp_path / relative), read_rgb(DEMO_CLIPS / relative)), relative


def test_every_pose_is_a_few_training_moves_from_frame_0(script):
    assert script.moves_needed(0, 0, 0) == 0
    assert script.moves_needed(15, 10, -10) == 2
    assert script.moves_needed(18, 0, 0) == 2
    assert script.moves_needed(0, 0, 4) == 2  # one translation moves both axes
    assert script.moves_needed(-30, 12, 12) == 4
    for clip in script.CHARACTER_CLIPS:
        offsets = script.clip_offsets(clip.name)
        assert len(offsets) == script.CLIP_LENGTH and offsets[0] == (0, 0, 0)
        for k, (rotation, dx, dy) in enumerate(offsets):
            assert abs(rotation) <= 30 and abs(dx) <= 12 and abs(dy) <= 12, (clip.name, k)
            assert script.moves_needed(rotation, dx, dy) <= script.MAX_MOVES, (clip.name, k)
        # Gentle and looping: each frame, the last one included, is one or two moves on from the one before.
        for k, (now, then) in enumerate(zip(offsets, offsets[1:] + offsets[:1])):
            assert 1 <= script.moves_needed(*(b - a for a, b in zip(now, then))) <= 2, (clip.name, k)


def test_the_shipped_frames_move_as_little_as_the_poses_say():
    """The ink (pure black) centroid of every frame stays near that of frame 0 (±12 px plus what a
    30 degree turn about the box centre moves it)."""
    for clip in CHARACTER_CLIPS:
        centroids = [np.argwhere(read_rgb(f).max(axis=2) == 0).mean(axis=0) for f in frame_files(clip)]
        assert np.abs(np.array(centroids) - centroids[0]).max() <= 15, clip


def test_the_script_says_so_in_one_line_when_mnist_is_missing(tmp_path):
    done = subprocess.run([sys.executable, str(SCRIPT), "--data-dir", str(tmp_path / "nowhere"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert_one_line_exit_2(done, "MNIST", "nowhere")
    assert not (tmp_path / "out").exists()


# -- the project --------------------------------------------------------------------------------

def test_the_demo_project_validates_and_points_at_the_shipped_clips():
    project = build_demo_project()
    document.validate(project)
    assert project.model is None
    assert [shot.name for shot in project.shots] == ["demo", "sway", "by hand", "duet"]
    for name, file_name in CLIP_FILES.items():
        assert document.clip_path(project, name) == DEMO_CLIPS / file_name
    demo = project.shot("demo")
    assert (demo.length, demo.fps, demo.background) == (24, 12.0, document.FrameRef("backdrop-1", 0))
    assert [c.name for c in demo.characters] == ["digit 2"]
    two, seven = project.shot("duet").character("digit 2"), project.shot("duet").character("digit 7")
    assert two.source == document.FrameRef("digit-2-sway", 0)
    assert two.motion == document.MotionSource("digit-5-square", 0, None, loop=True)
    assert seven.motion == document.MotionSource("digit-7-drift", 0, None, loop=True)
    assert project.shot("sway").character("digit 5").motion.clip == "digit-2-sway"


def test_the_demo_shots_come_out_as_they_always_did():
    """256 x 256 crisp (4x the demo model's 64-pixel square); the 7's keys move it as many of the
    model's pixels as before version 4 (offsets are fractions of the square's side)."""
    project = build_demo_project()
    assert {shot.output for shot in project.shots} == {document.Output(256, 256, "crisp")}
    keys = project.shot("by hand").character("digit 7").keyframes
    assert [(key.pose.tx * 64, key.pose.ty * 64) for key in keys] == [(-26.0, 6.0), (-12.0, -4.0), (2.0, 6.0)]


def test_the_demo_project_round_trips_through_a_file(tmp_path):
    project = build_demo_project()
    path = tmp_path / "copy.stopframe"
    document.save_project(project, path)
    loaded = document.load_project(path)
    assert loaded == project
    assert document.to_dict(loaded) == document.to_dict(project)
    assert document.missing_clips(loaded) == []


def test_write_demo_project_never_overwrites_the_users_file(tmp_path):
    folder = tmp_path / "data" / "stopframe" / "demo"
    path = write_demo_project(folder)
    assert path == folder / "demo.stopframe"
    project = document.load_project(path)
    assert document.clip_path(project, "backdrop-1") == DEMO_CLIPS / "backdrop-1.png"
    project.shot("demo").fps = 6.0
    document.save_project(project, path)
    edited = path.read_bytes()
    assert write_demo_project(folder) == path
    assert path.read_bytes() == edited


def test_a_missing_clips_folder_is_one_line_naming_it(tmp_path):
    with pytest.raises(document.ProjectError, match=re.escape(str(tmp_path / "gone"))) as caught:
        build_demo_project(tmp_path / "gone")
    assert "\n" not in str(caught.value)
    with pytest.raises(document.ProjectError):
        write_demo_project(tmp_path / "demo", tmp_path / "gone")
    assert not (tmp_path / "demo" / "demo.stopframe").exists()


@pytest.mark.skipif(sys.platform != "linux", reason="the XDG folders are Linux's (platformdirs picks the others)")
def test_the_default_folder_is_the_users_data_folder(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert default_demo_folder() == tmp_path / "stopframe" / "demo"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_demo_folder() == tmp_path / "home" / ".local" / "share" / "stopframe" / "demo"


def test_the_demo_project_command_writes_it_once_and_says_where(tmp_path):
    done = run_cli("demo-project", "--out", tmp_path / "mine")
    path = tmp_path / "mine" / "demo.stopframe"
    assert done.returncode == 0 and done.stdout.strip() == str(path), done.stderr
    project = document.load_project(path)
    assert [shot.name for shot in project.shots] == [shot.name for shot in build_demo_project().shots]
    assert {name: document.clip_path(project, name) for name in project.clips} == {
        name: DEMO_CLIPS / file_name for name, file_name in CLIP_FILES.items()}
    project.shot("demo").fps = 6.0
    document.save_project(project, path)
    edited = path.read_bytes()
    assert run_cli("demo-project", "--out", tmp_path / "mine").stdout.strip() == str(path)
    assert path.read_bytes() == edited
    default = run_cli("demo-project", env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")})
    assert default.returncode == 0, default.stderr
    assert default.stdout.strip() == str(tmp_path / "data" / "stopframe" / "demo" / "demo.stopframe")
    assert Path(default.stdout.strip()).is_file()


# -- rendering with the bundled demo model ------------------------------------------------------

def test_the_duet_shot_renders_and_both_characters_move():
    project = build_demo_project()
    engine = open_engine(project)
    frames = np.stack(list(render_shot(engine, project, "duet")))
    assert frames.shape == (24, 3, 256, 256) and frames.dtype == np.float32  # the shot's output size
    assert frames.min() >= 0.0 and frames.max() <= 1.0
    assert np.abs(frames[6] - frames[0]).mean() > 0.01
    for keep in ("digit 2", "digit 7"):  # each character's motion on its own changes the picture
        alone = document.copy_project(project)
        shot = alone.shot("duet")
        shot.characters = [shot.character(keep)]
        first, sixth = render_shot(engine, alone, "duet", range(0, 7, 6))
        assert np.abs(sixth - first).mean() > 0.01, keep


def test_the_by_hand_shot_moves_by_its_keys_alone():
    project = build_demo_project()
    engine = open_engine(project)
    seven = project.shot("by hand").character("digit 7")
    assert seven.motion is None and [key.frame for key in seven.keyframes] == [0, 12, 23]
    first, middle, last = render_shot(engine, project, "by hand", (0, 12, 23))
    assert np.abs(middle - first).mean() > 0.01 and np.abs(last - middle).mean() > 0.01
    seven.keyframes = []
    first, last = render_shot(engine, project, "by hand", (0, 23))
    assert np.array_equal(first, last)


# -- dependencies -------------------------------------------------------------------------------

def test_neither_the_script_nor_the_demo_project_imports_torch_or_qt():
    heavy = re.compile(r"^\s*(import|from)\s+(torch|PySide6)\b", re.MULTILINE)
    for source in [SCRIPT, ROOT / "workstation" / "demos" / "digit_demo.py"]:
        assert not heavy.search(source.read_text()), source
    check = ("import sys, runpy; import workstation.demos.digit_demo; runpy.run_path(sys.argv[1]); "
             "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", check, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT,
                          timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stderr
