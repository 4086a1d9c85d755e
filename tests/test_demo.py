"""`make run`'s headless demo: pictures of the test data, and of a model's manipulations."""

import cv2

from tests.conftest import run_cli


def test_demo_draws_the_data_and_the_manipulations_of_a_bundle(tmp_path, anchored_bundle):
    done = run_cli("demo", "--model", anchored_bundle[1], "--out", tmp_path)
    assert done.returncode == 0, done.stderr
    videos, manipulations, layers = (cv2.imread(str(tmp_path / name))
                                     for name in ("test_videos.png", "manipulations.png", "layers.png"))
    assert videos.shape[0] > 4 * 64 * 3  # four sequences of five 64x64 frames, scaled x3
    assert manipulations.shape[0] > 6 * 64 * 3  # three sequences and three manipulations
    assert layers.shape[1] > 5 * 64 * 3  # x_i, x_j, plate, character, both
