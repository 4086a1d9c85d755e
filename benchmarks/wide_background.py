"""A demo project's shot over a wide, detailed background, for the benchmarks at 1280x720.

The demo clips are 64x64; a wide shot needs a wide clip. ``widen`` writes one still, 1280x720 by
default: the shot's own background enlarged to cover it, with fine detail laid over (a grid of
one-pixel lines and a texture), so that a picture blurred through the model's square is plainly
not the source. The shot then shows it at its own size.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from workstation import project as doc
from workstation.media import probe


def wide_still(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """uint8 RGB [height, width, 3]: ``image`` enlarged to cover the size, centred, with detail."""
    side = max(width, height)
    enlarged = cv2.resize(image, (side, side), interpolation=cv2.INTER_CUBIC)
    y0, x0 = (side - height) // 2, (side - width) // 2
    still = enlarged[y0 : y0 + height, x0 : x0 + width].astype(np.int16)
    ys, xs = np.mgrid[0:height, 0:width]
    still += (((xs // 3 + ys // 5) % 7) * 4 - 12)[..., None].astype(np.int16)  # a fine texture
    still[::16] += 40  # one-pixel grid lines
    still[:, ::16] -= 40
    return np.clip(still, 0, 255).astype(np.uint8)


def widen(project: doc.Project, shot: str, folder: Path, size: tuple[int, int] = (1280, 720)) -> Path:
    """Give ``shot`` a wide background (a still written into ``folder``) at its own size as the
    shot's output; returns the still's path. The project is changed in memory, not saved."""
    from workstation.media import Clip

    the_shot = project.shot(shot)
    background = the_shot.background
    image = Clip(doc.clip_path(project, background.clip)).frame(background.frame)
    path = Path(folder) / f"wide-{size[0]}x{size[1]}.png"
    cv2.imwrite(str(path), cv2.cvtColor(wide_still(image, *size), cv2.COLOR_RGB2BGR))
    info = probe(path)
    name = "wide background"
    doc.add_clip(project, name, doc.ClipRef(str(path), info.frame_count, info.fps, info.width, info.height))
    the_shot.background = doc.FrameRef(name, 0)
    the_shot.output = doc.Output(size[0], size[1], the_shot.output.scaling)
    return path
