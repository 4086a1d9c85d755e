"""Onion skin: neighbours' characters drawn as tinted ghosts under the current frame's character,
where their alpha says they are."""

import numpy as np

from workstation.render.onion import NEXT_TINT, PREVIOUS_TINT, OnionStyle, onion_skin

PLATE_COLOUR = (0.8, 0.75, 0.6)


def alpha_at(x: int | None) -> np.ndarray:
    """[32, 32]: a 4x4 opaque character at column ``x`` (None: no character)."""
    alpha = np.zeros((32, 32), np.float32)
    if x is not None:
        alpha[14:18, x:x + 4] = 1.0
    return alpha


def frame_with_ink_at(x: int | None) -> np.ndarray:
    """The composite: a plate with a black character at column ``x``."""
    image = np.empty((32, 32, 3), np.float32)
    image[:] = PLATE_COLOUR
    return image * (1.0 - alpha_at(x)[..., None])


def characters_at(x: int | None) -> np.ndarray:
    """The "characters" layer of that frame: black where the character is, transparent elsewhere."""
    return np.concatenate([np.zeros((32, 32, 3), np.float32), alpha_at(x)[..., None]], axis=2)


def test_the_neighbours_show_as_tinted_ghosts_and_the_current_character_stays_on_top():
    current = frame_with_ink_at(14)
    out = onion_skin(current, alpha_at(14), previous=characters_at(4), following=characters_at(24))
    earlier, later, here = out[15, 5], out[15, 25], out[15, 15]
    assert np.array_equal(here, current[15, 15])  # the current character is untouched
    assert earlier[0] > earlier[2] + 0.1 and later[2] > later[0] + 0.1  # red before, blue after
    assert np.all(np.abs(earlier - np.asarray(PLATE_COLOUR)) > 0.05)  # a visible ghost...
    assert np.abs(earlier - np.asarray(PREVIOUS_TINT) * 0.5).max() < 0.45  # ...a faint one
    assert np.array_equal(out[2:10, :], current[2:10, :])  # the plate elsewhere is as it was
    assert NEXT_TINT != PREVIOUS_TINT


def test_a_neighbour_that_overlaps_the_current_character_hides_under_it():
    current = frame_with_ink_at(14)
    out = onion_skin(current, alpha_at(14), previous=characters_at(16))
    assert np.array_equal(out[14:18, 14:18], current[14:18, 14:18])
    assert out[15, 19, 0] > out[15, 19, 2]  # the part that sticks out is a red ghost


def test_a_half_transparent_neighbour_leaves_a_fainter_ghost():
    current = frame_with_ink_at(None)
    half = characters_at(4)
    half[..., 3] *= 0.5
    strong = onion_skin(current, alpha_at(None), previous=characters_at(4))
    faint = onion_skin(current, alpha_at(None), previous=half)
    change = lambda out: np.abs(out[15, 5] - current[15, 5]).sum()  # noqa: E731
    assert 0.3 * change(strong) < change(faint) < 0.7 * change(strong)


def test_no_neighbours_or_no_opacity_change_nothing():
    current = frame_with_ink_at(14)
    assert np.array_equal(onion_skin(current, alpha_at(14)), current)
    assert np.array_equal(onion_skin(current, alpha_at(14), characters_at(4), characters_at(24),
                                     style=OnionStyle(opacity=0.0)), current)


def test_more_frames_on_each_side_fade_with_distance_in_the_chosen_colours():
    current = frame_with_ink_at(None)
    green, yellow = (0.0, 1.0, 0.0), (1.0, 1.0, 0.0)
    style = OnionStyle(frames=2, opacity=0.8, earlier=green, later=yellow)
    out = onion_skin(current, alpha_at(None), previous=[characters_at(8), characters_at(2)],
                     following=[characters_at(20), None], style=style)
    change = lambda x: np.abs(out[15, x] - current[15, x]).sum()  # noqa: E731
    assert change(9) > 1.5 * change(3) > 0  # the nearer earlier frame is stronger than the farther one
    assert out[15, 9, 1] > out[15, 9, 0] + 0.1 and out[15, 9, 1] > out[15, 9, 2] + 0.1  # green before
    assert out[15, 21, 0] > out[15, 21, 2] + 0.1 and out[15, 21, 1] > out[15, 21, 2] + 0.1  # yellow after
    one_frame = onion_skin(current, alpha_at(None), previous=[characters_at(8), characters_at(2)],
                           style=OnionStyle(frames=1))
    assert np.array_equal(one_frame[15, 3], current[15, 3])  # only as many frames as the style says
