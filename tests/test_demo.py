"""`make run`'s headless demo: pictures of the test data, and of a model's manipulations."""

import cv2
import numpy as np

from tests.conftest import run_cli

TILE = 64 * 3  # each 64x64 frame is drawn scaled x3
GAP = 2  # white lines between the tiles (training/evaluation/figures.py)


def tiles(picture: np.ndarray) -> list[np.ndarray]:
    """The frames of a figure: a grid of TILE squares GAP apart, after the row labels if any."""
    height, width = picture.shape[:2]
    rows, columns = (height - GAP) // (TILE + GAP), (width - GAP) // (TILE + GAP)
    labels = (width - GAP) - columns * (TILE + GAP)
    assert (height - GAP) % (TILE + GAP) == 0 and labels < TILE, picture.shape
    return [picture[GAP + r * (TILE + GAP):][:TILE, labels + GAP + c * (TILE + GAP):][:, :TILE]
            for r in range(rows) for c in range(columns)]


def test_demo_draws_the_data_and_the_manipulations_of_a_bundle(tmp_path, summed_bundle, anchored_bundle):
    layered = tmp_path / "layered"
    assert run_cli("demo", "--model", anchored_bundle[1], "--out", layered).returncode == 0
    # per row x_i, x_j, plate, cut-out, alpha, both; a summed model's has no alpha column
    assert len(tiles(cv2.imread(str(layered / "layers.png")))) == 5 * 6
    done = run_cli("demo", "--model", summed_bundle[1], "--out", tmp_path / "summed")
    assert done.returncode == 0, done.stderr
    tmp_path = tmp_path / "summed"
    names = ("test_videos.png", "manipulations.png", "layers.png")
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(names)
    videos, manipulations, layers = (cv2.imread(str(tmp_path / name)) for name in names)
    assert len(tiles(videos)) == 4 * 5  # four sequences of five frames
    assert len(tiles(manipulations)) == 6 * 5  # three sequences and three manipulations
    assert len(tiles(layers)) == 5 * 5  # per row x_i, x_j, plate, character, both
    for name, picture in zip(names, (videos, manipulations, layers)):
        # No frame is blank (one flat colour): not the data, and not what the model drew, which for
        # this untrained model is faint (a standard deviation near 4 grey levels) but never flat.
        spreads = [cv2.cvtColor(tile, cv2.COLOR_BGR2GRAY).std() for tile in tiles(picture)]
        assert min(spreads) > 1.0, (name, [round(s, 1) for s in spreads])
        assert picture.std() > 30, name  # the data's digits and backgrounds are there
