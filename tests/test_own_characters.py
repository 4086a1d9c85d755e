"""The protocol of RESULTS.md section 11 (training/evaluation/own_characters.py): which characters
are "your own", the sheets they get, and analogies only on rows they were never taught, with a
motion source that is never one of them."""

from pathlib import Path

import numpy as np
import pytest

from training.data.sprites import CANVAS, Sprites, SpriteSheets
from training.evaluation import own_characters as protocol
from workstation.media.clip_specs import clip_sources
from workstation.media.sprite_sheets import cut_sheet

SPRITES_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "lpc-sprites"


@pytest.fixture(scope="module")
def validation() -> Sprites:
    return Sprites(SpriteSheets.load(SPRITES_DIR), "val")


def test_your_own_are_ten_validation_characters_and_the_motion_sources_are_others(validation):
    own, others = protocol.own_and_others(validation)
    assert len(own) == 10 and {c.split for c in own + others} == {"val"}
    assert not set(own) & set(others) and len(own) + len(others) == len(validation.characters)
    assert protocol.own_and_others(validation)[0] == own  # the same every time
    examples = list(protocol.analogies(validation, own, others, 300, seed=0))
    assert sum(len(batch.b_p) for batch in examples) == 300
    taught = {row.animation for row in protocol.taught_rows()}
    assert all(row.animation in protocol.UNSEEN and row.animation not in taught
               for batch in examples for row in batch.sequences)
    for batch in examples:  # B_p and B_q differ: a held pose would make Copy perfect
        assert (batch.b_p != batch.b_q).any(axis=(1, 2, 3)).all()


def test_a_sheet_is_the_taught_rows_of_the_character_alone_cut_as_a_user_cuts_it(validation, tmp_path):
    import cv2

    character = protocol.own_and_others(validation)[0][0]
    picture = protocol.sheet_picture(validation, character)
    assert cv2.imwrite(str(tmp_path / "mine.png"), picture)
    sources = clip_sources(f"{tmp_path / 'mine.png'}:grid=64x64")
    rows = protocol.taught_rows()
    assert len(sources) == len(rows) == 8
    for source, row in zip(sources, rows, strict=True):
        frames = cut_sheet(source.path, source.cut).frames
        assert len(frames) == row.length and frames.has_alpha
        alpha = np.stack([frames.coverage(i) for i in range(len(frames))]) / 255.0
        np.testing.assert_allclose(alpha, validation.rgba(character, row)[:, 3], atol=1 / 255)
    opaque = protocol.sheet_picture(validation, character, background=0)
    assert (opaque[:CANVAS, :CANVAS * 9, 3] == 255).all()  # the walk row's nine cells, ground and all
