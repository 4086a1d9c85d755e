"""The headless demo behind `make run` until the workstation window exists: pictures of the test
data and, when a trained model is at hand, of what the model does with it."""

from __future__ import annotations

from pathlib import Path

from training.data.mmnist import MovingMNIST
from training.evaluate import SceneFunctions
from training.figures import dataset_figure, layers_figure, manipulations_figure, save_rgb


def run_demo(out: Path, data_dir, scene: SceneFunctions | None = None, print_line=print) -> list[Path]:
    """Write the pictures to ``out``; ``scene`` is a model bundle's engine or a checkpoint's model."""
    out.mkdir(parents=True, exist_ok=True)
    dataset = MovingMNIST.from_mnist_dir(data_dir, "test")
    written = [out / "test_videos.png"]
    save_rgb(dataset_figure(dataset), written[0])
    if scene is None:
        print_line("no trained model yet: train one with `python main.py train --out runs/mine`, "
                   "then `python main.py demo --model runs/mine`")
    else:
        written += [out / "manipulations.png", out / "layers.png"]
        save_rgb(manipulations_figure(scene, dataset), written[1])
        save_rgb(layers_figure(scene, dataset), written[2])
    for path in written:
        print_line(f"wrote {path}")
    return written
