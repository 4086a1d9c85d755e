"""The animator's guide (docs/GUIDE.md) and its pictures: the pictures it links are the ones
scripts/guide_screenshots.py makes, they are all in docs/guide/, the script makes every one of them
offscreen, and the menu commands and keys the guide names are the app's own."""

import importlib.util
import os
import re
import subprocess
import sys

import pytest
from PySide6.QtGui import QKeySequence

from tests.conftest import ROOT

GUIDE = ROOT / "docs" / "GUIDE.md"
PICTURES = ROOT / "docs" / "guide"
SCRIPT = ROOT / "scripts" / "guide_screenshots.py"
PICTURES_BUDGET = 3 * 1024 * 1024  # bytes, all the guide's pictures together
LINK = re.compile(r"!\[[^\]]*\]\(guide/([^)\s]+)\)")
# A menu path in bold, maybe followed by its keys: **File ▸ Import Clip…** (`Ctrl+I`), or
# (`,` or `Left`) for a command with two.
MENU_PATH = re.compile(r"\*\*([^*\n]+?(?: ▸ [^*\n]+?)+)\*\*(?: \(((?:`[^`]+`(?: or )?)+)\))?")


def guide_script():
    """scripts/guide_screenshots.py as a module (loading it puts scripts/ on the path, for
    ``guide_driver``)."""
    spec = importlib.util.spec_from_file_location("guide_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def linked_pictures() -> list[str]:
    return LINK.findall(GUIDE.read_text(encoding="utf-8"))


def test_the_guide_links_the_scripts_pictures_and_each_is_in_docs_guide():
    linked = linked_pictures()
    made = [picture.file for picture in guide_script().PICTURES]
    assert len(linked) == len(set(linked)), "a picture is linked twice"
    assert sorted(linked) == sorted(made), "add a picture to both docs/GUIDE.md and scripts/guide_screenshots.py"
    on_disk = sorted(path.name for path in PICTURES.glob("*.png"))
    assert on_disk == sorted(linked), "run `make guide` to make docs/guide/ match the guide"
    assert sum((PICTURES / name).stat().st_size for name in on_disk) < PICTURES_BUDGET


def test_the_script_makes_every_picture_of_the_guide_offscreen(tmp_path):
    environment = dict(os.environ, QT_QPA_PLATFORM="offscreen", OMP_NUM_THREADS="1")
    out = tmp_path / "guide"
    run = subprocess.run([sys.executable, str(SCRIPT), str(out)], cwd=ROOT, env=environment,
                         capture_output=True, text=True, timeout=240)
    report = run.stdout + run.stderr
    assert run.returncode == 0, report
    assert "skipped" not in run.stdout, report  # every panel of the guide is in the app
    assert sorted(path.name for path in out.glob("*.png")) == sorted(linked_pictures()), report
    assert all(path.stat().st_size > 1000 for path in out.glob("*.png"))  # a picture, not an empty file


def test_a_panel_the_app_does_not_have_is_skipped_not_failed(window):
    from PySide6.QtWidgets import QApplication

    script = guide_script()
    import guide_driver

    guide = guide_driver.Guide(QApplication.instance(), window, ROOT)
    with pytest.raises(guide_driver.PanelMissing, match="no Storyboard panel"):
        script.dock_picture("Storyboard")(guide)
    assert not script.dock_picture("Layers")(guide).isNull()


def test_every_menu_command_the_guide_names_exists_with_the_keys_it_gives(window):
    guide_script()
    from guide_driver import menu_command

    text = re.sub(r"\s+", " ", GUIDE.read_text(encoding="utf-8"))  # a path may wrap, as Markdown allows
    named = MENU_PATH.findall(text)
    assert len(named) > 30
    for path, keys in named:
        action = menu_command(window.menuBar(), *path.split(" ▸ "))
        real = {key.toString(form) for key in action.shortcuts()
                for form in (QKeySequence.SequenceFormat.NativeText, QKeySequence.SequenceFormat.PortableText)}
        for key in re.findall(r"`([^`]+)`", keys):
            assert key in real, f"GUIDE.md gives {path} the keys {key}; the app gives it {sorted(real) or 'none'}"
