"""Engine latency for the default 64x64 model: what a drag, a playback frame and an export cost.
With a layered bundle, a drag is one character decoder and the numpy composite (the plate and the
other characters come from the engine's caches).

Prints median latencies (ms), ONNX Runtime against PyTorch eager on the same weights, and
frames/s for rendering 1,000 frames of a shot to MP4. Uses the given bundle or checkpoint, else
exports a freshly initialised default model (latency does not depend on the weights).

    python benchmarks/engine_latency.py [--model runs/x | assets/models/demo] [--repeats 300]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import torch  # noqa: E402

from training.bundle_export import export_bundle  # noqa: E402
from training.model.config import ModelConfig  # noqa: E402
from training.model.scene_model import SceneModel  # noqa: E402
from workstation import project as document  # noqa: E402
from workstation.output.writer import FrameWriter  # noqa: E402
from workstation.render.engine import Engine  # noqa: E402
from workstation.render.shot_frames import render_shot  # noqa: E402


def median_ms(function, repeats: int) -> float:
    for _ in range(10):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def load_model(path: str | None) -> tuple[SceneModel, Path | None]:
    if path and (Path(path) / "model.json").is_file():
        import json

        config = ModelConfig(**json.loads((Path(path) / "model.json").read_text())["model_config"])
        return SceneModel(config).eval(), Path(path)  # eager timings use the same architecture
    if path:
        from training.run.checkpoint import load_model as load_checkpoint

        return load_checkpoint(path)[0], None
    torch.manual_seed(0)
    return SceneModel(ModelConfig()).eval(), None


def shot_project(length: int) -> document.Project:
    """One character walking (a looped 5-frame motion) and dragged by keyframes over a still."""
    walk, field = document.ClipRef("walk", 5, 12.0, 64, 64), document.ClipRef("field", 1, 12.0, 64, 64)
    walker = document.Character(
        "walker", document.FrameRef("walk", 0), document.MotionSource("walk", 0, None, loop=True),
        [document.Keyframe(0), document.Keyframe(length - 1, document.Pose(tx=12, rotation=45))])
    shot = document.Shot("bench", length, 24.0, document.FrameRef("field", 0), [walker])
    return document.Project(clips={"walk": walk, "field": field}, shots=[shot])


def dragged_frame(engine: Engine):
    """One step of a drag, as the Canvas asks for it: the frame of a shot whose character moves by a
    new amount each call (its layer is decoded again), over a cached plate and a second, still
    character (both cached)."""
    still = document.CharacterRequest(document.FrameRef("walk", 1), None, document.Pose(tx=-10.0), "still")
    steps = iter(range(10**9))

    def drag() -> np.ndarray:
        moved = document.CharacterRequest(document.FrameRef("walk", 0), None,
                                          document.Pose(tx=next(steps) * 1e-3), "dragged")
        request = document.FrameRequest("bench", 0, document.FrameRef("field", 0), (still, moved))
        return engine.render_requests([request])

    return drag


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="a model bundle, checkpoint or run folder")
    parser.add_argument("--repeats", type=int, default=300)
    parser.add_argument("--frames", type=int, default=1000)
    args = parser.parse_args()

    model, bundle = load_model(args.model)
    with tempfile.TemporaryDirectory() as scratch:
        if bundle is None:
            bundle = export_bundle(model, Path(scratch) / "bundle")
        rng = np.random.default_rng(0)
        clip_frames = rng.random((5, 3, 64, 64), dtype=np.float32)
        engine = Engine(bundle, frames=lambda clip, frame: clip_frames[frame])
        print(f"{engine.device_line}; torch eager on {torch.get_num_threads()} threads; model {bundle}")

        x = {n: rng.random((n, 3, 64, 64), dtype=np.float32) for n in (1, 16)}
        fc = {n: engine.encode_character(x[n]) for n in x}
        fb = {n: engine.encode_background(x[n]) for n in x}
        theta = {n: engine.motion(fc[n], fc[n][::-1].copy()) for n in x}

        flipped = {n: x[n][::-1].copy() for n in x}

        def ort_h(n=1):
            return engine.h(x[n], x[n], flipped[n], x[n])

        tx = {n: torch.from_numpy(x[n]) for n in x}
        t_fc, t_fb, t_theta = ({n: torch.from_numpy(a[n]) for n in a} for a in (fc, fb, theta))

        def eager_h(n=1):
            with torch.inference_mode():
                return model(tx[n], tx[n], tx[n].flip(0), tx[n])

        def eager_renderer(n=1):
            with torch.inference_mode():
                return model.render(t_fc[n], t_theta[n], t_fb[n], source=tx[n])  # format 3 draws from x

        quick, slow = args.repeats, max(10, args.repeats // 3)
        figures = {
            "drag": ("renderer.onnx only, batch 1 (summed: a drag)",
                     median_ms(lambda: engine.render_features(fc[1], theta[1], fb[1], x[1]), quick)),
            "drag16": ("renderer.onnx only, batch 16",
                       median_ms(lambda: engine.render_features(fc[16], theta[16], fb[16], x[16]), slow)),
            "h": ("full h, batch 1", median_ms(ort_h, quick)),
            "h16": ("full h, batch 16", median_ms(lambda: ort_h(16), slow)),
            "eager_drag": ("PyTorch eager renderer, batch 1", median_ms(eager_renderer, quick)),
            "eager_h": ("PyTorch eager full h, batch 1", median_ms(eager_h, quick)),
        }
        if engine.layered:
            figures["layered_drag"] = ("a drag: one character decoder + composite",
                                       median_ms(dragged_frame(engine), quick))
            figures["decoder"] = ("character decoder alone, batch 1",
                                  median_ms(lambda: engine.character_layer(fc[1], theta[1]), quick))
        ms = {key: value for key, (_, value) in figures.items()}
        for label, value in figures.values():
            print(f"{label:42s} {value:8.3f} ms")
        print(f"{'renderer batch 16, per frame':42s} {ms['drag16'] / 16:8.3f} ms")
        for label, ratio in (("ONNX Runtime vs PyTorch eager, renderer", ms["eager_drag"] / ms["drag"]),
                             ("ONNX Runtime vs PyTorch eager, full h", ms["eager_h"] / ms["h"]),
                             ("cached drag vs full h", ms["h"] / ms.get("layered_drag", ms["drag"]))):
            print(f"{label:42s} {ratio:8.2f}x faster")

        project = shot_project(args.frames)
        start = time.perf_counter()
        with FrameWriter(Path(scratch) / "bench.mp4", "mp4", 24.0, args.frames) as writer:  # the shot's 256x256
            for image in render_shot(engine, project, "bench"):
                writer.write(image)
        elapsed = time.perf_counter() - start
        print(f"render {args.frames} frames to MP4 (256x256): {elapsed:.2f} s, "
              f"{args.frames / elapsed:.0f} frames/s")


if __name__ == "__main__":
    main()
