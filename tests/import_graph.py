"""The project's imports read from its source, for the layering tests: every ``import``, ``from ...
import`` (relative ones resolved; ``from package import module`` is an edge to the module) and
``importlib.import_module("...")`` with a literal name, wherever it stands (in a function, under
``TYPE_CHECKING``), as edges between the project's own modules.

    graph = ImportGraph.of(root, packages=("workstation", "training"), modules=("main",))
    graph.edges["workstation.render.engine"]   -> {"workstation.render.bundle", ...}
    graph.external["workstation.output.video"] -> {"av", "numpy", ...}
    graph.dynamic                               -> {"workstation.output"}: import_module(<not a literal>)
    graph.cycles()                              -> [["a", "b"], ...], each an import circle
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


DYNAMIC = "<computed>"  # what imported_names gives for import_module(name) with a name not written out


def imported_names(tree: ast.AST, name: str, is_package: bool) -> list[tuple[str, tuple[str, ...]]]:
    """Every import of ``tree`` (the module ``name``): (module, names) for ``from module import
    names``, (module, ()) for ``import module`` and ``import_module("module")``; relative imports
    resolved."""
    found: list[tuple[str, tuple[str, ...]]] = []
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.append((module, tuple(alias.name for alias in node.names)))
        elif isinstance(node, ast.Call) and _is_import_module(node.func) and node.args:
            first = node.args[0]
            found.append((first.value if isinstance(first, ast.Constant) and isinstance(first.value, str)
                          else DYNAMIC, ()))
    return found


def _is_import_module(func: ast.expr) -> bool:
    """``import_module(...)``, ``importlib.import_module(...)`` or ``__import__(...)``."""
    if isinstance(func, ast.Name):
        return func.id in ("import_module", "__import__")
    return isinstance(func, ast.Attribute) and func.attr == "import_module"


@dataclass
class ImportGraph:
    edges: dict[str, set[str]] = field(default_factory=dict)  # project module -> project modules it imports
    external: dict[str, set[str]] = field(default_factory=dict)  # project module -> top-level names of others
    paths: dict[str, Path] = field(default_factory=dict)
    dynamic: set[str] = field(default_factory=set)  # modules that import a name they compute

    @classmethod
    def of(cls, root: Path, packages: tuple[str, ...], modules: tuple[str, ...] = ()) -> ImportGraph:
        files = [path for package in packages for path in sorted((root / package).rglob("*.py"))]
        files += [root / f"{module}.py" for module in modules if (root / f"{module}.py").is_file()]
        graph = cls()
        trees = {}
        for path in files:
            if "__pycache__" in path.parts:
                continue
            name = module_name(root, path)
            graph.paths[name] = path
            trees[name] = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        ours = set(graph.paths)
        tops = {name.split(".")[0] for name in ours}
        for name, tree in trees.items():
            edges, external = set(), set()
            for module, names in imported_names(tree, name, graph.paths[name].name == "__init__.py"):
                if module == DYNAMIC:
                    graph.dynamic.add(name)
                    continue
                if module.split(".")[0] not in tops:
                    external.add(module.split(".")[0])
                    continue
                submodules = {f"{module}.{n}" for n in names} & ours  # ``from package import module``
                edges |= submodules if submodules and len(submodules) == len(names) else {module} | submodules
            graph.edges[name] = {m for m in edges if m in ours and m != name}
            graph.external[name] = external
        return graph

    def cycles(self) -> list[list[str]]:
        """The import circles: each strongly connected set of more than one module (Tarjan)."""
        index: dict[str, int] = {}
        low: dict[str, int] = {}
        stack: list[str] = []
        on_stack: set[str] = set()
        found: list[list[str]] = []

        def visit(node: str) -> None:
            index[node] = low[node] = len(index)
            stack.append(node)
            on_stack.add(node)
            for other in sorted(self.edges.get(node, ())):
                if other not in index:
                    visit(other)
                    low[node] = min(low[node], low[other])
                elif other in on_stack:
                    low[node] = min(low[node], index[other])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))

        for node in sorted(self.edges):
            if node not in index:
                visit(node)
        return found
