"""What the trainer measures on validation sprites (training/data/sprites.py), besides the
reconstruction every dataset gets: the paper's analogy on validation characters over validation
backgrounds, h(x_c = B_p, x_t1 = A_p, x_t2 = A_q, x_b = B_p) against the true B_q, in PSNR; and
for a layered model the plate against B's true background (PSNR) and the IoU of the analogy's
character alpha (>= 0.5) with B_q's true mask (the sheets' alpha > 0). The same examples every
time (one seed), so the scores of a run are comparable from one validation to the next.
The full evaluation on test characters is ``main.py evaluate --dataset sprites``.
"""

from __future__ import annotations

import numpy as np

from training.data.sprites import Sprites
from training.evaluate import SceneFunctions
from training.metrics import per_example_mse, psnr_from_mse


def sprite_scores(scene: SceneFunctions, data: Sprites, count: int, seed: int) -> dict[str, float]:
    examples = data.random_analogies(np.random.default_rng(seed), count)
    target_character = scene.encode_character(examples.b_p)
    theta = scene.motion(scene.encode_character(examples.a_p), scene.encode_character(examples.a_q))
    background = scene.encode_background(examples.b_p)
    analogy = scene.render(target_character, theta, background)
    scores = {"val_analogy_psnr": float(psnr_from_mse(per_example_mse(analogy, examples.b_q)).mean())}
    if getattr(scene, "layered", False):
        plate = scene.plate(background)  # type: ignore[attr-defined]
        _, alpha = scene.character_layer(target_character, theta)  # type: ignore[attr-defined]
        drawn = alpha[:, 0] >= 0.5
        union = (drawn | examples.b_q_mask).sum(axis=(1, 2))
        iou = (drawn & examples.b_q_mask).sum(axis=(1, 2)) / np.maximum(union, 1)
        scores["val_plate_psnr"] = float(psnr_from_mse(per_example_mse(plate, examples.background)).mean())
        scores["val_alpha_iou"] = float(iou.mean())
    return scores
