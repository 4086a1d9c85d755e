"""How a problem in a project reads: one line, the JSON location, then what is wrong.

The schema's own rules raise ``problem(message, at, also)``; pydantic's built-in checks (types,
missing and unknown keys, bounds) are worded here too, so every message has one shape, e.g.
``shots[0].characters[1].keyframes[2].scale: must be greater than 0, got 0.0``.
"""

from __future__ import annotations

import json
import numbers

from pydantic_core import ErrorDetails, PydanticCustomError

__all__ = ["problem", "describe", "describe_error", "location", "lone_surrogate"]


def problem(message: str, at: tuple[int | str, ...] = (), also: tuple[int | str, ...] | None = None) -> Exception:
    """A problem found by one of the schema's own rules, ``at`` below the location being checked;
    ``also`` (relative to that location too) names where the other half of a clash is."""
    return PydanticCustomError("stopframe", "{message}", {"message": message, "at": at, "also": also})


def describe(value: object) -> str:
    """A JSON value as a message names it: ``null``, ``true``, ``string "x"``, ``2.5``, ``an object``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return f"string {text if len(text) <= 40 else text[:37] + '...'}"
    if isinstance(value, numbers.Real):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _plain(number: object) -> object:
    return int(number) if isinstance(number, float) and number.is_integer() else number


_EXPECTED = {
    "int_type": "an integer", "float_type": "a number", "string_type": "a string", "bool_type": "true or false",
    "dict_type": "an object", "model_type": "an object", "model_attributes_type": "an object",
    "list_type": "a list",
}
_MAPPINGS = ("clips",)  # the fields whose keys are names: clips["walk"], not clips.walk


def location(loc: tuple[int | str, ...]) -> str:
    """``("shots", 0, "characters", 1, "name")`` -> ``shots[0].characters[1].name``."""
    text, key_next = "", False
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif part == "[key]":
            text += " (name)"
        elif key_next:
            text += f"[{json.dumps(part, ensure_ascii=False)}]"
        else:
            text += f".{part}" if text else part
        key_next = not key_next and part in _MAPPINGS
    return text


def describe_error(error: ErrorDetails) -> str:
    """The one line for one of pydantic's errors: JSON location, then the problem."""
    loc, kind, ctx, value = tuple(error["loc"]), error["type"], error.get("ctx", {}), error["input"]
    if kind == "stopframe":
        message = ctx["message"]
        if ctx["also"] is not None:
            message += f" (also {location(loc + ctx['also'])})"
        loc += ctx["at"]
    elif kind == "missing":
        message = "missing"
    elif kind == "extra_forbidden":
        message = "unknown key"
    elif kind in _EXPECTED:
        message = f"expected {_EXPECTED[kind]}, got {describe(value)}"
    elif kind == "greater_than_equal":
        message = f"must be at least {_plain(ctx['ge'])}, got {value!r}"
    elif kind == "greater_than":
        message = f"must be greater than {_plain(ctx['gt'])}, got {value!r}"
    elif kind == "less_than_equal":
        message = f"must be at most {_plain(ctx['le'])}, got {value!r}"
    elif kind == "finite_number":
        message = f"must be a finite number, got {value!r}"
    else:
        message = f"{error['msg'][:1].lower()}{error['msg'][1:]}, got {describe(value)}"
    return f"{location(loc) or 'top level'}: {message}"


def lone_surrogate(data: object) -> tuple[tuple[int | str, ...], str] | None:
    """The JSON location and text of the first string (key or value) that is not Unicode text:
    a lone surrogate such as ``"\\ud800"``, which JSON escapes allow but no file encoding can hold."""
    stack: list[tuple[tuple[int | str, ...], object]] = [((), data)]
    while stack:
        at, value = stack.pop()
        if isinstance(value, str):
            if not value.isascii():
                try:
                    value.encode("utf-8")
                except UnicodeEncodeError:
                    return at, value
        elif isinstance(value, dict):
            for key, item in reversed(value.items()):
                stack.append((at + (key, "[key]"), key))
                stack.append((at + (key,), item))
        elif isinstance(value, list):
            stack.extend((at + (i,), item) for i, item in reversed(list(enumerate(value))))
    return None
