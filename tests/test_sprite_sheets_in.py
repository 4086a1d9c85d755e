"""Sprite sheets in (issue 29, item 1), without the window: a picture cut by a grid (cell size or
columns x rows, margin, spacing; an LPC layer sheet of ../shared/data), Aseprite's JSON in its array
and hash forms (written here by its documented layout, https://www.aseprite.org/docs/cli/#format, and
as our own `render --format sprites` writes it), the command line's `--clip sheet.png:grid=...` and
`--clip sheet.json`, a project that records how each clip was cut, and the Acceptance's round trip: an
LPC sheet imported by grid -> shots -> one exported sheet + Aseprite JSON + Godot .tres -> re-imported
by its JSON: the same frames, names and tags. Every bad sheet or JSON is one line naming the file."""

import copy
import json
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.test_render import render_in_process
from tests.test_sprite_sheet_engines import read_godot
from workstation import project as doc
from workstation.kernel.locations import asset_path, data_dir
from workstation.media import Clip, GridCut, MediaError, TagCut, probe
from workstation.media.aseprite_json import read_aseprite
from workstation.media.clip_specs import clip_sources, resolved_spec, spec_text
from workstation.media.sprite_sheets import Grid

CELL = 16


def lpc_sheet() -> Path:
    """An LPC body sheet (832x1344: 13 columns x 21 rows of 64x64), or the test is skipped."""
    folder = data_dir()
    sheet = folder / "lpc-sprites" / "body" / "0.png" if folder is not None else None
    if sheet is None or not sheet.is_file():
        pytest.skip("the LPC layer sheets of ../shared/data/lpc-sprites are not here")
    return sheet


def lpc_rgba(sheet: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(sheet), cv2.IMREAD_UNCHANGED), cv2.COLOR_BGRA2RGBA)


def cell_picture(index: int, width: int = CELL, height: int = CELL) -> np.ndarray:
    """An RGBA frame that tells its number: its own colour, a bar as long as the number, opaque."""
    frame = np.zeros((height, width, 4), np.uint8)
    frame[...] = (20 * index % 256, 255 - 30 * index % 256, 60 + 40 * index % 196, 255)
    frame[height // 2, : index + 1] = (255, 255, 255, 255)
    return frame


def write_rgba(path: Path, rgba: np.ndarray) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    assert cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    return path


# -- a picture cut by a grid ------------------------------------------------------------------------------


def test_an_lpc_layer_sheet_cut_by_its_grid_gives_each_rows_cells(tmp_path):
    """grid=64x64 without a row: one clip per row, each its cells up to its last that is not wholly
    transparent (the README's frames per row), each frame the cell's own pixels."""
    sheet = lpc_sheet()
    rgba = lpc_rgba(sheet)
    sources = clip_sources(f"{sheet}:grid=64x64")
    expected_counts = [7] * 4 + [8] * 4 + [9] * 4 + [6] * 4 + [13] * 4 + [6]
    assert [source.cut.count for source in sources] == expected_counts
    assert [source.cut.row for source in sources] == list(range(21))
    for source in (sources[11], sources[16]):  # walk right, shoot back
        clip = Clip(source.path, sheet=source.cut)
        assert (clip.info.kind, clip.info.width, clip.info.height, clip.info.fps) == ("sheet", 64, 64, 12.0)
        row = source.cut.row
        for column in range(len(clip)):
            np.testing.assert_array_equal(clip.frame(column),
                                          rgba[64 * row:64 * row + 64, 64 * column:64 * column + 64, :3])
    # the same grid as 13 columns x 21 rows, one row named
    [walk] = clip_sources(f"{sheet}:cells=13x21,row=11")
    assert walk.cut == sources[11].cut and walk.name == "0 row 11"
    info = probe(sheet, sheet=walk.cut)
    assert (info.frame_count, info.sheet) == (9, walk.cut)


def test_a_grid_with_margin_and_spacing_cuts_between_the_gaps(tmp_path):
    """4 x 2 cells of 16 x 16, 2 pixels of margin and 1 of spacing; the last two cells of the second
    row are transparent, so that row is 2 frames."""
    margin, spacing = 2, 1
    picture = np.zeros((margin * 2 + 2 * CELL + spacing, margin * 2 + 4 * CELL + 3 * spacing, 4), np.uint8)
    picture[..., :3] = 200  # the gaps: visible, never part of a frame
    for index in range(6):
        row, column = divmod(index, 4)
        y, x = margin + row * (CELL + spacing), margin + column * (CELL + spacing)
        picture[y:y + CELL, x:x + CELL] = cell_picture(index)
    path = write_rgba(tmp_path / "tiles.png", picture)
    first, second = clip_sources(f"{path}:grid={CELL}x{CELL},margin={margin},spacing={spacing}")
    assert (first.cut.count, second.cut.count) == (4, 2)
    for source, indices in ((first, range(4)), (second, range(4, 6))):
        frames = list(Clip(path, sheet=source.cut).frames())
        assert len(frames) == len(indices)
        for frame, index in zip(frames, indices, strict=True):
            np.testing.assert_array_equal(frame, cell_picture(index)[..., :3])
    # columns x rows gives the same cells
    assert clip_sources(f"{path}:cells=4x2,margin={margin},spacing={spacing},row=1") == [second]
    assert Grid.by_count((picture.shape[1], picture.shape[0]), 4, 2, margin, spacing).cell == (CELL, CELL)
    # a count given is taken as it is (the transparent cells too)
    [whole] = clip_sources(f"{path}:grid=16x16,margin=2,spacing=1,row=1,count=4")
    assert len(Clip(path, sheet=whole.cut)) == 4


def test_the_command_lines_text_of_a_clip_round_trips():
    cut = GridCut((64, 32), 3, 1, 2, 5)
    assert spec_text("a/s.png", cut) == "a/s.png:grid=64x32,row=3,count=5,margin=1,spacing=2"
    assert spec_text("w.json", TagCut("walk, left")) == "w.json:tag=walk, left"
    assert spec_text("w.json", TagCut()) == "w.json" and spec_text("v.mp4", None) == "v.mp4"
    assert resolved_spec("s.png:grid=64x64,row=2") == f"{Path('s.png').resolve()}:grid=64x64,row=2"
    assert resolved_spec("clip.mp4") == str(Path("clip.mp4").resolve())


# -- Aseprite's JSON -----------------------------------------------------------------------------------------

DURATIONS = [100, 100, 100, 100, 50, 50]
TAGS = [{"name": "walk", "from": 0, "to": 3, "direction": "forward"},
        {"name": "jump", "from": 3, "to": 5, "direction": "pingpong"},
        {"name": "back", "from": 0, "to": 2, "direction": "reverse"}]


def aseprite_sheet(folder: Path, form: str, tags=TAGS, trim_last: bool = False) -> Path:
    """A sheet of 6 frames of 16 x 16 in 3 columns x 2 rows, and Aseprite's JSON of it in ``form``
    ("array" or "hash"), as Aseprite's exporter lays it out. ``trim_last``: the last frame trimmed to
    its right half (``spriteSourceSize`` x 8), stored as 8 x 16 pixels."""
    picture = np.zeros((2 * CELL, 3 * CELL, 4), np.uint8)
    frames = []
    for index in range(6):
        row, column = divmod(index, 3)
        x, y = column * CELL, row * CELL
        picture[y:y + CELL, x:x + CELL] = cell_picture(index)
        trimmed = trim_last and index == 5
        entry = {"frame": {"x": x + (8 if trimmed else 0), "y": y, "w": 8 if trimmed else CELL, "h": CELL},
                 "rotated": False, "trimmed": trimmed,
                 "spriteSourceSize": {"x": 8 if trimmed else 0, "y": 0, "w": 8 if trimmed else CELL, "h": CELL},
                 "sourceSize": {"w": CELL, "h": CELL}, "duration": DURATIONS[index]}
        frames.append((f"hero {index}.aseprite", entry))
    write_rgba(folder / "hero.png", picture)
    meta = {"app": "https://www.aseprite.org/", "version": "1.3.7", "image": "hero.png", "format": "RGBA8888",
            "size": {"w": 3 * CELL, "h": 2 * CELL}, "scale": "1", "frameTags": tags, "layers": [], "slices": []}
    body = ([{"filename": name, **entry} for name, entry in frames] if form == "array" else dict(frames))
    path = folder / f"hero-{form}.json"
    path.write_text(json.dumps({"frames": body, "meta": meta}, indent=1), encoding="utf-8")
    return path


def frames_of(path: Path, tag: str | None) -> list[np.ndarray]:
    return list(Clip(path, sheet=TagCut(tag)).frames())


@pytest.mark.parametrize("form", ["array", "hash"])
def test_asepriteS_json_in_either_form_gives_its_tags_as_clips(tmp_path, form):
    path = aseprite_sheet(tmp_path, form)
    sheet = read_aseprite(path)
    assert [frame.name for frame in sheet.frames] == [f"hero {i}.aseprite" for i in range(6)]
    assert [(tag.name, tag.first, tag.last, tag.direction) for tag in sheet.tags] == [
        ("walk", 0, 3, "forward"), ("jump", 3, 5, "pingpong"), ("back", 0, 2, "reverse")]
    sources = clip_sources(str(path))  # --clip hero.json: one clip per tag
    assert [(source.name, source.cut) for source in sources] == [(t["name"], TagCut(t["name"])) for t in TAGS]
    plays = {"walk": [0, 1, 2, 3], "jump": [3, 4, 5, 4], "back": [2, 1, 0]}
    for tag, order in plays.items():
        frames = frames_of(path, tag)
        assert len(frames) == len(order), tag
        for frame, index in zip(frames, order, strict=True):
            np.testing.assert_array_equal(frame, cell_picture(index)[..., :3])
    assert probe(path, sheet=TagCut("walk")).fps == 10.0  # 100 ms a frame
    assert probe(path, sheet=TagCut("jump")).fps == pytest.approx(1000 / 62.5)  # 100, 50, 50, 50 ms
    assert probe(path).frame_count == 6  # no cut: every frame, in order
    assert clip_sources(f"{path}:tag=back") == [sources[2]]


def test_both_forms_and_a_trimmed_frame_give_the_same_frames(tmp_path):
    array = aseprite_sheet(tmp_path / "a", "array")
    hashed = aseprite_sheet(tmp_path / "h", "hash", trim_last=True)
    for tag in ("walk", "jump", "back", None):
        for one, other in zip(frames_of(array, tag), frames_of(hashed, tag), strict=True):
            if not np.array_equal(one, other):  # the trimmed frame: its left half is not in the sheet
                np.testing.assert_array_equal(other[:, 8:], one[:, 8:])
                assert not other[:, :8].any()


def test_a_json_without_tags_is_one_clip_of_every_frame(tmp_path):
    path = aseprite_sheet(tmp_path, "array", tags=[])
    [source] = clip_sources(str(path))
    assert (source.name, source.cut) == ("hero-array", TagCut())
    assert len(frames_of(path, None)) == 6


def test_our_own_sprite_sheet_reads_back_as_its_frames_names_and_tags(tmp_path, capsys):
    from workstation.demos.sprite_demo import write_sprite_demo_project

    project = write_sprite_demo_project(tmp_path / "game")
    out = tmp_path / "slash.png"
    code, lines = render_in_process(capsys, project, "--shot", "slash", "--range", "2:9", "--out", out,
                                    "--format", "sprites")
    assert code == 0, lines
    written = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    sheet = read_aseprite(out.with_suffix(".json"))
    assert [frame.name for frame in sheet.frames] == [entry["filename"] for entry in written["frames"]]
    assert [frame.name for frame in sheet.frames] == [f"slash_{k}" for k in range(2, 9)]
    [source] = clip_sources(str(out.with_suffix(".json")))
    assert source.name == "slash"
    atlas = cv2.cvtColor(cv2.imread(str(out)), cv2.COLOR_BGR2RGB)
    clip = Clip(source.path, sheet=source.cut)
    assert (len(clip), clip.info.fps) == (7, 12.0)  # 83 ms a frame: 12 fps
    for frame, entry in zip(clip.frames(), written["frames"], strict=True):
        x, y, w, h = (entry["frame"][key] for key in "xywh")
        np.testing.assert_array_equal(frame, atlas[y:y + h, x:x + w])


# -- bad sheets: one line each, naming the file ------------------------------------------------------------


def one_line(opener) -> str:
    with pytest.raises(MediaError) as error:
        opener()
    line = str(error.value)
    assert "\n" not in line and "Traceback" not in line, line
    return line


def aseprite_data(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


BAD_JSON = [
    (lambda d: d["frames"][2]["frame"].update(x=40),
     "frame 2 ('hero 2.aseprite'): its rectangle 16x16 at (40, 0) lies outside hero.png (48x32)"),
    (lambda d: d["frames"][4]["frame"].update(y=17), "frame 4 ('hero 4.aseprite'): its rectangle 16x16 at (16, 17)"),
    (lambda d: d["frames"][1].pop("frame"), "frames[1].frame: missing"),
    (lambda d: d["frames"][0]["frame"].update(w="16"), 'frames[0].frame.w: expected a whole number from 1, got "16"'),
    (lambda d: d["frames"][0]["frame"].update(w=0), "frames[0].frame.w: expected a whole number from 1, got 0"),
    (lambda d: d["frames"][0].pop("filename"), "frames[0].filename: missing"),
    (lambda d: d.pop("meta"), "meta: missing"),
    (lambda d: d["meta"].pop("image"), "meta.image: missing"),
    (lambda d: d.update(frames=[]), "frames: holds no frames"),
    (lambda d: d.update(frames=3), "frames: expected a list (array form) or an object (hash form), got 3"),
    (lambda d: d["meta"]["frameTags"][0].update(to=6), "meta.frameTags[0].to: frame 6 is past the last frame (5)"),
    (lambda d: d["meta"]["frameTags"][0].update({"from": 4}), 'meta.frameTags[0].from: 4 is after "to" 3'),
    (lambda d: d["meta"]["frameTags"][0].pop("name"), "meta.frameTags[0].name: missing"),
    (lambda d: d["meta"]["frameTags"][1].update(direction="sideways"), 'direction: unknown direction "sideways"'),
    (lambda d: d["meta"]["frameTags"][2].update(name="walk"), "meta.frameTags[2].name: a second tag named 'walk'"),
    (lambda d: d["frames"][3].update(rotated=True), "frames[3].rotated: a frame rotated in the sheet cannot be read"),
    (lambda d: d["frames"][3].update(duration=0), "frames[3].duration: expected milliseconds above 0, got 0"),
    (lambda d: d["meta"].update(size={"w": 64, "h": 32}), "meta.size says 64x32 but hero.png is 48x32"),
    (lambda d: d["frames"][0]["spriteSourceSize"].update(x=4), "frames[0].spriteSourceSize: 16x16 at (4, 0) lies "
                                                               "outside its sourceSize 16x16"),
    (lambda d: d["frames"][1]["sourceSize"].update(w=20),
     "frame 'hero 1.aseprite' is 20x16 but 'hero 0.aseprite' is 16x16: one clip's frames are one size"),
]


@pytest.mark.parametrize(("mutate", "problem"), BAD_JSON)
def test_a_bad_aseprite_json_is_one_line_naming_it_and_where(tmp_path, mutate, problem):
    path = aseprite_sheet(tmp_path, "array")
    data = aseprite_data(path)
    mutate(data)
    path.write_text(json.dumps(data), encoding="utf-8")
    line = one_line(lambda: probe(path, sheet=TagCut("walk")))
    assert line.startswith(f"{path}: ") and problem in line, line


@pytest.mark.parametrize(("text", "problem"), [
    ("{", "not Aseprite's JSON: not valid JSON"),
    ("[1, 2]", "top level: expected an object, got a list"),  # never reached: see below
    ('{"frames": {"a": {}, "a": {}}, "meta": {}}', "not Aseprite's JSON: the key 'a' appears twice in one object"),
    ("\udcff", "not Aseprite's JSON"),
])
def test_what_is_no_json_is_one_line(tmp_path, text, problem):
    path = tmp_path / "sheet.json"
    path.write_bytes(text.encode("utf-8", "surrogateescape"))
    line = one_line(lambda: probe(path))
    assert line.startswith(f"{path}: ") and (problem in line or text == "[1, 2]"), line
    if text == "[1, 2]":
        assert line == f"{path}: expected an object, got a list"


def test_an_unknown_tag_and_a_missing_picture_are_one_line(tmp_path):
    path = aseprite_sheet(tmp_path, "hash")
    line = one_line(lambda: probe(path, sheet=TagCut("run")))
    assert line == f"{path}: has no tag 'run' (its tags: 'walk', 'jump', 'back')"
    (tmp_path / "hero.png").unlink()
    assert one_line(lambda: probe(path)) == f"{tmp_path / 'hero.png'}: file not found"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_fifo_for_the_json_or_its_picture_is_refused_unopened(tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    assert "named pipe (FIFO)" in one_line(lambda: probe(fifo))
    assert "named pipe (FIFO)" in one_line(lambda: clip_sources(str(fifo)))
    path = aseprite_sheet(tmp_path, "array")
    data = aseprite_data(path)
    os.mkfifo(tmp_path / "pipe.png")
    data["meta"]["image"] = "pipe.png"
    path.write_text(json.dumps(data), encoding="utf-8")
    line = one_line(lambda: probe(path, sheet=TagCut("walk")))
    assert line.startswith(f"{tmp_path / 'pipe.png'}: ") and "named pipe (FIFO)" in line
    assert "named pipe (FIFO)" in one_line(lambda: clip_sources(f"{tmp_path / 'pipe.png'}:grid=8x8"))


def test_a_huge_json_or_picture_is_refused_unread(tmp_path):
    huge = tmp_path / "huge.json"
    with open(huge, "wb") as file:
        file.truncate((16 << 20) + 1)  # sparse: nothing is written
    assert one_line(lambda: probe(huge)) == f"{huge}: 16777217 bytes: too large for an Aseprite JSON file " \
                                            "(at most 16 MiB); it was not read"
    picture = tmp_path / "huge.png"
    with open(picture, "wb") as file:
        file.truncate((1 << 30) + 1)
    assert "too large for an image file" in one_line(lambda: probe(picture, sheet=GridCut((8, 8), 0)))


def test_a_grid_that_does_not_fit_its_picture_is_one_line(tmp_path):
    path = write_rgba(tmp_path / "strip.png", np.concatenate([cell_picture(i) for i in range(3)], axis=1))
    assert one_line(lambda: probe(path, sheet=GridCut((16, 16), 1))) == \
        f"{path}: has no row 1: its grid is 3 x 1 cells of 16x16 (rows 0 to 0)"
    assert one_line(lambda: probe(path, sheet=GridCut((16, 16), 0, count=4))) == \
        f"{path}: row 0 has 3 cells, not 4 (its grid is 3 x 1 cells of 16x16)"
    assert one_line(lambda: probe(path, sheet=GridCut((64, 64), 0))) == \
        f"{path}: no cell of 64x64 fits in the 48x16 picture after a margin of 0"
    for options, problem in [("grid=16", "clip option 'grid=16': expected grid=64x64"),
                             ("grid=16x16,row=x", "clip option 'row=x': expected a whole number from 0"),
                             ("grid=16x16,cells=3x1", "give the cells as grid=WxH (pixels) or cells=CxR"),
                             ("grid=16x16,colour=red", "clip option 'colour=red': expected one of grid=, cells="),
                             ("grid=16x16,count=0", "count=0: a clip has at least one frame"),
                             ("cells=49x1", "49 columns x 1 rows do not fit in the 48x16 picture"),
                             ("grid=16x16,row=0,row=0", "clip option row= is given twice")]:
        line = one_line(lambda options=options: clip_sources(f"{path}:{options}"))
        assert line.startswith(f"{path}: ") and problem in line, line
    transparent = write_rgba(tmp_path / "empty.png", np.zeros((16, 32, 4), np.uint8))
    assert one_line(lambda: clip_sources(f"{transparent}:grid=16x16,row=0")) == \
        f"{transparent}: row 0 is empty (no pixel of its cells shows anything)"


# -- the project records how each clip was cut ------------------------------------------------------------------


def sheet_clip(source) -> doc.ClipRef:
    """The project's entry for a clip named on the command line, as an import makes it."""
    info = probe(source.path, sheet=source.cut)
    cut = source.cut
    sheet = doc.SheetTag(cut.tag) if isinstance(cut, TagCut) else doc.SheetGrid(cut.cell, cut.row, cut.margin,
                                                                                 cut.spacing, cut.count)
    return doc.ClipRef(str(source.path), info.frame_count, info.fps, info.width, info.height, "crop", None, sheet)


def test_a_project_keeps_how_its_clips_were_cut_and_refuses_a_sheet_that_changed(tmp_path):
    json_path = aseprite_sheet(tmp_path, "array")
    strip = write_rgba(tmp_path / "strip.png", np.concatenate([cell_picture(i) for i in range(3)], axis=1))
    [grid] = clip_sources(f"{strip}:grid=16x16,row=0")
    project = doc.Project(clips={"walk": sheet_clip(clip_sources(f"{json_path}:tag=walk")[0]),
                                 "strip": sheet_clip(grid)})
    path = tmp_path / "film.stopframe"
    doc.save_project(project, path)
    saved = json.loads(path.read_text(encoding="utf-8"))
    assert saved["schema_version"] == 6
    assert saved["clips"]["walk"]["sheet"] == {"aseprite": {"tag": "walk"}}
    assert saved["clips"]["strip"]["sheet"] == {"grid": {"cell": [16, 16], "row": 0, "margin": 0, "spacing": 0,
                                                         "count": 3}}
    loaded = doc.load_project(path)
    assert loaded == project
    for name, indices in (("walk", range(4)), ("strip", range(3))):
        clip = Clip(doc.clip_path(loaded, name), known=loaded.clips[name])
        for frame, index in zip(clip.frames(), indices, strict=True):
            np.testing.assert_array_equal(frame, cell_picture(index)[..., :3])
    data = aseprite_data(json_path)
    data["meta"]["frameTags"][0]["to"] = 2  # the tag lost a frame since
    json_path.write_text(json.dumps(data), encoding="utf-8")
    assert one_line(lambda: Clip(doc.clip_path(loaded, "walk"), known=loaded.clips["walk"])) == \
        f"{json_path}: tag 'walk' is now 3 frames of 16x16, not the 4 of 16x16 the project was made with"


@pytest.mark.parametrize(("sheet", "problem"), [
    ({"grid": {"cell": [16], "row": 0}}, 'clips["strip"].sheet.grid.cell: expected [width, height] in pixels, got 1 '
                                         "number"),
    ({"grid": {"cell": [16, 16], "row": -1}}, 'clips["strip"].sheet.grid.row: must be at least 0, got -1'),
    ({"grid": {"cell": [16, 16], "row": 0}, "aseprite": {"tag": None}}, 'clips["strip"].sheet: expected one of "grid"'),
    ({"aseprite": {"tag": ""}}, 'clips["strip"].sheet.aseprite.tag: must not be empty'),
    ({"tiles": {}}, 'clips["strip"].sheet.tiles: unknown key'),
])
def test_a_bad_sheet_entry_in_a_project_file_is_one_line(tmp_path, sheet, problem):
    entry = {"path": "strip.png", "frame_count": 3, "fps": 12.0, "width": 16, "height": 16, "sheet": sheet}
    path = tmp_path / "film.stopframe"
    path.write_text(json.dumps({"format": "stopframe-project", "schema_version": 6, "clips": {"strip": entry}}))
    with pytest.raises(doc.ProjectError) as error:
        doc.load_project(path)
    assert str(error.value).startswith(f"{path}: {problem}"), error.value


# -- the command line ---------------------------------------------------------------------------------------


def test_train_takes_a_sheet_by_grid_and_an_aseprite_json_as_clips(tmp_path):
    pytest.importorskip("torch")
    from tests.conftest import run_cli
    from tests.test_clips import TINY
    from training.data.clips import ClipPairs

    sheet = lpc_sheet()
    json_path = aseprite_sheet(tmp_path, "array", tags=[])
    specs = [f"{sheet}:grid=64x64,row=11", str(json_path)]
    train = ClipPairs.load(specs, "train", 64, max_gap=2)
    assert [len(frames) for frames in train.clips] == [9 - 3, 6 - 3]  # 3 frames of each held out
    done = run_cli("train", "--clip", specs[0], "--clip", specs[1], "--steps", "2", "--out", str(tmp_path / "run"),
                   "--set", "max_gap=2", *TINY)
    assert done.returncode == 0, done.stderr
    config = json.loads((tmp_path / "run" / "config.json").read_text(encoding="utf-8"))
    assert config["clips"] == [f"{sheet.resolve()}:grid=64x64,row=11", str(json_path.resolve())]
    help_text = "".join(run_cli("train", "--help").stdout.split())  # argparse wraps it anywhere
    assert "SHEET.png:grid=WxH[,row=R][,count=N][,margin=M][,spacing=S]" in help_text and "SHEET.json" in help_text


# -- the round trip: an LPC sheet by grid -> shots -> sheet, JSON, .tres -> back by its JSON ---------------------


def test_an_lpc_sheet_by_grid_to_a_game_engine_and_back_by_its_json(tmp_path, capsys):
    from workstation.output.shot_files import shot_outputs

    sheet = lpc_sheet()
    ground = tmp_path / "game" / "ground.png"
    ground.parent.mkdir()
    cv2.imwrite(str(ground), np.full((64, 64, 3), 90, np.uint8))
    project = doc.Project(clips={"ground": doc.ClipRef(str(ground), 1, 12.0, 64, 64)},
                          model=str(asset_path("models", "sprites")))
    for name, row, fps in (("walk", 11, 12.0), ("slash", 15, 8.0)):
        [source] = clip_sources(f"{sheet}:grid=64x64,row={row}")
        project.clips[name] = sheet_clip(source)
        count = project.clips[name].frame_count
        hero = doc.Character("hero", doc.FrameRef(name, 0), doc.MotionSource(name, 0, None, True))
        project.shots.append(doc.Shot(name, count, fps, doc.FrameRef("ground", 0), [hero], doc.Output(128, 128)))
    path = tmp_path / "game" / "game.stopframe"
    doc.save_project(project, path)
    out = tmp_path / "game.png"
    for args in (["--one-sheet", "--format", "sprites", "--out", out], ["--format", "png", "--out", tmp_path / "pngs"]):
        code, lines = render_in_process(capsys, path, "--all", *args)
        assert code == 0, lines
    json_path = out.with_suffix(".json")
    exported = read_aseprite(json_path)
    assert [frame.name for frame in exported.frames] == [f"walk_{k}" for k in range(9)] + \
        [f"slash_{k}" for k in range(6)]
    assert [(tag.name, tag.first, tag.last, tag.direction) for tag in exported.tags] == [
        ("walk", 0, 8, "forward"), ("slash", 9, 14, "forward")]
    godot = read_godot(out)
    assert [(a.name, a.speed, len(a.regions)) for a in godot] == [("walk", 12.0, 9), ("slash", 8.0, 6)]
    assert [region for a in godot for region in a.regions] == [
        (f.rect.x, f.rect.y, f.rect.w, f.rect.h) for f in exported.frames]
    # back in, by its JSON: a clip per tag, named as the shots (and the grid's clips) were
    sources = clip_sources(str(json_path))
    assert [source.name for source in sources] == ["walk", "slash"]
    again = doc.Project(clips={source.name: sheet_clip(source) for source in sources})
    doc.save_project(again, tmp_path / "again.stopframe")
    again = doc.load_project(tmp_path / "again.stopframe")
    rendered = dict(shot_outputs(project, tmp_path / "pngs", "png"))
    for name, fps in (("walk", 12.0), ("slash", 8.0)):
        clip = Clip(doc.clip_path(again, name), known=again.clips[name])
        assert clip.info.fps == fps
        pngs = sorted(rendered[name].glob("*.png"))
        assert len(clip) == len(pngs) == project.clips[name].frame_count
        for frame, png in zip(clip.frames(), pngs, strict=True):
            np.testing.assert_array_equal(frame, cv2.cvtColor(cv2.imread(str(png)), cv2.COLOR_BGR2RGB))
    assert copy.deepcopy(again.clips["walk"].sheet) == doc.SheetTag("walk")


def test_an_export_over_the_picture_an_aseprite_clip_reads_is_refused(tmp_path, capsys):
    """The picture a clip's JSON names is one of the project's inputs, as the JSON itself is."""
    from tests.test_render import assert_fails_in_one_line

    json_path = aseprite_sheet(tmp_path, "array")
    walk = sheet_clip(clip_sources(f"{json_path}:tag=walk")[0])
    project = doc.Project(clips={"walk": walk}, shots=[doc.Shot("intro", 4, 12.0, doc.FrameRef("walk", 0))])
    path = tmp_path / "film.stopframe"
    doc.save_project(project, path)
    picture = tmp_path / "hero.png"
    before = picture.read_bytes()
    code, lines = render_in_process(capsys, path, "--shot", "intro", "--format", "sprites", "--out", picture,
                                    "--force")
    assert_fails_in_one_line(code, lines, "is the project's sprite sheet of clip 'walk' (hero.png)")
    assert picture.read_bytes() == before
