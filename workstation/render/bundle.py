"""The model bundle contract: what training/bundle_export.py writes and the engine reads. No Qt, no torch.
Design: docs/DESIGN.md, "The model bundle".

A bundle is a folder holding ``model.json`` and ONNX graphs (``graphs_for``: file -> input names,
output names; every input and output has a dynamic batch axis first). Every bundle has four:

    encoder_character.onnx   image [N, 3, S, S]                          -> features [N, C, h, w]
    encoder_background.onnx  image [N, 3, S, S]                          -> features [N, C, h, w]
    motion.onnx              features_from, features_to [N, C, h, w]    -> theta [N, 2, 3]
    renderer.onnx            character_features, theta [N, 2, 3], background_features -> image

and a layered bundle (format 2, ``"renderer": "layered"``) two more, whose composite
``alpha * rgb + (1 - alpha) * plate`` is what its renderer.onnx gives:

    renderer_character.onnx  character_features, theta  -> rgb [N, 3, S, S], alpha [N, 1, S, S]
    renderer_background.onnx background_features        -> plate [N, 3, S, S]

A format 3 bundle (always layered; a model that draws a character's colour from its own source
frame, ``"colour": "source"``) has the same six files, three of them on a sampling ``field``
[N, 2, S, S] (grid_sample units, absolute) instead of a theta (``FIELD_GRAPHS``):

    motion.onnx              features_from, features_to, character_features -> field, theta [N, 2, 3]
                             (and parts [N, P, S, S] when model.json says "parts": P >= 1)
    renderer_character.onnx  character_features, field -> rgb, alpha, visibility [N, 1, S, S]
    renderer.onnx            character_features, field, source [N, 3, S, S], background_features -> image

``model.json`` says ``format`` (``BUNDLE_FORMAT``), ``format_version`` (1 to 3), ``image_size``
S, ``feature_shape`` [C, h, w], ``anchored`` (thetas relative to the character's centre), in
bundles written since it existed ``centroid`` (``CENTROID``), from format 2 ``renderer``
("layered" or "summed"; a format 1 bundle is summed), in format 3 ``colour`` ("source") and
``parts`` (P), and in bundles written since it existed ``graph_sha256`` (graph file -> the SHA-256
of its bytes: a graph of another bundle is refused, not rendered). ``Metadata`` declares their
types once (strict: no 64.0 or "64" for 64, no 1 for true). The other keys are informational and
kept as they are. Every problem is a ``BundleError`` of one line naming the file (and the key of
model.json), and nothing is printed.

    bundle = open_bundle(folder)   # metadata read, graphs loaded in ONNX Runtime and checked
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError, model_validator

from workstation.kernel.errors import StopframeError
from workstation.kernel.reading import InputError, InputMissing, read_bytes_capped
from workstation.render.sessions import graph_problem, new_session, preferred_providers  # new_session: export's too

BUNDLE_FORMAT = "stopframe-model-bundle"
BUNDLE_VERSION = 2  # what export writes for a model that takes a character's colour from its decoder
SOURCE_COLOUR_VERSION = 3  # what export writes for a model that draws it from its source frame
NEWEST_VERSION = 3  # every version from 1 to this is read
RENDERERS = ("layered", "summed")
GraphTable = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]  # file -> (input names, output names)
GRAPHS: GraphTable = {  # the graphs of every bundle
    "encoder_character.onnx": (("image",), ("features",)),
    "encoder_background.onnx": (("image",), ("features",)),
    "motion.onnx": (("features_from", "features_to"), ("theta",)),
    "renderer.onnx": (("character_features", "theta", "background_features"), ("image",)),
}
LAYER_GRAPHS: GraphTable = {  # the layered renderer's two decoders, in layered bundles only
    "renderer_character.onnx": (("character_features", "theta"), ("rgb", "alpha")),
    "renderer_background.onnx": (("background_features",), ("plate",)),
}
FIELD_GRAPHS: GraphTable = {  # format 3's graphs that place a character by a sampling field instead of a theta
    "motion.onnx": (("features_from", "features_to", "character_features"), ("field", "theta")),
    "renderer_character.onnx": (("character_features", "field"), ("rgb", "alpha", "visibility")),
    "renderer.onnx": (("character_features", "field", "source", "background_features"), ("image",)),
}
MAX_PARTS = 64  # format 3's "parts": the most part masks a motion graph may give
# model.json "centroid": which centroid the renderer graph anchors on. Bundles written before the
# key existed anchor on the plain feature energy ("energy"); the engine's own arithmetic (outlines,
# edits on plain bundles) must use the same one.
CENTROID = "character"
MAX_METADATA_BYTES = 16 * 2**20  # model.json is a few kB; anything this big is not one
MAX_GRAPH_BYTES = 2**31 - 1  # a graph is one protobuf (exported without external data), which cannot be larger


class BundleError(StopframeError, RuntimeError):
    """A model bundle cannot be used; one line naming the file and the problem."""


Dimension = Annotated[StrictInt, Field(ge=1, le=65536)]


class Metadata(BaseModel):
    """The keys of model.json the workstation uses, with their types; other keys are allowed
    (informational: ``opset``, ``model_config``, ``trained_on``, ``evaluation``, ...)."""

    model_config = ConfigDict(extra="allow", frozen=True)

    format: Literal["stopframe-model-bundle"]
    format_version: Annotated[StrictInt, Field(ge=1, le=NEWEST_VERSION)]
    image_size: Annotated[StrictInt, Field(ge=8, le=8192)]
    feature_shape: tuple[Dimension, Dimension, Dimension]
    anchored: StrictBool
    centroid: Literal["character", "energy"] | None = None
    renderer: Literal["layered", "summed"] | None = None
    colour: Literal["decoder", "source"] | None = None
    parts: Annotated[StrictInt, Field(ge=0, le=MAX_PARTS)] | None = None
    graph_sha256: dict[str, Annotated[StrictStr, Field(pattern="^[0-9a-f]{64}$")]] | None = None

    @model_validator(mode="after")
    def _keys_agree_with_the_format(self) -> Metadata:
        if self.format_version >= 2 and self.renderer is None:
            raise ValueError("renderer")
        if self.format_version == 1 and self.renderer == "layered":
            raise ValueError("renderer")
        if self.format_version == SOURCE_COLOUR_VERSION and self.renderer != "layered":
            raise ValueError("renderer")
        if (self.colour == "source") != (self.format_version == SOURCE_COLOUR_VERSION):
            raise ValueError("colour")
        if self.format_version == SOURCE_COLOUR_VERSION and self.parts is None:
            raise ValueError("parts")
        graphs = graphs_for(self.renderer_kind, self.format_version, self.parts or 0)
        if self.graph_sha256 is not None and set(self.graph_sha256) != set(graphs):
            raise ValueError("graph_sha256")
        return self

    @property
    def renderer_kind(self) -> str:
        return self.renderer or "summed"


def graphs_for(renderer: str, format_version: int = BUNDLE_VERSION, parts: int = 0) -> GraphTable:
    """The graphs a bundle of this format with this renderer ("layered" or "summed"; format 3 is
    layered) holds: file -> (inputs, outputs). ``parts``: format 3's P (a motion output from 1)."""
    graphs = {**GRAPHS, **LAYER_GRAPHS} if renderer == "layered" else dict(GRAPHS)
    if format_version == SOURCE_COLOUR_VERSION:
        graphs.update(FIELD_GRAPHS)
        if parts >= 1:
            inputs, outputs = graphs["motion.onnx"]
            graphs["motion.onnx"] = (inputs, (*outputs, "parts"))
    return graphs


EXPECTED = {  # model.json key -> what it must hold, as the one line says it
    "format": f'must be "{BUNDLE_FORMAT}" (this is not a Stopframe model bundle)',
    "format_version": f"bundle format version {{got}} is not supported (this Stopframe reads versions 1 to "
                      f"{NEWEST_VERSION})",
    "image_size": "must be the model's image size in pixels, a whole number from 8 to 8192",
    "feature_shape": "must be [C, h, w], three whole numbers from 1 to 65536",
    "anchored": "must be true or false",
    "centroid": f'must be "{CENTROID}" or "energy" (or left out: a bundle from before the key)',
    "renderer": 'must be "layered" or "summed" from format_version 2 on ("layered" in format 3; a format 1 '
                'bundle is summed)',
    "colour": f'must be "source" in format {SOURCE_COLOUR_VERSION} and only there (a model that colours with its '
              f'decoder is format 2 or 1)',
    "parts": f"must be the motion graph's number of part masks in format {SOURCE_COLOUR_VERSION}, a whole number "
             f"from 0 to {MAX_PARTS}",
    "graph_sha256": "must give each graph file of the bundle the SHA-256 of its bytes, 64 lowercase hex digits (or "
                    "be left out: a bundle from before digests)",
}


def _shown(value: object) -> str:
    """A JSON value as the one line shows it, shortened."""
    try:
        text = json.dumps(value)
    except (TypeError, ValueError, RecursionError):
        text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def metadata_problem(error: ValidationError, metadata: dict) -> str:
    """The one line (without the file) for the first problem pydantic found in model.json."""
    details = error.errors()[0]
    key = str(details["loc"][0]) if details["loc"] else ""
    if not key and details["type"] == "value_error":  # a check across keys names its key itself
        key = str(details.get("ctx", {}).get("error", ""))
    if details["type"] == "missing":
        return f"missing {key!r}; a model bundle's model.json says {', '.join(EXPECTED)}"
    got = _shown(metadata.get(key))
    expected = EXPECTED.get(key, details["msg"])
    if "{got}" in expected:
        return f"{key}: {expected.format(got=got)}"
    return f"{key}: {expected}, got {got}"


@dataclass(frozen=True, eq=False)
class Bundle:
    """An opened bundle: its folder, model.json, one ONNX Runtime session per graph and the device
    they run on ("CPU" or "CUDA"). Sessions may be run from several threads at once."""

    folder: Path
    metadata: dict[str, Any]  # model.json as it is, checked against Metadata
    sessions: dict[str, Any]  # graph file -> onnxruntime.InferenceSession
    device: str

    @property
    def image_size(self) -> int:
        return int(self.metadata["image_size"])

    @property
    def feature_shape(self) -> tuple[int, int, int]:
        channels, height, width = self.metadata["feature_shape"]
        return int(channels), int(height), int(width)

    @property
    def anchored(self) -> bool:
        return bool(self.metadata["anchored"])

    @property
    def renderer(self) -> str:
        """"layered" (character RGBA over a plate) or "summed" (the paper's; every format 1 bundle)."""
        return str(self.metadata.get("renderer") or "summed")

    @property
    def layered(self) -> bool:
        return self.renderer == "layered"

    @property
    def format_version(self) -> int:
        return int(self.metadata["format_version"])

    @property
    def colour_from_source(self) -> bool:
        """Whether a character's colour is drawn from its own source frame through the motion's field
        (format 3: ``v * source(field) + (1 - v) * rgb``) rather than all from the decoder's ``rgb``."""
        return self.metadata.get("colour") == "source"

    @property
    def parts(self) -> int:
        """P, the part masks format 3's motion graph gives (0: none, and no output)."""
        return int(self.metadata.get("parts") or 0)

    @property
    def graphs(self) -> GraphTable:
        return graphs_for(self.renderer, self.format_version, self.parts)


def open_bundle(folder: str | Path, prefer_cuda: bool = True) -> Bundle:
    """Read model.json, load the graphs (on CUDA when its provider loads) and check that they keep
    the contract and are the ones model.json recorded; raises BundleError."""
    folder = Path(folder)
    metadata = read_metadata(folder)
    checked = Metadata.model_validate(metadata)
    graphs = graphs_for(checked.renderer_kind, checked.format_version, checked.parts or 0)
    data = read_graphs(folder, graphs)
    sessions, device = open_sessions(folder, graphs, prefer_cuda, data)
    check_graphs(folder, sessions, checked, graphs)
    check_digests(folder, checked, data)
    return Bundle(folder, metadata, sessions, device)


def read_metadata(folder: Path) -> dict:
    """model.json, checked against ``Metadata``; raises BundleError."""
    if not folder.is_dir():
        raise BundleError("no such model bundle folder", folder)
    path = folder / "model.json"
    try:
        raw = read_bytes_capped(path, MAX_METADATA_BYTES, "a model bundle's model.json")
        metadata = json.loads(raw.decode("utf-8"))
    except InputMissing:
        raise BundleError(f"missing; a model bundle holds model.json and {', '.join(GRAPHS)}", path) from None
    except InputError as error:
        raise BundleError(error.problem, path) from None
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise BundleError(f"not valid JSON ({str(error)[:120]})", path) from None
    if not isinstance(metadata, dict):
        raise BundleError(f"not a Stopframe model bundle (model.json holds {_shown(metadata)}, not an object)", path)
    try:
        Metadata.model_validate(metadata)
    except ValidationError as error:
        raise BundleError(metadata_problem(error, metadata), path) from None
    return metadata


def read_graphs(folder: Path, graphs: dict) -> dict[str, bytes]:
    """Each graph file's bytes, read once: the bytes hashed are the bytes ONNX Runtime loads."""
    data = {}
    for name in graphs:
        path = folder / name
        try:
            data[name] = read_bytes_capped(path, MAX_GRAPH_BYTES, "an ONNX graph")
        except InputMissing:
            raise BundleError(f"missing; this model bundle holds model.json and {', '.join(graphs)}", path) from None
        except InputError as error:
            raise BundleError(error.problem, path) from None
    return data


def open_sessions(folder: Path, graphs: dict, prefer_cuda: bool = True,
                  data: dict[str, bytes] | None = None) -> tuple[dict, str]:
    """One InferenceSession per graph of ``graphs`` (from ``data``, their bytes, when given), on CUDA
    when its provider loads, else on the CPU."""
    data = read_graphs(folder, graphs) if data is None else data
    wanted = preferred_providers(prefer_cuda)
    sessions, used = {}, set()
    for name in graphs:
        path = folder / name
        try:
            session = new_session(data[name], wanted)
        except Exception as error:  # onnxruntime raises several kinds for a damaged graph
            reason = graph_problem(path, error) if data[name] else "the file is empty"
            raise BundleError(f"not a loadable ONNX graph: {reason} (the file is damaged, truncated or not ONNX; "
                              "export the bundle again)", path) from None
        sessions[name] = session
        used.add(session.get_providers()[0])
    return sessions, ("CUDA" if used == {"CUDAExecutionProvider"} else "CPU")


def check_graphs(folder: Path, sessions: dict, metadata: Metadata, graphs: dict) -> None:
    """Input/output names as the contract says, and shapes that agree with model.json and each other."""
    size = metadata.image_size
    features = list(metadata.feature_shape)
    expected_shapes = {
        "image": [3, size, size], "features": features, "features_from": features, "features_to": features,
        "theta": [2, 3], "character_features": features, "background_features": features,
        "rgb": [3, size, size], "alpha": [1, size, size], "plate": [3, size, size],
        "field": [2, size, size], "visibility": [1, size, size], "source": [3, size, size],
        "parts": [metadata.parts or 0, size, size],
    }
    for name, (inputs, outputs) in graphs.items():
        session = sessions[name]
        got_inputs = [i.name for i in session.get_inputs()]
        got_outputs = [o.name for o in session.get_outputs()]
        if got_inputs != list(inputs) or got_outputs != list(outputs):
            raise BundleError(f"takes {got_inputs} -> {got_outputs}, expected {list(inputs)} -> {list(outputs)}",
                              folder / name)
        for node in (*session.get_inputs(), *session.get_outputs()):
            want = expected_shapes[node.name]
            dims = list(node.shape[1:])
            if dims != want:
                raise BundleError(f"{node.name} has shape [N, {', '.join(map(str, dims))}] "
                                  f"but the bundle's model.json says [N, {', '.join(map(str, want))}]", folder / name)


# -- whether the graphs are the ones model.json recorded ----------------------------------------------
def graph_digest(data: bytes) -> str:
    """A graph file's SHA-256, as model.json's ``graph_sha256`` records it."""
    return hashlib.sha256(data).hexdigest()


def check_digests(folder: Path, metadata: Metadata, data: dict[str, bytes]) -> None:
    """Each graph is the one model.json recorded (bundles from before ``graph_sha256`` are not
    checked). After the names and shapes, so that a graph of another shape says so."""
    recorded = metadata.graph_sha256 or {}
    for name, graph in data.items():
        if name in recorded and graph_digest(graph) != recorded[name]:
            raise BundleError("does not belong to this bundle's model.json (its SHA-256 is not the one recorded "
                              "there: a graph of another bundle, or changed since export)", folder / name)
