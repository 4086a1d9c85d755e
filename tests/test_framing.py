"""The three frames of reference of a rendered frame (workstation/render/framing.py): a clip's own
frame, the model square and the output rectangle, and the maps between them. Pure numpy, fast."""

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from workstation.media import fit
from workstation.project import ClipRef, FrameRef, Output, Project, Shot
from workstation.render.framing import ClipGeometry, Framing, cover_matrix, fit_matrix, framing_of

SIZE = 64


def smooth_frame(width, height, period=24.0):
    """uint8 RGB [height, width, 3]: slow sinusoids, different per channel and axis, so a shift of a
    fraction of a pixel changes the values (about 0.1 per pixel at the steepest) and a resize's
    filter barely does."""
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float64)
    channels = [np.sin(2 * np.pi * xs / period) + np.cos(2 * np.pi * ys / (1.3 * period)),
                np.sin(2 * np.pi * (xs + ys) / (1.7 * period)),
                np.cos(2 * np.pi * ys / period) * np.sin(2 * np.pi * xs / (2.1 * period) + 1.0)]
    image = np.stack([127.5 + 60 * c for c in channels], axis=2)
    return np.clip(image.round(), 0, 255).astype(np.uint8)


def apply(matrix, points):
    """``points`` [(x, y)] through a 3x3 affine ``matrix``."""
    return [tuple(float(v) for v in (matrix @ (x, y, 1.0))[:2]) for x, y in points]


def frame_edges(clip):
    """The outer corners of a clip's frame, top left and bottom right, in its pixel positions."""
    return [(-0.5, -0.5), (clip.width - 0.5, clip.height - 0.5)]


def through_fit_matrix(image, clip, size=SIZE):
    """float32 [3, size, size]: ``image`` warped into the square by ``fit_matrix`` (bilinear)."""
    warped = cv2.warpAffine(image, fit_matrix(clip, size)[:2], (size, size), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return warped.transpose(2, 0, 1).astype(np.float32) / 255.0


def fitted_region(clip, size=SIZE, margin=2):
    """bool [size, size]: the square's pixels showing the clip's frame, at least ``margin`` pixels
    from where it or the square ends (a resize and a warp treat edges differently)."""
    (x0, y0), (x1, y1) = apply(fit_matrix(clip, size), frame_edges(clip))
    x0, y0, x1, y1 = max(x0, -0.5), max(y0, -0.5), min(x1, size - 0.5), min(y1, size - 0.5)
    ys, xs = np.mgrid[0:size, 0:size]
    return (xs >= x0 + margin) & (xs <= x1 - margin) & (ys >= y0 + margin) & (ys <= y1 - margin)


@pytest.mark.parametrize("width, height, tolerance", [
    (40, 24, 1.5), (24, 40, 1.5), (50, 50, 1.5), (33, 21, 1.5),  # enlarged: fit is bilinear too
    (96, 72, 4), (72, 96, 4), (80, 64, 4), (64, 90, 4), (101, 67, 4),  # shrunk a little: fit averages (INTER_AREA)
])
@pytest.mark.parametrize("mode", ["crop", "letterbox"])
def test_fit_matrix_places_the_frame_where_media_fit_does(width, height, tolerance, mode):
    image = smooth_frame(width, height)
    clip = ClipGeometry(width, height, mode)
    fitted, warped = fit(image, SIZE, mode), through_fit_matrix(image, clip)
    inside = fitted_region(clip)
    assert inside.sum() > 0.25 * SIZE * SIZE
    error = np.abs(fitted - warped)[:, inside].max() * 255
    assert error <= tolerance, f"{width}x{height} {mode}: off by {error:.1f}/255"
    if mode == "letterbox":  # the bars: black in both
        bars = ~fitted_region(clip, margin=-1)
        assert np.all(fitted[:, bars] == 0) and np.all(warped[:, bars] == 0)


def test_a_half_pixel_slip_would_be_seen():
    """The comparison above can fail: the frame moved by half a square pixel is far off."""
    image, clip = smooth_frame(96, 72), ClipGeometry(96, 72, "crop")
    slipped = fit_matrix(clip, SIZE)
    slipped[0, 2] += 0.5
    warped = cv2.warpAffine(image, slipped[:2], (SIZE, SIZE), flags=cv2.INTER_LINEAR).transpose(2, 0, 1) / 255.0
    assert np.abs(fit(image, SIZE, "crop") - warped)[:, fitted_region(clip)].max() * 255 > 8


# -- Framing.of_background ---------------------------------------------------------------------------
def background(width, height, mode="crop"):
    return ClipGeometry(width, height, mode)


@pytest.mark.parametrize("output, rect", [((1280, 720), (280, 0, 720, 720)), ((640, 360), (140, 0, 360, 360))])
def test_a_wide_crop_background_puts_the_square_on_its_centred_square(output, rect):
    framing = Framing.of_background(background(1280, 720), output, SIZE)
    assert (framing.width, framing.height, framing.size) == (*output, SIZE)
    assert framing.square_rect == pytest.approx(rect, abs=1e-9)
    assert framing.scale == pytest.approx(rect[3] / SIZE)
    assert not framing.is_square


def test_a_small_clip_enlarged_four_times_maps_pixel_centres_to_blocks():
    framing = Framing.of_background(background(SIZE, SIZE), (256, 256), SIZE)
    assert framing.square_rect == pytest.approx((0, 0, 256, 256), abs=1e-9)
    assert framing.scale == pytest.approx(4)
    for i, j in [(0, 0), (5, 9), (63, 63), (31, 0)]:
        block_centre = (4 * i + 1.5, 4 * j + 1.5, 1.0)  # between the block's four output pixel centres
        assert framing.output_to_square @ block_centre == pytest.approx((i, j, 1.0), abs=1e-9)
    # output pixel 4i + k (k = 0..3) lies within square pixel i
    xs = np.arange(256)
    inside = framing.output_to_square[0, 0] * xs + framing.output_to_square[0, 2]
    assert np.array_equal(np.floor(inside + 0.5).astype(int), xs // 4)


def test_a_letterboxed_background_puts_the_frame_within_the_square():
    framing = Framing.of_background(background(1280, 720, "letterbox"), (1280, 720), SIZE)
    assert framing.square_rect == pytest.approx((0, -280, 1280, 1280), abs=1e-9)
    assert framing.scale == pytest.approx(20)


def test_an_output_of_another_shape_shows_the_middle_of_the_frame():
    """512x512 of a 1280x720 crop background: the frame scaled to cover the output (512/720), its
    middle shown: the square fills the output exactly."""
    assert cover_matrix((1280, 720), (512, 512)) @ (255.5, 255.5, 1) == pytest.approx((639.5, 359.5, 1))
    framing = Framing.of_background(background(1280, 720), (512, 512), SIZE)
    assert framing.square_rect == pytest.approx((0, 0, 512, 512), abs=1e-9)
    wide = Framing.of_background(background(1280, 720), (1280, 320), SIZE)  # wider than the frame: its middle band
    assert wide.square_rect == pytest.approx((280, -200, 720, 720), abs=1e-9)


def test_the_square_itself_is_square_and_an_output_of_its_size_elsewhere_is_not():
    assert Framing.square(SIZE).is_square
    assert Framing.square(SIZE).square_rect == pytest.approx((0, 0, SIZE, SIZE))
    assert Framing.of_background(background(SIZE, SIZE), (SIZE, SIZE), SIZE).is_square
    assert Framing.of_background(background(128, SIZE), (SIZE, SIZE), SIZE).is_square  # its middle, pixel for pixel
    assert not Framing.of_background(background(128, SIZE, "letterbox"), (SIZE, SIZE), SIZE).is_square


def test_output_box_covers_the_square_pixels_grown_by_the_margin_and_clipped():
    framing = Framing.of_background(background(SIZE, SIZE), (256, 256), SIZE)  # square pixel i: output 4i..4i+3
    box = framing.output_box((10, 20, 15, 30), margin=3)
    assert box is not None
    x0, y0, x1, y1 = box
    assert x0 <= 40 - 3 and y0 <= 80 - 3 and x1 >= 60 + 3 and y1 >= 120 + 3  # covers, grown
    assert x0 >= 40 - 4 and y0 >= 80 - 4 and x1 <= 60 + 4 and y1 <= 120 + 4  # by at most a pixel more
    assert framing.output_box((0, 0, 2, SIZE), margin=5) == (0, 0, 8 + 5, 256)  # clipped to the output
    wide = Framing.of_background(background(1280, 720), (1280, 720), SIZE)
    box = wide.output_box((0, 0, SIZE, SIZE), margin=2)
    assert box == (280 - 3, 0, 1000 + 2, 720)  # grows into the side bands, not past the top and bottom
    tall = Framing.of_background(background(720, 1280), (1280, 720), SIZE)  # the square overflows the output
    assert tall.square_rect == pytest.approx((0, -280, 1280, 1280), abs=1e-9)
    assert tall.output_box((0, 0, SIZE, 5), margin=1) is None  # rows 0-4 lie above the output (20 px per row)
    assert tall.output_box((0, 10, SIZE, 20), margin=0) == (0, 0, 1280, 120)


def test_framing_of_a_shot_is_its_background_clips_and_its_output():
    project = Project(model=None)
    project.clips["plate"] = ClipRef("plate.mp4", 10, 24.0, 1920, 1080, "crop")
    project.clips["tall"] = ClipRef("tall.mp4", 10, 24.0, 720, 1280, "letterbox")
    project.shots.append(Shot("wide", 10, 24.0, FrameRef("plate", 0), output=Output(1280, 720)))
    project.shots.append(Shot("boxed", 10, 24.0, FrameRef("tall", 0), output=Output(360, 640)))
    wide = framing_of(project, "wide", SIZE)
    assert (wide.width, wide.height) == (1280, 720)
    assert wide.square_rect == pytest.approx((280, 0, 720, 720), abs=1e-9)
    boxed = framing_of(project, "boxed", 32)
    assert boxed.square_rect == pytest.approx((-140, 0, 640, 640), abs=1e-9)
    assert np.allclose(boxed.output_to_square,
                       Framing.of_background(ClipGeometry(720, 1280, "letterbox"), (360, 640), 32).output_to_square)


# -- properties --------------------------------------------------------------------------------------
sides = st.integers(min_value=1, max_value=4000)


@st.composite
def framings(draw, same_shape=False):
    clip = ClipGeometry(draw(sides), draw(sides), draw(st.sampled_from(["crop", "letterbox"])))
    size = draw(st.sampled_from([16, 32, 64, 128]))
    if same_shape:  # the clip's own shape, scaled
        k = draw(st.floats(min_value=0.05, max_value=8.0))
        output = (max(1, round(clip.width * k)), max(1, round(clip.height * k)))
    else:
        output = (draw(sides), draw(sides))
    return clip, output, size


def corners_in_output(framing):
    """(x0, y0, x1, y1) of the square's outer edges in output pixel positions."""
    (x0, y0), (x1, y1) = framing.to_output([(-0.5, -0.5), (framing.size - 0.5, framing.size - 0.5)])
    return x0, y0, x1, y1


@given(framings())
def test_the_maps_both_ways_are_inverse(case):
    clip, output, size = case
    framing = Framing.of_background(clip, output, size)
    assert np.allclose(framing.square_to_output @ framing.output_to_square, np.eye(3), atol=1e-9)
    assert np.allclose(framing.output_to_square @ framing.square_to_output, np.eye(3), atol=1e-9)
    points = [(-0.5, -0.5), (3.25, 7.0), (size - 0.5, size / 2)]
    back = apply(framing.output_to_square, framing.to_output(points))
    assert np.allclose(back, points, atol=1e-6)


@given(framings())
def test_the_frame_covers_the_output_and_the_square_sits_at_its_centre(case):
    clip, output, size = case
    framing = Framing.of_background(clip, output, size)
    width, height = output
    to_output = np.linalg.inv(cover_matrix((clip.width, clip.height), output))
    (fx0, fy0), (fx1, fy1) = apply(to_output, frame_edges(clip))
    tol = 1e-6 * max(width, height, clip.width, clip.height)
    assert fx0 <= -0.5 + tol and fy0 <= -0.5 + tol and fx1 >= width - 0.5 - tol and fy1 >= height - 0.5 - tol
    assert min(abs(fx0 + 0.5), abs(fy0 + 0.5)) < tol  # covered tightly: the frame's edges meet the output's
    x0, y0, x1, y1 = corners_in_output(framing)
    frame_pixel = (fx1 - fx0) / clip.width  # in output pixels
    # the crop's square and the letterbox's bars are rounded to whole pixels (of the frame, of the square)
    for low, high, side in ((x0, x1, width), (y0, y1, height)):
        off_centre = abs((low + high) / 2 - (side - 1) / 2)
        assert off_centre <= 0.5 * max((high - low) / size, frame_pixel) + tol
    if clip.fit == "crop":  # the centred square of the frame: within it, as tall or as wide as it
        side = min(clip.width, clip.height) * (fx1 - fx0) / clip.width
        assert (x1 - x0) == pytest.approx(side) and (y1 - y0) == pytest.approx(side)
        assert x0 >= fx0 - tol and y0 >= fy0 - tol and x1 <= fx1 + tol and y1 <= fy1 + tol
    else:  # the whole frame within the square, so the square covers the output
        assert x0 <= fx0 + tol and y0 <= fy0 + tol and x1 >= fx1 - tol and y1 >= fy1 - tol
        assert x0 <= -0.5 + tol and y0 <= -0.5 + tol and x1 >= width - 0.5 - tol and y1 >= height - 0.5 - tol


@given(framings(same_shape=True))
def test_an_output_of_the_frames_shape_holds_the_cropped_square(case):
    clip, output, size = case
    framing = Framing.of_background(clip, output, size)
    x0, y0, x1, y1 = corners_in_output(framing)
    if clip.fit == "crop":  # within the output but for the rounding of the output's sides (under a pixel)
        assert x0 >= -1.5 and y0 >= -1.5 and x1 <= output[0] + 0.5 and y1 <= output[1] + 0.5
        short_side = output[1] if clip.width >= clip.height else output[0]
        assert x1 - x0 == pytest.approx(short_side, abs=1.0)  # as tall (wide) as a wide (tall) output
    else:
        assert x0 <= -0.5 + 1e-6 and y0 <= -0.5 + 1e-6 and x1 >= output[0] - 0.5 - 1e-6
        assert y1 >= output[1] - 0.5 - 1e-6


def test_crisp_enlarges_a_small_clip_by_a_whole_number_so_every_pixel_is_one_size(tmp_path):
    """Crisp at 300x300 from a 64-pixel clip was 4.6875x: blocks of 4 and 5 pixels side by side."""
    smooth = Framing.of_background(background(SIZE, SIZE), (300, 300), SIZE)
    crisp = Framing.of_background(background(SIZE, SIZE), (300, 300), SIZE, crisp=True)
    assert smooth.scale == pytest.approx(300 / SIZE) and crisp.scale == pytest.approx(5)
    assert crisp.square_rect == pytest.approx((-10, -10, 320, 320), abs=1e-9)  # centred, still covering
    big = Framing.of_background(background(1280, 720), (640, 360), SIZE, crisp=True)
    assert big.scale == pytest.approx(360 / SIZE)  # a reduction is no enlargement: as it was

    from tests.conftest import run_cli
    from workstation.demos.sprite_demo import write_sprite_demo_project

    project = write_sprite_demo_project(tmp_path / "demo")
    out = tmp_path / "frames"
    done = run_cli("render", project, "--shot", "walk", "--range", "0:1", "--size", "300x300", "--crisp",
                   "--layer", "background", "--out", out)
    assert done.returncode == 0, done.stderr
    (frame_file,) = sorted(out.iterdir())
    frame = cv2.imread(str(frame_file)).astype(int)
    across = np.flatnonzero(np.abs(np.diff(frame, axis=1)).sum(axis=(0, 2)) > 0) + 1  # columns where a colour starts
    down = np.flatnonzero(np.abs(np.diff(frame, axis=0)).sum(axis=(1, 2)) > 0) + 1
    assert len(across) > 20 and len(down) > 20
    assert set(across % 5) == set(down % 5) == {0}  # every pixel a 5x5 block: never 4 beside 5
