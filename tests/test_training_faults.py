"""Training under faults (issue 12): a full disk, `kill -9` at a random step, NaN or inf in the
loss, bad recipes and settings, a damaged metrics.csv, a FIFO given as a clip. Each is one line
(exit code 2 from the CLI) and the last good checkpoint is always kept."""

import errno
import json
import math
import os
import random
import signal
import subprocess
import sys
from contextlib import ExitStack

import pytest
import torch

from tests import faults
from tests.conftest import ROOT, run_cli
from training.run import checkpoint
from training.run.trainer import Callbacks, Trainer, TrainingInterrupted
from workstation.kernel.safe_write import LOCK_SUFFIX, is_temporary

TINY_CLI = ["--set", "model.width=8", "--set", "model.feature_channels=8", "--set", "model.motion_width=8",
            "--set", "init_from=\"\"",
            "--set", "val_examples=8", "--set", "val_every=3", "--set", "sample_every=3",
            "--set", "checkpoint_every=2", "--set", "warmup_steps=2", "--batch-size", "4", "--precision", "fp32"]


def run_main(capsys, *args) -> tuple[int, str]:
    """`main.py ARGS` in this process: (exit code, stderr)."""
    import main

    capsys.readouterr()
    code = main.main([str(a) for a in args])
    return code, capsys.readouterr().err


def assert_one_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in err, err


def parameters(model_state: dict) -> torch.Tensor:
    return torch.cat([value.flatten().float() for value in model_state.values()])


def leftovers(folder) -> list[str]:
    """Temporaries and claims of the safe writer left in a run folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if is_temporary(p) or p.name.endswith(LOCK_SUFFIX))


def at_step(step: int, action):
    """A Trainer._optimize that calls ``action(trainer)`` before optimising step ``step`` (1-based)."""
    optimize = Trainer._optimize

    def optimize_then(self, *args, **kwargs):
        if self.step + 1 == step:
            action(self)
        return optimize(self, *args, **kwargs)

    return optimize_then


# -- a full disk (#8) ------------------------------------------------------------------------------

@pytest.mark.parametrize(("after_bytes", "code", "reason", "remedy"), [
    (0, errno.ENOSPC, "No space left on device", "make room"),
    (3000, errno.ENOSPC, "No space left on device", "make room"),
    (0, errno.EROFS, "Read-only file system", "make the run folder writable"),  # before: "make room"
    (3000, errno.EACCES, "Permission denied", "make the run folder writable"),
])
def test_a_full_disk_stops_training_in_one_line_keeping_the_last_good_checkpoint(tmp_path, monkeypatch, capsys,
                                                                                  after_bytes, code, reason, remedy):
    out = tmp_path / "run"
    with ExitStack() as disk:
        monkeypatch.setattr(Trainer, "_optimize", at_step(3, lambda trainer: disk.enter_context(
            faults.failing_writes(out, code, after_bytes=after_bytes))))
        exit_code, err = run_main(capsys, "train", "--steps", "6", "--out", out, "--progress", "json", *TINY_CLI)
    code = exit_code
    assert_one_line(code, err, reason, "the last checkpoint (step 2) is kept", f"{remedy}, then continue with --resume")
    assert str(out) in err
    state = checkpoint.load(out)
    assert state["step"] == 2
    assert leftovers(out) == []
    monkeypatch.undo()
    code, err = run_main(capsys, "train", "--resume", "--out", out, "--progress", "json")
    assert code == 0, err


def test_training_onto_a_real_full_filesystem_keeps_the_last_good_checkpoint(monkeypatch, capsys):
    with faults.small_filesystem(64 * 1024 * 1024) as folder:
        out = folder / "run"
        monkeypatch.setattr(Trainer, "_optimize", at_step(3, lambda trainer: faults.fill(folder, leave_bytes=2048)))
        code, err = run_main(capsys, "train", "--steps", "6", "--out", out, "--progress", "json", *TINY_CLI)
        assert_one_line(code, err, "No space left on device", "the last checkpoint (step 2) is kept")
        assert checkpoint.load(out)["step"] == 2
        assert leftovers(out) == []


def test_checkpoints_are_written_through_the_safe_writer(tmp_path):
    """The checkpoint is verified before it replaces the last one: a temporary that does not load
    back is refused and the previous checkpoint stays."""
    trainer = Trainer(_tiny_config(steps=2), tmp_path / "run")
    trainer.train()
    before = trainer.last_checkpoint.read_bytes()
    with faults.failing_writes(tmp_path / "run", errno.ENOSPC, after_bytes=100):
        with pytest.raises(Exception) as failed:
            trainer.save(trainer.last_checkpoint)
    assert "No space left on device" in str(failed.value) and "\n" not in str(failed.value)
    assert trainer.last_checkpoint.read_bytes() == before
    assert leftovers(tmp_path / "run") == []


def _tiny_config(**overrides):
    from tests.conftest import tiny_train_config

    return tiny_train_config(**overrides)


# -- bad settings, recipes and metrics (#10) ---------------------------------------------------------

@pytest.mark.parametrize("settings, named", [
    (["model=5"], "model=5: must be a table of model settings"),
    (['model="big"'], "model='big': must be a table of model settings"),
    (["model=5", "model.width=8"], "--set 'model.width=8': model is not a table of settings"),
    (["steps.x=3"], "steps={'x': 3}: must be an integer from 1"),
    (["lr=NaN"], "lr=nan: must be a finite number >= 0"),
    (["alpha_equiv=Infinity"], "alpha_equiv=inf: must be a finite number >= 0"),
    (["=3"], "--set '=3': expected KEY=VALUE"),
    (["model.=3"], "--set 'model.=3': expected KEY=VALUE"),
])
def test_bad_settings_are_one_line_naming_the_key(tmp_path, capsys, settings, named):
    assignments = [part for setting in settings for part in ("--set", setting)]
    code, err = run_main(capsys, "train", "--out", tmp_path / "run", *assignments)
    assert_one_line(code, err, named)
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("content, named", [
    (b"train = 5\n", "train = 5: must be a [train] table of settings"),
    (b"model = 'big'\n", "model = 'big': must be a [model] table of settings"),
    (bytes(range(256)) * 4, "not a TOML recipe (not UTF-8 text)"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not a TOML recipe (not UTF-8 text)"),
    (b"[train\nsteps = 1\n", "not valid TOML"),
    (b"[trian]\nsteps = 1\n", "unknown table [trian]: a recipe has [train] and [model]"),
    (b"[train]\nstep = 1\n", "unknown setting step"),
    (b"[train]\nmodel = 3\n", "model=3: must be a table of model settings"),
])
def test_a_bad_recipe_is_one_line_naming_the_file(tmp_path, capsys, content, named):
    recipe = tmp_path / "recipe.toml"
    recipe.write_bytes(content)
    code, err = run_main(capsys, "train", "--out", tmp_path / "run", "--recipe", recipe)
    assert_one_line(code, err, f"{recipe}: ", named)
    assert not (tmp_path / "run").exists()


def test_a_recipe_that_is_a_folder_or_a_fifo_or_missing_is_one_line(tmp_path, capsys):
    os.mkfifo(tmp_path / "fifo.toml")
    for recipe, named in ((tmp_path, "not a file"), (tmp_path / "fifo.toml", "not a file"),
                          (tmp_path / "gone.toml", "no such recipe")):
        code, err = run_main(capsys, "train", "--out", tmp_path / "run", "--recipe", recipe)
        assert_one_line(code, err, f"{recipe}: {named}")


def test_a_garbage_line_in_metrics_csv_on_resume_is_one_line_naming_it(tmp_path, capsys):
    out = tmp_path / "run"
    Trainer(_tiny_config(steps=2), out).train()
    metrics, last = out / "metrics.csv", out / "checkpoints" / "last.pt"
    good, before = metrics.read_bytes(), last.read_bytes()
    header, rows = good.split(b"\n", 1)
    columns = header.count(b",") + 1
    for garbage, named in ((b"garbage\n", "line 2 is not a metrics row (step 'garbage')"),
                           (b"12.5,0.1\n", "line 2 is not a metrics row (step '12.5')"),
                           (b"7,\x00,1\n", f"line 2 is not a metrics row (3 values for {columns} columns)"),
                           (b"\xff\xfe\xfa\n", "line 2 is not a metrics row (not text)"),
                           (b"3," * columns + b"3\n",
                            f"line 2 is not a metrics row ({columns + 1} values for {columns} columns)")):
        damaged = header + b"\n" + garbage + rows  # a damaged line before the last one: not a torn append
        metrics.write_bytes(damaged)
        code, err = run_main(capsys, "train", "--resume", "--out", out, "--steps", "3")
        assert_one_line(code, err, f"{metrics}: {named}; remove that line")
        assert metrics.read_bytes() == damaged  # nothing the user had is changed
        assert last.read_bytes() == before
    metrics.write_bytes(b"\x89PNG\r\n")
    assert_one_line(*run_main(capsys, "train", "--resume", "--out", out), f"{metrics}: not a metrics file")


def stopped_at(out, step: int, total: int) -> Trainer:
    """A run of ``total`` steps stopped (Cancel) after ``step``, its checkpoint at ``step``."""
    trainer = Trainer(_tiny_config(steps=total), out, Callbacks(should_stop=lambda: trainer.step >= step))
    with pytest.raises(TrainingInterrupted):
        trainer.train()
    return trainer


@pytest.mark.parametrize("torn", [b"9,0.25", b"9,0.25,0.5\n", b"\x00\x00\x00"])
def test_resume_cuts_metrics_csv_back_to_the_checkpoint_and_drops_a_torn_last_line(tmp_path, monkeypatch, torn):
    """What a kill leaves in metrics.csv: rows after the last checkpoint, and the row being appended
    cut short (no newline, or a newline but not a row). The resumed run logs those steps again, and
    a crash while the file is cut back leaves it as it was."""
    out = tmp_path / "run"
    stopped_at(out, 3, total=6)  # validated at step 3: one row, and the checkpoint of step 3
    metrics = out / "metrics.csv"
    rows = metric_rows(out)
    assert [row["step"] for row in rows] == ["3"]
    logged_after = metrics.read_text().splitlines()[-1].replace("3,", "5,", 1).replace(rows[0]["loss"], "123.5")
    kept_by_the_kill = metrics.read_bytes() + logged_after.encode() + b"\n" + torn
    metrics.write_bytes(kept_by_the_kill)

    replace = os.replace

    def crash_replacing_metrics(source, target):
        if os.fspath(target).endswith("metrics.csv"):
            raise Killed()
        return replace(source, target)

    monkeypatch.setattr(os, "replace", crash_replacing_metrics)
    with pytest.raises(Killed):
        Trainer.resume(out).train()
    monkeypatch.undo()
    assert metrics.read_bytes() == kept_by_the_kill and leftovers(out) == []

    Trainer.resume(out).train()
    steps = [row["step"] for row in metric_rows(out)]
    assert steps == ["3", "6"] and "123.5" not in metrics.read_text()
    assert metrics.read_bytes().endswith(b"\n") and leftovers(out) == []


# -- a FIFO named .mp4 given to train --clip (#11) ---------------------------------------------------

def test_a_fifo_given_as_a_clip_is_refused_at_once_in_one_line(tmp_path, capsys):
    fifo = tmp_path / "clip.mp4"
    with faults.fifo_watchdog(fifo) as readers:  # the test fails rather than hangs on a reader that waits
        code, err = run_main(capsys, "train", "--clip", fifo, "--out", tmp_path / "run", "--steps", "2")
    assert readers == [], "train opened the FIFO for reading"
    assert_one_line(code, err, f"{fifo}: not a regular file or folder (a named pipe)")
    assert not (tmp_path / "run").exists()


# -- kill -9 before the first checkpoint (#14) -------------------------------------------------------

class Killed(BaseException):
    """Stands for `kill -9`: nothing in Stopframe catches it."""


def test_a_run_killed_before_its_first_step_resumes(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    monkeypatch.setattr(Trainer, "_optimize", at_step(1, lambda trainer: (_ for _ in ()).throw(Killed())))
    with pytest.raises(Killed):
        run_main(capsys, "train", "--steps", "3", "--out", out, "--progress", "json", *TINY_CLI)
    monkeypatch.undo()
    code, err = run_main(capsys, "train", "--steps", "3", "--out", out, *TINY_CLI)
    assert_one_line(code, err, "pass --resume")
    code, err = run_main(capsys, "train", "--resume", "--out", out, "--progress", "json")
    assert code == 0, err
    assert checkpoint.load(out)["step"] == 3


def test_a_run_folder_left_before_any_checkpoint_gets_messages_that_agree(tmp_path, capsys):
    """What a death during start-up can leave: the run's empty folders, or a folder with something
    else. `train` says only what is true, and `--resume` the same."""
    out = tmp_path / "run"
    (out / "checkpoints").mkdir(parents=True)
    (out / "samples").mkdir()
    code, err = run_main(capsys, "train", "--steps", "2", "--out", out, "--progress", "json", *TINY_CLI)
    assert code == 0, err  # empty folders hold nothing to lose: the run starts in them
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, err = run_main(capsys, "train", "--steps", "2", "--out", other, *TINY_CLI)
    assert_one_line(code, err, f"{other}: ", "holds no checkpoint")
    assert "pass --resume" not in err
    code, err = run_main(capsys, "train", "--resume", "--out", other)
    assert_one_line(code, err, f"{other}: nothing to resume")
    assert (other / "notes.txt").read_text() == "mine" and sorted(p.name for p in other.iterdir()) == ["notes.txt"]


# -- NaN or inf in the loss ----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [math.nan, math.inf])
def test_a_nan_or_inf_loss_stops_in_one_line_keeping_the_last_good_checkpoint(tmp_path, monkeypatch, capsys, bad):
    from training.model.scene_model import SceneModel

    losses, calls = SceneModel.losses, []

    def poisoned(self, *args, **kwargs):
        result = losses(self, *args, **kwargs)
        if len(args[0]) != 4:  # not a training batch (--batch-size 4): the memory check's batches of 1 and 2
            return result
        calls.append(1)
        if len(calls) >= 5:
            result = {**result, "equiv": result["equiv"] * bad, "total": result["total"] * bad}
        return result

    monkeypatch.setattr(SceneModel, "losses", poisoned)
    out = tmp_path / "run"
    code, err = run_main(capsys, "train", "--steps", "8", "--out", out, "--progress", "json", *TINY_CLI)
    assert_one_line(code, err, f"the loss is {bad} at step 5", f"equiv {bad}", "the last checkpoint (step 4) is kept")
    state = checkpoint.load(out)
    assert state["step"] == 4 and torch.isfinite(parameters(state["model"])).all()
    steps = [json.loads(line).get("step") for line in capsys.readouterr().out.splitlines()]
    assert 5 not in steps  # a step whose loss is not finite is not reported as done


def test_weights_gone_non_finite_never_overwrite_the_last_good_checkpoint(tmp_path, monkeypatch, capsys):
    def poison_weights(trainer):
        with torch.no_grad():
            next(trainer.model.parameters()).fill_(math.nan)

    optimize = Trainer._optimize

    def optimize_then_poison(self, *args, **kwargs):
        result = optimize(self, *args, **kwargs)
        if self.step + 1 == 4:  # the step whose end writes a checkpoint, its loss still finite
            poison_weights(self)
        return result

    monkeypatch.setattr(Trainer, "_optimize", optimize_then_poison)
    out = tmp_path / "run"
    code, err = run_main(capsys, "train", "--steps", "8", "--out", out, "--progress", "json", *TINY_CLI)
    assert_one_line(code, err, "weights are not finite at step 4", "the last checkpoint (step 2) is kept")
    state = checkpoint.load(out)
    assert state["step"] == 2 and torch.isfinite(parameters(state["model"])).all()


# -- kill -9 at a random step, then --resume ------------------------------------------------------------

def start_training(out, *args) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "main.py"), "train", "--out", str(out), "--progress", "json",
                             *map(str, args)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_at(process: subprocess.Popen, step: int) -> int:
    """SIGKILL the training child once it reported ``step``; returns the last step it reported."""
    seen = 0
    for line in process.stdout:
        event = json.loads(line)
        seen = event.get("step", seen) if event["event"] == "step" else seen
        if seen >= step:
            process.send_signal(signal.SIGKILL)
            break
    process.communicate(timeout=60)
    assert process.returncode == -signal.SIGKILL, f"the child ended before step {step}"
    return seen


def metric_rows(out) -> list[dict]:
    import csv

    with (out / "metrics.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.slow
def test_kill_9_at_random_steps_then_resume_equals_an_uninterrupted_run(tmp_path):
    steps, every = 12, 2
    seed = int.from_bytes(os.urandom(4), "little")
    rng = random.Random(seed)
    arguments = ["--steps", steps, *TINY_CLI, "--set", f"checkpoint_every={every}"]
    out, losses = tmp_path / "killed", []
    first = rng.randrange(1, steps - 3)
    reported = kill_at(start_training(out, *arguments), first)
    kept = checkpoint.load(out)["step"]
    losses.append(reported - kept)
    assert reported - every <= kept <= reported, (seed, reported, kept)
    second = rng.randrange(kept + 1, steps)
    resumed = start_training(out, "--resume")
    reported = kill_at(resumed, second)
    kept_again = checkpoint.load(out)["step"]
    losses.append(reported - kept_again)
    assert reported - every <= kept_again <= reported, (seed, reported, kept_again)
    done = run_cli("train", "--resume", "--out", out, "--progress", "json")
    assert done.returncode == 0, done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    assert [e["step"] for e in events if e["event"] == "step"][0] == kept_again + 1

    straight = tmp_path / "straight"
    done = run_cli("train", "--out", straight, "--progress", "json", *map(str, arguments))
    assert done.returncode == 0, done.stderr
    final, reference = checkpoint.load(out), checkpoint.load(straight)
    assert final["step"] == reference["step"] == steps
    difference = float((parameters(final["model"]) - parameters(reference["model"])).abs().max())
    print(f"seed {seed}: killed after steps {first}+ and {second}+, lost {losses} steps, "
          f"max weight difference {difference:.3g}")
    assert difference < 1e-5, seed
    rows, expected = metric_rows(out), metric_rows(straight)
    assert [r["step"] for r in rows] == [r["step"] for r in expected]
    for row, want in zip(rows, expected):
        for key in ("loss", "scene", "equiv", "inv", "val_reconstruction_psnr"):
            if want[key]:
                assert math.isclose(float(row[key]), float(want[key]), rel_tol=1e-4, abs_tol=1e-6), (seed, key)
    assert leftovers(out) == []
