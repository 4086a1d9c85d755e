"""Regenerate the sprite demo's clips in ``assets/sprite_demo/clips`` from the LPC layer sheets.

What each clip shows is declared once, in ``workstation/demos/sprite_demo.py`` (``SPRITE_CLIPS``): a
test character of the sprite dataset (``training/data/sprites.py``, split by its rule, so never
seen in training) composited from its layers over one of the dataset's test backgrounds, or a test
background alone. The output is deterministic and small (8-bit PNGs of 64x64):

- ``walk``, ``slash``, ``spellcast``: folders of PNGs ``frame_0000.png``... (a folder is one clip
  to ``workstation.media``, at its default 12 fps), the motion sources;
- ``walker.png``, ``fighter.png``, ``caster.png``: one still frame each, the characters the shots move;
- ``backdrop-1.png``, ``backdrop-2.png``: a test background alone.

The sheets themselves are never copied. The licence texts of the art (CC-BY-SA 3.0 and GPL 3.0) are
copied beside the clips (``assets/sprite_demo``), next to ``CREDITS.txt``.

Usage: python scripts/make_sprite_demo_media.py [--data-dir DIR] [--out FOLDER]
(``--data-dir``: the shared data folder holding lpc-sprites/, or that folder itself; by default
the rule of ``workstation.kernel.locations``. ``--out``: the sprite demo folder, by default the ``assets``
package's ``sprite_demo``, i.e. the checkout's under the editable install of ``make``)
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np

from training.data.sprites import (
    Character,
    DataError,
    SpriteSheets,
    background_images,
    over,
    sequence,
    sprites_dir,
)
from workstation.demos.sprite_demo import SPRITE_CLIPS, SPRITE_DEMO_FOLDER, SpriteClip
from workstation.kernel.locations import LocationError

LICENCES = ("CC-BY-SA-3.0-LICENSE", "GNU-GPL-3.0-LICENSE")


def character(key: str) -> Character:
    body, bottomwear, topwear, hair = (int(part) for part in key.split("-"))
    return Character(body, bottomwear, topwear, hair)


def clip_images(sheets: SpriteSheets, backgrounds: np.ndarray, clip: SpriteClip) -> np.ndarray:
    """The clip's frames, float32 [n, 3, 64, 64] in [0, 1]."""
    background = backgrounds[clip.background]
    if clip.key is None:
        return background[None]
    who = character(clip.key)
    if who.split != "test":
        raise ValueError(f"character {clip.key} is in the {who.split} split: the demo shows test characters only")
    assert clip.animation is not None and clip.direction is not None
    return over(sheets.rgba(who, sequence(clip.animation, clip.direction), list(clip.frames)), background)


def write_png(path: Path, image: np.ndarray) -> None:
    """Float [3, H, W] RGB in [0, 1] -> 8-bit PNG at the highest compression (lossless)."""
    pixels = np.clip(np.rint(image.transpose(1, 2, 0) * 255.0), 0, 255).astype(np.uint8)
    if not cv2.imwrite(str(path), cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 9]):
        raise OSError(f"{path}: cannot write PNG")


def make_clips(data_dir: Path, out: Path, print_line=print) -> list[Path]:
    """Write every sprite demo clip under ``out / "clips"`` and the licences beside; returns the clips.
    DataError (one line naming the file) when a layer sheet or a licence text is missing or bad."""
    sheets = SpriteSheets.load(data_dir)
    used = max(clip.background for clip in SPRITE_CLIPS.values()) + 1
    backgrounds = background_images("test", used)
    clips = out / "clips"
    clips.mkdir(parents=True, exist_ok=True)
    written = []
    for name, clip in SPRITE_CLIPS.items():
        images = clip_images(sheets, backgrounds, clip)
        path = clips / clip.file
        if path.suffix == ".png":
            write_png(path, images[0])
        else:
            path.mkdir(exist_ok=True)
            for stale in path.glob("frame_*.png"):
                stale.unlink()
            for k, image in enumerate(images):
                write_png(path / f"frame_{k:04d}.png", image)
        who = "" if clip.key is None else \
            f"test character {clip.key}, {clip.animation} {clip.direction} frames {list(clip.frames)}, over "
        print_line(f"{path}: {name!r}, {len(images)} frame(s), {who}test background {clip.background}")
        written.append(path)
    for licence in LICENCES:
        source = Path(data_dir) / licence
        if not source.is_file():
            raise DataError("licence text of the sprite art not found", source)
        shutil.copyfile(source, out / licence)
        print_line(f"{out / licence}: copied")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", help="the shared data folder (holding lpc-sprites/) or the lpc-sprites folder")
    parser.add_argument("--out", type=Path, default=SPRITE_DEMO_FOLDER, help="the sprite demo folder")
    args = parser.parse_args(argv)
    try:
        make_clips(sprites_dir(args.data_dir, "make_sprite_demo_media.py"), args.out)
    except (DataError, LocationError, OSError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
