"""What validation measures on your own clips, for the Train dialog's words: the model's drawing of
the held-out frames beside copying the frame and beside optical flow, on the same pairs, each as
the PSNR of all the pairs' pixels together; logged in metrics.csv like every val_* figure."""

import csv

import cv2
import numpy as np
import torch

from tests.conftest import tiny_model_config, tiny_train_config
from training.data.clips import ClipPairs
from training.evaluation.metrics import per_example_mse, psnr_from_mse
from training.evaluation.validation import validation_pairs, validation_scores
from training.model.scene_model import SceneModel
from training.run.trainer import Trainer

PEERS = ("val_model_psnr", "val_copy_psnr", "val_flow_psnr")


def sliding_square(frames: int = 12) -> np.ndarray:
    """uint8 [n, 3, 64, 64]: a light square moving 2 pixels a frame over a dark textured ground."""
    rng = np.random.default_rng(0)
    ground = rng.integers(20, 60, (3, 64, 64), dtype=np.uint8)
    clip = np.repeat(ground[None], frames, axis=0)
    for k in range(frames):
        clip[k, :, 24:40, 4 + 2 * k:20 + 2 * k] = np.array([230, 180, 90], np.uint8)[:, None, None]
    return clip


def pooled_psnr(drawing: np.ndarray, truth: np.ndarray) -> float:
    return float(psnr_from_mse(per_example_mse(drawing, truth).mean()))


def test_own_clips_are_measured_against_copying_the_frame_and_optical_flow():
    pairs = ClipPairs([sliding_square()], max_gap=2)
    torch.manual_seed(0)
    model = SceneModel(tiny_model_config())
    scores = validation_scores(model, pairs, [], 8, "cpu")
    x1, x2 = validation_pairs(pairs, 16, "cpu")
    with torch.inference_mode():
        drawn = model(x1, x1, x2, x1).numpy()
    first, second = x1.numpy(), x2.numpy()
    assert scores["val_copy_psnr"] == pooled_psnr(first, second)
    assert abs(scores["val_model_psnr"] - pooled_psnr(drawn, second)) < 1e-4
    # the flow finds the square's motion: it draws the later frame far closer than a copy does
    assert scores["val_flow_psnr"] > scores["val_copy_psnr"] + 3
    assert scores["val_model_psnr"] < scores["val_copy_psnr"]  # an untrained model: no better than copying


def test_a_held_frame_does_not_outweigh_the_pairs_that_move():
    """An animation on twos: half the pairs one frame apart are the same picture, which a copy draws
    perfectly; in a mean of per-pair PSNRs each would count 100 dB. Pooled, the pairs that move decide."""
    moving = sliding_square(6)
    on_twos = np.repeat(moving, 2, axis=0)  # every picture held for two frames
    pooled = validation_scores(SceneModel(tiny_model_config()), ClipPairs([on_twos], max_gap=1), [], 8, "cpu")
    x1, x2 = validation_pairs(ClipPairs([on_twos], max_gap=1), 16, "cpu")
    held = (x1 == x2).flatten(1).all(1)
    assert 0 < int(held.sum()) < 16
    per_pair = psnr_from_mse(per_example_mse(x1.numpy(), x2.numpy())).mean()
    assert per_pair > 40 and pooled["val_copy_psnr"] < 30


def test_a_run_on_clips_logs_the_peers_in_metrics_csv(tmp_path):
    clip = tmp_path / "square"
    clip.mkdir()
    for k, frame in enumerate(sliding_square(16)):
        cv2.imwrite(str(clip / f"frame_{k:03d}.png"), cv2.cvtColor(frame.transpose(1, 2, 0), cv2.COLOR_RGB2BGR))
    config = tiny_train_config(dataset="clips", clips=[str(clip)], data_dir=None, steps=2, val_every=2, max_gap=2)
    Trainer(config, tmp_path / "run").train()
    with (tmp_path / "run" / "metrics.csv").open() as handle:
        validated = [row for row in csv.DictReader(handle) if row["val_reconstruction_psnr"]]
    assert [row["step"] for row in validated] == ["2"] and all(float(validated[0][name]) > 0 for name in PEERS)
