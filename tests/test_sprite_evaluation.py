"""The paper's sprite evaluation (training/evaluation/evaluate_sprites.py, `evaluate --dataset sprites`): the
error splits, the baselines (the optical-flow transfer among them) against numpy by hand, the sharpness, the
analogy's wiring, and a tiny model end to end."""

import json
import math

import numpy as np
import pytest

import main
from tests.conftest import ROOT, tiny_model_config, tiny_train_config
from training.data.sprites import ANIMATIONS, GREY, Analogies, Sprites, SpriteSheets, characters, sequence
from training.evaluation.evaluate_sprites import (
    ALL,
    DRAWN,
    FLOW,
    METHODS,
    SHARPNESS,
    analogy,
    evaluate_sprites,
    example_errors,
    format_table,
    iter_analogies,
    method_errors,
    paper_scale,
    results_json,
)
from training.evaluation.flow_baseline import SPRITES_PRESET, flow_transfer
from training.evaluation.metrics import per_example_sharpness, per_example_sse

SPRITES_DIR = ROOT.parent / "shared" / "data" / "lpc-sprites"


@pytest.fixture(scope="module")
def sheets():
    assert (SPRITES_DIR / "body" / "0.png").is_file(), f"the shared sprite sheets are missing from {SPRITES_DIR}"
    return SpriteSheets.load(SPRITES_DIR)


@pytest.fixture(scope="module")
def test_split(sheets):
    return Sprites(sheets, "test")


@pytest.fixture(scope="module")
def tiny_scene():
    import torch

    from training.model.scene_functions import TorchScene
    from training.model.scene_model import SceneModel

    torch.manual_seed(0)
    return TorchScene(SceneModel(tiny_model_config()))


def test_sse_splits_add_up_and_follow_the_mask():
    rng = np.random.default_rng(0)
    prediction, target = rng.random((2, 3, 3, 8, 8)).astype(np.float32)
    mask = rng.random((3, 8, 8)) < 0.3
    errors = example_errors(prediction, target, mask)
    assert np.allclose(errors["background_sse"] + errors["character_sse"], errors["sse"])
    squared = (prediction.astype(np.float64) - target) ** 2
    assert np.allclose(errors["character_sse"], [squared[i][:, mask[i]].sum() for i in range(3)])
    assert np.allclose(errors["mse"], errors["sse"] / (3 * 8 * 8))
    wrong_inside = target.copy()
    wrong_inside[0][:, mask[0]] += 0.5  # an error on the character alone leaves the background's sum at 0
    alone = example_errors(wrong_inside, target, mask)
    assert alone["background_sse"][0] == 0
    assert math.isclose(alone["character_sse"][0], 0.25 * 3 * mask[0].sum(), rel_tol=1e-6)
    assert per_example_sse(target, target).tolist() == [0, 0, 0]
    assert math.isclose(paper_scale(64), 3600 / 4096)


def by_hand(sprites: Sprites, a, b, animation, direction, p, q, a_background, b_background):
    """One analogy example made straight from the sheets, and B_q's mask from its alpha."""
    row = sequence(animation, direction)
    a_rgba, b_rgba = sprites.rgba(a, row, [p, q]), sprites.rgba(b, row, [p, q])
    a_bg, b_bg = sprites.backgrounds[a_background], sprites.backgrounds[b_background]
    a_frames = a_rgba[:, :3] * a_rgba[:, 3:] + a_bg * (1 - a_rgba[:, 3:])
    b_frames = b_rgba[:, :3] * b_rgba[:, 3:] + b_bg * (1 - b_rgba[:, 3:])
    return dict(a_p=a_frames[0], a_q=a_frames[1], b_p=b_frames[0], b_q=b_frames[1], background=b_bg,
                b_q_mask=b_rgba[1, 3] > 0, sequence=row)


def stacked(examples: list[dict]) -> Analogies:
    arrays = {key: np.stack([e[key] for e in examples]) for key in
              ("a_p", "a_q", "b_p", "b_q", "background", "b_q_mask")}
    return Analogies(**arrays, sequences=[e["sequence"] for e in examples])


@pytest.mark.parametrize("backgrounds", [True, False])
def test_the_baselines_match_numpy_by_hand_on_two_examples(sheets, backgrounds):
    sprites = Sprites(sheets, "test", with_backgrounds=backgrounds)
    test = characters("test")
    examples = [by_hand(sprites, test[0], test[1], "walk", "front", 1, 5, 0, 3 if backgrounds else 0),
                by_hand(sprites, test[7], test[2], "slash", "left", 4, 0, 0, 0)]
    errors = method_errors(None, stacked(examples))
    assert set(errors) == {"Baseline: Copy", "Baseline: No object", FLOW}
    for i, example in enumerate(examples):
        b_q, mask = example["b_q"].astype(np.float64), example["b_q_mask"]
        assert 0 < mask.sum() < mask.size
        # The flow transfer: B_p moved as A moved, by the flow from A_q back to A_p.
        flow = flow_transfer(example["b_p"][None], example["a_p"][None], example["a_q"][None], SPRITES_PRESET)[0]
        for name, guess in (("Baseline: Copy", example["b_p"]), ("Baseline: No object", example["background"]),
                            (FLOW, flow)):
            squared = ((guess - b_q) ** 2).sum(axis=0)  # over the channels, per pixel
            assert math.isclose(errors[name]["sse"][i], squared.sum(), rel_tol=1e-9)
            assert math.isclose(errors[name]["character_sse"][i], squared[mask].sum(), rel_tol=1e-9)
            assert math.isclose(errors[name]["background_sse"][i], squared[~mask].sum(), rel_tol=1e-9, abs_tol=1e-9)
            assert math.isclose(errors[name]["mse"][i], squared.sum() / b_q.size, rel_tol=1e-9)
        # Only B_q's character differs from its background, so "no object" errs inside the mask alone.
        assert errors["Baseline: No object"]["background_sse"][i] == 0
        for name, guess in (("Baseline: Copy", example["b_p"]), (FLOW, flow)):  # sharpness inside B_q's mask
            assert math.isclose(errors[name]["sharpness"][i],
                                per_example_sharpness(guess[None], b_q[None], mask[None])[0], rel_tol=1e-9)
        assert "sharpness" not in errors["Baseline: No object"]
    if not backgrounds:
        assert np.all(examples[0]["background"] == np.float32(GREY))


class Arithmetic:
    """A stand-in model that shows which image went where: h = x_c + (x_t2 - x_t1) + 0 * x_b."""

    image_size = 64

    def encode_character(self, images):
        return images

    def encode_background(self, images):
        return np.zeros_like(images)

    def motion(self, features_from, features_to):
        return features_to - features_from

    def render(self, character, theta, background, source=None):
        return character + theta + background


def test_the_analogy_is_b_p_moved_as_a_moved_on_b_p_background(test_split):
    examples = next(iter_analogies(test_split, 3, seed=5))
    prediction = analogy(Arithmetic(), examples)
    assert np.allclose(prediction, examples.b_p + examples.a_q - examples.a_p, atol=1e-6)
    errors = method_errors(Arithmetic(), examples)["Analogy"]
    assert np.allclose(errors["sse"], ((prediction.astype(np.float64) - examples.b_q) ** 2).sum(axis=(1, 2, 3)))


def test_examples_are_drawn_from_the_seed_with_distinct_frames_and_alpha_masks(test_split):
    five = next(iter_analogies(test_split, 5, seed=2))
    three = next(iter_analogies(test_split, 3, seed=2))
    other = next(iter_analogies(test_split, 3, seed=3))
    assert len(five.b_q) == 5 and len(three.b_q) == 3
    assert np.array_equal(three.b_q, five.b_q[:3]) and not np.array_equal(three.b_q, other.b_q)
    assert all((five.b_p[i] != five.b_q[i]).any() for i in range(5))
    for i in range(5):  # where B_q's alpha is 0 the frame is its background exactly
        outside = ~five.b_q_mask[i]
        assert np.array_equal(five.b_q[i][:, outside], five.background[i][:, outside])
        assert five.sequences[i].animation in ANIMATIONS


def test_a_tiny_model_reports_every_field(sheets, tiny_scene, test_split, monkeypatch):
    import training.evaluation.evaluate_sprites as evaluation

    monkeypatch.setattr(evaluation.SpriteSheets, "load", lambda folder: sheets)  # loaded once per module
    results = evaluate_sprites(tiny_scene, SPRITES_DIR, examples=12, seed=0, progress=lambda message: None)
    assert (results["dataset"], results["backgrounds"], results["examples"], results["image_size"]) == \
        ("sprites", True, 12, 64)
    groups = results["animations"]
    assert ALL in groups and set(groups) - {ALL} <= set(ANIMATIONS) and len(groups) > 2
    assert sum(groups[name]["Analogy"]["examples"] for name in groups if name != ALL) == 12
    in_torch = [m for m in METHODS if m != DRAWN]  # a checkpoint has no workstation to draw it
    for group in groups.values():
        assert list(group) == in_torch
        for row in group.values():
            for key in ("psnr", "mse", "sse", "background_sse", "character_sse"):
                assert math.isfinite(row[key]) and f"{key}_ci95" in row
            for key in ("sse", "background_sse", "character_sse"):
                assert math.isclose(row[f"{key}_60"], row[key] * 3600 / 4096)
            assert math.isclose(row["background_sse"] + row["character_sse"], row["sse"], rel_tol=1e-9)
        for method, row in group.items():
            assert ("sharpness" in row) == (method in SHARPNESS)
    assert set(results["psnr"]) == set(in_torch) and 0 <= results["alpha_iou"]["mean"] <= 1
    assert set(results["sharpness"]) == set(SHARPNESS) - {DRAWN} and results["flow_preset"] == SPRITES_PRESET
    for method in set(SHARPNESS) - {DRAWN}:
        assert results["sharpness"][method]["mean"] == groups[ALL][method]["sharpness"] > 0
    # The same examples by hand: the copy baseline's mean over all of them.
    examples = next(iter_analogies(test_split, 12, seed=0))
    copy = ((examples.b_p.astype(np.float64) - examples.b_q) ** 2).sum(axis=(1, 2, 3))
    assert math.isclose(groups[ALL]["Baseline: Copy"]["sse"], copy.mean(), rel_tol=1e-9)
    copy_sharpness = per_example_sharpness(examples.b_p, examples.b_q, examples.b_q_mask)
    assert math.isclose(groups[ALL]["Baseline: Copy"]["sharpness"], copy_sharpness.mean(), rel_tol=1e-9)
    text = format_table(results)
    assert "79.0" in text and "28.5" in text and all(name in text for name in groups)
    assert json.loads(results_json(results), parse_constant=lambda name: pytest.fail(name)) == results


def test_without_backgrounds_the_canvas_is_grey_and_the_paper_has_no_sums(sheets, tiny_scene, monkeypatch):
    import training.evaluation.evaluate_sprites as evaluation

    monkeypatch.setattr(evaluation.SpriteSheets, "load", lambda folder: sheets)
    results = evaluate_sprites(tiny_scene, SPRITES_DIR, examples=3, seed=0, backgrounds=False,
                               progress=lambda message: None)
    assert results["backgrounds"] is False
    assert "grey canvas" in format_table(results) and "79.0" not in format_table(results)


def write_checkpoint(path, renderer="layered"):
    import torch

    from training.model.scene_model import SceneModel
    from training.run import checkpoint

    summed = {"alpha_plate": 0.0, "alpha_bound": 0.0} if renderer == "summed" else {}  # layered-only terms
    config = tiny_train_config(model=tiny_model_config(renderer=renderer), **summed)
    model = SceneModel(config.model)
    checkpoint.save(path, model=model, optimizer=torch.optim.AdamW(model.parameters()), step=1, config=config,
                    rng=np.random.default_rng(0))


def test_evaluate_dataset_sprites_from_the_command_line(tmp_path, capsys):
    import cv2

    write_checkpoint(tmp_path / "tiny.pt")
    out, pictures = tmp_path / "results" / "sprites.json", tmp_path / "pictures"
    assert main.main(["evaluate", str(tmp_path / "tiny.pt"), "--dataset", "sprites", "--n", "3", "--seed", "4",
                      "--no-backgrounds", "--json", str(out), "--figures", str(pictures)]) == 0
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())
    assert results["examples"] == 3 and results["seed"] == 4 and results["backgrounds"] is False
    assert results["model"]["checkpoint"].endswith("tiny.pt") and "Analogy" in results["psnr"]
    assert "PSNR (dB)" in printed and "Ours-BG" in printed
    # The flow transfer beside Copy and No object in each table, and the sharpness of three methods.
    tables = printed.split("\n\n")
    psnr_header, sums_header = tables[1].splitlines()[0], tables[2].splitlines()[1]
    assert psnr_header.split()[-6:] == ["Analogy", "Copy", "No", "object", "Flow", "transfer"]
    assert sums_header.split()[-5:] == ["copy", "no", "object", "flow", "transfer"]
    assert "(flow transfer: B_p moved by DIS optical flow" in printed
    sharpness = tables[3].splitlines()
    assert sharpness[0].startswith("Sharpness inside B_q's mask") and sharpness[1].split() == [
        "Analogy", "Copy", "Flow", "transfer"]
    all_row = next(line for line in sharpness if line.startswith("all")).split()
    assert all_row[1::3] == [f"{results['sharpness'][m]['mean']:.3f}" for m in ("Analogy", "Baseline: Copy", FLOW)]
    # Figure 5's eight rows (seven and the flow transfer) for each of three animations (walk's 9
    # frames the widest), and the character layer's five rows of eight test characters; every
    # image 64 pixels shown at twice.
    manipulations = cv2.imread(str(pictures / "sprites-manipulations.png"))
    layer = cv2.imread(str(pictures / "sprites-character-layer.png"))
    assert manipulations.shape == (24 * 130 + 2, 150 + 9 * 130 + 2, 3)
    assert layer.shape == (5 * 130 + 2, 150 + 8 * 130 + 2, 3)


def test_sprite_figures_of_a_summed_model_say_why_and_write_nothing(tmp_path, capsys):
    write_checkpoint(tmp_path / "summed.pt", renderer="summed")
    assert main.main(["evaluate", str(tmp_path / "summed.pt"), "--dataset", "sprites", "--n", "2",
                      "--figures", str(tmp_path / "pictures")]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert "the character-layer picture needs a layered model" in err and "Traceback" not in err
    assert not (tmp_path / "pictures").exists()


@pytest.mark.parametrize("argv, says", [
    (["--no-backgrounds"], "--no-backgrounds is for --dataset sprites"),
    (["--dataset", "sprites", "--data-dir", "{empty}"], "body/0.png: sprite layer sheet not found"),
    (["--dataset", "sprite"], "invalid choice: 'sprite'"),
])
def test_bad_sprite_evaluation_arguments_say_one_line(tmp_path, capsys, argv, says):
    write_checkpoint(tmp_path / "tiny.pt")
    (tmp_path / "empty").mkdir()
    argv = [a.replace("{empty}", str(tmp_path / "empty")) for a in argv]
    assert main.main(["evaluate", str(tmp_path / "tiny.pt"), "--n", "2", *argv]) == 2
    err = capsys.readouterr().err.splitlines()[-1]
    assert err.startswith("stopframe") and says in err and "Traceback" not in err, err
    assert not (tmp_path / "pictures").exists()


def test_a_bundle_and_its_model_give_the_same_figures(anchored_bundle, sheets, monkeypatch):
    import training.evaluation.evaluate_sprites as evaluation
    from training.model.scene_functions import TorchScene
    from workstation.render.engine import Engine

    monkeypatch.setattr(evaluation.SpriteSheets, "load", lambda folder: sheets)
    model, bundle = anchored_bundle
    in_torch, in_onnx = (evaluate_sprites(scene, SPRITES_DIR, examples=4, seed=1, progress=lambda message: None)
                         for scene in (TorchScene(model), Engine(bundle)))
    for key in ("sse", "background_sse", "character_sse", "psnr"):
        assert math.isclose(in_onnx["animations"][ALL]["Analogy"][key], in_torch["animations"][ALL]["Analogy"][key],
                            rel_tol=1e-3), key
    assert in_onnx["alpha_iou"]["mean"] == pytest.approx(in_torch["alpha_iou"]["mean"], abs=0.02)


def test_a_bundle_is_also_measured_as_the_workstation_draws_it(sheets, monkeypatch, capsys, tmp_path):
    """The shipped sprite model, evaluated from the command line: beside the graphs' analogy, the same
    examples as the workstation draws them crisp (its own pixels on the square's grid, under the matte),
    which for pixel art is the sharper of the two; both in every table."""
    import training.evaluation.evaluate_sprites as evaluation

    monkeypatch.setattr(evaluation.SpriteSheets, "load", lambda folder: sheets)
    out = tmp_path / "sprites.json"
    assert main.main(["evaluate", str(ROOT / "assets" / "models" / "sprites"), "--dataset", "sprites",
                      "--n", "12", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    results = json.loads(out.read_text())
    assert list(results["animations"][ALL]) == list(METHODS)
    drawn, graphs = results["sharpness"][DRAWN]["mean"], results["sharpness"]["Analogy"]["mean"]
    assert drawn > graphs + 0.1, (drawn, graphs)
    assert results["psnr"][DRAWN]["psnr"] != results["psnr"]["Analogy"]["psnr"]
    tables = printed.split("\n\n")
    assert tables[1].splitlines()[0].split()[2:7] == ["n", "Analogy", "Analogy,", "as", "drawn"]
    assert "as drawn by the workstation (crisp, at the model's square):" in tables[2]
    assert tables[3].splitlines()[1].split()[:4] == ["Analogy", "Analogy,", "as", "drawn"]
