"""export/frames.py: write frame sequences as PNG folders, MP4 and GIF, then read them back with OpenCV."""

import os
import re
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from export.frames import FORMATS, ExportError, FrameWriter, output_exists, write_frames

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


def expected_bgr(frame, scale=1):
    """What a frame must look like on disk: 8-bit BGR, nearest-neighbour upscaled by repeating pixels."""
    image = np.rint(frame.transpose(1, 2, 0)[..., ::-1] * 255).astype(np.uint8)
    return image.repeat(scale, axis=0).repeat(scale, axis=1)


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
    return sorted(p.name for p in folder.iterdir() if ".partial." in p.name)


# -- PNG ------------------------------------------------------------------------------------------


def test_png_round_trip_is_exact_after_nearest_upscaling(tmp_path):
    frames = square_frames()
    out = write_frames(frames, tmp_path / "png", "png", FPS, len(frames), scale=3)
    assert out == tmp_path / "png" and out.is_dir()
    names = sorted(os.listdir(out))
    assert names == [f"frame_{i:04d}.png" for i in range(12)]
    for name, frame in zip(names, frames):
        image = cv2.imread(str(out / name), cv2.IMREAD_UNCHANGED)
        assert image.shape == (192, 192, 3) and image.dtype == np.uint8
        np.testing.assert_array_equal(image, expected_bgr(frame, 3))


def test_png_names_are_zero_padded_to_the_frame_count(tmp_path):
    frames = square_frames(3)
    write_frames(frames, tmp_path / "many", "png", FPS, frame_count=12345)
    assert sorted(os.listdir(tmp_path / "many")) == ["frame_00000.png", "frame_00001.png", "frame_00002.png"]
    write_frames(frames, tmp_path / "few", "png", FPS, frame_count=3)
    assert sorted(os.listdir(tmp_path / "few")) == ["frame_0000.png", "frame_0001.png", "frame_0002.png"]


def test_png_odd_size_is_kept(tmp_path):
    frames = square_frames(2, height=63, width=65)
    out = write_frames(frames, tmp_path / "odd", "png", FPS, 2, scale=1)
    image = cv2.imread(str(out / "frame_0001.png"))
    np.testing.assert_array_equal(image, expected_bgr(frames[1]))


def test_png_creates_parent_folders(tmp_path):
    out = write_frames(square_frames(1), tmp_path / "a" / "b" / "frames", "png", FPS, 1)
    assert (out / "frame_0000.png").is_file()


# -- MP4 ------------------------------------------------------------------------------------------


def test_mp4_round_trip(tmp_path):
    frames = square_frames()
    out = write_frames(frames, tmp_path / "clip.mp4", "mp4", FPS, len(frames), scale=2)
    assert out == tmp_path / "clip.mp4" and out.is_file()
    assert leftovers(tmp_path) == []
    images, fps = read_mp4(out)
    assert len(images) == 12
    assert fps == pytest.approx(FPS, abs=0.01)
    for image, frame in zip(images, frames):
        assert image.shape == (128, 128, 3)
        error = np.abs(image.astype(np.int16) - expected_bgr(frame, 2)).mean()
        assert error < 8, error  # lossy, but the picture is the same
    # the square really moves: frames differ where it was
    assert np.abs(images[0].astype(int) - images[-1].astype(int)).mean() > 10


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


def test_mp4_odd_size_made_even_by_scale_is_not_padded(tmp_path):
    out = write_frames(square_frames(2, 63, 65), tmp_path / "odd2.mp4", "mp4", FPS, 2, scale=2)
    images, _ = read_mp4(out)
    assert [image.shape for image in images] == [(126, 130, 3)] * 2


# -- GIF ------------------------------------------------------------------------------------------


def test_gif_round_trip_loops_with_frame_durations(tmp_path):
    frames = square_frames()
    out = write_frames(frames, tmp_path / "anim.gif", "gif", FPS, len(frames), scale=2)
    assert out.is_file() and leftovers(tmp_path) == []
    images, durations, loop_count = read_gif(out)
    assert len(images) == 12
    assert loop_count == 0  # forever
    assert all(abs(d - 1000 / FPS) <= 10 for d in durations), durations
    for image, frame in zip(images, frames):
        assert image.shape == (128, 128, 3)
        difference = np.abs(image.astype(np.int16) - expected_bgr(frame, 2))
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
    with pytest.raises(ExportError, match=re.escape(f"{target} exists; pass --force to overwrite it")):
        write_frames(square_frames(2), target, fmt, FPS, 2)
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
    with pytest.raises(ExportError, match="exists; pass --force to overwrite it"):
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
    with pytest.raises(ExportError) as info:
        FrameWriter(tmp_path / "x.avi", "avi", FPS, 3)
    message = str(info.value)
    assert "avi" in message and str(tmp_path / "x.avi") in message
    assert all(fmt in message for fmt in FORMATS) and "\n" not in message
    with pytest.raises(ExportError, match="png, mp4, gif"):
        output_exists(tmp_path / "x.avi", "avi")


@pytest.mark.parametrize("kwargs, text", [(dict(fps=0), "fps"), (dict(fps=-5), "fps"), (dict(scale=0), "scale"),
                                          (dict(scale=1.5), "scale")])
def test_bad_arguments(tmp_path, kwargs, text):
    values = dict(fps=FPS, frame_count=3, scale=1) | kwargs
    with pytest.raises(ExportError, match=text):
        FrameWriter(tmp_path / "x.mp4", "mp4", **values)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", FORMATS)
def test_mismatched_frame_sizes(tmp_path, fmt):
    target = tmp_path / f"out.{fmt}"
    with pytest.raises(ExportError, match="all frames must share one size"):
        with FrameWriter(target, fmt, FPS, 2) as writer:
            writer.write(square_frames(1, 64, 64)[0])
            writer.write(square_frames(1, 32, 64)[0])
    if fmt != "png":
        assert list(tmp_path.iterdir()) == []  # neither target nor partial file


def test_bad_frame_layout_is_rejected(tmp_path):
    with FrameWriter(tmp_path / "f", "png", FPS, 1) as writer:
        with pytest.raises(ExportError, match=r"\[3, H, W\]"):
            writer.write(np.zeros((64, 64, 3), np.float32))
        with pytest.raises(ExportError, match="float"):
            writer.write(np.zeros((3, 64, 64), np.uint8))
        writer.write(np.zeros((3, 8, 8), np.float32))


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_missing_parent_folder_is_a_clear_error(tmp_path, fmt):
    target = tmp_path / "nowhere" / f"out.{fmt}"
    with pytest.raises(ExportError) as info:
        write_frames(square_frames(2), target, fmt, FPS, 2)
    assert str(target) in str(info.value) and "\n" not in str(info.value)
    assert not (tmp_path / "nowhere").exists()


def test_png_path_that_is_a_file_is_a_clear_error(tmp_path):
    target = tmp_path / "frames"
    target.write_bytes(b"x")
    with pytest.raises(ExportError, match="not a folder"):
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
        with pytest.raises(ExportError, match=re.escape(str(locked))):
            write_frames(square_frames(2), target, fmt, FPS, 2)
    finally:
        locked.chmod(0o700)


def test_no_frames_is_an_error(tmp_path):
    with pytest.raises(ExportError, match="no frames"):
        write_frames([], tmp_path / "empty.mp4", "mp4", FPS, 0)
    assert list(tmp_path.iterdir()) == []


# -- scaling, progress ----------------------------------------------------------------------------


def test_nearest_keeps_hard_edges_and_smooth_blends(tmp_path):
    frames = square_frames(1)
    nearest_dir = write_frames(frames, tmp_path / "nearest", "png", FPS, 1, scale=4, smooth=False)
    smooth_dir = write_frames(frames, tmp_path / "smooth", "png", FPS, 1, scale=4, smooth=True)
    nearest = cv2.imread(str(nearest_dir / "frame_0000.png"))
    smooth = cv2.imread(str(smooth_dir / "frame_0000.png"))
    assert nearest.shape == smooth.shape == (256, 256, 3)

    source = expected_bgr(frames[0])
    np.testing.assert_array_equal(nearest, cv2.resize(source, (256, 256), interpolation=cv2.INTER_NEAREST))
    # hard edges: only the two source colours, every 4x4 block uniform
    assert {tuple(c) for c in nearest.reshape(-1, 3)} == {(204, 102, 51), (255, 255, 255)}
    blocks = nearest.reshape(64, 4, 64, 4, 3)
    assert (blocks == blocks[:, :1, :, :1]).all()

    assert not np.array_equal(nearest, smooth)
    assert len({tuple(c) for c in smooth.reshape(-1, 3)}) > 2  # intermediate colours at the edges
    # cubic overshoot is clipped, not wrapped: the square's interior stays white, the far background intact
    assert (smooth[84:140, 20:76] == 255).all()
    assert (smooth[200:, 150:] == (204, 102, 51)).all()


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
    with pytest.raises(ExportError, match="closed"):
        writer.write(square_frames(1)[0])


def test_opencv_write_failures_become_export_errors(tmp_path, monkeypatch):
    """Failures OpenCV only reports by a return value (full disk, codec missing) name the path."""

    class ClosedWriter:
        def __init__(self, *args):
            pass

        def isOpened(self):
            return False

        def release(self):
            pass

    monkeypatch.setattr(cv2, "VideoWriter", ClosedWriter)
    with pytest.raises(ExportError, match=re.escape(str(tmp_path / "v.mp4"))):
        write_frames(square_frames(2), tmp_path / "v.mp4", "mp4", FPS, 2)

    monkeypatch.setattr(cv2, "imwriteanimation", lambda *args: False)
    with pytest.raises(ExportError, match=re.escape(str(tmp_path / "a.gif"))):
        write_frames(square_frames(2), tmp_path / "a.gif", "gif", FPS, 2)

    monkeypatch.setattr(cv2, "imwrite", lambda *args: False)
    with pytest.raises(ExportError, match=re.escape(str(tmp_path / "f" / "frame_0000.png"))):
        write_frames(square_frames(2), tmp_path / "f", "png", FPS, 2)

    assert sorted(p.name for p in tmp_path.iterdir()) == ["f"]  # no partial files


def test_module_imports_neither_torch_nor_qt():
    code = ("import sys, export.frames; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'PyQt5', 'PyQt6')]; "
            "assert not bad, bad")
    root = Path(__file__).resolve().parents[1]
    subprocess.run([sys.executable, "-c", code], cwd=root, check=True, timeout=60)
