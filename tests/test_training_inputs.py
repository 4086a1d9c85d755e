"""Training's settings and names are checked before anything runs: out of range, the wrong type or
empty is one line (exit 2), and so is a batch whose training step cannot fit in memory."""

import pytest

from tests.conftest import tiny_model_config, tiny_train_config
from tests.test_checkpoint_safety import assert_refused_in_one_line, run_main, saved_checkpoint
from training.run import batch_memory
from training.run.trainer import Trainer

TINY = ["--steps", "1", "--precision", "fp32", "--set", 'init_from=""', "--set", "model.width=8",
        "--set", "model.feature_channels=8", "--set", "model.motion_width=8", "--set", "val_examples=8"]


@pytest.mark.parametrize("arguments, named", [
    (["--seed", "-1"], "seed=-1: must be an integer from 0 to 4294967295"),
    (["--seed", str(2**70)], f"seed={2**70}: must be an integer from 0 to 4294967295"),
    (["--set", "seed=true"], "seed=True: must be an integer"),
    (["--set", "data_dir=5"], "data_dir=5: must be a folder path"),
    (["--set", 'data_dir=""'], "data_dir='': must be a folder path"),
])
def test_train_settings_out_of_range_are_one_line(tmp_path, capsys, arguments, named):
    code, stderr = run_main(capsys, "train", "--out", tmp_path / "run", *TINY, *arguments)
    assert_refused_in_one_line(code, stderr, named)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("command", [
    ["train", "--out", "", *TINY],
    ["train", "--out", "run", "--data-dir", "", *TINY],
    ["evaluate", "last.pt", "--n", "10", "--pairs", "10", "--json", ""],
    ["evaluate", "last.pt", "--n", "10", "--pairs", "10", "--figures", " "],
    ["export-model", "last.pt", "--out", ""],
    ["demo", "--model", "", "--out", "demo"],
], ids=["train --out", "train --data-dir", "evaluate --json", "evaluate --figures", "export-model --out",
        "demo --model"])
def test_an_empty_name_is_one_line_and_nothing_runs(tmp_path, capsys, monkeypatch, command):
    """An empty --out once trained into the current folder, an empty --json wrote nothing."""
    monkeypatch.chdir(tmp_path)
    saved_checkpoint(tmp_path / "last.pt")
    code, stderr = run_main(capsys, *command)
    assert_refused_in_one_line(code, stderr, "is not a file or folder name")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["last.pt"]


def fake_meminfo(tmp_path, monkeypatch, available_kb: int):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text(f"MemTotal:       32000000 kB\nMemFree:        100 kB\nMemAvailable:   {available_kb} kB\n")
    monkeypatch.setattr(batch_memory, "MEMINFO", meminfo)
    monkeypatch.setattr(batch_memory.sys, "platform", "linux")


def test_a_batch_that_cannot_fit_is_refused_before_the_first_step(tmp_path, capsys, monkeypatch):
    """A step of 4,096 pairs once ran 40 s and then died of memory: here, 256 pairs with 64 MiB free."""
    fake_meminfo(tmp_path, monkeypatch, available_kb=64 * 1024)
    code, stderr = run_main(capsys, "train", "--out", tmp_path / "run", *TINY, "--batch-size", "256")
    assert_refused_in_one_line(code, stderr, "batch_size=256: a training step needs about",
                               "this machine has 64 MiB available; about ", " fits: lower --batch-size")
    assert not (tmp_path / "run").exists()


def test_a_batch_that_fits_trains(tmp_path, monkeypatch):
    fake_meminfo(tmp_path, monkeypatch, available_kb=64 * 1024)
    Trainer(tiny_train_config(steps=1, batch_size=4), tmp_path / "run").train()
    assert (tmp_path / "run" / "checkpoints" / "last.pt").is_file()


def test_what_a_pair_needs_grows_with_its_pixels():
    from training.model.scene_model import SceneModel

    small, large = (tiny_train_config(model=tiny_model_config(image_size=size)) for size in (64, 128))
    per_pair = [batch_memory.bytes_per_pair(SceneModel(config.model), config, "cpu") for config in (small, large)]
    assert per_pair[0] > 64 * 64 * 3 * 4 and 3.5 < per_pair[1] / per_pair[0] < 4.5


def test_without_a_way_to_know_the_memory_nothing_is_checked(monkeypatch):
    monkeypatch.setattr(batch_memory.sys, "platform", "darwin")
    assert batch_memory.available_bytes("cpu") is None
