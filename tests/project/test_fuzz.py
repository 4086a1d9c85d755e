"""Project files under attack, property-based (hypothesis, profile "ci" from tests/conftest.py).

Broken files start from valid ones (``rich_project``, the fixtures of every version) and are mutated as
JSON (keys dropped and added, types swapped, extreme numbers, unicode, deep nesting, raw tokens such
as NaN) and as bytes (truncated, non-UTF-8 bytes, other encodings). ``load_project`` either succeeds
or raises ``ProjectError`` with one line naming the file, never another exception; whatever loads
saves and loads back to the same document.

Valid documents are generated whole (every feature of the schema): a save then a load gives the
same document, and saving that again gives the same bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tests.project.documents import FIXTURES, rich_project
from workstation.project import (
    FITS,
    MAX_OUTPUT_SIDE,
    POSE_LIMITS,
    SCALINGS,
    Character,
    ClipRef,
    Current,
    FrameRef,
    Interpolation,
    Keyframe,
    MotionSource,
    Output,
    Pose,
    Project,
    ProjectError,
    Shot,
    files,
    from_dict,
    load_project,
    save_project,
    to_dict,
)
from workstation.project.scalars import MAX_FPS, MAX_FRAMES, MIN_FPS

# Hypothesis reuses a function-scoped tmp_path across examples: each example writes its own names.
REUSE_TMP = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])

@pytest.fixture(autouse=True)
def no_fsync(monkeypatch):
    """Thousands of saves: their durability is tested in test_files.py, not here."""
    monkeypatch.setattr(files.os, "fsync", lambda fd: None)


BASES = {"rich": to_dict(rich_project()),
         **{f"v{n}": json.loads((FIXTURES / f"v{n}.stopframe").read_text("utf-8")) for n in (1, 2, 3, 4)}}
FIELDS = ["format", "schema_version", "model", "clips", "shots", "path", "frame_count", "fps", "width",
          "height", "name", "length", "background", "characters", "clip", "frame", "source", "motion",
          "start", "end", "loop", "interpolation", "keyframes", "tx", "ty", "rotation", "scale", "hidden",
          "fit", "output", "scaling", "in", "out", "current"]
# Numbers at the edges of what JSON, floats, ints and the schema's bounds allow.
EXTREME_NUMBERS = [0, -1, 1, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63), 10**300, -(10**300), 10**4000,
                   1e308, -1e308, 1.7976931348623157e308, 5e-324, -5e-324, -0.0, 0.5, 1e-300, 0.1]
# Raw JSON text that json.dumps never writes but json.loads (or a human) may meet.
RAW_TOKENS = ["NaN", "Infinity", "-Infinity", "1e400", "-1e400", "1" + "0" * 5000, "-0", "1E5", "1.0e-400",
              '"\\ud800"', '"\\udfff x"', '"\\u0000"', '"a\\nb"', "[" * 100_000, '"' + "é" * 10_000 + '"']
STRANGE_TEXT = ["", " ", "\t\n", "\x00", "\u2028", "\u202e evil", "é", "☃", "𝄞", "\ufeff", "ループ", "a" * 10_000,
                "..", "/", "\\", "C:\\x", "/abs/x", "../../../../../../x", "nul\x00byte", "\r\n"]
PLACEHOLDER = "\x00raw{}\x00"


def json_values() -> st.SearchStrategy[Any]:
    scalars = (st.none() | st.booleans() | st.integers() | st.sampled_from(EXTREME_NUMBERS)
               | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20)
               | st.sampled_from(STRANGE_TEXT))
    return st.recursive(scalars, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4),
                        max_leaves=10)


def nodes(value: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """The location of every value in a JSON document (the document itself first), to depth 20."""
    found = [at]
    if len(at) >= 20:
        return found
    if isinstance(value, dict):
        for key, item in value.items():
            found += nodes(item, at + (key,))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += nodes(item, at + (i,))
    return found


def get(document: Any, at: tuple[Any, ...]) -> Any:
    for part in at:
        document = document[part]
    return document


def put(document: Any, at: tuple[Any, ...], value: Any) -> Any:
    if not at:
        return value
    get(document, at[:-1])[at[-1]] = value
    return document


def nest(value: Any, depth: int, kind: str) -> Any:
    for _ in range(depth):
        value = [value] if kind == "list" else {"clip": value}
    return value


@st.composite
def mutated_text(draw: st.DrawFn) -> str:
    """A valid project's JSON after one to three mutations, as text."""
    document = json.loads(json.dumps(BASES[draw(st.sampled_from(sorted(BASES)))]))
    raw: list[str] = []
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.sampled_from(nodes(document)))
        target = get(document, at)
        kind = draw(st.sampled_from(["drop", "add", "replace", "extreme", "text", "nest", "raw"]))
        if kind == "drop" and at:
            del get(document, at[:-1])[at[-1]]
        elif kind == "add" and isinstance(target, dict):
            target[draw(st.sampled_from(FIELDS) | st.text(max_size=8))] = draw(json_values())
        elif kind == "add" and isinstance(target, list):
            target.insert(draw(st.integers(0, len(target))), draw(json_values()))
        elif kind == "extreme":
            document = put(document, at, draw(st.sampled_from(EXTREME_NUMBERS)))
        elif kind == "text":
            document = put(document, at, draw(st.sampled_from(STRANGE_TEXT) | st.text(max_size=30)))
        elif kind == "nest":
            depth = draw(st.sampled_from([2, 50, 500, 5000]))
            document = put(document, at, nest(target, depth, draw(st.sampled_from(["list", "dict"]))))
        elif kind == "raw":
            document = put(document, at, PLACEHOLDER.format(len(raw)))
            raw.append(draw(st.sampled_from(RAW_TOKENS)))
        else:
            document = put(document, at, draw(json_values()))
    try:
        text = json.dumps(document, indent=draw(st.sampled_from([None, 2])), ensure_ascii=draw(st.booleans()))
    except RecursionError:  # nested deeper than json.dumps goes: write the nesting by hand
        text = "[" * 100_000
    for i, token in enumerate(raw):
        text = text.replace(json.dumps(PLACEHOLDER.format(i)), token)
        text = text.replace(json.dumps(PLACEHOLDER.format(i), ensure_ascii=False), token)
    return text


@st.composite
def damaged_bytes(draw: st.DrawFn) -> bytes:
    """Bytes of a (possibly mutated) project damaged as a disk, a transfer or an editor would."""
    text = draw(mutated_text()) if draw(st.booleans()) else json.dumps(BASES["rich"], indent=2, ensure_ascii=False)
    kind = draw(st.sampled_from(["truncate", "insert", "flip", "encoding", "bom", "empty"]))
    data = text.encode("utf-8", "surrogatepass")
    if kind == "truncate":
        return data[: draw(st.integers(0, max(0, len(data) - 1)))]
    if kind == "insert":
        junk = draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x00",
                                     b"\xe2\x82", b"\x80", b"\xef\xbb\xbf"]) | st.binary(min_size=1, max_size=8))
        where = draw(st.integers(0, len(data)))
        return data[:where] + junk + data[where:]
    if kind == "flip":
        where = draw(st.integers(0, max(0, len(data) - 1)))
        return data[:where] + bytes([data[where] ^ (1 << draw(st.integers(0, 7)))]) + data[where + 1:]
    if kind == "encoding":
        codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252"]))
        return text.encode(codec, "surrogatepass" if codec.startswith("utf") else "replace")
    if kind == "bom":
        return b"\xef\xbb\xbf" + data
    return b""


def check_load(path: Path, data: bytes) -> Project | None:
    """Load ``data`` written at ``path``: a project, or None after a one-line ProjectError naming ``path``.
    Any other exception fails the test. What loads is saved and loaded again to the same document."""
    path.write_bytes(data)
    try:
        project = load_project(path)
    except ProjectError as error:
        message = str(error)
        assert len(message.splitlines()) == 1 and "\n" not in message and "\r" not in message, message
        assert message.startswith(f"{path}: "), message
        assert error.path == path
        return None
    copy = path.with_name(path.name + ".again")
    save_project(project, copy)
    assert load_project(copy) == project
    return project


def _with(change: str) -> str:
    document = json.loads(json.dumps(BASES["rich"]))
    exec(change, {"d": document})
    return json.dumps(document)


@REUSE_TMP
@given(text=mutated_text())
@example(text=_with('d["shots"][0]["characters"][1]["name"] = "\\ud800"'))  # found by hypothesis:
@example(text=_with('d["shots"][0]["characters"][1]["interpolation"] = "\\ud800"'))  # lone surrogates
@example(text=_with('d["clips"]["\\udc00"] = d["clips"].pop("walk")'))
def test_mutated_json_loads_or_gives_one_line(tmp_path, text):
    check_load(tmp_path / "mutated.stopframe", text.encode("utf-8", "surrogatepass"))


@REUSE_TMP
@given(data=damaged_bytes())
def test_damaged_bytes_load_or_give_one_line(tmp_path, data):
    check_load(tmp_path / "damaged.stopframe", data)


LEAF_REPLACEMENTS = [None, True, False, "x", "", [], {}, -1, 0, 2**64, 1e308, -1e308, 1.5, -0.0, {"a": 1}, [0]]


@pytest.mark.parametrize("base", sorted(BASES))
def test_every_key_dropped_and_every_value_swapped(base):
    """Exhaustive single mutations of each base: every key and item dropped, every value replaced
    by each of LEAF_REPLACEMENTS (about 4,000 documents, through ``from_dict`` as a file's would go)."""
    document = BASES[base]
    source = Path("/projects/one.stopframe")
    tried = loaded = 0
    for at in nodes(document):
        variants = [put(json.loads(json.dumps(document)), at, value) for value in LEAF_REPLACEMENTS]
        if at:
            dropped = json.loads(json.dumps(document))
            del get(dropped, at[:-1])[at[-1]]
            variants.append(dropped)
        for variant in variants:
            tried += 1
            try:
                project = from_dict(variant, source)
            except ProjectError as error:
                assert len(str(error).splitlines()) == 1 and str(error).startswith(f"{source}: "), str(error)
                continue
            loaded += 1
            assert from_dict(to_dict(project), source) == project
    assert tried > 1000 and 0 < loaded < tried


# --------------------------------------------------------------------------------------------
# Valid documents, generated whole

names = st.text(min_size=1, max_size=12).filter(lambda text: text.strip() != "")
positive = st.floats(min_value=0.0, exclude_min=True, allow_infinity=False) | st.integers(1, 10**6)
frame_rates = st.floats(MIN_FPS, MAX_FPS) | st.integers(1, int(MAX_FPS))
offsets = st.floats(-POSE_LIMITS["offset"], POSE_LIMITS["offset"])
turns = st.floats(-POSE_LIMITS["turn"], POSE_LIMITS["turn"])
scales = st.floats(*POSE_LIMITS["scale"]) | st.integers(1, int(POSE_LIMITS["scale"][1]))
stored_paths = (st.text(min_size=1, max_size=20)
                | st.builds(lambda parts: "/".join(parts), st.lists(st.sampled_from([".", "..", "a", "b c", "é", ""]),
                                                                   min_size=1, max_size=5)).filter(bool)
                | st.sampled_from(["/abs/clip.mp4", "clips/walk.mp4", "../media/dance é.gif", "C:\\win\\x.png"]))
sides = st.integers(1, MAX_OUTPUT_SIDE)
outputs = st.builds(Output, sides, sides, st.sampled_from(SCALINGS))


@st.composite
def frame_ref(draw: st.DrawFn, clips: dict[str, ClipRef]) -> FrameRef:
    name = draw(st.sampled_from(sorted(clips)))
    return FrameRef(name, draw(st.integers(0, clips[name].frame_count - 1)))


@st.composite
def characters(draw: st.DrawFn, clips: dict[str, ClipRef]) -> Character:
    motion = None
    if draw(st.booleans()):
        clip = draw(st.sampled_from(sorted(clips)))
        last = clips[clip].frame_count - 1
        start = draw(st.integers(0, last))
        end = draw(st.none() | st.integers(start, last))
        motion = MotionSource(clip, start, end, draw(st.booleans()))
    frames = sorted(draw(st.lists(st.integers(0, 2**40), unique=True, max_size=5)))
    keys = [Keyframe(frame, Pose(draw(offsets), draw(offsets), draw(turns), draw(scales))) for frame in frames]
    return Character(draw(names), draw(frame_ref(clips)), motion, keys, draw(st.sampled_from(Interpolation)),
                     draw(st.booleans()))


@st.composite
def projects(draw: st.DrawFn) -> Project:
    clips = draw(st.dictionaries(names, st.builds(ClipRef, stored_paths, st.integers(1, MAX_FRAMES), positive,
                                                  st.integers(1, 10**5), st.integers(1, 10**5),
                                                  st.sampled_from(FITS)),
                                 min_size=0, max_size=4))
    shots: list[Shot] = []
    if clips:
        for name in draw(st.lists(names, unique=True, max_size=3)):
            cast = draw(st.lists(characters(clips), max_size=3, unique_by=lambda character: character.name))
            in_point = draw(st.integers(0, 10**9))
            out_point = draw(st.none() | st.integers(in_point, 2 * 10**9))
            shots.append(Shot(name, draw(st.integers(1, MAX_FRAMES)), draw(frame_rates), draw(frame_ref(clips)), cast,
                              draw(outputs), in_point, out_point))
    current = draw(st.none() | st.builds(Current, names, st.integers(0, 10**9)))
    return Project(clips=clips, model=draw(st.none() | stored_paths), shots=shots, current=current)


@REUSE_TMP
@given(project=projects())
def test_valid_documents_round_trip_exactly(tmp_path, project):
    path = tmp_path / "sub" / "film.stopframe"
    path.parent.mkdir(exist_ok=True)
    save_project(project, path)  # adopts the file: paths become relative to its folder
    first = path.read_bytes()
    loaded = load_project(path)
    assert loaded == project
    assert json.dumps(to_dict(loaded)) == json.dumps(to_dict(project))  # -0.0 keeps its sign
    save_project(loaded, path)
    assert path.read_bytes() == first
    assert json.loads(first) == to_dict(loaded) | {"model": loaded.model}
    assert os.listdir(path.parent) == ["film.stopframe"]


def test_shots_of_a_file_without_clips_are_checked(tmp_path):
    """Found by the exhaustive test: with "clips" left out, the shots' clip references went unchecked."""
    document = json.loads(json.dumps(BASES["rich"]))
    del document["clips"]
    path = tmp_path / "p.stopframe"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == f"{path}: shots[0].background.clip: unknown clip 'street'"


@pytest.mark.parametrize("where", ["name", "interpolation"])
def test_a_lone_surrogate_is_refused_on_load(tmp_path, where):
    """Found by hypothesis: "\\ud800" (valid JSON) loaded into a name that could never be saved, and in
    a value pydantic reports on it crashed with UnicodeEncodeError."""
    path = tmp_path / "p.stopframe"
    path.write_text(_with(f'd["shots"][0]["characters"][1]["{where}"] = "a\\ud800"'), encoding="utf-8")
    with pytest.raises(ProjectError) as error:
        load_project(path)
    assert str(error.value) == (f"{path}: shots[0].characters[1].{where}: not Unicode text "
                                f'(a lone surrogate in "a\\ud800")')
