"""Clips on disk for the media tests: an MP4, a PNG folder and a GIF, written with OpenCV."""

import cv2
import numpy as np
import pytest


def rgb_frame(i, w, h):
    """A frame whose colour encodes i (big flat areas survive lossy codecs)."""
    f = np.zeros((h, w, 3), np.uint8)
    f[..., 0] = (i * 37) % 256         # R
    f[..., 1] = 255 - (i * 23) % 256   # G
    f[..., 2] = 40                      # B
    f[: h // 4, : w // 4] = 255         # a white corner to check orientation
    return f


@pytest.fixture
def mp4(tmp_path):
    p = tmp_path / "clip.mp4"
    w, h, n = 64, 48, 12
    writer = cv2.VideoWriter(str(p), cv2.VideoWriter_fourcc(*"mp4v"), 25, (w, h))
    assert writer.isOpened()
    for i in range(n):
        writer.write(cv2.cvtColor(rgb_frame(i, w, h), cv2.COLOR_RGB2BGR))
    writer.release()
    return p


@pytest.fixture
def png_folder(tmp_path):
    folder = tmp_path / "frames"
    folder.mkdir()
    rng = np.random.default_rng(0)
    frames = {}
    for i in [1, 2, 3, 9, 10, 11]:   # natural order 1,2,3,9,10,11; lexical would put 10 before 2
        img = rng.integers(0, 256, (20, 30, 3), dtype=np.uint8)
        img[0, 0] = (i, 0, 0)  # R channel of pixel (0,0) names the frame
        cv2.imwrite(str(folder / f"frame{i}.png"), cv2.cvtColor(img, cv2.COLOR_RGB2BGR))
        frames[i] = img
    (folder / "notes.txt").write_text("not an image")
    (folder / "._frame5.png").write_bytes(b"macOS resource fork junk")  # hidden: ignored
    return folder, [frames[i] for i in sorted(frames)]


@pytest.fixture
def gif(tmp_path):
    p = tmp_path / "anim.gif"
    anim = cv2.Animation()
    frames = []
    for i in range(5):
        f = np.zeros((24, 32, 3), np.uint8)
        f[:, : 8 * (i + 1)] = 255          # white bar grows with i (black/white survive the palette)
        frames.append(f)
    anim.frames = frames
    anim.durations = [50, 50, 50, 50, 50]
    assert cv2.imwriteanimation(str(p), anim)
    return p, frames
