"""What the trainer measures on the validation split, and the sample grids it writes.

Validation draws the same examples whatever the run's seed (``VALIDATION_SEED``), so that runs
are compared on one set: the seeds a seed-0 run used before they were fixed, so its figures are
unchanged. Every dataset gets the reconstruction h(x1, x1, x2, x1) of 16 pairs and the spread of
T^Z; Moving MNIST adds the paper's two manipulations and the Transform's sharpness (and a layered
model the plate and alpha IoU); sprites add the paper's analogy on validation characters over validation backgrounds,
h(x_c = B_p, x_t1 = A_p, x_t2 = A_q, x_b = B_p) against the true B_q, and its sharpness (and a layered model the
plate against B's background and the analogy's alpha IoU with B_q's mask); own clips add two ways to
draw x2 with no model, on the same pairs (``peer_scores``). The full evaluation on test characters
is ``main.py evaluate --dataset sprites``.
"""

from __future__ import annotations

import numpy as np
import torch

from training.data.clips import ClipPairs
from training.data.mmnist import MovingMNIST
from training.data.sprites import Sprites
from training.evaluation.evaluate import Example, draw_examples, layer_scores, manipulation_scores, summarize
from training.evaluation.flow_baseline import SPRITES_PRESET, flow_transfer
from training.evaluation.metrics import mask_iou, per_example_mse, per_example_sharpness, psnr_from_mse
from training.model.scene_functions import TorchScene
from training.model.scene_model import SceneModel

VALIDATION_SEED = 1


def manipulation_examples(val_data, count: int) -> list[Example]:
    """Moving MNIST's manipulation examples (it knows what a manipulated frame should be); none else."""
    return draw_examples(val_data, count, seed=VALIDATION_SEED) if isinstance(val_data, MovingMNIST) else []


def validation_pairs(val_data, count: int, device) -> tuple[torch.Tensor, torch.Tensor]:
    x1, x2 = val_data.random_pairs(np.random.default_rng(VALIDATION_SEED + 1), count)
    return torch.from_numpy(x1).to(device), torch.from_numpy(x2).to(device)


def validation_scores(model: SceneModel, val_data, examples: list[Example], count: int, device) -> dict[str, float]:
    """The val_* columns of metrics.csv, in PSNR (and alpha IoU, theta spread)."""
    x1, x2 = validation_pairs(val_data, 16, device)
    with torch.inference_mode():
        prediction = model(x1, x1, x2, x1)
        theta = model.motion(model.encoder_character(x1), model.encoder_character(x2))
    mse = ((prediction - x2) ** 2).flatten(1).mean(1).clamp_min(1e-10)
    scores = {"val_reconstruction_psnr": float((10 * torch.log10(1 / mse)).mean()),
              # near 0 while T^Z answers every pair with the same transform: motion not yet learnt
              "val_theta_spread": float(theta.float().std(0).mean())}
    if isinstance(val_data, ClipPairs):
        scores.update(peer_scores(prediction, x1, x2))
    scene = TorchScene(model, device)
    if examples:
        errors, sharpness = manipulation_scores(scene, val_data, examples, transform_baselines=False)
        summary = summarize(errors)
        scores["val_background_psnr"] = summary["Background manipulation"]["psnr"]
        scores["val_transform_psnr"] = summary["Transform manipulation"]["psnr"]
        scores["val_transform_sharpness"] = float(np.nanmean(sharpness["Transform manipulation"]))
        if model.layered:
            layers = layer_scores(scene, val_data, examples)
            scores["val_plate_psnr"] = summarize({"plate": layers["Plate vs true background"]})["plate"]["psnr"]
            scores["val_alpha_iou"] = float(layers["Alpha IoU"].mean())
    if isinstance(val_data, Sprites):
        scores.update(sprite_scores(scene, val_data, count))
    return scores


def peer_scores(prediction: torch.Tensor, x1: torch.Tensor, x2: torch.Tensor) -> dict[str, float]:
    """val_model_psnr, val_copy_psnr, val_flow_psnr: the model's reconstruction of x2 beside two ways
    to draw it with no model, from the same frames: Copy (x1 as it is) and the optical-flow transfer
    (x1's pixels moved by the flow from x1 to x2: ``flow_transfer`` given the arguments of the
    model's h(x1, x1, x2, x1), at the sprites' preset). Each is the PSNR of all the pairs' pixels
    together: in a mean of per-pair PSNRs, one held frame (an animation on twos), which Copy draws
    perfectly, would outweigh every other pair."""
    first, second = x1.float().cpu().numpy(), x2.float().cpu().numpy()
    drawings = {"model": prediction.float().cpu().numpy(), "copy": first,
                "flow": flow_transfer(first, first, second, SPRITES_PRESET)}
    return {f"val_{name}_psnr": float(psnr_from_mse(per_example_mse(drawing, second).mean()))
            for name, drawing in drawings.items()}


def sprite_scores(scene: TorchScene, data: Sprites, count: int) -> dict[str, float]:
    """val_analogy_psnr, and for a layered model val_plate_psnr and val_alpha_iou, on ``count`` analogies."""
    examples = data.random_analogies(np.random.default_rng(VALIDATION_SEED), count)
    target_character = scene.encode_character(examples.b_p)
    theta = scene.motion(scene.encode_character(examples.a_p), scene.encode_character(examples.a_q))
    background = scene.encode_background(examples.b_p)
    analogy = scene.render(target_character, theta, background, examples.b_p)
    scores = {"val_analogy_psnr": float(psnr_from_mse(per_example_mse(analogy, examples.b_q)).mean()),
              "val_analogy_sharpness": float(np.nanmean(per_example_sharpness(analogy, examples.b_q,
                                                                              examples.b_q_mask)))}
    if scene.layered:
        _, alpha = scene.character_layer(target_character, theta)
        scores["val_plate_psnr"] = float(psnr_from_mse(per_example_mse(scene.plate(background),
                                                                       examples.background)).mean())
        scores["val_alpha_iou"] = float(mask_iou(alpha, examples.b_q_mask).mean())
    return scores


def sample_grid(model: SceneModel, val_data, count: int, device) -> np.ndarray:
    """uint8 RGB [H, W, 3]: a row per validation pair; columns x1, x2, the reconstruction
    h(x1, x1, x2, x1), then the plate, the character alone and its alpha (layered; and the
    visibility of a model that draws characters from their own pixels), or what the
    renderer makes of the background alone and of the placed character alone (summed)."""
    x1, x2 = validation_pairs(val_data, count, device)
    model = model.eval()
    with torch.inference_mode():
        fc1, fc2 = model.encoder_character(x1), model.encoder_character(x2)
        theta = model.motion(fc1, fc2)
        fb1 = model.encoder_background(x1)
        columns = [x1, x2, model.render(fc1, theta, fb1, source=x1)]
        if model.layered:
            rgb, alpha, visibility = model.character_parts(fc1, theta)
            colour = rgb if visibility is None else model.colour_of(  # as the frame shows it
                rgb, visibility, model.source_field(fc1, theta), x1)
            columns += [model.plate(fb1), colour * alpha, alpha.expand_as(rgb)]
            if visibility is not None:  # where the colour is the source's own pixels
                columns.append(visibility.expand_as(rgb))
        else:
            columns += [model.renderer(fb1), model.renderer(model.place(fc1, theta))]
    grid = torch.cat([torch.cat(list(column), dim=1) for column in columns], dim=2)
    return (grid.clamp(0, 1).permute(1, 2, 0).float().cpu().numpy() * 255).round().astype(np.uint8)
