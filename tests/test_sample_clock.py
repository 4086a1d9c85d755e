"""Sample pictures by the clock as well as by the steps: the first some 20 seconds after training
starts, then about every minute, each named in a ``samples`` progress event; a stopped run leaves
a picture of the model it stopped with; and no picture ever changes what is trained. The clock
here is a fake one that a step moves on by 10 seconds: nothing sleeps."""

import io
import json
import math
from pathlib import Path

import pytest
import torch

from tests.conftest import tiny_train_config
from training.run.progress import json_lines
from training.run.sample_clock import EVERY_S, FIRST_S, SampleClock
from training.run.trainer import Callbacks, Trainer, TrainingInterrupted

NEVER_BY_STEPS = dict(val_every=1000, sample_every=1000, checkpoint_every=1000)


def clocked(trainer: Trainer, seconds_a_step: float) -> Trainer:
    """``trainer`` on a fake clock that each step moves on by ``seconds_a_step``."""
    now = [0.0]
    on_step = trainer.callbacks.on_step

    def step(record: dict) -> None:
        now[0] += seconds_a_step
        on_step(record)
    trainer.callbacks.on_step = step
    trainer.sample_clock = SampleClock(clock=lambda: now[0])
    return trainer


def test_the_clock_starts_at_the_start_and_counts_from_the_last_picture():
    now = [100.0]
    clock = SampleClock(clock=lambda: now[0])
    assert (FIRST_S, EVERY_S) == (20.0, 60.0) and not clock.due()  # nothing before training starts
    clock.start()
    now[0] = 119.0
    assert not clock.due()
    now[0] = 120.0
    assert clock.due()
    clock.drawn()
    now[0] = 179.0
    assert not clock.due()
    now[0] = 180.0
    assert clock.due()


@pytest.mark.parametrize(("sample_every", "pictures"), [
    (1000, [2, 8, 14, 15]),  # by the clock alone: 20 s, then every 60 s, and the last step
    (6, [2, 6, 12, 15]),  # the step schedule too: a picture by the steps puts the clock's next one back
])
def test_pictures_come_by_the_clock_and_by_the_steps_each_named_in_an_event(tmp_path, sample_every, pictures):
    stream = io.StringIO()
    run = tmp_path / "run"
    config = tiny_train_config(steps=15, **{**NEVER_BY_STEPS, "sample_every": sample_every})
    clocked(Trainer(config, run, json_lines(stream)), seconds_a_step=10.0).train()
    events = [json.loads(line) for line in stream.getvalue().splitlines()]
    samples = [event for event in events if event["event"] == "samples"]
    assert [event["step"] for event in samples] == pictures
    names = [f"step_{step:07d}.png" for step in pictures]
    assert [Path(event["path"]) for event in samples] == [run / "samples" / name for name in names]
    assert sorted(p.name for p in (run / "samples").iterdir()) == names


def test_a_stopped_run_leaves_a_picture_of_the_model_it_stopped_with(tmp_path):
    pictures: list[dict] = []
    trainer = Trainer(tiny_train_config(steps=50, **NEVER_BY_STEPS), tmp_path / "run",
                      Callbacks(should_stop=lambda: trainer.step >= 3, on_samples=pictures.append))
    with pytest.raises(TrainingInterrupted):
        clocked(trainer, seconds_a_step=1.0).train()
    assert [record["step"] for record in pictures] == [3]
    assert (tmp_path / "run" / "samples" / "step_0000003.png").is_file()


def test_pictures_never_change_what_is_trained(tmp_path):
    """A picture at every step, or none but the last: the same weights, and the same random state
    for the data stream and for PyTorch, so a resumed run is the run that would have happened."""
    def trained(folder: Path, first_s: float) -> tuple[torch.Tensor, dict, torch.Tensor, int]:
        trainer = Trainer(tiny_train_config(steps=5, **NEVER_BY_STEPS), folder)
        trainer.sample_clock = SampleClock(first_s=first_s, every_s=0.0)
        trainer.train()
        weights = torch.cat([p.detach().flatten() for p in trainer.model.parameters()])
        return weights, trainer.rng.bit_generator.state, torch.get_rng_state(), len(list(folder.glob("samples/*")))

    every_step, only_the_last = trained(tmp_path / "every", 0.0), trained(tmp_path / "last", math.inf)
    assert every_step[3] == 5 and only_the_last[3] == 1
    assert torch.equal(every_step[0], only_the_last[0])
    assert every_step[1] == only_the_last[1] and torch.equal(every_step[2], only_the_last[2])
