"""Every failure to read a clip is one MediaError line naming the file, from probe and Clip alike;
the package loads without Qt or torch."""

import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.media import Clip, MediaError, probe


@pytest.mark.parametrize("index", [-1, 1, 100])
def test_out_of_range_index(tmp_path, index):
    p = tmp_path / "one.png"
    cv2.imwrite(str(p), np.zeros((4, 4, 3), np.uint8))
    clip = Clip(p)
    with pytest.raises(MediaError) as err:
        clip.frame(index)
    msg = str(err.value)
    assert str(p) in msg and str(index) in msg and "\n" not in msg


def _bad_inputs(tmp_path, mp4):
    random_mp4 = tmp_path / "random.mp4"
    random_mp4.write_bytes(np.random.default_rng(1).integers(0, 256, 20000, dtype=np.uint8).tobytes())
    truncated = tmp_path / "truncated.mp4"
    truncated.write_bytes(mp4.read_bytes()[:500])
    zero = tmp_path / "zero.mp4"
    writer = cv2.VideoWriter(str(zero), cv2.VideoWriter_fourcc(*"mp4v"), 25, (32, 32))
    writer.release()
    empty_dir = tmp_path / "empty"
    empty_dir.mkdir()
    no_images = tmp_path / "no_images"
    no_images.mkdir()
    (no_images / "readme.txt").write_text("hi")
    bad_png = tmp_path / "bad.png"
    bad_png.write_bytes(b"\x89PNG not really")
    empty_jpg = tmp_path / "empty.jpg"
    empty_jpg.write_bytes(b"")
    bad_gif = tmp_path / "bad.gif"
    bad_gif.write_bytes(b"GIF89a garbage")
    folder_bad_member = tmp_path / "bad_member"
    folder_bad_member.mkdir()
    cv2.imwrite(str(folder_bad_member / "a1.png"), np.zeros((4, 4, 3), np.uint8))
    (folder_bad_member / "a2.png").write_bytes(b"junk")
    return {
        "random bytes": (random_mp4, "not a video OpenCV can decode"),
        "truncated": (truncated, "not a video OpenCV can decode"),
        "zero frames": (zero, "not a video OpenCV can decode"),
        "missing": (tmp_path / "nope.mov", "no such file or folder"),
        "empty folder": (empty_dir, "no images (looked for .png, .jpg"),
        "folder without images": (no_images, "no images"),
        "unreadable png": (bad_png, "not an image OpenCV can decode"),
        "empty jpg": (empty_jpg, "not an image OpenCV can decode"),
        "bad gif": (bad_gif, "bad.gif"),
        "bad folder member": (folder_bad_member / "a2.png", "not an image OpenCV can decode", folder_bad_member),
    }


def test_bad_inputs_raise_one_line_media_error(tmp_path, mp4):
    for name, spec in _bad_inputs(tmp_path, mp4).items():
        named, expected = spec[0], spec[1]
        target = spec[2] if len(spec) > 2 else named
        for opener in (probe, Clip):
            with pytest.raises(MediaError) as err:
                opener(target)
            msg = str(err.value)
            assert "\n" not in msg, (name, msg)
            assert msg.startswith(f"{named}: "), (name, msg)
            assert expected in msg, (name, msg)


def test_media_error_is_runtime_error():
    assert issubclass(MediaError, RuntimeError)


def test_no_torch_or_qt_import():
    root = Path(__file__).resolve().parents[2]
    code = ("import sys; import workstation.media; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'PyQt5', 'PyQt6', 'qtpy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
