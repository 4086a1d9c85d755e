"""workstation/kernel/safe_write.py: the one way outputs are written. Nothing the user had is lost or
overwritten, whatever goes wrong while writing."""

import errno
import os
import subprocess
import sys
import textwrap

import pytest

from tests.faults import failing_writes, fill, remount_read_only, small_filesystem
from workstation.kernel.errors import StopframeError
from workstation.kernel.safe_write import (
    LOCK_SUFFIX,
    OutputBusy,
    OutputError,
    OutputExists,
    is_temporary,
    output_file,
    output_folder,
    write_bytes,
    write_json,
)


def leftovers(folder, keep):
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_a_file_appears_whole_and_only_at_the_end(tmp_path):
    target = tmp_path / "out.bin"
    with output_file(target, overwrite=False) as temporary:
        assert temporary.parent == tmp_path and temporary.suffix == ".bin" and temporary.name.startswith(".")
        temporary.write_bytes(b"new")
        assert not target.exists()
    assert target.read_bytes() == b"new"
    assert leftovers(tmp_path, {"out.bin"}) == []


def test_an_existing_output_is_refused_unless_replacing_is_allowed(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_text("mine")
    with pytest.raises(OutputExists, match="keep.txt: already exists"):
        write_bytes(target, b"theirs", overwrite=False)
    assert target.read_text() == "mine"
    write_json(target, {"a": 1})
    assert target.read_text() == '{\n  "a": 1\n}\n'


@pytest.mark.parametrize("failure", [RuntimeError("codec broke"), KeyboardInterrupt()])
def test_a_failure_while_writing_leaves_the_previous_output_and_no_litter(tmp_path, failure):
    target = tmp_path / "keep.mp4"
    target.write_bytes(b"the good video")
    with pytest.raises(type(failure)):
        with output_file(target, overwrite=True) as temporary:
            temporary.write_bytes(b"half a vid")
            raise failure
    assert target.read_bytes() == b"the good video"
    assert leftovers(tmp_path, {"keep.mp4"}) == []


def test_a_rejected_verification_keeps_the_previous_output(tmp_path):
    target = tmp_path / "keep.gif"
    target.write_bytes(b"good")

    def verify(path):
        raise OutputError("wrote 0 of 24 frames", target)

    with pytest.raises(OutputError, match="wrote 0 of 24 frames"):
        with output_file(target, overwrite=True, verify=verify) as temporary:
            temporary.write_bytes(b"bad")
    assert target.read_bytes() == b"good" and leftovers(tmp_path, {"keep.gif"}) == []


@pytest.mark.parametrize("code, reason", [(errno.ENOSPC, "No space left on device"),
                                          (errno.EROFS, "Read-only file system")])
def test_an_injected_disk_fault_is_one_line_naming_the_output(tmp_path, code, reason):
    target = tmp_path / "keep.json"
    target.write_text("{}")
    with failing_writes(tmp_path, code, after_bytes=10), pytest.raises(OutputError) as raised:
        write_bytes(target, b"x" * 1000)
    assert str(raised.value) == f"{target}: {reason}"
    assert isinstance(raised.value, StopframeError) and "\n" not in str(raised.value)
    assert target.read_text() == "{}" and leftovers(tmp_path, {"keep.json"}) == []


def test_a_real_full_disk_and_a_read_only_one_keep_the_previous_output():
    with small_filesystem(256 * 1024) as disk:
        target = disk / "keep.bin"
        target.write_bytes(b"precious")
        fill(disk, leave_bytes=8 * 1024)
        with pytest.raises(OutputError, match="No space left on device"):
            write_bytes(target, b"y" * 100_000)
        assert target.read_bytes() == b"precious"
        assert leftovers(disk, {"keep.bin", "filler.bin"}) == []
        (disk / "filler.bin").unlink()
        remount_read_only(disk)
        with pytest.raises(OutputError, match="Read-only file system"):
            write_bytes(target, b"z")
        assert target.read_bytes() == b"precious"


def test_a_folder_is_swapped_in_whole_and_a_failure_keeps_the_old_one(tmp_path):
    target = tmp_path / "frames"
    target.mkdir()
    (target / "old.png").write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with output_folder(target, overwrite=True) as stage:
            (stage / "new.png").write_bytes(b"new")
            raise RuntimeError("renderer failed")
    assert sorted(p.name for p in target.iterdir()) == ["old.png"]
    with output_folder(target, overwrite=True) as stage:
        (stage / "new.png").write_bytes(b"new")
    assert sorted(p.name for p in target.iterdir()) == ["new.png"]
    assert leftovers(tmp_path, {"frames"}) == []
    with pytest.raises(OutputExists):
        with output_folder(target, overwrite=False):
            pass


def test_temporaries_never_take_a_users_name(tmp_path):
    """A user's ``intro.partial.mp4`` and ``mine.partial/`` are theirs: never touched."""
    (tmp_path / "intro.partial.mp4").write_bytes(b"user's")
    (tmp_path / "mine.partial").mkdir()
    (tmp_path / "mine.partial" / "notes.txt").write_text("user's")
    write_bytes(tmp_path / "intro.mp4", b"video")
    with output_folder(tmp_path / "mine", overwrite=False) as stage:
        (stage / "model.json").write_text("{}")
    assert (tmp_path / "intro.partial.mp4").read_bytes() == b"user's"
    assert (tmp_path / "mine.partial" / "notes.txt").read_text() == "user's"


def test_two_writers_cannot_both_claim_one_output(tmp_path):
    target = tmp_path / "same.mp4"
    with output_file(target, overwrite=True) as temporary:
        temporary.write_bytes(b"first")
        with pytest.raises(OutputBusy, match=f"pid {os.getpid()}"):
            with output_file(target, overwrite=True):
                pass
    assert target.read_bytes() == b"first"


def test_another_process_holding_the_claim_makes_a_writer_fail_in_one_line(tmp_path):
    target = tmp_path / "shared.gif"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import sys, time
        sys.path.insert(0, {str(os.getcwd())!r})
        from workstation.kernel.safe_write import output_file
        with output_file({str(target)!r}, overwrite=True) as t:
            print("claimed", flush=True)
            time.sleep(30)
        """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "claimed"
        with pytest.raises(OutputBusy) as raised:
            write_bytes(target, b"mine")
        assert f"pid {holder.pid}" in str(raised.value) and not target.exists()
    finally:
        holder.kill()
        holder.wait()
    write_bytes(target, b"mine")  # the claim of a killed writer is stale: taken over, litter removed
    assert target.read_bytes() == b"mine" and leftovers(tmp_path, {"shared.gif"}) == []


def test_a_claim_whose_pid_is_not_written_yet_is_waited_for_not_called_unstable(tmp_path, monkeypatch):
    """The other writer has created its lock and not yet written its PID: the claim waits for the
    PID and names that writer, instead of giving up as if the lock kept changing hands. The other
    writer writes its PID during the claim's third wait (a clock of its own, so nothing races)."""
    import time as real_time

    from workstation.kernel import safe_write

    target = tmp_path / "shared.webm"
    lock = tmp_path / f".shared.webm{LOCK_SUFFIX}"
    lock.write_text("")  # created this moment, PID to follow
    waits = []

    class OtherWriterClock:
        time = staticmethod(real_time.time)

        @staticmethod
        def sleep(seconds):
            waits.append(seconds)
            if len(waits) == 3:
                lock.write_text(f"{os.getpid()}\n")

    monkeypatch.setattr(safe_write, "time", OtherWriterClock)
    with pytest.raises(OutputBusy, match=f"another Stopframe process \\(pid {os.getpid()}\\)"):
        write_bytes(target, b"mine")
    assert len(waits) == 3 and not target.exists()


def test_a_stale_lock_is_taken_over(tmp_path):
    target = tmp_path / "out.txt"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (tmp_path / f".out.txt{LOCK_SUFFIX}").write_text(dead.stdout)
    write_bytes(target, b"ok")
    assert target.read_bytes() == b"ok" and leftovers(tmp_path, {"out.txt"}) == []


def test_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(OutputError, match="does not exist"):
        write_bytes(tmp_path / "nowhere" / "x.json", b"{}")


def test_a_claim_that_cannot_be_written_leaves_no_lock(tmp_path):
    target = tmp_path / "out.json"
    with failing_writes(tmp_path, errno.ENOSPC, after_bytes=0), pytest.raises(OutputError, match="No space left"):
        write_bytes(target, b"{}")
    assert leftovers(tmp_path, set()) == []
    write_bytes(target, b"{}")  # and the next writer claims it at once
    assert target.read_bytes() == b"{}"


# -- a writer killed in the middle of a folder swap: the next writer recovers, never deletes ------------------
EMOJI_NAME = "😀" * 62 + "fold"  # 252 bytes, 66 characters: its temporaries' names are shortened


def kill_during_swap(target, after_renames):
    """A writer of the folder ``target`` (a new frame in it) killed with SIGKILL right after its
    ``after_renames``-th rename: 1, between the previous folder's going aside and the new one's going in."""
    child = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        import os, signal, sys
        sys.path.insert(0, {os.getcwd()!r})
        from workstation.kernel.safe_write import output_folder
        rename, renames = os.rename, []
        def rename_then_die(source, destination):
            rename(source, destination)
            renames.append(destination)
            if len(renames) == {after_renames}:
                os.kill(os.getpid(), signal.SIGKILL)
        os.rename = rename_then_die
        with output_folder({str(target)!r}, overwrite=True) as stage:
            (stage / "frame_0.png").write_bytes(b"new")
        """)], capture_output=True, text=True, timeout=60)
    assert child.returncode == -9, child.stderr


def previous_output(target):
    target.mkdir()
    (target / "frame_0.png").write_bytes(b"old")
    (target / "notes.txt").write_text("the user's")
    (target / "takes").mkdir()
    (target / "takes" / "take_1.png").write_bytes(b"kept")


def contents(folder):
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("name", ["frames", EMOJI_NAME], ids=["short", "252-byte emoji"])
def test_a_folder_whose_writer_was_killed_between_the_renames_is_put_back_by_the_next_writer(tmp_path, name):
    target = tmp_path / name
    previous_output(target)
    before = contents(target)
    kill_during_swap(target, after_renames=1)
    assert not target.exists() and len(leftovers(tmp_path, set())) == 3  # the stage, the old folder aside, the lock
    with pytest.raises(OutputExists):  # the next writer finds the previous output back in place
        with output_folder(target, overwrite=False):
            pass
    assert contents(target) == before and leftovers(tmp_path, {name}) == []
    with output_folder(target, overwrite=True) as stage:  # and replaces it only when told to
        (stage / "frame_0.png").write_bytes(b"newer")
    assert contents(target) == {"frame_0.png": b"newer"} and leftovers(tmp_path, {name}) == []


def test_a_writer_killed_after_its_swap_leaves_its_new_folder_and_the_old_one_goes(tmp_path):
    target = tmp_path / "bundle"
    previous_output(target)
    kill_during_swap(target, after_renames=2)
    assert contents(target) == {"frame_0.png": b"new"}
    write_bytes(tmp_path / "other.txt", b"unrelated")  # another output's writer leaves it alone
    assert len(leftovers(tmp_path, {"bundle", "other.txt"})) == 2
    with pytest.raises(OutputExists):
        with output_folder(target, overwrite=False):
            pass
    assert contents(target) == {"frame_0.png": b"new"} and leftovers(tmp_path, {"bundle", "other.txt"}) == []


def test_a_previous_folder_aside_is_kept_when_something_else_took_the_name_since(tmp_path):
    """Killed between the renames, then a folder of that name made by hand: neither is deleted."""
    target = tmp_path / "frames"
    previous_output(target)
    kill_during_swap(target, after_renames=1)
    target.mkdir()
    for _ in range(2):  # and not by the writer after it either
        with pytest.raises(OutputExists):
            with output_folder(target, overwrite=False):
                pass
        kept = [p for p in tmp_path.iterdir() if p.name.endswith(".stopframe-old")]
        assert len(kept) == 1 and contents(kept[0])["notes.txt"] == b"the user's"


# -- names: any the file system takes is an output; one it refuses is one line ----------------------------------
def name_of(size, suffix=""):
    """A name of ``size`` bytes, mostly four-byte emoji, ending in ``suffix``."""
    emoji, rest = divmod(size - len(suffix.encode()), 4)
    return "😀" * emoji + "x" * rest + suffix


@pytest.mark.parametrize("name", [name_of(255, ".mp4"), "a." + "x" * 253, name_of(230, ".json"), "😀" * 63],
                         ids=["emoji .mp4", "long suffix", "230 bytes", "252 bytes, no suffix"])
def test_every_name_the_file_system_takes_can_be_written(tmp_path, name):
    target = tmp_path / name
    with output_file(target, overwrite=False) as temporary:
        assert is_temporary(temporary) and len(os.fsencode(temporary.name)) <= 255
        assert all(len(os.fsencode(p.name)) <= 255 for p in tmp_path.iterdir())
        temporary.write_bytes(b"whole")
    write_bytes(target, b"again")
    assert target.read_bytes() == b"again" and leftovers(tmp_path, {name}) == []
    folder = tmp_path / "sub"
    folder.mkdir()
    for _ in range(2):
        with output_folder(folder / name, overwrite=True) as stage:
            assert is_temporary(stage)
            (stage / "frame_0.png").write_bytes(b"x")
    assert leftovers(folder, {name}) == []


def test_long_names_that_differ_only_at_the_end_have_temporaries_of_their_own(tmp_path):
    first, second = tmp_path / name_of(255, "1.mp4"), tmp_path / name_of(255, "2.mp4")
    with output_file(first, overwrite=False) as one, output_file(second, overwrite=False) as two:
        one.write_bytes(b"1")
        two.write_bytes(b"2")
    assert first.read_bytes() == b"1" and second.read_bytes() == b"2"


@pytest.mark.parametrize("write", [lambda target: write_bytes(target, b"x"),
                                   lambda target: output_folder(target, overwrite=True).__enter__()],
                         ids=["file", "folder"])
def test_a_name_the_file_system_refuses_is_one_line(tmp_path, write):
    target = tmp_path / name_of(256, ".gif")
    with pytest.raises(OutputError) as raised:
        write(target)
    assert str(raised.value) == f"{target}: file name too long (256 bytes; the file system allows 255)"
    assert leftovers(tmp_path, set()) == []


@pytest.mark.parametrize("out", ["", ".", ".."])
def test_an_output_needs_a_name_of_its_own(tmp_path, monkeypatch, out):
    work = tmp_path / "work"
    work.mkdir()
    (work / "notes.txt").write_text("mine")
    monkeypatch.chdir(work)
    for write in (lambda: output_folder(out, overwrite=True).__enter__(), lambda: write_bytes(out, b"x")):
        with pytest.raises(OutputError, match="is not a name for an output") as raised:
            write()
        assert "\n" not in str(raised.value)
    assert leftovers(tmp_path, {"work"}) == [] and leftovers(work, {"notes.txt"}) == []
