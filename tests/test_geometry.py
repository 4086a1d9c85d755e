"""workstation.render.geometry, the numpy twin of training's warp and centroid, against the torch code."""

import numpy as np
import torch

from training.model.alignment import centroid, theta_about, theta_from, warp
from workstation.project import Pose
from workstation.render import geometry


def test_numpy_warp_and_centroid_match_torch():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(3, 4, 16, 16)).astype(np.float32)
    theta = (np.array([[1, 0, 0], [0, 1, 0]]) + rng.normal(scale=0.3, size=(3, 2, 3))).astype(np.float32)
    expected = warp(torch.from_numpy(features), torch.from_numpy(theta)).numpy()
    assert np.abs(geometry.warp(features, theta) - expected).max() < 1e-5
    assert np.allclose(geometry.centroid(features), centroid(torch.from_numpy(features)).numpy(), atol=1e-6)


def test_numpy_pivot_thetas_match_torch_and_undo_each_other():
    rng = np.random.default_rng(1)
    theta = (np.array([[1, 0, 0], [0, 1, 0]]) + rng.normal(scale=0.3, size=(4, 2, 3))).astype(np.float32)
    pivot = rng.uniform(-0.5, 0.5, size=(4, 2)).astype(np.float32)
    about = geometry.theta_about(theta, pivot)
    assert np.allclose(about, theta_about(torch.from_numpy(theta), torch.from_numpy(pivot)).numpy(), atol=1e-6)
    assert np.allclose(geometry.theta_from(about, pivot),
                       theta_from(torch.from_numpy(about), torch.from_numpy(pivot)).numpy(), atol=1e-6)
    assert np.allclose(geometry.theta_from(about, pivot), theta, atol=1e-6)


def test_rotation_and_scale_keep_the_character_centre_where_the_motion_put_it():
    moved = np.array([[1.0, 0.0, -0.3], [0.0, 1.0, 0.1]], np.float32)  # the motion shifts the character
    edited = geometry.compose_pose(moved, Pose(0, 0, rotation=90, scale=2))
    forward = np.linalg.inv(np.vstack([edited, [0, 0, 1]]))
    centre_after_motion = np.linalg.inv(np.vstack([moved, [0, 0, 1]]))[:2, 2]
    assert np.allclose(forward[:2, 2], centre_after_motion, atol=1e-6)  # the centre stays put
    assert np.allclose(forward[:2, :2], [[0, -2], [2, 0]], atol=1e-6)  # 90 degrees clockwise, twice the size


def test_a_pose_translates_by_fractions_of_the_model_square_and_identity_changes_nothing():
    moved = np.array([[1.0, 0.0, -0.3], [0.0, 1.0, 0.1]], np.float32)
    assert geometry.is_identity_pose(Pose()) and not geometry.is_identity_pose(Pose(scale=1.5))
    assert geometry.compose_pose(moved, Pose()) is moved
    shifted = geometry.compose_pose(geometry.IDENTITY_THETA, Pose(tx=0.125, ty=-0.0625))
    # an eighth of the square right, a sixteenth up (2 units wide): sample 0.25 to the left, 0.125 below
    assert np.allclose(shifted, [[1, 0, -0.25], [0, 1, 0.125]], atol=1e-6)


def test_the_character_part_and_the_field_add_up_to_the_features():
    rng = np.random.default_rng(2)
    features = rng.normal(size=(4, 16, 16)).astype(np.float32) + 3.0  # a field of 3 everywhere
    character, field = geometry.split_field(features)
    assert np.allclose(character + field, features)
    assert np.all(character[:, 0, :] == 0) and np.all(character[:, :, -1] == 0)  # the rim is the field's
    assert np.allclose(np.median(character[:, 1:-1, 1:-1], axis=(1, 2)), 0, atol=1e-6)
