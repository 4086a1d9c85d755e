"""Bad arguments to the commands of main.py, run in-process (main.main, not one interpreter each):
each is one line on stderr naming the problem, exit code 2, nothing on stdout, no work done and
nothing of the user's touched. Outputs are claimed before the slow part runs."""

import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest

import main
from tests.faults import remount_read_only, small_filesystem

MODEL = "no-such-model"  # where the arguments are refused first, the model is never looked at

USAGE = [  # argv -> a fragment of the one line
    (["bogus"], "invalid choice: 'bogus'"),
    (["--bogus"], "unrecognized arguments"),
    (["evaluate"], "required: model"),
    (["evaluate", MODEL, "--n"], "expected one argument"),
    (["evaluate", MODEL, "--bogus", "1"], "unrecognized arguments"),
    (["evaluate", MODEL, "--n", "0"], "--n: 0 is out of range"),
    (["evaluate", MODEL, "--n", "-5"], "--n: -5 is out of range"),
    (["evaluate", MODEL, "--n", "1000001"], "--n: 1000001 is out of range"),
    (["evaluate", MODEL, "--n", str(10**30)], "out of range"),
    (["evaluate", MODEL, "--n", "abc"], "--n: 'abc' is not a whole number"),
    (["evaluate", MODEL, "--n", "1e3"], "not a whole number"),
    (["evaluate", MODEL, "--n", "10.5"], "not a whole number"),
    (["evaluate", MODEL, "--n", ""], "not a whole number"),
    (["evaluate", MODEL, "--n", "nan"], "not a whole number"),
    (["evaluate", MODEL, "--n", "inf"], "not a whole number"),
    (["evaluate", MODEL, "--n", "0x10"], "not a whole number"),
    (["evaluate", MODEL, "--pairs", "0"], "--pairs: 0 is out of range"),
    (["evaluate", MODEL, "--pairs", "9"], "--pairs: 9 is out of range"),
    (["evaluate", MODEL, "--pairs", "-1"], "out of range"),
    (["evaluate", MODEL, "--pairs", "400001"], "out of range"),
    (["evaluate", MODEL, "--pairs", "many"], "not a whole number"),
    (["evaluate", MODEL, "--seed", "-1"], "--seed: -1 is out of range"),
    (["evaluate", MODEL, "--seed", str(2**32)], "out of range"),
    (["evaluate", MODEL, "--seed", "0.5"], "not a whole number"),
    (["export-model"], "required"),
    (["export-model", MODEL], "--out"),
    (["export-model", "--out", "x"], "required: model"),
    (["demo", "--model"], "expected one argument"),
    (["demo", "extra"], "unrecognized arguments"),
    (["train"], "--out"),
    (["train", "--out", "x", "--steps", "many"], "invalid int value"),
    (["train", "--out", "x", "--progress", "loud"], "invalid choice"),
    (["train", "--out", "x", "--nproc", "2"], "unrecognized arguments: --nproc 2"),  # options are spelled out
    (["render", "p.stopframe", "--all", "--out", "x", "--lay", "alpha"], "unrecognized arguments: --lay alpha"),
    (["render"], "required"),
    (["render", "p.stopframe", "--all", "--out", "x", "--layer", "Characters"],
     "invalid choice: 'Characters' (choose from 'composite', 'background', 'characters', 'alpha', 'parts')"),
    (["render", "p.stopframe", "--all", "--out", "x", "--size", "1280x720", "--scale", "2"],
     "argument --scale: not allowed with argument --size"),
    (["render", "p.stopframe", "--all", "--out", "x", "--scale", "two"], "argument --scale: invalid int value: 'two'"),
]


@pytest.mark.parametrize(("argv", "says"), USAGE, ids=[" ".join(argv) or "-" for argv, _ in USAGE])
def test_a_bad_argument_is_one_line_and_exit_2(capsys, argv, says):
    assert main.main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1 and err.startswith("stopframe") and "Traceback" not in err, err
    assert says in err, err


def test_help_and_version_return_0_in_process(capsys):
    assert main.main(["evaluate", "--help"]) == 0
    assert "--force" in capsys.readouterr().out
    assert main.main(["--version"]) == 0


def one_line_exit_2(argv, capsys, *fragments, progress=False):
    """``main.main(argv)`` says one line and returns 2 (after its progress lines, if ``progress``)."""
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 2, err
    if progress:
        err = err.splitlines(keepends=True)[-1]
    assert err.count("\n") == 1 and "Traceback" not in err and err.startswith("stopframe: "), err
    for fragment in fragments:
        assert str(fragment) in err, err
    return err


@pytest.fixture
def no_evaluation(monkeypatch):
    """Fails the test if the evaluation (the slow part) starts."""
    import training.evaluation.evaluate

    def refuse(*args, **kwargs):
        raise AssertionError("the evaluation ran before the output was checked")
    monkeypatch.setattr(training.evaluation.evaluate, "evaluate", refuse)


@pytest.fixture
def no_model_load(monkeypatch):
    """Fails the test if a checkpoint starts loading."""
    import training.run.checkpoint

    def refuse(*args, **kwargs):
        raise AssertionError("the model loaded before the arguments were checked")
    monkeypatch.setattr(training.run.checkpoint, "load_model", refuse)


# -- render --size: refused in one line before the model loads ----------------------------------------
@pytest.fixture
def demo_project(tmp_path):
    from workstation.demos.digit_demo import write_demo_project

    return write_demo_project(tmp_path / "demo")


@pytest.fixture
def no_engine(monkeypatch):
    """Fails the test if `render` starts opening the model."""
    import workstation.render.shot_frames

    def refuse(*args, **kwargs):
        raise AssertionError("the model loaded before the arguments were checked")
    monkeypatch.setattr(workstation.render.shot_frames, "open_engine", refuse)


@pytest.mark.parametrize("size", ["12x", "x720", "1280", "1280*720", "1280x720x3", "12.5x7", "-5x5", "１２x7", "",
                                  "1" * 5000 + "x7"], ids=lambda size: size[:12] or "empty")
def test_render_size_that_is_not_width_x_height(demo_project, tmp_path, capsys, no_engine, size):
    err = one_line_exit_2(["render", demo_project, "--shot", "duet", "--out", tmp_path / "out", f"--size={size}"],
                          capsys)
    assert err == f"stopframe: --size {size}: expected WIDTHxHEIGHT, e.g. 1280x720\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


@pytest.mark.parametrize("size, says", [("0x720", "an output of 0x720"), ("1280x0", "an output of 1280x0"),
                                        ("20000x720", "an output of 20000x720"), ("1280X20000", "of 1280x20000")])
@pytest.mark.parametrize("which", [["--shot", "duet"], ["--all"]], ids=["one shot", "all"])
def test_render_size_with_a_side_out_of_range(demo_project, tmp_path, capsys, no_engine, size, says, which):
    out = tmp_path / "out"
    err = one_line_exit_2(["render", demo_project, *which, "--out", out, "--size", size], capsys,
                          says, "each side must be 1 to 16384 pixels")
    assert err.startswith(f"stopframe: {out}")  # naming the output (with --all, the first shot's)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


def test_render_scale_past_the_limit_or_below_1(demo_project, tmp_path, capsys, no_engine):
    out = tmp_path / "out"
    one_line_exit_2(["render", demo_project, "--shot", "duet", "--out", out, "--scale", "100000"], capsys,
                    out, "cannot be written; each side must be 1 to 16384 pixels")
    one_line_exit_2(["render", demo_project, "--shot", "duet", "--out", out, "--scale", "0"], capsys,
                    out, "a scale is a whole number of at least 1, got 0")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]


# -- evaluate: its outputs are claimed before the evaluation runs ------------------------------------
def test_evaluate_json_refuses_an_existing_file_without_force(anchored_bundle, tmp_path, capsys, no_evaluation):
    existing = tmp_path / "eval.json"
    existing.write_text("my results\n")
    one_line_exit_2(["evaluate", anchored_bundle[1], "--n", "2", "--json", existing], capsys,
                    existing, "already exists; pass --force")
    assert existing.read_text() == "my results\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.json"]  # no lock, no temporary


def test_evaluate_json_with_force_replaces_it_after_the_evaluation(anchored_bundle, tmp_path, capsys):
    existing = tmp_path / "eval.json"
    existing.write_text("my results\n")
    assert main.main(["evaluate", str(anchored_bundle[1]), "--n", "2", "--pairs", "10", "--json", str(existing),
                      "--force"]) == 0
    results = json.loads(existing.read_text())
    assert results["examples"] == 2 and results["image_size"] == 64 and "psnr" in results
    assert sorted(p.name for p in tmp_path.iterdir()) == ["eval.json"]


@pytest.mark.parametrize("where", ["a folder", "under a file", "figures onto a file"])
def test_evaluate_outputs_that_cannot_be_written(anchored_bundle, tmp_path, capsys, no_evaluation, where):
    (tmp_path / "file").write_text("mine")
    (tmp_path / "folder").mkdir()
    option = {"a folder": ["--json", tmp_path / "folder"], "under a file": ["--json", tmp_path / "file" / "e.json"],
              "figures onto a file": ["--figures", tmp_path / "file"]}[where]
    one_line_exit_2(["evaluate", anchored_bundle[1], *option], capsys,
                    option[1] if where == "a folder" else tmp_path / "file")
    assert (tmp_path / "file").read_text() == "mine" and list((tmp_path / "folder").iterdir()) == []


def test_evaluate_json_onto_a_read_only_filesystem_fails_before_the_evaluation(anchored_bundle, capsys,
                                                                                no_evaluation):
    with small_filesystem(1_000_000) as folder:
        (folder / "old.json").write_text("{}\n")
        remount_read_only(folder)
        for name, extra in (("new.json", []), ("old.json", ["--force"]), ("sub/new.json", [])):
            one_line_exit_2(["evaluate", anchored_bundle[1], "--json", folder / name, *extra], capsys,
                            "Read-only file system")
        one_line_exit_2(["evaluate", anchored_bundle[1], "--figures", folder / "figures"], capsys,
                        "Read-only file system")
        assert sorted(p.name for p in folder.iterdir()) == ["old.json"]


def test_evaluate_figures_are_claimed_before_the_evaluation(anchored_bundle, tmp_path, capsys, no_evaluation):
    figures = tmp_path / "figures"
    figures.mkdir()
    (figures / "layers.png").write_bytes(b"my picture")
    one_line_exit_2(["evaluate", anchored_bundle[1], "--figures", figures], capsys, figures / "layers.png",
                    "already exists; pass --force")
    assert sorted(p.name for p in figures.iterdir()) == ["layers.png"]
    one_line_exit_2(["evaluate", anchored_bundle[1], "--json", tmp_path / "new" / "sub" / "e.json",
                     "--figures", figures], capsys, "already exists")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figures"]  # the folders it made are gone again


def test_evaluate_a_model_that_is_not_there_or_not_a_model(tmp_path, capsys):
    one_line_exit_2(["evaluate", tmp_path / "nowhere", "--n", "2"], capsys, "nowhere", "no such checkpoint")
    (tmp_path / "notes.pt").write_text("not a checkpoint")
    one_line_exit_2(["evaluate", tmp_path / "notes.pt", "--n", "2"], capsys, "notes.pt", "not a readable checkpoint")
    (tmp_path / "empty-bundle").mkdir()
    (tmp_path / "empty-bundle" / "model.json").write_text("{}")
    one_line_exit_2(["evaluate", tmp_path / "empty-bundle", "--n", "2"], capsys, "model.json", "format")


# -- export-model: everything checked before the model loads -----------------------------------------
EVALUATIONS = {  # --evaluation file contents -> a fragment of the one line
    None: "no such file",
    b"": "not valid JSON",
    b"{": "not valid JSON",
    b"\xff\xfe\x00{": "not valid JSON",
    b"[1, 2]": "not the results of an evaluation",
    b'{"examples": 5}': "not the results of an evaluation",
    b'{"psnr": 5}': "not the results of an evaluation",
    b"[" * 100_000: "not valid JSON",
}


@pytest.mark.parametrize("content", EVALUATIONS, ids=[repr(c)[:20] for c in EVALUATIONS])
def test_export_model_checks_the_evaluation_file_before_the_model_loads(tmp_path, capsys, no_model_load, content):
    evaluation = tmp_path / "eval.json"
    if content is not None:
        evaluation.write_bytes(content)
    one_line_exit_2(["export-model", MODEL, "--out", tmp_path / "bundle", "--evaluation", evaluation], capsys,
                    evaluation, EVALUATIONS[content], "--evaluation takes")
    assert not (tmp_path / "bundle").exists()


def test_export_model_evaluation_that_is_a_folder(tmp_path, capsys, no_model_load):
    one_line_exit_2(["export-model", MODEL, "--out", tmp_path / "bundle", "--evaluation", tmp_path], capsys,
                    "not a file but a folder")


@pytest.mark.parametrize("out", [".", "..", "./", "/", "here"])
def test_export_model_refuses_the_current_folder_and_what_holds_it(tmp_path, monkeypatch, capsys, no_model_load,
                                                                  out):
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    if out == "here":
        out = str(here)
    one_line_exit_2(["export-model", MODEL, "--out", out], capsys, "is the current folder (or holds it)")
    assert list(here.iterdir()) == []


@pytest.mark.parametrize("kind", ["a file", "a folder of other things", "under a file"])
def test_export_model_refuses_an_out_that_is_not_a_bundle(tmp_path, capsys, no_model_load, kind):
    (tmp_path / "file").write_text("mine")
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "notes.txt").write_text("mine")
    out = {"a file": tmp_path / "file", "a folder of other things": tmp_path / "work",
           "under a file": tmp_path / "file" / "bundle"}[kind]
    one_line_exit_2(["export-model", MODEL, "--out", out], capsys, out)
    assert (tmp_path / "file").read_text() == "mine" and (tmp_path / "work" / "notes.txt").read_text() == "mine"


def tiny_checkpoint(folder: Path, **model) -> Path:
    """A checkpoint of a tiny untrained model, as `train` writes it."""
    import torch

    from tests.conftest import tiny_model_config, tiny_train_config
    from training.model.scene_model import SceneModel
    from training.run.checkpoint import save

    config = tiny_train_config(model=tiny_model_config(**model))
    network = SceneModel(config.model)
    path = folder / "tiny.pt"
    save(path, model=network, optimizer=torch.optim.SGD(network.parameters(), lr=0.1), step=6, config=config,
         rng=np.random.default_rng(0))
    return path


def test_export_model_on_a_full_disk_keeps_the_old_bundle_and_everything_beside_it(anchored_bundle, tmp_path,
                                                                                   capsys):
    """A real small filesystem: the export runs out of space while writing the first graph."""
    from tests.faults import fill

    checkpoint = tiny_checkpoint(tmp_path)
    with small_filesystem(3_000_000) as folder:
        shutil.copytree(anchored_bundle[1], folder / "mine")
        (folder / "mine.partial").mkdir()  # the user's own folder of that name (issue 12, case 2)
        (folder / "mine.partial" / "notes.txt").write_text("mine")
        before = {p.name: p.read_bytes() for p in (folder / "mine").iterdir()}
        fill(folder, leave_bytes=20_000)
        one_line_exit_2(["export-model", checkpoint, "--out", folder / "mine"], capsys, folder / "mine",
                        "No space left on device", progress=True)
        assert {p.name: p.read_bytes() for p in (folder / "mine").iterdir()} == before
        assert (folder / "mine.partial" / "notes.txt").read_text() == "mine"
        assert sorted(p.name for p in folder.iterdir()) == ["filler.bin", "mine", "mine.partial"]


@pytest.mark.slow
def test_a_128_model_exports_beside_a_partial_file_then_evaluates_and_demos_at_128(tmp_path, capsys):
    """Export-model with ``<out>.partial`` a file of the user's and an evaluation to store; then
    evaluate and demo run at the bundle's 128x128 (the data drawn at that size)."""
    import cv2

    checkpoint = tiny_checkpoint(tmp_path, image_size=128)
    bundles = tmp_path / "bundles"
    bundles.mkdir()
    (bundles / "mine.partial").write_text("mine")
    evaluation = tmp_path / "eval.json"
    evaluation.write_text(json.dumps({"examples": 2, "psnr": {"Background manipulation": {"psnr": 1.0}}}))
    assert main.main(["export-model", str(checkpoint), "--out", str(bundles / "mine"),
                      "--evaluation", str(evaluation)]) == 0, capsys.readouterr().err
    assert (bundles / "mine.partial").read_text() == "mine"
    assert sorted(p.name for p in bundles.iterdir()) == ["mine", "mine.partial"]
    metadata = json.loads((bundles / "mine" / "model.json").read_text())
    assert metadata["image_size"] == 128 and metadata["evaluation"]["examples"] == 2
    capsys.readouterr()
    results = tmp_path / "results.json"
    assert main.main(["evaluate", str(bundles / "mine"), "--n", "3", "--pairs", "10", "--json", str(results)]) == 0
    assert json.loads(results.read_text())["image_size"] == 128
    assert "at 128x128" in capsys.readouterr().err
    assert main.main(["demo", "--model", str(bundles / "mine"), "--out", str(tmp_path / "demo")]) == 0
    videos = cv2.imread(str(tmp_path / "demo" / "layers.png"))
    assert videos.shape[1] > 5 * 128 * 3  # five tiles of 128 pixels drawn x3 in a row
    assert sorted(os.listdir(tmp_path / "demo")) == ["layers.png", "manipulations.png", "test_videos.png"]
