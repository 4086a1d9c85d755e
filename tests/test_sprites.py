"""The sprites dataset (training/data/sprites.py): the split rule, the README's sequences, alpha
composition over backgrounds, and one-line refusals of missing or malformed layer sheets."""

import hashlib
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from training.data import sprites
from training.data.mmnist import background_specs, paint_background
from training.data.sprites import Character, DataError, Sprites, SpriteSheets
from workstation.kernel.locations import asset_path

ROOT = Path(__file__).resolve().parents[1]
SPRITES_DIR = ROOT.parent / "shared" / "data" / "lpc-sprites"
README_FRAMES = {"spellcast": 7, "thrust": 8, "walk": 9, "slash": 6, "shoot": 13}  # ../shared/data/README.md


@pytest.fixture(scope="session")
def sheets() -> SpriteSheets:
    assert (SPRITES_DIR / "body" / "0.png").is_file(), f"the shared sprite sheets are missing from {SPRITES_DIR}"
    return SpriteSheets.load(SPRITES_DIR)


@pytest.fixture(scope="session")
def validation(sheets) -> Sprites:
    return Sprites(sheets, "val")


# -- the split --------------------------------------------------------------------------------

@pytest.mark.parametrize("body, bottomwear, topwear, hair, first_byte, split", [
    (3, 1, 4, 1, 76, "train"),
    (6, 5, 4, 9, 1, "val"),
    (0, 0, 0, 1, 90, "test"),
    (4, 0, 0, 2, 41, "val"),
])
def test_a_known_tuple_lands_in_its_split(body, bottomwear, topwear, hair, first_byte, split):
    text = f"{body}-{bottomwear}-{topwear}-{hair}"
    assert hashlib.sha256(text.encode()).digest()[0] == first_byte  # worked out by hand: % 10 gives the split
    assert sprites.split_of(body, bottomwear, topwear, hair) == split
    character = Character(body, bottomwear, topwear, hair)
    assert character.key == text and character.split == split
    assert character in sprites.characters(split)


def test_the_three_splits_are_disjoint_and_cover_every_tuple():
    everything = sprites.all_characters()
    assert len(everything) == len(set(everything)) == 7 * 7 * 7 * 10
    splits = {split: set(sprites.characters(split)) for split in sprites.SPLITS}
    assert {split: len(members) for split, members in splits.items()} == {"train": 2742, "val": 332, "test": 356}
    assert not splits["train"] & splits["val"] and not splits["train"] & splits["test"]
    assert not splits["val"] & splits["test"]
    assert splits["train"] | splits["val"] | splits["test"] == set(everything)


def test_eyes_and_shoes_are_fixed_per_character_and_all_are_used():
    everything = sprites.all_characters()
    again = sprites.all_characters()
    assert [(c.eyes, c.shoes) for c in everything] == [(c.eyes, c.shoes) for c in again]
    assert {c.eyes for c in everything} == set(range(5)) and {c.shoes for c in everything} == set(range(3))
    character = Character(2, 3, 4, 5)
    assert character.layers() == (2, 3, 4, 5, character.eyes, character.shoes)


# -- sequences --------------------------------------------------------------------------------

def test_sequences_have_the_readme_frame_counts():
    rows = sprites.sequences()
    assert len(rows) == 20 and [s.row for s in rows] == list(range(20))
    for s in rows:
        assert s.length == README_FRAMES[s.animation]
        assert s.direction == ("back", "left", "front", "right")[s.row % 4]
    hurt = sprites.sequences(hurt=True)
    assert len(hurt) == 21 and hurt[-1] == sprites.Sequence("hurt", "front", 20, 6)
    assert sprites.sequence("walk", "left") == sprites.Sequence("walk", "left", 9, 9)
    with pytest.raises(ValueError, match="walk/up"):
        sprites.sequence("walk", "up")


def test_the_sheets_draw_exactly_the_frames_a_sequence_uses():
    """Every body sheet has a drawing in each used frame and none beyond (the README's counts)."""
    for variant in range(7):
        sheet = sprites.read_sheet(sprites.sheet_path(SPRITES_DIR, "body", variant))
        drawn = (sheet[..., 3] > 0).any(axis=(2, 3))  # [rows, columns]
        for s in sprites.sequences(hurt=True):
            assert drawn[s.row].tolist() == [k < s.length for k in range(13)], (variant, s)


def test_a_character_sequence_has_one_rgba_frame_per_frame(sheets, validation):
    character = validation.characters[0]
    for s in sprites.sequences(hurt=True):
        rgba = validation.rgba(character, s)
        assert rgba.shape == (s.length, 4, 64, 64) and rgba.dtype == np.float32
        assert (rgba[:, 3].reshape(s.length, -1).max(axis=1) == 1.0).all()  # the body is drawn in every frame
    walk = sprites.sequence("walk", "front")
    assert np.array_equal(validation.rgba(character, walk, [2, 5]), validation.rgba(character, walk)[[2, 5]])
    with pytest.raises(ValueError):
        validation.rgba(character, walk, [9])


# -- composition --------------------------------------------------------------------------------

def test_composition_shapes_and_value_ranges(validation):
    x1, x2 = validation.random_pairs(np.random.default_rng(0), 6)
    for images in (x1, x2):
        assert images.shape == (6, 3, 64, 64) and images.dtype == np.float32
        assert images.min() >= 0.0 and images.max() <= 1.0
    rgba = validation.rgba(validation.characters[3], sprites.sequence("shoot", "right"))
    assert rgba.min() >= 0.0 and rgba.max() <= 1.0
    assert np.all(rgba[:, :3][np.broadcast_to(rgba[:, 3:] == 0, rgba[:, :3].shape)] == 0)  # no colour where nothing is


def test_a_transparent_pixel_shows_the_background_exactly_and_an_opaque_one_the_character(validation):
    character, walk = validation.characters[7], sprites.sequence("walk", "right")
    rgba = validation.rgba(character, walk)
    frames = validation.frames(character, walk, background=5)
    background = validation.backgrounds[5]
    clear, solid = rgba[:, 3] == 0, rgba[:, 3] == 1
    assert clear.any() and solid.any()
    for channel in range(3):
        assert np.array_equal(frames[:, channel][clear], np.broadcast_to(background[channel], clear.shape)[clear])
        assert np.array_equal(frames[:, channel][solid], rgba[:, channel][solid])
    assert np.array_equal(validation.render(character, walk, 4, 5), frames[4])


def test_layers_are_stacked_in_the_readme_order(sheets):
    """Where a layer is opaque, nothing below it shows; the top opaque layer gives the colour."""
    character = Character(1, 2, 3, 4)
    walk = sprites.sequence("walk", "front")
    rgba = sheets.rgba(character, walk)
    index = sprites._ROW_START[walk.row] + np.arange(walk.length)
    layers = [sheets.frames[layer][variant, index] for layer, variant in zip(sprites.LAYERS, character.layers())]
    expected = np.zeros((walk.length, 64, 64, 3), np.uint8)
    for layer in layers:  # body first, shoes last: each opaque pixel paints over what is below
        opaque = layer[..., 3] == 255
        expected[opaque] = layer[..., :3][opaque]
    fully = np.any([layer[..., 3] == 255 for layer in layers], axis=0)
    partial = np.any([(layer[..., 3] > 0) & (layer[..., 3] < 255) for layer in layers], axis=0)
    check = fully & ~partial
    assert check.sum() > 1000
    got = np.round(rgba[:, :3].transpose(0, 2, 3, 1) * 255).astype(np.uint8)
    assert np.array_equal(got[check], expected[check])


def test_the_two_frames_of_a_pair_share_one_background(validation):
    """The top-left corner (rows 0-8, columns 0-6) is never drawn on by any sheet."""
    x1, x2 = validation.random_pairs(np.random.default_rng(1), 40)
    assert np.array_equal(x1[:, :, :9, :7], x2[:, :, :9, :7])
    corners = {tuple(b[:, 0, 0]) for b in validation.backgrounds}
    assert all(tuple(x[:, 0, 0]) in corners for x in x1)
    assert len({tuple(x[:, 0, 0]) for x in x1}) > 10  # many backgrounds, not one


def test_pairs_are_two_different_frames_of_one_sequence_and_follow_the_seed(validation):
    first = validation.random_pairs(np.random.default_rng(3), 30)
    again = validation.random_pairs(np.random.default_rng(3), 30)
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not np.array_equal(first[0], validation.random_pairs(np.random.default_rng(4), 30)[0])
    who, which, _, frames = validation._draw(np.random.default_rng(5), 500)
    lengths = np.array([validation.sequences[s].length for s in which])
    assert (frames[:, 0] != frames[:, 1]).all() and (frames < lengths[:, None]).all() and (frames >= 0).all()
    assert len(set(which.tolist())) == 20 and len(set(who.tolist())) > 200


def test_shifted_moves_each_image_by_whole_pixels_and_uncovers_transparency():
    rgba = np.random.default_rng(0).random((2, 4, 64, 64)).astype(np.float32)
    moved = sprites.shifted(rgba, np.array([[3, -2], [0, 0]]))
    assert np.array_equal(moved[0, :, :62, 3:], rgba[0, :, 2:, :61])  # 3 right, 2 up
    assert (moved[0, :, :, :3] == 0).all() and (moved[0, :, 62:] == 0).all()  # transparent where uncovered
    assert np.array_equal(moved[1], rgba[1])


def test_shift_moves_the_two_frames_of_a_training_pair_apart_over_one_background(sheets):
    """The character's alpha-weighted centre moves between the frames; the background does not."""
    train = Sprites(sheets, "train", backgrounds=16, shift=8)
    still = Sprites(sheets, "train", backgrounds=16)
    rng = np.random.default_rng(2)
    who, which, _, frames = train._draw(rng, 200)
    rgba = train._composite(np.repeat(who, 2), np.repeat(which, 2), frames.reshape(-1))
    offsets = np.random.default_rng(9).integers(-8, 9, size=(len(rgba), 2))
    moved = sprites.shifted(rgba, offsets)

    def centre(alpha):
        ys, xs = np.nonzero(alpha > 0.5)
        return np.array([xs.mean(), ys.mean()])

    kept = [i for i in range(len(rgba)) if (moved[i, 3] > 0.5).sum() > 50]
    steps = np.array([centre(moved[i, 3]) - centre(rgba[i, 3]) for i in kept])
    assert len(kept) > 300 and np.abs(steps - offsets[kept]).max() < 3  # moved by its offset (a few clipped)
    x1, x2 = train.random_pairs(np.random.default_rng(1), 20)
    y1, y2 = still.random_pairs(np.random.default_rng(1), 20)
    assert not np.array_equal(x1, y1) and x1.shape == y1.shape and 0 <= x1.min() and x1.max() <= 1


def test_backgrounds_per_split_their_counts_and_seeds(sheets):
    train = Sprites(sheets, "train", backgrounds=300)
    test = Sprites(sheets, "test", backgrounds=300)
    assert train.backgrounds.shape == (300, 3, 64, 64)
    assert test.backgrounds.shape == (sprites.EVALUATION_BACKGROUNDS, 3, 64, 64) == (100, 3, 64, 64)
    assert np.array_equal(test.backgrounds, sprites.background_images("test"))
    assert np.array_equal(Sprites(sheets, "val").backgrounds, sprites.background_images("val"))
    train_set = {b.tobytes() for b in train.backgrounds}
    assert not any(b.tobytes() in train_set for b in test.backgrounds)
    mnist_test = paint_background(background_specs("test")[0]).transpose(2, 0, 1)
    assert not any(np.array_equal(mnist_test, b) for b in test.backgrounds)  # sprites have their own seeds


def test_without_backgrounds_every_frame_is_over_flat_grey(sheets):
    grey = Sprites(sheets, "val", with_backgrounds=False)
    assert grey.backgrounds.shape == (1, 3, 64, 64) and (grey.backgrounds == sprites.GREY).all()
    x1, x2 = grey.random_pairs(np.random.default_rng(0), 8)
    assert (x1[:, :, :9, :7] == sprites.GREY).all() and (x2[:, :, :9, :7] == sprites.GREY).all()


def test_larger_images_are_the_frames_scaled_by_whole_pixels(sheets):
    big = Sprites(sheets, "val", image_size=128)
    small = Sprites(sheets, "val")
    character, slash = small.characters[2], sprites.sequence("slash", "left")
    large = big.frames(character, slash, 3)
    assert large.shape == (6, 3, 128, 128)
    assert np.array_equal(large[:, :, ::2, ::2], small.frames(character, slash, 3))
    assert np.array_equal(large[:, :, 1::2, 1::2], small.frames(character, slash, 3))
    assert big.random_pairs(np.random.default_rng(0), 2)[0].shape == (2, 3, 128, 128)


def test_analogies_pair_two_characters_in_one_sequence(validation):
    examples = validation.random_analogies(np.random.default_rng(2), 12)
    for images in (examples.a_p, examples.a_q, examples.b_p, examples.b_q, examples.background):
        assert images.shape == (12, 3, 64, 64)
    assert examples.b_q_mask.shape == (12, 64, 64) and examples.b_q_mask.dtype == bool
    outside = np.broadcast_to(~examples.b_q_mask[:, None], examples.b_q.shape)
    assert np.array_equal(examples.b_q[outside], examples.background[outside])
    assert np.array_equal(examples.b_p[:, :, :9, :7], examples.background[:, :, :9, :7])
    assert len(examples.sequences) == 12
    assert not np.array_equal(examples.a_q, examples.b_q)


# -- bad sheets -----------------------------------------------------------------------------------

def sheets_folder_without(tmp_path: Path, missing: str) -> Path:
    """A copy of the sprites folder made of links to the shared sheets, less ``missing``."""
    folder = tmp_path / "sprites"
    for layer, count in sprites.LAYERS.items():
        (folder / layer).mkdir(parents=True)
        for variant in range(count):
            name = f"{layer}/{variant}.png"
            if name != missing:
                os.symlink(SPRITES_DIR / name, folder / name)
    return folder


def assert_one_line_naming(error: DataError, path: Path) -> str:
    message = str(error)
    assert "\n" not in message and str(path) in message
    return message


def test_a_missing_sheet_is_one_line_naming_the_file(tmp_path):
    folder = sheets_folder_without(tmp_path, "hair/7.png")
    with pytest.raises(DataError) as caught:
        SpriteSheets.load(folder)
    assert "not found" in assert_one_line_naming(caught.value, folder / "hair" / "7.png")


def write_png(path: Path, image: np.ndarray) -> None:
    ok, data = cv2.imencode(".png", image)
    assert ok
    path.write_bytes(data.tobytes())


@pytest.mark.parametrize("bad, says", [
    (lambda path: write_png(path, np.zeros((64, 64, 4), np.uint8)), "64x64 pixels"),
    (lambda path: write_png(path, np.zeros((1344, 832, 3), np.uint8)), "not an 8-bit RGBA image (3 channels"),
    (lambda path: write_png(path, np.zeros((1344, 832), np.uint8)), "not an 8-bit RGBA image (1 channels"),
    (lambda path: write_png(path, np.zeros((1344, 832, 4), np.uint16)), "4 channels of uint16"),
    (lambda path: path.write_bytes(b"\x89PNG\r\n\x1a\n but not really"), "not a readable PNG image"),
    (lambda path: path.write_bytes(b""), "not a readable PNG image"),
], ids=["wrong-size", "rgb", "grey", "16-bit", "garbage", "empty"])
def test_a_malformed_sheet_is_one_line_naming_the_file(tmp_path, bad, says):
    folder = sheets_folder_without(tmp_path, "topwear/2.png")
    bad(folder / "topwear" / "2.png")
    with pytest.raises(DataError) as caught:
        SpriteSheets.load(folder)
    assert says in assert_one_line_naming(caught.value, folder / "topwear" / "2.png")


def test_train_on_a_missing_sheet_says_so_in_one_line_and_exits_2(tmp_path, capsys):
    import main

    folder = sheets_folder_without(tmp_path, "shoes/1.png")
    code = main.main(["train", "--dataset", "sprites", "--data-dir", str(folder), "--steps", "1",
                      "--out", str(tmp_path / "run")])
    error = capsys.readouterr().err.strip()
    assert code == 2 and "\n" not in error and str(folder / "shoes" / "1.png") in error


def test_the_sprites_folder_is_found_in_the_data_folder(tmp_path):
    (tmp_path / "lpc-sprites").mkdir()
    assert sprites.sprites_dir(str(tmp_path), "train") == tmp_path / "lpc-sprites"
    assert sprites.sprites_dir(str(tmp_path / "lpc-sprites"), "train") == tmp_path / "lpc-sprites"


# -- training on sprites ----------------------------------------------------------------------------

def test_a_tiny_run_on_sprites_validates_the_analogy_and_the_alpha(tmp_path):
    from conftest import tiny_train_config

    from training.run.progress import terminal_bar
    from training.run.run_files import read_metrics
    from training.run.trainer import Trainer

    config = tiny_train_config(dataset="sprites", data_dir=str(SPRITES_DIR), backgrounds=20, steps=2, val_every=2,
                               sample_every=2, val_examples=6)
    lines = []
    callbacks = terminal_bar()
    callbacks.on_validation = lambda record: lines.append(record)
    trainer = Trainer(config, tmp_path / "run", callbacks)
    assert isinstance(trainer.train_data, Sprites) and trainer.train_data.split == "train"
    assert len(trainer.train_data.backgrounds) == 20 and trainer.val_data.split == "val"
    trainer.train()
    _, rows = read_metrics(tmp_path / "run" / "metrics.csv", 2)
    validated = rows[-1]
    for key in ("val_reconstruction_psnr", "val_analogy_psnr", "val_plate_psnr", "val_alpha_iou"):
        assert np.isfinite(float(validated[key])), key
    assert 0.0 <= float(validated["val_alpha_iou"]) <= 1.0
    assert lines[-1]["val_analogy_psnr"] == pytest.approx(float(validated["val_analogy_psnr"]), abs=1e-4)
    assert trainer.best_psnr == pytest.approx(lines[-1]["val_analogy_psnr"])  # the best checkpoint's score
    assert (tmp_path / "run" / "samples" / "step_0000002.png").is_file()


def test_backgrounds_0_draws_sprites_over_flat_grey():
    from conftest import tiny_train_config

    from training.model.config import ConfigError
    from training.run.trainer import open_datasets

    config = tiny_train_config(dataset="sprites", data_dir=str(SPRITES_DIR), backgrounds=0).validate()
    train, val = open_datasets(config)
    assert not train.with_backgrounds and not val.with_backgrounds and (train.backgrounds == sprites.GREY).all()
    with pytest.raises(ConfigError, match="backgrounds=0: must be an integer from 1"):
        tiny_train_config(backgrounds=0).validate()  # Moving MNIST has no flat grey


def test_the_sprites_recipe_trains_sprites_with_the_layered_renderer():
    from test_trainer import recipe_config

    config = recipe_config("sprites", f"data_dir={SPRITES_DIR.parent}")
    assert config.dataset == "sprites" and config.backgrounds > 0
    assert config.data_dir == str(SPRITES_DIR)  # the lpc-sprites folder inside the data folder
    assert config.model.renderer == "layered" and config.model.image_size == 64
    assert config.init_from == "digits-demo" and config.shift == 8  # what brought the sprite's alpha alive


def test_the_sprite_model_is_the_fourth_stage_recipes_run_started_from_the_third():
    """assets/models/sprites was trained as recipes/sprites-dense.toml says, from the model of
    recipes/sprites-source.toml (assets/models/sprites_affine), that one from the model of
    recipes/sprites-stage2.toml (assets/models/sprites_decoder), that one from the model of
    recipes/sprites.toml; the figures in each model.json are those of its evaluation in docs/results."""
    from test_trainer import recipe_config

    from training.model.config import TrainConfig
    from workstation.demos.sprite_demo import SPRITE_BUNDLE

    data = f"data_dir={SPRITES_DIR.parent}"
    stages = {}
    stages_run = ((SPRITE_BUNDLE, "sprites-dense", "sprites-dense-eval.json"),
                  (asset_path("models", "sprites_affine"), "sprites-source", "sprites-source-eval.json"),
                  (asset_path("models", "sprites_decoder"), "sprites-stage2", "sprites-eval.json"))
    for bundle, recipe, evaluation in stages_run:
        metadata = json.loads((bundle / "model.json").read_text())
        saved = metadata["trained_on"]["train_config"]
        rebuilt = stages[recipe] = TrainConfig.from_saved(saved).validate().to_dict()
        assert rebuilt == {**recipe_config(recipe, data).to_dict(), "data_dir": saved["data_dir"]}
        assert metadata["trained_on"]["steps"] <= rebuilt["steps"]
        assert metadata["evaluation"] == json.loads((ROOT / "docs" / "results" / evaluation).read_text())
    second, third, fourth = stages["sprites-stage2"], stages["sprites-source"], stages["sprites-dense"]
    assert second["alpha_static"] > 0 and third["model"]["colour"] == "source" and third["alpha_visible"] > 0
    first = recipe_config("sprites", data).to_dict()
    assert second == {**first, **{key: second[key] for key in (
        "steps", "lr", "alpha_static", "init_from", "seed", "data_dir")}}  # stage 2 changes only these
    assert third == {**second, **{key: third[key] for key in (  # stage 3 only these
        "steps", "alpha_visible", "alpha_tight", "alpha_align", "init_from", "val_every", "model")}}
    assert third["model"] == {**second["model"], "colour": "source"}
    assert fourth == {**third, **{key: fourth[key] for key in ("steps", "init_from", "model")}}  # stage 4 these
    assert fourth["model"] == {**third["model"], "dense": 4} and fourth["init_from"].endswith("sprites_affine")


def test_the_digits_demo_starts_a_sprite_model_with_its_decoders(sheets):
    """init_from "digits-demo" is the bundled layered digit model, whatever the working folder."""
    import torch

    from training.model.config import ModelConfig
    from training.model.scene_model import SceneModel
    from training.run.warm_start import bundle_folder, warm_start

    assert (bundle_folder("digits-demo") / "renderer_character.onnx").is_file()
    model = SceneModel(ModelConfig(renderer="layered"))
    before = model.character_decoder.layers[0].weight.clone()
    warm_start(model, "digits-demo")
    assert not torch.equal(before, model.character_decoder.layers[0].weight)
