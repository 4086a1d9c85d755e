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
