"""The paper's sprite evaluation (section 4.4, Figures 6, 7 and 9): analogy reconstruction of
unseen test characters over unseen test backgrounds (``training.data.sprites``).

Each example takes two different test characters A and B, one animation row (an animation and a
direction) and two distinct frames p and q of it; A is drawn over one test background and B over
another (``Sprites.random_analogies``). Compared with the true B_q:

    Analogy                  h(x_c = B_p, x_t1 = A_p, x_t2 = A_q, x_b = B_p)
    Analogy, as drawn        the same as the workstation draws it at the model's square, crisp
                             (a bundle only: its engine's ``drawn_h``): the character under the
                             matte rule, a format 3 character's own pixels on the square's grid,
                             over B_p itself with the plate only where B_p's character was
    Baseline: Copy           B_p itself
    Baseline: No object      B's background alone
    Baseline: Flow transfer  B_p moved by optical flow from A_q back to A_p (``flow_baseline``)

Errors per example, on [0, 1] intensities: the per-pixel MSE (and the PSNR from it), and the sum of
squared errors over every pixel and channel, split into the background only (outside B_q's mask:
its alpha > 0) and the character only (inside it), so background + character = all. The paper's
28.5 (background-only) and 79.0 (character-only) read as such sums on its 60x60 images: that is
the unit of Reed et al.'s sprite analogies, which its Figure 6 compares against, and as sums the
two parts add up to "Analogy", which is how the paper argues that the character dominates. Our
images are 64x64: every sum is also given scaled by (60/64)^2, the ``_60`` fields. Without
backgrounds (``backgrounds=False``) every frame, and the "background alone", is the flat grey
canvas: the paper's "Ours-BG" setting.

Examples are drawn in batches of ``BATCH`` from ``seed``, so the first k of any run are the same;
an example whose B_p and B_q are the same picture (a held pose) is redrawn, as its copy baseline
would be perfect. A layered model also gets the IoU of its analogy's alpha (>= 0.5) against B_q's
mask. The model is reached through ``SceneFunctions``, so bundles and checkpoints run the same code.

The analogy, the copy and the flow transfer also get their sharpness: the mean gradient magnitude
inside B_q's mask (its alpha > 0, from the sheets), prediction over truth
(``metrics.per_example_sharpness``; 1.0 is as sharp as the art).
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from training.data.sprites import ANIMATIONS, Analogies, Sprites, SpriteSheets
from training.evaluation import sprite_figures
from training.evaluation.flow_baseline import SPRITES_PRESET, flow_transfer
from training.evaluation.manipulation import LayeredSceneFunctions, SceneFunctions, draws_by_field, h, is_layered
from training.evaluation.metrics import (
    mask_iou,
    mean_ci95,
    per_example_mse,
    per_example_sharpness,
    per_example_sse,
    psnr_from_mse,
)

FLOW = "Baseline: Flow transfer"
DRAWN = "Analogy, as drawn"
METHODS = ("Analogy", DRAWN, "Baseline: Copy", "Baseline: No object", FLOW)  # DRAWN for bundles only
ANALOGIES = ("Analogy", DRAWN)
SHARPNESS = ("Analogy", DRAWN, FLOW, "Baseline: Copy")  # inside B_q's mask, the background alone says nothing
ERRORS = ("mse", "sse", "background_sse", "character_sse")
SUMS = ("sse", "background_sse", "character_sse")
ALL = "all"  # the group of every example, beside one group per animation
BATCH = 250
PAPER_SIDE = 60  # the paper's sprites are 60x60
# The paper's figures with backgrounds (section 4.4's text; Figures 6, 7 and 9 give no numbers).
PAPER_CHARACTER_ONLY = {ALL: 79.0, "slash": 83.3, "spellcast": 73.3}
PAPER_BACKGROUND_ONLY = {ALL: 28.5}


def paper_scale(image_size: int) -> float:
    """What turns a per-image sum at ``image_size`` into one on the paper's 60x60 images."""
    return (PAPER_SIDE / image_size) ** 2


def example_errors(prediction: np.ndarray, target: np.ndarray, character_mask: np.ndarray,
                   sharpness: bool = False) -> dict[str, np.ndarray]:
    """Per example: MSE, and the sums of squared errors over all pixels, outside ``character_mask``
    (the background only) and inside it (the character only); with ``sharpness``, that too."""
    errors = {"mse": per_example_mse(prediction, target),
              "sse": per_example_sse(prediction, target),
              "background_sse": per_example_sse(prediction, target, ~character_mask),
              "character_sse": per_example_sse(prediction, target, character_mask)}
    if sharpness:
        errors["sharpness"] = per_example_sharpness(prediction, target, character_mask)
    return errors


def analogy(scene: SceneFunctions, examples: Analogies) -> np.ndarray:
    """B_q as the model predicts it: B_p moved as A moved from frame p to frame q."""
    return h(scene, examples.b_p, examples.a_p, examples.a_q, examples.b_p)


def method_errors(scene: SceneFunctions | None, examples: Analogies) -> dict[str, dict[str, np.ndarray]]:
    """``example_errors`` of each method (the analogy when ``scene`` is given) against B_q."""
    predictions = {"Analogy": analogy(scene, examples)} if scene is not None else {}
    drawn = getattr(scene, "drawn_h", None)
    if drawn is not None:
        predictions[DRAWN] = np.asarray(drawn(examples.b_p, examples.a_p, examples.a_q, examples.b_p))
    predictions["Baseline: Copy"] = examples.b_p
    predictions["Baseline: No object"] = examples.background
    predictions[FLOW] = flow_transfer(examples.b_p, examples.a_p, examples.a_q, SPRITES_PRESET)
    return {name: example_errors(prediction, examples.b_q, examples.b_q_mask, sharpness=name in SHARPNESS)
            for name, prediction in predictions.items()}


def analogy_alpha_iou(layers: LayeredSceneFunctions, examples: Analogies) -> np.ndarray:
    """Per example: the IoU of the analogy's alpha (>= 0.5) with B_q's mask."""
    moved_from, moved_to = layers.encode_character(examples.a_p), layers.encode_character(examples.a_q)
    character = layers.encode_character(examples.b_p)
    if draws_by_field(layers):  # the whole field, parts and all
        alpha = layers.character_parts(character, layers.motion_fields(moved_from, moved_to, character)[0])[1]
    else:
        alpha = layers.character_layer(character, layers.motion(moved_from, moved_to))[1]
    return mask_iou(alpha, examples.b_q_mask)


def take(examples: Analogies, indices: np.ndarray) -> Analogies:
    """The examples at ``indices``."""
    return dataclasses.replace(
        examples, a_p=examples.a_p[indices], a_q=examples.a_q[indices], b_p=examples.b_p[indices],
        b_q=examples.b_q[indices], background=examples.background[indices], b_q_mask=examples.b_q_mask[indices],
        sequences=[examples.sequences[i] for i in indices])


def iter_analogies(dataset: Sprites, count: int, seed: int) -> Iterator[Analogies]:
    """``count`` analogy examples in batches (see the module docstring for how they are drawn)."""
    rng = np.random.default_rng(seed)
    drawn = 0
    while drawn < count:
        batch = dataset.random_analogies(rng, BATCH)
        moved = np.flatnonzero((batch.b_p != batch.b_q).any(axis=(1, 2, 3)))[: count - drawn]
        drawn += len(moved)
        yield take(batch, moved)


def collect(scene: SceneFunctions | None, batches: Iterator[Analogies]) -> tuple[dict, list[str], np.ndarray | None]:
    """Every example's errors by method, its animation, and (a layered model) its alpha IoU."""
    errors: dict[str, dict[str, list]] = {}
    animations: list[str] = []
    iou: list[np.ndarray] = []
    layers = scene if scene is not None and is_layered(scene) else None
    for batch in batches:
        for name, values in method_errors(scene, batch).items():
            for key, value in values.items():
                errors.setdefault(name, {}).setdefault(key, []).append(value)
        animations += [s.animation for s in batch.sequences]
        if layers is not None:
            iou.append(analogy_alpha_iou(layers, batch))
    joined = {name: {key: np.concatenate(parts) for key, parts in values.items()} for name, values in errors.items()}
    return joined, animations, np.concatenate(iou) if layers is not None else None


def _mean_ci(values: np.ndarray, scale: float = 1.0) -> tuple[float, float | None]:
    """The mean and its 95% half-width (None for a single example), times ``scale``."""
    mean, half_width = mean_ci95(values)
    return mean * scale, None if math.isnan(half_width) else half_width * scale


def summarize_errors(errors: dict[str, np.ndarray], image_size: int) -> dict[str, float | int | None]:
    """One method over one group of examples: PSNR, MSE and the three sums, each with its 95%
    interval, the sums also on the paper's 60x60 scale (``_60``); and its sharpness where measured
    (over the examples whose truth has any)."""
    row: dict[str, float | int | None] = {"examples": len(errors["mse"])}
    row["psnr"], row["psnr_ci95"] = _mean_ci(psnr_from_mse(errors["mse"]))
    for key in ERRORS:
        row[key], row[f"{key}_ci95"] = _mean_ci(errors[key])
    for key in SUMS:
        row[f"{key}_60"], row[f"{key}_60_ci95"] = _mean_ci(errors[key], paper_scale(image_size))
    if "sharpness" in errors:
        finite = errors["sharpness"][np.isfinite(errors["sharpness"])]
        row["sharpness"], row["sharpness_ci95"] = _mean_ci(finite) if len(finite) else (None, None)
    return row


def summarize(errors: dict[str, dict[str, np.ndarray]], animations: list[str], image_size: int) -> dict:
    """{group: {method: row}}: every example (``ALL``), then each animation that has examples."""
    names = np.asarray(animations)
    groups = {ALL: np.ones(len(names), bool)} | {animation: names == animation for animation in ANIMATIONS}
    return {group: {method: summarize_errors({k: v[chosen] for k, v in values.items()}, image_size)
                    for method, values in errors.items()}
            for group, chosen in groups.items() if chosen.any()}


def evaluate_sprites(scene: SceneFunctions | None, data_dir, examples: int = 2_000, seed: int = 0,
                     backgrounds: bool = True, image_size: int | None = None,
                     progress: Callable[[str], None] = print) -> dict[str, Any]:
    """The evaluation on ``examples`` test analogies (the baselines alone when ``scene`` is None)."""
    sheets = SpriteSheets.load(data_dir)
    size = scene.image_size if scene is not None else (image_size or 64)
    dataset = Sprites(sheets, "test", size, with_backgrounds=backgrounds)
    where = "over the test backgrounds" if backgrounds else "over a flat grey canvas"
    progress(f"evaluating {examples} sprite analogies of {len(dataset)} test characters {where} at {size}x{size}")
    errors, animations, iou = collect(scene, iter_analogies(dataset, examples, seed))
    groups = summarize(errors, animations, size)
    results: dict[str, Any] = {"dataset": "sprites", "backgrounds": backgrounds, "examples": examples, "seed": seed,
                     "image_size": size, "paper_scale": paper_scale(size), "animations": groups,
                     "psnr": {method: {key: row[key] for key in ("psnr", "psnr_ci95", "mse", "mse_ci95")}
                              for method, row in groups[ALL].items()},
                     "sharpness": {method: {"mean": row["sharpness"], "ci95": row["sharpness_ci95"]}
                                   for method, row in groups[ALL].items() if "sharpness" in row},
                     "flow_preset": SPRITES_PRESET}
    if iou is not None:
        results["alpha_iou"] = dict(zip(("mean", "ci95"), _mean_ci(iou)))
    return results


def _plus_minus(mean: float | None, half_width: float | None, digits: int) -> str:
    if mean is None:
        return ""
    return f"{mean:.{digits}f}" + (f" ± {half_width:.{digits}f}" if half_width is not None else "")


def _animations_then_all(groups: dict) -> list[tuple[str, dict]]:
    return [(group, rows) for group, rows in groups.items() if group != ALL] + [(ALL, groups[ALL])]


def _cell(row: dict, key: str, digits: int) -> str:
    return _plus_minus(row.get(key), row.get(f"{key}_ci95"), digits)


def format_table(results: dict) -> str:
    """The results as three tables, PSNR, the sums of squared errors beside the paper's figures,
    and the sharpness inside the character."""
    groups, methods = results["animations"], list(results["psnr"])
    setting = "test backgrounds" if results["backgrounds"] else "a flat grey canvas (the paper's Ours-BG setting)"
    size = results["image_size"]
    lines = [f"Sprites: {results['examples']} analogies of unseen test characters over {setting}, {size}x{size}, "
             f"seed {results['seed']}", "",
             f"{'PSNR (dB)':10s}{'n':>6s}" + "".join(f"{method.replace('Baseline: ', ''):>18s}" for method in methods)]
    for group, rows in _animations_then_all(groups):
        lines.append(f"{group:10s}{rows[methods[0]]['examples']:6d}"
                     + "".join(f"{_cell(rows[m], 'psnr', 2):>18s}" for m in methods))
    if FLOW in methods:
        lines.append(f"(flow transfer: B_p moved by DIS optical flow ({results['flow_preset']}) from A_q back to A_p)")
    paper = results["backgrounds"]  # the paper gives its sums with backgrounds only (Figure 9)
    baselines = [m for m in ("Baseline: Copy", "Baseline: No object", FLOW) if m in methods]
    lines += ["", f"Sum of squared errors per image, scaled by (60/{size})^2 to the paper's 60x60 images"
              + (" (paper: Figure 9 and section 4.4)" if paper else ""),
              f"{'':10s}" + "".join(f"{title:>16s}" for title in (
                  "analogy", "background-only", "paper", "character-only", "paper",
                  *(m.replace("Baseline: ", "").lower() for m in baselines)))]
    for name in [m for m in ANALOGIES if m in methods] or ["Analogy"]:
        if name == DRAWN:
            lines.append("as drawn by the workstation (crisp, at the model's square):")
        for group, rows in _animations_then_all(groups):
            analogy_row = rows.get(name, {})
            cells = [_cell(analogy_row, "sse_60", 1), _cell(analogy_row, "background_sse_60", 1),
                     f"{PAPER_BACKGROUND_ONLY[group]:.1f}" if paper and group in PAPER_BACKGROUND_ONLY else "",
                     _cell(analogy_row, "character_sse_60", 1),
                     f"{PAPER_CHARACTER_ONLY[group]:.1f}" if paper and group in PAPER_CHARACTER_ONLY else "",
                     *(_cell(rows[m], "sse_60", 1) for m in baselines)]
            lines.append(f"{group:10s}" + "".join(f"{cell:>16s}" for cell in cells))
    lines.append(f"(our own {size}x{size} sums are these divided by {results['paper_scale']:.4f}: the JSON's "
                 "sse, background_sse and character_sse)")
    sharp = [m for m in methods if "sharpness" in groups[ALL][m]]
    if sharp:
        lines += ["", "Sharpness inside B_q's mask: mean gradient magnitude, prediction over truth (1 = as sharp)",
                  f"{'':10s}" + "".join(f"{m.replace('Baseline: ', ''):>18s}" for m in sharp)]
        lines += [f"{group:10s}" + "".join(f"{_cell(rows[m], 'sharpness', 3):>18s}" for m in sharp)
                  for group, rows in _animations_then_all(groups)]
    if "alpha_iou" in results:
        iou = results["alpha_iou"]
        lines.append(f"Alpha IoU of the analogy vs B_q's mask: {_plus_minus(iou['mean'], iou['ci95'], 4)}")
    return "\n".join(lines)


def results_json(results: dict) -> str:
    """The results as the text of ``evaluate --dataset sprites --json``."""
    return json.dumps(results, indent=2) + "\n"


def figure_names() -> list[str]:
    """The files ``evaluate --dataset sprites --figures`` writes (training/evaluation/sprite_figures.py)."""
    return list(sprite_figures.FIGURES)


def write_figures(scene: SceneFunctions, results: dict, paths: dict[str, Path], data_dir) -> None:
    """Each of ``figure_names()`` to the path given for it (a claimed temporary)."""
    sprite_figures.write_figures(scene, results["backgrounds"], paths, data_dir)
