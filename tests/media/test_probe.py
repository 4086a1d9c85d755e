"""probe: what each kind of clip is found to be, frame counts established by reading."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.media import Clip, ClipInfo, MediaError, probe

VTEST = Path(__file__).resolve().parents[3] / "shared/data/footage/vtest.avi"


def test_probe_mp4(mp4):
    info = probe(mp4)
    assert info == ClipInfo(path=mp4, kind="video", frame_count=12, fps=25.0, width=64, height=48)


def test_probe_png_folder(png_folder):
    folder, frames = png_folder
    info = probe(folder)
    assert (info.kind, info.frame_count, info.width, info.height, info.fps) == ("images", 6, 30, 20, 12.0)


def test_probe_single_image(tmp_path):
    p = tmp_path / "still.png"
    cv2.imwrite(str(p), np.zeros((7, 11, 3), np.uint8))
    info = probe(str(p))  # str is accepted too
    assert info == ClipInfo(path=p, kind="image", frame_count=1, fps=12.0, width=11, height=7)


def test_probe_gif(gif):
    p, frames = gif
    info = probe(p)
    assert (info.kind, info.frame_count, info.width, info.height) == ("gif", 5, 32, 24)
    assert info.fps == pytest.approx(20.0)


def test_vtest_header_lies():
    assert VTEST.is_file(), f"missing {VTEST}"
    cap = cv2.VideoCapture(str(VTEST))
    assert cap.get(cv2.CAP_PROP_FRAME_COUNT) == 682  # what the header claims
    cap.release()
    info = probe(VTEST)
    assert (info.kind, info.frame_count, info.width, info.height, info.fps) == ("video", 341, 1280, 720, 50.0)
    clip = Clip(VTEST, cache_bytes=4 * 1280 * 720 * 3)
    last = clip.frame(340)
    assert last.shape == (720, 1280, 3) and last.dtype == np.uint8
    with pytest.raises(MediaError, match="341"):
        clip.frame(341)


def test_folder_with_mixed_sizes(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    for i, (h, w) in enumerate([(10, 12), (10, 12), (11, 12), (10, 12)]):
        cv2.imwrite(str(folder / f"f{i}.png"), np.zeros((h, w, 3), np.uint8))
    with pytest.raises(MediaError) as err:
        probe(folder)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(folder / "f2.png") in msg and "12x11" in msg and "12x10" in msg
