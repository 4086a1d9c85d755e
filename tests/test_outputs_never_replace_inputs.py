"""No output replaces the project's own files, --force or "replace?" notwithstanding: a render onto a
clip (a file or an image folder), the project file or its model bundle, or a folder holding one, and
a Save As onto a clip or into the bundle, are refused in one line naming both, and the input stays
byte for byte as it was (issue 27)."""

import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import assert_one_line_exit_2, run_cli
from workstation import project as document


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file at or under ``path`` (relative name -> bytes), to prove nothing changed."""
    if path.is_file():
        return {"": path.read_bytes()}
    return {str(each.relative_to(path)): each.read_bytes() for each in sorted(path.rglob("*")) if each.is_file()}


@pytest.fixture
def studio(tmp_path):
    """``p.stopframe`` with a still clip ``bg`` (clips/bg.png), an image-folder clip ``walk``
    (clips/walk/), a video clip ``run`` (clips/run.mp4) and a model bundle folder ``model/``; one
    shot ``bg`` on the still."""
    rng = np.random.default_rng(0)
    clips = tmp_path / "clips"
    (clips / "walk").mkdir(parents=True)
    cv2.imwrite(str(clips / "bg.png"), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    for index in range(3):
        cv2.imwrite(str(clips / "walk" / f"walk_{index}.png"), rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    video = cv2.VideoWriter(str(clips / "run.mp4"), cv2.VideoWriter_fourcc(*"mp4v"), 12, (32, 32))
    for _ in range(4):
        video.write(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    video.release()
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "model.json").write_text("{}\n", encoding="utf-8")

    project = document.Project(model=str(tmp_path / "model"))
    for name, path, count in (("bg", "bg.png", 1), ("walk", "walk", 3), ("run", "run.mp4", 4)):
        document.add_clip(project, name, document.ClipRef(str(clips / path), count, 12.0, 32, 32))
    document.add_shot(project, document.Shot("bg", 2, 12.0, document.FrameRef("bg", 0)))
    path = tmp_path / "p.stopframe"
    document.save_project(project, path)
    return path


def render(project: Path, out: Path | str, fmt: str, *more: str):
    return run_cli("render", project, "--shot", "bg", "--out", out, "--format", fmt, "--force", "--quiet", *more)


@pytest.mark.parametrize(("out", "fmt", "expected", "kept"), [
    ("clips/walk", "png", "clips/walk: is the project's clip 'walk' (clips/walk)", "clips/walk"),
    ("clips/bg.png", "sprites", "clips/bg.png: is the project's clip 'bg' (clips/bg.png)", "clips/bg.png"),
    ("p.stopframe", "mp4", "p.stopframe: is the project's file (p.stopframe)", "p.stopframe"),
    (".", "png", ": holds the project's clip 'bg' (clips/bg.png)", "."),
    ("model/frames", "png", "model/frames: is inside the project's model bundle", "model"),
    ("clips/walk/extra.gif", "gif", "clips/walk/extra.gif: is inside the project's clip 'walk'", "clips/walk"),
])
def test_render_with_force_never_replaces_an_input(studio, out, fmt, expected, kept):
    folder = studio.parent
    before = snapshot(folder / kept)
    done = render(studio, folder / out, fmt)
    assert_one_line_exit_2(done, expected, "choose another output")
    assert snapshot(folder / kept) == before
    assert not (folder / "clips" / "bg.json").exists()  # nothing of a refused sprite sheet is written


def test_a_link_or_a_relative_path_does_not_slip_past(studio, tmp_path, monkeypatch, capsys):
    """Real paths are compared: a sprite sheet whose JSON beside it is a link to the project file,
    and a relative path that winds back to a clip."""
    import main

    sheet = tmp_path / "sheet.png"
    (tmp_path / "sheet.json").symlink_to(studio)
    before = studio.read_bytes()
    done = render(studio, sheet, "sprites")
    assert_one_line_exit_2(done, "sheet.json: is the project's file (p.stopframe)")
    assert studio.read_bytes() == before and not sheet.exists()

    still = (tmp_path / "clips" / "bg.png").read_bytes()
    monkeypatch.chdir(tmp_path / "model")
    code = main.main(["render", str(studio), "--shot", "bg", "--out", "../clips/../clips/bg.png", "--format",
                      "apng", "--force", "--quiet"])
    lines = capsys.readouterr().err.splitlines()
    assert code == 2 and lines == ["stopframe: ../clips/../clips/bg.png: is the project's clip 'bg' (clips/bg.png); "
                                   "choose another output"], lines
    assert (tmp_path / "clips" / "bg.png").read_bytes() == still


def test_render_all_never_replaces_an_input(studio, tmp_path):
    """``--all``: the shot ``bg`` as a sprite sheet into clips/ would be clips/bg.png, the still clip;
    every output is checked before the model opens, so no shot is written at all."""
    project = document.load_project(studio)
    project.model = None  # the bundled demo model: --all opens the engine before writing
    document.save_project(project, studio)
    before = snapshot(tmp_path / "clips")
    done = run_cli("render", studio, "--all", "--out", tmp_path / "clips", "--format", "sprites", "--force",
                   "--quiet")
    errors = done.stderr.splitlines()  # refused before the model opens, and before any shot renders
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert errors == [f"stopframe: {tmp_path / 'clips' / 'bg.png'}: is the project's clip 'bg' (clips/bg.png); "
                      "choose another output"], done.stderr
    assert snapshot(tmp_path / "clips") == before


def test_save_as_never_replaces_a_clip_or_goes_into_the_bundle(qtbot, studio, tmp_path, monkeypatch):
    from PySide6.QtCore import QSettings
    from PySide6.QtGui import QAction

    from workstation.ui.shell import dialogs
    from workstation.ui.shell.main_window import MainWindow

    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "user-state"))
    link = tmp_path / "copy.stopframe"
    link.symlink_to(tmp_path / "clips" / "run.mp4")  # Save As through a link onto the video clip
    chosen: list[str] = []
    warnings: list[str] = []

    def answer(question: dialogs.Question) -> str | None:
        if question.kind == "save_file":
            return chosen.pop(0)
        if question.kind == "warning":
            warnings.append(question.text)
        return None

    monkeypatch.setattr(dialogs, "answerer", answer)
    window = MainWindow(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    qtbot.addWidget(window)
    assert window.open_project(studio)
    [save_as] = [action for action in window.findChildren(QAction) if action.text() == "Save &As…"]
    video, bundle = (tmp_path / "clips" / "run.mp4").read_bytes(), snapshot(tmp_path / "model")

    chosen.append(str(link))
    save_as.trigger()
    assert warnings == [f"{link}: is the project's clip 'run' (clips/run.mp4); choose another file to save to"]
    chosen.append(str(tmp_path / "model" / "inside"))  # ".stopframe" is added
    save_as.trigger()
    assert warnings[1] == (f"{tmp_path / 'model' / 'inside.stopframe'}: is inside the project's model bundle "
                           "(model); choose another file to save to")
    assert (tmp_path / "clips" / "run.mp4").read_bytes() == video and snapshot(tmp_path / "model") == bundle
    assert os.path.islink(link) and window.document.path == studio

    chosen.append(str(studio))  # over its own file: a plain save
    save_as.trigger()
    assert len(warnings) == 2 and document.load_project(studio).clips["run"].path == "clips/run.mp4"


# -- the training commands' inputs ----------------------------------------------------------------------
@pytest.fixture
def bundle_copy(tmp_path):
    import shutil

    from workstation.render.shot_frames import DEMO_BUNDLE

    return Path(shutil.copytree(DEMO_BUNDLE, tmp_path / "bundle"))


@pytest.mark.parametrize(("option", "target", "says"), [
    ("--json", "bundle/model.json", "is inside the model being evaluated"),  # before: model.json became results
    ("--json", "bundle", "is the model being evaluated"),
    ("--figures", "bundle", "is inside the model being evaluated"),
])
def test_evaluate_never_writes_over_or_into_the_model_it_evaluates(bundle_copy, tmp_path, capsys, option, target,
                                                                    says):
    import main

    before = snapshot(bundle_copy)
    capsys.readouterr()
    code = main.main(["evaluate", str(bundle_copy), option, str(tmp_path / target), "--force", "--n", "10"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert says in err and "choose another output" in err
    assert snapshot(bundle_copy) == before
