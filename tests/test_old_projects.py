"""Projects written by every schema still open and render: each committed fixture
(tests/fixtures/projects/v1..v6.stopframe) is put beside clips of the sizes and lengths it names
and rendered whole by `stopframe render --all`, at the output size its upgrade gives (its old
scale k times the model's square) or, from version 4, the size it names."""

import json
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.conftest import run_cli
from workstation import project as doc
from workstation.kernel.locations import asset_path
from workstation.output.shot_files import shot_outputs
from workstation.output.writer import write_frames

FIXTURES = Path(__file__).parent / "fixtures" / "projects"


def frames_of(count: int, width: int, height: int, seed: int) -> list[np.ndarray]:
    """float32 [3, H, W] frames: a bright disc moving over a textured ground."""
    rng = np.random.default_rng(seed)
    ground = rng.random((3, height, width), dtype=np.float32) * 0.3 + 0.2
    ys, xs = np.mgrid[0:height, 0:width]
    frames = []
    for k in range(count):
        disc = np.hypot(xs - width * (0.3 + 0.4 * k / max(1, count - 1)), ys - height / 2) < min(width, height) / 5
        frames.append(np.where(disc, np.float32(0.95), ground))
    return frames


def _bgr8(frame: np.ndarray) -> np.ndarray:
    return np.rint(frame.transpose(1, 2, 0)[..., ::-1] * 255).astype(np.uint8)


def make_clips(project_file: Path) -> None:
    """Every clip the project names, written where it says, at its size and frame count (a folder's
    frames under the "image_names" it records, if it does; a clip cut from a sprite sheet as its
    "sheet" cuts it); and the model it names (the demo model's bundle) where it says."""
    data = json.loads(project_file.read_text(encoding="utf-8"))
    folder = project_file.parent
    for seed, clip in enumerate(data["clips"].values()):
        path = folder / clip["path"]
        path.parent.mkdir(parents=True, exist_ok=True)
        frames = frames_of(clip["frame_count"], clip["width"], clip["height"], seed)
        suffix = path.suffix.lower()
        if "sheet" in clip:
            make_sheet(path, clip, frames)
        elif suffix in (".mp4", ".gif"):
            write_frames(frames, path, suffix[1:], clip["fps"], len(frames))
        elif suffix == ".png":
            cv2.imwrite(str(path), _bgr8(frames[0]))
        elif "image_names" in clip:
            path.mkdir()
            for name, frame in zip(clip["image_names"], frames, strict=True):
                cv2.imwrite(str(path / name), _bgr8(frame))
        else:  # a folder of frames
            write_frames(frames, path, "png", clip["fps"], len(frames))
    if data.get("model"):
        shutil.copytree(asset_path("models", "demo"), folder / data["model"])


def make_sheet(path: Path, clip: dict, frames: list[np.ndarray]) -> None:
    """A sprite sheet holding ``frames`` where the clip's "sheet" cuts them: the row of a grid, after its
    margin and spacing; or a strip and its Aseprite JSON (``path``), one tag of them all."""
    width, height = clip["width"], clip["height"]
    grid = clip["sheet"].get("grid")
    if grid is not None:
        step_x, step_y = width + grid["spacing"], height + grid["spacing"]
        picture = np.zeros((grid["margin"] + (grid["row"] + 1) * step_y, grid["margin"] + len(frames) * step_x, 3),
                           np.uint8)
        for k, frame in enumerate(frames):
            x, y = grid["margin"] + k * step_x, grid["margin"] + grid["row"] * step_y
            picture[y:y + height, x:x + width] = _bgr8(frame)
        cv2.imwrite(str(path), picture)
        return
    picture_path = path.with_suffix(".png")
    cv2.imwrite(str(picture_path), np.concatenate([_bgr8(frame) for frame in frames], axis=1))
    duration = round(1000 / clip["fps"])
    data = {"frames": [{"filename": f"f{k}", "frame": {"x": k * width, "y": 0, "w": width, "h": height},
                        "duration": duration} for k in range(len(frames))],
            "meta": {"image": picture_path.name, "frameTags": [
                {"name": clip["sheet"]["aseprite"]["tag"], "from": 0, "to": len(frames) - 1}]}}
    path.write_text(json.dumps(data), encoding="utf-8")


def render_fixture(tmp_path, version: int):
    """The fixture of schema ``version`` in a folder with its clips, loaded, as written, and each of
    its shots' first rendered frame (by `render --all`) with the shot as the file has it."""
    project_file = tmp_path / "film" / f"v{version}.stopframe"
    project_file.parent.mkdir()
    shutil.copy(FIXTURES / project_file.name, project_file)
    make_clips(project_file)
    project = doc.load_project(project_file)
    old = json.loads(project_file.read_text(encoding="utf-8"))
    done = run_cli("render", project_file, "--all", "--out", tmp_path / "renders", "--format", "png", "--quiet")
    assert done.returncode == 0, done.stderr
    firsts = []
    for (name, folder), shot in zip(shot_outputs(project, tmp_path / "renders", "png"), old["shots"], strict=True):
        pngs = sorted(folder.glob("*.png"))
        assert len(pngs) == shot["length"], name
        first = cv2.imread(str(pngs[0]))
        assert first.std() > 5, name  # a picture, not a blank
        firsts.append((name, shot, first))
    return project, firsts


@pytest.mark.parametrize("version", [1, 2, 3])
def test_a_project_of_every_earlier_schema_opens_and_renders(tmp_path, version):
    project, firsts = render_fixture(tmp_path, version)
    assert project.load_note is None  # the model's size was read (the demo model's 64)
    for name, shot, first in firsts:
        side = 64 * shot.get("output", {}).get("scale", 4)  # the size the shot always rendered at
        assert first.shape == (side, side, 3), name


@pytest.mark.parametrize("version", [4, 5, 6])
def test_a_project_of_schema_4_or_later_opens_and_renders_at_the_sizes_it_names(tmp_path, version):
    for name, shot, first in render_fixture(tmp_path, version)[1]:
        assert first.shape == (shot["output"]["height"], shot["output"]["width"], 3), name
