"""The animator's edits, as undoable steps on a ProjectDocument: what a drop, a drag on the Canvas
or a field of the Inspector means for the project."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from workstation import project as doc
from workstation.media import ClipInfo, probe
from workstation.ui.document import ProjectDocument
from workstation.ui.mime import DraggedMedia, DropIntent

DEFAULT_SHOT_LENGTH = 24
DEFAULT_FPS = 12.0


def import_clip(document: ProjectDocument, path: str | Path, info: ClipInfo | None = None,
                fit: str = "crop") -> str:
    """Add the clip at ``path`` (video, GIF, image or image folder), read with ``probe`` unless its
    ``info`` is given, fitted to the model's square by ``fit`` (``doc.FITS``); returns its name.
    Raises MediaError (one line naming the file) when it cannot be read."""
    info = info or probe(path)
    clip = doc.ClipRef(str(Path(path).resolve()), info.frame_count, info.fps, info.width, info.height, fit,
                       info.image_names)
    stem = Path(path).stem or Path(path).name
    return document.edit(f"Import {stem}", lambda project: doc.add_clip(project, stem, clip))


Point = tuple[float, float]  # fractions of the model square's side from its top-left corner (a pose's unit)


def drop(document: ProjectDocument, media: DraggedMedia, intent: DropIntent, character: str | None,
         at: Point | None = None, centre_of: Callable[[doc.Character], Point | None] | None = None) -> None:
    """What a drop of Library media on the Canvas means: a background, a new character (its centre
    at ``at``, see ``add_character``), or the motion of ``character`` (which it then selects)."""
    if media.clip not in document.project.clips:
        raise doc.ProjectError(f"clip {media.clip!r} is not in this project")
    if intent is DropIntent.BACKGROUND:
        set_background(document, media)
    elif intent is DropIntent.ADD_CHARACTER:
        add_character(document, media, at, centre_of)
    elif intent is DropIntent.MOTION and character is not None:
        set_motion(document, character, media)
        document.select_character(character)


def set_background(document: ProjectDocument, media: DraggedMedia) -> None:
    """Use a frame (a clip's first frame) as the current shot's background; with no shot yet, make one."""
    frame = doc.FrameRef(media.clip, media.frame_or_first)
    if document.shot() is None:
        new_shot(document, frame)
        return
    document.edit_shot(f"Background from {media.describe()}", lambda shot: setattr(shot, "background", frame))


def new_shot(document: ProjectDocument, background: doc.FrameRef) -> str:
    fps = document.new_shot_fps or document.project.clips[background.clip].fps or DEFAULT_FPS
    shot = doc.Shot(doc.new_shot_name(document.project), DEFAULT_SHOT_LENGTH, fps, background,
                    output=doc.background_output(document.project.clips[background.clip]))
    name = document.edit(f"New shot {shot.name}", lambda project: doc.add_shot(project, shot))
    document.select_shot(name)
    return name


def add_character(document: ProjectDocument, media: DraggedMedia, at: Point | None = None,
                  centre_of: Callable[[doc.Character], Point | None] | None = None) -> str:
    """Add a character taken from a frame (a clip's first frame) to the current shot, animated by
    its own clip from that frame on; returns its name and selects it. With ``at`` (where it was
    dropped) and ``centre_of`` (where it would draw its centre: ``placement.drawn_centre``), it is
    keyed at the current frame with the move that puts its centre at ``at``, in the same undo step."""
    if document.shot() is None:
        new_shot(document, doc.FrameRef(media.clip, media.frame_or_first))
    source = doc.FrameRef(media.clip, media.frame_or_first)
    motion: doc.MotionSource | None = doc.MotionSource(media.clip, source.frame, None, True)
    if document.project.clips[media.clip].frame_count <= 1:
        motion = None
    centre = centre_of(doc.Character(media.clip, source, motion)) if at is not None and centre_of else None

    def add(shot: doc.Shot) -> str:
        character = doc.Character(media.clip, source, motion)
        if at is not None and centre is not None:
            move = doc.Pose(tx=at[0] - centre[0], ty=at[1] - centre[1])
            doc.set_keyframe(character, doc.Keyframe(document.frame, move))
        return doc.add_character(shot, character)

    name = document.edit_shot(f"Add character from {media.describe()}", add)
    document.select_character(name)
    return name


def set_motion(document: ProjectDocument, character: str, media: DraggedMedia | None) -> None:
    """Animate ``character`` with the motion of a clip (from the dragged frame on, looping), or
    hold it still (None)."""
    motion = None if media is None else doc.MotionSource(media.clip, media.frame_or_first, None, True)
    text = f"Motion of {character} from {media.describe()}" if media else f"Hold {character} still"
    document.edit_character(text, lambda c: setattr(c, "motion", motion), name=character)


def set_source(document: ProjectDocument, character: str, media: DraggedMedia) -> None:
    frame = doc.FrameRef(media.clip, media.frame_or_first)
    document.edit_character(f"{character} from {media.describe()}", lambda c: setattr(c, "source", frame),
                            name=character)


def change_edit(document: ProjectDocument, character: str, frame: int, merge_key: object = None,
                dx: float = 0.0, dy: float = 0.0, rotate: float = 0.0, scale: float = 1.0,
                absolute: dict | None = None) -> None:
    """Change the hand transform of ``character`` at ``frame`` (keying that frame): move by
    fractions of the model square's side (``Pose.tx``, ``ty``), turn by degrees clockwise, scale by
    a factor, or set fields to ``absolute`` values."""
    def apply(c: doc.Character) -> None:
        now = doc.pose_at(c, frame)
        values = dict(tx=now.tx + dx, ty=now.ty + dy, rotation=now.rotation + rotate,
                      scale=min(20.0, max(0.05, now.scale * scale)))
        values.update(absolute or {})
        doc.set_keyframe(c, doc.Keyframe(frame, doc.Pose(**values)))

    verb = "Move" if dx or dy else "Rotate" if rotate else "Scale" if scale != 1.0 else "Set"
    document.edit_character(f"{verb} {character}", apply, merge_key, name=character)


def set_key(document: ProjectDocument, character: str, frame: int) -> None:
    """Key ``character`` at ``frame`` with the pose it has there, so that changing the keys on
    either side no longer moves it at this frame."""
    def apply(c: doc.Character) -> None:
        doc.set_keyframe(c, doc.Keyframe(frame, doc.pose_at(c, frame)))

    document.edit_character(f"Key {character} at frame {frame}", apply, name=character)


def remove_key(document: ProjectDocument, character: str, frame: int) -> bool:
    """Remove the key of ``character`` at ``frame`` as one undo step; False (and no undo step)
    when that frame has no key."""
    shot = document.shot()
    if shot is None or not any(key.frame == frame for key in shot.character(character).keyframes):
        return False
    document.edit_character(f"Remove key of {character} at frame {frame}",
                            lambda c: doc.remove_keyframe(c, frame), name=character)
    return True


def move_key(document: ProjectDocument, character: str, source: int, target: int) -> None:
    """Move the key of ``character`` at frame ``source`` to frame ``target`` as one undo step;
    a key already at ``target`` gives way to it."""
    def apply(c: doc.Character) -> None:
        key = doc.remove_keyframe(c, source)
        if key is None:
            raise doc.ProjectError(f"{character} has no key at frame {source}")
        doc.set_keyframe(c, replace(key, frame=target))

    document.edit_character(f"Move key of {character} from frame {source} to {target}", apply, name=character)


def use_model(document: ProjectDocument, bundle: str | Path | None) -> None:
    """Render the project with the model bundle in ``bundle`` (None: the bundled demo model)."""
    text = f"Use model {Path(bundle).name}" if bundle else "Use the demo model"
    document.edit(text, lambda project: setattr(project, "model", None if bundle is None else str(bundle)))


def remove_character(document: ProjectDocument, character: str) -> None:
    document.edit_shot(f"Remove {character}", lambda shot: doc.remove_character(shot, character))


def update_motion(document: ProjectDocument, character: str, merge_key: object = None, **fields) -> None:
    """Change the start / end / loop of a character's motion source."""
    def apply(c: doc.Character) -> None:
        if c.motion is not None:
            c.motion = replace(c.motion, **fields)

    document.edit_character(f"Motion range of {character}", apply, merge_key, name=character)


def set_hidden(document: ProjectDocument, character: str, hidden: bool) -> bool:
    """Hide or show ``character`` of the current shot as one undo step; False (and no undo step)
    when it already is so."""
    shot = document.shot()
    if shot is None or shot.character(character).hidden == bool(hidden):
        return False
    verb = "Hide" if hidden else "Show"
    document.edit_shot(f"{verb} {character}", lambda s: doc.set_hidden(s, character, bool(hidden)))
    return True


Z_MOVES = {"forward": "Bring {} forward", "backward": "Send {} backward", "front": "Bring {} to front",
           "back": "Send {} to back"}


def z_target(shot: doc.Shot, character: str, where: str) -> tuple[int, int]:
    """(the index of ``character`` in the shot's z-order, where ``where`` moves it): "forward" and
    "backward" one place, "front" and "back" to either end; within the shot."""
    index = shot.characters.index(shot.character(character))
    last = len(shot.characters) - 1
    target = {"forward": index + 1, "backward": index - 1, "front": last, "back": 0}[where]
    return index, max(0, min(target, last))


def move_character(document: ProjectDocument, character: str, where: str) -> bool:
    """Move ``character`` in the current shot's z-order (see ``z_target``) as one undo step; False
    (and no undo step) when it is already there."""
    shot = document.shot()
    if shot is None:
        return False
    index, target = z_target(shot, character, where)
    if target == index:
        return False
    document.edit_shot(Z_MOVES[where].format(character), lambda s: doc.move_character(s, character, target))
    return True
