"""Files of schema versions 1 to 3, brought up to version 4 (the same as 6 but for a clip's
"image_names" and "sheet") before the schema checks them.

Version 4 no longer measures in the model's pixels. A shot's "output" was ``{"scale": k,
"scaling"}``, the model's S x S square enlarged k times (absent in versions 1 and 2: 4x crisp); it
becomes ``{"width": k·S, "height": k·S, "scaling"}``. A key's "tx" and "ty" were pixels of the
model's image; they become fractions of the square's side (divided by S). An old project so renders
and exports exactly what it did.

S is the ``image_size`` in the project's model bundle's ``model.json``, read when the file is loaded
(``model_square``: a plain JSON read, as this package may not use the render package's bundle); the
bundled demo model ("model": null) is 64. When that file cannot be read S is taken as 64, and the
note that says so becomes the project's ``load_note``.

Only what the upgrade reads is checked here (an old "output", with its old bounds); everything else
is passed on as it was, for the schema to check and report.

Version 5 only added an image-folder clip's "image_names" (the file names it was read with, in frame
order, so that a folder whose images changed is reported rather than its frames silently shifted). A
version 4 body is a valid version 5 body as it is: its clips have none, and are not checked, as before.

Version 6 only added a clip's "sheet": how it was cut from a sprite sheet, by a grid (its path the
picture) or by a tag of Aseprite's JSON (its path the JSON; ``sheet_schema.py``). A version 5 body is
a valid version 6 body as it is: none of its clips was cut from a sheet, and each opens as it did.
"""

from __future__ import annotations

import json
import numbers
from pathlib import Path
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped

from .paths import resolved_path
from .problems import describe, describe_error
from .scalars import Integer, Scaling
from .values import MAX_OUTPUT_SIDE, ProjectError

__all__ = ["SIZES_VERSION", "DEFAULT_MODEL_SIZE", "upgraded_body", "model_square"]

SIZES_VERSION = 4  # the first version with output sizes in pixels and pose offsets in square units
DEFAULT_MODEL_SIZE = 64  # the bundled demo model's square, assumed where a model's own is unknown
MODEL_SIZES = range(8, 8193)  # the image sizes a model bundle may have (render/bundle.py)
MODEL_JSON_MAX_BYTES = 16 << 20  # render/bundle.py's MAX_METADATA_BYTES (project/ does not import render/)


class _OutputBefore4(BaseModel):
    """A shot's "output" as versions 1 to 3 wrote it."""

    model_config = ConfigDict(strict=True, extra="forbid")
    scale: Annotated[Integer, Field(ge=1, le=16)] = 4
    scaling: Scaling = "crisp"


def upgraded_body(body: dict[str, Any], version: int, model_size: int) -> dict[str, Any]:
    """``body`` (a file's content without its header) of schema ``version`` as version 4 holds it,
    for a model square of ``model_size`` pixels. ``body`` itself is left as it was."""
    shots = body.get("shots")
    if version >= SIZES_VERSION or not isinstance(shots, list):
        return body
    return {**body, "shots": [_shot(shot, i, model_size) if isinstance(shot, dict) else shot
                              for i, shot in enumerate(shots)]}


def _shot(shot: dict[str, Any], index: int, model_size: int) -> dict[str, Any]:
    upgraded = {**shot, "output": _output(shot.get("output", {}), ("shots", index, "output"), model_size)}
    characters = shot.get("characters")
    if isinstance(characters, list):
        upgraded["characters"] = [_character(character, model_size) if isinstance(character, dict) else character
                                  for character in characters]
    return upgraded


def _output(output: object, at: tuple[int | str, ...], model_size: int) -> object:
    if not isinstance(output, dict):
        return output  # not an object: the schema says so
    try:
        old = _OutputBefore4.model_validate(output)
    except ValidationError as error:
        first = error.errors(include_url=False)[0]
        raise ProjectError(describe_error({**first, "loc": at + tuple(first["loc"])})) from None
    side = min(old.scale * model_size, MAX_OUTPUT_SIDE)  # no larger than any frame could ever be written
    return {"width": side, "height": side, "scaling": old.scaling}


def _character(character: dict[str, Any], model_size: int) -> dict[str, Any]:
    keys = character.get("keyframes")
    if not isinstance(keys, list):
        return character
    return {**character, "keyframes": [_key(key, model_size) if isinstance(key, dict) else key for key in keys]}


def _key(key: dict[str, Any], model_size: int) -> dict[str, Any]:
    return {**key, **{axis: _fraction(key[axis], model_size) for axis in ("tx", "ty") if axis in key}}


def _fraction(pixels: object, model_size: int) -> object:
    """An offset in pixels of the model image as a fraction of its side; anything else as it was."""
    if not isinstance(pixels, numbers.Real) or isinstance(pixels, bool):
        return pixels
    try:
        return pixels / model_size
    except OverflowError:  # an integer beyond any float: left for the schema to refuse as infinite
        return pixels


def model_square(data: object, folder: Path) -> tuple[int | None, str | None]:
    """For a project file in ``folder`` (absolute) holding ``data``: the side S of its model's
    square when the file is older than version 4 (None when it needs none) and, when S had to be
    assumed, a one-line note saying so."""
    if not isinstance(data, dict) or (version := _older_version(data)) is None:
        return None, None
    model = data.get("model")
    if not isinstance(model, str) or not model:  # null: the bundled demo; anything else is refused on load
        return DEFAULT_MODEL_SIZE, None
    metadata = resolved_path(model, folder) / "model.json"
    size, problem = _image_size(metadata)
    if size is not None:
        return size, None
    return DEFAULT_MODEL_SIZE, (f"upgraded from schema {version} assuming a {DEFAULT_MODEL_SIZE}-pixel model "
                                f"square ({metadata}: {problem})")


def _older_version(data: dict[str, Any]) -> int | None:
    """The file's schema version when it is a valid one older than version 4."""
    version = data.get("schema_version")
    if type(version) is int and 1 <= version < SIZES_VERSION:
        return version
    return None


def _image_size(metadata: Path) -> tuple[int, None] | tuple[None, str]:
    """The ``image_size`` that the bundle's ``model.json`` says, or what is wrong with it."""
    try:
        content = json.loads(read_bytes_capped(metadata, MODEL_JSON_MAX_BYTES, "a model bundle's model.json"))
    except InputMissing:
        return None, "not found"
    except InputError as error:
        return None, error.problem
    except (ValueError, RecursionError):
        return None, "not valid JSON"
    size = content.get("image_size") if isinstance(content, dict) else None
    if type(size) is int and size in MODEL_SIZES:
        return size, None
    if size is None:
        return None, 'no "image_size"'
    return None, f'"image_size" is {describe(size)}, not a whole number from 8 to 8192'
