"""`main.py render --layer`: each of the engine's layers written through the real writers (the
characters as RGBA PNGs, the alpha as grey), run in this interpreter on the demo project."""

import cv2
import numpy as np
import pytest

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
                                    "--scale", "1")  # the model's own pixels, as the engine gives them
    assert code == 0, lines
    expected = engine_layer(demo, "characters")
    pngs = sorted(out.glob("frame_*.png"))
    assert len(pngs) == len(expected) > 0
    for png, rgba in zip(pngs, expected, strict=True):
        written = read_png(png)
        assert written.shape == (64, 64, 4) and written.dtype == np.uint8  # BGRA
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
            assert written.shape == (64, 64)
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


def away_and_inside(drawn, pixels):
    """(pixels farther than ``pixels`` from ``drawn``, ``drawn`` eroded by ``pixels``), bool images."""
    kernel = np.ones((2 * pixels + 1, 2 * pixels + 1), np.uint8)
    drawn = drawn.astype(np.uint8)
    return cv2.dilate(drawn, kernel) == 0, cv2.erode(drawn, kernel, borderValue=0) > 0


@pytest.mark.parametrize("scaling", ["--crisp", "--smooth"])
@pytest.mark.parametrize("which, shot", [("digits", "duet"), ("sprites", "walk")])
def test_characters_exported_with_alpha_are_exactly_0_away_from_them_and_255_inside(which, shot, scaling, tmp_path,
                                                                                     capsys):
    """A PNG of the Characters layer at 4x is clear (0) farther than two model pixels from what it
    draws (alpha >= 128), opaque (255) deeper inside it than that, and soft only across the edge
    (crisp: within one model pixel of a clear one; smooth adds the bicubic's two): the decoder's
    alpha, at 1 to 7 of 255 nearly everywhere, is not what a game engine gets."""
    from workstation.demos.digit_demo import write_demo_project
    from workstation.demos.sprite_demo import write_sprite_demo_project

    project = (write_demo_project if which == "digits" else write_sprite_demo_project)(tmp_path / which)
    out = tmp_path / "characters"
    code, lines = render_in_process(capsys, project, "--shot", shot, "--out", out, "--layer", "characters",
                                    "--scale", SCALE, scaling, "--range", "0:12")
    assert code == 0, lines
    pngs = sorted(out.glob("frame_*.png"))
    inside_pixels = 0
    for png in pngs:
        alpha = read_png(png)[..., 3]
        assert alpha.shape == (64 * SCALE, 64 * SCALE)
        away, inside = away_and_inside(alpha >= 128, 2 * SCALE)
        assert (alpha[away] == 0).all() and away.mean() > 0.5
        assert (alpha[inside] == 255).all()
        soft = (alpha > 0) & (alpha < 255)
        assert soft.mean() < 0.1
        if scaling == "--crisp":  # each soft pixel of the model's square touches a clear one
            assert not (soft & away_and_inside(alpha == 0, SCALE)[0]).any()
        inside_pixels += inside.sum()
    assert len(pngs) == 12 and inside_pixels > 0
