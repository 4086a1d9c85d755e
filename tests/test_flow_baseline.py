"""The classical optical-flow baseline (training/evaluation/flow_baseline.py) on pairs with known
motion, and the digits' evaluation that reports it beside the paper's baselines, with sharpness."""

import json
import math

import cv2
import numpy as np
import pytest

import main
from tests.conftest import tiny_model_config, tiny_train_config
from training.evaluation.evaluate import (
    COPY,
    FLOW,
    _example_images,
    draw_examples,
    manipulation_scores,
    summarize,
)
from training.evaluation.flow_baseline import DIGITS_PRESET, PRESETS, SPRITES_PRESET, backward_flow, flow_transfer
from training.evaluation.metrics import per_example_mse, per_example_sharpness

SIZE, SIDE, LEFT, TOP = 64, 28, 14, 14  # the square of texture A moves, at (LEFT, TOP) in A_p
DX, DY = 5, 3


def texture(rng: np.random.Generator, size: int) -> np.ndarray:
    """float32 [3, size, size] in [0.1, 0.9]: colour noise smoothed to blobs a few pixels wide."""
    smooth = cv2.GaussianBlur(rng.random((size, size, 3)).astype(np.float32), (0, 0), 2.0)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    return (0.1 + 0.8 * smooth).transpose(2, 0, 1)


def moving_square() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A_p, A_q (a textured square on flat grey, moved by (DX, DY) pixels) and B_p (another texture
    over the whole frame), each [1, 3, SIZE, SIZE]."""
    rng = np.random.default_rng(0)
    square = texture(rng, SIDE)
    a_p = np.full((1, 3, SIZE, SIZE), 0.5, np.float32)
    a_q = a_p.copy()
    a_p[0, :, TOP:TOP + SIDE, LEFT:LEFT + SIDE] = square
    a_q[0, :, TOP + DY:TOP + DY + SIDE, LEFT + DX:LEFT + DX + SIDE] = square
    return a_p, a_q, texture(rng, SIZE)[None]


@pytest.mark.parametrize("preset", sorted({SPRITES_PRESET, DIGITS_PRESET}))
def test_b_p_moves_as_the_square_moved(preset):
    a_p, a_q, b_p = moving_square()
    flow = backward_flow(a_p, a_q, preset)[0]
    margin = 2  # DIS's patches straddle the square's edge there
    inside = (slice(TOP + DY + margin, TOP + DY + SIDE - margin), slice(LEFT + DX + margin, LEFT + DX + SIDE - margin))
    assert np.abs(flow[inside] - [-DX, -DY]).max() < 0.5  # each pixel of A_q points back to where it was in A_p
    predicted = flow_transfer(b_p, a_p, a_q, preset)
    assert predicted.dtype == np.float32 and predicted.shape == b_p.shape
    was = (slice(TOP + margin, TOP + SIDE - margin), slice(LEFT + margin, LEFT + SIDE - margin))
    assert np.array_equal(predicted[0][:, inside[0], inside[1]], b_p[0][:, was[0], was[1]])  # nearest: exact
    # Every colour of the prediction is one of B_p's own pixels.
    assert set(map(tuple, predicted[0].reshape(3, -1).T)) <= set(map(tuple, b_p[0].reshape(3, -1).T))


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_no_motion_returns_the_character_exactly(preset):
    a_p, a_q, b_p = moving_square()
    for still in (a_p, a_q, b_p):
        assert np.array_equal(flow_transfer(b_p, still, still, preset), b_p)


def test_the_digits_baselines_predict_the_transform_truth(test_split):
    examples = draw_examples(test_split, 6, seed=3)
    errors, sharpness = manipulation_scores(None, test_split, examples)
    assert set(errors) == {"Baseline: Video frames", "Baseline: No object", FLOW, COPY}
    assert set(sharpness) == {FLOW, COPY}
    x = _example_images(test_split, examples)
    mask = x["transform_mask"]
    assert mask.any(axis=(1, 2)).all() and np.all(x["true_transform"].transpose(1, 0, 2, 3)[:, mask] == 0)  # ink
    flow = flow_transfer(x["x2_i"], x["x1_i"], x["x1_j"], DIGITS_PRESET)
    assert np.allclose(errors[FLOW], per_example_mse(flow, x["true_transform"]))
    assert np.allclose(errors[COPY], per_example_mse(x["x2_i"], x["true_transform"]))
    assert np.allclose(sharpness[FLOW], per_example_sharpness(flow, x["true_transform"], mask), equal_nan=True)
    assert np.isfinite(summarize(errors)[FLOW]["psnr"])


def test_evaluate_prints_the_flow_baseline_and_sharpness_for_digits(tmp_path, capsys):
    import torch

    from training.model.scene_model import SceneModel
    from training.run import checkpoint

    config = tiny_train_config(model=tiny_model_config(renderer="layered"))
    model = SceneModel(config.model)
    checkpoint.save(tmp_path / "tiny.pt", model=model, optimizer=torch.optim.AdamW(model.parameters()), step=1,
                    config=config, rng=np.random.default_rng(0))
    out = tmp_path / "eval.json"
    assert main.main(["evaluate", str(tmp_path / "tiny.pt"), "--n", "4", "--pairs", "10", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())
    assert {"Background manipulation", "Transform manipulation", "Baseline: Video frames", "Baseline: No object",
            FLOW, COPY} <= set(results["psnr"])
    assert set(results["sharpness"]) == {"Transform manipulation", FLOW, COPY}
    for row in results["sharpness"].values():
        assert math.isfinite(row["mean"]) and row["examples"] == 4 and math.isfinite(row["ci95"])
    assert results["flow_preset"] == DIGITS_PRESET
    lines = {line.split("  ")[0]: line for line in printed.splitlines()}
    for name in ("Transform manipulation", FLOW, COPY):  # PSNR, MSE and then the sharpness
        assert f"{results['sharpness'][name]['mean']:.3f} ± " in lines[name], printed
    assert f"{results['psnr'][FLOW]['psnr']:9.3f}" in lines[FLOW] and "sharpness" in printed
    assert f"DIS optical flow ({DIGITS_PRESET}) from x1_j back to x1_i" in printed
