"""Where Stopframe finds and keeps things, the same for every command and the app:

- the files shipped inside the package (the ``assets`` package of data: the demo clips and the demo
  model bundle), found with ``importlib.resources``, never relative to the source tree;
- the user's folders, from ``platformdirs`` (the demo project and the autosaves of projects never
  saved go in the user data folder; the log file in the user log folder);
- the shared data folder (MNIST ...): ``--data-dir``, else ``$STOPFRAME_DATA_DIR``, else
  ``../shared/data`` beside a source checkout; with none, a one-line LocationError that names the
  files the command needs and both ways to say where they are.

No Qt and no torch here.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import platformdirs

from workstation.kernel.errors import StopframeError

__all__ = ["APP_NAME", "DATA_DIR_VARIABLE", "LocationError", "asset_path", "checkout_root", "data_dir",
           "default_demo_folder", "mnist_dir", "untitled_autosave_folder", "user_data_folder", "is_stopframes_own",
           "may_propose",
           "user_log_folder"]

APP_NAME = "stopframe"
DATA_DIR_VARIABLE = "STOPFRAME_DATA_DIR"
MNIST_FOLDER = "mnist"  # the MNIST IDX files sit in this folder of the data folder


class LocationError(StopframeError):
    """A folder the command needs cannot be found; the message says what to put where (one line)."""


def asset_path(*parts: str) -> Path:
    """A file or folder shipped in the ``assets`` package, e.g. ``asset_path("models", "demo")``.
    The package is installed as plain files (a wheel, or a checkout), so this is a real path."""
    return Path(str(resources.files("assets").joinpath(*parts)))


def user_data_folder() -> Path:
    """This user's Stopframe data folder (e.g. ``~/.local/share/stopframe``, honouring $XDG_DATA_HOME)."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def is_stopframes_own(folder: str | os.PathLike[str]) -> bool:
    """Whether ``folder`` lies in Stopframe's own data folder (the demo, untitled autosaves): a
    hidden place no dialog proposes for the user's own files."""
    own = Path(os.path.realpath(user_data_folder()))
    real = Path(os.path.realpath(folder))
    return real == own or own in real.parents


def may_propose(saved: str, project: Path | None) -> bool:
    """Whether a remembered output folder may be proposed again for ``project`` (its file, None
    when untitled): one that still exists, and is Stopframe's own only for a project there too."""
    if not saved or not Path(saved).is_dir():
        return False
    return not is_stopframes_own(saved) or (project is not None and is_stopframes_own(project.parent))


def user_log_folder() -> Path:
    """This user's Stopframe log folder (e.g. ``~/.local/state/stopframe/log``, honouring
    $XDG_STATE_HOME): the workstation's log file (``workstation.kernel.logs``) goes there."""
    return platformdirs.user_log_path(APP_NAME, appauthor=False)


def untitled_autosave_folder() -> Path:
    """Where the workstation autosaves projects that were never saved: the user data folder +
    ``autosave``."""
    return user_data_folder() / "autosave"


def default_demo_folder() -> Path:
    """Where the demo project goes for this user: the user data folder + ``demo``."""
    return user_data_folder() / "demo"


def checkout_root() -> Path | None:
    """The source checkout this code runs from, or None when it runs from an installed package: the
    folder above ``workstation/`` when it holds this project's pyproject.toml and main.py."""
    root = Path(__file__).resolve().parents[2]
    if (root / "pyproject.toml").is_file() and (root / "main.py").is_file() and (root / "workstation").is_dir():
        return root
    return None


def data_dir(given: str | os.PathLike[str] | None = None) -> Path | None:
    """The shared data folder: ``given`` (the --data-dir flag), else $STOPFRAME_DATA_DIR, else
    ``../shared/data`` beside a checkout when that folder exists; None when there is none."""
    if given:
        return Path(given)
    if os.environ.get(DATA_DIR_VARIABLE):
        return Path(os.environ[DATA_DIR_VARIABLE])
    root = checkout_root()
    if root is not None and (root.parent / "shared" / "data").is_dir():
        return root.parent / "shared" / "data"
    return None


def mnist_dir(given: str | os.PathLike[str] | None, command: str, files: tuple[str, ...]) -> Path:
    """The folder of the MNIST IDX files: ``mnist/`` in the data folder, or the data folder itself
    when it has no ``mnist/`` (so ``--data-dir`` may name the MNIST folder directly). Raises a
    LocationError naming ``files`` and where to put them when there is no data folder at all."""
    base = data_dir(given)
    if base is None:
        raise LocationError(
            f"{command} needs the MNIST files {', '.join(files)}: put them in DIR/{MNIST_FOLDER} "
            f"and pass --data-dir DIR or set {DATA_DIR_VARIABLE}=DIR")
    nested = base / MNIST_FOLDER
    return nested if nested.is_dir() else base
