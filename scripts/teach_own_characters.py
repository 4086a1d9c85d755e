"""What teaching a model your own characters buys (issue 29, item 4), by the issue's protocol
(``training/evaluation/own_characters.py`` says which characters, rows and examples):

    python scripts/teach_own_characters.py --model assets/models/sprites --out runs/own-characters --minutes 10 \
        [--examples 1000] [--json docs/results/own-characters.json]

1. Writes each own character's sprite sheet (walk and slash, four directions) to OUT/sheets/: the
   character alone over transparency, or with ``--ground`` over a background of its own.
2. Fine-tunes as a user does: ``main.py train --init-from MODEL --clip SHEET.png:grid=64x64 ...
   --minutes N --set max_gap=2`` into OUT/run (continued with ``--resume`` when it is there; pairs
   at most 2 frames apart, so a 6-frame slash row trains on 3 frames and holds 3 out), then exports
   the run's best checkpoint (chosen on those clips' held-out frames) as OUT/model (``--checkpoint
   last``: its last step's, as OUT/model-last; a finished run is not trained again).
3. Measures the analogy on the rows never taught, for the starting model and the fine-tuned one on
   the same examples, beside Copy and the optical-flow transfer, and the paired gain.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402

from main import open_bundle  # noqa: E402
from training.data.sprites import Sprites, SpriteSheets, sprites_dir  # noqa: E402
from training.evaluation import own_characters as protocol  # noqa: E402
from training.evaluation.evaluate_sprites import ALL, collect, summarize  # noqa: E402
from workstation.kernel.safe_write import write_bytes, write_json  # noqa: E402


def write_sheets(sprites: Sprites, own: list, folder: Path, ground: bool) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, character in enumerate(own):
        path = folder / f"{character.key}.png"
        if not path.is_file():
            picture = protocol.sheet_picture(sprites, character, background=index if ground else None)
            encoded, png = cv2.imencode(".png", picture)
            assert encoded, path
            write_bytes(path, png.tobytes())
        paths.append(path)
    return paths


def stopframe(*arguments: str) -> None:
    command = [sys.executable, str(ROOT / "main.py"), *arguments]
    print("$", " ".join(command[1:]), flush=True)
    subprocess.run(command, check=True)


def fine_tune(model: str, sheets: list[Path], out: Path, minutes: float, seed: int, checkpoint: str) -> Path:
    run = out / "run"
    if (run / "checkpoints" / "last.pt").is_file():
        stopframe("train", "--out", str(run), "--resume")
    else:
        clips = [argument for sheet in sheets for argument in ("--clip", f"{sheet}:grid=64x64")]
        stopframe("train", "--out", str(run), "--init-from", model, *clips, "--minutes", str(minutes),
                  "--seed", str(seed), "--set", "max_gap=2")
    bundle = out / ("model" if checkpoint == "best" else f"model-{checkpoint}")
    if not (bundle / "model.json").is_file():
        stopframe("export-model", str(run / "checkpoints" / f"{checkpoint}.pt"), "--out", str(bundle))
    return bundle


def measure(bundles: dict[str, str], sprites: Sprites, own: list, others: list, examples: int, seed: int) -> dict:
    results: dict = {}
    errors = {}
    for name, bundle in bundles.items():
        scene = open_bundle(bundle)
        found, animations, _ = collect(scene, protocol.analogies(sprites, own, others, examples, seed))
        errors[name] = found["Analogy"]["mse"]
        groups = summarize(found, animations, sprites.image_size)
        results[name] = {group: {method: {key: row[key] for key in ("psnr", "psnr_ci95", "sharpness", "sharpness_ci95")
                                          if key in row}
                                 for method, row in rows.items()}
                         for group, rows in groups.items()}
    before, after = errors["starting model"], errors["fine-tuned"]
    results["gain"] = protocol.gain(before, after)
    return results


def report(results: dict) -> str:
    lines = []
    for group in (*protocol.UNSEEN, ALL):
        start, tuned = results["starting model"][group], results["fine-tuned"][group]
        cells = [("starting model", start["Analogy"]), ("fine-tuned", tuned["Analogy"]),
                 ("copy", start["Baseline: Copy"]), ("flow", start["Baseline: Flow transfer"])]
        lines.append(f"{group:10s}" + "".join(f"  {name} {row['psnr']:.2f} ± {row['psnr_ci95']:.2f} dB"
                                              for name, row in cells))
    start, tuned = results["starting model"][ALL]["Analogy"], results["fine-tuned"][ALL]["Analogy"]
    lines.append(f"sharpness: starting model {start['sharpness']:.3f}, fine-tuned {tuned['sharpness']:.3f}")
    gain = results["gain"]
    lines.append(f"gain (paired): {gain['mean']:+.2f} ± {gain['ci95']:.2f} dB; "
                 f"{gain['better_share']:.0%} of examples better")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(ROOT / "assets" / "models" / "sprites"))
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--examples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--checkpoint", choices=("best", "last"), default="best",
                        help="the fine-tuned checkpoint measured: best.pt (what the user gets) or the last step's")
    parser.add_argument("--ground", action="store_true",
                        help="sheets without transparency: each character over a validation background of its own")
    args = parser.parse_args()
    sprites = Sprites(SpriteSheets.load(sprites_dir(args.data_dir, "teach_own_characters")), "val")
    own, others = protocol.own_and_others(sprites)
    sheets = write_sheets(sprites, own, args.out / "sheets", args.ground)
    tuned = fine_tune(args.model, sheets, args.out, args.minutes, args.seed, args.checkpoint)
    results = measure({"starting model": args.model, "fine-tuned": str(tuned)}, sprites, own, others,
                      args.examples, args.seed)
    results["protocol"] = {"own": [c.key for c in own], "taught": list(protocol.TAUGHT),
                           "unseen": list(protocol.UNSEEN), "minutes": args.minutes, "examples": args.examples,
                           "seed": args.seed, "model": args.model, "ground": args.ground,
                           "checkpoint": args.checkpoint}
    print(report(results))
    if args.json:
        write_json(args.json, results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
