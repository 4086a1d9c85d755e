"""Reading inputs (issue 27): every file Stopframe reads is a regular file of bounded size, checked
before a byte is read, so a FIFO, a device or a huge file is one line at once; a project's keys come
once per object; a project opened through a link finds its clips beside the real file; frame rates
and counts stay within what every writer can encode."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.faults import fifo_watchdog, sparse_file
from workstation.kernel.reading import InputError, read_bytes_capped
from workstation.project import (
    ClipRef,
    ProjectError,
    autosave_path,
    clip_path,
    load_autosave,
    load_project,
    missing_clips,
    save_autosave,
    save_project,
)
from workstation.project.files import PROJECT_MAX_BYTES
from workstation.project.scalars import MAX_FPS, MIN_FPS

ROOT = Path(__file__).resolve().parents[1]


def project_document(clip: str = "clips/walk.png", fps: float = 24.0, length: int = 4) -> dict:
    return {"format": "stopframe-project", "schema_version": 4, "model": None,
            "clips": {"walk": {"path": clip, "frame_count": 1, "fps": 12.0, "width": 8, "height": 8}},
            "shots": [{"name": "s", "length": length, "fps": fps, "background": {"clip": "walk", "frame": 0},
                       "characters": [{"name": "a", "source": {"clip": "walk", "frame": 0}},
                                      {"name": "b", "source": {"clip": "walk", "frame": 0}}]}]}


def write_project(path: Path, document: dict | None = None) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document or project_document()), encoding="utf-8")
    return path


# -- every reader: a FIFO refused unopened, a device and an oversized file refused unread -------------
def _autosave(folder: Path) -> None:
    load_autosave(write_project(folder / "film.stopframe"))


def _recipe(folder: Path) -> None:
    from training.model.recipes import load_recipe

    load_recipe(folder / "recipe.toml")


def _model_json(folder: Path) -> None:
    from workstation.render.bundle import read_metadata

    read_metadata(folder / "bundle")


def _evaluation(folder: Path) -> None:
    from training.bundle_export import read_evaluation

    read_evaluation(folder / "evaluation.json")


# reader: (where the input is, relative to the test's folder; what reads it; its cap in bytes)
READERS = {"project": ("film.stopframe", lambda folder: load_project(folder / "film.stopframe"), PROJECT_MAX_BYTES),
           "autosave": ("film.stopframe.autosave", _autosave, PROJECT_MAX_BYTES),
           "recipe": ("recipe.toml", _recipe, 1 << 20),
           "model.json": ("bundle/model.json", _model_json, 16 << 20),
           "evaluation": ("evaluation.json", _evaluation, 16 << 20)}


def _input_of(tmp_path: Path, reader: str) -> Path:
    path = tmp_path / READERS[reader][0]
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _one_line_refusal(tmp_path: Path, reader: str, problem: str) -> str:
    from workstation.kernel.errors import StopframeError

    path, read = tmp_path / READERS[reader][0], READERS[reader][1]
    with pytest.raises(StopframeError) as caught:
        read(tmp_path)
    line = str(caught.value)
    assert "\n" not in line and line.startswith(f"{path}: {problem}"), line
    return line


@pytest.mark.parametrize("reader", READERS)
def test_a_fifo_is_refused_without_being_opened(tmp_path, reader):
    """Before: the project, the autosave and the evaluation waited for a writer forever."""
    with fifo_watchdog(_input_of(tmp_path, reader)) as rescued:
        line = _one_line_refusal(tmp_path, reader, "not a file but a named pipe (FIFO)")
    assert not rescued, f"the FIFO was opened and read: {line}"


@pytest.mark.parametrize("reader", READERS)
def test_a_device_or_a_file_over_the_cap_is_refused_unread(tmp_path, reader):
    cap = READERS[reader][2]
    path = _input_of(tmp_path, reader)
    path.symlink_to(os.devnull)
    _one_line_refusal(tmp_path, reader, "not a file but a character device")
    path.unlink()
    sparse_file(path, cap + 1)
    _one_line_refusal(tmp_path, reader, f"{cap + 1} bytes: too large")


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom", "sparse"])
def test_an_endless_or_huge_project_is_one_line_in_bounded_memory(tmp_path, target):
    """Before: /dev/zero grew until a MemoryError, a 2 GB sparse file took 4.3 GB and 18 s. The
    child may use 1 GiB of address space, far less than reading any of these would take."""
    path = tmp_path / "film.stopframe"
    if target == "sparse":
        sparse_file(path, 2 << 30)
    else:
        path.symlink_to(target)

    def limited() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    code = "import sys\nfrom workstation.project import load_project\ntry:\n    load_project(sys.argv[1])\n" \
           "except Exception as error:\n    print(error)"
    done = subprocess.run([sys.executable, "-c", code, str(path)], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, preexec_fn=limited)
    assert done.returncode == 0 and done.stderr == "", done.stderr[-2000:]
    kind = "2147483648 bytes: too large for a project file" if target == "sparse" else "a character device"
    assert done.stdout.count("\n") == 1 and done.stdout.startswith(f"{path}: ") and kind in done.stdout, done.stdout


def test_a_file_that_grows_while_it_is_read_is_cut_at_the_cap():
    """/proc files say size 0 and then give more: the cap holds on what is read, not only on stat."""
    status = Path("/proc/self/status")
    if not status.is_file():
        pytest.skip("no /proc")
    assert len(read_bytes_capped(status, 1 << 20, "a status")) > 10
    with pytest.raises(InputError, match="grew past 10 bytes while it was read: too large for a status"):
        read_bytes_capped(status, 10, "a status")


def test_a_fifo_chosen_in_file_open_does_not_block_the_window(qtbot, tmp_path, monkeypatch):
    """File ▸ Open of a FIFO: before, the UI thread waited for a writer forever."""
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction

    from workstation.ui.shell import dialogs
    from workstation.ui.shell.main_window import MainWindow

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "user-state"))
    fifo = tmp_path / "film.stopframe"
    asked: list[str] = []

    def answer(question: dialogs.Question) -> str | None:  # the FIFO in the file dialog; OK to the warning
        asked.append(question.kind)
        return str(fifo) if question.kind == "open_file" else None

    monkeypatch.setattr(dialogs, "answerer", answer)
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    [opened] = [action for action in window.findChildren(QAction) if action.text() == "&Open…"]  # File ▸ Open…
    with fifo_watchdog(fifo) as rescued:
        opened.trigger()
    assert not rescued, "File ▸ Open blocked the window on the FIFO"
    message = window.statusBar().currentMessage()
    assert message.startswith(f"{fifo}: not a file but a named pipe (FIFO)") and "\n" not in message, message
    assert asked == ["open_file", "warning"]
    assert window.document.path is None  # the open project stays
    window.document.undo_stack.setClean()


# -- duplicate keys ----------------------------------------------------------------------------------
@pytest.mark.parametrize(("edit", "expected"), [
    (lambda text: text.replace('"name": "a",', '"name": "a", "name": "b",'),
     'shots[0].characters[0]: key "name" appears more than once'),
    (lambda text: text.replace('"schema_version": 4,', '"schema_version": 4, "schema_version": 3,'),
     'top level: key "schema_version" appears more than once'),
    (lambda text: text.replace('"clips": {', '"clips": {"walk": {}, '),
     'clips: key "walk" appears more than once'),
    (lambda text: text.replace('"frame_count": 1,', '"frame_count": 1, "frame_count": 1,'),
     'clips["walk"]: key "frame_count" appears more than once'),
])
def test_a_key_written_twice_is_refused_naming_it_and_where(tmp_path, edit, expected):
    """Before: the last of the two silently won (even when both agree, one may be a mistake)."""
    path = tmp_path / "film.stopframe"
    path.write_text(edit(json.dumps(project_document())), encoding="utf-8")
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert str(caught.value) == f"{path}: {expected} (each key once per object)"


# -- a project opened through a symbolic link ---------------------------------------------------------
def test_a_project_opened_through_a_link_finds_its_clips_beside_the_real_file(tmp_path):
    real = write_project(tmp_path / "films" / "film.stopframe")
    (real.parent / "clips").mkdir()
    (real.parent / "clips" / "walk.png").write_bytes(b"a clip")
    link = tmp_path / "desk" / "film.stopframe"
    link.parent.mkdir()
    link.symlink_to(real)
    project = load_project(link)
    assert project.path == link  # the name the user opened: title, recent files, autosave
    assert clip_path(project, "walk") == real.parent / "clips" / "walk.png" and missing_clips(project) == []
    save_project(project, link)  # written through the link, its paths still the real file's
    assert link.is_symlink() and json.loads(real.read_text())["clips"]["walk"]["path"] == "clips/walk.png"
    project.shots[0].length = 7
    save_autosave(project)  # beside the link: its paths are its own folder's
    assert json.loads(autosave_path(link).read_text())["clips"]["walk"]["path"] == "../films/clips/walk.png"
    restored = load_autosave(link)
    assert restored.path == link and restored.shots[0].length == 7
    assert clip_path(restored, "walk") == real.parent / "clips" / "walk.png"


# -- frame rates and counts ---------------------------------------------------------------------------
@pytest.mark.parametrize(("shot", "expected"), [
    ({"fps": 1e-300}, "shots[0].fps: must be at least 0.01, got 1e-300"),
    ({"fps": 0.0004}, "shots[0].fps: must be at least 0.01, got 0.0004"),
    ({"fps": 1e12}, "shots[0].fps: must be at most 1000, got 1000000000000.0"),
    ({"length": 2**63}, f"shots[0].length: must be at most {2**31 - 1}, got {2**63}"),
])
def test_a_frame_rate_or_length_no_writer_can_hold_is_refused_on_load(tmp_path, shot, expected):
    """Before: 1e-300 fps loaded and GIF then failed with a TypeError, 2**63 frames with an OverflowError."""
    document = project_document()
    document["shots"][0].update(shot)
    path = write_project(tmp_path / "film.stopframe", document)
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert str(caught.value) == f"{path}: {expected}"


@pytest.mark.parametrize(("key", "expected"), [
    ({"tx": 1e300}, "tx: must be at most 1000000, got 1e+300"),
    ({"ty": -1e7}, "ty: must be at least -1000000, got -10000000.0"),
    ({"scale": 1e-300}, "scale: must be at least 0.001, got 1e-300"),
    ({"scale": 1e300}, "scale: must be at most 1000, got 1e+300"),
    ({"rotation": -1e300}, "rotation: must be at least -1000000, got -1e+300"),
])
def test_a_pose_beyond_what_a_frame_can_show_is_refused_on_load(tmp_path, key, expected):
    """Before: such keys loaded, and rendering them printed numpy's overflow warnings."""
    document = project_document()
    document["shots"][0]["characters"][0]["keyframes"] = [{"frame": 0, **key}]
    path = write_project(tmp_path / "film.stopframe", document)
    with pytest.raises(ProjectError) as caught:
        load_project(path)
    assert str(caught.value) == f"{path}: shots[0].characters[0].keyframes[0].{expected}"


@pytest.mark.parametrize("sprites", [False, True])
def test_the_most_extreme_poses_a_file_holds_render_without_a_warning(tmp_path, sprites):
    """Every character of the demo keyed at the limits of POSE_LIMITS renders with no numpy warning."""
    import warnings

    from workstation.demos.digit_demo import write_demo_project
    from workstation.demos.sprite_demo import write_sprite_demo_project
    from workstation.project import POSE_LIMITS, Keyframe, Pose, render_requests
    from workstation.render.shot_frames import open_engine

    project = load_project((write_sprite_demo_project if sprites else write_demo_project)(tmp_path))
    offset, turn, (smallest, largest) = POSE_LIMITS["offset"], POSE_LIMITS["turn"], POSE_LIMITS["scale"]
    poses = [Pose(offset, -offset, turn, smallest), Pose(-offset, offset, -turn, largest),
             Pose(0.0, 0.0, turn, smallest), Pose(0.0, 0.0, 0.0, largest)]
    shot = project.shots[0]
    engine = open_engine(project)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for pose in poses:
            for character in shot.characters:
                character.keyframes = [Keyframe(0, pose)]
            frames = engine.render_requests(render_requests(project, shot.name, [0]))
            assert np.isfinite(frames).all()


def test_a_clip_of_a_speed_no_shot_can_have_gives_new_shots_the_nearest_one():
    from workstation.project import Project, add_blank_shot

    for clip_fps, shot_fps in ((0.001, MIN_FPS), (5000.0, MAX_FPS), (25.0, 25.0)):
        project = Project(clips={"slow": ClipRef("slow.gif", 2, clip_fps, 8, 8)})
        add_blank_shot(project)
        assert project.shots[0].fps == shot_fps


@pytest.mark.parametrize("fps", ["0", "0.0004", "-1", "1e300", "1001", "nan", "inf", "fast"])
def test_render_fps_outside_what_the_writers_encode_is_one_line(tmp_path, capsys, fps):
    """Before: --fps 0 silently meant the shot's fps, 0.0004 a ZeroDivisionError in video.py, a huge
    one an OverflowError."""
    import main

    path = write_project(tmp_path / "film.stopframe")
    capsys.readouterr()
    code = main.main(["render", str(path), "--shot", "s", "--out", str(tmp_path / "out"), "--format", "mp4",
                      "--fps", fps])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "--fps" in err and ("out of range (from 0.01 to 1000 frames per second)" in err or "not a number" in err)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("fps", [MIN_FPS, MAX_FPS])
def test_every_format_encodes_the_slowest_and_the_fastest_frame_rate(tmp_path, fps):
    from workstation.output.formats import OutputFormat, extension, has_alpha
    from workstation.output.writer import write_frames

    for fmt in OutputFormat:
        frames = [np.full((4 if has_alpha(fmt) else 3, 16, 16), value, np.float32) for value in (0.2, 0.8)]
        write_frames(frames, tmp_path / f"out-{fmt.value}{extension(fmt)}", fmt.value, fps, len(frames))
