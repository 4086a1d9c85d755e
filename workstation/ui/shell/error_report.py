"""Unexpected errors in the workstation: never a crash, one line in the status bar and the traceback
in the log file (``workstation/kernel/logs.py``).

Workers (rendering, import, export) catch what they raise and report it through their own
``failed`` signals with ``logs.log_error``. Whatever still escapes (an exception in a slot, which
Qt only hands to ``sys.excepthook``, or one in a worker thread) reaches the hook ``install`` sets:
it logs the traceback and emits ``ErrorReporter.reported`` with one line, which Qt delivers on the
UI thread whatever thread the error happened in.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from types import TracebackType

from PySide6.QtCore import QObject, Qt, Signal

from workstation.kernel.logs import log_error

Hook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


class ErrorReporter(QObject):
    reported = Signal(str)  # one line for the status bar

    def report(self, kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        """Log ``error`` and emit its line; the signature of ``sys.excepthook``."""
        if trace is not None and error.__traceback__ is None:
            error = error.with_traceback(trace)
        self.reported.emit(log_error("internal error", error))


def install(show: Callable[[str], None], parent: QObject | None = None) -> ErrorReporter:
    """Send every exception that reaches Qt's event loop (or escapes a thread) to the log file and
    ``show`` (called on the UI thread with one line) instead of printing it; a KeyboardInterrupt
    still stops the application. Returns the reporter (keep it alive)."""
    reporter = ErrorReporter(parent)
    reporter.reported.connect(show, Qt.ConnectionType.QueuedConnection)  # on the UI thread
    previous: Hook = sys.excepthook

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            previous(kind, error, trace)
            return
        reporter.report(kind, error, trace)

    def thread_hook(arguments: threading.ExceptHookArgs) -> None:
        if arguments.exc_value is not None:
            hook(arguments.exc_type, arguments.exc_value, arguments.exc_traceback)

    sys.excepthook = hook
    threading.excepthook = thread_hook
    return reporter
