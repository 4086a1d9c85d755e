"""What the engine is asked to draw: one frozen, hashable request per output frame of a shot,
with each character's name, source frame, the motion frame and the hand pose at that frame. The
characters are the shot's shown ones, in its z-order (back to front); hidden ones are left out.

``render_requests`` trusts the document (it was validated where it entered: loaded or edited)
and checks only the frame numbers it is given; it runs several times per displayed frame.
"""

from __future__ import annotations

import bisect
import numbers
from collections.abc import Iterable
from dataclasses import dataclass

from .values import IDENTITY_POSE, Character, FrameRef, Interpolation, MotionSource, Output, Pose, Project, ProjectError

__all__ = ["MotionRequest", "CharacterRequest", "FrameRequest", "pose_at", "motion_frame", "render_requests"]


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
    name: str = ""  # the character's name in its shot ("" for a request not made from a shot)


@dataclass(frozen=True)
class FrameRequest:
    shot: str
    index: int
    background: FrameRef
    characters: tuple[CharacterRequest, ...]
    output: Output | None = None  # the shot's; None (a request built by hand): the model's square, crisp


def pose_at(character: Character, frame: float) -> Pose:
    """The hand transform of ``character`` at ``frame``, interpolated between its keyframes.

    Before the first key: the first key's values; after the last: the last's; no keys: identity.
    As the character's ``Interpolation`` says: linearly, with a cubic ease-in-out (smoothstep), or
    holding each key until the next one. Rotation is not wrapped (0 -> 720 spins twice)."""
    keys = character.keyframes
    if not keys:
        return IDENTITY_POSE
    if frame <= keys[0].frame:
        return keys[0].pose
    if frame >= keys[-1].frame:
        return keys[-1].pose
    after = bisect.bisect_right(keys, frame, key=lambda key: key.frame)
    a, b = keys[after - 1], keys[after]
    if frame == a.frame or character.interpolation == Interpolation.STEP:
        return a.pose
    t = (frame - a.frame) / (b.frame - a.frame)
    if character.interpolation == Interpolation.SMOOTH:
        t = t * t * (3.0 - 2.0 * t)
    elif character.interpolation != Interpolation.LINEAR:
        raise ProjectError(f"unknown interpolation {character.interpolation!r} (allowed: {', '.join(Interpolation)})")

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
    iterable of ints, each within 0..length-1), each with the shot's shown characters back to
    front, at the shot's output. The project is taken as valid (see the module)."""
    shot = project.shot(shot_name)
    indices = range(shot.length) if frames is None else list(frames)
    for k in indices:
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k < shot.length:
            raise ProjectError(f"shot {shot.name!r}: frame {k!r} is out of range (0..{shot.length - 1})",
                               project.path)
    requests = []
    for k in indices:
        characters = tuple(
            CharacterRequest(
                source=character.source,
                motion=None if character.motion is None else MotionRequest(
                    character.motion.clip, character.motion.start, motion_frame(project, character.motion, k)),
                pose=pose_at(character, k),
                name=character.name,
            )
            for character in shot.characters
            if not character.hidden
        )
        requests.append(FrameRequest(shot.name, int(k), shot.background, characters, shot.output))
    return requests
