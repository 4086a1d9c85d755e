"""The workstation renders without torch, and only workstation/ui knows Qt (napari's rule)."""

import ast
import subprocess
import sys

from tests.conftest import ROOT

WORKSTATION = ROOT / "workstation"


def imported_modules(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module.split(".")[0]


def test_no_workstation_module_imports_torch_and_only_ui_imports_qt():
    for path in WORKSTATION.rglob("*.py"):
        modules = set(imported_modules(path))
        assert "torch" not in modules, f"{path} imports torch"
        assert "training" not in modules, f"{path} imports the training package (and so torch)"
        if "ui" not in path.relative_to(WORKSTATION).parts:
            assert not modules & {"PySide6", "PyQt6", "shiboken6"}, f"{path} imports Qt outside workstation/ui"


def test_the_headless_core_loads_without_torch_or_qt():
    code = ("import sys; import workstation.engine, workstation.project, workstation.media, "
            "workstation.rendering; print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
