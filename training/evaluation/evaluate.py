"""The paper's evaluation on Moving MNIST with backgrounds (sections 4.3 and 4.6).

Manipulations, on unseen test digits over unseen test backgrounds. For each example two videos
(1 and 2) and one pair of distinct positions (i, j) whose frames in video 1 differ:

    Transform manipulation   h(x2_i, x1_i, x1_j, x2_i)  vs  digit 2 moved as 1 moved i -> j, on bg 2
    Background manipulation  h(x1_i, x1_i, x1_j, x2_j)  vs  digit 1 at pose j on background 2
    Video frames (baseline)  x1_i vs x1_j
    No object (baseline)     x1_i vs its background alone
    Flow transfer (baseline) x2_i moved by optical flow from x1_j back to x1_i (``flow_baseline``)
                             vs the Transform manipulation's truth
    Copy (baseline)          x2_i itself vs the Transform manipulation's truth

The Transform manipulation and its two baselines also get their sharpness against its truth:
the mean gradient magnitude inside the moved digit's ink (the data's ``ink_mask`` of digit 2 at
its moved pose), prediction over truth (``metrics.per_example_sharpness``).

The T^Z analysis gathers many frame pairs of one fixed digit on one fixed background and compares
the learnt theta with the true transform T^X = [R | centre displacement]: r^2 of a linear
regression T^X -> T^Z, and the SVD rotation angle of T^Z against the true angle.

The model is reached through ``SceneFunctions``: the four graphs of a model bundle, on numpy. The
data is drawn at the model's own ``image_size`` (64, 128 or 256: the 64-pixel canvas scaled up).
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from training.data.mmnist import VIDEO_LENGTH, MovingMNIST, Pose, Video, relative_transform
from training.data.mnist import load_labels
from training.evaluation.figures import layers_figure, manipulations_figure, save_rgb, scatter_plot
from training.evaluation.flow_baseline import DIGITS_PRESET, flow_transfer
from training.evaluation.manipulation import SceneFunctions, h, is_layered
from training.evaluation.metrics import (
    mask_iou,
    mean_ci95,
    per_example_mse,
    per_example_sharpness,
    psnr_from_mse,
    r2_score,
    svd_rotation_angle,
)

MANIPULATIONS = ("Background manipulation", "Transform manipulation")
BASELINES = ("Baseline: Video frames", "Baseline: No object")
FLOW, COPY = "Baseline: Flow transfer", "Baseline: Copy"
TRANSFORM_BASELINES = (FLOW, COPY)  # predictions of the Transform manipulation's truth without a model
PAPER_PSNR = {
    "Background manipulation": (22.920, 0.033),
    "Transform manipulation": (18.912, 0.051),
    "Baseline: Video frames": (18.993, 0.319),
    "Baseline: No object": (18.609, 0.060),
}
PAPER_R2 = {5: 0.992, 8: 0.993}


@dataclass(frozen=True)
class Example:
    first: Video
    second: Video
    i: int
    j: int


def iter_examples(dataset: MovingMNIST, count: int, seed: int) -> Iterator[Example]:
    """``count`` examples, drawn one at a time (a million take no memory to speak of)."""
    rng = np.random.default_rng(seed)
    drawn = 0
    while drawn < count:
        first, second = dataset.random_video(rng), dataset.random_video(rng)
        i, j = (int(k) for k in rng.choice(VIDEO_LENGTH, size=2, replace=False))
        if first.poses[i] == first.poses[j]:
            continue  # the Video frames baseline needs non-identical frames
        drawn += 1
        yield Example(first, second, i, j)


def draw_examples(dataset: MovingMNIST, count: int, seed: int) -> list[Example]:
    return list(iter_examples(dataset, count, seed))


def _example_images(dataset: MovingMNIST, batch: list[Example]) -> dict[str, np.ndarray]:
    images: dict[str, list] = {k: [] for k in ("x1_i", "x1_j", "x2_i", "x2_j", "bg1", "true_transform",
                                               "transform_mask", "true_background")}
    for ex in batch:
        images["x1_i"].append(dataset.frame(ex.first, ex.i))
        images["x1_j"].append(dataset.frame(ex.first, ex.j))
        images["x2_i"].append(dataset.frame(ex.second, ex.i))
        images["x2_j"].append(dataset.frame(ex.second, ex.j))
        images["bg1"].append(dataset.render(None, None, ex.first.background))
        start, end = ex.first.poses[ex.i], ex.first.poses[ex.j]
        moved = ex.second.poses[ex.i].moved(end.angle - start.angle, end.cx - start.cx, end.cy - start.cy)
        images["true_transform"].append(dataset.render(ex.second.digit, moved, ex.second.background))
        images["transform_mask"].append(dataset.ink_mask(ex.second.digit, moved))
        images["true_background"].append(dataset.render(ex.first.digit, end, ex.second.background))
    return {k: np.stack(v) for k, v in images.items()}


def manipulation_scores(scene: SceneFunctions | None, dataset: MovingMNIST, examples: Iterable[Example],
                        batch_size: int = 250, transform_baselines: bool = True
                        ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Per example: the MSE of each manipulation (when ``scene`` is given) and each of the paper's
    baselines, and the Transform manipulation's sharpness; with ``transform_baselines`` the MSE and
    sharpness of the flow transfer and copy too."""
    extra = TRANSFORM_BASELINES if transform_baselines else ()
    names = (MANIPULATIONS if scene is not None else ()) + BASELINES + extra
    errors: dict[str, list] = {name: [] for name in names}
    sharpness: dict[str, list] = {name: [] for name in names if name in ("Transform manipulation", FLOW, COPY)}
    examples = iter(examples)
    while batch := list(itertools.islice(examples, batch_size)):
        x = _example_images(dataset, batch)
        transforms = {}
        if scene is not None:
            background = h(scene, x["x1_i"], x["x1_i"], x["x1_j"], x["x2_j"])
            transforms["Transform manipulation"] = h(scene, x["x2_i"], x["x1_i"], x["x1_j"], x["x2_i"])
            errors["Background manipulation"].append(per_example_mse(background, x["true_background"]))
        errors["Baseline: Video frames"].append(per_example_mse(x["x1_i"], x["x1_j"]))
        errors["Baseline: No object"].append(per_example_mse(x["x1_i"], x["bg1"]))
        if transform_baselines:
            transforms[FLOW] = flow_transfer(x["x2_i"], x["x1_i"], x["x1_j"], DIGITS_PRESET)
            transforms[COPY] = x["x2_i"]
        for name, prediction in transforms.items():
            errors[name].append(per_example_mse(prediction, x["true_transform"]))
            if name in sharpness:
                sharpness[name].append(per_example_sharpness(prediction, x["true_transform"], x["transform_mask"]))
    return ({name: np.concatenate(values) for name, values in errors.items()},
            {name: np.concatenate(values) for name, values in sharpness.items()})


def manipulation_mse(scene: SceneFunctions | None, dataset: MovingMNIST, examples: Iterable[Example],
                     batch_size: int = 250) -> dict[str, np.ndarray]:
    """Per-example MSE of each manipulation (when ``scene`` is given) and each of the paper's
    baselines: what validation scores."""
    return manipulation_scores(scene, dataset, examples, batch_size, transform_baselines=False)[0]


def layer_scores(scene: SceneFunctions, dataset: MovingMNIST, examples: Iterable[Example],
                 batch_size: int = 250) -> dict[str, np.ndarray]:
    """Per example, from frame i of its first video: the MSE of the plate against the true
    background behind it and, for a layered model, the IoU of the character's alpha (>= 0.5, the
    character placed by the identity motion) against the true ink mask. A summed model's plate is
    g(f_b) alone (what Figure 10 shows for it)."""
    plate_mse, iou = [], []
    examples = iter(examples)
    while batch := list(itertools.islice(examples, batch_size)):
        frames = np.stack([dataset.frame(ex.first, ex.i) for ex in batch])
        truth = np.stack([dataset.render(None, None, ex.first.background) for ex in batch])
        background = scene.encode_background(frames)
        if not is_layered(scene):
            character = np.zeros_like(background)
            plate_mse.append(per_example_mse(scene.render(character, scene.motion(character, character), background),
                                             truth))
            continue
        ink = np.stack([dataset.ink_mask(ex.first.digit, ex.first.poses[ex.i]) for ex in batch])
        character = scene.encode_character(frames)
        _, alpha = scene.character_layer(character, scene.motion(character, character))
        plate_mse.append(per_example_mse(scene.plate(background), truth))
        iou.append(mask_iou(alpha, ink))
    scores = {"Plate vs true background": np.concatenate(plate_mse)}
    if iou:
        scores["Alpha IoU"] = np.concatenate(iou)
    return scores


def summarize(mse: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    summary = {}
    for name, values in mse.items():
        psnr, psnr_ci = mean_ci95(psnr_from_mse(values))
        mean_mse, mse_ci = mean_ci95(values)
        summary[name] = {"psnr": psnr, "psnr_ci95": psnr_ci, "mse": mean_mse, "mse_ci95": mse_ci}
    return summary


def summarize_sharpness(sharpness: dict[str, np.ndarray]) -> dict[str, dict[str, float | int | None]]:
    """Each method's mean sharpness over the examples whose truth has any, with its 95% interval
    (None for a single example)."""
    summary: dict[str, dict[str, float | int | None]] = {}
    for name, values in sharpness.items():
        finite = values[np.isfinite(values)]
        mean, half_width = mean_ci95(finite) if len(finite) else (math.nan, math.nan)
        summary[name] = {"mean": None if math.isnan(mean) else mean,
                         "ci95": None if math.isnan(half_width) else half_width, "examples": int(len(finite))}
    return summary


def motion_analysis(scene: SceneFunctions, dataset: MovingMNIST, digit: int, pairs: int,
                    seed: int, background: int = 0) -> dict:
    """T^Z against T^X over ``pairs`` unique ordered frame pairs of one digit on one background."""
    rng = np.random.default_rng(seed)
    true: list[np.ndarray] = []
    learnt: list[np.ndarray] = []
    seen: set[tuple[Pose, Pose]] = set()
    while len(true) < pairs:
        video = dataset.random_video(rng, digit=digit, background=background)
        features = scene.encode_character(dataset.frames(video))
        index_from, index_to = [], []
        for i in range(VIDEO_LENGTH):
            for j in range(VIDEO_LENGTH):
                key = (video.poses[i], video.poses[j])
                if i == j or video.poses[i] == video.poses[j] or key in seen:
                    continue
                seen.add(key)
                index_from.append(i)
                index_to.append(j)
                true.append(relative_transform(video.poses[i], video.poses[j]))
        if index_from:
            learnt.append(scene.motion(features[index_from], features[index_to]))
    true_x = np.stack(true)[:pairs]
    learnt_z = np.concatenate(learnt)[:pairs]
    true_angle = np.degrees(np.arctan2(-true_x[:, 1, 0], true_x[:, 0, 0]))
    learnt_angle = svd_rotation_angle(learnt_z)
    slope, intercept = np.polyfit(true_angle, learnt_angle, 1)
    return {
        "pairs": int(len(true_x)),
        "r2": r2_score(true_x.reshape(len(true_x), -1), learnt_z.reshape(len(learnt_z), -1)),
        "angle_correlation": float(np.corrcoef(true_angle, learnt_angle)[0, 1]),
        "angle_slope": float(slope),
        "angle_intercept": float(intercept),
        "true_angle": true_angle,
        "learnt_angle": learnt_angle,
    }


def first_digit_with_label(labels: np.ndarray, label: int) -> int:
    return int(np.flatnonzero(labels == label)[0])


def evaluation_split(scene: SceneFunctions | None, data_dir: str | Path) -> MovingMNIST:
    """The test split drawn at the model's image size (64 without a model)."""
    size = scene.image_size if scene is not None else None
    return MovingMNIST.from_mnist_dir(data_dir, "test", *([size] if size else []))


def evaluate(scene: SceneFunctions, data_dir: str | Path, examples: int = 10_000,
             analysis_pairs: int = 40_000, seed: int = 0, progress: Callable[[str], None] = print) -> dict[str, Any]:
    dataset = evaluation_split(scene, data_dir)
    progress(f"evaluating {examples} test examples at {dataset.image_size}x{dataset.image_size}")
    mse, sharpness = manipulation_scores(scene, dataset, iter_examples(dataset, examples, seed))
    psnr = summarize(mse)
    results: dict[str, Any] = {"examples": examples, "seed": seed, "image_size": dataset.image_size, "psnr": psnr,
                               "sharpness": summarize_sharpness(sharpness), "flow_preset": DIGITS_PRESET}
    progress(f"the layers of {examples} test examples: the plate against the true background"
             + (", alpha against the ink" if is_layered(scene) else ""))
    scores = layer_scores(scene, dataset, iter_examples(dataset, examples, seed))
    psnr.update(summarize({"Plate vs true background": scores["Plate vs true background"]}))
    if "Alpha IoU" in scores:
        iou, iou_ci = mean_ci95(scores["Alpha IoU"])
        results["alpha_iou"] = {"mean": iou, "ci95": iou_ci}
    labels = load_labels(data_dir, "test")
    results["motion_analysis"] = {}
    for label in PAPER_R2:
        progress(f"T^Z analysis on digit {label}: {analysis_pairs} frame pairs")
        results["motion_analysis"][str(label)] = motion_analysis(
            scene, dataset, first_digit_with_label(labels, label), analysis_pairs, seed + label)
    return results


def format_table(results: dict) -> str:
    sharpness = results.get("sharpness", {})
    lines = [f"{'':26s} {'PSNR (dB)':>18s}   {'paper':>16s}   {'MSE':>9s}"
             + (f"   {'sharpness':>15s}" if sharpness else ""),]
    for name, row in results["psnr"].items():
        paper = PAPER_PSNR.get(name)
        paper_text = f"{paper[0]:.3f} ± {paper[1]:.3f}" if paper else ""
        sharp = f"   {_plus_minus(sharpness[name]['mean'], sharpness[name]['ci95']):>15s}" if name in sharpness else ""
        lines.append(f"{name:26s} {row['psnr']:9.3f} ± {row['psnr_ci95']:.3f}   {paper_text:>16s}"
                     f"   {row['mse']:9.5f}{sharp}")
    if FLOW in results["psnr"]:
        lines.append(f"({FLOW.removeprefix('Baseline: ')} and {COPY.removeprefix('Baseline: ')} predict the "
                     "Transform manipulation's truth:")
        lines.append(f" x2_i moved by DIS optical flow ({results['flow_preset']}) from x1_j back to x1_i, "
                     "and x2_i as it is)")
    if sharpness:
        lines.append("(sharpness: the mean gradient magnitude inside the moved digit's ink, prediction over truth; "
                     "1 is as sharp as the truth)")
    if "alpha_iou" in results:
        lines.append(f"{'Alpha IoU vs true ink':26s} {results['alpha_iou']['mean']:9.4f} ± "
                     f"{results['alpha_iou']['ci95']:.4f}   (alpha >= 0.5 against the digit's ink mask)")
    for label, row in results.get("motion_analysis", {}).items():
        lines.append(f"T^Z digit {label}: r^2 {row['r2']:.4f} (paper {PAPER_R2[int(label)]}), "
                     f"SVD angle vs true angle: correlation {row['angle_correlation']:.4f}, "
                     f"slope {row['angle_slope']:.3f}, over {row['pairs']} pairs")
    return "\n".join(lines)


def _plus_minus(mean: float | None, half_width: float | None) -> str:
    if mean is None:
        return "-"
    return f"{mean:.3f}" + (f" ± {half_width:.3f}" if half_width is not None else "")


def without_arrays(results: dict) -> dict:
    """The results as JSON can hold them: the per-pair angle arrays are left out."""
    if isinstance(results, dict):
        return {k: without_arrays(v) for k, v in results.items() if not isinstance(v, np.ndarray)}
    return results


def results_json(results: dict) -> str:
    """The results as the text of ``evaluate --json``."""
    return json.dumps(without_arrays(results), indent=2) + "\n"


FIGURES = ("manipulations.png", "layers.png")


def figure_names() -> list[str]:
    """The files ``evaluate --figures`` writes: the T^Z scatter of each analysed digit, Figures 2 and 10."""
    return [f"tz_angle_digit{label}.png" for label in PAPER_R2] + list(FIGURES)


def write_figures(scene: SceneFunctions, results: dict, paths: dict[str, Path], data_dir) -> None:
    """Each of ``figure_names()`` to the path given for it (a claimed temporary)."""
    for label, analysis in results["motion_analysis"].items():
        save_rgb(scatter_plot(analysis["true_angle"], analysis["learnt_angle"], "true angle (degrees)",
                              "SVD angle of T^Z (degrees)",
                              f"digit {label}: r^2 {analysis['r2']:.3f}, {analysis['pairs']} pairs"),
                 paths[f"tz_angle_digit{label}.png"])
    test = evaluation_split(scene, data_dir)
    for name, figure in zip(FIGURES, (manipulations_figure, layers_figure)):
        save_rgb(figure(scene, test), paths[name])
