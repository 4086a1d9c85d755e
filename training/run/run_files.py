"""A run folder's ``metrics.csv``, appended a row at a time and cut back on ``--resume``.

Each row is appended, flushed and fsynced, so a kill loses at most the row being written: what it
leaves is a torn last line (a partial row with no newline, or one that does not parse), which
``read_metrics`` leaves out. Any other damaged line is one error naming the file and the line,
raised on ``--resume`` before anything is changed. The file is created, and cut back to the
resumed checkpoint's step, whole through the safe writer (workstation/kernel/safe_write.py), so a
crash in the middle of a cut leaves the file as it was; appends go on from there.
"""

from __future__ import annotations

import csv
import io
import os
from pathlib import Path

from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import OutputError, write_text

MetricRow = dict[str, str]


class RunFolderError(StopframeError, RuntimeError):
    """The run folder cannot be used as asked; the message is one line naming it (or its file)."""


class _DamagedLine(Exception):
    """A line that is not a metrics row; the message says why."""


def read_metrics(path: Path, up_to_step: int) -> tuple[list[str], list[MetricRow]]:
    """(columns, rows up to ``up_to_step``) of an existing metrics.csv; no file: none."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return [], []
    except OSError as error:
        raise RunFolderError(f"cannot read it ({error.strerror or error})", path) from None
    *lines, torn = data.split(b"\n")  # torn: what follows the last newline, b"" when none was cut off
    if not lines:
        raise RunFolderError("not a metrics file (no header line); move it away, then resume again", path)
    try:
        header = next(csv.reader([lines[0].decode("utf-8")]))
    except (UnicodeDecodeError, csv.Error):
        raise RunFolderError("not a metrics file (not text); move it away, then resume again", path) from None
    if "step" not in header:
        raise RunFolderError("not a metrics file (no step column); move it away, then resume again", path)
    rows = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        try:
            row = _row(line, header)
        except _DamagedLine as damage:
            if number == len(lines) and not torn:  # the last line: an append a kill cut short
                break
            raise RunFolderError(f"line {number} is not a metrics row ({damage}); remove that line, then resume "
                                 "again", path) from None
        if int(row["step"]) <= up_to_step:
            rows.append(row)
    return [name for name in header if name], rows


def _row(line: bytes, header: list[str]) -> MetricRow:
    try:
        values = next(csv.reader([line.decode("utf-8")]))
    except UnicodeDecodeError:
        raise _DamagedLine("not text") from None
    except csv.Error as error:
        raise _DamagedLine(str(error)) from None
    position = header.index("step")
    step = values[position] if position < len(values) else None
    try:
        int(step or "")
    except ValueError:
        raise _DamagedLine(f"step {step!r}") from None
    if len(values) != len(header):
        raise _DamagedLine(f"{len(values)} values for {len(header)} columns")
    return dict(zip(header, values, strict=True))


class MetricsLog:
    """The metrics.csv of a run: ``restart`` makes it the header and the rows kept, then ``append``
    adds one row at a time."""

    def __init__(self, path: Path, fields: list[str]):
        self.path, self.fields = path, fields

    def restart(self, rows: list[MetricRow]) -> None:
        """The file as the run goes on from: the header and ``rows`` (none for a new run; those up to
        the resumed checkpoint's step), written whole through the safe writer unless the file holds
        exactly that already (it held rows after the checkpoint, a torn last line, fewer columns)."""
        text = self._lines(rows, header=True)
        try:
            if self.path.read_bytes() == text.encode("utf-8"):
                return
        except FileNotFoundError:
            pass
        except OSError as error:
            raise OutputError(error.strerror or str(error), self.path) from None
        write_text(self.path, text)

    def append(self, row: dict[str, object]) -> None:
        """One row, at the end of the file, on the disk when this returns (floats to 6 digits)."""
        text = self._lines([{key: f"{value:.6g}" if isinstance(value, float) else str(value)
                             for key, value in row.items()}])
        try:
            with open(self.path, "a", encoding="utf-8", newline="") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
        except OSError as error:
            raise OutputError(error.strerror or str(error), self.path) from None

    def _lines(self, rows: list[MetricRow], header: bool = False) -> str:
        stream = io.StringIO(newline="")
        writer = csv.DictWriter(stream, fieldnames=self.fields, extrasaction="ignore", lineterminator="\n")
        if header:
            writer.writeheader()
        writer.writerows(rows)
        return stream.getvalue()
