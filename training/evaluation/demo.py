"""The headless demo behind `make run` until the workstation window exists: pictures of the test
data and, when a trained model is at hand, of what the model does with it."""

from __future__ import annotations

from pathlib import Path

from training.evaluation.evaluate import evaluation_split
from training.evaluation.figures import dataset_figure, layers_figure, manipulations_figure, save_rgb
from training.evaluation.manipulation import SceneFunctions
from workstation.kernel.safe_write import OutputError, output_file


def run_demo(out: Path, data_dir, scene: SceneFunctions | None = None, print_line=print) -> list[Path]:
    """Write the pictures to ``out``; ``scene`` is a model bundle's engine or a checkpoint's model.
    The data is drawn at the model's image size."""
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot make the folder ({error.strerror or error})", out) from None
    dataset = evaluation_split(scene, data_dir)
    written = [out / "test_videos.png"]
    _save(dataset_figure(dataset), written[0])
    if scene is None:
        print_line("no trained model yet: train one with `python main.py train --out runs/mine`, "
                   "then `python main.py demo --model runs/mine`")
    else:
        written += [out / "manipulations.png", out / "layers.png"]
        _save(manipulations_figure(scene, dataset), written[1])
        _save(layers_figure(scene, dataset), written[2])
    for path in written:
        print_line(f"wrote {path}")
    return written


def _save(picture, path: Path) -> None:
    """One picture, written safely (a previous one is replaced only by a complete file)."""
    with output_file(path, overwrite=True) as temporary:
        save_rgb(picture, temporary)
