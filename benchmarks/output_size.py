"""The engine at the output's own size: a drag, a shot played through, its memory, and the
background's fidelity to its source, at 512x512 and at 1280x720 (a wide background, wide_background.py).

    python benchmarks/output_size.py [--demo digits|sprites] [--shot NAME] [--length 240] [--repeats 100]
                                     [--passes 3]

* drag: the median time of ``Engine.render_requests`` for one frame whose character has a new pose
  each time (its decoder runs again and it is drawn at the output size; the background and the
  encodings come from the engine's caches), against 2 ms at 512x512 and 8 ms at 1280x720;
* played through: every frame of the shot (made ``--length`` frames long, its motion looping),
  rendered cold (a fresh engine) then ``--passes`` - 1
  times more (warm), as frames per second; the process's resident memory after each pass and the
  engine's caches, which must stay within their budget however long the shot plays;
* background: the PSNR of the background layer against the source still, over the pixels no
  character covers (alpha exactly 0), against 40 dB (the 1280x720 shot only: at 512x512 the
  background is the 64-pixel clip enlarged, the source itself).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.wide_background import widen  # noqa: E402
from workstation import project as doc  # noqa: E402
from workstation.demos.digit_demo import build_demo_project  # noqa: E402
from workstation.demos.sprite_demo import build_sprite_demo_project  # noqa: E402
from workstation.kernel.memory import reuse_freed_memory  # noqa: E402
from workstation.render.engine import CACHE_BYTES  # noqa: E402
from workstation.render.layers import LayerView  # noqa: E402
from workstation.render.shot_frames import open_engine, render_shot  # noqa: E402

DRAG_TARGET_MS = {(512, 512): 2.0, (1280, 720): 8.0}
PSNR_TARGET_DB = 40.0


def resident_mib() -> float:
    """The process's peak resident memory so far (Linux: ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def drag_ms(engine, project: doc.Project, shot: str, repeats: int) -> float:
    request = doc.render_requests(project, shot, [0])[0]
    first = request.characters[0]
    engine.render_requests([request])  # the background and encodings into the caches
    times = []
    for i in range(repeats + 5):
        pose = replace(first.pose, tx=first.pose.tx + 0.002 * (i + 1))  # a new pose: decoded again
        moved = replace(request, characters=(replace(first, pose=pose), *request.characters[1:]))
        start = time.perf_counter()
        engine.render_requests([moved])
        times.append(time.perf_counter() - start)
    return statistics.median(times[5:]) * 1000


def background_psnr(engine, project: doc.Project, shot: str, still: Path) -> float:
    request = doc.render_requests(project, shot, [0])[0]
    background = engine.render_requests([request], LayerView.BACKGROUND)[0].transpose(1, 2, 0)
    alpha = engine.render_requests([request], LayerView.ALPHA)[0, 0]
    read = cv2.imread(str(still))
    assert read is not None, still
    source = cv2.cvtColor(read, cv2.COLOR_BGR2RGB).astype(np.float32) / 255
    away = alpha == 0
    mse = float(np.mean((background[away] - source[away]) ** 2))
    return 10 * np.log10(1 / max(mse, 1e-12))


def play_through(project: doc.Project, shot: str, passes: int) -> None:
    engine = open_engine(project)
    length = project.shot(shot).length
    for number in range(passes):
        start = time.perf_counter()
        for _ in render_shot(engine, project, shot):
            pass
        elapsed = time.perf_counter() - start
        held = sum(cache.nbytes for cache in engine.caches.values()) / 2**20
        print(f"  pass {number + 1} ({'cold' if number == 0 else 'warm'}): {length / elapsed:.1f} frames/s; "
              f"peak resident {resident_mib():.0f} MiB; engine caches hold {held:.0f} MiB "
              f"(budget {CACHE_BYTES / 2**20:.0f} MiB)")


def main() -> int:
    reuse_freed_memory()  # as main.py does for the app
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--demo", choices=("digits", "sprites"), default="digits")
    parser.add_argument("--shot", help="the shot (default: the demo's first)")
    parser.add_argument("--length", type=int, default=240, help="the shot's length in frames")
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    build = build_demo_project if args.demo == "digits" else build_sprite_demo_project
    with tempfile.TemporaryDirectory(prefix="stopframe-output-size-") as scratch:
        for size in ((512, 512), (1280, 720)):
            project = build()
            shot = args.shot or project.shots[0].name
            project.shot(shot).length = args.length
            still = None
            if size == (1280, 720):
                still = widen(project, shot, Path(scratch), size)
            else:
                project.shot(shot).output = doc.Output(*size, project.shot(shot).output.scaling)
            engine = open_engine(project)
            characters = len(project.shot(shot).characters)
            print(f"{args.demo} demo, shot {shot!r} ({characters} characters) at {size[0]}x{size[1]}, "
                  f"model {engine.image_size}x{engine.image_size}, {engine.device}:")
            drag = drag_ms(engine, project, shot, args.repeats)
            target = DRAG_TARGET_MS[size]
            print(f"  drag: {drag:.2f} ms median (target <= {target:g} ms; {drag / target:.2f}x)")
            if still is not None:
                psnr = background_psnr(engine, project, shot, still)
                print(f"  background away from the characters: {psnr:.1f} dB against the source "
                      f"(target >= {PSNR_TARGET_DB:g} dB)")
            play_through(project, shot, args.passes)
    return 0


if __name__ == "__main__":
    sys.exit(main())
