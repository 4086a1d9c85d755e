"""The Moving MNIST generator follows the paper's rules and is deterministic from a seed."""

import numpy as np
import pytest

from training.data import mmnist
from training.data.css4_colors import CSS4_COLORS
from training.data.mmnist import MovingMNIST, Pose, background_specs, relative_transform
from training.evaluation.evaluate import BASELINES, draw_examples, manipulation_mse, summarize


def test_same_seed_same_videos_and_pixels(test_split):
    first = [test_split.random_video(np.random.default_rng(7)) for _ in range(3)]
    again = [test_split.random_video(np.random.default_rng(7)) for _ in range(3)]
    assert first == again
    pairs = test_split.random_pairs(np.random.default_rng(3), 5)
    assert all(np.array_equal(a, b) for a, b in zip(pairs, test_split.random_pairs(np.random.default_rng(3), 5)))
    other = test_split.random_pairs(np.random.default_rng(4), 5)
    assert not np.array_equal(pairs[0], other[0])


def test_every_step_is_one_allowed_rotation_or_translation(test_split):
    rng = np.random.default_rng(0)
    kinds = set()
    for _ in range(300):
        video = test_split.random_video(rng)
        assert len(video.poses) == mmnist.VIDEO_LENGTH == 5
        assert video.poses[0].angle == 0
        for before, after in zip(video.poses, video.poses[1:]):
            dx, dy, turn = after.cx - before.cx, after.cy - before.cy, after.angle - before.angle
            if turn:
                kinds.add("rotation")
                assert (dx, dy) == (0, 0) and turn in {-15, -12, -9, -6, -3, 3, 6, 9, 12, 15}
            else:
                kinds.add("translation")
                assert dx in {-10, -8, -6, -4, -2, 2, 4, 6, 8, 10}
                assert dy in {-10, -8, -6, -4, -2, 2, 4, 6, 8, 10}
    assert kinds == {"rotation", "translation"}


def test_digit_never_leaves_the_canvas(test_split):
    rng = np.random.default_rng(1)
    for _ in range(200):
        video = test_split.random_video(rng)
        ink = test_split.masks[video.digit].sum()
        for pose in video.poses:
            assert test_split.ink_inside(video.digit, pose)
            # Rendering agrees: none of the ink is clipped away (bilinear resampling moves a few pixels).
            assert abs(test_split.digit_mask(video.digit, pose).sum() - ink) <= 0.2 * ink


def test_frames_are_the_background_blackened_where_the_digit_is(test_split):
    video = test_split.random_video(np.random.default_rng(2))
    background = test_split.backgrounds[video.background].transpose(2, 0, 1)
    for index, pose in enumerate(video.poses):
        frame = test_split.frame(video, index)
        assert frame.shape == (3, 64, 64) and frame.dtype == np.float32
        mask = test_split.digit_mask(video.digit, pose)
        assert np.all(frame[:, mask] == 0)
        assert np.array_equal(frame[:, ~mask], background[:, ~mask])


def test_backgrounds_follow_the_paper():
    black = CSS4_COLORS["black"]
    per_split = {split: background_specs(split) for split in mmnist.SPLITS}
    for specs in per_split.values():
        assert len(specs) == 64
        for spec in specs:
            assert spec.color != black
            assert len(spec.diamonds) == 5
            colours = [d[3] for d in spec.diamonds]
            assert len(set(colours)) == 5 and black not in colours
            for cx, cy, radius, _ in spec.diamonds:
                assert 7 <= radius <= 10 and 0 <= cx < 64 and 0 <= cy < 64
    assert per_split["train"] != per_split["val"] != per_split["test"] != per_split["train"]
    assert background_specs("test") == per_split["test"]  # fixed per split


def test_training_may_draw_more_backgrounds_but_validation_and_test_keep_theirs(mnist_dir, tmp_path):
    from training.model.config import ConfigError, TrainConfig
    from training.run.trainer import open_datasets

    config = TrainConfig(data_dir=str(mnist_dir), backgrounds=200).validate()
    train, val = open_datasets(config)
    assert len(train.backgrounds) == 200 and len(val.backgrounds) == 64
    # the first 64 are the standard ones, so backgrounds=64 trains on exactly what it always did
    assert train.background_specs[:64] == background_specs("train")
    assert val.background_specs == background_specs("val")
    with pytest.raises(ConfigError, match="backgrounds=0"):
        TrainConfig(backgrounds=0).validate()


def test_painted_diamond_has_its_colour_and_shape():
    spec = background_specs("train")[0]
    image = mmnist.paint_background(spec)
    cx, cy, radius, colour = spec.diamonds[-1]  # painted last, so fully visible
    expected = np.array([int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)], dtype=np.float32)
    assert np.allclose(image[cy, cx], expected)
    inside = [(cx + dx, cy + dy) for dx, dy in ((radius, 0), (0, -radius)) if 0 <= cx + dx < 64 and 0 <= cy + dy < 64]
    for x, y in inside:
        assert np.allclose(image[y, x], expected)


def test_true_transform_maps_ink_from_one_pose_to_the_other(test_split):
    start, end = Pose(30.0, 32.0, 9.0), Pose(36.0, 28.0, -6.0)
    points = np.array([[3.0, 1.0], [-2.0, 5.0], [0.0, 0.0]])  # offsets from the digit box centre

    def on_canvas(pose):
        matrix = mmnist.digit_to_canvas(pose)
        return (matrix[:, :2] @ (points + 13.5).T).T + matrix[:, 2]

    transform = relative_transform(start, end)
    moved = (transform[:, :2] @ (on_canvas(start) - [start.cx, start.cy]).T).T + [start.cx, start.cy]
    assert np.allclose(moved + transform[:, 2], on_canvas(end))


def test_training_pairs_are_two_distinct_frames_of_one_video(test_split):
    x1, x2 = test_split.random_pairs(np.random.default_rng(5), 40)
    assert x1.shape == x2.shape == (40, 3, 64, 64)
    # Same background in both frames: the pixels far from both digits agree.
    for a, b in zip(x1, x2):
        both_background = (a.sum(0) > 0) & (b.sum(0) > 0)
        assert both_background.mean() > 0.8


def test_larger_image_sizes_scale_the_canvas(mnist_dir):
    split = MovingMNIST.from_mnist_dir(mnist_dir, "val", image_size=128)
    x1, _ = split.random_pairs(np.random.default_rng(0), 2)
    assert x1.shape == (2, 3, 128, 128)


def test_baselines_land_near_the_paper(test_split):
    """Paper: Video frames 18.993 +- 0.319 dB, No object 18.609 +- 0.060 dB (hard ink mask)."""
    summary = summarize(manipulation_mse(None, test_split, draw_examples(test_split, 1500, seed=0)))
    assert set(summary) == set(BASELINES)
    assert 18.5 < summary["Baseline: Video frames"]["psnr"] < 19.5
    assert 17.7 < summary["Baseline: No object"]["psnr"] < 19.0


def test_splits_use_separate_digits(mnist_dir):
    train = MovingMNIST.from_mnist_dir(mnist_dir, "train")
    val = MovingMNIST.from_mnist_dir(mnist_dir, "val")
    assert len(val) == mmnist.VAL_DIGITS and len(train) == 24_345 - mmnist.VAL_DIGITS
    with pytest.raises(ValueError, match="split"):
        MovingMNIST(train.masks[:3], "holdout")
