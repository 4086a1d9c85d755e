"""Pictures like the paper's Figure 2 (manipulations) and Figure 10 (layers), from any model that
offers the bundle's four functions. Images are uint8 RGB [H, W, 3], scaled up for viewing."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from training.data.mmnist import MovingMNIST, Video
from training.evaluation.manipulation import SceneFunctions, h, is_layered

LABEL_WIDTH = 150
GAP = 2


def _to_uint8(images: np.ndarray) -> np.ndarray:
    """[N, 3, H, W] floats in [0, 1] -> [N, H, W, 3] uint8."""
    return (np.clip(images, 0, 1).transpose(0, 2, 3, 1) * 255).round().astype(np.uint8)


def image_grid(rows: list[np.ndarray], labels: list[str] | None = None, scale: int = 3) -> np.ndarray:
    """Rows of [N, 3, H, W] images side by side, optional labels on the left, on a white sheet."""
    rows = [_to_uint8(row) for row in rows]
    height, width = rows[0].shape[1] * scale, rows[0].shape[2] * scale
    columns = max(len(row) for row in rows)
    margin = LABEL_WIDTH if labels else 0
    sheet = np.full((len(rows) * (height + GAP) + GAP, margin + columns * (width + GAP) + GAP, 3), 255, np.uint8)
    for r, row in enumerate(rows):
        top = GAP + r * (height + GAP)
        for c, image in enumerate(row):
            left = margin + GAP + c * (width + GAP)
            sheet[top : top + height, left : left + width] = cv2.resize(
                image, (width, height), interpolation=cv2.INTER_NEAREST)
        if labels:
            cv2.putText(sheet, labels[r], (6, top + height // 2 + 5), cv2.FONT_HERSHEY_SIMPLEX, 0.42,
                        (30, 30, 30), 1, cv2.LINE_AA)
    return sheet


def save_rgb(image: np.ndarray, path) -> None:
    """Encode in memory, write with Python (so a full disk is an OSError naming its reason; callers
    pass a temporary of workstation.kernel.safe_write.output_file)."""
    suffix = Path(path).suffix or ".png"
    encoded, data = cv2.imencode(suffix, cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
    if not encoded:
        raise OSError(f"{path}: could not encode the image as {suffix}")
    with open(path, "wb") as stream:
        stream.write(data.tobytes())


def _lively_video(dataset: MovingMNIST, rng: np.random.Generator) -> Video:
    """A video with at least one rotation and one translation, like the paper's shown sequences."""
    while True:
        video = dataset.random_video(rng)
        turns = sum(a.angle != b.angle for a, b in zip(video.poses, video.poses[1:]))
        if 1 <= turns <= len(video.poses) - 2:
            return video


def manipulations_figure(scene: SceneFunctions, dataset: MovingMNIST, seed: int = 0) -> np.ndarray:
    """Figure 2: three test sequences, then background swap, motion transfer and both at once.

    x4_k = h(x1_1, x1_1, x1_k, x2_k)   character of 1 moving as in 1, on background 2
    x5_k = h(x1_1, x3_1, x3_k, x1_1)   character of 1 on its background, moving as 3 moves
    x6_k = h(x1_1, x3_1, x3_k, x2_k)   both
    """
    rng = np.random.default_rng(seed)
    x1, x2, x3 = (dataset.frames(_lively_video(dataset, rng)) for _ in range(3))
    n = len(x1)
    first1, first3 = np.repeat(x1[:1], n, 0), np.repeat(x3[:1], n, 0)
    rows = [x1, x2, x3,
            h(scene, first1, first1, x1, x2),
            h(scene, first1, first3, x3, first1),
            h(scene, first1, first3, x3, x2)]
    labels = ["1: sequence", "2: sequence", "3: sequence", "1 on background 2", "1 moving as 3",
              "1 as 3, on bg 2"]
    return image_grid(rows, labels)


def checkerboard(size: int, cell: int = 8, shades: tuple[float, float] = (0.85, 0.6)) -> np.ndarray:
    """[3, size, size]: grey squares of ``cell`` pixels that show transparency, ``shades[0]`` in the corner."""
    ys, xs = np.mgrid[0:size, 0:size] // cell
    return np.broadcast_to(np.where((xs + ys) % 2 == 0, *shades).astype(np.float32), (3, size, size))


def layers_figure(scene: SceneFunctions, dataset: MovingMNIST, seed: int = 0, count: int = 5) -> np.ndarray:
    """Figure 10: per row, frames x_i and x_j, then for the move x_i -> x_j the background plate,
    the character alone and both. A layered model's character is its cut-out (RGB over alpha) on a
    checkerboard, then its alpha; a summed model's is g(warp(f_c(x_i), theta))."""
    rng = np.random.default_rng(seed)
    rows, first, second = [], [], []
    for _ in range(count):
        video = _lively_video(dataset, rng)
        first.append(dataset.frame(video, 0))
        second.append(dataset.frame(video, len(video.poses) - 1))
    x_i, x_j = np.stack(first), np.stack(second)
    character, background = scene.encode_character(x_i), scene.encode_background(x_i)
    theta = scene.motion(character, scene.encode_character(x_j))
    both = scene.render(character, theta, background, x_i)
    if is_layered(scene):
        plate = scene.plate(background)
        rgb, alpha = scene.character_layer(character, theta)
        cut_out = alpha * rgb + (1 - alpha) * checkerboard(x_i.shape[-1])
        parts = [plate, cut_out, np.repeat(alpha, 3, axis=1), both]
    else:
        plate = scene.render(np.zeros_like(character), theta, background)
        parts = [plate, scene.render(character, theta, np.zeros_like(background)), both]
    for columns in zip(x_i, x_j, *parts):
        rows.append(np.stack(columns))
    return image_grid(rows)


def dataset_figure(dataset: MovingMNIST, videos: int = 4, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return image_grid([dataset.frames(_lively_video(dataset, rng)) for _ in range(videos)])


def scatter_plot(x: np.ndarray, y: np.ndarray, x_label: str, y_label: str, title: str,
                 size: int = 480, limits: tuple[float, float] = (-65.0, 65.0)) -> np.ndarray:
    """A plain scatter plot (uint8 RGB) with the diagonal y = x, ticks every 15 units."""
    margin, sheet = 56, np.full((size, size, 3), 255, np.uint8)
    low, high = limits
    span = size - 2 * margin

    def to_pixel(vx, vy):
        px = margin + (np.clip(vx, low, high) - low) / (high - low) * span
        py = size - margin - (np.clip(vy, low, high) - low) / (high - low) * span
        return px.astype(int), py.astype(int)

    grey, ink = (200, 200, 200), (40, 40, 40)
    for tick in np.arange(np.ceil(low / 15) * 15, high + 1e-9, 15):
        tx, ty = to_pixel(np.array([tick]), np.array([tick]))
        cv2.line(sheet, (int(tx[0]), margin), (int(tx[0]), size - margin), grey, 1)
        cv2.line(sheet, (margin, int(ty[0])), (size - margin, int(ty[0])), grey, 1)
        cv2.putText(sheet, f"{tick:g}", (int(tx[0]) - 10, size - margin + 18), cv2.FONT_HERSHEY_SIMPLEX, 0.4, ink, 1,
                    cv2.LINE_AA)
        cv2.putText(sheet, f"{tick:g}", (8, int(ty[0]) + 4), cv2.FONT_HERSHEY_SIMPLEX, 0.4, ink, 1, cv2.LINE_AA)
    ends = to_pixel(np.array([low, high]), np.array([low, high]))
    cv2.line(sheet, (int(ends[0][0]), int(ends[1][0])), (int(ends[0][1]), int(ends[1][1])), (150, 150, 255), 1,
             cv2.LINE_AA)
    px, py = to_pixel(np.asarray(x), np.asarray(y))
    for a, b in zip(px, py):
        cv2.circle(sheet, (int(a), int(b)), 1, (30, 90, 200), -1)
    cv2.rectangle(sheet, (margin, margin), (size - margin, size - margin), ink, 1)
    cv2.putText(sheet, title, (margin, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.5, ink, 1, cv2.LINE_AA)
    cv2.putText(sheet, x_label, (size // 2 - 70, size - 14), cv2.FONT_HERSHEY_SIMPLEX, 0.45, ink, 1, cv2.LINE_AA)
    cv2.putText(sheet, y_label, (margin + 4, margin + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.45, ink, 1, cv2.LINE_AA)
    return sheet
