"""Recipes and ``--set``: a TOML recipe's settings (``[train]`` and ``[model]``) and dotted
``KEY=VALUE`` assignments, as the values ``TrainConfig.from_dict`` takes (training/model/config.py
checks them)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from training.model.config import ConfigError, TrainConfig
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped

RECIPE_TABLES = ("train", "model")
RECIPE_MAX_BYTES = 1 << 20


def load_recipe(path: str | os.PathLike[str]) -> dict:
    """A TOML recipe's settings (``[train]``, with ``[model]`` as ``model``) for ``TrainConfig.from_dict``;
    ConfigError naming the file for anything that is not a readable recipe. Values are checked later."""
    import tomllib

    path = Path(path)
    try:
        text = read_bytes_capped(path, RECIPE_MAX_BYTES, "a TOML recipe").decode("utf-8")
    except InputMissing:
        raise ConfigError("no such recipe", path) from None
    except InputError as error:
        raise ConfigError(error.problem, path) from None
    except UnicodeDecodeError:
        raise ConfigError("not a TOML recipe (not UTF-8 text)", path) from None
    try:
        recipe = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"not valid TOML ({error})", path) from None
    for table in recipe:
        if table not in RECIPE_TABLES:
            raise ConfigError(f"unknown table [{table}]: a recipe has [train] and [model]", path)
        if not isinstance(recipe[table], dict):
            raise ConfigError(f"{table} = {recipe[table]!r}: must be a [{table}] table of settings", path)
    values = dict(recipe.get("train", {}))
    if "model" in recipe:
        values["model"] = recipe["model"]
    try:  # unknown keys and a model that is not a table: no --set can mend those
        TrainConfig.from_dict(values)
    except ConfigError as error:
        raise ConfigError(error.problem, path) from None
    except TypeError as error:
        raise ConfigError(f"not a recipe ({error})", path) from None
    return values


def parse_value(text: str):
    """A --set value: JSON (numbers, true, lists, quoted strings), else the text itself."""
    try:
        return json.loads(text)
    except ValueError:
        return text


def apply_setting(values: dict, assignment: str) -> None:
    """``--set KEY=VALUE`` into ``values``: dotted keys reach into tables (``model.width=32``)."""
    key, sep, text = assignment.partition("=")
    *parents, leaf = key.split(".")
    if not sep or not all(parents) or not leaf:
        raise ConfigError(f"--set {assignment!r}: expected KEY=VALUE, e.g. --set model.width=32")
    target = values
    for depth, parent in enumerate(parents):
        target = target.setdefault(parent, {})
        if not isinstance(target, dict):
            raise ConfigError(f"--set {assignment!r}: {'.'.join(parents[:depth + 1])} is not a table of settings")
    target[leaf] = parse_value(text)
