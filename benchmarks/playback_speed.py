"""Playback of a shot in the real main window, offscreen, with the Canvas at 512x512 (1296x736 with --wide).

Plays ``--frames`` frames (default 300) from a cold render cache at the shot's fps (the shot set to
``--fps``, default 60) and reports the frames delivered per second (distinct frames the
Canvas showed) and the longest stall of the event loop (the largest gap between ticks of a 1 ms
timer), against the targets: at least 60 fps delivered, no stall over 50 ms.

    python benchmarks/playback_speed.py [--fps 60] [--frames 300] [--demo digits|sprites | --project FILE]
                                  [--shot NAME] [--model BUNDLE] [--layer composite|background|characters|alpha]
                                  [--size WxH | --wide]

The project is a demo (``--demo``, default digits: written afresh into a temporary folder) or a
project file (``--project``; it is played, never saved); the shot is ``--shot`` (default: the
project's first). The digit demo's shots: demo, sway, by hand, duet (two characters); the sprite
demo's: walk, slash, spellcast, party (two characters).
``--layer`` plays with that layer on the Canvas (View > Layer), as an animator checking a cut-out does.
``--size 512x512`` sets the shot's output size (Shot > Output Size); ``--wide`` gives the shot a 1280x720
background at its own size (benchmarks/wide_background.py), the output 1280x720.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QSettings, Qt, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from benchmarks.wide_background import widen  # noqa: E402
from workstation import project as doc  # noqa: E402
from workstation.kernel.memory import reuse_freed_memory  # noqa: E402
from workstation.render.layers import LayerView  # noqa: E402
from workstation.ui.shell.demo_menu import DEMOS  # noqa: E402
from workstation.ui.shell.main_window import MainWindow  # noqa: E402

TARGET_FPS = 60.0
TARGET_STALL_MS = 50.0


def resized(path: Path, shot: str | None, folder: Path, size: str | None) -> Path:
    """A copy of the project at ``path`` whose shot has the output ``size`` (or a wide background)."""
    project = doc.load_project(path)
    name = shot or project.shots[0].name
    if size:
        width, height = (int(side) for side in size.lower().split("x"))
        project.shot(name).output = doc.Output(width, height, project.shot(name).output.scaling)
    else:
        widen(project, name, folder)
    copy = folder / "resized.stopframe"
    doc.save_project(project, copy)
    return copy


def main() -> int:
    reuse_freed_memory()  # as main.py does for the app
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, default=60.0)
    parser.add_argument("--frames", type=int, default=300)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--demo", choices=list(DEMOS), default="digits", help="a demo project (default: digits)")
    which.add_argument("--project", type=Path, help="a .stopframe project file instead of a demo")
    parser.add_argument("--shot", help="the shot to play (default: the project's first)")
    parser.add_argument("--model", help="a model bundle (default: the one the project names)")
    parser.add_argument("--layer", default=LayerView.COMPOSITE.value, choices=[view.value for view in LayerView],
                        help="the layer the Canvas shows (View > Layer)")
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--size", help="the shot's output size, WIDTHxHEIGHT (default: the shot's own)")
    size.add_argument("--wide", action="store_true", help="a 1280x720 background at its own size")
    args = parser.parse_args()

    app = QApplication.instance() or QApplication(sys.argv[:1])
    folder = Path(tempfile.mkdtemp(prefix="stopframe-playback-"))
    window = MainWindow(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    window.canvas.setFixedSize(*((1296, 736) if args.wide else (512, 512)))  # the frame 1:1, with its margin
    window.show()
    project = args.project if args.project else DEMOS[args.demo][2](folder / "demo")
    if args.wide or args.size:
        project = resized(project, args.shot, folder, args.size)
    if not window.open_project(project):
        print(f"error: cannot open {project}", file=sys.stderr)
        return 2
    shots = [shot.name for shot in window.document.project.shots]
    shot_name = args.shot or shots[0]
    if shot_name not in shots:
        print(f"error: {project}: no shot named {shot_name!r} (shots: {', '.join(shots)})", file=sys.stderr)
        return 2
    window.document.select_shot(shot_name)
    if args.model:
        window.document.edit("Model", lambda project: setattr(project, "model", str(Path(args.model).resolve())))
    def benchmark_length(shot: doc.Shot) -> None:
        shot.length, shot.fps = args.frames, args.fps

    window.document.edit_shot("Benchmark length", benchmark_length)
    window.document.undo_stack.setClean()
    window.player.set_loop(False)
    window.menus.layer_menu.actions[LayerView(args.layer)].trigger()  # through View > Layer, as the user would
    viewport = window.viewport
    if viewport.engine is None:
        print(f"error: {project}: no model to render with ({viewport.problem})", file=sys.stderr)
        return 2
    viewport.renderer.set_engine(viewport.engine)  # a cold cache: every frame is rendered while playing

    shown: dict[int, float] = {}

    def count_shown(frame):
        if window.player.playing:
            shown.setdefault(frame.frame, time.perf_counter())

    viewport.frame_shown.connect(count_shown)
    gaps = [0.0]
    last_tick = [time.perf_counter()]

    def tick():
        now = time.perf_counter()
        gaps.append(now - last_tick[0])
        last_tick[0] = now

    ticker = QTimer(interval=1)
    ticker.timeout.connect(tick)
    ticker.setTimerType(Qt.TimerType.PreciseTimer)
    for _ in range(20):
        app.processEvents()
    ticker.start()
    last_tick[0] = time.perf_counter()
    gaps.clear()
    start = time.perf_counter()
    window.player.play()
    shown[window.document.frame] = start  # on the Canvas as playback starts
    deadline = start + args.frames / args.fps * 3 + 10
    while window.player.playing and time.perf_counter() < deadline:
        app.processEvents()
        time.sleep(0.0005)
    elapsed = time.perf_counter() - start
    ticker.stop()
    viewport.wait()

    delivered = len(shown) / elapsed
    stall = max(gaps) * 1000.0
    characters = len(window.document.project.shot(shot_name).characters)
    print(f"project {project.name}, shot {shot_name!r} ({characters} characters), "
          f"layer {args.layer!r}; device: {window.device_label.text()}; model {viewport.engine.folder.name} "
          f"{viewport.engine.image_size}x{viewport.engine.image_size}; "
          f"output {window.document.project.shot(shot_name).output.describe()}; "
          f"canvas {window.canvas.width()}x{window.canvas.height()}")
    print(f"played {args.frames} frames at {args.fps:g} fps in {elapsed:.2f} s (ideal {args.frames / args.fps:.2f} s)")
    print(f"delivered: {len(shown)} distinct frames, {delivered:.1f} fps "
          f"({delivered / TARGET_FPS:.2f}x the {TARGET_FPS:g} fps target)")
    print(f"longest event-loop stall: {stall:.1f} ms (target <= {TARGET_STALL_MS:g} ms; "
          f"{stall / TARGET_STALL_MS:.2f}x)")
    print(f"render time per frame (last): {window.render_label.text()}")
    window.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
