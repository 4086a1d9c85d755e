"""workstation/output: the formats with alpha (ProRes MOV, VP9 WebM, APNG, WebP, sprite sheet), written
through FrameWriter / write_frames / `stopframe render` and read back as a user's tools would: PyAV
(with the libvpx-vp9 decoder for VP9's alpha), OpenCV, the sprite sheet's JSON."""

import errno
import json
import os
import re

import av
import cv2
import numpy as np
import pytest

from tests.faults import failing_writes
from tests.test_render import assert_fails_in_one_line, demo, render_in_process  # noqa: F401 (a fixture)
from tests.test_render_layers import engine_layer
from workstation import project as document
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputExists
from workstation.output.formats import (
    ALPHA_FORMATS,
    FORMAT_INFO,
    FORMATS,
    FrameWriteError,
    OutputFormat,
    extension,
    has_alpha,
)
from workstation.output.writer import FrameWriter, output_exists, write_frames
from workstation.render.layers import LayerView
from workstation.render.shot_frames import open_engine, render_shot

FPS = 12
SIZE = 32
COLOUR = (1.0, 0.6, 0.0)  # the square's RGB: 255, 153, 0
UNDER = (0.2, 0.4, 0.8)  # the colour where alpha is 0


def rgba_frames(count=8, height=SIZE, width=SIZE):
    """A 12x12 opaque square moving right, a half-transparent band at the bottom, transparent elsewhere."""
    frames = []
    for i in range(count):
        frame = np.zeros((4, height, width), np.float32)
        frame[:3] = np.asarray(UNDER, np.float32)[:, None, None]
        frame[:3, 10:22, 2 + 2 * i:14 + 2 * i] = np.asarray(COLOUR, np.float32)[:, None, None]
        frame[3, 10:22, 2 + 2 * i:14 + 2 * i] = 1.0
        frame[3, height - 4:, :] = 0.5
        frames.append(frame)
    return frames


def as_rgba8(frame):
    """What a frame is in 8 bits: [H, W, 4] RGBA at its own size."""
    image = np.rint(frame.transpose(1, 2, 0) * 255).astype(np.uint8)
    if image.shape[2] == 3:
        image = np.concatenate([image, np.full(image.shape[:2] + (1,), 255, np.uint8)], axis=2)
    return image


def read_with_pyav(path, decoder=None):
    """Every frame as RGBA, and whether the decoded pixel format had alpha."""
    images, alpha = [], []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        context = av.codec.CodecContext.create(decoder, "r") if decoder else stream.codec_context
        for packet in container.demux(stream):
            for frame in context.decode(packet):
                alpha.append(any(component.is_alpha for component in frame.format.components))
                images.append(frame.to_ndarray(format="rgba"))
    return images, all(alpha)


def read_animation(path):
    ok, animation = cv2.imreadanimation(str(path))
    assert ok
    frames = [cv2.cvtColor(frame, cv2.COLOR_BGRA2RGBA) for frame in animation.frames]
    return frames, list(animation.durations), animation.loop_count


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def cut(atlas, rectangle):
    return atlas[rectangle["y"]:rectangle["y"] + rectangle["h"], rectangle["x"]:rectangle["x"] + rectangle["w"]]


def read_sheet(atlas_path):
    atlas = cv2.cvtColor(cv2.imread(str(atlas_path), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)
    return atlas, json.loads(atlas_path.with_suffix(".json").read_text())


# -- the table a user interface lists ---------------------------------------------------------------


def test_the_format_table_names_every_format_its_extension_and_alpha():
    assert FORMATS == tuple(OutputFormat) == ("png", "mp4", "gif", "mov", "webm", "apng", "webp", "sprites")
    assert list(FORMAT_INFO) == list(OutputFormat)
    assert ALPHA_FORMATS == ("png", "mov", "webm", "apng", "webp", "sprites")
    assert [has_alpha(fmt) for fmt in FORMATS] == [True, False, False, True, True, True, True, True]
    assert [extension(fmt) for fmt in FORMATS] == ["", ".mp4", ".gif", ".mov", ".webm", ".png", ".webp", ".png"]
    assert FORMAT_INFO["mov"].label == "ProRes 4444 with alpha (.mov)"
    assert FORMAT_INFO["png"].folder and not any(FORMAT_INFO[fmt].folder for fmt in FORMATS[1:])
    assert FORMAT_INFO["sprites"].sidecars == (".json", ".tres")
    assert has_alpha(".MOV") and extension("WebM") == ".webm"
    with pytest.raises(FrameWriteError, match="unknown format 'avi'; choose one of png, mp4"):
        has_alpha("avi")


def test_the_render_command_takes_every_format_by_its_name(capsys):
    import main

    parser = main.make_parser()
    for fmt in OutputFormat:
        assert parser.parse_args(["render", "p", "--shot", "s", "--out", "o", "--format", fmt.value]).format == fmt
    assert main.main(["render", "p", "--shot", "s", "--out", "o", "--format", "avi"]) == 2
    assert "invalid choice: 'avi' (choose from 'png', 'mp4', 'gif', 'mov'" in capsys.readouterr().err


# -- videos with alpha: ProRes 4444, VP9 ----------------------------------------------------------


@pytest.mark.parametrize("fmt, decoder, tolerance", [("mov", None, 2), ("webm", "libvpx-vp9", 12)])
def test_prores_and_vp9_read_back_with_their_alpha(tmp_path, fmt, decoder, tolerance):
    frames = rgba_frames()
    out = write_frames(frames, tmp_path / f"clip.{fmt}", fmt, FPS, len(frames))
    assert out.is_file() and leftovers(tmp_path) == []
    images, decoded_with_alpha = read_with_pyav(out, decoder)
    assert len(images) == 8 and decoded_with_alpha
    for i, (image, frame) in enumerate(zip(images, frames)):
        expected = as_rgba8(frame)
        assert image.shape == (SIZE, SIZE, 4)
        opaque, transparent = (slice(12, 20), slice(4 + 2 * i, 12 + 2 * i)), (slice(0, 7), slice(0, SIZE))
        assert image[transparent][..., 3].max() <= tolerance  # alpha 0
        assert image[opaque][..., 3].min() >= 255 - tolerance  # alpha 1
        assert np.abs(image[SIZE - 3:SIZE - 1, 2:-2, 3].astype(int) - 128).max() <= tolerance  # alpha 0.5
        assert np.abs(image[opaque][..., :3].astype(int) - expected[opaque][..., :3]).max() <= tolerance


def test_an_mp4_is_h264_that_plays_every_frame(tmp_path):
    """What browsers and every player play: H.264 (not MPEG-4 Part 2, OpenCV's mp4v) in yuv420p."""
    frames = [frame[:3] for frame in rgba_frames(9)]
    out = write_frames(frames, tmp_path / "clip.mp4", "mp4", FPS, len(frames))
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264" and stream.codec_context.pix_fmt == "yuv420p"
        images = [frame.to_ndarray(format="rgb24") for frame in container.decode(stream)]
    assert len(images) == 9 and images[0].shape == (SIZE, SIZE, 3)
    square = (slice(12, 20), slice(4 + 2 * 8, 12 + 2 * 8))  # the last frame's square, where it moved
    assert np.abs(images[8][square].astype(int) - as_rgba8(frames[8])[square][..., :3]).max() <= 8


def test_vp9_alpha_needs_the_libvpx_decoder(tmp_path):
    """What av.open picks for a WebM (FFmpeg's own vp9 decoder) drops the alpha: why the writer,
    and any reader, must decode with libvpx-vp9."""
    out = write_frames(rgba_frames(2), tmp_path / "clip.webm", "webm", FPS, 2)
    images, decoded_with_alpha = read_with_pyav(out)
    assert len(images) == 2 and not decoded_with_alpha


@pytest.mark.parametrize("fmt", ["mov", "webm", "apng", "webp"])
def test_rgb_frames_get_an_opaque_alpha(tmp_path, fmt):
    frames = [frame[:3] for frame in rgba_frames(3)]
    out = write_frames(frames, tmp_path / f"opaque{extension(fmt)}", fmt, FPS, 3)
    if fmt == "webp":
        images = read_animation(out)[0]
    else:
        images = read_with_pyav(out, "libvpx-vp9" if fmt == "webm" else None)[0]
    assert len(images) == 3
    for image, frame in zip(images, frames):
        assert image[..., 3].min() >= 254
        assert np.abs(image[..., :3].astype(int) - as_rgba8(frame)[..., :3]).mean() < 6  # VP9's 8-bit yuv420p


def test_vp9_keeps_odd_sizes_as_they_are(tmp_path):
    """No padding: a padded edge was a line of half-transparent pixels (VP9 blurs alpha into it)."""
    frames = rgba_frames(2, height=31, width=33)
    for frame in frames:
        frame[3] = 1.0
    images, _ = read_with_pyav(write_frames(frames, tmp_path / "odd.webm", "webm", FPS, 2), "libvpx-vp9")
    assert [image.shape for image in images] == [(31, 33, 4)] * 2
    assert min(image[..., 3].min() for image in images) >= 250  # opaque to the last row and column


# -- animations with alpha: APNG, WebP ------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["apng", "webp"])
def test_apng_and_webp_keep_alpha_loop_forever_at_the_frames_own_size(tmp_path, fmt):
    frames = rgba_frames(height=48, width=64)
    out = write_frames(frames, tmp_path / f"loop{extension(fmt)}", fmt, FPS, len(frames))
    assert leftovers(tmp_path) == []
    images, durations, loop_count = read_animation(out)
    assert len(images) == 8 and loop_count == 0
    assert all(abs(d - 1000 / FPS) <= 1 for d in durations), durations
    for image, frame in zip(images, frames):
        expected = as_rgba8(frame)
        assert image.shape == (48, 64, 4)
        np.testing.assert_array_equal(image[..., 3], expected[..., 3])  # lossless alpha
        visible = expected[..., 3] > 0
        np.testing.assert_array_equal(image[visible][:, :3], expected[visible][:, :3])
    if fmt == "apng":  # PyAV reads it too, with alpha
        decoded, decoded_with_alpha = read_with_pyav(out)
        assert len(decoded) == 8 and decoded_with_alpha


def test_a_grey_matte_is_written_as_opaque_grey(tmp_path):
    matte = [frame[3:] for frame in rgba_frames(2)]
    images = read_animation(write_frames(matte, tmp_path / "matte.png", "apng", FPS, 2))[0]
    for image, frame in zip(images, matte):
        grey = np.rint(frame[0] * 255).astype(np.uint8)
        np.testing.assert_array_equal(image, np.stack([grey, grey, grey, np.full_like(grey, 255)], axis=2))


# -- PNG folders: RGBA stays RGBA, RGB stays RGB ----------------------------------------------------


def test_png_frames_keep_four_channels_for_rgba_and_three_for_rgb(tmp_path):
    frames = rgba_frames(2)
    rgba = write_frames(frames, tmp_path / "rgba", "png", FPS, 2)
    rgb = write_frames([frame[:3] for frame in frames], tmp_path / "rgb", "png", FPS, 2)
    for index, frame in enumerate(frames):
        image = cv2.imread(str(rgba / f"frame_{index:04d}.png"), cv2.IMREAD_UNCHANGED)
        np.testing.assert_array_equal(cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA), as_rgba8(frame))
        image = cv2.imread(str(rgb / f"frame_{index:04d}.png"), cv2.IMREAD_UNCHANGED)
        assert image.shape == (SIZE, SIZE, 3)


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_rgba_frames_into_a_format_without_alpha_are_refused(tmp_path, fmt):
    with pytest.raises(FrameWriteError) as info:
        write_frames(rgba_frames(2), tmp_path / f"x.{fmt}", fmt, FPS, 2)
    assert "no alpha channel" in str(info.value) and "mov, webm, apng, webp, sprites" in str(info.value)
    assert list(tmp_path.iterdir()) == []


def test_a_gif_opencv_cannot_encode_is_one_line_and_opencv_says_nothing(tmp_path, monkeypatch, capfd):
    """Before: OpenCV's own five-line complaint reached the terminal ahead of the one line."""
    import workstation.output.encoders as encoders

    monkeypatch.setattr(encoders, "GIF_MIN_DURATION_MS", 10**9)  # a delay no GIF can hold
    capfd.readouterr()
    with pytest.raises(FrameWriteError) as info:
        write_frames([frame[:3] for frame in rgba_frames(2)], tmp_path / "x.gif", "gif", FPS, 2)
    assert str(info.value) == f"{tmp_path / 'x.gif'}: OpenCV could not encode the GIF"
    assert capfd.readouterr().err == ""
    assert list(tmp_path.iterdir()) == []


# -- sprite sheets --------------------------------------------------------------------------------


def test_a_sprite_sheets_json_names_every_frame_and_cutting_the_atlas_gives_the_frames(tmp_path):
    frames = rgba_frames(height=64, width=64)
    out = write_frames(frames, tmp_path / "walk.png", "sprites", FPS, len(frames))
    assert out == tmp_path / "walk.png"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["walk.json", "walk.png", "walk.tres"]
    atlas, sheet = read_sheet(out)
    assert atlas.shape == (192, 192, 4)  # 8 frames of 64x64: a 3x3 grid, the closest to square
    assert sheet["meta"] | {"version": None} == {  # frames that came without a shot: unscaled, one tag
        "app": "Stopframe", "version": None, "image": "walk.png", "format": "RGBA8888",
        "size": {"w": 192, "h": 192}, "scale": "1",
        "frameTags": [{"name": "walk", "from": 0, "to": 7, "direction": "forward"}], "layers": [], "slices": [],
        "cell": {"w": 64, "h": 64, "columns": 3, "rows": 3, "margin": 0, "spacing": 0}}
    assert [entry["filename"] for entry in sheet["frames"]] == [f"walk_{i}" for i in range(8)]
    rectangles = []
    for entry, frame in zip(sheet["frames"], frames):
        assert entry["duration"] == round(1000 / FPS)
        assert entry["rotated"] is False and entry["trimmed"] is False
        assert entry["sourceSize"] == {"w": 64, "h": 64}
        assert entry["spriteSourceSize"] == {"x": 0, "y": 0, "w": 64, "h": 64}
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), as_rgba8(frame))
        rectangles.append((entry["frame"]["x"], entry["frame"]["y"]))
    assert rectangles == [(x, y) for y in (0, 64, 128) for x in (0, 64, 128)][:8]  # row-major, no padding
    assert (atlas[128:, 128:] == 0).all()  # the empty cell is transparent


def test_a_sprite_sheet_of_tall_frames_is_laid_out_closest_to_square(tmp_path):
    frames = rgba_frames(6, height=32, width=8)
    atlas, sheet = read_sheet(write_frames(frames, tmp_path / "tall.png", "sprites", 25, 6))
    assert atlas.shape == (32, 48, 4) and sheet["meta"]["size"] == {"w": 48, "h": 32}  # one row of 6
    assert all(entry["duration"] == 40 for entry in sheet["frames"])
    for entry, frame in zip(sheet["frames"], frames):
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), as_rgba8(frame))


def test_a_sprite_sheet_of_1280x720_frames_has_1280x720_cells(tmp_path):
    frames = rgba_frames(3, height=720, width=1280)
    with FrameWriter(tmp_path / "wide.png", "sprites", FPS, 3, frame_size=(720, 1280)) as writer:
        for frame in frames:
            writer.write(frame)
    atlas, sheet = read_sheet(tmp_path / "wide.png")
    assert atlas.shape == (2160, 1280, 4)  # one column of 3: the closest to square
    for entry, frame in zip(sheet["frames"], frames, strict=True):
        assert entry["sourceSize"] == {"w": 1280, "h": 720} and entry["frame"]["w"] == 1280
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), as_rgba8(frame))


def test_a_sprite_sheet_of_rgb_frames_is_opaque(tmp_path):
    frames = [frame[:3] for frame in rgba_frames(4)]
    atlas, sheet = read_sheet(write_frames(frames, tmp_path / "rgb.png", "sprites", FPS, 4))
    for entry, frame in zip(sheet["frames"], frames):
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), as_rgba8(frame))


@pytest.mark.parametrize("suffix", [".json", ".tres"])
def test_a_sprite_sheet_exists_when_any_of_its_files_does(tmp_path, suffix):
    atlas = tmp_path / "sheet.png"
    assert not output_exists(atlas, "sprites")
    atlas.with_suffix(suffix).write_text("{}")
    assert output_exists(atlas, "sprites")
    with pytest.raises(OutputExists, match=re.escape(f"{atlas.with_suffix(suffix)}: already exists")):
        write_frames(rgba_frames(2), atlas, "sprites", FPS, 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"sheet{suffix}"]
    write_frames(rgba_frames(2), atlas, "sprites", FPS, 2, force=True)
    assert len(read_sheet(atlas)[1]["frames"]) == 2
    with pytest.raises(FrameWriteError, match="its JSON and .tres are written beside it"):
        FrameWriter(tmp_path / f"sheet{suffix}", "sprites", FPS, 2)


def test_a_sprite_sheet_too_large_is_refused_before_anything_is_written(tmp_path):
    target = tmp_path / "huge.png"
    with pytest.raises(StopframeError) as info:
        FrameWriter(target, "sprites", FPS, 10**6, frame_size=(256, 256))
    assert str(info.value) == (f"{target}: a sprite sheet of 1000000 frames of 256x256 would be over 16384 pixels "
                               "a side (at most 4096 such frames fit); render fewer frames or a smaller size")
    assert list(tmp_path.iterdir()) == []


# -- failures leave the previous output as it was -------------------------------------------------


def sheet_files(atlas):
    return atlas.read_bytes(), atlas.with_suffix(".json").read_bytes(), atlas.with_suffix(".tres").read_bytes()


def test_a_full_disk_while_writing_a_sprite_sheets_json_keeps_the_previous_files(tmp_path):
    atlas = tmp_path / "sheet.png"
    write_frames(rgba_frames(3), atlas, "sprites", FPS, 3)
    before = sheet_files(atlas)
    (tmp_path / "size").mkdir()
    atlas_bytes = len(write_frames(rgba_frames(), tmp_path / "size" / "sheet.png", "sprites", FPS, 8).read_bytes())
    for budget in (100, atlas_bytes + 100):  # fails in the atlas, then in the JSON written after it
        with failing_writes(tmp_path, errno.ENOSPC, after_bytes=budget), pytest.raises(StopframeError) as info:
            write_frames(rgba_frames(), atlas, "sprites", FPS, 8, force=True)
        assert "\n" not in str(info.value) and str(atlas) in str(info.value) and "No space left" in str(info.value)
        assert sheet_files(atlas) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.json", "sheet.png", "sheet.tres", "size"]


@pytest.mark.parametrize("previous", [True, False], ids=["a previous sheet", "none before"])
def test_when_the_atlas_cannot_follow_its_json_the_previous_files_come_back(tmp_path, monkeypatch, previous):
    """The .tres and the JSON are renamed first; if the atlas then fails to follow, the previous ones
    are put back (or, with no previous sheet, the new ones are taken away again): never a mismatched
    sheet."""
    atlas = tmp_path / "sheet.png"
    if previous:
        write_frames(rgba_frames(3), atlas, "sprites", FPS, 3)
    before = sheet_files(atlas) if previous else None
    real_replace = os.replace

    def atlas_rename_fails(source, destination):
        if os.fspath(destination) == str(atlas):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", atlas_rename_fails)
    with pytest.raises(StopframeError) as info:
        write_frames(rgba_frames(), atlas, "sprites", FPS, 8, force=True)
    assert str(info.value) == f"{atlas}: {os.strerror(errno.EIO)}"
    if previous:
        assert sheet_files(atlas) == before
        assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.json", "sheet.png", "sheet.tres"]
    else:
        assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("fmt", ["mov", "webm"])
def test_a_full_disk_while_writing_a_video_with_alpha_keeps_the_previous_one(tmp_path, fmt):
    target = tmp_path / f"keep.{fmt}"
    write_frames(rgba_frames(3), target, fmt, FPS, 3)
    before = target.read_bytes()
    noisy = [np.random.default_rng(seed).random((4, 2 * SIZE, 2 * SIZE), dtype=np.float32) for seed in range(8)]
    with failing_writes(tmp_path, errno.ENOSPC, after_bytes=20_000), pytest.raises(StopframeError) as info:
        write_frames(noisy, target, fmt, FPS, 8, force=True)
    assert "\n" not in str(info.value) and str(target) in str(info.value) and "No space left" in str(info.value)
    assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


def test_a_mov_that_reads_back_short_or_without_alpha_is_refused(tmp_path, monkeypatch):
    import workstation.output.video as video

    target = tmp_path / "keep.mov"
    write_frames(rgba_frames(3), target, "mov", FPS, 3)
    before = target.read_bytes()
    real_read = video.read_with_pyav
    for change, fragment in ((dict(frames=7), "reads back as 7 frames of 32x32, not 8 of 32x32"),
                             (dict(alpha=False), "reads back without its alpha channel")):
        monkeypatch.setattr(video, "read_with_pyav", lambda *args, change=change: real_read(*args)._replace(**change))
        with pytest.raises(FrameWriteError, match=re.escape(f"{target}: the new MOV {fragment}")):
            write_frames(rgba_frames(), target, "mov", FPS, 8, force=True)
        assert target.read_bytes() == before and sorted(p.name for p in tmp_path.iterdir()) == [target.name]


# -- through `stopframe render` ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt, decoder, tolerance", [("mov", None, 2), ("webm", "libvpx-vp9", 6)])
def test_render_the_characters_layer_to_a_video_with_alpha(demo, tmp_path, capsys, fmt, decoder,  # noqa: F811
                                                           tolerance):
    out = tmp_path / f"characters.{fmt}"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--format", fmt,
                                    "--layer", "characters", "--range", "0:4", "--scale", "1")  # the shot's size
    assert code == 0, lines
    images, decoded_with_alpha = read_with_pyav(out, decoder)
    assert len(images) == 4 and decoded_with_alpha
    written = np.stack([image[..., 3] for image in images]).astype(int)
    alpha = np.stack([rgba[3] for rgba in engine_layer(demo, "characters")[:4]]) * 255
    assert 0 < alpha.mean() < 255  # something is drawn, and not everywhere
    difference = np.abs(written - alpha)
    assert difference.mean() < tolerance / 2
    assert difference[alpha < 3].mean() < tolerance and difference[alpha > 250].mean() < tolerance  # clear, solid


def test_render_the_characters_layer_to_a_sprite_sheet_at_twice_the_shots_size(demo, tmp_path, capsys):  # noqa: F811
    """``--scale 2``: the engine renders at twice the shot's own output size; the cells are those frames."""
    out = tmp_path / "duet.png"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--format", "sprites",
                                    "--layer", "characters", "--range", "0:5", "--scale", "2")
    assert code == 0, lines
    project = document.load_project(demo)
    own = project.shot("duet").output
    twice = document.Output(2 * own.width, 2 * own.height, own.scaling)
    expected = render_shot(open_engine(project), project, "duet", range(5), LayerView.CHARACTERS, output=twice)
    atlas, sheet = read_sheet(out)
    assert len(sheet["frames"]) == 5
    for entry, rgba in zip(sheet["frames"], expected, strict=True):
        assert entry["sourceSize"] == {"w": twice.width, "h": twice.height}
        written = cut(atlas, entry["frame"])
        assert np.abs(written.astype(int) - (rgba.transpose(1, 2, 0) * 255).round()).max() <= 1


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_render_the_characters_layer_without_alpha_is_one_line_exit_2(demo, tmp_path, capsys, fmt):  # noqa: F811
    out = tmp_path / f"characters.{fmt}"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--format", fmt,
                                    "--layer", "characters")
    assert_fails_in_one_line(code, lines, str(out), f"{fmt} has no alpha channel",
                             "png, mov, webm, apng, webp, sprites")
    assert len(lines) == 1 and list(tmp_path.iterdir()) == [demo.parent]


def test_render_a_sprite_sheet_of_a_billion_frames_is_refused_at_once(demo, tmp_path, capsys):  # noqa: F811
    from tests.test_render import with_shot_length

    name = with_shot_length(demo, 10**9)
    out = tmp_path / "long.png"
    code, lines = render_in_process(capsys, demo, "--shot", name, "--out", out, "--format", "sprites")
    assert_fails_in_one_line(code, lines, str(out), "sprite sheet", "16384")
    assert not out.exists() and not out.with_suffix(".json").exists()


@pytest.mark.parametrize("fmt", ["webp", "apng", "mov", "webm"])
def test_opaque_frames_write_to_every_format_with_alpha(tmp_path, fmt):
    """RGB frames (the composite) get an opaque alpha in a format with one; an encoder that drops an
    alpha opaque everywhere (libwebp) has lost nothing, so the write is not refused for it."""
    rng = np.random.default_rng(0)
    frames = [rng.random((3, 16, 16), dtype=np.float32) for _ in range(3)]
    path = write_frames(frames, tmp_path / f"opaque.{fmt}", fmt, 12.0, 3)
    assert path.stat().st_size > 0
