"""The sprite analogy on an animation no sprite model trained on (issue 28's check of
generalisation): the LPC sheets' "hurt" row (front, 6 frames: the character falls). The models are
trained on the five other animations only (``Sprites`` leaves the hurt row out unless asked), so this
measures motion the models never saw, on test characters over test backgrounds, beside Copy, No
object and the flow transfer, as ``main.py evaluate --dataset sprites`` measures the others.

    python scripts/held_out_animation.py [--model assets/models/sprites ...] [--n 1000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from main import open_bundle  # noqa: E402
from training.data.sprites import HURT, Sequence, Sprites, SpriteSheets, sprites_dir  # noqa: E402
from training.evaluation.evaluate_sprites import ANALOGIES, collect, iter_analogies, summarize_errors  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", action="append", help="a model bundle (repeat for several)")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    dataset = Sprites(SpriteSheets.load(sprites_dir(args.data_dir, "held_out_animation")), "test", hurt=True)
    dataset.sequences = (Sequence(*HURT),)  # the hurt row alone
    print(f"{args.n} analogies of the hurt row, test characters over test backgrounds (seed {args.seed})")
    print(f"{'method':34s} {'PSNR (dB)':>16s} {'sharpness':>10s} {'character SSE':>14s}")
    for number, model in enumerate(args.model or [str(ROOT / "assets" / "models" / "sprites")]):
        errors, _, _ = collect(open_bundle(model), iter_analogies(dataset, args.n, args.seed))
        for method, values in errors.items():
            if number and method not in ANALOGIES:
                continue  # the baselines once: the examples are the same for every model
            row = summarize_errors(values, dataset.image_size)
            name = f"{method} ({Path(model).name})" if method in ANALOGIES else method
            sharp = "" if row.get("sharpness") is None else f"{row['sharpness']:.3f}"
            print(f"{name:34s} {row['psnr']:8.2f} ± {row['psnr_ci95']:.2f} {sharp:>10s} "
                  f"{row['character_sse_60']:14.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
