"""Where a model came from, as a bundle's model.json and an evaluation's JSON record it: the data by
the dataset's name and its path relative to the data folder (``workstation.kernel.locations.
data_dir``), checkpoints and bundles relative to the current folder; never an absolute path of the
machine that trained or evaluated it. No torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from workstation.kernel.locations import data_dir


def trained_on_record(trained_on: dict[str, Any] | None) -> dict[str, Any] | None:
    """``trained_on`` as model.json keeps it: ``data``, the data folder's path relative to the data
    folder (``workstation.kernel.locations.data_dir``), in place of the saved config's absolute
    ``data_dir`` (None there: whoever trains from it again resolves it by the data-dir rule), and
    the clips named the same way."""
    if not trained_on or not isinstance(trained_on.get("train_config"), dict):
        return trained_on
    config = dict(trained_on["train_config"])
    data = data_path(config["data_dir"]) if config.get("data_dir") else None
    if data is not None:
        config["data_dir"] = None
    if config.get("clips"):
        config["clips"] = [data_path(clip) for clip in config["clips"]]
    rest = {key: value for key, value in trained_on.items() if key not in ("dataset", "data")}
    return {"dataset": trained_on.get("dataset"), **({"data": data} if data else {}), **rest, "train_config": config}


def data_path(path: str) -> str:
    """``path`` relative to the data folder, as a POSIX path; its name alone when it lies elsewhere."""
    where, folder = Path(path).absolute(), data_dir()
    if folder is not None:
        for inside, base in ((where, folder.absolute()), (where.resolve(), folder.resolve())):
            if inside.is_relative_to(base):
                return inside.relative_to(base).as_posix()
    return where.name


def source_record(source: dict[str, Any] | None) -> dict[str, Any] | None:
    """``source`` as model.json keeps it: the checkpoint's path relative to the current folder, or from
    its run folder on (``RUN/checkpoints/best.pt``) when it lies elsewhere."""
    if not source or not isinstance(source.get("checkpoint"), str) or not Path(source["checkpoint"]).is_absolute():
        return source
    return {**source, "checkpoint": shown_path(source["checkpoint"])}


def shown_path(path: str, last_parts: int = 3) -> str:
    """An absolute path as a record keeps it: relative to the current folder when inside it, else
    its last ``last_parts`` parts (a checkpoint's ``RUN/checkpoints/best.pt``, a bundle's name)."""
    where = Path(path)
    if where.is_relative_to(Path.cwd()):
        return where.relative_to(Path.cwd()).as_posix()
    return Path(*where.parts[1:][-last_parts:]).as_posix()


def evaluation_record(evaluation: dict[str, Any]) -> dict[str, Any]:
    """An evaluation (what ``evaluate --json`` writes, and model.json's ``evaluation``) with every
    absolute path in it made portable: a ``data_dir`` by ``data_path``, the ``checkpoint``
    evaluated by ``shown_path``, the ``bundle`` relative to the current folder or by its name."""

    def portable(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: portable(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [portable(v) for v in value]
        if isinstance(value, str) and Path(value).is_absolute():
            if key == "data_dir":
                return data_path(value)
            if key == "checkpoint":
                return shown_path(value)
            if key == "bundle":  # a folder outside the current one: its name says which it was
                return shown_path(value, last_parts=1)
        return value

    record: dict[str, Any] = portable(evaluation)
    return record
