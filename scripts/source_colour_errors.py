"""Where a model that draws characters from their own pixels (``model.colour = "source"``) loses
against the decoder's colour: the reconstruction h(x1, x1, x2, x1) of validation pairs, its squared
error on the moved character's ink (the true frame's dark pixels: Moving MNIST's digits are black)
and elsewhere, drawn with the decoder's own colour and with the colour the model uses, and how much
of the character it draws from the source (the mean visibility v where alpha >= 0.5).

    python scripts/source_colour_errors.py runs/digits-source-v0 runs/digits-source-v0.3 [--pairs 64]

Each argument is a run folder (its checkpoints/last.pt) or a checkpoint file. Validation split
only, with validation's own pair seed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from training.evaluation.validation import validation_pairs  # noqa: E402
from training.model.decoders import composite  # noqa: E402
from training.run.checkpoint import load_model  # noqa: E402
from training.run.trainer import open_datasets  # noqa: E402

INK = 0.05  # a pixel of the true frame darker than this (mean of RGB) is the digit's ink


def psnr(prediction: torch.Tensor, truth: torch.Tensor) -> float:
    return float((10 * torch.log10(1 / ((prediction - truth) ** 2).mean(dim=(1, 2, 3)))).mean())


def report(model_path: str, pairs: int) -> None:
    model, state = load_model(model_path)
    model.eval()
    x1, x2 = validation_pairs(open_datasets(state["config"])[1], pairs, "cpu")
    with torch.no_grad():
        fc1, fc2 = model.encoder_character(x1), model.encoder_character(x2)
        theta = model.motion(fc1, fc2)
        rgb, alpha, visibility = model.character_parts(fc1, theta)
        plate = model.plate(model.encoder_background(x1))
        ink = (x2.mean(1, keepdim=True) < INK).float()
        drawn = model.colour_of(rgb, visibility, model.source_field(fc1, theta), x1)
        for name, colour in (("decoder's colour", rgb), ("the model's colour", drawn)):
            prediction = composite(plate, [(colour, alpha)])
            error = ((prediction - x2) ** 2).mean(1, keepdim=True)
            on_ink, elsewhere = (error * ink).sum() / ink.sum(), (error * (1 - ink)).sum() / (1 - ink).sum()
            print(f"{model_path}: {name:18s} PSNR {psnr(prediction, x2):5.2f} dB, squared error on the ink "
                  f"{float(on_ink):.4f}, elsewhere {float(elsewhere):.5f}")
        if visibility is not None:
            opaque = (alpha >= 0.5).float()
            print(f"{model_path}: mean v where alpha >= 0.5: {float((visibility * opaque).sum() / opaque.sum()):.3f}; "
                  f"alpha >= 0.5 covers {float(opaque.mean()):.3f} of the frame, the ink {float(ink.mean()):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", help="run folders or checkpoint files")
    parser.add_argument("--pairs", type=int, default=64, help="validation pairs (default 64)")
    args = parser.parse_args()
    torch.set_num_threads(1)
    for model_path in args.models:
        report(model_path, args.pairs)


if __name__ == "__main__":
    main()
