import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

from workstation.media import FIT_MODES, Clip, ClipInfo, MediaError, fit, probe, thumbnail

VTEST = Path(__file__).resolve().parents[2] / "shared/data/footage/vtest.avi"


# ----------------------------------------------------------------------------- fixtures

def _rgb_frame(i, w, h):
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
        writer.write(cv2.cvtColor(_rgb_frame(i, w, h), cv2.COLOR_RGB2BGR))
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


# ----------------------------------------------------------------------------- probe

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
    clip = Clip(VTEST, cache_frames=4)
    last = clip.frame(340)
    assert last.shape == (720, 1280, 3) and last.dtype == np.uint8
    with pytest.raises(MediaError, match="341"):
        clip.frame(341)


# ----------------------------------------------------------------------------- Clip

def test_png_folder_natural_order_and_random_access(png_folder):
    folder, expected = png_folder
    clip = Clip(folder, cache_frames=2)
    assert len(clip) == 6
    assert [int(f[0, 0, 0]) for f in clip.frames()] == [1, 2, 3, 9, 10, 11]
    for i in [5, 0, 3, 3, 1, 4, 2]:
        assert np.array_equal(clip.frame(i), expected[i])
    seq = list(clip.frames())
    for i, f in enumerate(seq):
        assert f.dtype == np.uint8 and f.shape == (20, 30, 3)
        assert np.array_equal(f, expected[i])


def test_mp4_random_access_matches_sequential(mp4):
    clip = Clip(mp4, cache_frames=3)
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
    clip = Clip(mp4, cache_frames=0)
    for i in range(len(clip)):
        clip.frame(i)
    assert clip._decoded == 12
    clip.frame(11)  # no cache: going back to the same frame reopens and decodes from the start
    assert clip._decoded == 24


def test_a_clip_opened_with_what_was_read_before_is_not_read_through_again(mp4, png_folder, monkeypatch):
    from workstation import media

    folder, folder_frames = png_folder
    infos = {path: probe(path) for path in (mp4, folder)}
    last_frames = {path: Clip(path).frame(info.frame_count - 1) for path, info in infos.items()}
    assert np.array_equal(last_frames[folder], folder_frames[-1])

    def no_full_read(*args, **kwargs):
        raise AssertionError("read through again")

    monkeypatch.setattr(media, "_probe_video", no_full_read)
    monkeypatch.setattr(media, "_scan_folder", no_full_read)
    for path, info in infos.items():
        clip = Clip(path, known=info)
        assert clip.info == info
        assert np.array_equal(clip.frame(info.frame_count - 1), last_frames[path])
    monkeypatch.undo()
    (folder / "frame1.png").unlink()  # the folder changed since: it is read and checked again
    assert len(Clip(folder, known=infos[folder])) == infos[folder].frame_count - 1


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


@pytest.mark.parametrize("index", [-1, 1, 100])
def test_out_of_range_index(tmp_path, index):
    p = tmp_path / "one.png"
    cv2.imwrite(str(p), np.zeros((4, 4, 3), np.uint8))
    clip = Clip(p)
    with pytest.raises(MediaError) as err:
        clip.frame(index)
    msg = str(err.value)
    assert str(p) in msg and str(index) in msg and "\n" not in msg


# ----------------------------------------------------------------------------- bad inputs

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


def test_media_error_is_runtime_error():
    assert issubclass(MediaError, RuntimeError)


def test_no_torch_or_qt_import():
    root = Path(__file__).resolve().parents[1]
    code = ("import sys; import workstation.media; "
            "bad = [m for m in sys.modules if m.split('.')[0] in ('torch', 'PySide6', 'PyQt5', 'PyQt6', 'qtpy')]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


# ----------------------------------------------------------------------------- fit / thumbnail

def _wide_image():
    """60 wide, 20 high: left third red, middle third green, right third blue."""
    img = np.zeros((20, 60, 3), np.uint8)
    img[:, :20, 0] = 255
    img[:, 20:40, 1] = 255
    img[:, 40:, 2] = 255
    return img


@pytest.mark.parametrize("mode", FIT_MODES)
@pytest.mark.parametrize("size", [10, 32])   # shrinking and growing
def test_fit_shape_dtype_range(mode, size):
    out = fit(_wide_image(), size, mode)
    assert out.shape == (3, size, size) and out.dtype == np.float32
    assert out.min() >= 0.0 and out.max() <= 1.0 and out.max() == pytest.approx(1.0)


def test_fit_crop_keeps_centre():
    out = fit(_wide_image(), 16, "crop")
    # centre crop of the wide image is the green middle third, entirely
    assert np.allclose(out[1], 1.0) and np.allclose(out[0], 0.0) and np.allclose(out[2], 0.0)


def test_fit_letterbox_pads_black():
    out = fit(_wide_image(), 30, "letterbox")
    # 60x20 -> 30x10 band centred vertically at rows 10..19, black above and below
    assert np.all(out[:, :10] == 0) and np.all(out[:, 20:] == 0)
    band = out[:, 10:20]
    assert np.allclose(band[0, :, :10], 1.0) and np.allclose(band[1, :, 10:20], 1.0)
    assert np.allclose(band[2, :, 20:], 1.0)
    assert fit(_wide_image(), 30, "crop")[:, :10].max() > 0  # crop has no padding


def test_fit_values_scaled_to_unit_range():
    img = np.full((8, 8, 3), 51, np.uint8)
    assert np.allclose(fit(img, 8, "crop"), 0.2)


def test_fit_unknown_mode():
    with pytest.raises(ValueError, match="crop.*letterbox"):
        fit(_wide_image(), 8, "stretch")


def test_thumbnail():
    t = thumbnail(np.zeros((200, 400, 3), np.uint8), 96)
    assert t.shape == (48, 96, 3) and t.dtype == np.uint8
    tall = thumbnail(np.zeros((300, 100, 3), np.uint8))
    assert tall.shape == (96, 32, 3)
    small = np.ones((10, 20, 3), np.uint8)
    assert thumbnail(small, 96).shape == (10, 20, 3)  # never enlarged
