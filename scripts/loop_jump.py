"""How much a shot's frame changes from one frame to the next at the loops of its motion, against
elsewhere: the jump an animator sees when a looping motion starts over (issue 26: the sprite demo's
``walk`` changed by 18.9 and 17.9 grey levels at its loop, 1.7-6.6 elsewhere).

    python scripts/loop_jump.py [--demo sprites|digits] [--shot walk] [--model BUNDLE] [--layer composite]

Renders the shot through the workstation's engine at its output size, as an export does, and prints
the mean absolute change of each frame from the one before (grey levels, 0-255, on the 8-bit frame),
marking the changes that cross a loop of a character's motion (into its start frame, where the
motion is the identity, and out of it), then the mean across the loops, the range elsewhere, and
their ratio; and the same of the motion clip itself (its frames as the model sees them, from the
clip frame each output frame's motion comes from), since a cycle's art may itself step furthest
at its loop: the sprite demo's walk changes 11.85 grey levels from its last frame to its first,
against 4.70-10.07 between the others.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from workstation import project as doc  # noqa: E402
from workstation.demos.digit_demo import write_demo_project  # noqa: E402
from workstation.demos.sprite_demo import write_sprite_demo_project  # noqa: E402
from workstation.render.layers import LayerView  # noqa: E402
from workstation.render.shot_frames import open_engine, render_shot  # noqa: E402


def loop_edges(project: doc.Project, shot: doc.Shot) -> set[int]:
    """The output frames k whose change from k - 1 crosses a loop of some shown character's
    motion: into its start frame (where the motion is the identity) and out of it again."""
    edges: set[int] = set()
    for character in shot.characters:
        motion = character.motion
        if character.hidden or motion is None or not motion.loop:
            continue
        for k in range(shot.length):
            if doc.motion_frame(project, motion, k) == motion.start:
                edges.update(e for e in (k, k + 1) if 1 <= e < shot.length)
    return edges


def summary(changes: dict[int, float], starts: set[int]) -> str:
    at_loops = [changes[k] for k in sorted(starts)]
    elsewhere = [change for k, change in changes.items() if k not in starts]
    loop = float(np.mean(at_loops))
    return (f"at the loops: {', '.join(f'{c:.2f}' for c in at_loops)} (mean {loop:.2f}); elsewhere "
            f"{min(elsewhere):.2f}-{max(elsewhere):.2f} (mean {np.mean(elsewhere):.2f}); "
            f"loop / mean elsewhere {loop / np.mean(elsewhere):.2f}x")


def motion_clip_changes(engine, project: doc.Project, shot: doc.Shot) -> tuple[str, dict[int, float]] | None:
    """The first looping character's motion clip and, per output frame k, how much that clip
    changes between the frames output frames k - 1 and k take their motion from."""
    motions = [c.motion for c in shot.characters if not c.hidden and c.motion is not None and c.motion.loop]
    if not motions:
        return None
    motion = motions[0]
    clip = [np.rint(np.clip(engine.frames(motion.clip, doc.motion_frame(project, motion, k)), 0, 1) * 255)
            for k in range(shot.length)]
    return motion.clip, {k: float(np.abs(clip[k] - clip[k - 1]).mean()) for k in range(1, shot.length)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", choices=("sprites", "digits"), default="sprites")
    parser.add_argument("--shot", default="walk")
    parser.add_argument("--model", help="a model bundle (default: the project's)")
    parser.add_argument("--layer", default=LayerView.COMPOSITE.value, choices=[view.value for view in LayerView])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        write = write_sprite_demo_project if args.demo == "sprites" else write_demo_project
        project = doc.load_project(write(Path(folder)))
        if args.model:
            project.model = str(Path(args.model).resolve())
        shot = project.shot(args.shot)
        engine = open_engine(project)
        frames = [np.rint(np.clip(image, 0, 1) * 255) for image in render_shot(engine, project, shot.name,
                                                                                layer=LayerView(args.layer))]
        own = motion_clip_changes(engine, project, shot)
    starts = loop_edges(project, shot)
    changes = {k: float(np.abs(frames[k] - frames[k - 1]).mean()) for k in range(1, len(frames))}
    for k, change in changes.items():
        print(f"frame {k:3d}: {change:6.2f}{'   <- across a loop of the motion' if k in starts else ''}")
    print(f"model {engine.folder}; shot {shot.name!r} at {frames[0].shape[2]}x{frames[0].shape[1]}, layer {args.layer}")
    if starts and len(starts) < len(changes):
        print(summary(changes, starts))
        if own is not None:
            print(f"the motion clip {own[0]!r} itself, at the same frames: {summary(own[1], starts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
