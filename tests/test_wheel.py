"""The wheel stands alone. It is built from this checkout and installed (``--no-deps``) into a fresh
virtual environment in a temporary folder, which borrows the dependencies already installed in
.venv but neither the checkout nor .venv's editable install of it; then, from an empty temporary
folder, the installed ``stopframe`` does what a user does: ``--version``, ``demo-project`` (the
installed app writes the demo project itself), ``render`` of the demo shot to a GIF, and an
offscreen start of the workstation; the sprite demo's clips, credits and licence texts are in it.

How the new environment borrows .venv's packages: one line in a .pth file of its site-packages names
.venv's site-packages. A plain path line in a .pth file only appends that folder to sys.path; the
.pth files inside it are not processed, so .venv's ``__editable__.stopframe-*.pth`` (which installs
the finder that maps ``workstation`` to the checkout) never runs there. The test checks this
rather than trusting it: ``workstation.__file__`` and friends must lie inside the new environment,
no editable finder may be on ``sys.meta_path``, and the checkout may not be on ``sys.path``.

The wheel is built from a copy of the working tree without build outputs (``build/``, egg-info,
caches), so a stale ``build/lib`` can never slip old modules into it.
"""

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import cv2
import pytest

from tests.conftest import ROOT, assert_one_line_exit_2
from workstation import __version__

pytestmark = pytest.mark.slow

NOT_SOURCES = shutil.ignore_patterns(".venv", ".git", "build", "dist", "runs", "*.egg-info", "__pycache__",
                                     ".*_cache", "tests")
# What the installed python reports about where it found things.
WHERE = """
import json, sys
import assets, main, workstation, workstation.ui.shell.app
print(json.dumps({"files": [assets.__file__, main.__file__, workstation.__file__, workstation.ui.shell.app.__file__],
                  "finders": [repr(finder) for finder in sys.meta_path], "path": sys.path}))
"""
# The real start of the app (main.main with no arguments: window, first project, event loop), with a
# timer that looks at the window after a few seconds of events and quits; any exception reaching
# Qt fails the start, and so does any import of torch.
START_APP = """
import sys
sys.modules["torch"] = None  # the workstation starts without PyTorch (the base install has none)
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
import main

app = QApplication(sys.argv[:1])
problems = []

def hook(kind, error, trace):
    sys.__excepthook__(kind, error, trace)
    problems.append(error)
    app.exit(3)

def look():
    titles = [w.windowTitle() for w in app.topLevelWidgets() if w.isVisible()]
    print("windows:", titles, flush=True)
    app.exit(0 if titles and not problems else 4)

sys.excepthook = hook
QTimer.singleShot(4000, look)
sys.exit(main.main([]))
"""


def run(command, cwd, env, timeout=120):
    done = subprocess.run([str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"{command}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """(environment folder, its python, an environment for subprocesses) with the wheel installed."""
    base = tmp_path_factory.mktemp("wheel")
    source, wheels, env_dir = base / "source", base / "wheels", base / "env"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--disable-pip-version-check",
         "-q", "-w", wheels, source], base, None, timeout=180)
    (wheel,) = wheels.glob("stopframe-*.whl")

    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    # .venv's pip installs into the new environment (pip --python) while it sees nothing of .venv.
    run([sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "--no-index",
         "--disable-pip-version-check", "-q", wheel], base, None)
    site = Path(run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], base, None)
                .stdout.strip())
    (site / "borrowed-dependencies.pth").write_text(sysconfig.get_path("purelib") + "\n")

    env = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "PYTHONHOME")}
    env.update(QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(base / "data"), XDG_CONFIG_HOME=str(base / "config"),
               XDG_CACHE_HOME=str(base / "cache"), PATH=f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}")
    env.pop("STOPFRAME_DATA_DIR", None)
    return env_dir, python, env


@pytest.fixture()
def empty_folder(tmp_path):
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    return folder


def test_the_installed_package_is_the_wheel_not_the_checkout(installed, empty_folder):
    env_dir, python, env = installed
    where = json.loads(run([python, "-c", WHERE], empty_folder, env).stdout)
    for file in where["files"]:
        assert Path(file).resolve().is_relative_to(env_dir.resolve()), file
    assert not any("editable" in finder for finder in where["finders"]), where["finders"]
    assert str(ROOT) not in where["path"], where["path"]
    assert str(Path(sysconfig.get_path("purelib"))) in where["path"]  # .venv's dependencies are borrowed


def test_the_installed_command_writes_and_renders_the_demo_project(installed, empty_folder):
    env_dir, python, env = installed
    stopframe = env_dir / "bin" / "stopframe"
    assert run([stopframe, "--version"], empty_folder, env).stdout.strip() == f"stopframe {__version__}"

    written = run([stopframe, "demo-project", "--out", "D"], empty_folder, env).stdout.strip()
    project = empty_folder / "D" / "demo.stopframe"
    assert Path(written).resolve() == project.resolve() and project.is_file()
    clips = run([python, "-c", "import sys; from workstation import project as d; p = d.load_project(sys.argv[1]); "
                 "print('\\n'.join(str(d.clip_path(p, name)) for name in p.clips))", project], empty_folder, env)
    for clip in clips.stdout.split():
        assert Path(clip).exists() and Path(clip).resolve().is_relative_to(env_dir.resolve()), clip

    run([stopframe, "render", "D/demo.stopframe", "--shot", "demo", "--out", "x.gif", "--format", "gif", "--quiet"],
        empty_folder, env)
    ok, animation = cv2.imreadanimation(str(empty_folder / "x.gif"))
    assert ok and len(animation.frames) == 24 and animation.frames[0].shape[:2] == (256, 256)  # the shot's output
    assert max(abs(frame.astype(int) - animation.frames[0]).mean() for frame in animation.frames) > 1


def test_the_installed_app_starts_offscreen_with_the_demo_project(installed, empty_folder):
    env_dir, python, env = installed
    done = run([python, "-c", START_APP], empty_folder, env)
    assert "windows: ['demo.stopframe[*] — Stopframe']" in done.stdout, done.stdout + done.stderr
    assert (Path(env["XDG_DATA_HOME"]) / "stopframe" / "demo" / "demo.stopframe").is_file()
    assert (Path(env["XDG_DATA_HOME"]) / "stopframe" / "demo" / "sprites.stopframe").is_file()  # written beside it


def test_the_installed_sprite_demo_has_its_clips_credits_and_licences(installed, empty_folder):
    env_dir, python, env = installed
    stopframe = env_dir / "bin" / "stopframe"
    written = run([stopframe, "demo-project", "--sprites", "--out", "D"], empty_folder, env).stdout.strip()
    assert Path(written).resolve() == (empty_folder / "D" / "sprites.stopframe").resolve()
    files = run([python, "-c", "import sys; from workstation import project as d; "
                 "from workstation.kernel.locations import asset_path; p = d.load_project(sys.argv[1]); "
                 "print('\\n'.join([str(d.clip_path(p, name)) for name in p.clips] + [str(d.model_path(p).parent)] + "
                 "[str(asset_path('sprite_demo', f)) for f in ('CREDITS.txt', 'CC-BY-SA-3.0-LICENSE', "
                 "'GNU-GPL-3.0-LICENSE')]))", written], empty_folder, env).stdout.split()
    assert len(files) == 8 + 1 + 3
    for file in files:
        assert Path(file).exists() and Path(file).resolve().is_relative_to(env_dir.resolve()), file
    done = run([stopframe, "render", "D/sprites.stopframe", "--shot", "walk", "--range", "0:2", "--out", "F",
                "--quiet"], empty_folder, env)
    if not (Path(files[8]) / "sprites" / "model.json").is_file():  # the sprite model not installed yet
        assert "the digit model renders meanwhile" in done.stderr, done.stderr
    assert len(list((empty_folder / "F").glob("frame_*.png"))) == 2


def test_outside_a_checkout_a_command_without_data_says_where_to_put_it(installed, empty_folder):
    env_dir, python, env = installed
    done = subprocess.run([env_dir / "bin" / "stopframe", "train", "--out", "run"], cwd=empty_folder, env=env,
                          capture_output=True, text=True, timeout=120)
    assert_one_line_exit_2(done, "train needs the MNIST files train-images-idx3-ubyte.gz", "--data-dir",
                           "STOPFRAME_DATA_DIR")
    assert not (empty_folder / "run").exists()
