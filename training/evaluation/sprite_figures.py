"""The sprite pictures of ``evaluate --dataset sprites --figures``: manipulations like the paper's
Figure 5 (background swap, animation transfer, both) and the character layer alone, on unseen test
characters over unseen test backgrounds (or the flat grey canvas without backgrounds).

The characters, backgrounds and animations shown are drawn from a fixed seed, so the pictures of
two models show the same examples. Images are uint8 RGB [H, W, 3], scaled up for viewing.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from training.data.sprites import Sprites, SpriteSheets, sequence
from training.evaluation.figures import checkerboard, image_grid, save_rgb
from training.evaluation.flow_baseline import SPRITES_PRESET, flow_transfer
from training.evaluation.manipulation import LayeredSceneFunctions, SceneFunctions, h, is_layered
from workstation.kernel.errors import StopframeError

FIGURES = ("sprites-manipulations.png", "sprites-character-layer.png")
SHOWN = (("walk", "right"), ("slash", "left"), ("spellcast", "front"))  # one panel each
SEED = 5
CHECKER = 8  # pixels per square of the transparency checkerboard
LIGHT_CHECKS = (0.8, 0.95)  # its two shades, lighter than the Moving MNIST figure's
LAYER_EXAMPLES = 8


def manipulations_figure(scene: SceneFunctions, dataset: Sprites, seed: int = SEED) -> np.ndarray:
    """One panel per animation of ``SHOWN``, its frames left to right. Rows: three test characters
    A, B, C, each over its own test background (ground truth); then A over B's background (the
    background swap, h(A_t, A_t, A_t, B_0)); A moved from its first frame as C moves (animation
    transfer, h(A_0, C_0, C_t, A_0)); the same transfer by optical flow, with no model (the
    evaluation's flow baseline: A_0 moved by the flow from C_t back to C_0; its truth is row A);
    both at once (h(A_0, C_0, C_t, B_0)); and the truth for that last row (A's own frame t over
    B's background: A and C play the same animation)."""
    rng = np.random.default_rng(seed)
    rows, labels = [], []
    for animation, direction in SHOWN:
        shown = sequence(animation, direction)
        a, b, c = (dataset.characters[i] for i in rng.choice(len(dataset), size=3, replace=False))
        where = rng.choice(len(dataset.backgrounds), size=3, replace=len(dataset.backgrounds) < 3)  # one: grey
        frames = [dataset.frames(who, shown, int(background)) for who, background in zip((a, b, c), where)]
        first = [np.repeat(clip[:1], shown.length, axis=0) for clip in frames]
        truth = dataset.frames(a, shown, int(where[1]))
        rows += [frames[0], frames[1], frames[2],
                 h(scene, frames[0], frames[0], frames[0], first[1]),
                 h(scene, first[0], first[2], frames[2], first[0]),
                 flow_transfer(first[0], first[2], frames[2], SPRITES_PRESET),
                 h(scene, first[0], first[2], frames[2], first[1]),
                 truth]
        labels += [f"A ({animation})", "B (background)", "C (animation)", "A on B's background",
                   "A moves as C", "A as C: DIS flow", "both", "truth for 'both'"]
    return image_grid(rows, labels, scale=2)


def character_layer_figure(layers: LayeredSceneFunctions, dataset: Sprites, seed: int = SEED) -> np.ndarray:
    """Columns: test characters, each in a random frame of a random animation over a test
    background. Rows: the frame; the plate g_b(f_b); the character layer alone over a
    checkerboard; its alpha; the sheet's true alpha."""
    rng = np.random.default_rng(seed)
    images, masks = [], []
    for index in rng.choice(len(dataset), size=LAYER_EXAMPLES, replace=False):
        shown = dataset.sequences[int(rng.integers(len(dataset.sequences)))]
        frame = int(rng.integers(shown.length))
        rgba = dataset.rgba(dataset.characters[int(index)], shown, [frame])[0]
        images.append(dataset.render(dataset.characters[int(index)], shown, frame,
                                     int(rng.integers(len(dataset.backgrounds)))))
        masks.append((rgba[3:] > 0).astype(np.float32))
    frames = np.stack(images)
    features = layers.encode_character(frames)
    rgb, alpha = layers.character_layer(features, layers.motion(features, features))
    plate = layers.plate(layers.encode_background(frames))
    over_checks = alpha * rgb + (1 - alpha) * checkerboard(frames.shape[-1], CHECKER, LIGHT_CHECKS)
    rows = [frames, plate, over_checks, np.repeat(alpha, 3, axis=1), np.repeat(np.stack(masks), 3, axis=1)]
    return image_grid(rows, ["frame", "plate", "character layer", "its alpha", "true alpha"], scale=2)


def write_figures(scene: SceneFunctions, backgrounds: bool, paths: dict[str, Path], data_dir) -> None:
    """Each of ``FIGURES`` to the path given for it (a claimed temporary)."""
    if not is_layered(scene):
        raise StopframeError("--figures: the character-layer picture needs a layered model")
    dataset = Sprites(SpriteSheets.load(data_dir), "test", scene.image_size, with_backgrounds=backgrounds)
    save_rgb(manipulations_figure(scene, dataset), paths[FIGURES[0]])
    save_rgb(character_layer_figure(scene, dataset), paths[FIGURES[1]])
