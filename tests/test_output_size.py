"""Frames rendered at the source's own size (docs/DESIGN.md, "Output at the source's own size"):
the engine over clips whose own frames it reads (a ``sources.ClipFrames``, as the project's
``ProjectFrames``), with the shipped demo model (layered, 64x64) and the summed one."""

from collections.abc import Callable

import cv2
import numpy as np
import pytest

from workstation.kernel.locations import asset_path
from workstation.media import fit
from workstation.project import CharacterRequest, FrameRef, FrameRequest, Output, Pose
from workstation.render.bundle import open_bundle
from workstation.render.engine import Engine
from workstation.render.framing import ClipGeometry, Framing
from workstation.render.geometry import IDENTITY_THETA
from workstation.render.matte import clean_matte
from workstation.render.sources import ClipFrames

SIZE = 64
HD = Output(1280, 720, "crisp")
HD_SMOOTH = Output(1280, 720, "smooth")
VIEWS = ("composite", "background", "characters", "alpha")


class MemoryClips:
    """Clips of in-memory uint8 frames (each a function of the frame number), fitted each its own
    way: what ``shot_frames.ProjectFrames`` gives an engine, without files."""

    def __init__(self, clips: dict[str, tuple[Callable[[int], np.ndarray], str]]):
        self.clips = clips

    def __call__(self, clip: str, frame: int) -> np.ndarray:
        return fit(self.original(clip, frame), SIZE, self.clips[clip][1])

    def original(self, clip: str, frame: int) -> np.ndarray:
        return self.clips[clip][0](frame)

    def geometry(self, clip: str) -> ClipGeometry:
        height, width = self.original(clip, 0).shape[:2]
        return ClipGeometry(width, height, self.clips[clip][1])


def fine_detail(width, height, seed=0):
    """uint8 RGB: every pixel its own (noise over a gentle gradient): detail a resize would lose."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(60, 190, width)[None, :, None] + np.linspace(-30, 30, height)[:, None, None]
    return np.clip(ramp + rng.integers(-50, 51, (height, width, 3)), 0, 255).astype(np.uint8)


def textured(width, height, seed=1, base=(0, 225, 225)):
    """uint8 RGB: a cyan ground with a blotchy texture, as the demo clips' grounds are."""
    rng = np.random.default_rng(seed)
    blotches = cv2.resize(rng.uniform(-25, 25, (height // 16 + 1, width // 16 + 1, 3)).astype(np.float32),
                          (width, height), interpolation=cv2.INTER_CUBIC)
    return np.clip(np.asarray(base, np.float32) + blotches, 0, 255).astype(np.uint8)


def disc_on_texture(width, height, fit_mode="crop", radius=12.0):
    """uint8 RGB: a dark disc (``radius`` in model square pixels once fitted) in the middle of a
    textured ground, anti-aliased: a character the demo model, trained on dark digits, takes."""
    image = textured(width, height)
    per_pixel = (min if fit_mode == "crop" else max)(width, height) / SIZE
    cv2.circle(image, (width * 8, height * 8), round(radius * per_pixel * 16), (12, 12, 12), -1, cv2.LINE_AA, 4)
    return image


@pytest.fixture(scope="module")
def demo_bundle():
    return open_bundle(asset_path("models", "demo"))


@pytest.fixture(scope="module")
def summed_bundle():
    return open_bundle(asset_path("models", "summed"))


HD_BACKGROUND = fine_detail(1280, 720)
HD_ACTOR = disc_on_texture(1280, 720)
TALL_ACTOR = disc_on_texture(1080, 1920)  # more pixels per square pixel than the output has


@pytest.fixture
def clips():
    return MemoryClips({
        "backdrop": (lambda frame: HD_BACKGROUND, "crop"),
        "actor": (lambda frame: HD_ACTOR, "crop"),
        "small backdrop": (lambda frame: textured(SIZE, SIZE, seed=4, base=(250, 235, 210)), "crop"),
        "small actor": (lambda frame: disc_on_texture(SIZE, SIZE), "crop"),
        "tall actor": (lambda frame: TALL_ACTOR, "crop"),
    })


def character(clip="actor", pose=Pose(0, 0, 0, 1), name="a", frame=0):
    return CharacterRequest(FrameRef(clip, frame), None, pose, name)


def request(*characters, background="backdrop", output=HD, frame=0):
    return FrameRequest("shot", frame, FrameRef(background, frame), tuple(characters), output)


def as_float(image):
    """uint8 [h, w, 3] -> float32 [3, h, w], as the engine's views are."""
    return image.transpose(2, 0, 1).astype(np.float32) / np.float32(255.0)


def psnr(a, b):
    """In dB, images in [0, 1]; infinite when they are equal."""
    with np.errstate(divide="ignore"):
        return 10 * np.log10(1.0 / np.mean((np.asarray(a, np.float64) - b) ** 2))


def own_matte(engine, clips, clip):
    """The matte of the character a clip frame holds itself (the character graph at identity)."""
    features = engine.encode_character(clips(clip, 0)[None])
    return clean_matte(engine.character_layer(features, IDENTITY_THETA[None])[1])


# -- the background is the frame -------------------------------------------------------------------
@pytest.mark.parametrize("scaling", ["crisp", "smooth"])
def test_the_background_at_its_own_size_is_the_source_pixel_for_pixel(demo_bundle, clips, scaling):
    engine = Engine(demo_bundle, clips)
    assert not own_matte(engine, clips, "backdrop").any()  # the backdrop holds no character of its own
    frame = request(character(), output=Output(1280, 720, scaling))
    background, composite, alpha = (engine.render_requests([frame], view)[0] for view in
                                    ("background", "composite", "alpha"))
    assert background.shape == composite.shape == (3, 720, 720 * 16 // 9)
    source = as_float(HD_BACKGROUND)
    assert np.array_equal(background, source)
    away = alpha[0] == 0
    assert 0.9 < away.mean() < 1.0  # the character is drawn, and only where it is
    assert np.array_equal(composite[:, away], source[:, away])


@pytest.mark.parametrize("scaling", ["crisp", "smooth"])
def test_the_background_at_half_its_size_is_the_source_averaged(demo_bundle, clips, scaling):
    engine = Engine(demo_bundle, clips)
    background = engine.render_requests([request(output=Output(640, 360, scaling))], "background")[0]
    assert background.shape == (3, 360, 640)
    expected = as_float(cv2.resize(HD_BACKGROUND, (640, 360), interpolation=cv2.INTER_AREA))
    assert psnr(background, expected) >= 35
    assert psnr(background, as_float(HD_BACKGROUND[::2, ::2])) < 30  # the detail is averaged, not dropped


@pytest.mark.parametrize("scaling", ["crisp", "smooth"])
def test_the_side_bands_show_the_background_frame_alone_in_every_view(demo_bundle, clips, scaling):
    """A crop background leaves bands the model never saw: no character is drawn there, even one
    pushed against the square's edge by its pose."""
    engine = Engine(demo_bundle, clips)
    frame = request(character(pose=Pose(0.42, 0.0, 0, 1)), character("small actor", Pose(-0.45, 0.1, 20, 1.2), "b"),
                    output=Output(1280, 720, scaling))
    x, y, side_x, side_y = engine.framing(frame).square_rect
    assert (x, y, side_x, side_y) == pytest.approx((280, 0, 720, 720))
    bands = np.ones(1280, bool)
    bands[280:1000] = False
    source = as_float(HD_BACKGROUND)
    views = {view: engine.render_requests([frame], view)[0] for view in VIEWS}
    assert np.array_equal(views["composite"][:, :, bands], source[:, :, bands])
    assert np.array_equal(views["background"][:, :, bands], source[:, :, bands])
    assert not views["characters"][:, :, bands].any() and not views["alpha"][:, :, bands].any()
    square = views["alpha"][0][:, ~bands]
    assert square[:, :12].any() and square[:, -24:].any()  # the characters reach the square's sides


# -- characters at the output size -----------------------------------------------------------------
def test_a_small_clips_character_enlarged_crisply_is_its_matte_repeated(demo_bundle, clips):
    engine = Engine(demo_bundle, clips)
    actor = character("small actor", Pose(0.1, -0.05, 15, 1.1))
    square, enlarged = (engine.render_requests([request(actor, background="small backdrop", output=output)], "alpha")[0]
                        for output in (None, Output(256, 256)))
    assert square.shape == (1, SIZE, SIZE) and enlarged.shape == (1, 256, 256)
    assert (square == 1).sum() > 20 and ((square > 0) & (square < 1)).any()  # a character, with a soft edge
    assert np.array_equal(enlarged, np.kron(square, np.ones((1, 4, 4), np.float32)))


@pytest.mark.parametrize("clip", ["actor", "tall actor"])  # the background's size and fit, and others
def test_a_character_from_a_large_frame_keeps_the_matte_rules_promise_at_any_size(demo_bundle, clips, clip):
    """Exactly 0 away from the character, exactly 1 inside it, soft only across a narrow edge."""
    engine = Engine(demo_bundle, clips)
    actor = character(clip, pose=Pose(0.05, -0.03, 10, 1.1))
    square = engine.render_requests([request(actor, output=None)], "alpha")[0, 0]
    alpha = engine.render_requests([request(actor)], "alpha")[0, 0]
    framing = engine.framing(request(actor))
    scale = framing.scale
    assert scale == pytest.approx(720 / SIZE)
    # the output pixels whose bilinear neighbours in the square (the 2x2 about where they sample) are all 1, or
    # all 0: no smoothing, nor the edge's refinement, reaches them
    neighbours = bilinear_neighbours(square, framing)
    inside, away = (neighbours == 1).all(axis=0), (neighbours == 0).all(axis=0)
    assert inside.sum() > 1000 and away.mean() > 0.9  # enough of each for the next line to check
    assert np.all(alpha[inside] == 1) and np.all(alpha[away] == 0)
    soft = (alpha > 0) & (alpha < 1)
    assert soft.any()
    # a band about a square pixel wide along the character's edges (its outline's and its holes'), not a
    # haze: the edges' length is the contours' own (a box around each would miss the inner edge of an
    # open ring, as the digit model draws this disc: the inside of its "C" belongs to the outline)
    contours, _ = cv2.findContours((alpha > 0).astype(np.uint8), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    edges = sum(cv2.arcLength(contour, True) for contour in contours)
    assert soft.sum() <= 1.5 * scale * edges, (soft.sum(), edges)


def bilinear_neighbours(square, framing):
    """[4, H, W]: for each output pixel, the four square pixels a bilinear sample at its position
    mixes (0 beyond the square's edges)."""
    ys, xs = np.mgrid[0 : framing.height, 0 : framing.width].astype(np.float64)
    matrix = framing.output_to_square
    qx, qy = matrix[0, 0] * xs + matrix[0, 2], matrix[1, 1] * ys + matrix[1, 2]
    padded = np.pad(square, 1)
    left = np.clip(np.floor(qx).astype(int) + 1, 0, square.shape[1])
    top = np.clip(np.floor(qy).astype(int) + 1, 0, square.shape[0])
    return np.stack([padded[top + dy, left + dx] for dy in (0, 1) for dx in (0, 1)])


def test_a_pose_moves_a_character_by_fractions_of_the_squares_side_in_the_output(demo_bundle, clips):
    engine = Engine(demo_bundle, clips)
    _, _, side, _ = engine.framing(request()).square_rect
    still, moved = (engine.render_requests([request(character(pose=pose))], "alpha")[0, 0]
                    for pose in (Pose(0, 0, 0, 1), Pose(0.25, -0.125, 0, 1)))
    shift = np.subtract(centre_of(moved), centre_of(still))
    assert shift == pytest.approx((0.25 * side, -0.125 * side), abs=0.02 * side)  # 180, -90 output pixels


def test_characters_over_the_background_make_the_composite(demo_bundle, clips):
    engine = Engine(demo_bundle, clips)
    frame = request(character(pose=Pose(-0.08, 0.05, -10, 1.1)), character("small actor", Pose(0.1, 0, 30, 1.3), "b"),
                    output=HD_SMOOTH)
    composite, background, characters = (engine.render_requests([frame], view)[0] for view in
                                         ("composite", "background", "characters"))
    rgb, alpha = characters[:3], characters[3:]
    assert ((alpha > 0) & (alpha < 1)).any() and (alpha == 1).any()
    assert np.abs(alpha * rgb + (1 - alpha) * background - composite).max() < 1e-5


def test_a_summed_bundle_draws_at_the_output_size_with_the_frame_in_the_side_bands(summed_bundle, clips):
    engine = Engine(summed_bundle, clips)
    frames = [request(character()), request(character(pose=Pose(0.2, 0, 0, 1)))]
    bands = np.ones(1280, bool)
    bands[280:1000] = False
    source = as_float(HD_BACKGROUND)
    for view, channels in (("composite", 3), ("background", 3), ("characters", 4), ("alpha", 1)):
        images = engine.render_requests(frames, view)
        assert images.shape == (2, channels, 720, 1280) and images.dtype == np.float32
        assert images.min() >= 0 and images.max() <= 1
        for image in images:
            if channels == 3:
                assert np.array_equal(image[:, :, bands], source[:, :, bands])
                assert not np.array_equal(image[:, :, ~bands], source[:, :, ~bands])  # the model's square
            else:
                assert not image[:, :, bands].any()


# -- the caches, and the framing --------------------------------------------------------------------
def test_a_shot_played_at_720p_keeps_every_cache_within_its_bytes(demo_bundle):
    def moving_backdrop(frame):  # a background that changes every frame
        return np.roll(HD_BACKGROUND, 7 * frame, axis=1)

    clips = MemoryClips({"backdrop": (moving_backdrop, "crop"), "actor": (lambda frame: HD_ACTOR, "crop")})
    frames = [request(character(pose=Pose(0.3 * np.sin(k / 6), 0.1 * np.cos(k / 9), 3 * k, 1)), frame=k)
              for k in range(60)]
    tight, roomy = Engine(demo_bundle, clips, cache_bytes=64 << 20), Engine(demo_bundle, clips, cache_bytes=1 << 30)
    assert len(tight.caches) == 5
    for frame in frames:  # one at a time, as a viewport plays (a batch may round differently)
        assert np.array_equal(tight.render_frame(frame), roomy.render_frame(frame))
        for name, cache in tight.caches.items():
            assert cache.nbytes <= cache.max_bytes, name
    assert sum(cache.max_bytes for cache in tight.caches.values()) <= 64 << 20
    assert len(tight.caches["encodings"]) > 0 and len(tight.caches["layers"]) > 0


def test_the_engines_framing_is_the_one_it_draws_with(demo_bundle, clips):
    engine = Engine(demo_bundle, clips)
    actor = character(pose=Pose(0.15, -0.1, 0, 1))
    for output, background, rect in ((HD, "backdrop", (280, 0, 720, 720)),
                                     (Output(512, 512), "backdrop", (0, 0, 512, 512)),  # the frame's middle
                                     (Output(256, 256), "small backdrop", (0, 0, 256, 256))):
        framing = engine.framing(request(actor, background=background, output=output))
        assert (framing.width, framing.height) == output.size and framing.square_rect == pytest.approx(rect)
        geometry = clips.geometry(background)
        assert np.allclose(framing.output_to_square,
                           Framing.of_background(geometry, output.size, SIZE).output_to_square)
        # the character lands where the framing puts the square's
        square = engine.render_requests([request(actor, background=background, output=None)], "alpha")[0, 0]
        drawn = engine.render_requests([request(actor, background=background, output=output)], "alpha")[0, 0]
        [(cx, cy)] = framing.to_output([centre_of(square)])
        assert np.hypot(*(np.subtract(centre_of(drawn), (cx, cy)))) < 0.5 * framing.scale


def centre_of(alpha):
    """(x, y) of the alpha-weighted centre of an image, in its pixel positions."""
    ys, xs = np.mgrid[0 : alpha.shape[0], 0 : alpha.shape[1]]
    return float((alpha * xs).sum() / alpha.sum()), float((alpha * ys).sum() / alpha.sum())


def test_a_request_without_an_output_renders_the_model_square(demo_bundle, clips):
    engine = Engine(demo_bundle, clips)
    assert isinstance(clips, ClipFrames)
    frame = request(character(), output=None)
    assert engine.framing(frame).is_square
    for view in VIEWS:
        image = engine.render_requests([frame], view)
        assert image.shape == (1, {"characters": 4, "alpha": 1}.get(view, 3), SIZE, SIZE)
    with pytest.raises(ValueError, match="share one output size"):
        engine.render_requests([frame, request(character())], "alpha")
    plain = Engine(demo_bundle, clips.__call__)  # a plain frame source: fitted squares only
    assert plain.render_requests([request(character())], "composite").shape == (1, 3, SIZE, SIZE)
    assert plain.framing(request(character())).is_square
