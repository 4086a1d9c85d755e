"""The levels of the matte rule (workstation/render/matte.py), chosen on the validation splits of
both shipped layered models, through the bundle as the workstation runs it (``Engine``), against
the true masks. Never on test. Needs the training extra (the validation examples are drawn
by the training code).

    python scripts/matte_sweep.py --n 400 --json docs/results/matte.json --figure docs/results/matte.png

Examples, the ones the evaluations' alpha IoU uses, on validation (the same seed as training's
validation, so "no rule" reproduces its ``val_alpha_iou``):

- digits (``assets/models/demo``): a Moving MNIST validation frame's character placed by the
  identity motion, against the digit's ink mask;
- sprites (``assets/models/sprites``): validation character B's frame p moved as character A moves
  from p to q (the sprite demo's case), against B's mask in frame q.

The summed model (``assets/models/summed``), which has no alpha of its own, is checked on the same
digits (its views' coverage, where the frame departs from the shot without the character, with and
without the rule) but takes no part in the choice.

Each rule (``clean_matte(alpha, low, high)``: the hysteresis and ramp of matte.py; low == high is
a threshold) is scored per example by the hard IoU (alpha >= 0.5 against the mask), the soft IoU
(sum(min(a, m)) / sum(max(a, m)), which rewards exact 0 and 1), the fraction of pixels more than
2 px from the mask that are exactly 0 and the fraction of pixels inside it, eroded by 2 px, that
are exactly 1 (examples with no such pixel left out), both after rounding to 8 bits as an export
does. The choice: the widest ramp (high - low) whose soft IoU, the mean of the
two models', is within one standard error of the best rule's (the "one standard error" rule of
Hastie, Tibshirani and Friedman, The Elements of Statistical Learning, 2nd ed., section 7.10),
ties to the higher soft IoU: the softest edge the validation set cannot tell from the best.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402

from training.data.mmnist import MovingMNIST  # noqa: E402
from training.data.sprites import Sprites, sprites_dir  # noqa: E402
from training.evaluation.evaluate import draw_examples  # noqa: E402
from training.evaluation.figures import save_rgb  # noqa: E402
from training.evaluation.metrics import mean_ci95  # noqa: E402
from training.evaluation.validation import VALIDATION_SEED  # noqa: E402
from workstation.kernel.locations import asset_path, mnist_dir  # noqa: E402
from workstation.kernel.safe_write import output_file, write_json  # noqa: E402
from workstation.project import CharacterRequest, FrameRef, FrameRequest, Pose  # noqa: E402
from workstation.render import matte  # noqa: E402
from workstation.render.engine import Engine  # noqa: E402
from workstation.render.summed import departure_coverage  # noqa: E402

LEVELS = tuple(round(0.05 * k, 2) for k in range(1, 20))  # 0.05 ... 0.95
MARGIN = 2  # pixels: "away from the mask" is farther than this, "inside" is the mask eroded by this
SHOWN = 3  # examples of each model in the figure
ZOOM = 3


@dataclass(frozen=True)
class Examples:
    """One model's validation examples: its alpha and colour, the true mask, and the frame."""

    name: str
    frames: np.ndarray  # float32 [n, 3, S, S]: what the character was taken from
    rgb: np.ndarray  # float32 [n, 3, S, S]
    alpha: np.ndarray  # float32 [n, 1, S, S], the decoder's own
    mask: np.ndarray  # bool [n, S, S]


def digit_frames(data_dir: str | None, n: int, image_size: int) -> tuple[np.ndarray, np.ndarray]:
    """(frames [n, 3, S, S], ink masks [n, S, S]) of the validation examples of Moving MNIST."""
    data = MovingMNIST.from_mnist_dir(mnist_dir(data_dir, "matte_sweep", ("train-images-idx3-ubyte.gz",)), "val",
                                      image_size)
    examples = draw_examples(data, n, seed=VALIDATION_SEED)
    return (np.stack([data.frame(e.first, e.i) for e in examples]),
            np.stack([data.ink_mask(e.first.digit, e.first.poses[e.i]) for e in examples]))


def digit_examples(bundle: Path, data_dir: str | None, n: int) -> Examples:
    engine = Engine(bundle, prefer_cuda=False)
    frames, mask = digit_frames(data_dir, n, engine.image_size)
    character = engine.encode_character(frames)
    rgb, alpha = engine.character_layer(character, engine.motion(character, character))
    return Examples("digits", frames, rgb, alpha, mask)


def sprite_examples(bundle: Path, data_dir: str | None, n: int) -> Examples:
    engine = Engine(bundle, prefer_cuda=False)
    data = Sprites.from_dir(sprites_dir(data_dir, "matte_sweep"), "val", engine.image_size)
    examples = data.random_analogies(np.random.default_rng(VALIDATION_SEED), n)
    theta = engine.motion(engine.encode_character(examples.a_p), engine.encode_character(examples.a_q))
    rgb, alpha = engine.character_layer(engine.encode_character(examples.b_p), theta)
    return Examples("sprites", examples.b_p, rgb, alpha, examples.b_q_mask)


def summed_coverage(bundle: Path, frames: np.ndarray) -> np.ndarray:
    """The summed renderer's coverage [n, 1, S, S] of each frame's character as drawn, before the rule:
    where its views depart from the shot without the character (``departure_coverage``)."""
    engine = Engine(bundle, frames=lambda clip, frame: frames[int(clip)], prefer_cuda=False)
    clips = [FrameRef(str(k), 0) for k in range(len(frames))]  # a clip of one frame per example
    requests = [FrameRequest("validation", k, ref, (CharacterRequest(ref, None, Pose()),))
                for k, ref in enumerate(clips)]
    return departure_coverage(engine.render_view(requests, "both"), engine.render_view(requests, "empty"))


def regions(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(away, inside): pixels farther than MARGIN from ``mask`` [n, S, S], and the mask eroded by MARGIN."""
    kernel = np.ones((2 * MARGIN + 1, 2 * MARGIN + 1), np.uint8)
    away = np.stack([cv2.dilate(m.astype(np.uint8), kernel) == 0 for m in mask])
    inside = np.stack([cv2.erode(m.astype(np.uint8), kernel, borderValue=0) > 0 for m in mask])
    return away, inside


def per_example(alpha: np.ndarray, mask: np.ndarray, away: np.ndarray, inside: np.ndarray) -> dict[str, np.ndarray]:
    """Each measure per example, for ``alpha`` [n, 1, S, S] against ``mask`` [n, S, S]."""
    a, m = alpha[:, 0].astype(np.float64), mask.astype(np.float64)
    drawn = a >= 0.5
    exported = np.rint(np.clip(a, 0.0, 1.0) * 255.0)

    def fraction(hit: np.ndarray, region: np.ndarray) -> np.ndarray:  # NaN where the region is empty
        size = region.sum(axis=(1, 2))
        return np.where(size > 0, (hit & region).sum(axis=(1, 2)) / np.maximum(size, 1), np.nan)

    return {"hard_iou": (drawn & mask).sum(axis=(1, 2)) / np.maximum((drawn | mask).sum(axis=(1, 2)), 1),
            "soft_iou": np.minimum(a, m).sum(axis=(1, 2)) / np.maximum(np.maximum(a, m).sum(axis=(1, 2)), 1e-9),
            "zero_away": fraction(exported == 0, away),
            "one_inside": fraction(exported == 255, inside),
            "soft_pixels": ((exported > 0) & (exported < 255)).sum(axis=(1, 2)).astype(np.float64)}


def summary(scores: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """Each measure's mean and 95% interval over the examples where it is defined, and their count."""
    return {name: dict(zip(("mean", "ci95"), mean_ci95(values[~np.isnan(values)])), n=int((~np.isnan(values)).sum()))
            for name, values in scores.items()}


def sweep(models: list[Examples]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Every rule's scores on every model, and the chosen rule (see the module docstring)."""
    regions_of = {m.name: regions(m.mask) for m in models}
    rules: list[dict[str, Any]] = []
    soft: dict[tuple[float, float], list[np.ndarray]] = {}
    for low in LEVELS:
        for high in (h for h in LEVELS if h >= low):
            row: dict[str, Any] = {"low": low, "high": high}
            soft[low, high] = []
            for m in models:
                scores = per_example(matte.clean_matte(m.alpha, low, high), m.mask, *regions_of[m.name])
                row[m.name] = summary(scores)
                soft[low, high].append(scores["soft_iou"])
            row["soft_iou_both"] = float(np.mean([s.mean() for s in soft[low, high]]))
            rules.append(row)
    best = max(rules, key=lambda r: r["soft_iou_both"])
    parts = soft[best["low"], best["high"]]
    standard_error = float(np.sqrt(sum(p.var(ddof=1) / len(p) for p in parts)) / len(parts))
    near = [r for r in rules if r["soft_iou_both"] >= best["soft_iou_both"] - standard_error]
    chosen = max(near, key=lambda r: (round(r["high"] - r["low"], 6), r["soft_iou_both"]))
    return rules, {"best": {"low": best["low"], "high": best["high"], "soft_iou_both": best["soft_iou_both"]},
                   "standard_error": standard_error,
                   "chosen": {"low": chosen["low"], "high": chosen["high"], "soft_iou_both": chosen["soft_iou_both"]}}


def compact(rule: dict[str, Any], models: list[Examples]) -> dict[str, Any]:
    """A rule's row of the sweep with each measure's mean alone, for the JSON."""
    return {"low": rule["low"], "high": rule["high"], "soft_iou_both": round(rule["soft_iou_both"], 5),
            **{m.name: {key: round(value["mean"], 5) for key, value in rule[m.name].items()} for m in models}}


def print_table(title: str, rows: dict[str, dict[str, dict[str, float]]]) -> None:
    """A Markdown table of ``rows`` (rule -> ``summary``) under ``title``."""
    measures = (("hard_iou", "hard IoU", 4), ("soft_iou", "soft IoU", 4), ("zero_away", "exactly 0 away", 4),
                ("one_inside", "exactly 255 inside", 4), ("soft_pixels", "pixels neither", 1))
    print(f"\n{title}, mean ± 95% interval")
    print("| rule | " + " | ".join(name for _, name, _ in measures) + " |")
    print("| --- " * (len(measures) + 1) + "|")
    for rule, scores in rows.items():
        cells = [f"{scores[key]['mean']:.{digits}f} ± {scores[key]['ci95']:.{digits}f}" for key, _, digits in measures]
        print(f"| {rule} | " + " | ".join(cells) + " |")


# -- the picture -------------------------------------------------------------------------------------
def _grey(image: np.ndarray) -> np.ndarray:
    return np.repeat(image[..., None], 3, axis=2)


def _over(rgb: np.ndarray, alpha: np.ndarray, backdrop: np.ndarray) -> np.ndarray:
    return alpha[..., None] * rgb.transpose(1, 2, 0) + (1 - alpha[..., None]) * backdrop


COLUMNS = ("source frame", "true mask", "alpha", "after rule", "alpha x32", "after x32", "layer", "after rule")


def figure(models: list[Examples], low: float, high: float) -> np.ndarray:
    """uint8 RGB: a row per example; the frame the character is taken from, the true mask, the alpha
    before and after the rule, each again x32 (every pixel a game engine would keep is lit), and
    the character layer over a checkerboard before and after."""
    rows = []
    for m in models:
        size = m.alpha.shape[-1]
        yy, xx = np.mgrid[:size, :size]
        checker = _grey(np.where((yy // 8 + xx // 8) % 2 == 0, 0.85, 0.55))
        for k in range(SHOWN):
            raw = m.alpha[k, 0]
            clean = matte.clean_matte(m.alpha[k], low, high)[0]
            tiles = [m.frames[k].transpose(1, 2, 0), _grey(m.mask[k].astype(np.float32)), _grey(raw), _grey(clean),
                     _grey(np.minimum(np.rint(raw * 255) * 32 / 255, 1.0)),
                     _grey(np.minimum(np.rint(clean * 255) * 32 / 255, 1.0)),
                     _over(m.rgb[k], raw, checker), _over(m.rgb[k], clean, checker)]
            gap = np.ones((size, 2, 3))
            rows.append(np.concatenate([x for tile in tiles for x in (tile, gap)][:-1], axis=1))
    picture = np.concatenate([x for row in rows for x in (row, np.ones((2, row.shape[1], 3)))][:-1], axis=0)
    picture = cv2.resize(picture, None, fx=ZOOM, fy=ZOOM, interpolation=cv2.INTER_NEAREST)
    picture = np.rint(np.clip(picture, 0, 1) * 255).astype(np.uint8)
    header = np.full((24, picture.shape[1], 3), 255, np.uint8)
    tile = picture.shape[1] / len(COLUMNS)
    for k, title in enumerate(COLUMNS):
        cv2.putText(header, title, (int(k * tile) + 4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.45, (0, 0, 0), 1, cv2.LINE_AA)
    return np.concatenate([header, picture])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=400, help="validation examples per model (default 400)")
    parser.add_argument("--data-dir", help="the shared data folder (default: as `main.py evaluate` finds it)")
    parser.add_argument("--digits", type=Path, default=asset_path("models", "demo"), help="the digit bundle")
    parser.add_argument("--sprites", type=Path, default=asset_path("models", "sprites"), help="the sprite bundle")
    parser.add_argument("--summed", type=Path, default=asset_path("models", "summed"), help="the summed bundle")
    parser.add_argument("--json", type=Path, help="write every rule's scores and the choice here")
    parser.add_argument("--figure", type=Path, help="write the before/after picture here (PNG)")
    args = parser.parse_args(argv)
    models = [digit_examples(args.digits, args.data_dir, args.n), sprite_examples(args.sprites, args.data_dir, args.n)]
    rules, choice = sweep(models)
    by_rule = {(r["low"], r["high"]): r for r in rules}
    threshold = max((r for r in rules if r["low"] == r["high"]), key=lambda r: r["soft_iou_both"])
    chosen, best = choice["chosen"], choice["best"]
    rows = {"no rule (the decoder's alpha)": {m.name: summary(per_example(m.alpha, m.mask, *regions(m.mask)))
                                              for m in models},
            f"shipped: {matte.LOW}..{matte.HIGH}": {m.name: summary(per_example(
                matte.clean_matte(m.alpha), m.mask, *regions(m.mask))) for m in models},
            f"the ramp alone, no hysteresis: {matte.LOW}..{matte.HIGH}": {m.name: summary(per_example(
                matte.ramp(m.alpha, matte.LOW, matte.HIGH), m.mask, *regions(m.mask))) for m in models},
            f"chosen: {chosen['low']}..{chosen['high']}": by_rule[chosen["low"], chosen["high"]],
            f"best soft IoU: {best['low']}..{best['high']}": by_rule[best["low"], best["high"]],
            f"best threshold: {threshold['low']}": threshold}
    for width in (0.2, 0.4, 0.8):
        low, high = round(0.5 - width / 2, 2), round(0.5 + width / 2, 2)
        rows[f"{low}..{high}"] = by_rule[low, high]
    for m in models:
        print_table(f"{m.name}: n = {len(m.alpha)} validation examples",
                    {rule: row[m.name] for rule, row in rows.items()})
    print(f"\nsoft IoU, both models: best {best['soft_iou_both']:.4f} ({best['low']}..{best['high']}), one standard "
          f"error {choice['standard_error']:.4f}; chosen {chosen['low']}..{chosen['high']} "
          f"({chosen['soft_iou_both']:.4f})")
    if (chosen["low"], chosen["high"]) != (matte.LOW, matte.HIGH):
        print(f"note: the shipped rule is {matte.LOW}..{matte.HIGH} (workstation/render/matte.py), not the choice")
    digits = models[0]
    coverage = summed_coverage(args.summed, digits.frames)
    summed = {"no rule (its departure coverage)": summary(per_example(coverage, digits.mask, *regions(digits.mask))),
              f"shipped: {matte.LOW}..{matte.HIGH}": summary(per_example(matte.clean_matte(coverage), digits.mask,
                                                                         *regions(digits.mask)))}
    print_table(f"summed (not in the choice): the same n = {len(coverage)} digits", summed)
    if args.json:
        write_json(args.json, {"n": {m.name: len(m.alpha) for m in models}, "seed": VALIDATION_SEED,
                               "shipped": {"low": matte.LOW, "high": matte.HIGH}, **choice,
                               "table": rows, "summed": summed, "rules": [compact(r, models) for r in rules]})
    if args.figure:
        with output_file(args.figure, overwrite=True) as temporary:
            save_rgb(figure(models, matte.LOW, matte.HIGH), temporary)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
