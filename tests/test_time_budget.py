"""``stopframe train --minutes N`` (training/run/time_budget.py): the steps that fill N minutes,
measured at the start, saved with the run and kept by --resume; and ``--init-from BUNDLE``, the
``init_from`` setting as a flag. The speed is faked where a test needs a known number of steps."""

import csv
import json
import math

import pytest
import torch

import main
from tests.conftest import MNIST_DIR, tiny_train_config
from training.run import progress, time_budget
from training.run.checkpoint import load
from training.run.time_budget import Speed, measure, steps_within
from training.run.trainer import Trainer, learning_rate
from training.run.warm_start import bundle_folder
from workstation.kernel.errors import EXIT_INTERRUPTED

# 0.25 s a step and 1.5 s a validation every 4 steps: 0.1 minutes (6 s) hold 7 steps and their validations
FAKE_SPEED = Speed(step_s=0.25, validation_s=1.5)
TINY = ["--data-dir", str(MNIST_DIR), "--batch-size", "4", "--precision", "fp32", "--progress", "json",
        *(f"--set={setting}" for setting in ("model.width=8", "model.feature_channels=8", "model.motion_width=8",
                                             "val_every=4", "val_examples=8", "sample_every=4",
                                             "checkpoint_every=2", "warmup_steps=2"))]


def train(*args: str) -> int:
    return main.main(["train", *args, *TINY])


@pytest.fixture
def fake_speed(monkeypatch):
    monkeypatch.setattr(time_budget, "measure", lambda trainer: FAKE_SPEED)


def stop_after(monkeypatch, steps: int) -> None:
    """The next run's Cancel is pressed after ``steps`` steps."""
    plain = progress.json_lines

    def cancelling(stream=None):
        callbacks, taken = plain(stream), []
        on_step = callbacks.on_step
        callbacks.on_step = lambda record: (taken.append(record["step"]), on_step(record))
        callbacks.should_stop = lambda: len(taken) >= steps
        return callbacks

    monkeypatch.setattr(progress, "json_lines", cancelling)


def test_the_minutes_become_steps_that_the_run_saves_and_its_schedule_decays_over(fake_speed, tmp_path, capsys):
    run = tmp_path / "run"
    assert train("--out", str(run), "--minutes", "0.1", "--set=init_from=\"\"") == 0
    said = capsys.readouterr().err
    assert "measured 4.0 steps/s (16 pairs/s) and 1.5 s a validation on cpu (fp32): 7 steps fill 0.1 minutes" in said
    config = json.loads((run / "config.json").read_text())
    assert config["steps"] == 7
    state = load(run / "checkpoints" / "last.pt")
    assert state["step"] == 7 and state["config"].steps == 7
    with open(run / "metrics.csv", newline="") as metrics:
        last = list(csv.DictReader(metrics))[-1]
    assert int(last["step"]) == 7
    # the last step's rate is the end of a 7-step schedule (a tenth of the peak), not of the 12,000 steps' default
    end_of_seven = state["config"].lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * 4 / 5)))  # step 7 of 2 + 5
    assert learning_rate(state["config"], 6) == pytest.approx(end_of_seven)
    assert float(last["lr"]) == pytest.approx(end_of_seven, rel=1e-5)  # metrics.csv keeps 6 digits


def test_a_resumed_run_keeps_the_steps_it_chose_and_never_measures_again(fake_speed, tmp_path, monkeypatch, capsys):
    run = tmp_path / "run"
    stop_after(monkeypatch, 3)
    assert train("--out", str(run), "--minutes", "0.1", "--set=init_from=\"\"") == EXIT_INTERRUPTED
    assert load(run / "checkpoints" / "last.pt")["step"] == 3
    monkeypatch.undo()

    def measured(trainer):
        raise AssertionError("a resumed run measured its speed again")

    monkeypatch.setattr(time_budget, "measure", measured)
    capsys.readouterr()
    assert train("--out", str(run), "--resume", "--minutes", "5") == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and "--minutes measures a new run" in said and str(run) in said
    assert train("--out", str(run), "--resume") == 0
    assert json.loads((run / "config.json").read_text())["steps"] == 7
    state = load(run / "checkpoints" / "last.pt")
    assert state["step"] == 7 and state["config"].steps == 7


def test_minutes_and_steps_are_refused_together(tmp_path, capsys):
    assert train("--out", str(tmp_path / "run"), "--minutes", "2", "--steps", "100") == 2
    assert "argument --steps: not allowed with argument --minutes" in capsys.readouterr().err
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize("minutes", ["0", "-1", "nan", "ten", "100000"])
def test_a_time_budget_out_of_range_is_refused(tmp_path, capsys, minutes):
    assert train("--out", str(tmp_path / "run"), "--minutes", minutes) == 2
    assert "argument --minutes" in capsys.readouterr().err


def test_init_from_starts_the_run_from_the_bundle_given(fake_speed, summed_bundle, tmp_path, monkeypatch):
    from training.run import trainer as trainer_module

    started_from = []
    real_warm_start = trainer_module.warm_start
    monkeypatch.setattr(trainer_module, "warm_start",
                        lambda model, init_from: (started_from.append(init_from), real_warm_start(model, init_from)))
    folder = str(summed_bundle[1])
    run = tmp_path / "run"
    assert train("--out", str(run), "--init-from", folder, "--minutes", "0.1") == 0
    assert started_from == [folder]
    assert json.loads((run / "config.json").read_text())["init_from"] == folder


def test_init_from_a_folder_that_is_no_bundle_is_one_line(tmp_path, capsys):
    nowhere = tmp_path / "nowhere"
    assert train("--out", str(tmp_path / "run"), "--init-from", str(nowhere), "--steps", "2") == 2
    said = capsys.readouterr().err
    assert said.count("\n") == 1 and f"init_from={str(nowhere)!r}" in said and "is not a model bundle" in said


@pytest.mark.parametrize("name, folder", [("digits-demo", "digits_decoder"), ("summed-demo", "summed")])
def test_init_from_takes_the_shipped_models_by_name(tmp_path, name, folder):
    from training.run.train_arguments import build_train_config

    args = main.make_parser().parse_args(["train", "--out", str(tmp_path / "run"), "--init-from", name, *TINY])
    config = build_train_config(args)
    assert config.init_from == name and bundle_folder(config.init_from).parts[-2:] == ("models", folder)


def test_the_measurement_leaves_the_run_as_it_was(tmp_path):
    trainer = Trainer(tiny_train_config(), tmp_path / "run")
    weights = {name: tensor.clone() for name, tensor in trainer.model.state_dict().items()}
    data_stream, torch_stream = trainer.rng.bit_generator.state, torch.get_rng_state()
    speed = measure(trainer)
    assert all(0 < seconds < 60 and math.isfinite(seconds) for seconds in speed)
    assert all(torch.equal(weights[name], tensor) for name, tensor in trainer.model.state_dict().items())
    assert trainer.rng.bit_generator.state == data_stream and torch.equal(torch.get_rng_state(), torch_stream)
    assert not any(state for state in trainer.optimizer.state.values())


def test_the_steps_and_their_validations_fit_the_budget():
    assert steps_within(6, FAKE_SPEED, 4) == 7  # 7 steps (1.75 s) + 2 validations (3 s) + the last one's: under 6 s
    assert steps_within(1, FAKE_SPEED, 4) == 1  # not even one validation fits: one step all the same
    assert steps_within(3600, Speed(0.0, 0.0), 500) == 10**9
    steps = steps_within(600, Speed(0.1, 4.0), 500)
    assert steps * 0.1 + (steps // 500 + 1) * 4.0 <= 600 < (steps + 1) * 0.1 + ((steps + 1) // 500 + 1) * 4.0
    assert steps == 5_520  # 552 s of steps and 12 validations of 4 s
