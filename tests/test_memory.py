"""The entry points let frames reuse freed memory (workstation/kernel/memory.py)."""

import platform
import subprocess
import sys

import pytest

from workstation.kernel.memory import reuse_freed_memory


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_on_glibc_the_thresholds_are_set():
    assert reuse_freed_memory() is True


def test_elsewhere_it_changes_nothing_and_says_so(monkeypatch):
    monkeypatch.setattr(sys, "platform", "darwin")
    assert reuse_freed_memory() is False


def test_main_sets_them_before_any_command():
    """main.py calls it first: a command that fails at once has still gone through it."""
    script = ("import main; calls = []; main.reuse_freed_memory = lambda: calls.append(1); "
              "main.main(['render']); print(len(calls))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.stdout.strip().endswith("1"), done.stderr
