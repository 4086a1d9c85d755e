"""The headless demo behind `make run` until the workstation window exists: pictures of the test
data and, when a trained model is at hand, of what the model does with it."""

from __future__ import annotations

from pathlib import Path

from training.data.mmnist import MovingMNIST
from training.figures import dataset_figure, layers_figure, manipulations_figure, save_rgb

ROOT = Path(__file__).resolve().parents[1]
BUNDLED_CHECKPOINT = ROOT / "assets" / "models" / "demo.pt"


def run_demo(out: Path, data_dir, model: str | None = None, print_line=print) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    dataset = MovingMNIST.from_mnist_dir(data_dir, "test")
    written = [out / "test_videos.png"]
    save_rgb(dataset_figure(dataset), written[0])
    model = model or (str(BUNDLED_CHECKPOINT) if BUNDLED_CHECKPOINT.is_file() else None)
    if model is None:
        print_line("no trained model yet: train one with `python main.py train --out runs/mine`, "
                   "then `python main.py demo --model runs/mine`")
    else:
        from training.checkpoint import load_model
        from training.scene import TorchScene

        scene = TorchScene(load_model(model)[0])
        written += [out / "manipulations.png", out / "layers.png"]
        save_rgb(manipulations_figure(scene, dataset), written[1])
        save_rgb(layers_figure(scene, dataset), written[2])
    for path in written:
        print_line(f"wrote {path}")
    return written
