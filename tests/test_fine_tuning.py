"""Teaching a model your own characters (issue 29, item 4): ``train --init-from BUNDLE --clip ...``
goes on as the bundle's model, trained as it was; the run measures the model it starts from at step
0, so what the training bought is said; a sprite sheet's short rows are clips enough to learn from."""

import json
import shutil

import cv2
import numpy as np

from tests.conftest import run_cli
from training.data.clips import ClipPairs
from training.data.sprites import CANVAS, EVALUATION_BACKGROUNDS, background_images

QUICK = ["--steps", "3", "--batch-size", "4", "--precision", "fp32", "--set", "val_every=3", "--set", "sample_every=3",
         "--set", "checkpoint_every=3", "--set", "val_examples=4", "--progress", "json"]


def write_sheet(path, rows=(6, 9), seed=0, alone=False):
    """A sprite sheet of 64x64 cells, a row per entry of ``rows`` with that many frames (the
    others transparent): a block moving right across a textured ground, or ``alone`` over transparency."""
    rng = np.random.default_rng(seed)
    ground = rng.integers(0, 255, (CANVAS, CANVAS, 3), dtype=np.uint8)
    sheet = np.zeros((len(rows) * CANVAS, max(rows) * CANVAS, 4), np.uint8)
    for r, length in enumerate(rows):
        for c in range(length):
            cell = sheet[r * CANVAS:(r + 1) * CANVAS, c * CANVAS:(c + 1) * CANVAS]
            cell[..., :3] = ground
            cell[20:40, 10 + 3 * c:30 + 3 * c, :3] = (200, 40 + 20 * r, 30)
            cell[..., 3] = 0 if alone else 255
            cell[20:40, 10 + 3 * c:30 + 3 * c, 3] = 255
    assert cv2.imwrite(str(path), sheet)
    return path


def events(stdout):
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def test_a_sheet_row_of_six_frames_is_a_clip_to_learn_from(tmp_path):
    """Slash rows have 6 frames: the old rule held out max_gap + 1 frames and wanted as many again."""
    sheet = write_sheet(tmp_path / "sheet.png")
    train, val = ClipPairs.splits([f"{sheet}:grid=64x64"], image_size=CANVAS, max_gap=4)
    assert [len(c) for c in train.clips] == [4, 7] and [len(c) for c in val.clips] == [2, 2]  # max_gap 4 needs 10
    x1, x2 = train.random_pairs(np.random.default_rng(0), 16)
    assert x1.shape == (16, 3, CANVAS, CANVAS) and not np.array_equal(x1, x2)


def test_a_sheet_of_a_character_alone_is_drawn_over_backgrounds_and_moved_apart(tmp_path):
    """A transparent sheet stood its character on one spot over one ground in every cell, and the
    plate learnt the character (docs/RESULTS.md, 11): now each pair is drawn as the sprite data is."""
    sheet = write_sheet(tmp_path / "alone.png", rows=(9,), alone=True)
    train, val = ClipPairs.splits([f"{sheet}:grid=64x64"], image_size=CANVAS, max_gap=2, shift=4, backgrounds=8)
    assert train.clips[0].shape[1:] == (4, CANVAS, CANVAS) and train.shift == 4 and val.shift == 0
    np.testing.assert_array_equal(val.backgrounds, background_images("val", EVALUATION_BACKGROUNDS, CANVAS))
    grounds = background_images("train", 8, CANVAS)
    x1, x2 = train.random_pairs(np.random.default_rng(0), 64)
    corner = lambda x: x[:, :, 0, 0]  # noqa: E731  (the block never reaches it)
    which = [int(np.argmin(np.abs(grounds[:, :, 0, 0] - c).sum(axis=1))) for c in corner(x1)]
    np.testing.assert_allclose(corner(x1), grounds[which, :, 0, 0], atol=1e-6)  # one of the training grounds,
    np.testing.assert_allclose(corner(x2), grounds[which, :, 0, 0], atol=1e-6)  # the same for both frames
    assert len(set(which)) > 3
    block = np.array([30, 40, 200], np.float32)[:, None, None] / 255  # (200, 40, 30) as written in BGR
    rows = lambda x: (np.abs(x - block).max(axis=1) < 0.01).any(axis=2)  # noqa: E731
    assert rows(x1).sum(axis=1).min() == 20  # the whole block, every time
    top = lambda x: np.argmax(rows(x), axis=1)  # noqa: E731
    assert len(set(top(x1) - top(x2))) > 2  # the block only moves sideways: up and down is the shift
    opaque, _ = ClipPairs.splits([f"{write_sheet(tmp_path / 'ground.png', rows=(9,))}:grid=64x64"], CANVAS, 2)
    assert opaque.clips[0].shape[1] == 3 and opaque.backgrounds is None  # its own ground: drawn as it is


def test_a_run_from_a_layered_bundle_goes_on_as_that_model_and_says_what_it_bought(anchored_bundle, tmp_path):
    model, folder = anchored_bundle
    bundle = tmp_path / "bundle"
    shutil.copytree(folder, bundle)
    metadata = json.loads((bundle / "model.json").read_text())
    metadata["trained_on"] = {"dataset": "sprites", "train_config": {"alpha_static": 2.5, "alpha_plate": 3.0,
                                                                     "lr": 2e-4, "shift": 8, "steps": 99}}
    (bundle / "model.json").write_text(json.dumps(metadata))  # model.json's digests cover the graphs alone
    sheet = write_sheet(tmp_path / "sheet.png")
    out = tmp_path / "run"
    done = run_cli("train", "--init-from", bundle, "--clip", f"{sheet}:grid=64x64", "--out", out,
                   "--set", "alpha_plate=1.5", *QUICK)
    assert done.returncode == 0, done.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["model"] == {**config["model"], **metadata["model_config"]}  # the bundle's architecture
    assert (config["alpha_static"], config["lr"], config["alpha_plate"]) == (2.5, 2e-4, 1.5)  # --set wins
    assert (config["dataset"], config["steps"]) == ("clips", 3)  # what it learns from: the run's own
    assert config["shift"] == 8  # how its characters were moved: a sheet of characters alone is drawn so too
    validations = [e for e in events(done.stdout) if e["event"] == "validation"]
    assert [e["step"] for e in validations] == [0, 3]
    start = validations[0]
    assert start["start_val_model_psnr"] == start["val_model_psnr"]  # step 0 is the model it starts from
    assert validations[1]["start_val_model_psnr"] == start["val_model_psnr"]

    again = run_cli("train", "--resume", "--out", out, "--steps", "6", "--progress", "json")
    assert again.returncode == 0, again.stderr
    resumed = [e for e in events(again.stdout) if e["event"] == "validation"]
    assert [e["step"] for e in resumed] == [6]  # no second step 0, and the starting model is remembered
    assert resumed[0]["start_val_model_psnr"] == start["val_model_psnr"]


def test_a_run_with_a_recipe_keeps_the_recipes_settings(anchored_bundle, tmp_path):
    """A recipe says the whole run: the bundle only starts its weights (the shipped recipes rely on it)."""
    _, folder = anchored_bundle
    recipe = tmp_path / "recipe.toml"
    recipe.write_text('[train]\nalpha_static = 0.125\n[model]\nwidth = 8\nfeature_channels = 8\nmotion_width = 8\n'
                      'motion_input = "instance"\nmotion_alignment = "registration"\nanchored = true\n'
                      'renderer = "layered"\n')
    sheet = write_sheet(tmp_path / "sheet.png")
    out = tmp_path / "run"
    done = run_cli("train", "--recipe", recipe, "--init-from", folder, "--clip", f"{sheet}:grid=64x64",
                   "--out", out, *QUICK)
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "config.json").read_text())["alpha_static"] == 0.125
