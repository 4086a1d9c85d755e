"""The layers of docs/DESIGN.md ("Architecture"), read from every import in the source: static ones,
those inside functions or under ``TYPE_CHECKING``, and ``import_module("...")``.

    kernel  <-  project, media  <-  render  <-  output  <-  demos, commands, preferences  <-  ui
    training may use the kernel, media and the render contract (bundle.py); main.py uses all

Nothing imports upward, nothing imports in a circle, only workstation/ui knows Qt (napari's rule),
nothing in workstation/ knows torch, and the headless core loads without either."""

import subprocess
import sys
from collections import Counter

import pytest

from tests.conftest import ROOT
from tests.import_graph import ImportGraph

# The workstation's layers, bottom up: a module may import its own layer and those below it. A name
# covers that module and everything under it; "workstation" itself is only the package face.
LAYERS = (
    ("kernel", ("workstation", "workstation.kernel")),
    ("project and media", ("workstation.project", "workstation.media")),
    ("render", ("workstation.render",)),
    ("output", ("workstation.output",)),
    ("app", ("workstation.demos", "workstation.commands", "workstation.preferences")),
    ("ui", ("workstation.ui",)),
)
TRAINING_MAY_USE = ("workstation", "workstation.kernel", "workstation.media", "workstation.render.bundle")
QT = {"PySide6", "PyQt5", "PyQt6", "shiboken6"}
CORE = ("workstation.kernel.safe_write", "workstation.project", "workstation.media", "workstation.render.engine",
        "workstation.render.shot_frames", "workstation.output", "workstation.commands", "workstation.demos.digit_demo",
        "workstation.preferences")


def covers(name: str, module: str) -> bool:
    return module == name or (name != "workstation" and module.startswith(name + "."))


def layer_of(module: str) -> int | None:
    for rank, (_, names) in enumerate(LAYERS):
        if any(covers(name, module) for name in names):
            return rank
    return None


def project_graph(root=ROOT) -> ImportGraph:
    return ImportGraph.of(root, packages=("workstation", "training", "assets"), modules=("main",))


def wrong_imports(graph: ImportGraph) -> list[str]:
    """Each import that goes against the layers, as "importer -> imported (why)"."""
    wrong = []
    for module, imported in sorted(graph.edges.items()):
        for other in sorted(imported):
            if module.startswith("workstation"):
                here, there = layer_of(module), layer_of(other)
                if other.startswith("training") or other == "main":
                    wrong.append(f"{module} -> {other} (the workstation never imports training or main)")
                elif here is not None and there is not None and there > here:
                    wrong.append(f"{module} -> {other} (upward: {LAYERS[here][0]} -> {LAYERS[there][0]})")
            elif module.startswith("training") and other.startswith("workstation"):
                if not any(covers(name, other) for name in TRAINING_MAY_USE):
                    wrong.append(f"{module} -> {other} (training uses only {', '.join(TRAINING_MAY_USE)})")
    return wrong


def wrong_libraries(graph: ImportGraph) -> list[str]:
    """Each import of torch or Qt where it must not be."""
    wrong = []
    for module, external in sorted(graph.external.items()):
        if module.startswith("workstation") and "torch" in external:
            wrong.append(f"{module} imports torch")
        if module.startswith(("workstation", "training")) and not covers("workstation.ui", module) and external & QT:
            wrong.append(f"{module} imports Qt outside workstation/ui")
    return wrong


def test_every_workstation_module_has_a_layer():
    graph = project_graph()
    assert [m for m in graph.edges if m.startswith("workstation") and layer_of(m) is None] == []


def test_nothing_imports_against_the_layers():
    assert wrong_imports(project_graph()) == []


def test_no_import_circles():
    assert project_graph().cycles() == []


def test_torch_and_qt_stay_where_they_belong():
    assert wrong_libraries(project_graph()) == []


# The modules that import a module whose name they compute, which no check above can read; each
# must say why, and what it can load.
DYNAMIC_IMPORTS: dict[str, str] = {}


def test_every_import_of_a_computed_name_is_known():
    assert sorted(project_graph().dynamic) == sorted(DYNAMIC_IMPORTS)


def test_the_exporter_takes_the_bundle_contract_from_the_bundle_module():
    graph = project_graph()
    assert "workstation.render.bundle" in graph.edges["training.bundle_export"]
    assert "workstation.render.engine" not in graph.edges["training.bundle_export"]


def test_the_headless_core_loads_without_torch_or_qt():
    code = (f"import sys; import {', '.join(CORE)}; "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


@pytest.fixture
def planted(tmp_path):
    """A small tree with one of each fault the tests above must catch."""
    files = {
        "workstation/__init__.py": "",
        "workstation/kernel/__init__.py": "",
        "workstation/kernel/base.py": "from workstation.render import engine\n",  # upward
        "workstation/render/__init__.py": "",
        "workstation/render/engine.py": "from typing import TYPE_CHECKING\n"
                                        "if TYPE_CHECKING:\n    from . import summed\n",
        "workstation/render/summed.py": "from workstation.render.engine import Engine\n",  # a circle
        "workstation/render/preview.py": "from PySide6.QtGui import QImage\n",  # Qt outside ui
        "workstation/output/loader.py": "import importlib\n\ndef load(name):\n"
                                        "    return importlib.import_module(f'workstation.{name}')\n",
        "workstation/output/__init__.py": "",
        "workstation/output/video.py": "import importlib\n\ndef codec():\n"
                                       "    return importlib.import_module('torch')\n",  # torch, hidden
        "workstation/ui/__init__.py": "",
        "workstation/ui/window.py": "from PySide6.QtWidgets import QWidget\nfrom workstation.output import video\n",
        "training/__init__.py": "",
        "training/run.py": "from workstation.ui import window\nimport torch\n",
        "assets/__init__.py": "",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    return project_graph(tmp_path)


def test_the_checks_find_planted_faults(planted):
    assert wrong_imports(planted) == [
        "training.run -> workstation.ui.window (training uses only workstation, workstation.kernel, "
        "workstation.media, workstation.render.bundle)",
        "workstation.kernel.base -> workstation.render.engine (upward: kernel -> render)",
    ]
    assert planted.cycles() == [["workstation.render.engine", "workstation.render.summed"]]
    assert wrong_libraries(planted) == ["workstation.output.video imports torch",
                                        "workstation.render.preview imports Qt outside workstation/ui"]
    assert planted.dynamic == {"workstation.output.loader"}


def source_files():
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in ("tests", "build", "dist", "runs") or parts[0].startswith("."):
            continue
        yield path


def test_no_module_outside_tests_is_over_400_lines():
    """One concept per module: a file that grows past 400 lines holds more than one."""
    too_long = {str(p.relative_to(ROOT)): n for p in source_files()
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400}
    assert not too_long, f"modules over 400 lines: {too_long}"


def test_no_two_modules_outside_tests_share_a_file_name():
    names = Counter(p.name for p in source_files() if p.name not in ("__init__.py", "conftest.py"))
    assert [name for name, count in names.items() if count > 1] == []


def test_workstation_ui_holds_role_folders_and_a_few_shared_modules():
    loose = sorted(p.name for p in (ROOT / "workstation" / "ui").glob("*.py") if p.name != "__init__.py")
    assert loose == ["document.py", "mime.py"]
