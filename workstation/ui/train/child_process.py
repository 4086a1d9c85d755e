"""Training and model export run as child processes (``main.py train`` and ``main.py
export-model``): a crash or a cancel there never takes the editor down, and the editor never
imports torch. Training streams its progress as JSON lines (``--progress json``). A child that ends
without a ``stopframe: ...`` line of its own (a crash, a traceback) has the end of its stderr
written to the log file (``workstation/kernel/logs.py``)."""

from __future__ import annotations

import json
import sys

from PySide6.QtCore import QObject, QProcess, Signal

from workstation.kernel.logs import log_text

# The child runs the same CLI module as this process (`main`, installed beside `workstation`), by
# module name, so it works from a checkout and from an installed wheel alike.
CLI_MODULE = ["-m", "main"]


class ChildCommand(QObject):
    record = Signal(dict)  # one JSON object the child printed on a line of its own
    finished = Signal(int, str)  # exit code (-1: it crashed), the last line it wrote to stderr

    def __init__(self, arguments: list[str], parent: QObject | None = None):
        super().__init__(parent)
        self.arguments = [str(a) for a in arguments]
        self._process = QProcess(self)
        self._process.readyReadStandardOutput.connect(self._read_stdout)
        self._process.readyReadStandardError.connect(self._read_stderr)
        self._process.finished.connect(self._on_finished)
        self._stdout, self._stderr = b"", b""
        self.cancelled = False  # by cancel(): a child it stopped before its own handler ran is no crash

    def start(self) -> None:
        self._process.start(sys.executable, [*CLI_MODULE, *self.arguments])

    def running(self) -> bool:
        return self._process.state() != QProcess.ProcessState.NotRunning

    def cancel(self) -> None:
        """SIGTERM: training stops after the step under way and writes a checkpoint."""
        if self.running():
            self.cancelled = True
            self._process.terminate()

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self._process.waitForFinished(timeout_ms)

    def _read_stdout(self) -> None:
        self._stdout += self._process.readAllStandardOutput().data()
        *lines, self._stdout = self._stdout.split(b"\n")
        for line in lines:
            try:
                record = json.loads(line)
            except ValueError:
                continue  # not a progress line
            if isinstance(record, dict):
                self.record.emit(record)

    def _read_stderr(self) -> None:
        self._stderr = (self._stderr + self._process.readAllStandardError().data())[-4096:]

    def _on_finished(self, code: int, status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        lines = [line.strip() for line in self._stderr.decode(errors="replace").replace("\r", "\n").splitlines()]
        last = next((line for line in reversed(lines) if line), "")
        code = code if status == QProcess.ExitStatus.NormalExit else -1
        stopped = self.cancelled and code == -1  # SIGTERM before training began (importing PyTorch, say)
        if code != 0 and not stopped and not last.startswith("stopframe: "):  # no line of its own: a crash or a bug
            written = log_text(f"{' '.join(['main', *self.arguments])} ended with exit code {code}; "
                               f"the end of its stderr:\n" + "\n".join(lines[-40:]))
            last = f"{last or 'no message'} (details in {written})" if written else last
        self.finished.emit(code, last)
