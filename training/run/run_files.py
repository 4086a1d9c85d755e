"""A run folder's identity, and its ``metrics.csv``, appended a row at a time and cut back on ``--resume``.

A run made since run ids exist has one (``new_run_id``), written into its ``config.json`` and every
checkpoint; ``--resume`` refuses a ``last.pt`` that is another run's (``check_same_run``) before
anything in the folder changes. A run folder from before run ids is matched by its ``config.json``
holding the checkpoint's config (``steps`` aside: ``--resume --steps`` changes it).

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
import json
import os
import uuid
from pathlib import Path
from typing import Any

from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped
from workstation.kernel.safe_write import OutputError, write_text

MetricRow = dict[str, str]


class RunFolderError(StopframeError, RuntimeError):
    """The run folder cannot be used as asked; the message is one line naming it (or its file)."""


CONFIG_MAX_BYTES = 1 << 20  # a config.json is a page of settings
# A row of metrics.csv is some 150 bytes (250 with validation), one every 10 steps: 64 MiB is over
# 4 million steps, 200 times a default run. Its rows are kept in memory as dicts (some 2 KB each),
# so a larger cap would let one file take gigabytes.
METRICS_MAX_BYTES = 64 << 20


def new_run_id() -> str:
    return uuid.uuid4().hex


def check_same_run(run_dir: Path, last: Path, run_id: str | None, config: dict[str, Any]) -> None:
    """Refuse ``last`` (its ``run_id`` and ``config``) unless it is the checkpoint of the run in
    ``run_dir``. No config.json (a run killed before it wrote one) has nothing to tell them apart."""
    recorded = _run_config(run_dir / "config.json")
    if recorded is None:
        return
    ours = recorded.get("run_id")
    if ours is not None or run_id is not None:
        if ours != run_id:
            raise RunFolderError(f"is another run's checkpoint (run {run_id or 'made before run ids'}, this folder's "
                                 f"is {ours or 'from before run ids'}): put this run's own last.pt back, or resume "
                                 "the other run in its own folder", last)
        return
    written = _flat(recorded)  # the keys an older config.json lacks cannot differ
    differences = [key for key, value in _flat(config).items()
                   if key != "steps" and key in written and written[key] != value]
    if differences:
        raise RunFolderError(f"is another run's checkpoint (its settings differ from {run_dir / 'config.json'} in "
                             f"{', '.join(differences[:3])}): put this run's own last.pt back, or resume the other "
                             "run in its own folder", last)


def _run_config(path: Path) -> dict[str, Any] | None:
    try:
        recorded = json.loads(read_bytes_capped(path, CONFIG_MAX_BYTES, "a run's config.json"))
    except InputMissing:
        return None
    except InputError as error:
        raise RunFolderError(error.problem, path) from None
    except ValueError:  # not JSON, not UTF-8
        raise RunFolderError("not a run's config.json (not JSON); move it away, then resume again", path) from None
    if not isinstance(recorded, dict):
        raise RunFolderError("not a run's config.json (not a table of settings); move it away, then resume again",
                             path)
    return recorded


def _flat(config: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """``{"model": {"width": 8}}`` as ``{"model.width": 8}``."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[prefix + key] = value
    return flat


class _DamagedLine(Exception):
    """A line that is not a metrics row; the message says why."""


def read_metrics(path: Path, up_to_step: int) -> tuple[list[str], list[MetricRow]]:
    """(columns, rows up to ``up_to_step``) of an existing metrics.csv; no file: none."""
    try:
        data = read_bytes_capped(path, METRICS_MAX_BYTES, "a run's metrics.csv")
    except InputMissing:
        return [], []
    except InputError as error:
        raise RunFolderError(error.problem, path) from None
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
            if read_bytes_capped(self.path, METRICS_MAX_BYTES, "a run's metrics.csv") == text.encode("utf-8"):
                return
        except InputMissing:
            pass
        except InputError as error:
            raise OutputError(error.problem, self.path) from None
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
