"""A time budget for a new run (``train --minutes N``): the steps that fill N minutes, measured once
at the start and saved as the run's ``steps``.

Rank 0 times a few training steps (each drawing its batch from the training data, as a step does)
and one validation, on a throwaway copy of the model in the run's precision, and every rank takes
its answer. The run's own model, optimizer and random streams are left as they were, so the run
trains exactly as a run given those steps with ``--steps`` would. The steps chosen are written
into the step-0 checkpoint, then config.json and every later checkpoint: the learning-rate schedule
decays over them, and ``--resume`` goes on to them without measuring again. Sample pictures and
checkpoints are not counted; validations are (one every ``val_every`` steps, and one at the end).
"""

from __future__ import annotations

import copy
import math
import statistics
import time
from typing import TYPE_CHECKING, NamedTuple

import numpy as np
import torch

from training.evaluation.validation import validation_scores

if TYPE_CHECKING:
    from training.run.trainer import Trainer

TIMED_STEPS = 3  # after one warm-up step; their median is the speed
MAX_STEPS = 10**9  # TrainConfig's own limit


class Speed(NamedTuple):
    """What a step and a validation of this run take here, in seconds."""

    step_s: float
    validation_s: float


def measure(trainer: Trainer) -> Speed:
    """The speed of ``trainer``'s run on this machine, timed on a copy of its model."""
    config, device = trainer.config, trainer.device
    probe = copy.deepcopy(trainer.model)
    optimizer = torch.optim.AdamW(probe.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    batches = np.random.default_rng(config.seed)  # not the run's stream, which must stay where it is
    with torch.random.fork_rng(devices=[torch.cuda.current_device()] if device == "cuda" else []):
        times = []
        for _ in range(1 + TIMED_STEPS):
            start = time.perf_counter()
            x1, x2 = (torch.from_numpy(x).to(device) for x in trainer.train_data.random_pairs(batches,
                                                                                             config.batch_size))
            trainer._optimize(probe, optimizer, x1, x2, trainer.precision, lr=config.lr)
            _synchronize(device)
            times.append(time.perf_counter() - start)
        start = time.perf_counter()
        validation_scores(probe, trainer.val_data, trainer.val_examples, config.val_examples, device)
        _synchronize(device)
        validation_s = time.perf_counter() - start
    return Speed(statistics.median(times[1:]), validation_s)


def _synchronize(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()


def steps_within(seconds: float, speed: Speed, val_every: int) -> int:
    """The most steps whose time, with their validations (one every ``val_every`` steps and one at
    the end), is within ``seconds``; at least one."""
    def taken(steps: int) -> float:
        return steps * speed.step_s + (steps // val_every + 1) * speed.validation_s

    per_step = speed.step_s + speed.validation_s / val_every  # a validation's share in every step: a few too few
    steps = math.floor((seconds - speed.validation_s) / per_step) if per_step > 0 else MAX_STEPS
    steps = min(MAX_STEPS, max(1, steps))
    while steps < MAX_STEPS and taken(steps + 1) <= seconds:  # at most val_every more
        steps += 1
    return steps


def fix_steps(trainer: Trainer, minutes: float) -> str:
    """Set the steps of ``trainer``'s new run to fill about ``minutes`` and save them with the run;
    returns the line that says the speed measured and the steps chosen."""
    speed = trainer.group.decided(lambda: measure(trainer))  # one answer for every rank
    config = trainer.config
    config.steps = steps_within(minutes * 60, speed, config.val_every)
    config.validate()
    trainer.save(trainer.last_checkpoint)  # the step-0 checkpoint: a run killed now resumes with these steps
    pairs_per_s = config.batch_size * trainer.group.world_size / speed.step_s
    return (f"measured {1 / speed.step_s:,.1f} steps/s ({pairs_per_s:,.0f} pairs/s) and {speed.validation_s:.1f} s "
            f"a validation on {trainer.device} ({trainer.precision}): {config.steps:,} steps fill "
            f"{minutes:g} minutes")
