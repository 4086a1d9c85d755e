"""`main.py render --layer`: each of the engine's layers written through the real writers (the
characters as RGBA PNGs, the alpha as grey), run in this interpreter on the demo project, at the
shot's output size (the demos': 256x256, 4x their model's 64-pixel square) or the size asked for."""

import math
from dataclasses import replace

import cv2
import numpy as np
import pytest

from benchmarks.wide_background import widen
from tests.test_render import assert_fails_in_one_line, demo, render_in_process  # noqa: F401 (a fixture)
from workstation import project as document
from workstation.render.shot_frames import open_engine


def engine_layer(project_path, layer, shot="duet"):
    project = document.load_project(project_path)
    return open_engine(project).render_requests(document.render_requests(project, shot), layer)


def read_png(path):
    return cv2.imread(str(path), cv2.IMREAD_UNCHANGED)


def test_the_characters_layer_is_written_as_rgba_pngs_whose_alpha_is_the_engines(demo, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "characters"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--layer", "characters",
                                    "--scale", "1")  # the shot's own size, as the engine gives it
    assert code == 0, lines
    expected = engine_layer(demo, "characters")
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == len(expected) > 0
    for png, rgba in zip(pngs, expected, strict=True):
        written = read_png(png)
        assert written.shape == (256, 256, 4) and written.dtype == np.uint8  # BGRA
        alpha = (rgba[3] * 255).round()
        assert np.abs(written[..., 3].astype(int) - alpha).max() <= 1
        assert 0 < alpha.mean() < 255  # something is drawn, and not everywhere
        drawn = alpha > 128
        rgb = cv2.cvtColor(written[..., :3], cv2.COLOR_BGR2RGB)[drawn].astype(int)
        assert np.abs(rgb - (rgba[:3].transpose(1, 2, 0)[drawn] * 255).round()).max() <= 1


@pytest.mark.parametrize("layer, channels", [("alpha", 1), ("background", 3), ("composite", 3)])
def test_the_alpha_plate_and_frame_layers_are_written_as_pngs(demo, tmp_path, capsys, layer, channels):  # noqa: F811
    out = tmp_path / layer
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--layer", layer, "--range", "0:3",
                                    "--scale", "1")
    assert code == 0, lines
    expected = engine_layer(demo, layer)[:3]
    for png, image in zip(sorted(out.glob("frame_*.png")), expected, strict=True):
        written = read_png(png)
        if channels == 1:
            assert written.shape == (256, 256)
            assert np.abs(written.astype(int) - (image[0] * 255).round()).max() <= 1
        else:
            rgb = cv2.cvtColor(written, cv2.COLOR_BGR2RGB).astype(int)
            assert np.abs(rgb - (image.transpose(1, 2, 0) * 255).round()).max() <= 1


@pytest.mark.parametrize("fmt", ["mp4", "gif"])
def test_characters_into_a_format_without_alpha_is_refused_in_one_line(demo, tmp_path, capsys, fmt):  # noqa: F811
    out = tmp_path / f"shot.{fmt}"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--format", fmt,
                                    "--layer", "characters")
    assert_fails_in_one_line(code, lines, str(out), "no alpha channel", "png")
    assert not out.exists()


def test_an_alpha_matte_into_a_video(demo, tmp_path, capsys):  # noqa: F811
    out = tmp_path / "matte.mp4"
    code, lines = render_in_process(capsys, demo, "--shot", "duet", "--out", out, "--format", "mp4",
                                    "--layer", "alpha", "--range", "0:4")
    assert code == 0, lines
    assert out.is_file()


# -- alpha a game engine can trim -------------------------------------------------------------------
SCALE = 4
BICUBIC_REACH = 2  # model pixels: the bicubic kernel spans two source pixels each side


def away_and_inside(drawn, pixels):
    """(pixels farther than ``pixels`` from ``drawn``, ``drawn`` eroded by ``pixels``), bool images."""
    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    drawn = drawn.astype(np.uint8)
    return cv2.dilate(drawn, kernel) == 0, cv2.erode(drawn, kernel, borderValue=0) > 0


def square_pixel(project_path, shot, width, height):
    """How many output pixels of a ``width`` x ``height`` render of ``shot`` one pixel of the model
    square spans (the engine's framing)."""
    project = document.load_project(project_path)
    engine = open_engine(project)
    request = document.render_requests(project, shot, [0])[0]
    output = replace(request.output, width=width, height=height)
    _, _, side_x, side_y = engine.framing(replace(request, output=output)).square_rect
    assert side_x == side_y
    return side_x / engine.image_size


def assert_trimmable(pngs, pixel, crisp):
    """Each PNG's alpha is clear (0) farther than two model pixels (of ``pixel`` output pixels) from
    what it draws (alpha >= 128; smooth: farther than two more, the bicubic's reach, which carries a
    faint edge pixel of the matte hanging off a limb that far), opaque (255) deeper inside it than
    two, and soft only across the edge (crisp: within one model pixel of a clear one). Returns how
    many pixels were inside."""
    inside_pixels = 0
    for png in pngs:
        alpha = read_png(png)[..., 3]
        away = away_and_inside(alpha >= 128, math.ceil((2 if crisp else 2 + BICUBIC_REACH) * pixel))[0]
        inside = away_and_inside(alpha >= 128, math.ceil(2 * pixel))[1]
        assert (alpha[away] == 0).all() and away.mean() > 0.5, png.name
        assert (alpha[inside] == 255).all(), png.name
        soft = (alpha > 0) & (alpha < 255)
        assert soft.mean() < 0.1, png.name
        if crisp:  # each soft pixel of the model's square touches a clear one
            assert not (soft & away_and_inside(alpha == 0, math.ceil(pixel))[0]).any(), png.name
        inside_pixels += inside.sum()
    return inside_pixels


@pytest.mark.parametrize("scaling", ["--crisp", "--smooth"])
@pytest.mark.parametrize("which, shot", [("digits", "duet"), ("sprites", "walk")])
def test_characters_exported_with_alpha_are_exactly_0_away_from_them_and_255_inside(which, shot, scaling, tmp_path,
                                                                                     capsys):
    """A PNG of the Characters layer at 4x the shot's size (1024x1024: 16 output pixels a model
    pixel) is clear (0) farther than two model pixels from what it draws, opaque (255) deeper inside
    it than that, and soft only across the edge (crisp: within one model pixel of a clear one;
    smooth adds the bicubic's two): the decoder's alpha, at 1 to 7 of 255 nearly everywhere, is not
    what a game engine gets."""
    from workstation.demos.digit_demo import write_demo_project
    from workstation.demos.sprite_demo import write_sprite_demo_project

    project = (write_demo_project if which == "digits" else write_sprite_demo_project)(tmp_path / which)
    out = tmp_path / "characters"
    code, lines = render_in_process(capsys, project, "--shot", shot, "--out", out, "--layer", "characters",
                                    "--scale", SCALE, scaling, "--range", "0:12")
    assert code == 0, lines
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == 12
    assert all(read_png(png).shape == (256 * SCALE, 256 * SCALE, 4) for png in pngs)
    pixel = square_pixel(project, shot, 256 * SCALE, 256 * SCALE)
    assert pixel == 4 * SCALE
    assert assert_trimmable(pngs, pixel, scaling == "--crisp") > 0


@pytest.fixture(scope="module")
def wide_duet(tmp_path_factory):
    """(project path, the wide still's path): the digit demo's duet over a 1280x720 still (its own
    backdrop enlarged, with fine detail), shown at that size."""
    from workstation.demos.digit_demo import write_demo_project

    folder = tmp_path_factory.mktemp("wide")
    path = write_demo_project(folder / "digits")
    project = document.load_project(path)
    still = widen(project, "duet", folder)
    document.save_project(project, path)
    return path, still


@pytest.mark.parametrize("scaling", ["--crisp", "--smooth"])
def test_characters_over_a_wide_background_are_exactly_0_away_from_them_and_255_inside(wide_duet, scaling, tmp_path,
                                                                                       capsys):
    """At 1280x720 the model square is the centred 720x720 (11.25 output pixels a model pixel): the
    Characters layer keeps the same trimmable alpha there, and nothing in the side bands."""
    project, _ = wide_duet
    out = tmp_path / "characters"
    code, lines = render_in_process(capsys, project, "--shot", "duet", "--out", out, "--layer", "characters",
                                    scaling, "--range", "0:12")
    assert code == 0, lines
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == 12 and all(read_png(png).shape == (720, 1280, 4) for png in pngs)
    pixel = square_pixel(project, "duet", 1280, 720)
    assert pixel == 720 / 64
    assert assert_trimmable(pngs, pixel, scaling == "--crisp") > 0
    bands = np.stack([read_png(png)[:, list(range(280)) + list(range(1000, 1280)), 3] for png in pngs])
    assert (bands == 0).all()  # no character is drawn where the model never looked


def test_the_background_of_a_wide_shot_is_its_source_still_away_from_the_characters(wide_duet, tmp_path, capsys):
    """`render --size 1280x720 --layer background` is the background frame at its own size: where the
    Characters layer is exactly 0 it matches the source still, PSNR >= 40 dB (measured: identical,
    a difference of 0 there and everywhere else, an infinite PSNR)."""
    project, still = wide_duet
    args = ("--shot", "duet", "--range", "0:6", "--size", "1280x720")
    code, lines = render_in_process(capsys, project, *args, "--out", tmp_path / "background", "--layer", "background")
    assert code == 0, lines
    code, lines = render_in_process(capsys, project, *args, "--out", tmp_path / "alpha", "--layer", "alpha")
    assert code == 0, lines
    source = read_png(still).astype(float)
    backgrounds, alphas = sorted((tmp_path / "background").glob("*.png")), sorted((tmp_path / "alpha").glob("*.png"))
    assert len(backgrounds) == len(alphas) == 6
    for background, alpha in zip(backgrounds, alphas, strict=True):
        clear = read_png(alpha) == 0
        assert clear.shape == source.shape[:2] and 0.5 < clear.mean() < 1.0  # the characters are somewhere
        error = ((read_png(background).astype(float) - source)[clear] ** 2).mean()
        assert error == 0 or 10 * np.log10(255**2 / error) >= 40, (background.name, error)
