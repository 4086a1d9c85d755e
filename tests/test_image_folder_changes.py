"""An image-folder clip whose folder changed since the project was made, one image swapped for another
(the same count, the same size): its frames would shift. The project records the folder's image names
(schema version 5, "image_names"); `stopframe render` then refuses in one line naming the folder and
what changed, and writes nothing. An unchanged folder, and a file of version 4 (no names recorded:
not checked), render as before. Relinking it in the workstation: tests/ui/test_relink.py."""

import json
import shutil

import cv2
import numpy as np
import pytest

from tests.test_old_projects import FIXTURES, make_clips
from tests.test_render_all import assert_one_line, render
from workstation import project as document
from workstation.media import MediaError
from workstation.render.shot_frames import check_clips

FRAMES = [f"frame_{i:04d}.png" for i in range(24)]  # the demo's digit-2-sway, the clip changed here


@pytest.fixture
def film(tmp_path):
    """The demo project, written as `stopframe demo-project` writes it, over its own copy of the clips."""
    from workstation.demos.digit_demo import DEMO_CLIPS, write_demo_project

    shutil.copytree(DEMO_CLIPS, tmp_path / "clips")
    return write_demo_project(tmp_path / "film", clips=tmp_path / "clips")


def swap_one_image(folder):
    """Frame 3 removed, another image inserted after frame 7: still 24 frames, each frame from 3 to 7 one later."""
    (folder / "frame_0003.png").unlink()
    shutil.copyfile(folder / "frame_0020.png", folder / "frame_0007b.png")


def as_version_4(path, target):
    """The project file ``path`` as version 4 wrote it: no clip's image names recorded."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["schema_version"] = 4
    for clip in data["clips"].values():
        clip.pop("image_names", None)
    target.write_text(json.dumps(data, indent=2), encoding="utf-8")
    return target


def pngs(folder) -> list[np.ndarray]:
    files = sorted(folder.glob("*.png"))
    assert files, folder
    return [cv2.imread(str(file)) for file in files]


def test_a_folder_with_one_image_swapped_for_another_is_refused_in_one_line(film, tmp_path, capsys):
    folder = tmp_path / "clips" / "digit-2-sway"
    swap_one_image(folder)
    for args in (["--shot", "demo", "--out", tmp_path / "demo.gif", "--format", "gif"],
                 ["--all", "--out", tmp_path / "renders"]):
        code, lines = render(capsys, film, *args)
        assert_one_line(code, lines, f"stopframe: {folder}: its images are not those the project was made with "
                                     "(added: frame_0007b.png; removed: frame_0003.png); the frames after them "
                                     "would shift: relink the clip")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["clips", "film"]  # nothing written


def test_the_check_lists_the_folder_and_decodes_nothing(film, tmp_path, monkeypatch):
    swap_one_image(tmp_path / "clips" / "digit-2-sway")
    project = document.load_project(film)

    def decoded(*args, **kwargs):
        raise AssertionError("an image was decoded")

    monkeypatch.setattr(cv2, "imdecode", decoded)
    monkeypatch.setattr(cv2, "imread", decoded)
    with pytest.raises(MediaError, match=r"\(added: frame_0007b\.png; removed: frame_0003\.png\)"):
        check_clips(project)


def test_an_unchanged_folder_is_recorded_and_renders_as_a_folder_never_recorded(film, tmp_path, capsys):
    clips = json.loads(film.read_text(encoding="utf-8"))["clips"]
    assert clips["digit-2-sway"]["image_names"] == FRAMES
    assert "image_names" not in clips["backdrop-1"]  # an image is one file: nothing to shift
    old = as_version_4(film, film.with_name("old.stopframe"))
    for project, out in ((film, tmp_path / "now"), (old, tmp_path / "old")):
        code, lines = render(capsys, project, "--shot", "sway", "--range", "0:10", "--out", out)
        assert code == 0, lines
    assert all(np.array_equal(a, b) for a, b in zip(pngs(tmp_path / "now"), pngs(tmp_path / "old"), strict=True))


def test_a_version_4_file_is_not_checked_and_renders_the_folder_as_it_lists(film, tmp_path, capsys):
    """As before version 5: frame k is the k-th image the folder lists now, as in a project made now."""
    from workstation.demos.digit_demo import write_demo_project

    old = as_version_4(film, film.with_name("old.stopframe"))
    swap_one_image(tmp_path / "clips" / "digit-2-sway")
    made_now = write_demo_project(tmp_path / "made now", clips=tmp_path / "clips")
    for project, out in ((old, tmp_path / "old"), (made_now, tmp_path / "now")):
        code, lines = render(capsys, project, "--shot", "sway", "--range", "0:10", "--out", out)
        assert code == 0, lines
    assert all(np.array_equal(a, b) for a, b in zip(pngs(tmp_path / "old"), pngs(tmp_path / "now"), strict=True))


def test_the_version_4_fixture_loads_and_renders_the_same_saved_as_the_latest_version(tmp_path, capsys):
    path = tmp_path / "film" / "v4.stopframe"
    path.parent.mkdir()
    shutil.copyfile(FIXTURES / "v4.stopframe", path)
    make_clips(path)
    code, lines = render(capsys, path, "--shot", "crowd", "--range", "3:5", "--out", tmp_path / "as 4")
    assert code == 0, lines
    document.save_project(document.load_project(path), path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == 6 and not any("image_names" in clip for clip in saved["clips"].values())
    code, lines = render(capsys, path, "--shot", "crowd", "--range", "3:5", "--out", tmp_path / "as 5")
    assert code == 0, lines
    assert all(np.array_equal(a, b) for a, b in zip(pngs(tmp_path / "as 4"), pngs(tmp_path / "as 5"), strict=True))
