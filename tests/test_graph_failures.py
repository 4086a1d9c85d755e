"""A graph that fails or gives NaN while it runs is one line naming it, never a traceback or a
black video with exit 0 (issue 27): `stopframe render` through the real CLI on a bundle whose
weights are NaN, as a training that diverged exports them (its model.json records those graphs)."""

import json
import shutil

import numpy as np
import onnx
from onnx import numpy_helper

from tests.conftest import run_cli
from workstation import project as doc
from workstation.kernel.locations import asset_path
from workstation.render.bundle import graph_digest


def damaged_copy(tmp_path, graph: str):
    """The demo bundle with every weight of ``graph`` made NaN (the graph still loads and runs, and its
    digest in model.json is the NaN graph's: a damage after export is refused when it opens)."""
    bundle = tmp_path / "damaged"
    shutil.copytree(asset_path("models", "demo"), bundle)
    model = onnx.load(str(bundle / graph))
    for initializer in model.graph.initializer:
        values = numpy_helper.to_array(initializer)
        if values.dtype == np.float32 and values.size > 1:
            initializer.CopyFrom(numpy_helper.from_array(np.full_like(values, np.nan), initializer.name))
    onnx.save(model, str(bundle / graph))
    metadata = json.loads((bundle / "model.json").read_text())
    metadata["graph_sha256"][graph] = graph_digest((bundle / graph).read_bytes())
    (bundle / "model.json").write_text(json.dumps(metadata))
    return bundle


def test_a_graph_that_gives_nan_is_one_line_and_writes_nothing(tmp_path):
    project_file = run_cli("demo-project", "--out", tmp_path / "film")
    assert project_file.returncode == 0, project_file.stderr
    project = doc.load_project(tmp_path / "film" / "demo.stopframe")
    project.model = str(damaged_copy(tmp_path, "renderer_character.onnx"))
    doc.save_project(project, tmp_path / "film" / "demo.stopframe")
    done = run_cli("render", tmp_path / "film" / "demo.stopframe", "--shot", "demo", "--out", tmp_path / "out.mp4",
                   "--format", "mp4", "--quiet")
    lines = [line for line in done.stderr.splitlines() if not line.startswith("stopframe: rendering on")]
    assert done.returncode == 2 and len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "renderer_character.onnx: gave values that are not numbers (NaN or infinite)" in lines[0]
    assert not (tmp_path / "out.mp4").exists()


def test_a_graph_that_fails_while_running_is_one_line_naming_it(monkeypatch):
    """ONNX Runtime raising inside a run (out of memory, a kernel it lacks) becomes the bundle's one line."""
    import pytest
    from onnxruntime.capi.onnxruntime_pybind11_state import Fail

    from workstation.render.bundle import BundleError
    from workstation.render.engine import Engine

    engine = Engine(asset_path("models", "demo"), prefer_cuda=False)
    session = engine.bundle.sessions["encoder_character.onnx"]

    class Failing:
        def __getattr__(self, name):
            return getattr(session, name)

        def run(self, *args, **kwargs):
            raise Fail("[ONNXRuntimeError] : 1 : FAIL : bad allocation\n  in node Conv_3")

    monkeypatch.setitem(engine.bundle.sessions, "encoder_character.onnx", Failing())
    with pytest.raises(BundleError) as raised:
        engine.encode_character(np.zeros((1, 3, 64, 64), np.float32))
    line = str(raised.value)
    assert "\n" not in line and line.endswith("encoder_character.onnx: failed while running: "
                                              "[ONNXRuntimeError] : 1 : FAIL : bad allocation in node Conv_3")
