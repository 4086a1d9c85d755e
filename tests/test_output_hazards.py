"""What an output may replace, and what a writer does with the odd things it meets: only regular files and
folders are ever replaced (never a link, a FIFO, a device or a socket), a FIFO or a dangling link inside a
PNG folder neither hangs nor breaks --force, an output needs a name of its own, and SIGTERM during
`render` cleans up as Ctrl-C does (workstation/kernel/safe_write.py, workstation/commands.py)."""

import json
import os
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import numpy as np
import pytest

import main
from tests.conftest import ROOT
from workstation.kernel.errors import EXIT_INTERRUPTED
from workstation.kernel.safe_write import LOCK_SUFFIX, OutputError, is_temporary, output_folder, write_bytes
from workstation.output.writer import write_frames


def make_fifo(path):
    os.mkfifo(path)


def make_device(path):
    try:  # a node of the null device, made here: the real /dev/null is never put at risk
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")


def link_to_standard_output(path):
    path.symlink_to("/proc/self/fd/1")


def link_to_a_file(path):
    (path.parent / "real.mp4").write_bytes(b"the user's video")
    path.symlink_to(path.parent / "real.mp4")


def dangling_link(path):
    path.symlink_to(path.parent / "gone.mp4")


def link_to_a_folder(path):
    (path.parent / "real").mkdir()
    (path.parent / "real" / "frame_0.png").write_bytes(b"the user's frame")
    path.symlink_to(path.parent / "real")


@contextmanager
def bound_socket(path):
    """A Unix socket at ``path`` (bound under a short name: socket paths are limited to 108 bytes)."""
    with tempfile.TemporaryDirectory(dir="/tmp") as short, socket.socket(socket.AF_UNIX) as server:
        server.bind(os.path.join(short, "s"))
        os.rename(os.path.join(short, "s"), path)
        yield


SPECIAL = {"a FIFO (named pipe)": make_fifo, "a character device": make_device,
           "a symbolic link": link_to_standard_output}
LINKS = {"to a file": link_to_a_file, "dangling": dangling_link, "to a folder": link_to_a_folder}


def what_is_there(folder):
    """Each entry's kind, link target and bytes (never opening anything but a regular file)."""
    seen = {}
    for path in sorted(folder.rglob("*")):
        mode = path.lstat().st_mode
        seen[str(path.relative_to(folder))] = (stat.S_IFMT(mode), os.readlink(path) if path.is_symlink() else None,
                                              path.read_bytes() if stat.S_ISREG(mode) else None)
    return seen


def assert_refused(write, target, words):
    with pytest.raises(OutputError) as raised:
        write(target)
    assert str(raised.value) == f"{target}: is {words}; an output replaces only a regular file or a folder"


@pytest.mark.parametrize("make", [*SPECIAL.values(), *LINKS.values()], ids=[*SPECIAL, *(f"link {k}" for k in LINKS)])
@pytest.mark.parametrize("force", [True, False], ids=["force", "no force"])
def test_nothing_but_a_regular_file_or_a_folder_is_ever_replaced(tmp_path, make, force):
    target = tmp_path / "out.mp4"
    make(target)
    before = what_is_there(tmp_path)
    words = "a symbolic link" if target.is_symlink() else next(k for k, v in SPECIAL.items() if v is make)
    assert_refused(lambda path: write_bytes(path, b"video", overwrite=force), target, words)
    assert_refused(lambda path: output_folder(path, overwrite=force).__enter__(), target, words)
    assert what_is_there(tmp_path) == before  # the node, link or file as it was; no lock, no temporary


def test_a_socket_is_not_replaced(tmp_path):
    target = tmp_path / "out.gif"
    with bound_socket(target):
        assert_refused(lambda path: write_bytes(path, b"gif"), target, "a socket")
        assert stat.S_ISSOCK(target.lstat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["out.gif"]


def test_a_project_saved_through_a_link_still_writes_the_file_it_points_to(tmp_path):
    """Project saves write through a symbolic link (workstation/project/files.py): the link is
    resolved first, so the safe writer is given the regular file itself."""
    from workstation import project as document

    real, link = tmp_path / "real.stopframe", tmp_path / "link.stopframe"
    real.write_text("an older save")
    link.symlink_to(real)
    document.save_project(document.Project(), link)
    assert link.is_symlink() and document.load_project(real).shots == []


@pytest.fixture
def demo_project(tmp_path):
    from workstation.demos.digit_demo import write_demo_project

    return write_demo_project(tmp_path / "demo")


@pytest.mark.parametrize("make", SPECIAL.values(), ids=SPECIAL)
def test_render_force_onto_a_special_file_is_one_line(demo_project, tmp_path, capsys, make):
    target = tmp_path / "out.mp4"
    make(target)
    mode = target.lstat().st_mode
    code = main.main(["render", str(demo_project), "--shot", "duet", "--range", "0:1", "--out", str(target),
                      "--format", "mp4", "--force", "--quiet"])
    err = capsys.readouterr().err.splitlines()[-1]
    assert code == 2 and err.startswith(f"stopframe: {target}: is ") and "only a regular file or a folder" in err
    assert target.lstat().st_mode == mode


@pytest.mark.parametrize("out", ["", "."])
def test_render_png_force_to_no_name_is_one_line(demo_project, tmp_path, monkeypatch, capsys, out):
    elsewhere = tmp_path / "elsewhere"  # not the project's folder, which "." would hold (refused for that)
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code = main.main(["render", str(demo_project), "--shot", "duet", "--range", "0:1", "--out", out, "--force",
                      "--quiet"])
    err = capsys.readouterr().err.splitlines()[-1]
    assert code == 2 and err == "stopframe: .: is not a name for an output; give the file or folder a name of its own"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "elsewhere"] and not any(elsewhere.iterdir())


@contextmanager
def no_hang(seconds):
    """Fail, instead of waiting forever, if the block takes longer than ``seconds`` (an open() of a
    FIFO with no writer is interrupted by the alarm)."""
    def hung(signum, frame):
        raise TimeoutError(f"still waiting after {seconds} s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_force_over_a_png_folder_with_a_fifo_and_a_dangling_link_keeps_both_and_does_not_hang(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    (target / "frame_0.png").write_bytes(b"old frame")
    (target / "notes.txt").write_text("the user's")
    os.mkfifo(target / "pipe")
    (target / "gone.png").symlink_to(tmp_path / "deleted.png")
    (target / "takes").mkdir()
    (target / "takes" / "pipe").symlink_to(target / "pipe")  # a link to the FIFO is not followed either
    frames = [np.full((3, 8, 8), 0.5, np.float32)] * 2
    with no_hang(20):
        write_frames(frames, target, "png", 12.0, 2, force=True)
    seen = what_is_there(target)
    assert sorted(seen) == ["frame_0000.png", "frame_0001.png", "gone.png", "notes.txt", "pipe", "takes",
                            "takes/pipe"]
    assert stat.S_ISFIFO(seen["pipe"][0]) and seen["gone.png"][1] == str(tmp_path / "deleted.png")
    assert seen["notes.txt"][2] == b"the user's" and seen["takes/pipe"][1] == str(target / "pipe")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames"]


# -- SIGTERM during render: cleaned up as Ctrl-C ----------------------------------------------------------------
def render_then_sigterm(demo_project, out, *flags):
    """``main.py render`` of a shot as PNG frames large enough to take a while, sent SIGTERM once its
    first frame is in the staging folder; returns (exit code, stderr)."""
    child = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "render", str(demo_project), "--shot", "duet",
                              "--out", str(out), "--format", "png", "--scale", "8", "--quiet", *flags],
                             stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 120
        while not any(is_temporary(p.parent) for p in out.parent.glob(".*/frame_*.png")):
            assert child.poll() is None and time.monotonic() < deadline, "render ended before its first frame"
            time.sleep(0.01)
        child.send_signal(signal.SIGTERM)
        _, err = child.communicate(timeout=60)
    finally:
        child.kill()
        child.wait()
    return child.returncode, err


def test_sigterm_during_render_removes_its_claim_and_its_partial_output(demo_project, tmp_path):
    code, err = render_then_sigterm(demo_project, tmp_path / "frames")
    assert code == EXIT_INTERRUPTED and err.splitlines()[-1] == "stopframe: interrupted", err
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # no frames, no lock, no partial


def test_sigterm_during_render_force_leaves_the_previous_output_as_it_was(demo_project, tmp_path):
    out = tmp_path / "frames"
    out.mkdir()
    (out / "frame_00.png").write_bytes(b"the previous frame")
    (out / "notes.txt").write_text("the user's")
    before = what_is_there(out)
    code, err = render_then_sigterm(demo_project, out, "--force")
    assert code == EXIT_INTERRUPTED, err
    assert what_is_there(out) == before
    assert not any(p.name.endswith(LOCK_SUFFIX) or is_temporary(p) for p in tmp_path.iterdir())


def test_long_names_of_outputs_a_user_sees(tmp_path):
    """A 255-byte emoji name as render's output and as a saved project (a GUI project of 244 bytes
    could be neither saved nor autosaved)."""
    from workstation import project as document

    project_name, folder_name = "🎬" * 61 + "x.stopframe", "🎬" * 63 + "xyz"
    assert len(project_name.encode()) == len(folder_name.encode()) == 255
    document.save_project(document.Project(), tmp_path / project_name)
    assert document.load_project(tmp_path / project_name).shots == []
    frames = [np.zeros((3, 4, 4), np.float32)]
    assert write_frames(frames, tmp_path / folder_name, "png", 12.0, 1) == tmp_path / folder_name
    assert sorted(p.name for p in (tmp_path / folder_name).iterdir()) == ["frame_0000.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([project_name, folder_name])


def test_a_sprite_sheet_of_the_longest_name_can_be_replaced(tmp_path):
    """Replacing a sheet keeps the previous JSON aside under a temporary's name, which for a 250-byte
    atlas name was longer than the file system allows ("File name too long")."""
    atlas = tmp_path / ("🎬" * 61 + "xy.png")
    assert len(atlas.name.encode()) == 250 and len(atlas.with_suffix(".json").name.encode()) == 251
    frames = [np.zeros((3, 4, 4), np.float32), np.ones((3, 4, 4), np.float32)]
    write_frames(frames[:1], atlas, "sprites", 12.0, 1)
    assert write_frames(frames, atlas, "sprites", 12.0, 2, force=True) == atlas
    assert len(json.loads(atlas.with_suffix(".json").read_text())["frames"]) == 2
    beside = [atlas.with_suffix(suffix).name for suffix in (".json", ".tres")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([atlas.name, *beside])
