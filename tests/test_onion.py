"""Onion skin: neighbours' characters drawn as tinted ghosts under the current frame's character."""

import numpy as np

from workstation.onion import NEXT_TINT, PREVIOUS_TINT, character_mask, onion_skin

PLATE_COLOUR = (0.8, 0.75, 0.6)


def frame_with_ink_at(x: int | None) -> np.ndarray:
    """A 32x32 plate with a 4x4 black character at column ``x`` (None: the plate alone)."""
    image = np.empty((32, 32, 3), np.float32)
    image[:] = PLATE_COLOUR
    image += np.random.default_rng(x or 0).normal(0, 0.01, image.shape).astype(np.float32)  # renderer noise
    if x is not None:
        image[14:18, x:x + 4] = 0.0
    return image


def test_the_neighbours_show_as_tinted_ghosts_and_the_current_character_stays_on_top():
    plate, current = frame_with_ink_at(None), frame_with_ink_at(14)
    out = onion_skin(current, plate, previous=frame_with_ink_at(4), following=frame_with_ink_at(24))
    earlier, later, here = out[15, 5], out[15, 25], out[15, 15]
    assert np.array_equal(here, current[15, 15])  # the current character is untouched
    assert earlier[0] > earlier[2] + 0.1 and later[2] > later[0] + 0.1  # red before, blue after
    assert np.all(np.abs(earlier - plate[15, 5]) > 0.05)  # a visible ghost...
    assert np.abs(earlier - np.asarray(PREVIOUS_TINT) * 0.5).max() < 0.45  # ...a faint one
    assert np.array_equal(out[2:10, :], current[2:10, :])  # the plate elsewhere is as it was
    assert NEXT_TINT != PREVIOUS_TINT


def test_a_neighbour_that_overlaps_the_current_character_hides_under_it():
    plate, current = frame_with_ink_at(None), frame_with_ink_at(14)
    out = onion_skin(current, plate, previous=frame_with_ink_at(16))
    assert np.array_equal(out[14:18, 14:18], current[14:18, 14:18])
    assert out[15, 19, 0] > out[15, 19, 2]  # the part that sticks out is a red ghost


def test_no_neighbours_or_no_opacity_change_nothing():
    plate, current = frame_with_ink_at(None), frame_with_ink_at(14)
    assert np.array_equal(onion_skin(current, plate), current)
    assert np.array_equal(onion_skin(current, plate, frame_with_ink_at(4), frame_with_ink_at(24), opacity=0.0),
                          current)


def test_the_character_mask_ignores_renderer_noise():
    plate, current = frame_with_ink_at(None), frame_with_ink_at(14)
    mask = character_mask(current, plate)
    assert mask[14:18, 14:18].min() == 1.0
    assert mask[:10].max() == 0.0
