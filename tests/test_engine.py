"""The engine over a bundle's graphs: what each layer draws, in which order, from which cache, for
the layered renderer (the default) and the summed one (the paper's; every format 1 bundle)."""

import threading

import numpy as np
import pytest
import torch

from tests.conftest import trained_looking_model
from training.bundle_export import export_bundle
from training.model.decoders import composite
from workstation.project import CharacterRequest, FrameRef, FrameRequest, MotionRequest, Pose
from workstation.render import geometry
from workstation.render.engine import Engine
from workstation.render.layered import LayeredRenderer
from workstation.render.matte import clean_matte
from workstation.render.summed import SummedRenderer

SIZE = 64


@pytest.fixture
def frames():
    """A frame source over synthetic clips of random images (deterministic per clip/frame)."""
    def source(clip, frame):
        rng = np.random.default_rng(hash((clip, frame)) % 2**32)
        return rng.random((3, SIZE, SIZE), dtype=np.float32)
    return source


def image(frames, clip, frame):
    return torch.from_numpy(frames(clip, frame))[None]


def frame_request(*characters, background=("bg", 0)):
    return FrameRequest(shot="s", index=0, background=FrameRef(*background), characters=tuple(characters))


def character(clip="actor", frame=0, motion=None, edit=None, name=""):
    return CharacterRequest(source=FrameRef(clip, frame), motion=None if motion is None else MotionRequest(*motion),
                            pose=edit or Pose(0, 0, 0, 1), name=name)


def test_engine_inputs_outputs_and_dynamic_batch(anchored_bundle):
    _, folder = anchored_bundle
    engine = Engine(folder)
    assert engine.device in ("CPU", "CUDA") and engine.device_line.startswith("rendering on")
    for n in (1, 5):
        features = engine.encode_character(np.random.rand(n, 3, SIZE, SIZE).astype(np.float32))
        assert features.shape == (n, 8, 16, 16)
        assert engine.motion(features, features).shape == (n, 2, 3)
        rgb, alpha = engine.character_layer(features, engine.motion(features, features))
        assert rgb.shape == (n, 3, SIZE, SIZE) and alpha.shape == (n, 1, SIZE, SIZE)
        assert engine.plate(features).shape == (n, 3, SIZE, SIZE)


def test_the_bundle_kind_picks_the_renderer_once(anchored_bundle, summed_bundle, frames):
    layered, summed = Engine(anchored_bundle[1], frames), Engine(summed_bundle[1], frames)
    assert isinstance(layered.renderer, LayeredRenderer) and isinstance(summed.renderer, SummedRenderer)
    assert layered.with_frames(frames).renderer is not layered.renderer  # the new engine's caches are its own
    frame = frame_request(character(motion=("walk", 0, 2)))
    assert layered.render_view([frame], "both").shape == (1, 3, SIZE, SIZE)  # every bundle has renderer.onnx
    with pytest.raises(ValueError, match="allowed values are both, background, character, empty"):
        summed.render_view([frame], "composite")


def test_a_frame_request_renders_h_with_either_renderer(anchored_bundle, summed_bundle, frames):
    for model, folder in (anchored_bundle, summed_bundle):
        engine = Engine(folder, frames)
        got = engine.render_frame(frame_request(character(motion=("walk", 2, 4))))
        x_c, x_t1, x_t2, x_b = (image(frames, *at) for at in (("actor", 0), ("walk", 2), ("walk", 4), ("bg", 0)))
        with torch.no_grad():
            expected = model(x_c, x_t1, x_t2, x_b)[0].numpy()
            assert np.abs(engine.h(x_c.numpy(), x_t1.numpy(), x_t2.numpy(), x_b.numpy())[0] - expected).max() < 1e-4
            if model.layered:  # the engine's frame is h with the character's alpha under the matte rule
                theta = model.motion(model.encoder_character(x_t1), model.encoder_character(x_t2))
                layer = matted(model.character_layer(model.encoder_character(x_c), theta))
                expected = composite(background(model, frames, ("bg", 0)), [layer])[0].numpy()
        assert np.abs(got - expected).max() < 1e-4


def two_characters(model, frames):
    """A frame request of two characters, one moved by a clip's motion, one by a hand pose, and
    each one's features and theta as the model computes them."""
    first = character("actor", 0, motion=("walk", 0, 3))
    second = character("extra", 1, edit=Pose(tx=-6 / SIZE, ty=5 / SIZE, rotation=30, scale=0.8))
    with torch.no_grad():
        f1, f2 = model.encoder_character(image(frames, "actor", 0)), model.encoder_character(image(frames, "extra", 1))
        theta1 = model.motion(model.encoder_character(image(frames, "walk", 0)),
                              model.encoder_character(image(frames, "walk", 3)))
    theta2 = torch.from_numpy(geometry.compose_pose(geometry.IDENTITY_THETA, second.pose))[None]
    return frame_request(first, second), (f1, theta1), (f2, theta2)


def background(model, frames, at):
    """The engine's background of a layered model: the frame itself, with the plate only where the
    frame's own character is (the character decoder at identity, its alpha under the matte rule)."""
    x_b = image(frames, *at)
    with torch.no_grad():
        plate = model.plate(model.encoder_background(x_b))
        _, own = matted(model.character_layer(model.encoder_character(x_b), torch.eye(2, 3)[None]))
    return own * plate + (1 - own) * x_b


def matted(layer):
    """A decoder's (rgb, alpha) with its alpha under the matte rule, as the engine's views draw it."""
    rgb, alpha = layer
    return rgb, torch.from_numpy(clean_matte(alpha.numpy()))


# -- the layered renderer ------------------------------------------------------------------------------
def test_layers_of_a_layered_bundle_are_its_decoders(anchored_bundle, frames):
    model, folder = anchored_bundle
    engine = Engine(folder, frames)
    frame, (f1, theta1), (f2, theta2) = two_characters(model, frames)
    with torch.no_grad():
        plate = background(model, frames, ("bg", 0))
        layers = [matted(model.character_layer(f1, theta1)), matted(model.character_layer(f2, theta2))]
        expected = composite(plate, layers)[0].numpy()  # back to front, the second on top
        ink = 1 - (1 - layers[0][1]) * (1 - layers[1][1])
    assert np.abs(engine.render_frame(frame) - expected).max() < 1e-4
    assert np.abs(engine.render_frame(frame, "background") - plate[0].numpy()).max() < 1e-4
    alpha = engine.render_frame(frame, "alpha")
    assert alpha.shape == (1, SIZE, SIZE) and np.abs(alpha - ink[0].numpy()).max() < 1e-4
    assert 0.0 <= alpha.min() and alpha.max() <= 1.0
    rgba = engine.render_frame(frame, "characters")
    assert rgba.shape == (4, SIZE, SIZE) and 0.0 <= rgba.min() and rgba.max() <= 1.0
    over_plate = rgba[3:] * rgba[:3] + (1 - rgba[3:]) * plate[0].numpy()  # the cut-out, composited again
    assert np.abs(over_plate - expected).max() < 1e-4
    with pytest.raises(ValueError, match="allowed values"):
        engine.render_frame(frame, layer="mask")


def test_one_character_alone_by_name(anchored_bundle, frames):
    _, folder = anchored_bundle
    engine = Engine(folder, frames)
    hero, extra = character("actor", 0, name="hero"), character("extra", 1, edit=Pose(tx=9 / SIZE), name="extra")
    both = frame_request(hero, extra)
    for layer in ("composite", "characters", "alpha"):
        alone = engine.render_requests([both], layer, character="extra")[0]
        assert np.array_equal(alone, engine.render_frame(frame_request(extra), layer))
    nobody = engine.render_requests([both], "alpha", character="nobody")[0]
    assert not nobody.any()


@pytest.fixture(scope="module")
def opaque_bundle(tmp_path_factory):
    """A layered bundle whose characters are opaque everywhere (alpha bias +30) and whose colours
    vary strongly with the features (RGB weights x 300): where two overlap, only the one on top
    can show."""
    model = trained_looking_model(anchored=True)
    with torch.no_grad():
        last = model.character_decoder.layers[-2]
        last.bias[3] = 30.0
        last.weight[:, :3] *= 300.0
    return model, export_bundle(model, tmp_path_factory.mktemp("opaque") / "bundle")


def test_the_later_character_is_drawn_on_top_and_swapping_swaps_them(opaque_bundle, frames):
    _, folder = opaque_bundle
    engine = Engine(folder, frames)
    red, blue = character("actor", 0, name="red"), character("extra", 1, edit=Pose(tx=3 / SIZE), name="blue")
    red_alone, blue_alone = engine.render_frame(frame_request(red)), engine.render_frame(frame_request(blue))
    assert np.abs(red_alone - blue_alone).max() > 0.05  # two different pictures
    assert np.abs(engine.render_frame(frame_request(red, blue)) - blue_alone).max() < 1e-5
    assert np.abs(engine.render_frame(frame_request(blue, red)) - red_alone).max() < 1e-5


def test_a_drag_decodes_one_character_again_and_nothing_else(anchored_bundle, frames):
    _, folder = anchored_bundle
    calls = []

    def counting(clip, frame):
        calls.append((clip, frame))
        return frames(clip, frame)

    engine = Engine(folder, counting)
    decoded = {"plate": 0, "character": 0}
    graphs = engine.graphs  # what the layered renderer decodes with
    plate, character_layer = graphs.plate, graphs.character_layer

    def count(name, function):
        def counted(*arrays):
            decoded[name] += len(arrays[0])
            return function(*arrays)
        return counted

    graphs.plate, graphs.character_layer = count("plate", plate), count("character", character_layer)
    still = character("extra", 2, name="extra")
    frame = frame_request(character(motion=("walk", 0, 2)), still)
    first = engine.render_frame(frame)
    # the plate, the background frame's own character (where the plate replaces it), then the two; the
    # frames read: actor, extra, walk 0, walk 2, and bg three times (its two encodings and itself, drawn)
    assert decoded == {"plate": 1, "character": 3} and len(calls) == 7
    for step in range(1, 4):  # a drag: each move decodes the dragged character, nothing else
        engine.render_frame(frame_request(character(motion=("walk", 0, 2), edit=Pose(step / SIZE, 0, 0, 1)), still))
    assert decoded == {"plate": 1, "character": 6} and len(calls) == 7
    assert np.array_equal(engine.render_frame(frame), first)
    small = Engine(folder, frames, cache_bytes=40_000)  # room for 2 encodings (8 KiB), no plate or layer (48, 64)
    assert np.array_equal(small.render_frame(frame), first)
    renderer = small.renderer
    assert len(small.graphs.encodings) == 2
    assert not any(len(cache) for cache in (renderer.plates, renderer.backgrounds, renderer.layers))


@pytest.mark.parametrize("fixture", ["anchored_bundle", "summed_bundle"])
def test_over_a_long_shot_every_cache_stays_within_its_bytes(fixture, frames, request):
    """300 frames of a walking, turning character over a moving background, rendered as playback
    does (one frame a call) and as an export does (16 a call), overflow every cache of a 1 MiB engine
    many times over; each stays within its bound, and the frames are what a roomy engine draws."""
    _, folder = request.getfixturevalue(fixture)
    budget = 1 << 20
    engine = Engine(folder, frames, cache_bytes=budget)
    shot = [frame_request(character("actor", k % 7, motion=("walk", k % 3, k), edit=Pose(k % 9 / SIZE, 0, k, 1)),
                          character("extra", 1, edit=Pose(0, k % 5 / SIZE, 0, 1)), background=("bg", k % 50))
            for k in range(300)]
    caches = engine.caches
    layered = {"plates", "backgrounds", "layers"} if engine.layered else set()
    assert set(caches) == {"encodings", "thetas"} | layered
    assert sum(cache.max_bytes for cache in caches.values()) == budget
    assert {name: cache.max_bytes for name, cache in engine.with_frames(frames).caches.items()} == \
        {name: cache.max_bytes for name, cache in caches.items()}  # a clip change keeps the budget
    most = dict.fromkeys(caches, 0)
    for batch in [[r] for r in shot[:150]] + [shot[k:k + 16] for k in range(150, 300, 16)]:
        engine.render_requests(batch)
        for name, cache in caches.items():
            assert cache.nbytes <= cache.max_bytes, name
            most[name] = max(most[name], cache.nbytes)
    for name, cache in caches.items():
        assert most[name] > cache.max_bytes // 2, name  # each filled up: what came later evicted
    roomy = Engine(folder, frames)
    for k in (0, 149, 299):  # evicting changed nothing drawn
        assert np.abs(engine.render_frame(shot[k]) - roomy.render_frame(shot[k])).max() < 1e-6


def test_outlines_are_the_centre_of_the_alpha(anchored_bundle, frames):
    """(That they follow a trained character's ink and a hand move: tests/test_character_shapes.py.)"""
    _, folder = anchored_bundle
    engine = Engine(folder, frames)
    placed = engine.placed(character())
    alpha = engine.character_layer(placed.features[None], placed.theta[None])[1][0, 0]  # the decoder's, not the matte
    alpha = np.where(alpha >= 0.5, alpha, 0) if (alpha >= 0.5).any() else alpha  # the opaque part, if any
    shape = engine.character_shapes(frame_request(character()))[0]
    ys, xs = np.mgrid[0:SIZE, 0:SIZE] + 0.5
    assert abs(shape.x - (alpha * xs).sum() / alpha.sum()) < 1e-3
    assert abs(shape.y - (alpha * ys).sum() / alpha.sum()) < 1e-3


def test_with_frames_shares_the_loaded_graphs_and_starts_with_empty_caches(anchored_bundle, frames):
    """A clip change makes a new engine over the new frames; the old one is left as it was (a
    worker may still be rendering with it), and an engine cannot be changed from outside."""
    _, folder = anchored_bundle
    engine = Engine(folder, frames)
    frame = frame_request(character(motion=("walk", 0, 2)))
    before = engine.render_frame(frame)

    def other(clip, frame):
        return 1.0 - frames(clip, frame)

    swapped = engine.with_frames(other)
    assert swapped is not engine and swapped.bundle is engine.bundle  # no graph is loaded again
    assert swapped.frames is other and engine.frames is frames
    assert len(swapped.graphs.encodings) == 0 and len(swapped.graphs.thetas) == 0
    assert len(swapped.renderer.plates) == 0 and len(swapped.renderer.layers) == 0
    assert np.array_equal(swapped.render_frame(frame), Engine(folder, other).render_frame(frame))
    assert not np.array_equal(swapped.render_frame(frame), before)
    assert np.array_equal(engine.render_frame(frame), before)
    with pytest.raises(AttributeError):
        engine.frames = other


@pytest.mark.parametrize("fixture", ["anchored_bundle", "summed_bundle"])
def test_rendering_from_several_threads_gives_the_serial_result(fixture, frames, request):
    _, folder = request.getfixturevalue(fixture)
    engine = Engine(folder, frames)
    frame_requests = [frame_request(character(motion=("walk", 0, k), edit=Pose(k / SIZE, 0, 3 * k, 1)))
                      for k in range(8)]
    serial = Engine(folder, frames).render_requests(frame_requests)
    results = [None] * 8

    def work(k):
        results[k] = engine.render_frame(frame_requests[k])

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(np.abs(results[k] - serial[k]).max() < 1e-6 for k in range(8))


def test_plain_bundles_edit_about_the_character_centroid(tmp_path, frames):
    model = trained_looking_model(anchored=False)
    folder = export_bundle(model, tmp_path / "plain")
    engine = Engine(folder, frames)
    assert engine.anchored is False
    got = engine.render_frame(frame_request(character(edit=Pose(tx=8 / SIZE, ty=0, rotation=0, scale=1))))
    with torch.no_grad():
        features = model.encoder_character(image(frames, "actor", 0))
        layer = matted(model.character_layer(features, torch.tensor([[[1.0, 0.0, -0.25], [0.0, 1.0, 0.0]]])))
        expected = composite(background(model, frames, ("bg", 0)), [layer])[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


# -- the summed renderer (the paper's; format 1) -----------------------------------------------------
def test_summed_a_hand_translation_moves_the_character_not_its_field(summed_bundle, frames):
    model, folder = summed_bundle
    engine = Engine(folder, frames)
    got = engine.render_frame(frame_request(character(edit=Pose(tx=8 / SIZE, ty=-4 / SIZE, rotation=0, scale=1))))
    # 8 px right and 4 px up on a 64 px image: sample 0.25 to the left and 0.125 below. The edit
    # moves the character part of f_c; the field it carries everywhere stays where it was.
    theta = torch.tensor([[[1.0, 0.0, -0.25], [0.0, 1.0, 0.125]]])
    with torch.no_grad():
        features = model.encoder_character(image(frames, "actor", 0))
        character_part = torch.from_numpy(geometry.character_only(features.numpy()))
        background = model.encoder_background(image(frames, "bg", 0)) + (features - character_part)
        expected = model.render(character_part, theta, background)[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_summed_several_characters_are_summed_in_feature_space(summed_bundle, frames):
    model, folder = summed_bundle
    frame, (f1, theta1), (f2, theta2) = two_characters(model, frames)
    got = Engine(folder, frames).render_frame(frame)
    with torch.no_grad():
        background = model.encoder_background(image(frames, "bg", 0))
        f2 = torch.from_numpy(geometry.character_only(f2.numpy()))  # the second adds itself alone
        expected = model.renderer(model.place(f1, theta1) + model.place(f2, theta2) + background)[0].numpy()
    assert np.abs(got - expected).max() < 1e-4


def test_summed_layers_and_views(summed_bundle, frames):
    model, folder = summed_bundle
    engine = Engine(folder, frames)
    frame = frame_request(character())
    with torch.no_grad():
        plate = model.renderer(model.encoder_background(image(frames, "bg", 0)))[0].numpy()
        alone = model.renderer(model.encoder_character(image(frames, "actor", 0)))[0].numpy()
    assert np.abs(engine.render_frame(frame, layer="background") - plate).max() < 1e-4
    assert np.abs(engine.render_view([frame], "character")[0] - alone).max() < 1e-4
    rgba, alpha = engine.render_frame(frame, "characters"), engine.render_frame(frame, "alpha")
    assert rgba.shape == (4, SIZE, SIZE) and np.array_equal(rgba[3:], alpha)
    assert np.array_equal(rgba[:3], engine.render_frame(frame)) and 0 <= alpha.min() <= alpha.max() <= 1
    with pytest.raises(ValueError, match="summed bundle has no separate layer graphs"):
        engine.plate(np.zeros((1, 8, 16, 16), np.float32))


def test_a_hidden_character_is_not_drawn_and_the_shot_order_is_the_z_order(opaque_bundle, frames):
    """Through the document: render_requests leaves a hidden character out and keeps the shot's
    order, so with opaque characters the frame is the last shown character's."""
    from workstation import project as doc

    _, folder = opaque_bundle
    engine = Engine(folder, frames)
    clip = doc.ClipRef("clip.mp4", 4, 12.0, 64, 64)
    shot = doc.Shot("s", 2, 12.0, doc.FrameRef("bg", 0), [
        doc.Character("red", doc.FrameRef("actor", 0)),
        doc.Character("blue", doc.FrameRef("extra", 1), keyframes=[doc.Keyframe(0, doc.Pose(tx=3 / SIZE))])])
    project = doc.Project(clips={name: clip for name in ("bg", "actor", "extra")}, shots=[shot])
    red, blue = (engine.render_requests(doc.render_requests(project, "s", [0]), character=name)[0]
                 for name in ("red", "blue"))

    def frame():
        return engine.render_requests(doc.render_requests(project, "s", [0]))[0]

    assert np.abs(frame() - blue).max() < 1e-5
    doc.move_character(shot, "blue", 0)  # blue to the back: red on top
    assert np.abs(frame() - red).max() < 1e-5
    doc.set_hidden(shot, "red", True)
    assert np.abs(frame() - blue).max() < 1e-5
    assert engine.render_requests(doc.render_requests(project, "s", [0]), "alpha", character="red")[0].max() == 0
