"""The project file format, declared once: one pydantic model per JSON type parses, checks and
writes it, for files (``from_dict``) and for documents built in memory (``validate``, ``to_dict``:
the models read the dataclasses' attributes, so both go through the same rules).

A project file is pretty-printed JSON::

    {
      "format": "stopframe-project",
      "schema_version": 6,
      "model": "models/walker" | null,          # null: the bundled demo model
      "clips": {"walk": {"path": "clips/walk.mp4", "frame_count": 120, "fps": 25.0,
                         "width": 320, "height": 240,
                         "fit": "crop" | "letterbox",           # how a frame becomes the model's square
                         "image_names": ["f_01.png", ...],      # an image folder's, in frame order
                         "sheet": {"grid": {...}} | {"aseprite": {...}}}, ...},  # cut from a sprite sheet
      "shots": [{"name": "intro", "length": 48, "fps": 24.0,   # length 1..2**31-1; fps 0.01..1000
                 "output": {"width": 1280, "height": 720,    # pixels, 1..16384 each
                            "scaling": "crisp" | "smooth"},  # how the model's square is enlarged
                 "in": 0, "out": 47 | null,                   # null: the last frame
                 "background": {"clip": "street", "frame": 0},
                 "characters": [{"name": "walker",             # back to front: the last on top
                                 "hidden": false,               # true: kept, but not drawn
                                 "source": {"clip": "walk", "frame": 3},
                                 "motion": {"clip": "walk", "start": 0, "end": null, "loop": true} | null,
                                 "interpolation": "linear" | "step" | "smooth",
                                 # tx, ty: fractions of the model square's side (0.25: a quarter of it)
                                 "keyframes": [{"frame": 0, "tx": 0.25, "ty": 0.0,
                                                "rotation": 0.0, "scale": 1.0}, ...]}]}],
      "current": {"shot": "intro", "frame": 12} | null   # where the user was at the last save
    }

Types are strict (no "1" for 1, no 2.0 for a frame, no true for a number; ints are accepted where
a float is expected), unknown keys are refused, omitted optional keys take the defaults above.
Frames referring to a clip must lie within its ``frame_count``; names of shots (and of characters
in a shot) are unique and not blank; keys are sorted by frame, one per frame. A shot's "out" is not
before its "in"; either may lie past the shot's end (it means the last frame: shortening a shot
never makes its file invalid). "current" names where to reopen, not content: a shot that is no
longer there, or a frame past its end, is not an error (the first shot, or its last frame, opens).

Every problem is reported as a one-line ``ProjectError`` naming the file (when known) and the JSON
location of the first problem, e.g. ``/p/a.stopframe: shots[0].characters[1].keyframes[2].scale:
must be greater than 0, got 0.0``; ``problems.describe_error`` turns pydantic's error into that line.
A change of the format raises ``SCHEMA_VERSION``; files of older versions must still load (the
fixtures tests/fixtures/projects/v<N>.stopframe, one per version). Version 2 added a character's
"hidden"; a version 1 file has none, and its characters load shown. Version 3 added a clip's "fit",
a shot's "output" (then ``{"scale", "scaling"}``), "in" and "out", and the project's "current"; an
older file has none of them, and loads as it always rendered: clips cropped, shots exported at 4x
crisp, in and out at the shot's ends, opened at the first shot's first frame. Version 4 measures
the output in pixels (``{"width", "height", "scaling"}``) and a key's "tx", "ty" in fractions of
the model square's side, not in the model's pixels: ``upgrade.upgraded_body`` turns an older body's
scale k into a k·S square and divides its offsets by S, the model's image size (``from_dict``'s
``model_size``; ``files.load_project`` reads it from the model's bundle). Version 5 added an image
folder's "image_names", where recorded (none, as in older files: its folder is not checked), version
6 a clip's "sheet" (``sheet_schema.py``), absent in older files. Saving writes the latest version.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, ClassVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from . import scalars, values
from .problems import describe, describe_error, location, lone_surrogate, problem
from .scalars import Count, Fit, Frame, Integer, Interpolation, Name, OutputSide, PathText, Positive, Scaling
from .sheet_schema import SheetSchema
from .upgrade import DEFAULT_MODEL_SIZE, upgraded_body
from .values import (
    Character,
    ClipRef,
    Current,
    FrameRef,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    Shot,
)

__all__ = ["FORMAT", "SCHEMA_VERSION", "from_dict", "to_dict", "validate"]

FORMAT = "stopframe-project"
SCHEMA_VERSION = 6
_HEADER = ("format", "schema_version")


# --------------------------------------------------------------------------------------------
# Clip references (checked against the clips, which the project's "clips" puts in the context)


def _frame_count(info: ValidationInfo, clip: str, at: tuple[str, ...]) -> int | None:
    """The frame count of ``clip``; None when the clips themselves were not valid (reported first)."""
    clips = (info.context or {}).get("clips")
    if clips is None:
        return None
    if clip not in clips:
        raise problem(f"unknown clip {clip!r}", at)
    return int(clips[clip])


def _check_frame(frame: int, at: tuple[str, ...], clip: str, frame_count: int) -> None:
    if not 0 <= frame < frame_count:
        raise problem(f"frame {frame} is out of range for clip {clip!r} (0..{frame_count - 1})", at)


def _unique_names(items: list[Any], what: str, scope: str = "") -> None:
    seen: dict[str, int] = {}
    for i, item in enumerate(items):
        if item.name in seen:
            raise problem(f"duplicate {what} {item.name!r}{scope}", (i, "name"), (seen[item.name],))
        seen[item.name] = i


# --------------------------------------------------------------------------------------------
# The models: one per JSON type, fields in file order


class _Schema(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", from_attributes=True, allow_inf_nan=False)
    value_type: ClassVar[type]  # the document's type for this JSON type

    def to_value(self) -> Any:
        return self.value_type(**{name: _value(item) for name, item in self.__dict__.items()})  # the fields


_SCALARS = (str, int, float, bool, type(None))  # and their subclasses: an Interpolation is a str


def _value(item: Any) -> Any:
    """A validated field as the document holds it (models become their value types)."""
    kind = type(item)
    if isinstance(item, _SCALARS):
        return item
    if kind is list:
        return [_value(x) for x in item]
    if kind is dict:
        return {key: _value(x) for key, x in item.items()}
    return item.to_value()


class ClipSchema(_Schema):
    value_type = ClipRef
    path: PathText
    frame_count: scalars.FrameCount
    fps: Positive  # the clip's own, as its file says: described, never encoded
    width: Count
    height: Count
    fit: Fit = "crop"  # since version 3
    image_names: scalars.ImageNames | None = Field(default=None, exclude_if=lambda names: names is None)  # since 5
    sheet: SheetSchema | None = Field(default=None, exclude_if=lambda sheet: sheet is None)  # since 6

    @model_validator(mode="after")
    def _one_name_a_frame(self) -> ClipSchema:
        if self.image_names is not None and len(self.image_names) != self.frame_count:
            raise problem(f"holds {len(self.image_names)} names for {self.frame_count} frames", ("image_names",))
        return self

    def to_value(self) -> ClipRef:
        names = None if self.image_names is None else tuple(self.image_names)
        sheet = None if self.sheet is None else self.sheet.to_value()
        return ClipRef(self.path, self.frame_count, self.fps, self.width, self.height, self.fit, names, sheet)


class FrameRefSchema(_Schema):
    value_type = FrameRef
    clip: str
    frame: Integer

    @model_validator(mode="after")
    def _within_clip(self, info: ValidationInfo) -> FrameRefSchema:
        frame_count = _frame_count(info, self.clip, ("clip",))
        if frame_count is not None:
            _check_frame(self.frame, ("frame",), self.clip, frame_count)
        return self


class MotionSchema(_Schema):
    value_type = MotionSource
    clip: str
    start: Integer = 0
    end: Integer | None = None
    loop: bool = False

    @model_validator(mode="after")
    def _within_clip(self, info: ValidationInfo) -> MotionSchema:
        frame_count = _frame_count(info, self.clip, ("clip",))
        if frame_count is not None:
            _check_frame(self.start, ("start",), self.clip, frame_count)
            if self.end is not None:
                _check_frame(self.end, ("end",), self.clip, frame_count)
        if self.end is not None and self.start > self.end:
            raise problem(f"start {self.start} is after end {self.end}")
        return self


class KeyframeSchema(_Schema):
    """In the file a key is flat (frame and the pose's fields); in memory it is ``Keyframe(frame, pose)``."""

    value_type = Keyframe
    frame: Frame
    tx: scalars.Offset = 0.0
    ty: scalars.Offset = 0.0
    rotation: scalars.Turn = 0.0
    scale: scalars.Scale = 1.0

    @model_validator(mode="before")
    @classmethod
    def _flatten(cls, data: object) -> object:
        if isinstance(data, Keyframe) and isinstance(data.pose, Pose):
            pose = data.pose
            return {"frame": data.frame, "tx": pose.tx, "ty": pose.ty, "rotation": pose.rotation, "scale": pose.scale}
        return data

    def to_value(self) -> Keyframe:
        return Keyframe(self.frame, Pose(self.tx, self.ty, self.rotation, self.scale))


class CharacterSchema(_Schema):
    value_type = Character
    name: Name
    hidden: bool = False  # since version 2
    source: FrameRefSchema
    motion: MotionSchema | None = None
    interpolation: Interpolation = values.Interpolation.LINEAR
    keyframes: list[KeyframeSchema] = []

    @field_validator("keyframes")
    @classmethod
    def _sorted_and_unique(cls, keys: list[KeyframeSchema]) -> list[KeyframeSchema]:
        for i in range(1, len(keys)):
            frame, previous = keys[i].frame, keys[i - 1].frame
            if frame == previous:
                raise problem(f"duplicate keyframe at frame {frame}", (i, "frame"))
            if frame < previous:
                raise problem(f"keyframes must be sorted by frame ({frame} comes after {previous})", (i, "frame"))
        return keys


class OutputSchema(_Schema):
    value_type = Output
    width: OutputSide = 256  # since version 4 (before: "scale", see upgrade.py)
    height: OutputSide = 256
    scaling: Scaling = "crisp"


class ShotSchema(_Schema):
    """In the file the in and out points are "in" and "out" (``in`` is a Python keyword: in memory
    they are ``Shot.in_point`` and ``Shot.out_point``)."""

    value_type = Shot
    name: Name
    length: scalars.FrameCount
    fps: scalars.FrameRate
    output: OutputSchema = OutputSchema()  # since version 3, as are "in" and "out"
    in_point: Frame = Field(default=0, alias="in")
    out_point: Frame | None = Field(default=None, alias="out")
    background: FrameRefSchema
    characters: list[CharacterSchema] = []

    @model_validator(mode="before")
    @classmethod
    def _file_names(cls, data: object) -> object:
        if isinstance(data, Shot):
            fields = ("name", "length", "fps", "output", "background", "characters")
            return {**{name: getattr(data, name) for name in fields}, "in": data.in_point, "out": data.out_point}
        return data

    @field_validator("characters")
    @classmethod
    def _unique(cls, characters: list[CharacterSchema]) -> list[CharacterSchema]:
        _unique_names(characters, "character name", " in this shot")
        return characters

    @model_validator(mode="after")
    def _out_after_in(self) -> ShotSchema:
        if self.out_point is not None and self.out_point < self.in_point:
            raise problem(f"out {self.out_point} is before in {self.in_point}", ("out",))
        return self


class CurrentSchema(_Schema):
    value_type = Current
    shot: Name
    frame: Frame = 0


class ProjectSchema(_Schema):
    """The project without its header (``format``, ``schema_version``: see ``_body``)."""

    value_type = Project
    model: PathText | None = None
    clips: dict[Name, ClipSchema] = Field(default={}, validate_default=True)  # an omitted "clips" too
    shots: list[ShotSchema] = []
    current: CurrentSchema | None = None  # since version 3

    @field_validator("clips")
    @classmethod
    def _share(cls, clips: dict[str, ClipSchema], info: ValidationInfo) -> dict[str, ClipSchema]:
        """The clips, for the clip references in the shots (validated after them, in field order)."""
        if info.context is not None:
            info.context["clips"] = {name: clip.frame_count for name, clip in clips.items()}
        return clips

    @field_validator("shots")
    @classmethod
    def _unique(cls, shots: list[ShotSchema]) -> list[ShotSchema]:
        _unique_names(shots, "shot name")
        return shots


# --------------------------------------------------------------------------------------------
# Entry points


def _body(data: object, model_size: int) -> dict[str, Any]:
    """The file's header checked (what it is, which version); returns the rest, as the latest
    version holds it (an older body upgraded for a model square of ``model_size`` pixels)."""
    if not isinstance(data, dict):
        raise ProjectError(f"not a Stopframe project (the top level is {describe(data)}, not an object)")
    if "format" not in data:
        raise ProjectError(f'not a Stopframe project (no "format": "{FORMAT}")')
    if data["format"] != FORMAT:
        raise ProjectError(f'not a Stopframe project (format is {describe(data["format"])}, expected "{FORMAT}")')
    if "schema_version" not in data:
        raise ProjectError("schema_version: missing")
    version = data["schema_version"]
    if not isinstance(version, int) or isinstance(version, bool):
        raise ProjectError(f"schema_version: expected an integer, got {describe(version)}")
    if version > SCHEMA_VERSION:
        raise ProjectError(f"schema version {version} is newer than this Stopframe understands ({SCHEMA_VERSION})")
    if version < 1:
        raise ProjectError(f"schema version {version} is not valid (the first is 1)")
    broken = lone_surrogate(data)
    if broken is not None:  # pydantic cannot even word an error about such a string
        at, text = broken
        where = location(at).encode("utf-8", "backslashreplace").decode("utf-8")
        raise ProjectError(f"{where}: not Unicode text (a lone surrogate in {json.dumps(text)[:40]})")
    # Versions 1 and 2 need nothing of their own: a character without "hidden" (version 2) is shown,
    # a clip without "fit" (version 3) cropped, a shot without "in" and "out" played whole.
    body = {key: value for key, value in data.items() if key not in _HEADER}
    return upgraded_body(body, version, model_size)


def _checked(value: object) -> ProjectSchema:
    """``value`` (a file's body or a ``Project``) through the schema; ProjectError (no file) if invalid."""
    try:
        return ProjectSchema.model_validate(value, context={})
    except ValidationError as error:
        try:
            first = error.errors(include_url=False)[0]
        except UnicodeEncodeError:  # a lone surrogate in a document built in memory
            raise ProjectError("a name, path or other text is not Unicode (a lone surrogate)") from None
        raise ProjectError(describe_error(first)) from None


def from_dict(data: object, source: str | os.PathLike[str] | None = None, model_size: int | None = None) -> Project:
    """Parse and validate a project dict; ``source`` (the file it came from, if any) becomes
    ``Project.path`` and prefixes error messages. ``model_size`` is the side of the project's
    model square, which a body older than version 4 is upgraded for (None: 64, the demo model's)."""
    size = DEFAULT_MODEL_SIZE if model_size is None else model_size
    try:
        project: Project = _checked(_body(data, size)).to_value()
    except ProjectError as error:
        raise ProjectError(error.problem, source) from None
    project.path = Path(source) if source is not None else None
    return project


def validate(project: Project) -> None:
    """Raises ProjectError (one line: file, JSON location, problem) for the first problem found."""
    try:
        _checked(project)
    except ProjectError as error:
        raise ProjectError(error.problem, project.path) from None


def to_dict(project: Project) -> dict[str, Any]:
    """The JSON-ready dict of ``project`` (paths written as they are; ``path`` is not included).
    Raises ProjectError, as ``validate`` does, for a project that is not valid."""
    try:
        body = _checked(project).model_dump(by_alias=True)
    except ProjectError as error:
        raise ProjectError(error.problem, project.path) from None
    return {"format": FORMAT, "schema_version": SCHEMA_VERSION, **body}
