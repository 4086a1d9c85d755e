"""A screenshot of the workstation as `make run` opens it (the demo project), taken from a real X
display: run under Xvfb with `make screenshot`, or on a desktop.

    xvfb-run -a -s "-screen 0 1440x900x24" .venv/bin/python scripts/screenshot.py docs/screenshot.png
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtGui import QGuiApplication  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from workstation.demos.digit_demo import write_demo_project  # noqa: E402
from workstation.ui.shell.main_window import MainWindow  # noqa: E402


def main() -> int:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshot.png")
    app = QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="stopframe-screenshot-"))
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.resize(1400, 860)
    window.show()
    window.open_project(write_demo_project(folder / "demo"))
    # The shot animated by hand: the timeline shows its keys, the Inspector where the frame is.
    window.document.select_shot("by hand")
    shot = window.document.shot()
    assert shot is not None, "the demo project has the shot 'by hand'"
    window.document.select_character(shot.characters[0].name)
    clip_row = window.library.clip_item("digit-7-drift")
    assert clip_row is not None, "the demo project has the clip 'digit-7-drift'"
    clip_row.setExpanded(True)
    window.document.set_frame(8)

    def grab() -> None:
        window.viewport.wait()
        app.processEvents()
        picture = QGuiApplication.primaryScreen().grabWindow(0)
        out.parent.mkdir(parents=True, exist_ok=True)
        picture.save(str(out))
        print(f"{out}: {picture.width()}x{picture.height()} on platform {app.platformName()}")
        window.document.undo_stack.setClean()
        window.close()

    start = time.perf_counter()
    QTimer.singleShot(2500, grab)
    app.exec()
    return 0 if out.is_file() and time.perf_counter() - start < 60 else 1


if __name__ == "__main__":
    sys.exit(main())
