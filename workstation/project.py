"""The Stopframe project document: clips, model bundle and shots. Pure Python, no UI.

A project file is pretty-printed JSON::

    {
      "format": "stopframe-project",
      "schema_version": 1,
      "model": "models/walker" | null,          # null: the bundled demo model
      "clips": {"walk": {"path": "clips/walk.mp4", "frame_count": 120, "fps": 25.0,
                         "width": 320, "height": 240}, ...},
      "shots": [{"name": "intro", "length": 48, "fps": 24.0,
                 "background": {"clip": "street", "frame": 0},
                 "characters": [{"name": "walker",
                                 "source": {"clip": "walk", "frame": 3},
                                 "motion": {"clip": "walk", "start": 0, "end": null, "loop": true} | null,
                                 "interpolation": "linear" | "step" | "smooth",
                                 "keyframes": [{"frame": 0, "tx": 0.0, "ty": 0.0,
                                                "rotation": 0.0, "scale": 1.0}, ...]}]}]
    }

Paths (clips and model) are stored relative to the project file's folder with POSIX separators
whenever possible, absolute otherwise (another drive). In memory, a relative path is relative to
the folder of ``Project.path``, or to the current directory while the project has never been saved.
``save_project`` rebases every path onto the folder it writes to.

Value objects (``ClipRef``, ``FrameRef``, ``MotionSource``, ``Keyframe``, ``Pose`` and the render
requests) are frozen and hashable; containers (``Character``, ``Shot``, ``Project``) are plain
mutable dataclasses. The editing helpers at the end mutate the project in place and return what an
undo command needs to revert them (the name actually used, or the item removed / replaced).

Every problem is reported as a one-line ``ProjectError`` naming the file (when known) and the
JSON location, e.g. ``/p/a.stopframe: shots[0].characters[1].keyframes[2].scale: must be greater
than 0, got 0.0``.
"""

from __future__ import annotations

import bisect
import copy
import json
import numbers
import os
import secrets
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

__all__ = [
    "FORMAT", "SCHEMA_VERSION", "PROJECT_SUFFIX", "AUTOSAVE_SUFFIX", "INTERPOLATIONS",
    "ProjectError", "ClipRef", "FrameRef", "MotionSource", "Keyframe", "Character", "Shot", "Project",
    "Pose", "IDENTITY_POSE", "MotionRequest", "CharacterRequest", "FrameRequest",
    "load_project", "save_project", "to_dict", "from_dict", "validate", "copy_project",
    "autosave_path", "save_autosave", "autosave_pending", "load_autosave", "discard_autosave",
    "clip_path", "model_path", "missing_clips", "clip_users",
    "pose_at", "motion_frame", "render_requests",
    "unique_name", "add_clip", "remove_clip", "add_shot", "remove_shot", "add_character",
    "remove_character", "set_keyframe", "remove_keyframe",
]

FORMAT = "stopframe-project"
SCHEMA_VERSION = 1
PROJECT_SUFFIX = ".stopframe"
AUTOSAVE_SUFFIX = ".autosave"
INTERPOLATIONS = ("linear", "step", "smooth")


class ProjectError(ValueError):
    """One line; names the file (when known) and the problem.

    ``problem`` is the message without the file, ``path`` the file (or None)."""

    def __init__(self, problem: str, path: str | os.PathLike | None = None):
        self.problem = _one_line(str(problem))
        self.path = Path(path) if path is not None else None
        super().__init__(_one_line(f"{path}: {problem}") if path is not None else self.problem)


def _one_line(text: str) -> str:
    return " ".join(text.splitlines())


class _Invalid(Exception):
    """Internal: a problem found while parsing or validating, before the file name is added."""


# --------------------------------------------------------------------------------------------
# The document


@dataclass(frozen=True)
class ClipRef:
    path: str  # relative to the project's folder (POSIX separators), or absolute
    frame_count: int
    fps: float
    width: int
    height: int


@dataclass(frozen=True)
class FrameRef:
    clip: str
    frame: int


@dataclass(frozen=True)
class MotionSource:
    """Output frame k uses clip frame ``start + min(k, end - start)`` (holding the last pose), or
    ``start + k % (end - start + 1)`` when ``loop``. ``end`` None means the clip's last frame."""

    clip: str
    start: int = 0
    end: int | None = None
    loop: bool = False


@dataclass(frozen=True)
class Pose:
    """A hand transform: pixels of the model image (+x right, +y down), degrees clockwise, scale."""

    tx: float = 0.0
    ty: float = 0.0
    rotation: float = 0.0
    scale: float = 1.0


IDENTITY_POSE = Pose()


@dataclass(frozen=True)
class Keyframe:
    frame: int
    pose: Pose = IDENTITY_POSE


@dataclass
class Character:
    name: str
    source: FrameRef
    motion: MotionSource | None = None
    keyframes: list[Keyframe] = field(default_factory=list)  # sorted by frame, unique frames
    interpolation: str = "linear"  # one of INTERPOLATIONS


@dataclass
class Shot:
    name: str
    length: int  # frames, >= 1
    fps: float  # > 0
    background: FrameRef
    characters: list[Character] = field(default_factory=list)  # zero characters: the plate alone

    def character(self, name: str) -> Character:
        for character in self.characters:
            if character.name == name:
                return character
        raise ProjectError(f"shot {self.name!r} has no character {name!r}")


@dataclass
class Project:
    clips: dict[str, ClipRef] = field(default_factory=dict)
    model: str | None = None  # model bundle folder (stored like clip paths); None: the bundled demo
    shots: list[Shot] = field(default_factory=list)
    path: Path | None = field(default=None, compare=False)  # where it was loaded from / saved to

    def shot(self, name: str) -> Shot:
        for shot in self.shots:
            if shot.name == name:
                return shot
        raise ProjectError(f"no shot named {name!r}", self.path)


def copy_project(project: Project) -> Project:
    """A deep copy (``path`` included)."""
    return copy.deepcopy(project)


# --------------------------------------------------------------------------------------------
# Render requests


@dataclass(frozen=True)
class MotionRequest:
    """The motion of one output frame: from clip frame ``start`` to clip frame ``frame``."""

    clip: str
    start: int
    frame: int


@dataclass(frozen=True)
class CharacterRequest:
    source: FrameRef
    motion: MotionRequest | None
    pose: Pose


@dataclass(frozen=True)
class FrameRequest:
    shot: str
    index: int
    background: FrameRef
    characters: tuple[CharacterRequest, ...]


def pose_at(character: Character, frame: float) -> Pose:
    """The hand transform of ``character`` at ``frame``, interpolated between its keyframes.

    Before the first key: the first key's values; after the last: the last's; no keys: identity.
    "linear" interpolates every field linearly, "smooth" with a cubic ease-in-out (smoothstep),
    "step" holds each key until the next one. Rotation is not wrapped (0 -> 720 spins twice)."""
    keys = character.keyframes
    if not keys:
        return IDENTITY_POSE
    if frame <= keys[0].frame:
        return keys[0].pose
    if frame >= keys[-1].frame:
        return keys[-1].pose
    after = bisect.bisect_right(keys, frame, key=lambda key: key.frame)
    a, b = keys[after - 1], keys[after]
    if frame == a.frame or character.interpolation == "step":
        return a.pose
    t = (frame - a.frame) / (b.frame - a.frame)
    if character.interpolation == "smooth":
        t = t * t * (3.0 - 2.0 * t)
    elif character.interpolation != "linear":
        raise ProjectError(_bad_interpolation(character.interpolation))

    def lerp(x: float, y: float) -> float:
        return x + (y - x) * t

    p, q = a.pose, b.pose
    return Pose(lerp(p.tx, q.tx), lerp(p.ty, q.ty), lerp(p.rotation, q.rotation), lerp(p.scale, q.scale))


def motion_frame(project: Project, motion: MotionSource, k: int) -> int:
    """The clip frame that output frame ``k`` (>= 0) of a shot takes its motion from."""
    end = motion.end if motion.end is not None else project.clips[motion.clip].frame_count - 1
    span = end - motion.start
    offset = k % (span + 1) if motion.loop else min(k, span)
    return motion.start + offset


def render_requests(project: Project, shot_name: str, frames: Iterable[int] | None = None) -> list[FrameRequest]:
    """The per-frame render requests of a shot: all its frames, or the given ones (a range or any
    iterable of ints, each within 0..length-1). Validates the project first."""
    validate(project)
    shot = project.shot(shot_name)
    frames = range(shot.length) if frames is None else list(frames)
    for k in frames:
        if not _is_int(k) or not 0 <= k < shot.length:
            raise ProjectError(f"shot {shot.name!r}: frame {k!r} is out of range (0..{shot.length - 1})",
                               project.path)
    requests = []
    for k in frames:
        characters = tuple(
            CharacterRequest(
                source=character.source,
                motion=None if character.motion is None else MotionRequest(
                    character.motion.clip, character.motion.start, motion_frame(project, character.motion, k)),
                pose=pose_at(character, k),
            )
            for character in shot.characters
        )
        requests.append(FrameRequest(shot.name, int(k), shot.background, characters))
    return requests


# --------------------------------------------------------------------------------------------
# Paths


def _base_folder(project: Project) -> Path:
    folder = project.path.parent if project.path is not None else Path.cwd()
    return Path(os.path.abspath(folder))


def _resolve(project: Project, stored: str) -> Path:
    path = Path(stored)
    if not path.is_absolute():
        path = _base_folder(project) / path
    return Path(os.path.normpath(path))


def _relative(target: Path, folder: Path) -> str:
    """``target`` relative to ``folder`` with POSIX separators, or absolute if that is impossible."""
    try:
        return Path(os.path.relpath(target, folder)).as_posix()
    except ValueError:  # another drive (Windows)
        return Path(target).as_posix()


def _stored(project: Project, path: str) -> str:
    """How ``path`` (absolute, or relative to the project's folder) is kept in ``project``."""
    target = _resolve(project, path)
    return _relative(target, _base_folder(project)) if project.path is not None else target.as_posix()


def clip_path(project: Project, name: str) -> Path:
    """The absolute path of a clip, resolved against the folder of ``project.path``."""
    clip = project.clips.get(name)
    if clip is None:
        raise ProjectError(f"unknown clip {name!r}", project.path)
    return _resolve(project, clip.path)


def model_path(project: Project) -> Path | None:
    """The absolute path of the model bundle folder, or None for the bundled demo model."""
    return None if project.model is None else _resolve(project, project.model)


def missing_clips(project: Project) -> list[tuple[str, Path]]:
    """Clips whose file or folder does not exist: (name, absolute path looked for)."""
    return [(name, path) for name in project.clips if not (path := clip_path(project, name)).exists()]


def clip_users(project: Project, name: str) -> list[str]:
    """Where clip ``name`` is referenced, as JSON locations (``shots[0].background`` ...)."""
    users = []
    for i, shot in enumerate(project.shots):
        if shot.background.clip == name:
            users.append(f"shots[{i}].background")
        for j, character in enumerate(shot.characters):
            if character.source.clip == name:
                users.append(f"shots[{i}].characters[{j}].source")
            if character.motion is not None and character.motion.clip == name:
                users.append(f"shots[{i}].characters[{j}].motion")
    return users


# --------------------------------------------------------------------------------------------
# Dict <-> document


def _float_out(value):
    return float(value) if _is_real(value) else value


def _int_out(value):
    return int(value) if _is_int(value) else value


def _frame_ref_to_dict(ref: FrameRef) -> dict:
    return {"clip": ref.clip, "frame": _int_out(ref.frame)}


def _character_to_dict(character: Character) -> dict:
    motion = character.motion
    return {
        "name": character.name,
        "source": _frame_ref_to_dict(character.source),
        "motion": None if motion is None else {
            "clip": motion.clip, "start": _int_out(motion.start),
            "end": None if motion.end is None else _int_out(motion.end), "loop": motion.loop,
        },
        "interpolation": character.interpolation,
        "keyframes": [
            {"frame": _int_out(key.frame), "tx": _float_out(key.pose.tx), "ty": _float_out(key.pose.ty),
             "rotation": _float_out(key.pose.rotation), "scale": _float_out(key.pose.scale)}
            for key in character.keyframes
        ],
    }


def to_dict(project: Project) -> dict:
    """The JSON-ready dict of ``project`` (paths written as they are; ``path`` is not included)."""
    return {
        "format": FORMAT,
        "schema_version": SCHEMA_VERSION,
        "model": project.model,
        "clips": {
            name: {"path": clip.path, "frame_count": _int_out(clip.frame_count), "fps": _float_out(clip.fps),
                   "width": _int_out(clip.width), "height": _int_out(clip.height)}
            for name, clip in project.clips.items()
        },
        "shots": [
            {"name": shot.name, "length": _int_out(shot.length), "fps": _float_out(shot.fps),
             "background": _frame_ref_to_dict(shot.background),
             "characters": [_character_to_dict(character) for character in shot.characters]}
            for shot in project.shots
        ],
    }


def _join(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _object(value, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
    """``value`` checked to be a JSON object with exactly the allowed keys and all required ones."""
    if not isinstance(value, dict):
        raise _Invalid(f"{where or 'top level'}: expected an object, got {_describe(value)}")
    for key in value:
        if key not in required and key not in optional:
            raise _Invalid(f"{_join(where, str(key))}: unknown key")
    for key in required:
        if key not in value:
            raise _Invalid(f"{_join(where, key)}: missing")
    return value


def _list(value, where: str) -> list:
    if not isinstance(value, list):
        raise _Invalid(f"{where}: expected a list, got {_describe(value)}")
    return value


def _float_in(value):
    """JSON ints become floats in float fields; anything else is left for ``validate`` to name."""
    if _is_real(value):
        try:
            return float(value)
        except OverflowError:
            return float("inf")
    return value


def _parse_frame_ref(value, where: str) -> FrameRef:
    data = _object(value, where, ("clip", "frame"))
    return FrameRef(data["clip"], data["frame"])


def _parse_motion(value, where: str) -> MotionSource | None:
    if value is None:
        return None
    data = _object(value, where, ("clip",), ("start", "end", "loop"))
    return MotionSource(data["clip"], data.get("start", 0), data.get("end"), data.get("loop", False))


def _parse_keyframe(value, where: str) -> Keyframe:
    data = _object(value, where, ("frame",), ("tx", "ty", "rotation", "scale"))
    return Keyframe(data["frame"], Pose(_float_in(data.get("tx", 0.0)), _float_in(data.get("ty", 0.0)),
                                        _float_in(data.get("rotation", 0.0)), _float_in(data.get("scale", 1.0))))


def _parse_character(value, where: str) -> Character:
    data = _object(value, where, ("name", "source"), ("motion", "interpolation", "keyframes"))
    keys_where = f"{where}.keyframes"
    keys = _list(data.get("keyframes", []), keys_where)
    return Character(
        name=data["name"],
        source=_parse_frame_ref(data["source"], f"{where}.source"),
        motion=_parse_motion(data.get("motion"), f"{where}.motion"),
        keyframes=[_parse_keyframe(key, f"{keys_where}[{i}]") for i, key in enumerate(keys)],
        interpolation=data.get("interpolation", "linear"),
    )


def _parse_shot(value, where: str) -> Shot:
    data = _object(value, where, ("name", "length", "fps", "background"), ("characters",))
    characters = _list(data.get("characters", []), f"{where}.characters")
    return Shot(
        name=data["name"], length=data["length"], fps=_float_in(data["fps"]),
        background=_parse_frame_ref(data["background"], f"{where}.background"),
        characters=[_parse_character(c, f"{where}.characters[{i}]") for i, c in enumerate(characters)],
    )


def _clip_where(name) -> str:
    return f"clips[{json.dumps(name, ensure_ascii=False)}]" if isinstance(name, str) else f"clips[{name!r}]"


def _parse_clip(value, where: str) -> ClipRef:
    data = _object(value, where, ("path", "frame_count", "fps", "width", "height"))
    return ClipRef(data["path"], data["frame_count"], _float_in(data["fps"]), data["width"], data["height"])


def _parse_project(data) -> Project:
    if not isinstance(data, dict):
        raise _Invalid(f"not a Stopframe project (the top level is {_describe(data)}, not an object)")
    if "format" not in data:
        raise _Invalid(f'not a Stopframe project (no "format": "{FORMAT}")')
    if data["format"] != FORMAT:
        raise _Invalid(f'not a Stopframe project (format is {_describe(data["format"])}, expected "{FORMAT}")')
    if "schema_version" not in data:
        raise _Invalid("schema_version: missing")
    version = data["schema_version"]
    if not _is_int(version):
        raise _Invalid(f"schema_version: expected an integer, got {_describe(version)}")
    if version > SCHEMA_VERSION:
        raise _Invalid(f"schema version {version} is newer than this Stopframe understands ({SCHEMA_VERSION})")
    if version < 1:
        raise _Invalid(f"schema version {version} is not valid (the first is 1)")
    _object(data, "", ("format", "schema_version"), ("model", "clips", "shots"))
    clips = data.get("clips", {})
    if not isinstance(clips, dict):
        raise _Invalid(f"clips: expected an object, got {_describe(clips)}")
    shots = _list(data.get("shots", []), "shots")
    return Project(
        clips={name: _parse_clip(clip, _clip_where(name)) for name, clip in clips.items()},
        model=data.get("model"),
        shots=[_parse_shot(shot, f"shots[{i}]") for i, shot in enumerate(shots)],
    )


def from_dict(data, source: str | os.PathLike | None = None) -> Project:
    """Parse and validate a project dict; ``source`` (the file it came from, if any) becomes
    ``Project.path`` and prefixes error messages."""
    try:
        project = _parse_project(data)
    except _Invalid as error:
        raise ProjectError(str(error), source) from None
    project.path = Path(source) if source is not None else None
    validate(project)
    return project


# --------------------------------------------------------------------------------------------
# Validation


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def _describe(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
        return f"string {text if len(text) <= 40 else text[:37] + '...'}"
    if _is_real(value):
        return repr(value)
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list | tuple):
        return "a list"
    return f"a {type(value).__name__}"


def _bad_interpolation(value) -> str:
    return f"unknown interpolation {_describe(value)} (allowed: {', '.join(INTERPOLATIONS)})"


def _check_int(value, where: str, minimum: int | None = None) -> None:
    if not _is_int(value):
        raise _Invalid(f"{where}: expected an integer, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise _Invalid(f"{where}: must be at least {minimum}, got {value}")


def _check_real(value, where: str, positive: bool = False) -> None:
    if not _is_real(value):
        raise _Invalid(f"{where}: expected a number, got {_describe(value)}")
    try:
        finite = abs(float(value)) != float("inf") and value == value
    except OverflowError:
        finite = False
    if not finite:
        raise _Invalid(f"{where}: must be a finite number, got {value!r}")
    if positive and value <= 0:
        raise _Invalid(f"{where}: must be greater than 0, got {value!r}")


def _check_name(value, where: str) -> None:
    if not isinstance(value, str):
        raise _Invalid(f"{where}: expected a string, got {_describe(value)}")
    if not value.strip():
        raise _Invalid(f"{where}: must not be empty")


def _check_path(value, where: str) -> None:
    if not isinstance(value, str):
        raise _Invalid(f"{where}: expected a string, got {_describe(value)}")
    if not value:
        raise _Invalid(f"{where}: must not be empty")


def _check_clip_name(project: Project, value, where: str) -> int:
    """Checks a reference to a clip; returns that clip's frame count."""
    if not isinstance(value, str):
        raise _Invalid(f"{where}: expected a string, got {_describe(value)}")
    if value not in project.clips:
        raise _Invalid(f"{where}: unknown clip {value!r}")
    return project.clips[value].frame_count


def _check_clip_frame(value, where: str, clip: str, frame_count: int) -> None:
    _check_int(value, where)
    if not 0 <= value < frame_count:
        raise _Invalid(f"{where}: frame {value} is out of range for clip {clip!r} (0..{frame_count - 1})")


def _check_frame_ref(project: Project, ref, where: str) -> None:
    if not isinstance(ref, FrameRef):
        raise _Invalid(f"{where}: expected a FrameRef, got {_describe(ref)}")
    frame_count = _check_clip_name(project, ref.clip, f"{where}.clip")
    _check_clip_frame(ref.frame, f"{where}.frame", ref.clip, frame_count)


def _check_clip(name, clip, where: str) -> None:
    _check_name(name, f"{where} (name)")
    if not isinstance(clip, ClipRef):
        raise _Invalid(f"{where}: expected a ClipRef, got {_describe(clip)}")
    _check_path(clip.path, f"{where}.path")
    _check_int(clip.frame_count, f"{where}.frame_count", 1)
    _check_real(clip.fps, f"{where}.fps", positive=True)
    _check_int(clip.width, f"{where}.width", 1)
    _check_int(clip.height, f"{where}.height", 1)


def _check_motion(project: Project, motion, where: str) -> None:
    if not isinstance(motion, MotionSource):
        raise _Invalid(f"{where}: expected a MotionSource or null, got {_describe(motion)}")
    frame_count = _check_clip_name(project, motion.clip, f"{where}.clip")
    _check_clip_frame(motion.start, f"{where}.start", motion.clip, frame_count)
    if motion.end is not None:
        _check_clip_frame(motion.end, f"{where}.end", motion.clip, frame_count)
        if motion.start > motion.end:
            raise _Invalid(f"{where}: start {motion.start} is after end {motion.end}")
    if not isinstance(motion.loop, bool):
        raise _Invalid(f"{where}.loop: expected true or false, got {_describe(motion.loop)}")


def _check_keyframes(keys, where: str) -> None:
    if not isinstance(keys, list):
        raise _Invalid(f"{where}: expected a list, got {_describe(keys)}")
    previous = None
    for i, key in enumerate(keys):
        at = f"{where}[{i}]"
        if not isinstance(key, Keyframe):
            raise _Invalid(f"{at}: expected a Keyframe, got {_describe(key)}")
        _check_int(key.frame, f"{at}.frame", 0)
        if previous is not None and key.frame == previous:
            raise _Invalid(f"{at}.frame: duplicate keyframe at frame {key.frame}")
        if previous is not None and key.frame < previous:
            raise _Invalid(f"{at}.frame: keyframes must be sorted by frame ({key.frame} comes after {previous})")
        previous = key.frame
        _check_real(key.pose.tx, f"{at}.tx")
        _check_real(key.pose.ty, f"{at}.ty")
        _check_real(key.pose.rotation, f"{at}.rotation")
        _check_real(key.pose.scale, f"{at}.scale", positive=True)


def _check_character(project: Project, character, where: str, names: dict[str, str]) -> None:
    if not isinstance(character, Character):
        raise _Invalid(f"{where}: expected a Character, got {_describe(character)}")
    _check_name(character.name, f"{where}.name")
    if character.name in names:
        raise _Invalid(f"{where}.name: duplicate character name {character.name!r} in this shot "
                       f"(also {names[character.name]})")
    names[character.name] = where
    _check_frame_ref(project, character.source, f"{where}.source")
    if character.motion is not None:
        _check_motion(project, character.motion, f"{where}.motion")
    if character.interpolation not in INTERPOLATIONS or not isinstance(character.interpolation, str):
        raise _Invalid(f"{where}.interpolation: {_bad_interpolation(character.interpolation)}")
    _check_keyframes(character.keyframes, f"{where}.keyframes")


def _check_shot(project: Project, shot, where: str, names: dict[str, str]) -> None:
    if not isinstance(shot, Shot):
        raise _Invalid(f"{where}: expected a Shot, got {_describe(shot)}")
    _check_name(shot.name, f"{where}.name")
    if shot.name in names:
        raise _Invalid(f"{where}.name: duplicate shot name {shot.name!r} (also {names[shot.name]})")
    names[shot.name] = where
    _check_int(shot.length, f"{where}.length", 1)
    _check_real(shot.fps, f"{where}.fps", positive=True)
    _check_frame_ref(project, shot.background, f"{where}.background")
    if not isinstance(shot.characters, list):
        raise _Invalid(f"{where}.characters: expected a list, got {_describe(shot.characters)}")
    character_names: dict[str, str] = {}
    for j, character in enumerate(shot.characters):
        _check_character(project, character, f"{where}.characters[{j}]", character_names)


def _check_project(project: Project) -> None:
    if project.model is not None:
        _check_path(project.model, "model")
    if not isinstance(project.clips, dict):
        raise _Invalid(f"clips: expected a mapping of names to clips, got {_describe(project.clips)}")
    for name, clip in project.clips.items():
        _check_clip(name, clip, _clip_where(name))
    if not isinstance(project.shots, list):
        raise _Invalid(f"shots: expected a list, got {_describe(project.shots)}")
    shot_names: dict[str, str] = {}
    for i, shot in enumerate(project.shots):
        _check_shot(project, shot, f"shots[{i}]", shot_names)


def validate(project: Project) -> None:
    """Raises ProjectError (one line: file, JSON location, problem) for the first problem found."""
    try:
        _check_project(project)
    except _Invalid as error:
        raise ProjectError(str(error), project.path) from None


# --------------------------------------------------------------------------------------------
# Files


def _reason(error: OSError) -> str:
    return error.strerror or str(error) or type(error).__name__


def load_project(path: str | os.PathLike) -> Project:
    """Read, parse and validate a project file. Touches nothing on disk but that file."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ProjectError("file not found", path) from None
    except IsADirectoryError:
        raise ProjectError("is a folder, not a project file", path) from None
    except OSError as error:
        raise ProjectError(f"cannot read: {_reason(error)}", path) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ProjectError(f"not a Stopframe project (not UTF-8 text: byte {error.start})", path) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}",
                           path) from None
    except (ValueError, RecursionError) as error:
        raise ProjectError(f"not valid JSON: {error}", path) from None
    project = from_dict(data, source=path)
    project.path = Path(os.path.abspath(path))
    return project


def _atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to a fresh temporary file beside ``path``, fsync it, rename it over ``path``.
    On any failure the temporary file is removed and ``path`` is left as it was."""
    if path.is_symlink():  # write through the link rather than replacing it
        path = Path(os.path.realpath(path))
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    created = False
    try:
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
        created = True
        with open(fd, "wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:  # keep the permissions of the file being replaced
            os.chmod(temporary, stat.S_IMODE(os.stat(path).st_mode))
        except OSError:
            pass
        os.replace(temporary, path)
    except BaseException as error:
        if created:
            try:
                os.unlink(temporary)
            except OSError:
                pass
        if isinstance(error, OSError):
            raise ProjectError(f"cannot save: {_reason(error)}", path) from error
        raise
    try:  # make the rename itself durable (not possible on every platform)
        folder = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(folder)
    except OSError:
        pass
    finally:
        os.close(folder)


def save_project(project: Project, path: str | os.PathLike, *, remember: bool = True) -> None:
    """Validate and write ``project`` to ``path`` atomically (temporary file in the same folder,
    fsync, rename), with clip and model paths rebased relative to ``path``'s folder.

    On failure raises ProjectError naming ``path``; the old file stays intact, nothing is left
    behind and the project is unchanged. With ``remember`` (default) the project adopts the new
    location: ``project.path`` becomes ``path`` (absolute) and its clip and model paths are
    rebased in place. ``remember=False`` (autosave, "save a copy") leaves the project untouched."""
    path = Path(path)
    try:
        _check_project(project)
    except _Invalid as error:
        raise ProjectError(f"cannot save an invalid project: {error}", path) from None
    folder = Path(os.path.abspath(path.parent))
    clips = {name: replace(clip, path=_relative(clip_path(project, name), folder))
             for name, clip in project.clips.items()}
    model = None if project.model is None else _relative(model_path(project), folder)
    data = to_dict(replace(project, clips=clips, model=model))
    try:
        encoded = (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n").encode("utf-8")
    except ValueError as error:  # includes UnicodeEncodeError (lone surrogates in a name)
        raise ProjectError(f"cannot save: {error}", path) from None
    _atomic_write(path, encoded)
    if remember:
        project.clips.update(clips)
        project.model = model
        project.path = Path(os.path.abspath(path))


def autosave_path(path: str | os.PathLike) -> Path:
    """Where the autosave of the project file ``path`` goes: beside it, ``<name>.autosave``."""
    path = Path(path)
    return path.with_name(path.name + AUTOSAVE_SUFFIX)


def save_autosave(project: Project) -> Path:
    """Write the project to ``autosave_path(project.path)`` (never over the project itself);
    ``project`` is left untouched. Returns the autosave path."""
    if project.path is None:
        raise ProjectError("cannot autosave a project that has never been saved (no file name yet)")
    target = autosave_path(project.path)
    save_project(project, target, remember=False)
    return target


def autosave_pending(path: str | os.PathLike) -> bool:
    """Whether an autosave of ``path`` exists that is newer than the project file (or the project
    file is gone): what the editor offers back after a crash."""
    try:
        saved = autosave_path(path).stat().st_mtime_ns
    except OSError:
        return False
    try:
        return saved >= Path(path).stat().st_mtime_ns
    except OSError:
        return True


def load_autosave(path: str | os.PathLike) -> Project:
    """The autosave of project file ``path``, as the project at ``path`` (``project.path`` is
    ``path``; saving it then writes the project file)."""
    project = load_project(autosave_path(path))
    project.path = Path(os.path.abspath(path))
    return project


def discard_autosave(path: str | os.PathLike) -> None:
    """Delete the autosave of project file ``path`` if there is one."""
    target = autosave_path(path)
    try:
        target.unlink(missing_ok=True)
    except OSError as error:
        raise ProjectError(f"cannot delete: {_reason(error)}", target) from None


# --------------------------------------------------------------------------------------------
# Editing helpers: mutate in place, return what an undo command needs to revert the change


def unique_name(name: str, taken: Iterable[str]) -> str:
    """``name``, or ``name 2``, ``name 3``... whichever is first not in ``taken``."""
    taken = set(taken)
    if name not in taken:
        return name
    n = 2
    while f"{name} {n}" in taken:
        n += 1
    return f"{name} {n}"


def add_clip(project: Project, name: str, clip: ClipRef) -> str:
    """Add ``clip`` under ``name`` (made unique); returns the name used. A relative ``clip.path``
    is taken relative to the project's folder (the current directory if never saved); it is kept
    relative to the project's folder when possible, absolute while the project has no file."""
    used = unique_name(name, project.clips)
    project.clips[used] = replace(clip, path=_stored(project, clip.path))
    return used


def remove_clip(project: Project, name: str) -> ClipRef:
    """Remove an unused clip; returns it. Raises ProjectError while a shot still uses it."""
    if name not in project.clips:
        raise ProjectError(f"unknown clip {name!r}", project.path)
    users = clip_users(project, name)
    if users:
        more = f" and {len(users) - 1} more" if len(users) > 1 else ""
        raise ProjectError(f"clip {name!r} is still used by {users[0]}{more}", project.path)
    return project.clips.pop(name)


def add_shot(project: Project, shot: Shot, index: int | None = None) -> str:
    """Insert ``shot`` (at ``index``, default last), renaming it if its name is taken; returns the
    name used (``shot.name`` is updated)."""
    shot.name = unique_name(shot.name, (s.name for s in project.shots))
    project.shots.insert(len(project.shots) if index is None else index, shot)
    return shot.name


def remove_shot(project: Project, name: str) -> tuple[int, Shot]:
    """Remove the shot called ``name``; returns (its index, the shot) for undo."""
    shot = project.shot(name)
    index = project.shots.index(shot)
    del project.shots[index]
    return index, shot


def add_character(shot: Shot, character: Character, index: int | None = None) -> str:
    """Insert ``character`` into ``shot`` (at ``index``, default last), renaming it if its name is
    taken in that shot; returns the name used (``character.name`` is updated)."""
    character.name = unique_name(character.name, (c.name for c in shot.characters))
    shot.characters.insert(len(shot.characters) if index is None else index, character)
    return character.name


def remove_character(shot: Shot, name: str) -> tuple[int, Character]:
    """Remove the character called ``name`` from ``shot``; returns (its index, the character)."""
    character = shot.character(name)
    index = shot.characters.index(character)
    del shot.characters[index]
    return index, character


def set_keyframe(character: Character, key: Keyframe) -> Keyframe | None:
    """Insert ``key`` in frame order, or replace the key at the same frame; returns the key it
    replaced (None if the frame had none)."""
    keys = character.keyframes
    at = bisect.bisect_left(keys, key.frame, key=lambda k: k.frame)
    if at < len(keys) and keys[at].frame == key.frame:
        previous, keys[at] = keys[at], key
        return previous
    keys.insert(at, key)
    return None


def remove_keyframe(character: Character, frame: int) -> Keyframe | None:
    """Remove the key at ``frame``; returns it (None, and nothing changes, if there was none)."""
    keys = character.keyframes
    at = bisect.bisect_left(keys, frame, key=lambda k: k.frame)
    if at < len(keys) and keys[at].frame == frame:
        return keys.pop(at)
    return None


def neighbour_key(character: Character, frame: int, direction: int) -> int | None:
    """The frame of the nearest key after ``frame`` (``direction`` > 0) or before it (< 0); None
    when there is none that way."""
    frames = [key.frame for key in character.keyframes]
    if direction > 0:
        at = bisect.bisect_right(frames, frame)
        return frames[at] if at < len(frames) else None
    at = bisect.bisect_left(frames, frame)
    return frames[at - 1] if at > 0 else None
