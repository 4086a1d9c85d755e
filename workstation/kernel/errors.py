"""One error type for everything a user can get wrong, and one way to say it: a single line,
``<file>: <problem>`` (or just ``<problem>`` when no file is involved).

Every module's user-facing error derives from ``StopframeError``; the command line catches it once
and prints ``stopframe: <line>`` with exit code 2, and the workstation shows the same line in its
status bar. No Qt and no torch here.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["StopframeError", "one_line", "EXIT_USAGE", "EXIT_INTERRUPTED"]

# The exit codes of every Stopframe command (and of the children the workstation starts): 2, an
# error said in one line; 130, stopped by Ctrl-C, SIGTERM or Cancel (a training run: with a checkpoint).
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


def one_line(text: object) -> str:
    """``text`` on one line: each line break becomes a space."""
    return " ".join(str(text).splitlines())


class StopframeError(Exception):
    """A problem the user can act on, in one line naming the file (when there is one).

    ``problem`` is the message without the file, ``path`` the file or folder (or None)."""

    def __init__(self, problem: object, path: str | os.PathLike[str] | None = None):
        self.problem = one_line(problem)
        self.path = Path(path) if path is not None else None
        super().__init__(one_line(f"{os.fspath(path)}: {self.problem}") if path is not None else self.problem)
