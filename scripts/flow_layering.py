"""Where the optical-flow transfer loses on the sprite analogy, and what drawing it in layers would
buy (issue 28): on validation analogies, B_q predicted

    flow transfer             B_p's pixels moved by the flow from A_q back to A_p (the baseline)
    flow over the plate       the same colours, under B_p's alpha moved by the same flow, over the
                              model's plate of B_p (the model's alpha of B_p at the identity)
    true alpha over the plate B_p's true alpha moved by the flow, over the model's plate
    true alpha, true ground   B_p's true alpha moved by the flow, over B's true background
    flow over the frame       the flow's colours under B_p's alpha moved by the flow, over B_p
                              itself with the plate only under B_p's own character (the model's
                              alpha at the identity, under the matte rule), as the workstation
                              draws a background
    the model                 the model's analogy
    the model, as drawn       the same as the workstation draws it (``Engine.drawn_h``)

    python scripts/flow_layering.py [--model assets/models/sprites] [--n 500]

A moved limb leaves B_p's pixels behind in the flow transfer (the flow of the still ground is
zero there); a layered drawing shows the ground instead. Validation split only (seed 1).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from main import open_bundle  # noqa: E402
from training.data.sprites import Sprites, SpriteSheets, sprites_dir  # noqa: E402
from training.evaluation.flow_baseline import SPRITES_PRESET, backward_flow, sample_nearest  # noqa: E402
from training.evaluation.metrics import mean_ci95, per_example_mse, psnr_from_mse  # noqa: E402
from workstation.render.matte import clean_matte  # noqa: E402


def moved(images: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """[N, 1, S, S] planes moved by ``flow`` as the transfer moves colours (nearest)."""
    return sample_nearest(np.repeat(images, 3, axis=1), flow)[:, :1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "models" / "sprites"))
    parser.add_argument("--n", type=int, default=500)
    parser.add_argument("--data-dir")
    args = parser.parse_args()
    sprites = Sprites(SpriteSheets.load(sprites_dir(args.data_dir, "flow_layering")), "val")
    scene = open_bundle(args.model)
    rng = np.random.default_rng(1)
    scores: dict[str, list[np.ndarray]] = {}
    drawn = 0
    while drawn < args.n:
        ex = sprites.random_analogies(rng, min(250, args.n - drawn))
        keep = (ex.b_p != ex.b_q).any(axis=(1, 2, 3))
        flow = backward_flow(ex.a_p, ex.a_q, SPRITES_PRESET)
        colour = sample_nearest(ex.b_p, flow)
        character = scene.encode_character(ex.b_p)
        still = scene.character_layer(character, scene.motion(character, character))[1]  # B_p's own alpha
        alpha = moved(still, flow)
        plate = scene.plate(scene.encode_background(ex.b_p))
        true_alpha = moved((np.abs(ex.b_p - ex.background).sum(axis=1, keepdims=True) > 0).astype(np.float32), flow)
        analogy = scene.h(ex.b_p, ex.a_p, ex.a_q, ex.b_p)
        own = clean_matte(still)
        frame = own * plate + (1 - own) * ex.b_p
        predictions = {"flow transfer": colour, "flow over the plate": alpha * colour + (1 - alpha) * plate,
                       "flow over the frame": alpha * colour + (1 - alpha) * frame,
                       "true alpha over the plate": true_alpha * colour + (1 - true_alpha) * plate,
                       "true alpha, true ground": true_alpha * colour + (1 - true_alpha) * ex.background,
                       "the model": analogy, "the model, as drawn": scene.drawn_h(ex.b_p, ex.a_p, ex.a_q, ex.b_p)}
        for name, prediction in predictions.items():
            scores.setdefault(name, []).append(psnr_from_mse(per_example_mse(prediction[keep], ex.b_q[keep])))
        drawn += len(ex.b_p)
    for name, parts in scores.items():
        mean, half_width = mean_ci95(np.concatenate(parts))
        print(f"{name:28s} {mean:6.2f} ± {half_width:.2f} dB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
