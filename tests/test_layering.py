"""The workstation renders without torch, and only workstation/ui knows Qt (napari's rule); the
bundle contract lives in workstation/render/bundle.py, below the engine and the exporter that share it."""

import ast
import subprocess
import sys

from tests.conftest import ROOT

WORKSTATION = ROOT / "workstation"
CORE = ("workstation.render.bundle", "workstation.render.geometry", "workstation.render.engine", "workstation.project",
        "workstation.media", "workstation.render.shot_frames")


def imports_from(path):
    """(module, names) for each absolute ``import`` and ``from ... import`` in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.module, tuple(alias.name for alias in node.names)


def imported_modules(path):
    return {module.split(".")[0] for module, _ in imports_from(path)}


def test_no_workstation_module_imports_torch_and_only_ui_imports_qt():
    for path in WORKSTATION.rglob("*.py"):
        modules = imported_modules(path)
        assert "torch" not in modules, f"{path} imports torch"
        assert "training" not in modules, f"{path} imports the training package (and so torch)"
        if "ui" not in path.relative_to(WORKSTATION).parts:
            assert not modules & {"PySide6", "PyQt6", "shiboken6"}, f"{path} imports Qt outside workstation/ui"


def test_the_exporter_takes_the_bundle_contract_from_the_bundle_module():
    imports = dict(imports_from(ROOT / "export" / "bundle.py"))
    assert {"BUNDLE_FORMAT", "BUNDLE_VERSION", "GRAPHS", "CENTROID"} <= set(imports.get("workstation.render.bundle", ()))
    assert "workstation.render.engine" not in imports, "training/bundle_export.py must not reach the contract through the engine"
    for below in ("bundle.py", "geometry.py"):  # the contract and the geometry know nothing above them
        modules = {module for module, _ in imports_from(WORKSTATION / below)}
        allowed = {"workstation.project", "workstation.kernel.errors"}  # the error base knows nothing above it
        assert not {m for m in modules if m.startswith("workstation")} - allowed, below


def test_the_headless_core_loads_without_torch_or_qt():
    code = (f"import sys; import {', '.join(CORE)}; "
            "print(sorted(m for m in ('torch', 'PySide6') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_no_module_outside_tests_is_over_400_lines():
    """One concept per module: a file that grows past 400 lines holds more than one."""
    too_long = {}
    for path in ROOT.rglob("*.py"):
        parts = path.relative_to(ROOT).parts
        if parts[0] in ("tests", ".venv", "build", "dist", "runs") or parts[0].startswith("."):
            continue
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > 400:
            too_long[str(path.relative_to(ROOT))] = lines
    assert not too_long, f"modules over 400 lines: {too_long}"
