"""Training on your own clips: pairs of nearby frames, a held-out tail for validation, and the
whole path from `train --clip` to a model bundle the workstation renders with."""

import csv
import json

import numpy as np
import pytest

from tests.conftest import ROOT, assert_one_line_exit_2, run_cli
from training.data.clips import ClipPairs
from training.data.mnist import DataError
from workstation.media import Clip, fit

CLIPS = ROOT / "assets" / "demo" / "clips"
TWO_SWAY, SEVEN_DRIFT = str(CLIPS / "digit-2-sway"), str(CLIPS / "digit-7-drift")
TINY = ["--set", "model.width=8", "--set", "model.feature_channels=8", "--set", "model.motion_width=8",
        "--set", "init_from=\"\"", "--set", "val_every=3", "--set", "sample_every=3", "--set", "checkpoint_every=3",
        "--batch-size", "4", "--precision", "fp32"]


def test_pairs_are_two_nearby_frames_of_one_clip_and_validation_holds_out_the_tail():
    train = ClipPairs.load([TWO_SWAY, SEVEN_DRIFT], "train", 64, max_gap=3)
    val = ClipPairs.load([TWO_SWAY, SEVEN_DRIFT], "val", 64, max_gap=3)
    assert [len(c) for c in train.clips] == [20, 20] and [len(c) for c in val.clips] == [4, 4]
    every = np.stack([(fit(f, 64) * 255 + 0.5).astype(np.uint8) for f in Clip(TWO_SWAY).frames()])
    assert np.array_equal(train.clips[0], every[:20]) and np.array_equal(val.clips[0], every[20:])


def test_pairs_are_two_different_frames_of_one_clip_at_most_max_gap_apart_in_either_order():
    clips = [np.full((n, 3, 8, 8), 0, np.uint8) for n in (30, 10)]
    for c, clip in enumerate(clips):
        for k in range(len(clip)):
            clip[k, 0], clip[k, 1] = k, c  # the frame says which it is
    pairs = ClipPairs(clips, max_gap=3)
    x1, x2 = pairs.random_pairs(np.random.default_rng(0), 400)
    assert x1.shape == x2.shape == (400, 3, 8, 8) and x1.dtype == np.float32 and x1.max() <= 1.0
    frame = lambda x: (x[:, 0, 0, 0] * 255 + 0.5).astype(int)  # noqa: E731
    clip_of = lambda x: (x[:, 1, 0, 0] * 255 + 0.5).astype(int)  # noqa: E731
    assert np.array_equal(clip_of(x1), clip_of(x2))
    gaps = frame(x2) - frame(x1)
    assert set(np.abs(gaps)) == {1, 2, 3} and (gaps < 0).any() and (gaps > 0).any()
    assert 0.65 < (clip_of(x1) == 0).mean() < 0.85  # clips are drawn in proportion to their length


def test_a_clip_too_short_or_unreadable_is_one_line_naming_it(tmp_path):
    with pytest.raises(DataError, match="too few to train on"):
        ClipPairs.load([str(CLIPS / "backdrop-1.png")], "train", 64, max_gap=2)
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(DataError) as error:
        ClipPairs.load([str(broken)], "train", 64, max_gap=2)
    assert str(broken) in str(error.value) and "\n" not in str(error.value)


def test_train_on_your_clips_then_export_a_bundle_that_renders(tmp_path):
    out = tmp_path / "run"
    done = run_cli("train", "--clip", TWO_SWAY, "--clip", SEVEN_DRIFT, "--steps", "6", "--out", str(out),
                   "--set", "max_gap=2", *TINY)
    assert done.returncode == 0, done.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["dataset"] == "clips" and config["clips"] == [TWO_SWAY, SEVEN_DRIFT]
    with (out / "metrics.csv").open() as handle:
        validated = [row for row in csv.DictReader(handle) if row["val_reconstruction_psnr"]]
    assert [row["step"] for row in validated] == ["3", "6"]
    assert all(row["val_background_psnr"] == "" for row in validated)  # no ground truth for manipulations
    assert (out / "checkpoints" / "best.pt").is_file()
    again = run_cli("train", "--resume", "--out", str(out), "--steps", "7")
    assert again.returncode == 0, again.stderr

    from workstation.render.engine import Engine

    bundle = tmp_path / "bundle"
    exported = run_cli("export-model", str(out / "checkpoints" / "best.pt"), "--out", str(bundle))
    assert exported.returncode == 0, exported.stderr
    engine = Engine(bundle)
    assert engine.metadata["trained_on"]["dataset"] == "clips"
    frame = fit(Clip(TWO_SWAY).frame(0), 64)[None]
    image = engine.h(frame, frame, frame, frame)
    assert image.shape == (1, 3, 64, 64) and np.isfinite(image).all()


def test_clips_without_the_dataset_or_the_dataset_without_clips_is_one_line(tmp_path):
    assert_one_line_exit_2(run_cli("train", "--dataset", "clips", "--out", str(tmp_path / "a")),
                           "needs at least one clip")
    assert_one_line_exit_2(run_cli("train", "--dataset", "mmnist", "--clip", TWO_SWAY, "--out", str(tmp_path / "b")),
                           "clips are for dataset='clips'")
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
