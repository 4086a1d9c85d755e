"""Sprite sheets for the game engines as they are (issue 29, item 3): `stopframe render --format sprites`
writes the atlas, Aseprite's JSON (array form) and a Godot 4 SpriteFrames resource, read back here by
the formats' documented grammar (Godot and Unity are not installable here): every rectangle is checked
against the atlas, and cutting the atlas there gives exactly the frame the engine renders.

Aseprite's JSON: https://www.aseprite.org/docs/cli/#format ("json-array"); Godot's text resources: the
"TSCN file format" page of Godot's documentation, and ``ResourceLoaderText`` (a path without ``res://``
is relative to the ``.tres``)."""

import errno
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
import pytest

from tests.faults import failing_writes
from tests.test_frame_formats import as_rgba8, cut, rgba_frames
from tests.test_render import assert_fails_in_one_line, render_in_process
from workstation import project as document
from workstation.demos.sprite_demo import write_sprite_demo_project
from workstation.kernel.errors import StopframeError
from workstation.output.engine_data import SheetAnimation, SheetPlan, frame_names
from workstation.output.writer import write_frames
from workstation.render.layers import LayerView
from workstation.render.shot_frames import open_engine, render_shot

FRAME_KEYS = {"filename", "frame", "rotated", "trimmed", "spriteSourceSize", "sourceSize", "duration"}
META_KEYS = {"app", "version", "image", "format", "size", "scale", "frameTags", "layers", "slices"}


@pytest.fixture
def sprites(tmp_path):
    """The sprite demo: shots walk, slash, spellcast and party, 24 frames each at 12 fps, 256x256 crisp
    from the sprite model's 64-pixel square; slash at 8 fps here, so the shots' rates differ."""
    path = write_sprite_demo_project(tmp_path / "game")
    project = document.load_project(path)
    project.shot("slash").fps = 8.0
    document.save_project(project, path)
    return path


def render(capsys, project, out, *args):
    code, lines = render_in_process(capsys, project, "--out", out, "--format", "sprites", *args)
    assert code == 0, lines
    return out


def rendered(project_path, shot, frames, scale=1):
    """The frames the engine renders of ``shot``, as 8-bit RGBA at ``scale`` times the shot's output."""
    project = document.load_project(project_path)
    own = project.shot(shot).output
    output = document.Output(own.width * scale, own.height * scale, own.scaling)
    return [as_rgba8(frame) for frame in render_shot(open_engine(project), project, shot, frames,
                                                     LayerView.COMPOSITE, output=output)]


def read_atlas(path):
    image = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert image is not None and image.shape[2] == 4, path
    return cv2.cvtColor(image, cv2.COLOR_BGRA2RGBA)


# -- Aseprite's JSON, by its documented layout --------------------------------------------------


def read_aseprite(atlas_path):
    """The JSON beside ``atlas_path`` checked against Aseprite's array layout and the atlas: (frames,
    meta, the atlas as RGBA)."""
    sheet = json.loads(atlas_path.with_suffix(".json").read_text(encoding="utf-8"))
    assert isinstance(sheet["frames"], list), "Aseprite's array form: frames is a list in sheet order"
    meta = sheet["meta"]
    assert META_KEYS <= set(meta) and meta["image"] == atlas_path.name and meta["format"] == "RGBA8888"
    atlas = read_atlas(atlas_path)
    assert meta["size"] == {"w": atlas.shape[1], "h": atlas.shape[0]}
    cell = meta["cell"]
    assert (cell["columns"] * cell["w"], cell["rows"] * cell["h"]) == (atlas.shape[1], atlas.shape[0])
    for entry in sheet["frames"]:
        assert set(entry) == FRAME_KEYS and entry["rotated"] is False and entry["trimmed"] is False
        rect = entry["frame"]
        assert (rect["w"], rect["h"]) == (cell["w"], cell["h"])  # equal cells: a grid slicer cuts them
        assert rect["x"] % cell["w"] == 0 and rect["y"] % cell["h"] == 0
        assert 0 <= rect["x"] and rect["x"] + rect["w"] <= atlas.shape[1]
        assert 0 <= rect["y"] and rect["y"] + rect["h"] <= atlas.shape[0]
        assert entry["spriteSourceSize"] == {"x": 0, "y": 0, "w": rect["w"], "h": rect["h"]}
        assert entry["sourceSize"] == {"w": rect["w"], "h": rect["h"]}
    tags = meta["frameTags"]
    assert [tag["from"] for tag in tags] == [0, *(tag["to"] + 1 for tag in tags[:-1])]  # one after another
    assert tags[-1]["to"] == len(sheet["frames"]) - 1
    return sheet["frames"], meta, atlas


def frames_of(frames, tag):
    return frames[tag["from"]:tag["to"] + 1]


def test_a_shots_sheet_is_asepriteS_array_named_by_the_timeline_with_its_tag(sprites, tmp_path, capsys):
    out = render(capsys, sprites, tmp_path / "walk.png", "--shot", "walk", "--range", "5:12")
    frames, meta, atlas = read_aseprite(out)
    names = [entry["filename"] for entry in frames]
    assert names == [f"walk_{number:02d}" for number in range(5, 12)]  # the timeline's numbers, zero-padded
    assert names == sorted(names) and not any(" " in name for name in names)
    assert meta["frameTags"] == [{"name": "walk", "from": 0, "to": 6, "direction": "forward"}]
    assert [entry["duration"] for entry in frames] == [round(1000 / 12)] * 7
    for entry, expected in zip(frames, rendered(sprites, "walk", range(5, 12)), strict=True):
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), expected)


def test_the_scale_says_how_much_the_models_square_was_enlarged(sprites, tmp_path, capsys):
    """256-pixel frames of the sprite model's 64-pixel square are 4 times it; --scale 2 makes them 8."""
    _, meta, _ = read_aseprite(render(capsys, sprites, tmp_path / "one.png", "--shot", "walk", "--range", "0:2"))
    assert (meta["scale"], meta["scaling"], meta["cell"]["w"]) == ("4", "nearest", 256)
    _, meta, _ = read_aseprite(render(capsys, sprites, tmp_path / "two.png", "--shot", "walk", "--range", "0:2",
                                      "--scale", "2"))
    assert (meta["scale"], meta["cell"]["w"]) == ("8", 512)
    _, meta, _ = read_aseprite(render(capsys, sprites, tmp_path / "soft.png", "--shot", "walk", "--range", "0:2",
                                      "--smooth"))
    assert meta["scaling"] == "bicubic"


def test_crisp_at_twice_the_size_is_exactly_nearest_neighbour(sprites, tmp_path, capsys):
    """Each pixel of the shot's own frame is a 2x2 block of the frame at --scale 2, and each pixel of
    the model's square an 8x8 block (meta.scale), with the shipped sprite model, which draws a moved
    character from its source frame: crisp, a pixel-art source is sampled on the square's grid (it
    was sampled at the output's pixels, so a moved character's pixels fell across the blocks)."""
    once, _, atlas_1 = read_aseprite(render(capsys, sprites, tmp_path / "x1.png", "--shot", "slash", "--range",
                                            "3:6", "--crisp"))
    twice, meta, atlas_2 = read_aseprite(render(capsys, sprites, tmp_path / "x2.png", "--shot", "slash", "--range",
                                                "3:6", "--crisp", "--scale", "2"))
    assert meta["scale"] == "8"
    for small, large in zip(once, twice, strict=True):
        small_image, large_image = cut(atlas_1, small["frame"]), cut(atlas_2, large["frame"])
        np.testing.assert_array_equal(large_image, small_image.repeat(2, axis=0).repeat(2, axis=1))
        blocks = large_image.reshape(64, 8, 64, 8, 4)
        assert (blocks == blocks[:, :1, :, :1]).all()


def test_frame_names_are_padded_to_the_sheets_largest_number_and_never_alike():
    plan = SheetPlan((SheetAnimation("by hand", range(98, 101), 12), SheetAnimation("by_hand", range(2), 12),
                      SheetAnimation("By  Hand", range(1), 12)))
    assert frame_names(plan) == ["by_hand_098", "by_hand_099", "by_hand_100", "by_hand-2_000", "by_hand-2_001",
                                 "By_Hand-3_000"]
    with pytest.raises(ValueError, match="allowed values are forward, reverse, pingpong"):
        SheetAnimation("walk", range(2), 12, direction="backward")


# -- Godot's SpriteFrames, by the text resource grammar ---------------------------------------------


class StringName(str):
    """``&"..."``: a Godot StringName."""


@dataclass(frozen=True)
class Call:
    """A constructor or a reference: ``Rect2(0, 0, 8, 8)``, ``ExtResource("1")``, ``SubResource("x")``."""

    name: str
    args: tuple


@dataclass
class Section:
    name: str
    fields: dict
    properties: dict = field(default_factory=dict)


TOKENS = re.compile(r"""(?P<comment>;[^\n]*)|(?P<space>\s+)|(?P<name>&"(?:\\.|[^"\\])*")|(?P<string>"(?:\\.|[^"\\])*")
    |(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?P<identifier>[A-Za-z_][A-Za-z0-9_]*)|(?P<mark>[\[\]{}(),:=])""",
                    re.VERBOSE)
ESCAPES = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r"}


def unescape(quoted):
    """A quoted string's text, with Godot's VariantParser escapes (``\\n``, ``\\uXXXX``, ``\\"``...)."""
    def one(match):
        code = match.group(1)
        if code[0] in "uU":
            return chr(int(code[1:], 16))
        return ESCAPES.get(code, code)
    return re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", one, quoted[1:-1], flags=re.DOTALL)


def tokens(text):
    position, found = 0, []
    while position < len(text):
        match = TOKENS.match(text, position)
        assert match is not None, f"unexpected character at {text[position:position + 20]!r}"
        position = match.end()
        if match.lastgroup not in ("comment", "space"):
            found.append((match.lastgroup, match.group()))
    return found


def parse_tres(text):
    """Sections ``[tag key=value ...]``, each followed by ``key = value`` lines, as Godot 4 reads a
    text resource: values are strings, StringNames, numbers, booleans, arrays, dictionaries and
    constructors."""
    stream, index = tokens(text), 0

    def take(kind=None, text=None):
        nonlocal index
        assert index < len(stream), "unexpected end of file"
        token = stream[index]
        assert (kind is None or token[0] == kind) and (text is None or token[1] == text), (token, kind, text)
        index += 1
        return token[1]

    def peek():
        return stream[index][1] if index < len(stream) else None

    def value():
        kind, word = stream[index]
        if kind == "string":
            take()
            return unescape(word)
        if kind == "name":
            take()
            return StringName(unescape(word[1:]))
        if kind == "number":
            take()
            return float(word) if re.search(r"[.eE]", word) else int(word)
        if word == "[":
            take()
            items = []
            while peek() != "]":
                items.append(value())
                if peek() == ",":
                    take()
            take(text="]")
            return items
        if word == "{":
            take()
            items = {}
            while peek() != "}":
                key = value()
                take(text=":")
                items[key] = value()
                if peek() == ",":
                    take()
            take(text="}")
            return items
        name = take("identifier")
        if name in ("true", "false", "null"):
            return {"true": True, "false": False, "null": None}[name]
        take(text="(")
        args = []
        while peek() != ")":
            args.append(value())
            if peek() == ",":
                take()
        take(text=")")
        return Call(name, tuple(args))

    sections = []
    while index < len(stream):
        take(text="[")
        section = Section(take("identifier"), {})
        while peek() != "]":
            key = take("identifier")
            take(text="=")
            section.fields[key] = value()
        take(text="]")
        while index < len(stream) and peek() != "[":
            key = take("identifier")
            take(text="=")
            section.properties[key] = value()
        sections.append(section)
    return sections


@dataclass
class GodotAnimation:
    name: str
    speed: float
    loop: bool
    regions: list  # (x, y, w, h) of each frame, in order


def read_godot(atlas_path):
    """The SpriteFrames beside ``atlas_path``, checked against Godot's grammar and the atlas: its
    animations, in order."""
    tres = atlas_path.with_suffix(".tres")
    sections = parse_tres(tres.read_text(encoding="utf-8"))
    header, *resources, main = sections
    assert header.name == "gd_resource" and header.fields["type"] == "SpriteFrames" and header.fields["format"] == 3
    assert main.name == "resource" and set(main.properties) == {"animations"}
    textures = [section for section in resources if section.name == "ext_resource"]
    subs = {section.fields["id"]: section for section in resources if section.name == "sub_resource"}
    assert len(textures) + len(subs) == len(resources) and header.fields["load_steps"] == len(resources) + 1
    [texture] = textures
    path = texture.fields["path"]
    assert texture.fields["type"] == "Texture2D" and "://" not in path and not Path(path).is_absolute()
    assert (tres.parent / path) == atlas_path  # relative to the .tres: the two go in one folder
    atlas = read_atlas(atlas_path)
    animations = []
    for animation in main.properties["animations"]:
        assert set(animation) == {"frames", "loop", "name", "speed"} and isinstance(animation["name"], StringName)
        regions = []
        for frame in animation["frames"]:
            assert frame["duration"] == 1.0
            reference = frame["texture"]
            assert reference.name == "SubResource"
            sub = subs[reference.args[0]]
            assert sub.fields["type"] == "AtlasTexture"
            assert sub.properties["atlas"] == Call("ExtResource", (texture.fields["id"],))
            region = sub.properties["region"]
            assert region.name == "Rect2"
            x, y, w, h = region.args
            assert 0 <= x and x + w <= atlas.shape[1] and 0 <= y and y + h <= atlas.shape[0]
            regions.append((x, y, w, h))
        animations.append(GodotAnimation(str(animation["name"]), animation["speed"], animation["loop"], regions))
    return animations


def test_godot_sprite_frames_beside_the_sheet_cut_the_same_frames(sprites, tmp_path, capsys):
    out = render(capsys, sprites, tmp_path / "slash.png", "--shot", "slash", "--range", "2:9")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["game", "slash.json", "slash.png", "slash.tres"]
    [animation] = read_godot(out)
    assert (animation.name, animation.speed, animation.loop) == ("slash", 8.0, True)
    frames, meta, atlas = read_aseprite(out)
    assert [entry["duration"] for entry in frames] == [125] * 7  # round(1000 / 8)
    assert animation.regions == [tuple(entry["frame"][key] for key in "xywh") for entry in frames]
    for (x, y, w, h), expected in zip(animation.regions, rendered(sprites, "slash", range(2, 9)), strict=True):
        np.testing.assert_array_equal(atlas[y:y + h, x:x + w], expected)
    text = out.with_suffix(".tres").read_text()
    assert "cells of 256x256 pixels" in text  # the cell size, for Godot's own atlas slicer


def test_a_grammar_slip_in_a_tres_is_caught_by_the_parser():
    """The parser is strict: a missing bracket or an unknown character is an error, never skipped."""
    with pytest.raises(AssertionError):
        parse_tres('[gd_resource type="SpriteFrames" format=3\n')
    with pytest.raises(AssertionError):
        parse_tres('[resource]\nanimations = [{"name": &"x" @}]\n')
    assert parse_tres('[resource]\n; a comment\nx = {"a": [1, 2.5, &"b\\"c"]}\n')[0].properties == \
        {"x": {"a": [1, 2.5, StringName('b"c')]}}


# -- all shots in one sheet, or one sheet per shot --------------------------------------------------


def test_all_shots_in_one_sheet_have_a_tag_and_an_animation_each(sprites, tmp_path, capsys):
    project = document.load_project(sprites)
    project.shot("party").name = 'party "all" here'  # a name with spaces and quotes
    document.save_project(project, sprites)
    out = render(capsys, sprites, tmp_path / "game.png", "--all", "--one-sheet")
    frames, meta, atlas = read_aseprite(out)
    names = ["walk", "slash", "spellcast", 'party "all" here']
    assert [tag["name"] for tag in meta["frameTags"]] == names
    assert [(tag["from"], tag["to"]) for tag in meta["frameTags"]] == [(0, 23), (24, 47), (48, 71), (72, 95)]
    animations = read_godot(out)
    assert [(a.name, a.speed, a.loop) for a in animations] == [(name, 8.0 if name == "slash" else 12.0, True)
                                                                  for name in names]
    regions = [region for animation in animations for region in animation.regions]
    assert regions == [tuple(entry["frame"][key] for key in "xywh") for entry in frames]
    assert len(set(regions)) == 96
    for tag, animation in zip(meta["frameTags"], animations, strict=True):
        in_tag = [entry["filename"] for entry in frames_of(frames, tag)]
        assert in_tag == sorted(in_tag) and all(re.fullmatch(r"\S+_\d{2}", name) for name in in_tag)
        durations = {entry["duration"] for entry in frames_of(frames, tag)}
        assert durations == {round(1000 / animation.speed)}
    assert frames[72]["filename"] == 'party_"all"_here_00'
    for entry, expected in zip(frames_of(frames, meta["frameTags"][1]), rendered(sprites, "slash", range(24)),
                               strict=True):
        np.testing.assert_array_equal(cut(atlas, entry["frame"]), expected)


def test_every_shot_in_a_sheet_of_its_own(sprites, tmp_path, capsys):
    render(capsys, sprites, tmp_path / "sheets", "--all")
    names = ["party", "slash", "spellcast", "walk"]
    assert sorted(path.name for path in (tmp_path / "sheets").iterdir()) == sorted(
        f"{name}{suffix}" for name in names for suffix in (".json", ".png", ".tres"))
    for name in names:
        [animation] = read_godot(tmp_path / "sheets" / f"{name}.png")
        _, meta, _ = read_aseprite(tmp_path / "sheets" / f"{name}.png")
        assert animation.name == name and meta["frameTags"] == [
            {"name": name, "from": 0, "to": 23, "direction": "forward"}]


def test_one_sheet_of_shots_of_different_sizes_is_refused_in_one_line(sprites, tmp_path, capsys):
    project = document.load_project(sprites)
    project.shot("spellcast").output = document.Output(128, 128, "crisp")
    document.save_project(project, sprites)
    out = tmp_path / "game.png"
    code, lines = render_in_process(capsys, sprites, "--all", "--one-sheet", "--format", "sprites", "--out", out)
    assert_fails_in_one_line(code, lines, str(out), "'walk' is 256×256 crisp", "'spellcast' 128×128 crisp",
                             "one sheet per shot")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["game"]
    code, lines = render_in_process(capsys, sprites, "--all", "--one-sheet", "--format", "sprites", "--out", out,
                                    "--size", "128x128")  # one size for every shot: the remedy
    assert code == 0, lines
    assert read_aseprite(out)[1]["cell"]["w"] == 128


@pytest.mark.parametrize("args", [["--shot", "walk", "--format", "sprites"], ["--all", "--format", "gif"]])
def test_one_sheet_is_for_every_shot_as_sprites(sprites, tmp_path, capsys, args):
    code, lines = render_in_process(capsys, sprites, *args, "--one-sheet", "--out", tmp_path / "x.png")
    assert_fails_in_one_line(code, lines, "--one-sheet", "--all --format sprites")


# -- written safely: the three files together, or the previous ones -----------------------------------


def sheet_bytes(atlas):
    return [atlas.with_suffix(suffix).read_bytes() for suffix in (".png", ".json", ".tres")]


def test_a_full_disk_at_the_tres_keeps_the_previous_sheet(tmp_path):
    atlas = tmp_path / "sheet.png"
    write_frames(rgba_frames(3), atlas, "sprites", 12, 3)
    before = sheet_bytes(atlas)
    (tmp_path / "size").mkdir()
    sizes = [len(data) for data in sheet_bytes(write_frames(rgba_frames(), tmp_path / "size" / "sheet.png",
                                                            "sprites", 12, 8))]
    with failing_writes(tmp_path, errno.ENOSPC, after_bytes=sizes[0] + sizes[1] + 10), \
            pytest.raises(StopframeError) as info:  # the atlas and the JSON fit; the .tres does not
        write_frames(rgba_frames(), atlas, "sprites", 12, 8, force=True)
    assert str(info.value) == f"{atlas}: {os.strerror(errno.ENOSPC)}"
    assert sheet_bytes(atlas) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.json", "sheet.png", "sheet.tres", "size"]


@pytest.mark.parametrize("failing", [".json", ".png"])
def test_when_a_file_cannot_follow_the_tres_the_previous_ones_come_back(tmp_path, monkeypatch, failing):
    """The .tres is renamed first, then the JSON, then the atlas: a rename that fails puts back
    every file already replaced."""
    atlas = tmp_path / "sheet.png"
    write_frames(rgba_frames(3), atlas, "sprites", 12, 3)
    before = sheet_bytes(atlas)
    real_replace = os.replace

    def rename_fails(source, destination):
        if os.fspath(destination) == str(atlas.with_suffix(failing)):
            raise OSError(errno.EIO, os.strerror(errno.EIO))
        real_replace(source, destination)

    monkeypatch.setattr(os, "replace", rename_fails)
    with pytest.raises(StopframeError, match=re.escape(os.strerror(errno.EIO))):
        write_frames(rgba_frames(), atlas, "sprites", 12, 8, force=True)
    assert sheet_bytes(atlas) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.json", "sheet.png", "sheet.tres"]


def test_a_tres_that_reads_back_wrong_is_refused(tmp_path, monkeypatch):
    import workstation.output.sprite_sheet as sprite_sheet

    atlas = tmp_path / "sheet.png"
    write_frames(rgba_frames(3), atlas, "sprites", 12, 3)
    before = sheet_bytes(atlas)
    real_open = open

    def spoiled(path, mode="r", *args, **kwargs):  # the .tres's temporary gets its last byte wrong on the way
        stream = real_open(path, mode, *args, **kwargs)
        if "w" in mode and str(path).endswith(".tres"):
            write = stream.write
            stream.write = lambda data: write(bytes(data)[:-1] + b" ")
        return stream

    monkeypatch.setattr(sprite_sheet, "open", spoiled, raising=False)
    with pytest.raises(StopframeError, match=re.escape(f"{atlas.with_suffix('.tres')}: the new sprite sheet's "
                                                       ".tres does not read back as written")):
        write_frames(rgba_frames(), atlas, "sprites", 12, 8, force=True)
    assert sheet_bytes(atlas) == before
