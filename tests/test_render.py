"""`main.py render`: a project built from clips written here, rendered to PNG, MP4 and GIF."""

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import assert_one_line_exit_2, run_cli
from workstation import project as document
from workstation.media import probe
from workstation.render.shot_frames import open_engine


def to_bgr8(frame):
    return cv2.cvtColor((frame.transpose(1, 2, 0) * 255).round().astype(np.uint8), cv2.COLOR_RGB2BGR)


@pytest.fixture
def studio(tmp_path, test_split, anchored_bundle):
    """A project folder with a Moving MNIST clip as MP4, another as a PNG folder, and a still."""
    rng = np.random.default_rng(0)
    clips = tmp_path / "clips"
    (clips / "dance").mkdir(parents=True)
    walk = test_split.frames(test_split.random_video(rng, length=12))
    writer = cv2.VideoWriter(str(clips / "walk.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 12, (64, 64))
    for frame in walk:
        writer.write(to_bgr8(frame))
    writer.release()
    for index, frame in enumerate(test_split.frames(test_split.random_video(rng, length=8))):
        cv2.imwrite(str(clips / "dance" / f"dance_{index}.png"), to_bgr8(frame))
    cv2.imwrite(str(clips / "field.png"), to_bgr8(test_split.render(None, None, background=5)))

    project = document.Project(model=str(anchored_bundle[1]))
    for name, path in (("walk", clips / "walk.mp4"), ("dance", clips / "dance"), ("field", clips / "field.png")):
        info = probe(path)
        document.add_clip(project, name, document.ClipRef(str(path), info.frame_count, info.fps, info.width,
                                                          info.height))
    walker = document.Character("walker", document.FrameRef("walk", 0),
                                motion=document.MotionSource("dance", 0, None, loop=True),
                                keyframes=[document.Keyframe(0),
                                           document.Keyframe(9, document.Pose(tx=0.15625, rotation=30))])
    # The shot's output is the default 256x256, 4x the 64-pixel field clip and model square.
    document.add_shot(project, document.Shot("intro", 10, 12.0, document.FrameRef("field", 0), [walker]))
    path = tmp_path / "film.stopframe"
    document.save_project(project, path)
    return path


def read_video_frames(path: Path) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(path))
    frames = []
    while True:
        ok, frame = capture.read()
        if not ok:
            return frames
        frames.append(frame)


def test_clips_import_with_their_true_frame_counts(studio):
    project = document.load_project(studio)
    assert {name: clip.frame_count for name, clip in project.clips.items()} == {"walk": 12, "dance": 8, "field": 1}
    assert project.clips["walk"].path == "clips/walk.mp4"  # stored relative to the project file


def test_render_to_png_mp4_and_gif(studio, tmp_path):
    done = run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "png"), "--format", "png",
               "--scale", "2", "--quiet")
    assert done.returncode == 0, done.stderr
    assert "rendering on" in done.stderr
    pngs = sorted((tmp_path / "png").glob("frame_*.png"))
    assert [p.name for p in pngs[:2]] == ["frame_0000.png", "frame_0001.png"] and len(pngs) == 10
    assert cv2.imread(str(pngs[0])).shape == (512, 512, 3)  # twice the shot's own 256x256

    assert run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "shot.mp4"), "--format", "mp4",
               "--scale", "3", "--quiet").returncode == 0
    frames = read_video_frames(tmp_path / "shot.mp4")
    assert len(frames) == 10 and frames[0].shape == (768, 768, 3)

    assert run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "shot.gif"), "--format", "gif",
               "--fps", "8", "--quiet").returncode == 0
    ok, animation = cv2.imreadanimation(str(tmp_path / "shot.gif"))
    assert ok and len(animation.frames) == 10 and animation.frames[0].shape[:2] == (256, 256)  # the shot's output
    assert all(abs(d - 125) <= 10 for d in animation.durations)

    # Each PNG is the engine's rendering of that frame's request at twice the shot's size.
    project = document.load_project(studio)
    engine = open_engine(project)
    twice = document.Output(512, 512, project.shot("intro").output.scaling)
    expected = engine.render_requests([replace(r, output=twice) for r in document.render_requests(project, "intro")])
    for png, image in zip(pngs, expected, strict=True):
        written = cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB)
        assert np.abs(written.astype(int) - (image.transpose(1, 2, 0) * 255).round()).max() <= 1


def test_render_a_range_and_never_overwrite_without_force(studio, tmp_path):
    out = tmp_path / "part.mp4"
    assert run_cli("render", str(studio), "--shot", "intro", "--out", str(out), "--format", "mp4", "--range", "2:6",
               "--quiet").returncode == 0
    assert len(read_video_frames(out)) == 4
    before = out.read_bytes()
    again = run_cli("render", str(studio), "--shot", "intro", "--out", str(out), "--format", "mp4", "--quiet")
    assert again.returncode == 2 and "pass --force" in again.stderr and again.stderr.count("\n") == 1
    assert out.read_bytes() == before
    assert run_cli("render", str(studio), "--shot", "intro", "--out", str(out), "--format", "mp4", "--force",
               "--quiet").returncode == 0
    assert len(read_video_frames(out)) == 10


def test_a_video_that_does_not_decode(studio, tmp_path):
    broken = studio.parent / "clips" / "walk.mp4"
    broken.write_bytes(b"\x00\x00\x00\x18ftypmp42" + bytes(200))
    assert_one_line_exit_2(run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "x"), "--quiet"),
                    str(broken))


def test_a_project_of_an_unknown_schema_version(studio, tmp_path):
    data = json.loads(studio.read_text())
    data["schema_version"] = 7
    studio.write_text(json.dumps(data))
    assert_one_line_exit_2(run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "x")), str(studio),
                    "schema version 7")


def test_a_project_whose_clip_is_missing(studio, tmp_path):
    (studio.parent / "clips" / "field.png").unlink()
    assert_one_line_exit_2(run_cli("render", str(studio), "--shot", "intro", "--out", str(tmp_path / "x")),
                    "'field'", str(studio.parent / "clips" / "field.png"))


def test_an_unknown_shot_names_the_shots_there_are(studio, tmp_path):
    assert_one_line_exit_2(run_cli("render", str(studio), "--shot", "outro", "--out", str(tmp_path / "x")), "intro")


# -- in-process `render`: what a hostile user can do (issue 12) -------------------------------------
# These run main.main in this interpreter (no new process each) on the demo project and its bundled model.


@pytest.fixture
def demo(tmp_path):
    from workstation.demos.digit_demo import write_demo_project

    return write_demo_project(tmp_path / "demo")


def render_in_process(capsys, project, *args):
    """(exit code, the lines written to stderr) of `stopframe render PROJECT ARGS --quiet`."""
    import main

    code = main.main(["render", str(project), *map(str, args), "--quiet"])
    return code, capsys.readouterr().err.splitlines()


def assert_fails_in_one_line(code, lines, *fragments):
    """Exit 2, no traceback, and one error line (after the device line when rendering had begun)."""
    assert code == 2, lines
    errors = [line for line in lines if not line.startswith("stopframe: rendering on")]
    assert len(errors) == 1 and "Traceback" not in "\n".join(lines), lines
    for fragment in fragments:
        assert fragment in errors[0], errors[0]


def with_shot_length(project_path, length):
    project = document.load_project(project_path)
    project.shots[0].length = length
    document.save_project(project, project_path)
    return project.shots[0].name


def test_render_onto_a_full_disk_fails_in_one_line_and_keeps_the_old_video(demo, tmp_path, capsys):
    from tests.faults import failing_writes

    out = tmp_path / "keep.mp4"
    assert render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--format", "mp4")[0] == 0
    before = out.read_bytes()
    with failing_writes(tmp_path, after_bytes=2000):
        code, lines = render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--format", "mp4",
                                        "--scale", "4", "--force")
    assert_fails_in_one_line(code, lines, str(out), "No space left on device")
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "keep.mp4"]


def test_render_onto_a_real_full_disk_fails_in_one_line_and_keeps_the_old_video(demo, capsys):
    from tests.faults import fill, small_filesystem

    with small_filesystem(1024 * 1024) as disk:
        out = disk / "keep.mp4"
        assert render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--format", "mp4")[0] == 0
        before = out.read_bytes()
        assert len(read_video_frames(out)) == 24
        fill(disk, leave_bytes=24 * 1024)
        code, lines = render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--format", "mp4",
                                        "--scale", "8", "--force")
        assert_fails_in_one_line(code, lines, str(out), "No space left on device")
        assert out.read_bytes() == before
        assert sorted(p.name for p in disk.iterdir()) == ["filler.bin", "keep.mp4"]


def test_a_render_while_another_process_writes_the_same_output_fails_in_one_line(demo, tmp_path, capsys):
    import subprocess
    import sys

    from tests.conftest import ROOT

    out = tmp_path / "shared.mp4"
    holder = ("import sys; import numpy as np; from workstation.output.writer import FrameWriter\n"
              "with FrameWriter(sys.argv[1], 'mp4', 12, 3) as writer:\n"
              "    print('writing', flush=True); sys.stdin.readline()\n"
              "    for _ in range(3): writer.write(np.zeros((3, 64, 64), np.float32))\n")
    child = subprocess.Popen([sys.executable, "-c", holder, str(out)], cwd=ROOT, stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "writing"
        code, lines = render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--format", "mp4", "--force")
        assert_fails_in_one_line(code, lines, str(out), f"pid {child.pid}")
        assert len(lines) == 1  # refused before rendering began
    finally:
        child.communicate("\n", timeout=60)
    assert child.returncode == 0 and len(read_video_frames(out)) == 3  # the first writer's video


def test_a_huge_scale_is_refused_in_one_line_before_allocating(demo, tmp_path, capsys):
    out = tmp_path / "huge"
    code, lines = render_in_process(capsys, demo, "--shot", "demo", "--out", out, "--scale", "100000")
    assert_fails_in_one_line(code, lines, str(out), "16384")
    assert len(lines) == 1 and not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_a_shot_of_a_billion_frames_renders_lazily(demo):
    """The frame requests are built a batch at a time: the first frames of a 10^9-frame shot come
    at once, in little memory (building every request first ran out of memory)."""
    import itertools
    import tracemalloc

    from workstation.render.shot_frames import render_shot

    name = with_shot_length(demo, 10**9)
    project = document.load_project(demo)
    engine = open_engine(project)
    tracemalloc.start()
    try:  # the frames are looked at as they come, as a writer does, not kept
        shapes = [frame.shape for frame in itertools.islice(render_shot(engine, project, name), 40)]
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert shapes == [(3, 256, 256)] * 40  # the shot's output size
    assert peak < 64 * 1024 * 1024, peak  # 27 MiB measured: a batch of 16 frames at 256x256 and what draws them


def test_a_gif_of_a_billion_frames_is_refused_at_once(demo, tmp_path, capsys):
    name = with_shot_length(demo, 10**9)
    out = tmp_path / "long.gif"
    code, lines = render_in_process(capsys, demo, "--shot", name, "--out", out, "--format", "gif")
    assert_fails_in_one_line(code, lines, str(out), "GIF")
    assert len(lines) == 1 and not out.exists()


def test_a_billion_frame_render_starts_and_ctrl_c_leaves_nothing(demo, tmp_path, capsys, monkeypatch):
    from workstation.output.writer import FrameWriter

    name = with_shot_length(demo, 10**9)
    out = tmp_path / "long"
    real_write = FrameWriter.write

    def interrupted_after_50(self, frame):
        if self.frames_written == 50:
            raise KeyboardInterrupt
        real_write(self, frame)

    monkeypatch.setattr(FrameWriter, "write", interrupted_after_50)
    code, lines = render_in_process(capsys, demo, "--shot", name, "--out", out)
    assert code == 130 and lines[-1] == "stopframe: interrupted", lines
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
