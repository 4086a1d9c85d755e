"""A run folder's ``metrics.csv``: read back on ``--resume`` (a damaged line is one error naming
the file and the line, before anything is changed) and rewritten whole through the safe writer
(workstation/kernel/safe_write.py) each time a row is added, so it is never half-written."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import write_text


class RunFolderError(StopframeError, RuntimeError):
    """The run folder cannot be used as asked; the message is one line naming it (or its file)."""


def read_metrics(path: Path, up_to_step: int) -> tuple[list[str], list[dict]]:
    """(extra columns, rows up to ``up_to_step``) of an existing metrics.csv; no file: none."""
    if not path.exists():
        return [], []
    try:
        text = path.read_bytes().decode("utf-8")
    except OSError as error:
        raise RunFolderError(f"cannot read it ({error.strerror or error})", path) from None
    except UnicodeDecodeError as error:
        line = text_line(path, error.start)
        if line == 1:
            raise RunFolderError("not a metrics file (not text); move it away, then resume again", path) from None
        raise RunFolderError(f"line {line} is not a metrics row (not text); remove that line, then resume again",
                             path) from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = []
    try:
        header = reader.fieldnames or []
        if "step" not in header:
            raise RunFolderError("not a metrics file (no step column); move it away, then resume again", path)
        for row in reader:
            try:
                step = int(row["step"])
            except (TypeError, ValueError):
                raise RunFolderError(f"line {reader.line_num} is not a metrics row (step {row['step']!r}); remove "
                                     "that line, then resume again", path) from None
            if None in row or None in row.values():
                values = len([v for k, v in row.items() if k is not None and v is not None]) + len(row.get(None, []))
                raise RunFolderError(f"line {reader.line_num} is not a metrics row ({values} values for "
                                     f"{len(header)} columns); remove that line, then resume again", path)
            if step <= up_to_step:
                rows.append(row)
    except csv.Error as error:
        raise RunFolderError(f"line {reader.line_num} is not a metrics row ({error}); remove that line, then resume "
                             "again", path) from None
    return [name for name in header if name], rows


def text_line(path: Path, offset: int) -> int:
    return path.read_bytes()[:offset].count(b"\n") + 1


def write_metrics(path: Path, fields: list[str], rows: list[dict]) -> None:
    """The whole file, atomically: a crash or a full disk leaves the previous one."""
    stream = io.StringIO(newline="")
    writer = csv.DictWriter(stream, fieldnames=fields, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    write_text(path, stream.getvalue())
