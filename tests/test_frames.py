"""workstation/output: write frame sequences as PNG folders, MP4 and GIF, then read them back with OpenCV; the safety
tests run for every format (tests/test_frame_formats.py holds the other formats' own tests)."""

import dataclasses
import errno
import json
import os
import re
import subprocess
import sys
import threading
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from tests.faults import failing_writes, fill, remount_read_only, small_filesystem
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputExists
from workstation.output.formats import FORMATS, FrameWriteError
from workstation.output.writer import FrameWriter, output_exists, write_frames

BACKGROUND = (0.2, 0.4, 0.8)  # RGB, exact in 8 bits: 51, 102, 204
FPS = 12


def square_frames(count=12, height=64, width=64):
    """A bright 16x16 square moving right over a coloured background: float32 [3, H, W] in [0, 1]."""
    frames = []
    for i in range(count):
        frame = np.empty((3, height, width), np.float32)
        frame[:] = np.asarray(BACKGROUND, np.float32)[:, None, None]
        frame[:, 20:36, 4 + 3 * i:20 + 3 * i] = 1.0
        frames.append(frame)
    return frames


def expected_bgr(frame):
    """What a frame must look like on disk: 8-bit BGR at the frame's own size."""
    return np.rint(frame.transpose(1, 2, 0)[..., ::-1] * 255).astype(np.uint8)


def read_mp4(path):
    capture = cv2.VideoCapture(str(path))
    assert capture.isOpened()
    fps = capture.get(cv2.CAP_PROP_FPS)
    images = []
    while True:
        ok, image = capture.read()
        if not ok:
            break
        images.append(image)
    capture.release()
    return images, fps


def read_gif(path):
    ok, animation = cv2.imreadanimation(str(path))
    assert ok
    return [frame[..., :3] for frame in animation.frames], list(animation.durations), animation.loop_count


def leftovers(folder):
    """Temporaries and locks: the hidden files a writer makes beside its output."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- PNG ------------------------------------------------------------------------------------------


def test_png_round_trip_is_exact_at_the_frames_own_size(tmp_path):
    frames = square_frames(height=72, width=96)
    out = write_frames(frames, tmp_path / "png", "png", FPS, len(frames))
    assert out == tmp_path / "png" and out.is_dir()
    names = sorted(os.listdir(out))
    assert names == [f"frame_{i:04d}.png" for i in range(12)]
    for name, frame in zip(names, frames):
        image = cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED)
        assert image.shape == (72, 96, 3) and image.dtype == np.uint8
        np.testing.assert_array_equal(image, expected_bgr(frame))


def test_1280x720_frames_are_written_as_1280x720_pngs_and_mp4(tmp_path):
    """What `render --size 1280x720` hands the writer: frames at the output size, written as they come."""
    frames = square_frames(3, height=720, width=1280)
    with FrameWriter(tmp_path / "png", "png", FPS, 3, frame_size=(720, 1280)) as writer:
        for frame in frames:
            writer.write(frame)
    assert writer.output_size == (1280, 720)
    for index, frame in enumerate(frames):
        np.testing.assert_array_equal(cv2.imread(str(tmp_path / "png" / f"frame_{index:04d}.png")), expected_bgr(frame))
    images, _ = read_mp4(write_frames(frames, tmp_path / "wide.mp4", "mp4", FPS, 3))
    assert [image.shape for image in images] == [(720, 1280, 3)] * 3
    assert np.abs(images[2].astype(np.int16) - expected_bgr(frames[2])).mean() < 4


def test_png_names_are_zero_padded_to_the_frame_count(tmp_path):
    frames = square_frames(3)
    write_frames(frames, tmp_path / "many", "png", FPS, frame_count=12345)
    assert sorted(os.listdir(tmp_path / "many")) == ["frame_00000.png", "frame_00001.png", "frame_00002.png"]
    write_frames(frames, tmp_path / "few", "png", FPS, frame_count=3)
    assert sorted(os.listdir(tmp_path / "few")) == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]


def test_png_odd_size_is_kept(tmp_path):
    frames = square_frames(2, height=63, width=65)
    out = write_frames(frames, tmp_path / "odd", "png", FPS, 2)
    image = cv2.imread(str(out / "frame_0001.png"))
    np.testing.assert_array_equal(image, expected_bgr(frames[1]))


def test_png_creates_parent_folders(tmp_path):
    out = write_frames(square_frames(1), tmp_path / "a" / "b" / "frames", "png", FPS, 1)
    assert (out / "frame_0000.png").is_file()


# -- MP4 ------------------------------------------------------------------------------------------


def test_mp4_round_trip(tmp_path):
    frames = square_frames(height=128, width=128)
    out = write_frames(frames, tmp_path / "clip.mp4", "mp4", FPS, len(frames))
    assert out == tmp_path / "clip.mp4" and out.is_file()
    assert leftovers(tmp_path) == []
    images, fps = read_mp4(out)
    assert len(images) == 12
    assert fps == pytest.approx(FPS, abs=0.01)
    for image, frame in zip(images, frames):
        assert image.shape == (128, 128, 3)
        error = np.abs(image.astype(np.int16) - expected_bgr(frame)).mean()
        assert error < 8, error  # lossy, but the picture is the same
    # the square really moves: the last frame is the background where the first one's square was
    where = (slice(20, 36), slice(4, 20))
    assert np.abs(images[0][where].astype(int) - images[-1][where].astype(int)).mean() > 50


def test_mp4_odd_size_is_padded_by_one_black_pixel_at_right_and_bottom(tmp_path):
    frames = square_frames(4, height=63, width=65)
    out = write_frames(frames, tmp_path / "odd.mp4", "mp4", FPS, 4)
    images, _ = read_mp4(out)
    assert len(images) == 4
    for image, frame in zip(images, frames):
        assert image.shape == (64, 66, 3)  # H 63 -> 64, W 65 -> 66
        error = np.abs(image[:63, :65].astype(np.int16) - expected_bgr(frame)).mean()
        assert error < 8, error
        assert image[63, 8:57].mean() < 40 and image[8:56, 65].mean() < 40  # the padding is black


def test_an_odd_sized_announced_mp4_is_checked_at_its_padded_size(tmp_path):
    with FrameWriter(tmp_path / "odd2.mp4", "mp4", FPS, 2, frame_size=(721, 1279)) as writer:
        for frame in square_frames(2, 721, 1279):
            writer.write(frame)
    assert writer.output_size == (1280, 722)
    assert [image.shape for image in read_mp4(tmp_path / "odd2.mp4")[0]] == [(722, 1280, 3)] * 2


# -- GIF ------------------------------------------------------------------------------------------


def test_gif_round_trip_loops_with_frame_durations(tmp_path):
    frames = square_frames(height=128, width=128)
    out = write_frames(frames, tmp_path / "anim.gif", "gif", FPS, len(frames))
    assert out.is_file() and leftovers(tmp_path) == []
    images, durations, loop_count = read_gif(out)
    assert len(images) == 12
    assert loop_count == 0  # forever
    assert all(abs(d - 1000 / FPS) <= 10 for d in durations), durations
    for image, frame in zip(images, frames):
        assert image.shape == (128, 128, 3)
        difference = np.abs(image.astype(np.int16) - expected_bgr(frame))
        assert difference.mean() < 2 and difference.max() <= 16, (difference.mean(), difference.max())


def test_gif_smooth_content_stays_close(tmp_path):
    y, x = np.mgrid[0:48, 0:40].astype(np.float32)
    frames = [np.stack([x / 39, y / 47, np.full_like(x, i / 5)]) for i in range(6)]
    out = write_frames(frames, tmp_path / "ramp.gif", "gif", 25, 6)
    images, durations, _ = read_gif(out)
    assert len(images) == 6 and images[0].shape == (48, 40, 3)  # odd sizes are fine for GIF
    assert all(abs(d - 40) <= 10 for d in durations)
    for image, frame in zip(images, frames):
        difference = np.abs(image.astype(np.int16) - expected_bgr(frame))
        assert difference.mean() < 6, difference.mean()


# -- overwriting ----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_existing_file_needs_force(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    target.write_bytes(b"precious")
    assert output_exists(target, fmt)
    with pytest.raises(OutputExists, match=re.escape(f"{target}: already exists")) as refused:
        write_frames(square_frames(2), target, fmt, FPS, 2)
    assert "--" not in str(refused.value)  # the library names the problem; the CLI adds its flag
    assert target.read_bytes() == b"precious"
    write_frames(square_frames(3), target, fmt, FPS, 3, force=True)
    count = len(read_mp4(target)[0]) if fmt == "mp4" else len(read_gif(target)[0])
    assert count == 3
    assert leftovers(tmp_path) == []


def test_png_folder_force_removes_only_frame_files(tmp_path):
    folder = tmp_path / "frames"
    write_frames(square_frames(20), folder, "png", FPS, 20)  # an older, longer render
    (folder / "notes.txt").write_text("keep me")
    (folder / "frame_cover.png").write_bytes(b"not a frame")
    (folder / "frame_0003.png.bak").write_bytes(b"backup")
    assert output_exists(folder, "png")
    with pytest.raises(OutputExists, match=re.escape(f"{folder}: already exists")):
        FrameWriter(folder, "png", FPS, 12)
    assert len(list(folder.glob("frame_*.png"))) == 21  # untouched by the refusal

    frames = square_frames(12)[::-1]
    write_frames(frames, folder, "png", FPS, 12, force=True)
    names = sorted(os.listdir(folder))
    assert names == sorted([f"frame_{i:04d}.png" for i in range(12)]
                           + ["notes.txt", "frame_cover.png", "frame_0003.png.bak"])
    assert (folder / "notes.txt").read_text() == "keep me"
    np.testing.assert_array_equal(cv2.imread(str(folder / "frame_0000.png")), expected_bgr(frames[0]))


def test_output_exists(tmp_path):
    assert not output_exists(tmp_path / "missing", "png")
    (tmp_path / "empty").mkdir()
    assert not output_exists(tmp_path / "empty", "png")
    write_frames(square_frames(1), tmp_path / "empty", "png", FPS, 1)  # an empty folder is fine without force
    assert output_exists(tmp_path / "empty", "png")
    assert not output_exists(tmp_path / "a.mp4", "mp4")
    (tmp_path / "a.mp4").write_bytes(b"x")
    assert output_exists(tmp_path / "a.mp4", "mp4")
    assert not output_exists(tmp_path / "a.gif", "gif")


# -- failures -------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_failed_render_leaves_existing_file_untouched(tmp_path, fmt):
    target = tmp_path / f"good.{fmt}"
    write_frames(square_frames(5), target, fmt, FPS, 5)
    before = target.read_bytes()

    def broken_render():
        yield from square_frames(3)
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        with FrameWriter(target, fmt, FPS, 12, force=True) as writer:
            for frame in broken_render():
                writer.write(frame)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]  # no partial file left behind
    with pytest.raises(RuntimeError):
        write_frames(broken_render(), target, fmt, FPS, 12, force=True)
    assert target.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_unknown_format_names_the_allowed_values(tmp_path):
    with pytest.raises(FrameWriteError) as info:
        FrameWriter(tmp_path / "x.avi", "avi", FPS, 3)
    message = str(info.value)
    assert "avi" in message and str(tmp_path / "x.avi") in message
    assert all(fmt in message for fmt in FORMATS) and "\n" not in message
    with pytest.raises(FrameWriteError, match="png, mp4, gif"):
        output_exists(tmp_path / "x.avi", "avi")


@pytest.mark.parametrize("kwargs, text", [
    (dict(fps=0), "fps"), (dict(fps=-5), "fps"), (dict(frame_count=-1), "frame_count"),
    (dict(frame_count=1.5), "frame_count"), (dict(frame_size=(720, 0)), "0x720 frames cannot be written")])
def test_bad_arguments(tmp_path, kwargs, text):
    values = dict(fps=FPS, frame_count=3) | kwargs
    with pytest.raises(FrameWriteError, match=text):
        FrameWriter(tmp_path / "x.mp4", "mp4", **values)
    assert list(tmp_path.iterdir()) == []


def test_frames_of_another_size_than_announced_are_refused(tmp_path):
    with pytest.raises(FrameWriteError) as refused:
        with FrameWriter(tmp_path / "wide.mp4", "mp4", FPS, 2, frame_size=(720, 1280)) as writer:
            writer.write(square_frames(1, 64, 64)[0])
    assert_one_line(refused.value, str(tmp_path / "wide.mp4"), "frame 0 is 64x64 but the frames announced are 1280x720")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_mismatched_frame_sizes(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(FrameWriteError, match="all frames must share one size"):
        with FrameWriter(target, fmt, FPS, 2) as writer:
            writer.write(square_frames(1, 64, 64)[0])
            writer.write(square_frames(1, 32, 64)[0])
    if fmt != "png":
        assert list(tmp_path.iterdir()) == []  # neither target nor partial file


def test_bad_frame_layout_is_rejected(tmp_path):
    with FrameWriter(tmp_path / "f", "png", FPS, 1) as writer:
        with pytest.raises(FrameWriteError, match=r"\[3, H, W\]"):
            writer.write(np.zeros((64, 64, 3), np.float32))
        with pytest.raises(FrameWriteError, match="float"):
            writer.write(np.zeros((3, 64, 64), np.uint8))
        writer.write(np.zeros((3, 8, 8), np.float32))


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_missing_parent_folder_is_a_clear_error(tmp_path, fmt):
    target = tmp_path / "nowhere" / f"out.{fmt}"
    with pytest.raises(StopframeError) as info:
        write_frames(square_frames(2), target, fmt, FPS, 2)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "nowhere").exists()


def test_png_path_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "frames"
    target.write_bytes(b"x")
    with pytest.raises(FrameWriteError, match="not a folder"):
        FrameWriter(target, "png", FPS, 2, force=True)
    assert target.read_bytes() == b"x"


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write anywhere")
@pytest.mark.parametrize("fmt", FORMATS)
def test_unwritable_folder_is_a_clear_error(tmp_path, fmt):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        target = locked / ("frames" if fmt == "png" else f"out.{fmt}")
        with pytest.raises(FrameWriteError, match=re.escape(str(locked))):
            write_frames(square_frames(2), target, fmt, FPS, 2)
    finally:
        locked.chmod(0o700)


def test_no_frames_is_an_error(tmp_path):
    with pytest.raises(FrameWriteError, match="no frames"):
        write_frames([], tmp_path / "empty.mp4", "mp4", FPS, 0)
    assert list(tmp_path.iterdir()) == []


# -- progress -------------------------------------------------------------------------------------


def test_progress_reports_each_frame(tmp_path):
    calls = []
    write_frames(square_frames(4), tmp_path / "p.gif", "gif", FPS, 4, progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_writer_context_manager_returns_path(tmp_path):
    with FrameWriter(tmp_path / "w.mp4", "mp4", 24, 2) as writer:
        for frame in square_frames(2):
            writer.write(frame)
    assert writer.close() == tmp_path / "w.mp4"
    images, fps = read_mp4(tmp_path / "w.mp4")
    assert len(images) == 2 and fps == pytest.approx(24, abs=0.01)
    with pytest.raises(FrameWriteError, match="closed"):
        writer.write(square_frames(1)[0])


def test_encoder_failures_become_one_line_naming_the_output(tmp_path, monkeypatch):
    """Failures an encoder only reports by a return value or its own exception (codec missing)."""
    import workstation.output.video as video

    no_codec = dataclasses.replace(video.VIDEO_FORMATS["mp4"], codec="no-such-codec")
    monkeypatch.setitem(video.VIDEO_FORMATS, "mp4", no_codec)
    with pytest.raises(FrameWriteError, match=re.escape(str(tmp_path / "v.mp4"))) as info:
        write_frames(square_frames(2), tmp_path / "v.mp4", "mp4", FPS, 2)
    assert "\n" not in str(info.value)

    monkeypatch.setattr(cv2, "imencodeanimation", lambda *args: (False, None))
    with pytest.raises(FrameWriteError, match=re.escape(str(tmp_path / "a.gif"))):
        write_frames(square_frames(2), tmp_path / "a.gif", "gif", FPS, 2)

    monkeypatch.setattr(cv2, "imencode", lambda *args: (False, None))
    with pytest.raises(FrameWriteError, match=re.escape(str(tmp_path / "f"))):
        write_frames(square_frames(2), tmp_path / "f", "png", FPS, 2)

    assert list(tmp_path.iterdir()) == []  # no temporaries, no staging folder, no lock


def test_module_imports_neither_torch_nor_qt():
    code = ("import sys, workstation.output.writer, workstation.output.shot_writer; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'PyQt5', 'PyQt6')]; "
            "assert not bad, bad")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)


# -- safety: full and read-only disks, the user's files, two writers (issue 12) --------------------


def noisy_frames(count=24, size=64, seed=0):
    """Frames that compress badly, so even a few of them need many kilobytes on disk."""
    rng = np.random.default_rng(seed)
    return [rng.random((3, size, size), dtype=np.float32) for _ in range(count)]


def target_for(folder, fmt, name="keep"):
    return folder / (name if fmt == "png" else f"{name}.{fmt}")


def output_names(target, fmt):
    """The names an output of ``fmt`` at ``target`` has in its folder (a sprite sheet's JSON and .tres too)."""
    beside = [target.with_suffix(suffix).name for suffix in (".json", ".tres")] if fmt == "sprites" else []
    return sorted([target.name, *beside])


def contents(target):
    """Everything at ``target``: the bytes of a file (and of a sprite sheet's JSON and .tres beside
    it), or of each file of a folder by name."""
    if target.is_dir():
        return {p.name: p.read_bytes() for p in sorted(target.iterdir())}
    beside = [target.with_suffix(suffix) for suffix in (".json", ".tres")]
    return (target.read_bytes(), *(path.read_bytes() if path.is_file() else None for path in beside))


def frames_in(target, fmt):
    """How many frames the output of ``fmt`` at ``target`` holds, read back."""
    if fmt == "png":
        return len(list(target.glob("frame_*.png")))
    if fmt == "mp4":
        return len(read_mp4(target)[0])
    if fmt == "sprites":
        return len(json.loads(target.with_suffix(".json").read_text())["frames"])
    if fmt in ("gif", "webp"):
        return len(cv2.imreadanimation(str(target))[1].frames)
    decoder = av.codec.CodecContext.create("libvpx-vp9", "r") if fmt == "webm" else None
    with av.open(str(target)) as container:
        stream = container.streams.video[0]
        return sum(len((decoder or stream.codec_context).decode(packet)) for packet in container.demux(stream))


def assert_one_line(error, *fragments):
    message = str(error)
    assert "\n" not in message, message
    for fragment in fragments:
        assert fragment in message, message


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS], ids=["full", "read-only"])
@pytest.mark.parametrize("fmt", FORMATS)
def test_a_failing_disk_keeps_the_previous_output(tmp_path, fmt, code):
    """Writes that fail part-way (injected) end in one line naming the output and the reason; the
    previous output stays as it was and nothing else is left behind."""
    target = target_for(tmp_path, fmt)
    write_frames(square_frames(5), target, fmt, FPS, 5)
    before = contents(target)
    with failing_writes(tmp_path, code, after_bytes=3000), pytest.raises(StopframeError) as info:
        write_frames(noisy_frames(12, size=128), target, fmt, FPS, 12, force=True)
    assert_one_line(info.value, str(target), os.strerror(code))
    assert contents(target) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == output_names(target, fmt)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_real_full_disk_keeps_the_previous_output(fmt):
    with small_filesystem(1024 * 1024) as disk:
        target = target_for(disk, fmt)
        write_frames(square_frames(3), target, fmt, FPS, 3)
        before = contents(target)
        fill(disk, leave_bytes=32 * 1024)
        with pytest.raises(StopframeError) as info:
            write_frames(noisy_frames(24, size=256), target, fmt, FPS, 24, force=True)
        assert_one_line(info.value, str(target), "No space left on device")
        assert contents(target) == before
        assert sorted(p.name for p in disk.iterdir()) == sorted([*output_names(target, fmt), "filler.bin"])


def test_a_real_read_only_disk_keeps_the_previous_output():
    with small_filesystem(1024 * 1024) as disk:
        target = disk / "keep.mp4"
        write_frames(square_frames(3), target, "mp4", FPS, 3)
        before = target.read_bytes()
        remount_read_only(disk)
        with pytest.raises(StopframeError) as info:
            write_frames(square_frames(6), target, "mp4", FPS, 6, force=True)
        assert_one_line(info.value, str(target), "Read-only file system")
        assert target.read_bytes() == before and sorted(p.name for p in disk.iterdir()) == ["keep.mp4"]


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_a_video_that_does_not_read_back_is_refused(tmp_path, fmt, monkeypatch):
    """The new file is read back by the project's own reader (frame count and size) before it
    replaces the old one: here the reader finds a frame short."""
    import workstation.media

    target = target_for(tmp_path, fmt)
    write_frames(square_frames(3), target, fmt, FPS, 3)
    before = target.read_bytes()
    real_probe = workstation.media.probe

    def short_by_one(path, *args, **kwargs):
        info = real_probe(path, *args, **kwargs)
        return dataclasses.replace(info, frame_count=info.frame_count - 1)

    monkeypatch.setattr(workstation.media, "probe", short_by_one)
    with pytest.raises(StopframeError) as info:
        write_frames(square_frames(6), target, fmt, FPS, 6, force=True)
    assert_one_line(info.value, str(target), "5 frames", "6")
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_files_named_like_temporaries_are_never_touched(tmp_path, fmt):
    theirs = {f"intro.partial.{fmt}": b"mine", f"intro.{fmt}.partial": b"mine too",
              f".intro.{fmt}.partial.{fmt}": b"hidden", "intro.partial": b"plain"}
    for name, data in theirs.items():
        (tmp_path / name).write_bytes(data)
    target = tmp_path / f"intro.{fmt}"
    write_frames(square_frames(3), target, fmt, FPS, 3)

    def broken_render():
        yield from square_frames(2)
        raise RuntimeError("model crashed")

    with pytest.raises(RuntimeError, match="model crashed"):
        write_frames(broken_render(), target, fmt, FPS, 3, force=True)
    assert {name: (tmp_path / name).read_bytes() for name in theirs} == theirs
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*theirs, target.name])


@pytest.mark.parametrize("fmt", FORMATS)
def test_two_writers_at_once_one_wins_the_other_says_so(tmp_path, fmt):
    """Two renders to the same output at the same time: one succeeds, the other fails in one line
    at once (the claim), and the output holds the winner's frames only."""
    target = target_for(tmp_path, fmt, "shared")
    outcomes: dict[str, object] = {}
    start, one_finished = threading.Barrier(2), threading.Event()

    def frames_holding_on(count):
        for index, frame in enumerate(square_frames(count)):
            yield frame
            if index == 0:  # keep writing until the other writer has finished, one way or the other
                one_finished.wait(timeout=5)

    def render(name, count):
        start.wait(timeout=10)
        try:
            write_frames(frames_holding_on(count), target, fmt, FPS, count, force=True)
            outcomes[name] = count
        except StopframeError as error:
            outcomes[name] = error
        one_finished.set()

    threads = [threading.Thread(target=render, args=(name, count)) for name, count in (("a", 4), ("b", 7))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    winners = [value for value in outcomes.values() if isinstance(value, int)]
    losers = [value for value in outcomes.values() if isinstance(value, StopframeError)]
    assert len(winners) == 1 and len(losers) == 1, outcomes
    assert_one_line(losers[0], str(target), "another Stopframe process")
    assert frames_in(target, fmt) == winners[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == output_names(target, fmt)  # no lock or temporary left


def test_frames_over_the_limit_are_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "out" / "frames"
    with pytest.raises(StopframeError) as info:
        FrameWriter(target, "png", FPS, 3, frame_size=(720, 20000))
    assert_one_line(info.value, str(target), "20000x720 frames", "the limit is 16384 a side")
    assert list(tmp_path.iterdir()) == []  # not even the parent folder
    with FrameWriter(target, "png", FPS, 1) as writer:  # not announced: the first frame is checked before it is encoded
        with pytest.raises(StopframeError) as info:
            writer.write(np.zeros((3, 16385, 1), np.float32))
        assert_one_line(info.value, str(target), "1x16385 frames", "the limit is 16384 a side")
        writer.write(np.zeros((3, 16384, 1), np.float32))  # the limit itself is written
    assert cv2.imread(str(target / "frame_0000.png")).shape == (16384, 1, 3)


def test_a_gif_too_large_to_hold_in_memory_is_refused_at_once(tmp_path):
    target = tmp_path / "long.gif"
    with pytest.raises(StopframeError) as info:
        FrameWriter(target, "gif", FPS, 10**9, frame_size=(256, 256))
    assert_one_line(info.value, str(target), "GIF", "mp4")
    assert list(tmp_path.iterdir()) == []
