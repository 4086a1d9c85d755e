"""One export request (workstation/output/export_request.py) written by one function
(workstation/output/shot_writer.py), as File ▸ Export Shot, File ▸ Export All Shots and `stopframe render`
all ask for it; the library names the problem, the command line adds its flag."""

import ast
import re
import subprocess
import sys

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT
from workstation import project as document
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputExists
from workstation.output.export_request import ExportRequest
from workstation.output.formats import ALPHA_FORMATS, OutputFormat
from workstation.output.shot_writer import ExportCancelled, write_shot
from workstation.output.writer import FrameWriter
from workstation.render.layers import LayerView
from workstation.render.shot_frames import open_engine, render_shot


@pytest.fixture
def demo(tmp_path):
    from workstation.demos.digit_demo import write_demo_project

    return write_demo_project(tmp_path / "demo")


@pytest.fixture
def project(demo):
    return document.load_project(demo)


def test_a_request_takes_from_the_shot_whatever_it_is_not_told(project, tmp_path):
    shot = project.shot("demo")
    shot.output = document.Output(96, 64, "smooth")
    request = ExportRequest.of_shot(project, "demo", tmp_path / "walk.mp4", OutputFormat.MP4)
    assert (request.frames, request.fps, request.output) == (range(shot.length), shot.fps, shot.output)
    assert (request.layer, request.overwrite, request.target) == (LayerView.COMPOSITE, False, tmp_path / "walk.mp4")

    told = ExportRequest.of_shot(project, "demo", tmp_path / "matte.webm", OutputFormat.WEBM, frames=range(3, 5),
                                 layer=LayerView.ALPHA, fps=8.0, scale=2, smooth=False, overwrite=True)
    assert (told.frames, told.layer, told.fps, told.output, told.overwrite) == \
        (range(3, 5), LayerView.ALPHA, 8.0, document.Output(192, 128, "crisp"), True)
    sized = ExportRequest.of_shot(project, "demo", tmp_path / "wide.mp4", OutputFormat.MP4, size=(1280, 720))
    assert sized.output == document.Output(1280, 720, "smooth")  # the size replaced, the scaling the shot's


@pytest.mark.parametrize("asked, says", [
    (dict(size=(1280, 720), scale=2), "asked for both a size (1280x720) and a scale (2); give one"),
    (dict(size=(0, 720)), "an output of 0x720 cannot be written; each side must be 1 to 16384 pixels"),
    (dict(size=(1280, 20000)), "an output of 1280x20000 cannot be written; each side must be 1 to 16384 pixels"),
    (dict(scale=200), "an output of 19200x12800 cannot be written; each side must be 1 to 16384 pixels"),
    (dict(scale=0), "a scale is a whole number of at least 1, got 0"),
])
def test_a_size_that_cannot_be_written_is_refused_in_one_line_naming_the_target(project, tmp_path, asked, says):
    project.shot("demo").output = document.Output(96, 64)
    target = tmp_path / "frames"
    with pytest.raises(StopframeError) as refused:
        ExportRequest.of_shot(project, "demo", target, OutputFormat.PNG, **asked)
    assert str(refused.value) == f"{target}: {says}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


@pytest.mark.parametrize("fmt", [OutputFormat.MP4, OutputFormat.GIF])
def test_the_characters_in_a_format_without_alpha_is_refused_in_one_line_naming_the_file(project, tmp_path, fmt):
    target = tmp_path / f"cutout.{fmt}"
    with pytest.raises(StopframeError) as refused:
        ExportRequest.of_shot(project, "duet", target, fmt, layer=LayerView.CHARACTERS)
    assert str(refused.value) == (f"{target}: {fmt} has no alpha channel; write the characters layer as one of "
                                  "png, mov, webm, apng, webp, sprites")
    for usable in ALPHA_FORMATS:
        assert ExportRequest.of_shot(project, "duet", target, usable, layer=LayerView.CHARACTERS).format == usable


def test_write_shot_writes_the_frames_asked_and_says_how_far_it_is(project, tmp_path):
    engine = open_engine(project)
    request = ExportRequest.of_shot(project, "duet", tmp_path / "frames", OutputFormat.PNG, frames=range(2, 6))
    told = []
    assert write_shot(request, engine, progress=lambda written, total: told.append((written, total))) == request.target
    assert told == [(0, 4), (1, 4), (2, 4), (3, 4), (4, 4)]  # (0, 4): the output is claimed, rendering begins
    expected = engine.render_requests(document.render_requests(project, "duet", range(2, 6)))
    pngs = sorted(request.target.glob("frame_*.png"))
    assert len(pngs) == 4
    for png, image in zip(pngs, expected, strict=True):
        written = cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB).astype(int)
        assert written.shape == (project.shot("duet").output.height, project.shot("duet").output.width, 3)
        assert np.abs(written - (image.transpose(1, 2, 0) * 255).round()).max() <= 1


def test_write_shot_renders_at_the_size_asked_not_the_shots(project, tmp_path):
    engine = open_engine(project)
    request = ExportRequest.of_shot(project, "duet", tmp_path / "frames", OutputFormat.PNG, frames=range(2),
                                    size=(160, 96))
    write_shot(request, engine)
    expected = list(render_shot(engine, project, "duet", range(2), output=request.output))
    assert [image.shape for image in expected] == [(3, 96, 160)] * 2  # the engine draws at the size asked
    for index, image in enumerate(expected):
        written = cv2.cvtColor(cv2.imread(str(request.target / f"frame_{index:04d}.png")), cv2.COLOR_BGR2RGB)
        assert np.abs(written.astype(int) - (image.transpose(1, 2, 0) * 255).round()).max() <= 1


def test_render_size_writes_frames_of_that_size(demo, tmp_path, capsys):
    import main

    for size, fmt, out, shape in (("1280x720", "png", tmp_path / "wide", (720, 1280, 3)),
                                  ("101X75", "mp4", tmp_path / "odd.mp4", (76, 102, 3))):  # yuv420p: even sides
        argv = ["render", str(demo), "--shot", "duet", "--range", "0:2", "--size", size, "--format", fmt,
                "--out", str(out), "--quiet"]
        assert main.main(argv) == 0, capsys.readouterr().err
        if fmt == "png":
            assert [cv2.imread(str(png)).shape for png in sorted(out.glob("frame_*.png"))] == [shape] * 2
        else:
            capture = cv2.VideoCapture(str(out))
            assert capture.read()[1].shape == shape
            capture.release()


def test_a_cancelled_write_leaves_the_old_output_and_nothing_else(project, tmp_path):
    target = tmp_path / "keep.gif"
    target.write_bytes(b"the editor's cut")
    request = ExportRequest.of_shot(project, "demo", target, OutputFormat.GIF, overwrite=True)
    told = []
    with pytest.raises(ExportCancelled):
        write_shot(request, open_engine(project), progress=lambda written, total: told.append(written),
                   cancelled=lambda: len(told) > 2)
    assert told == [0, 1, 2]
    assert target.read_bytes() == b"the editor's cut"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "keep.gif"]


def test_an_existing_output_is_refused_naming_it_and_the_command_line_adds_its_flag(demo, project, tmp_path, capsys):
    import main

    target = tmp_path / "taken.mp4"
    target.write_bytes(b"mine")
    request = ExportRequest.of_shot(project, "demo", target, OutputFormat.MP4)
    with pytest.raises(OutputExists, match=f"^{re.escape(str(target))}: already exists$"):
        request.check_target()
    told = []
    with pytest.raises(OutputExists, match="already exists$"):  # refused before anything renders
        write_shot(request, open_engine(project), progress=lambda written, total: told.append(written))
    assert told == [] and target.read_bytes() == b"mine"

    assert main.main(["render", str(demo), "--shot", "demo", "--out", str(target), "--format", "mp4", "--quiet"]) == 2
    assert capsys.readouterr().err == f"stopframe: {target}: already exists; pass --force to replace it\n"


@pytest.mark.parametrize("fmt", ["gif", "sprites"])
def test_a_size_refused_by_the_writer_names_no_command_line_flag(tmp_path, fmt):
    with pytest.raises(StopframeError) as refused:
        FrameWriter(tmp_path / ("long.gif" if fmt == "gif" else "sheet.png"), fmt, 12, 10**6, frame_size=(256, 256))
    assert "render fewer frames" in str(refused.value) and "--" not in str(refused.value)


def test_building_the_command_line_loads_no_frame_writer():
    """The CLI lists OutputFormat for --format; OpenCV and PyAV load only when something is written."""
    code = ("import sys, main; main.make_parser(); "
            "print(sorted(m for m in ('cv2', 'av', 'workstation.output.writer') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_module_of_the_output_package_imports_the_package_face():
    """The face (workstation/output/__init__.py) only re-exports: a module of the package importing it
    would be an import circle."""
    for path in sorted((ROOT / "workstation" / "output").glob("*.py")):
        if path.name == "__init__.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                assert node.module != "workstation.output" and node.level == 0, f"{path.name} imports the face"
            elif isinstance(node, ast.Import):
                assert all(alias.name != "workstation.output" for alias in node.names), path.name
