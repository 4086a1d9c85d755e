"""Clip: random access matches sequential decoding, for every kind of clip; the cache and `known`."""

from dataclasses import replace

import cv2
import numpy as np
import pytest

from workstation.media import Clip, MediaError, probe


def test_png_folder_natural_order_and_random_access(png_folder):
    folder, expected = png_folder
    clip = Clip(folder, cache_bytes=2 * 20 * 30 * 3)
    assert len(clip) == 6
    assert [int(f[0, 0, 0]) for f in clip.frames()] == [1, 2, 3, 9, 10, 11]
    for i in [5, 0, 3, 3, 1, 4, 2]:
        assert np.array_equal(clip.frame(i), expected[i])
    seq = list(clip.frames())
    for i, f in enumerate(seq):
        assert f.dtype == np.uint8 and f.shape == (20, 30, 3)
        assert np.array_equal(f, expected[i])


def test_mp4_random_access_matches_sequential(mp4):
    clip = Clip(mp4, cache_bytes=3 * 48 * 64 * 3)
    seq = list(clip.frames())
    assert len(seq) == len(clip) == 12
    for f in seq:
        assert f.shape == (48, 64, 3) and f.dtype == np.uint8
    # decoded colours are RGB (not BGR): frame 5 is R=185, G=140, B=40 in the middle
    assert np.allclose(seq[5][30, 40].astype(int), [185, 140, 40], atol=12)
    assert seq[5][2, 2].min() > 200  # white corner top-left
    for i in [7, 2, 11, 0, 5, 6, 1, 11, 3]:
        assert np.array_equal(clip.frame(i), seq[i]), i


def test_mp4_sequential_access_decodes_each_frame_once(mp4):
    clip = Clip(mp4, cache_bytes=0)
    for i in range(len(clip)):
        clip.frame(i)
    assert clip._decoded == 12
    clip.frame(11)  # no cache: going back to the same frame reopens and decodes from the start
    assert clip._decoded == 24


def test_the_decoded_frames_kept_stay_within_the_clips_bytes(mp4, png_folder):
    frame_bytes = 48 * 64 * 3
    clip = Clip(mp4, cache_bytes=int(4.5 * frame_bytes))
    for i in [0, 11, 3, 7, 7, 2, 10, 5, 1, 9]:
        clip.frame(i)
        assert clip._cache.nbytes <= 4.5 * frame_bytes and len(clip._cache) <= 4
    decoded = clip._decoded
    clip.frame(8)  # just behind the last frame read: kept on the way to it, no reopening
    assert clip._decoded == decoded
    folder, expected = png_folder  # the frames validation reads are kept while they fit
    kept = Clip(folder, cache_bytes=3 * 20 * 30 * 3)._cache
    assert [i for i in range(6) if i in kept] == [0, 1, 2] and kept.nbytes == 3 * 20 * 30 * 3
    with pytest.raises(ValueError, match="max_bytes must be >= 0"):
        Clip(folder, cache_bytes=-1)


def test_a_clip_opened_with_what_was_read_before_is_not_read_through_again(mp4, png_folder, monkeypatch):
    from workstation.media import clip as clip_module

    folder, folder_frames = png_folder
    infos = {path: probe(path) for path in (mp4, folder)}
    last_frames = {path: Clip(path).frame(info.frame_count - 1) for path, info in infos.items()}
    assert np.array_equal(last_frames[folder], folder_frames[-1])

    def no_full_read(*args, **kwargs):
        raise AssertionError("read through again")

    monkeypatch.setattr(clip_module, "probe_video", no_full_read)
    monkeypatch.setattr(clip_module, "scan_folder", no_full_read)
    for path, info in infos.items():
        clip = Clip(path, known=info)
        assert clip.info == info
        assert np.array_equal(clip.frame(info.frame_count - 1), last_frames[path])
    monkeypatch.undo()
    (folder / "frame1.png").unlink()  # the folder changed since: its names unknown, it is read and checked again
    assert len(Clip(folder, known=replace(infos[folder], image_names=None))) == infos[folder].frame_count - 1
    with pytest.raises(MediaError, match=r"\(removed: frame1\.png\); the frames after them would shift"):
        Clip(folder, known=infos[folder])  # its names known: refused, saying what changed


def test_frame_returns_private_copy(png_folder):
    folder, expected = png_folder
    clip = Clip(folder)
    clip.frame(0)[:] = 0
    assert np.array_equal(clip.frame(0), expected[0])


def test_gif_frames(gif):
    p, frames = gif
    clip = Clip(p)
    assert len(clip) == 5
    seq = list(clip.frames())
    for i in range(5):
        got = clip.frame(i)
        assert got.shape == (24, 32, 3) and got.dtype == np.uint8
        assert np.array_equal(got, seq[i])
        # the GIF palette/dither is lossy: the white bar still ends where it should
        assert np.abs(got.astype(int) - frames[i].astype(int)).mean() < 4
        width = 8 * (i + 1)
        assert got[:, :width].min() > 200
        if width < 32:
            assert got[:, width + 1:].max() < 64


def test_single_image_grey_16bit_and_alpha(tmp_path):
    grey16 = tmp_path / "g16.png"
    cv2.imwrite(str(grey16), np.full((5, 6), 65535, np.uint16))
    rgba = tmp_path / "rgba.png"
    bgra = np.zeros((5, 6, 4), np.uint8)
    bgra[..., 0], bgra[..., 2], bgra[..., 3] = 10, 200, 0  # B=10, R=200, fully transparent
    cv2.imwrite(str(rgba), bgra)

    g = Clip(grey16).frame(0)
    assert g.shape == (5, 6, 3) and g.dtype == np.uint8 and (g == 255).all()
    a = Clip(rgba).frame(0)
    assert a.shape == (5, 6, 3) and tuple(a[0, 0]) == (200, 0, 10)
