"""docs/DESIGN.md's layout table matches the tree: every path it names exists, and every package
of the project (and every top-level folder of the repository) is named in it."""

import re

from tests.conftest import ROOT

DESIGN = ROOT / "docs" / "DESIGN.md"


def layout_table(text: str) -> list[str]:
    """The paths of the first column of the table under "## Architecture", as written."""
    section = text.split("## Architecture", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return [path for row in rows for path in re.findall(r"`([^`]+)`", row.split("|")[1])]


def packages() -> set[str]:
    """Every package of the project, as a path with a trailing slash."""
    found = set()
    for top in ("workstation", "training"):
        for init in (ROOT / top).rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(init.parent.relative_to(ROOT).as_posix() + "/")
    return found


def test_every_path_the_layout_table_names_exists():
    named = layout_table(DESIGN.read_text(encoding="utf-8"))
    assert len(named) > 10
    assert [path for path in named if not (ROOT / path.rstrip("/")).exists()] == []


def test_every_package_and_top_level_folder_is_in_the_layout_table():
    named = set(layout_table(DESIGN.read_text(encoding="utf-8")))
    tops = {p.name + "/" for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith(".")
            and p.name not in ("build", "dist", "runs") and not p.name.endswith(".egg-info")}
    assert sorted((packages() | tops) - named) == []


def test_the_table_reader_sees_a_missing_row(tmp_path):
    text = DESIGN.read_text(encoding="utf-8")
    without = "\n".join(line for line in text.splitlines() if not line.startswith("| `workstation/render/`"))
    assert "workstation/render/" in set(layout_table(text)) - set(layout_table(without))
