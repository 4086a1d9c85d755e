"""A long day: 20,000 frames through the engine, played and exported, with the process's memory
(resident set size) measured before, every ``--every`` frames, and after. The caches are bounded in
bytes (the engine's, 512 MiB together, ``workstation.render.engine.CACHE_BYTES``; a clip's decoded
frames, 256 MiB), so memory grows while they fill and then stays flat; the ratios say how flat, and
the engine's caches print what they hold.

The shot is built to overflow the caches: one character moved by a motion clip of ``--clip-frames``
(default 4,500, more than the 2,000 or so encodings of 64 KiB the engine keeps) distinct frames,
holding its last pose after them, posed by keys, over a backdrop from the same clip, with the
bundled 64x64 demo model. Every clip frame is encoded once per phase (the LRU order evicts the earliest ones
before a phase comes back to them), then the rest of the shot renders from the caches.

1. Playback: one ``Engine.render_requests`` call per frame, in order, as the viewport's render
   service makes them.
2. Export: ``workstation.render.shot_frames.render_shot`` into the real writer (``workstation.output.write_frames``),
   PNG frames into a temporary folder (the PNG writer streams: it holds no frame after writing it;
   the GIF writer keeps every frame for its palette).

    python benchmarks/long_day.py [--frames 20000] [--clip-frames 5000] [--every 2000]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from workstation import project as doc  # noqa: E402
from workstation.media import probe  # noqa: E402
from workstation.output.writer import write_frames  # noqa: E402
from workstation.render.engine import Engine  # noqa: E402
from workstation.render.shot_frames import open_engine, render_shot  # noqa: E402


def rss_mb() -> float:
    """The resident set size now, in MB (Linux: /proc/self/statm; elsewhere the peak from getrusage)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6
    except OSError:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def caches_line(engine: Engine) -> str:
    """What each of the engine's caches holds, in entries and MB, of its bound."""
    return ", ".join(f"{name} {len(cache)} ({cache.nbytes / 1e6:.1f} of {cache.max_bytes / 1e6:.1f} MB)"
                     for name, cache in engine.caches.items())


def measured() -> float:
    gc.collect()
    return rss_mb()


def write_clip(path: Path, frames: int, size: int = 64) -> None:
    """A video of a bright blob walking a square path over a textured backdrop, every frame distinct."""
    rng = np.random.default_rng(0)
    backdrop = cv2.GaussianBlur(rng.integers(0, 120, (size, size, 3), dtype=np.uint8), (7, 7), 0)
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"mp4v"), 24, (size, size))
    if not writer.isOpened():
        raise SystemExit(f"cannot write {path} with OpenCV")
    for i in range(frames):
        image = backdrop.copy()
        t = (i % 200) / 200 * 4
        side = min(int(t), 3)
        along = t - side
        x, y = [(along, 0.0), (1.0, along), (1.0 - along, 1.0), (0.0, 1.0 - along)][side]
        centre = (int(14 + x * (size - 28)), int(14 + y * (size - 28)))
        cv2.circle(image, centre, 7 + (i // 200) % 4, (255, 255, 255), -1)
        image[0, 0] = (i % 256, (i // 256) % 256, 0)  # no two frames alike
        writer.write(image)
    writer.release()


def build_project(folder: Path, frames: int, clip_frames: int) -> doc.Project:
    clip = folder / "walk.mp4"
    write_clip(clip, clip_frames)
    info = probe(clip)
    project = doc.Project(clips={"walk": doc.ClipRef(str(clip), info.frame_count, info.fps, info.width, info.height)})
    keys = [doc.Keyframe(0), doc.Keyframe(frames // 2, doc.Pose(4.0, -3.0, 30.0, 1.2)),
            doc.Keyframe(frames - 1, doc.Pose(-2.0, 2.0, -15.0, 0.9))]
    walker = doc.Character("walker", doc.FrameRef("walk", 3), doc.MotionSource("walk", 0, None, False), keys,
                           doc.Interpolation.SMOOTH)
    project.shots.append(doc.Shot("long day", frames, 24.0, doc.FrameRef("walk", 0), [walker]))
    doc.validate(project)
    return project


class Meter:
    """RSS samples of one phase: before, every ``every`` frames, after."""

    def __init__(self, name: str, every: int):
        self.name, self.every = name, every
        self.samples: list[tuple[int, float]] = [(0, measured())]
        self.start = time.perf_counter()

    def frame_done(self, done: int) -> None:
        if done % self.every == 0:
            self.samples.append((done, measured()))
            print(f"  {self.name}: {done:6d} frames, RSS {self.samples[-1][1]:7.1f} MB, "
                  f"{time.perf_counter() - self.start:6.1f} s", flush=True)

    def report(self, frames: int) -> None:
        elapsed = time.perf_counter() - self.start
        before, after = self.samples[0][1], self.samples[-1][1]
        peak = max(rss for _, rss in self.samples)
        half = next(rss for done, rss in self.samples if done >= frames // 2)
        print(f"{self.name}: {frames} frames in {elapsed:.1f} s ({frames / elapsed:.0f} frames/s); RSS before "
              f"{before:.1f} MB, at half-way {half:.1f} MB, after {after:.1f} MB, peak sampled {peak:.1f} MB; "
              f"after/before {after / before:.3f}, after/half-way {after / half:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=20_000)
    parser.add_argument("--clip-frames", type=int, default=4_500)
    parser.add_argument("--every", type=int, default=2_000)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="stopframe-long-day-") as temporary:
        folder = Path(temporary)
        start_rss = measured()
        project = build_project(folder, args.frames, args.clip_frames)
        engine = open_engine(project)
        requests = doc.render_requests(project, "long day")
        engine.render_requests(requests[:1])  # the graphs warmed up: "before" is a working engine
        print(f"model {engine.image_size}x{engine.image_size} on {engine.device}; clip of {args.clip_frames} frames; "
              f"shot of {args.frames} frames; RSS at start {start_rss:.1f} MB, engine ready {measured():.1f} MB")

        playback = Meter("playback", args.every)
        for i, request in enumerate(requests, 1):
            engine.render_requests([request])
            playback.frame_done(i)
        print(f"  engine caches after playback: {caches_line(engine)}")
        playback.report(args.frames)
        del requests

        export = Meter("export", args.every)
        out = folder / "frames"
        write_frames(render_shot(engine, project, "long day"), out, "png", 24.0, args.frames,
                     progress=lambda done, total: export.frame_done(done))
        written = sum(1 for name in os.listdir(out) if name.endswith(".png"))
        print(f"  wrote {written} PNG frames to {out}; engine caches: {caches_line(engine)}")
        export.report(args.frames)
        print(f"whole day: RSS at start {start_rss:.1f} MB, at the end {measured():.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
