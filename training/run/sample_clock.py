"""When the trainer draws its next sample picture by the clock, besides every ``sample_every`` steps:
``FIRST_S`` seconds after training starts (or resumes), then ``EVERY_S`` seconds after the last
picture, whichever schedule drew it. Someone watching a run sees what the model draws within the
first minute and about every minute after, however long a step takes.

Which steps get a picture by the clock differs from run to run; that never changes the training,
since drawing samples reads the validation pairs with a random generator of its own
(training/evaluation/validation.py) and the model draws nothing at random.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

FIRST_S = 20.0
EVERY_S = 60.0


class SampleClock:
    def __init__(self, first_s: float = FIRST_S, every_s: float = EVERY_S,
                 clock: Callable[[], float] = time.monotonic):
        self.first_s, self.every_s, self.clock = first_s, every_s, clock
        self.next_at = math.inf  # nothing is due before start()

    def start(self) -> None:
        """Training starts now: the first picture is due ``first_s`` from now."""
        self.next_at = self.clock() + self.first_s

    def due(self) -> bool:
        return self.clock() >= self.next_at

    def drawn(self) -> None:
        """A picture was drawn now (by either schedule): the next is due ``every_s`` from now."""
        self.next_at = self.clock() + self.every_s
