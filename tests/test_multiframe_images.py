"""Image files of several frames (issue 27): Stopframe's own animated WebP and APNG exports, an APNG
named ``.apng`` and a multi-page TIFF import as clips of all their frames, at the rate their frame
durations give (a TIFF, which stores none, at the default rate), through ``probe``, ``Clip`` and
the ``train --clip`` data path alike; a one-frame PNG, WebP or TIFF stays a one-frame image. What
cannot be read whole is refused in one line naming the file and the format.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.data.clips import ClipPairs
from workstation.media import DEFAULT_FPS, Clip, ClipInfo, MediaError, fit, probe
from workstation.output.writer import write_frames

FRAMES, FPS, SIZE = 9, 10.0, (30, 40)  # (height, width)


def picture(i: int) -> np.ndarray:
    """Frame ``i`` as uint8 RGB: noise that no other frame shares, so any mix-up shows."""
    return np.random.default_rng(i).integers(0, 256, (*SIZE, 3), dtype=np.uint8)


def export(tmp_path: Path, fmt: str, name: str) -> Path:
    """The frames exported as ``fmt`` by Stopframe's own writer (float32 CHW in [0, 1], as rendered)."""
    frames = (picture(i).transpose(2, 0, 1).astype(np.float32) / 255.0 for i in range(FRAMES))
    return write_frames(frames, tmp_path / name, fmt, FPS, FRAMES)


def animated_png_named_apng(tmp_path: Path) -> Path:
    target = tmp_path / "anim.apng"
    shutil.copy(export(tmp_path, "apng", "exported.png"), target)
    return target


ANIMATIONS = {
    "animated WebP export": lambda tmp: export(tmp, "webp", "anim.webp"),
    "APNG export (.png)": lambda tmp: export(tmp, "apng", "anim.png"),
    "APNG named .apng": animated_png_named_apng,
}


@pytest.fixture(params=list(ANIMATIONS))
def animation(request, tmp_path) -> Path:
    return ANIMATIONS[request.param](tmp_path)


def test_an_exported_animation_is_probed_with_every_frame_and_its_rate(animation):
    assert probe(animation) == ClipInfo(path=animation, kind="gif", frame_count=FRAMES, fps=FPS,
                                        width=SIZE[1], height=SIZE[0])


def test_a_clip_of_an_exported_animation_gives_frame_i_of_it(animation):
    clip = Clip(animation)
    assert (len(clip), clip.info.fps) == (FRAMES, FPS)
    for i in (FRAMES // 2, FRAMES - 1, 0, 3):  # seeking back and forth: each the frame written (lossless)
        np.testing.assert_array_equal(clip.frame(i), picture(i))
    frames = list(clip.frames())
    assert len(frames) == FRAMES
    np.testing.assert_array_equal(frames[FRAMES // 2], picture(FRAMES // 2))


def test_train_clip_reads_every_frame_of_an_animated_webp(tmp_path):
    """`train --clip anim.webp` used to say "1 frames is too few"."""
    webp = export(tmp_path, "webp", "anim.webp")
    train, val = ClipPairs.splits([str(webp)], image_size=16, max_gap=1)
    assert (len(train), len(val)) == (FRAMES - 2, 2)  # the last tenth, at least max_gap + 1, held out
    middle = (fit(picture(3), 16) * 255.0 + 0.5).astype(np.uint8)
    np.testing.assert_array_equal(train.clips[0][3], middle)


def test_a_multi_page_tiff_is_a_clip_of_its_pages_at_the_default_rate(tmp_path):
    tiff = tmp_path / "pages.tif"
    assert cv2.imwritemulti(str(tiff), [cv2.cvtColor(picture(i), cv2.COLOR_RGB2BGR) for i in range(5)])
    assert probe(tiff) == ClipInfo(path=tiff, kind="gif", frame_count=5, fps=DEFAULT_FPS,
                                   width=SIZE[1], height=SIZE[0])  # TIFF stores no durations
    clip = Clip(tiff)
    assert len(clip) == 5
    np.testing.assert_array_equal(clip.frame(2), picture(2))


@pytest.mark.parametrize("extension", [".png", ".webp", ".tif"])
def test_a_single_frame_image_stays_a_one_frame_image(tmp_path, extension):
    still = tmp_path / f"still{extension}"
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if extension == ".webp" else []  # 101: lossless
    assert cv2.imwrite(str(still), cv2.cvtColor(picture(7), cv2.COLOR_RGB2BGR), params)
    assert probe(still) == ClipInfo(path=still, kind="image", frame_count=1, fps=DEFAULT_FPS,
                                    width=SIZE[1], height=SIZE[0])
    clip = Clip(still)
    assert len(clip) == 1
    np.testing.assert_array_equal(clip.frame(0), picture(7))


def test_a_clip_entry_from_before_still_reads_the_animation(tmp_path):
    """A project stores no kind; one that imported an animated WebP as one frame still opens it,
    and its frame 0 is the animation's first frame."""
    webp = export(tmp_path, "webp", "anim.webp")
    old_entry = ClipInfo(path=webp, kind="image", frame_count=1, fps=DEFAULT_FPS, width=SIZE[1], height=SIZE[0])
    clip = Clip(webp, known=old_entry)
    assert len(clip) == FRAMES
    np.testing.assert_array_equal(clip.frame(0), picture(0))


def one_line(opener, path: Path) -> str:
    with pytest.raises(MediaError) as error:
        opener(path)
    message = str(error.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize("opener", [probe, Clip])
def test_an_animation_in_a_folder_of_images_is_refused_naming_it(tmp_path, opener):
    folder = tmp_path / "frames"
    folder.mkdir()
    assert cv2.imwrite(str(folder / "frame1.png"), picture(0))
    webp = export(tmp_path, "webp", "anim.webp").rename(folder / "frame2.webp")
    message = one_line(opener, folder)
    assert message.startswith(f"{webp}: an animated WebP of {FRAMES} frames"), message


@pytest.mark.parametrize("opener", [probe, Clip])
def test_a_tiff_whose_pages_differ_in_size_is_refused_naming_the_format(tmp_path, opener):
    tiff = tmp_path / "pages.tif"
    assert cv2.imwritemulti(str(tiff), [picture(0), picture(1)[:15, :20].copy()])
    message = one_line(opener, tiff)
    assert message == f"{tiff}: multi-page TIFF frame 1 is 20x15 but frame 0 is 40x30"


@pytest.mark.parametrize("opener", [probe, Clip])
def test_a_damaged_animated_webp_is_refused_naming_the_format(tmp_path, opener, monkeypatch):
    """OpenCV counts the frames but its animation reader fails: FFmpeg cannot read an animated WebP,
    so it is refused rather than read as one frame or none."""
    webp = export(tmp_path, "webp", "anim.webp")
    monkeypatch.setattr(cv2, "imreadanimation", lambda *args: (False, cv2.Animation()))
    assert one_line(opener, webp) == f"{webp}: not an animated WebP OpenCV can decode"
