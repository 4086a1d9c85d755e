"""`stopframe render PROJECT --all --out FOLDER`: one output per shot, named after the shot
(workstation/output/shot_files.py), through the same writers as one shot; nothing replaced without
--force (or --overwrite)."""

import shutil

import pytest

from workstation import project as document
from workstation.media import probe
from workstation.output.shot_files import safe_file_name, shot_file_names


def render(capsys, project, *args):
    """(exit code, the lines written to stderr) of `stopframe render PROJECT ARGS --quiet`, in process."""
    import main

    code = main.main(["render", str(project), *map(str, args), "--quiet"])
    return code, capsys.readouterr().err.splitlines()


def assert_one_line(code, lines, *fragments):
    assert code == 2, lines
    assert len(lines) == 1 and "Traceback" not in lines[0], lines
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture
def demo(tmp_path):
    """The demo project (shots "demo", "sway", "by hand", "duet") over its own copy of the clips."""
    from workstation.demos.digit_demo import DEMO_CLIPS, write_demo_project

    shutil.copytree(DEMO_CLIPS, tmp_path / "clips")
    return write_demo_project(tmp_path / "demo", clips=tmp_path / "clips")


def rename_shots(path, *names):
    project = document.load_project(path)
    for shot, name in zip(project.shots, names, strict=False):
        shot.name = name
    document.save_project(project, path)


def test_shot_names_become_safe_distinct_file_names():
    assert safe_file_name("take 1/2: the end?") == "take 1_2_ the end_"
    assert safe_file_name("..hidden. ") == "hidden"
    assert safe_file_name("a\\b*c\"d<e>f|g\x01") == "a_b_c_d_e_f_g_"
    assert safe_file_name("CON") == "_CON" and safe_file_name("nul.txt") == "_nul.txt"
    assert safe_file_name("///") == "___" and safe_file_name(" . ") == "shot"
    assert len(safe_file_name("x" * 1000)) <= 120
    assert shot_file_names(["a/b", "a:b", "A_B", "a_b-2", "c"]) == ["a_b", "a_b-2", "A_B-3", "a_b-2-2", "c"]


def test_every_shot_is_written_to_a_file_named_after_it(demo, tmp_path, capsys):
    rename_shots(demo, "take 1/2", "take 1:2")  # the same safe name: the second gets a suffix
    out = tmp_path / "renders"
    code, lines = render(capsys, demo, "--all", "--out", out, "--format", "gif")
    assert code == 0, lines
    written = {"take 1_2.gif", "take 1_2-2.gif", "by hand.gif", "duet.gif"}
    assert {path.name for path in out.iterdir()} == written  # nothing else: no temporaries, no locks
    for name in written:
        assert probe(out / name).frame_count == 24
    assert any("'take 1:2'" in line and "take 1_2-2.gif" in line for line in lines)


def set_output_sizes(path, *sizes):
    """Give the project's shots, in order, these output sizes (width, height); the project as saved."""
    project = document.load_project(path)
    for shot, (width, height) in zip(project.shots, sizes, strict=True):
        shot.output = document.Output(width, height, shot.output.scaling)
    document.save_project(project, path)
    return project


def test_png_writes_a_folder_of_frames_per_shot_each_at_twice_its_own_size(demo, tmp_path, capsys):
    project = set_output_sizes(demo, (48, 32), (40, 40), (33, 21), (64, 48))
    out = tmp_path / "frames"
    code, lines = render(capsys, demo, "--all", "--out", out, "--format", "png", "--scale", "2")
    assert code == 0, lines
    assert sorted(path.name for path in out.iterdir()) == ["by hand", "demo", "duet", "sway"]
    assert len(list((out / "sway").glob("frame_*.png"))) == 24
    for shot in project.shots:
        written = probe(out / shot.name)
        assert (written.width, written.height) == (2 * shot.output.width, 2 * shot.output.height), shot.name


def test_size_gives_every_shot_that_size(demo, tmp_path, capsys):
    set_output_sizes(demo, (48, 32), (40, 40), (33, 21), (64, 48))
    out = tmp_path / "videos"
    code, lines = render(capsys, demo, "--all", "--out", out, "--format", "mp4", "--size", "96x54")
    assert code == 0, lines
    for name in ("by hand", "demo", "duet", "sway"):
        written = probe(out / f"{name}.mp4")
        assert (written.width, written.height, written.frame_count) == (96, 54, 24), name


def test_an_existing_output_is_refused_in_one_line_without_overwrite(demo, tmp_path, capsys):
    out = tmp_path / "renders"
    out.mkdir()
    (out / "duet.mp4").write_bytes(b"the editor's cut")
    code, lines = render(capsys, demo, "--all", "--out", out, "--format", "mp4")
    assert_one_line(code, lines, "duet.mp4", "--force")
    assert [path.name for path in out.iterdir()] == ["duet.mp4"]  # refused before anything was written
    assert (out / "duet.mp4").read_bytes() == b"the editor's cut"

    code, lines = render(capsys, demo, "--all", "--out", out, "--format", "mp4", "--overwrite")
    assert code == 0, lines
    assert sorted(path.name for path in out.iterdir()) == ["by hand.mp4", "demo.mp4", "duet.mp4", "sway.mp4"]
    assert probe(out / "duet.mp4").frame_count == 24


def test_missing_clips_are_named_in_one_line(demo, tmp_path, capsys):
    (tmp_path / "clips").rename(tmp_path / "footage")
    for args in (["--all", "--out", tmp_path / "renders"], ["--shot", "demo", "--out", tmp_path / "one"]):
        code, lines = render(capsys, demo, *args)
        assert_one_line(code, lines, "5 clips are missing", str(tmp_path / "clips" / "backdrop-1.png"),
                        str(tmp_path / "clips" / "digit-7-drift"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["demo", "footage"]


def test_all_and_a_shot_cannot_both_be_asked(demo, tmp_path, capsys):
    code, lines = render(capsys, demo, "--all", "--shot", "demo", "--out", tmp_path / "x")
    assert_one_line(code, lines, "--shot")
    code, lines = render(capsys, demo, "--all", "--range", "0:4", "--out", tmp_path / "x")
    assert_one_line(code, lines, "--range")
    (tmp_path / "file").write_bytes(b"")
    code, lines = render(capsys, demo, "--all", "--out", tmp_path / "file")
    assert_one_line(code, lines, "not a folder")
