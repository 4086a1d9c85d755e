"""How long training will take: one estimate, measured before the run starts and corrected as it runs.

Before: a warm-up runs a few real training steps (``main.py train`` in a child process, on the
project's clips, with the dialog's settings) in a throwaway folder, and times them from the run's own
``step`` events (``step_s``: one step's work). The estimate of a run is the warm-up's start (Python,
PyTorch and the clips, until the first step) twice over, once for the training run and once for the
export, plus the steps at the measured pace.

As it runs (``TimeLeft``): each ``step`` event's ``eta_s`` gives the run's own pace (its seconds per
step so far, validation and sample pictures included), which outweighs the warm-up's as its steps
add up; the run's first steps, slower than the rest, then move the estimate only a little.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from workstation.ui.train.child_process import ChildCommand

PRIOR_STEPS = 20  # the warm-up's pace weighs as much as this many of the run's own steps
VALIDATE_EVERY_S = 60  # the quality figures (validation) come about this often
VALIDATE_EVERY_STEPS = (10, 500)  # whatever the pace, at least and at most this many steps apart
WARM_UP_STEPS = 4  # the first is slower (memory, caches): the pace is the median of the others
# The warm-up's run does nothing but train: no validation, sample or checkpoint in its few steps.
QUIET = ("--set", "val_every=1000000", "--set", "sample_every=1000000", "--set", "checkpoint_every=1000000")


@dataclass(frozen=True)
class Estimate:
    start_s: float  # from launching a child until its first step
    step_s: float  # one training step

    def seconds(self, steps: int, starts: int = 2) -> float:
        """A run of ``steps`` steps and ``starts`` child processes (training, then export)."""
        return starts * self.start_s + steps * self.step_s


def validation_steps(estimate: Estimate | None) -> int:
    """Steps between validations so that the quality figures come about every VALIDATE_EVERY_S
    seconds at the measured pace (without a measure, every 100 steps)."""
    if estimate is None or estimate.step_s <= 0:
        return 100
    low, high = VALIDATE_EVERY_STEPS
    return max(low, min(high, round(VALIDATE_EVERY_S / estimate.step_s)))


class TimeLeft:
    """The one estimate the dialog shows, for a run from step ``begun_at``: the warm-up's pace
    (``estimate``, None when unmeasured) weighed against the run's own, PRIOR_STEPS to the steps run."""

    def __init__(self, estimate: Estimate | None, begun_at: int = 0):
        self.estimate, self.begun_at = estimate, begun_at
        self.steps_run = 0
        self.run_step_s: float | None = None

    def on_step(self, record: dict, total_steps: int) -> None:
        step, left = int(record["step"]), total_steps - int(record["step"])
        self.steps_run = max(0, step - self.begun_at)
        if left > 0 and "eta_s" in record:
            self.run_step_s = float(record["eta_s"]) / left

    def step_s(self) -> float | None:
        prior = self.estimate.step_s if self.estimate is not None else None
        if self.run_step_s is None or prior is None:
            return self.run_step_s if prior is None else prior
        weight = self.steps_run / (self.steps_run + PRIOR_STEPS)
        return weight * self.run_step_s + (1 - weight) * prior

    def seconds(self, steps: int, starts: int) -> float | None:
        """``steps`` more steps and ``starts`` child processes (training, export); None: no measure yet."""
        step_s = self.step_s()
        if step_s is None:
            return None
        return starts * (self.estimate.start_s if self.estimate is not None else 0.0) + max(0, steps) * step_s

    def carried_on(self, begun_at: int) -> TimeLeft:
        """For a resumed run: the pace measured so far is its prior."""
        step_s, start_s = self.step_s(), self.estimate.start_s if self.estimate is not None else 0.0
        return TimeLeft(Estimate(start_s, step_s) if step_s is not None else None, begun_at)


def duration_words(seconds: float) -> str:
    """'under a minute', 'about 7 minutes', 'about 2 hours 15 minutes'."""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    hours, minutes = divmod(5 * round(minutes / 5), 60)
    words = f"about {hours} hour{'s' if hours != 1 else ''}"
    return words + (f" {minutes} minutes" if minutes else "")


def left_words(seconds: float) -> str:
    """'About 7 minutes left.'"""
    words = duration_words(seconds)
    return f"{words[0].upper()}{words[1:]} left."


class WarmUp(QObject):
    """One warm-up: ``start(arguments)`` with a function that gives the ``main.py train`` arguments
    for a run folder and a number of steps; then ``measured`` or ``failed`` (one line)."""

    measured = Signal(object)  # an Estimate
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self.child: ChildCommand | None = None
        self.estimate: Estimate | None = None
        self._folder: Path | None = None
        self._launched = 0.0
        self._stopped = False  # on purpose: its end is no failure
        self._steps: list[tuple[float, float]] = []  # (seconds since launch, step_s) of each step event

    def start(self, arguments: Callable[[Path, int], list[str]]) -> None:
        self._folder = Path(tempfile.mkdtemp(prefix="stopframe-warm-up-"))
        self._steps, self.estimate, self._stopped = [], None, False
        self.child = ChildCommand([*arguments(self._folder / "run", WARM_UP_STEPS), *QUIET], self)
        self.child.record.connect(self._on_record)
        self.child.finished.connect(self._on_finished)
        self._launched = time.monotonic()
        self.child.start()

    def running(self) -> bool:
        return self.child is not None and self.child.running()

    def stop(self) -> None:
        """Stop the warm-up (if it still runs) and wait for it: nothing may compete with training."""
        self._stopped = True
        if self.child is not None and self.child.running():
            self.child.cancel()
            self.child.wait()

    def _on_record(self, record: dict) -> None:
        if record.get("event") != "step" or self.estimate is not None:
            return
        self._steps.append((time.monotonic() - self._launched, float(record.get("step_s", 0.0))))
        if len(self._steps) < WARM_UP_STEPS:
            return
        first_at, first_step_s = self._steps[0]
        self.estimate = Estimate(start_s=max(first_at - first_step_s, 0.0),
                                 step_s=statistics.median(step_s for _, step_s in self._steps[1:]))
        self.measured.emit(self.estimate)
        if self.child is not None:
            self.child.cancel()  # the steps are counted: its last validation and checkpoint are not needed

    def _on_finished(self, code: int, last_line: str) -> None:
        if self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder = None
        if self.estimate is None and not self._stopped:
            self.failed.emit(last_line.removeprefix("stopframe: ") or f"the warm-up ended with exit code {code}")
