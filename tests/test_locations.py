"""Where things are found: package data, the shared data folder (one rule for every command), and
the commands that need PyTorch saying so when it is missing. (Outside a checkout, with no data
folder at all, the installed app's one-line message is checked by tests/test_wheel.py.)"""

import os
import subprocess
import sys

import pytest

from tests.conftest import MNIST_DIR, ROOT, assert_one_line_exit_2
from workstation.kernel.locations import DATA_DIR_VARIABLE, asset_path, checkout_root, data_dir, mnist_dir
from workstation.render.shot_frames import DEMO_BUNDLE

# main.py as the `stopframe` command of an install without PyTorch (the base install): importing
# torch fails as it would there.
WITHOUT_TORCH = "import sys; sys.modules['torch'] = None; import main; sys.exit(main.main(sys.argv[1:]))"


def run_without_torch(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-c", WITHOUT_TORCH, *map(str, args)], capture_output=True, text=True,
                          cwd=cwd, timeout=120)


def test_the_shipped_files_are_package_data():
    assert asset_path("models", "demo") == DEMO_BUNDLE
    assert (DEMO_BUNDLE / "model.json").is_file()
    assert (asset_path("demo", "clips") / "backdrop-1.png").is_file()


def test_the_data_folder_is_the_flag_else_the_variable_else_shared_data_beside_the_checkout(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_DIR_VARIABLE, raising=False)
    assert checkout_root() == ROOT
    assert data_dir() == MNIST_DIR.parent
    assert mnist_dir(None, "stopframe demo", ()) == MNIST_DIR
    (tmp_path / "variable" / "mnist").mkdir(parents=True)
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path / "variable"))
    assert data_dir() == tmp_path / "variable"
    assert mnist_dir(None, "stopframe demo", ()) == tmp_path / "variable" / "mnist"
    assert data_dir(tmp_path / "flag") == tmp_path / "flag"
    # A folder without mnist/ is taken to be the MNIST folder itself (--data-dir .../mnist keeps working).
    assert mnist_dir(MNIST_DIR, "stopframe demo", ()) == MNIST_DIR
    assert mnist_dir(tmp_path / "flag", "stopframe demo", ()) == tmp_path / "flag"


def test_the_variable_reaches_the_commands(tmp_path):
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "train", "--out", str(tmp_path / "run")],
                          capture_output=True, text=True, cwd=ROOT, timeout=120,
                          env={**os.environ, DATA_DIR_VARIABLE: str(tmp_path / "nowhere")})
    assert_one_line_exit_2(done, str(tmp_path / "nowhere" / "train-images-idx3-ubyte.gz"))
    assert not (tmp_path / "run").exists()


@pytest.mark.parametrize(("command", "needs"), [
    (["train", "--out", "run"], "stopframe train needs PyTorch: pip install 'stopframe[train]'"),
    (["evaluate", "run"], "stopframe evaluate needs PyTorch"),
    (["export-model", "run", "--out", "bundle"], "stopframe export-model needs PyTorch"),
    (["demo"], "stopframe demo needs PyTorch"),
])
def test_a_command_that_needs_pytorch_says_so_in_one_line(tmp_path, command, needs):
    done = run_without_torch(*command, cwd=tmp_path)
    assert_one_line_exit_2(done, needs)
    assert not list(tmp_path.iterdir())


def test_render_and_the_demo_project_need_no_pytorch(tmp_path):
    written = run_without_torch("demo-project", "--out", tmp_path)
    assert written.returncode == 0, written.stderr
    done = run_without_torch("render", written.stdout.strip(), "--shot", "by hand", "--range", "0:3", "--out",
                             tmp_path / "frames", "--quiet")
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "frames").glob("frame_*.png"))) == 3
