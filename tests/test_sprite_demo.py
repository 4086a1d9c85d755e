"""The sprite demo: its shipped clips (scripts/make_sprite_demo_media.py), their licences and
credits, and the project over them, which renders with the bundled sprite model."""

import fnmatch
import importlib.util
import subprocess
import sys
import tomllib

import cv2
import numpy as np
import pytest

from tests.conftest import ROOT, assert_one_line_exit_2, run_cli
from training.data.sprites import EVALUATION_BACKGROUNDS, split_of
from workstation import project as document
from workstation.demos.sprite_demo import (
    SPRITE_BUNDLE,
    SPRITE_CLIPS,
    SPRITE_DEMO_FOLDER,
    build_sprite_demo_project,
    write_sprite_demo_project,
)
from workstation.render.shot_frames import bundle_for, open_engine, render_shot

SCRIPT = ROOT / "scripts" / "make_sprite_demo_media.py"
SPRITES_DIR = ROOT.parent / "shared" / "data" / "lpc-sprites"
CLIPS = SPRITE_DEMO_FOLDER / "clips"
LICENCES = ("CC-BY-SA-3.0-LICENSE", "GNU-GPL-3.0-LICENSE")


def load_script():
    spec = importlib.util.spec_from_file_location("make_sprite_demo_media", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def read_rgb(path):
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def split_of_key(key: str) -> str:
    return split_of(*(int(part) for part in key.split("-")))


# -- the clips, their licences and credits -------------------------------------------------------

def test_the_shipped_clips_are_what_the_script_makes_from_the_sheets(tmp_path):
    assert (SPRITES_DIR / "body" / "0.png").is_file(), f"the shared sprite sheets are missing from {SPRITES_DIR}"
    written = load_script().make_clips(SPRITES_DIR, tmp_path, print_line=lambda line: None)
    assert len(written) == len(SPRITE_CLIPS)
    fresh = sorted(p.relative_to(tmp_path / "clips") for p in (tmp_path / "clips").rglob("*.png"))
    shipped = sorted(p.relative_to(CLIPS) for p in CLIPS.rglob("*.png"))
    assert fresh == shipped and len(shipped) == 8 + 6 + 7 + 5
    for relative in shipped:
        assert np.array_equal(read_rgb(tmp_path / "clips" / relative), read_rgb(CLIPS / relative)), relative
    for licence in LICENCES:
        assert (tmp_path / licence).read_bytes() == (SPRITES_DIR / licence).read_bytes()


def test_the_clips_are_small_and_the_sheets_are_not_shipped():
    files = [p for p in SPRITE_DEMO_FOLDER.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    assert sum(p.stat().st_size for p in files) < 300_000
    assert sum(p.stat().st_size for p in CLIPS.rglob("*.png")) < 150_000
    for path in CLIPS.rglob("*.png"):
        assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).shape == (64, 64, 3), path  # a frame, never a sheet
    sheets = {p.read_bytes() for p in SPRITES_DIR.rglob("*.png")}
    assert not any(p.read_bytes() in sheets for p in files)


def test_every_character_is_a_test_character_over_a_test_background():
    characters = [clip.key for clip in SPRITE_CLIPS.values() if clip.key is not None]
    assert len(characters) == 6 and len(set(characters)) == 6
    assert all(split_of_key(key) == "test" for key in characters)
    for clip in SPRITE_CLIPS.values():
        assert 0 <= clip.background < EVALUATION_BACKGROUNDS


def test_the_licence_texts_and_credits_ship_beside_the_clips_and_in_the_wheel():
    for licence in LICENCES:
        assert (SPRITE_DEMO_FOLDER / licence).read_bytes() == (SPRITES_DIR / licence).read_bytes()
    credits = (SPRITE_DEMO_FOLDER / "CREDITS.txt").read_text()
    assert "Liberated Pixel Cup" in credits and "CC-BY-SA" in credits and "GPL" in credits
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    for path in SPRITE_DEMO_FOLDER.rglob("*"):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        owners = [(package, pattern) for package, patterns in package_data.items() for pattern in patterns
                  if (ROOT / package.replace(".", "/")) in path.parents
                  and fnmatch.fnmatch(path.relative_to(ROOT / package.replace(".", "/")).as_posix(), pattern)]
        assert owners, f"{path} is not in the wheel's package data"


def test_the_script_says_in_one_line_which_sheet_is_missing(tmp_path):
    (tmp_path / "sheets").mkdir()
    done = subprocess.run([sys.executable, str(SCRIPT), "--data-dir", str(tmp_path / "sheets"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True, timeout=60)
    assert_one_line_exit_2(done, str(tmp_path / "sheets" / "body" / "0.png"))
    assert not (tmp_path / "out").exists()


# -- the project ----------------------------------------------------------------------------------

def test_the_project_validates_names_the_sprite_model_and_uses_only_shipped_clips():
    project = build_sprite_demo_project()
    document.validate(project)
    assert document.model_path(project) == SPRITE_BUNDLE
    assert [shot.name for shot in project.shots] == ["walk", "slash", "spellcast", "party"]
    assert document.missing_clips(project) == []
    for name, clip in SPRITE_CLIPS.items():
        assert document.clip_path(project, name) == CLIPS / clip.file
        assert project.clips[name].frame_count == max(1, len(clip.frames))


def test_every_shot_moves_a_test_character_with_another_test_characters_clip():
    project = build_sprite_demo_project()
    for shot in project.shots:
        assert SPRITE_CLIPS[shot.background.clip].key is None  # a test background alone
        assert shot.characters
        for character in shot.characters:
            still, motion = SPRITE_CLIPS[character.source.clip], SPRITE_CLIPS[character.motion.clip]
            assert split_of_key(still.key) == split_of_key(motion.key) == "test"
            assert still.key != motion.key, (shot.name, character.name)
            assert (still.animation, still.direction) == (motion.animation, motion.direction)
            assert still.frames == motion.frames[:1]  # the pose the motion starts from
            assert character.motion.start == 0 and character.motion.loop
    walker = project.shot("walk").characters[0]
    assert project.clips[walker.source.clip].frame_count == 1  # a single still frame
    assert SPRITE_CLIPS[walker.motion.clip].animation == "walk"
    animations = {SPRITE_CLIPS[c.motion.clip].animation for shot in project.shots for c in shot.characters}
    assert animations == {"walk", "slash", "spellcast"}


def test_the_project_round_trips_and_is_never_overwritten(tmp_path):
    path = write_sprite_demo_project(tmp_path / "demo")
    assert path == tmp_path / "demo" / "sprites.stopframe"
    loaded = document.load_project(path)
    assert document.to_dict(loaded)["shots"] == document.to_dict(build_sprite_demo_project())["shots"]
    assert document.model_path(loaded) == SPRITE_BUNDLE and document.missing_clips(loaded) == []
    loaded.shot("walk").fps = 6.0
    document.save_project(loaded, path)
    edited = path.read_bytes()
    assert write_sprite_demo_project(tmp_path / "demo") == path and path.read_bytes() == edited


def test_a_missing_clips_folder_is_one_line_naming_it(tmp_path):
    with pytest.raises(document.ProjectError, match="clips") as caught:
        build_sprite_demo_project(tmp_path / "gone")
    assert str(tmp_path / "gone") in str(caught.value) and "\n" not in str(caught.value)


def test_the_command_writes_the_sprite_demo(tmp_path):
    done = run_cli("demo-project", "--sprites", "--out", tmp_path / "mine")
    path = tmp_path / "mine" / "sprites.stopframe"
    assert done.returncode == 0 and done.stdout.strip() == str(path), done.stderr
    assert [shot.name for shot in document.load_project(path).shots] == ["walk", "slash", "spellcast", "party"]


# -- the model: the bundled sprite model ------------------------------------------------------------

def test_the_sprite_demo_renders_with_the_bundled_sprite_model():
    project = build_sprite_demo_project()
    assert bundle_for(project) == SPRITE_BUNDLE
    engine = open_engine(project)
    trained_on = engine.metadata["trained_on"]
    assert engine.layered and trained_on["dataset"] == "sprites" and trained_on["train_config"]["alpha_static"] > 0
    frames = np.stack(list(render_shot(engine, project, "party", range(3))))
    assert frames.shape == (3, 3, 256, 256) and np.isfinite(frames).all()  # the shot's output size
    assert frames.std(axis=0).max() > 0.05  # the two characters move


def test_the_walkers_legs_move_on_their_own():
    """The bundled model moves limbs, not only the whole body: over the walk shot's cycle some
    pixels of the walker's lower half move a pixel or more beyond its body's motion, and not alike."""
    project = build_sprite_demo_project()
    engine = open_engine(project)
    shot = project.shot("walk")
    requests = document.render_requests(project, "walk", range(shot.length))
    moves = [engine.graphs.own_motion(r.characters[0]) for r in requests]
    assert all(m is not None for m in moves)
    legs = np.stack([m[:, 40:56] for m in moves if m is not None])  # [T, 2, rows, S]: the square's lower rows
    assert np.hypot(legs[:, 0], legs[:, 1]).max() >= 1.0
    assert legs.std(axis=0).max() >= 0.5  # the legs' own motion changes over the cycle


def test_render_draws_the_demo_with_the_sprite_model(tmp_path):
    project = write_sprite_demo_project(tmp_path)
    done = run_cli("render", project, "--shot", "walk", "--range", "0:2", "--out", tmp_path / "frames", "--quiet")
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 2
