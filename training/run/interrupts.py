"""Ctrl-C and SIGTERM during training are honoured between steps, never inside one.

A KeyboardInterrupt raised in the middle of a step can land after the batch was drawn from the
data stream but before the step was counted, or halfway through the optimizer's in-place update. A
checkpoint written then resumes into a different run from the one that would have happened. So
while training runs, the first signal only asks it to stop, and the trainer stops at the next step
boundary with a consistent checkpoint. A second signal leaves at once, as KeyboardInterrupt, and
writes nothing: the last periodic checkpoint stays as it was.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SIGNALS = (signal.SIGINT, signal.SIGTERM)


@contextmanager
def stop_requests(announce: Callable[[str], None] | None = None) -> Iterator[Callable[[], bool]]:
    """Yield a function that says whether a stop was asked for. Outside the main thread
    (where Python cannot take signals) it always says no and leaves the signals alone."""
    requested = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield requested.is_set
        return
    announce = announce or (lambda line: print(line, file=sys.stderr, flush=True))

    def request(signum, frame):
        if requested.is_set():
            raise KeyboardInterrupt
        requested.set()
        announce("stopframe: stopping after this step (press Ctrl-C again to leave at once, "
                 "keeping the last periodic checkpoint)")

    # SIGINT is taken over even when the shell started this process with it ignored (a job
    # started in the background of a script): Ctrl-C and kill -INT must still stop training.
    previous = {number: signal.signal(number, request) for number in SIGNALS}
    try:
        yield requested.is_set
    finally:
        for number, handler in previous.items():
            if handler is not None:  # None: installed from outside Python, cannot be put back
                signal.signal(number, handler)
