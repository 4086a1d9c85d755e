"""What a run folder holds: metrics.csv appended a row at a time, checkpoints of plain values, the
best checkpoint chosen by the config's best_metric, and no temporaries of the safe writer left."""

import csv
import os

import pytest
import torch

from tests.conftest import run_cli, tiny_train_config
from training.model.config import BEST_METRICS, ConfigError, TrainConfig
from training.run import checkpoint
from training.run.run_files import RunFolderError, read_metrics
from training.run.trainer import Trainer
from workstation.kernel.safe_write import is_temporary, output_file, output_folder


def metric_rows(run) -> list[dict]:
    with (run / "metrics.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_metrics_rows_are_appended_and_fsynced_never_rewritten(tmp_path, monkeypatch):
    run = tmp_path / "run"
    replaced, synced = [], []
    replace, fsync = os.replace, os.fsync

    def spying_replace(source, target):
        replaced.append(os.fspath(target))
        return replace(source, target)

    def spying_fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return fsync(fd)

    monkeypatch.setattr(os, "replace", spying_replace)
    monkeypatch.setattr(os, "fsync", spying_fsync)
    Trainer(tiny_train_config(steps=20, val_every=10, sample_every=20, checkpoint_every=20), run).train()
    monkeypatch.undo()
    assert [row["step"] for row in metric_rows(run)] == ["10", "20"]
    assert [target for target in replaced if target.endswith("metrics.csv")] == [str(run / "metrics.csv")]  # made once
    assert synced.count(str((run / "metrics.csv").resolve())) >= 2  # each row, on the disk when it is appended


def write(path, data: bytes):
    path.write_bytes(data)
    return path


HEADER = b"step,loss,val_reconstruction_psnr\n"


@pytest.mark.parametrize("tail", [b"", b"4,0.5", b"4,0.5\n", b"4,", b"\xff\xfe", b"garbage\n", b"\x00\x00\x00"])
def test_a_torn_last_line_is_left_out(tmp_path, tail):
    """A kill during an append leaves the row cut short: no newline, or not a row."""
    path = write(tmp_path / "metrics.csv", HEADER + b"1,0.9,\n2,0.8,20.5\n" + tail)
    fields, rows = read_metrics(path, up_to_step=3)
    assert fields == ["step", "loss", "val_reconstruction_psnr"]
    assert [row["step"] for row in rows] == ["1", "2"] and rows[1]["val_reconstruction_psnr"] == "20.5"


def test_rows_after_the_checkpoint_are_left_out(tmp_path):
    path = write(tmp_path / "metrics.csv", HEADER + b"1,0.9,\n2,0.8,\n3,0.7,\n")
    assert [row["step"] for row in read_metrics(path, up_to_step=2)[1]] == ["1", "2"]


@pytest.mark.parametrize("damaged, named", [(b"garbage", "line 3 is not a metrics row (step 'garbage')"),
                                            (b"2,0.8", "line 3 is not a metrics row (2 values for 3 columns)"),
                                            (b"\xff", "line 3 is not a metrics row (not text)")])
def test_a_damaged_line_before_the_last_is_one_error_naming_it(tmp_path, damaged, named):
    path = write(tmp_path / "metrics.csv", HEADER + b"1,0.9,\n" + damaged + b"\n3,0.7,\n4,0.6")
    with pytest.raises(RunFolderError) as refused:
        read_metrics(path, up_to_step=4)
    assert str(refused.value) == f"{path}: {named}; remove that line, then resume again"


def test_the_leftover_checks_see_the_safe_writers_temporaries(tmp_path):
    """tests look for leftovers with is_temporary: it knows every name the safe writer gives."""
    seen = []
    with output_file(tmp_path / "last.pt", overwrite=True) as temporary:
        seen.append(is_temporary(temporary))
    with output_folder(tmp_path / "bundle", overwrite=True) as staging:
        seen.append(is_temporary(staging))
    with output_folder(tmp_path / "bundle", overwrite=True) as staging:  # the old one is renamed aside
        pass
    assert seen == [True, True]
    assert not any(is_temporary(path) for path in tmp_path.rglob("*"))
    assert not any(is_temporary(tmp_path / name) for name in ("last.pt", "metrics.csv", ".hidden", "x.tmp",
                                                               ".last.pt.stopframe-lock"))


def test_a_checkpoint_is_plain_values_that_load_without_unpickling_code(tmp_path):
    Trainer(tiny_train_config(steps=1), tmp_path / "run").train()
    saved = torch.load(tmp_path / "run" / "checkpoints" / "last.pt", weights_only=True)
    assert set(saved) == checkpoint.SavedCheckpoint.__required_keys__ | checkpoint.RunProgress.__optional_keys__
    state = checkpoint.load(tmp_path / "run")
    assert isinstance(state["config"], TrainConfig) and state["step"] == 1 and state["world_size"] == 1


def test_a_checkpoint_that_misses_a_part_is_one_line(tmp_path):
    last = tmp_path / "run" / "checkpoints" / "last.pt"
    Trainer(tiny_train_config(steps=1), tmp_path / "run")
    saved = torch.load(last, weights_only=True)
    del saved["optimizer"]
    torch.save(saved, last)
    with pytest.raises(checkpoint.CheckpointError) as refused:
        checkpoint.load(last)
    assert str(refused.value) == f"{last}: not a complete checkpoint (no 'optimizer')"


@pytest.mark.parametrize("dataset, metric", [("mmnist", "manipulation_psnr"), ("sprites", "analogy_psnr"),
                                             ("clips", "reconstruction_psnr")])
def test_each_dataset_keeps_the_best_metric_that_chose_before(dataset, metric):
    assert TrainConfig(dataset=dataset).best_metric == metric
    assert TrainConfig.from_saved({"dataset": dataset}).best_metric == metric  # a checkpoint from before it


def test_the_best_checkpoint_is_chosen_by_the_named_metric(tmp_path):
    config = tiny_train_config(steps=6, val_every=2, best_metric="reconstruction_psnr")
    trainer = Trainer(config, tmp_path / "run")
    trainer.train()
    scores = [float(row["val_reconstruction_psnr"]) for row in metric_rows(tmp_path / "run")]
    assert len(scores) == 3 and trainer.best_psnr == pytest.approx(max(scores))
    best = checkpoint.load(tmp_path / "run" / "checkpoints" / "best.pt")
    assert best["best_psnr"] == pytest.approx(max(scores)) and best["config"].best_metric == "reconstruction_psnr"


def test_an_unknown_or_unmeasured_best_metric_is_one_line_naming_the_setting(tmp_path):
    done = run_cli("train", "--out", str(tmp_path / "run"), "--set", "best_metric=psnr")
    assert done.returncode == 2 and done.stderr.count("\n") == 1
    assert f"best_metric='psnr': allowed values are {', '.join(BEST_METRICS)}" in done.stderr
    with pytest.raises(ConfigError, match="best_metric='analogy_psnr': dataset='mmnist' is not validated on it; "
                                          "allowed values there are manipulation_psnr, reconstruction_psnr"):
        tiny_train_config(best_metric="analogy_psnr").validate()
