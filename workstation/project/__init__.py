"""The Stopframe project document: clips, model bundle and shots. Pure Python, no UI.
Design: docs/DESIGN.md, "The project document".

One concept per module:

- ``values``: the value types (frozen ``ClipRef`` and how a clip was cut from a sprite sheet,
  ``SheetGrid``, ``SheetTag``; ``FrameRef``, ``MotionSource``, ``Pose``,
  ``Keyframe``, ``Output``, ``Current``) and the mutable containers (``Character``, ``Shot``,
  ``Project``), ``ProjectError``;
- ``schema``: the file format, declared once with pydantic; parses, validates and serialises
  (``from_dict``, ``validate``, ``to_dict``) with one-line errors naming the JSON location;
- ``sheet_schema``: a clip's "sheet" in the file (since version 6);
- ``scalars``: the file's scalar types (strict integers and numbers, names, words from a list);
- ``upgrade``: files of older schema versions brought up to the latest (output sizes, pose units);
- ``paths``: clip and model paths, stored relative to the project file;
- ``files``: load, atomic save, autosave;
- ``requests``: the per-frame render requests of a shot (``render_requests``, ``pose_at``);
- ``edits``: the editing helpers, which return what an undo needs (clips: add, remove, rename);
- ``shots``: the edits of the list of shots (add, rename, duplicate, delete, move) and their rules.

A document is validated where it enters (a file loaded, an edit applied by the editor), not on
every render request. ``from workstation import project as doc; doc.X`` reaches every name below.
"""

from .edits import (
    add_character,
    add_clip,
    add_shot,
    checked_clip_name,
    clip_use,
    move_character,
    neighbour_key,
    remove_character,
    remove_clip,
    remove_keyframe,
    remove_shot,
    rename_clip,
    set_hidden,
    set_keyframe,
    unique_name,
)
from .files import (
    AUTOSAVE_SUFFIX,
    PROJECT_SUFFIX,
    autosave_path,
    autosave_pending,
    discard_autosave,
    load_autosave,
    load_project,
    save_autosave,
    save_project,
)
from .paths import clip_path, clip_users, missing_clips, model_path
from .requests import CharacterRequest, FrameRequest, MotionRequest, motion_frame, pose_at, render_requests
from .schema import FORMAT, SCHEMA_VERSION, from_dict, to_dict, validate
from .shots import (
    DEFAULT_SHOT_FPS,
    DEFAULT_SHOT_LENGTH,
    add_blank_shot,
    background_output,
    blank_shot,
    checked_shot_name,
    copy_name,
    delete_shot,
    duplicate_shot,
    move_shot,
    neighbour_shot,
    new_shot_name,
    rename_shot,
)
from .values import (
    FITS,
    IDENTITY_POSE,
    MAX_OUTPUT_SIDE,
    OUTPUT_MULTIPLES,
    POSE_LIMITS,
    SCALINGS,
    Character,
    ClipRef,
    Current,
    FrameRef,
    Interpolation,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    SheetGrid,
    SheetTag,
    Shot,
    copy_project,
)

__all__ = [
    "FORMAT", "SCHEMA_VERSION", "PROJECT_SUFFIX", "AUTOSAVE_SUFFIX", "Interpolation",
    "FITS", "SCALINGS", "MAX_OUTPUT_SIDE", "OUTPUT_MULTIPLES", "POSE_LIMITS",
    "ProjectError", "SheetGrid", "SheetTag",
    "ClipRef", "FrameRef", "MotionSource", "Keyframe", "Character", "Output", "Shot", "Current",
    "Project",
    "Pose", "IDENTITY_POSE", "MotionRequest", "CharacterRequest", "FrameRequest",
    "load_project", "save_project", "to_dict", "from_dict", "validate", "copy_project",
    "autosave_path", "save_autosave", "autosave_pending", "load_autosave", "discard_autosave",
    "clip_path", "model_path", "missing_clips", "clip_users",
    "pose_at", "motion_frame", "render_requests",
    "unique_name", "add_clip", "remove_clip", "clip_use", "checked_clip_name", "rename_clip", "add_shot",
    "remove_shot", "add_character", "remove_character", "set_hidden", "move_character", "set_keyframe",
    "remove_keyframe", "neighbour_key",
    "DEFAULT_SHOT_LENGTH", "DEFAULT_SHOT_FPS", "new_shot_name", "checked_shot_name", "copy_name", "blank_shot",
    "add_blank_shot", "rename_shot", "duplicate_shot", "delete_shot", "move_shot", "neighbour_shot",
    "background_output",
]
