"""The matte rule (workstation/render/matte.py): exactly 0 at or below LOW and away from every seed,
exactly 1 at or above HIGH and inside, soft only on the edge, monotone; and every view of the
shipped demos draws its characters' alpha under it, at the shot's output size as in the model square,
with the composite still the characters layer over the background view."""

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from workstation import project as document
from workstation.demos.digit_demo import build_demo_project
from workstation.demos.sprite_demo import build_sprite_demo_project
from workstation.kernel.locations import asset_path
from workstation.render.engine import Engine
from workstation.render.matte import clean_matte, connected, dilated, ramp
from workstation.render.shot_frames import ProjectFrames, open_engine
from workstation.render.summed import departure_coverage

levels = st.tuples(st.floats(0.0, 1.0, width=32), st.floats(0.0, 1.0, width=32)).map(sorted)
alphas = arrays(np.float32, st.tuples(st.integers(1, 2), st.integers(1, 9), st.integers(1, 9)),
                elements=st.floats(0.0, 1.0, width=32))


@given(values=arrays(np.float32, st.integers(1, 50), elements=st.floats(-0.5, 1.5, width=32)), bounds=levels)
def test_the_ramp_is_exactly_0_below_low_exactly_1_above_high_and_monotone(values, bounds):
    low, high = bounds
    out = ramp(values, low, high)
    assert out.dtype == np.float32 and out.shape == values.shape
    assert ((0.0 <= out) & (out <= 1.0)).all()
    assert (out[values >= high] == 1.0).all() and (out[(values <= low) & (values < high)] == 0.0).all()
    order = np.argsort(values, kind="stable")
    assert (np.diff(out[order]) >= 0).all()


def test_a_ramp_needs_low_at_most_high():
    with pytest.raises(ValueError, match="low <= high"):
        ramp(np.zeros(3, np.float32), 0.7, 0.3)


@settings(max_examples=200)
@given(alpha=alphas, bounds=levels, data=st.data())
def test_the_matte_is_0_below_low_1_above_high_soft_only_on_the_edge_and_monotone(alpha, bounds, data):
    low, high = bounds
    matte = clean_matte(alpha, low, high)
    assert matte.dtype == np.float32 and matte.shape == alpha.shape
    assert ((0.0 <= matte) & (matte <= 1.0)).all()
    assert (matte[alpha >= high] == 1.0).all() and (matte[(alpha <= low) & (alpha < high)] == 0.0).all()
    soft = (matte > 0) & (matte < 1)
    assert not (soft & ~dilated(matte == 0)).any()  # every soft pixel touches a clear one
    rise = data.draw(arrays(np.float32, alpha.shape, elements=st.floats(0.0, 1.0, width=32)))
    higher = np.minimum(alpha + rise, np.float32(1.0))  # more alpha anywhere never gives less matte anywhere
    assert (clean_matte(higher, low, high) >= matte).all()


def test_a_faint_speck_off_the_character_is_cleared_and_a_faint_pixel_inside_it_is_opaque():
    alpha = np.zeros((1, 9, 9), np.float32)
    alpha[0, 2:7, 2:5] = 0.9  # the character, with a hole the decoder is unsure of
    alpha[0, 4, 3] = 0.55
    alpha[0, 4, 7] = 0.6  # a speck two pixels off it, above LOW but joined to no seed
    matte = clean_matte(alpha, 0.5, 0.65)
    assert matte[0, 4, 7] == 0.0 and matte[0, 4, 3] == 1.0
    alpha[0, 4, 5:7] = 0.55  # joined to the body now, it stays, soft where it meets the clear
    matte = clean_matte(alpha, 0.5, 0.65)
    assert (0.0 < matte[0, 4, 5:8]).all() and (matte[0, 4, 5:8] < 1.0).all()
    assert np.array_equal(connected(alpha >= 0.65, alpha > 0.5), matte > 0)


def enlarged(square, engine, request):
    """A model-square image [..., S, S] as a crisp (nearest) output shows it: each square pixel a block
    of output pixels (the demos' 64-pixel clips fill their 256x256 outputs, 4x4 output pixels each)."""
    x, y, width, height = engine.framing(request).square_rect
    factor = round(width / engine.image_size)
    assert (x, y, width, height) == (0, 0, factor * engine.image_size, factor * engine.image_size) and factor > 1
    return square.repeat(factor, axis=-2).repeat(factor, axis=-1)


@pytest.fixture(scope="module", params=["digits", "sprites"])
def demo(request):
    """(engine, the requests of a shot of two characters) of a shipped demo, its shipped bundle."""
    if request.param == "digits":
        project, shot = build_demo_project(), "duet"
    else:
        project, shot = build_sprite_demo_project(), "party"
    return open_engine(project), document.render_requests(project, shot, range(0, 24, 4))


def test_every_view_draws_the_alpha_under_the_rule_and_the_composite_is_the_characters_over_the_background(demo):
    engine, requests = demo
    frame, background = engine.render_requests(requests, "composite"), engine.render_requests(requests, "background")
    characters, alpha = engine.render_requests(requests, "characters"), engine.render_requests(requests, "alpha")
    assert frame.shape[-2:] == background.shape[-2:] == alpha.shape[-2:] == requests[0].output.size[::-1]
    assert np.array_equal(characters[:, 3:], alpha)
    assert np.abs(characters[:, 3:] * characters[:, :3] + (1 - characters[:, 3:]) * background - frame).max() < 1e-5
    clear = np.broadcast_to(alpha == 0, frame.shape)
    assert clear.mean() > 0.5 and np.array_equal(frame[clear], background[clear])  # untouched away from them
    assert (alpha == 1).any() and ((alpha > 0) & (alpha < 1)).mean() < 0.05
    fresh = engine.with_frames(engine.frames)  # decodes one character a call, as below
    for request in requests[:2]:  # each character's alpha is its decoder's under the rule
        for character in request.characters:
            placed = fresh.placed(character)
            if placed.field is None:
                _, decoded = fresh.character_layer(placed.features[None], placed.theta[None])
            else:  # format 3 (the digit demo): placed by the field its motion gives
                decoded = fresh.graphs.character_parts(placed.features[None], placed.field[None])[1]
            matte = clean_matte(decoded)[0]
            in_square = fresh.render_requests([replace(request, output=None)], "alpha", character=character.name)[0]
            assert np.array_equal(in_square, matte)
            alone = fresh.render_requests([request], "alpha", character=character.name)[0]
            assert np.array_equal(alone, enlarged(matte, fresh, request))  # crisp: the same matte, enlarged
            assert (np.rint(decoded * 255) > 0).mean() > 0.5 and (alone == 0).mean() > 0.5  # a haze, cleared


def test_the_summed_renderer_reads_its_characters_alpha_under_the_same_rule():
    """A summed bundle has no alpha: its coverage is where the frame departs from the shot without
    the characters; its views show that coverage under the rule."""
    project = build_demo_project()
    engine = Engine(asset_path("models", "summed"), prefer_cuda=False)
    engine = engine.with_frames(ProjectFrames(project, engine.image_size))
    requests = document.render_requests(project, "duet", range(0, 24, 6))
    coverage = departure_coverage(engine.render_view(requests, "both"), engine.render_view(requests, "empty"))
    in_square = engine.render_requests([replace(r, output=None) for r in requests], "alpha")
    assert np.array_equal(in_square, clean_matte(coverage))
    alpha = engine.render_requests(requests, "alpha")  # the whole square enlarged to the shot's output, crisp
    characters = engine.render_requests(requests, "characters")
    assert np.array_equal(alpha, enlarged(clean_matte(coverage), engine, requests[0]))
    assert np.array_equal(characters[:, 3:], alpha)
    assert (alpha == 1).any() and (alpha == 0).mean() > 0.5
