"""bayes_keta.outputs: refusal, writability checks, atomic files, staged output folders."""

from __future__ import annotations

import doctest
import errno
import os
import shutil
from pathlib import Path

import pytest

import bayes_keta.cli.interrupt
import bayes_keta.outputs as outputs
import bayes_keta.stages
import bayes_keta.staging
from bayes_keta.exceptions import OutputError
from bayes_keta.outputs import (
    INCOMPLETE_FILE,
    atomic_write,
    check_writable,
    refuse_existing,
    staged_folder,
)


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) with its text."""
    return {
        p.relative_to(folder).as_posix(): p.read_text() for p in folder.rglob("*") if p.is_file()
    }


def _writes_despite_chmod(folder: Path) -> bool:
    """Whether this user can write into a folder without write permission (root can)."""
    folder.mkdir()
    folder.chmod(0o500)
    try:
        (folder / "x").write_text("x")
    except PermissionError:
        return False
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)
    return True


@pytest.mark.parametrize(
    "module", [outputs, bayes_keta.staging, bayes_keta.stages, bayes_keta.cli.interrupt]
)
def test_doctests(module):
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0


# ------------------------------------------------------------------------- refuse_existing
def test_refuse_existing_names_the_files(tmp_path):
    paths = [tmp_path / f"f{i}.csv" for i in range(7)]
    for p in paths[:6]:
        p.write_text("mine")
    with pytest.raises(OutputError, match="use --force to replace") as err:
        refuse_existing(paths, force=False)
    assert str(paths[0]) in str(err.value) and "and 1 more" in str(err.value)
    assert str(paths[6]) not in str(err.value)  # only existing ones are named
    assert err.value.exit_code == 6
    assert refuse_existing(paths, force=True) == paths
    (tmp_path / "link").symlink_to(tmp_path / "nowhere")  # a dangling link is in the way too
    with pytest.raises(OutputError):
        refuse_existing([tmp_path / "link"], force=False)


# --------------------------------------------------------------------------- check_writable
def test_check_writable_creates_nothing_it_leaves(tmp_path):
    target = tmp_path / "a" / "b" / "out"
    assert check_writable(target, min_free=0) == target
    assert list(tmp_path.iterdir()) == []  # parents created to probe, then removed
    (tmp_path / "kept").mkdir()
    check_writable(tmp_path / "kept", min_free=0)
    assert list((tmp_path / "kept").iterdir()) == []  # no probe file left


def test_check_writable_refuses_a_file_in_the_way(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="it is a file, not a folder"):
        check_writable(tmp_path / "file")
    with pytest.raises(OutputError, match=r"file is a file, not a folder") as err:
        check_writable(tmp_path / "file" / "sub" / "out")
    assert str(tmp_path / "file" / "sub" / "out") in str(err.value)


def test_check_writable_refuses_a_read_only_folder(tmp_path):
    if _writes_despite_chmod(tmp_path / "probe"):
        pytest.skip("running as root: chmod 0o500 does not stop writes (see the mocked cases)")
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(OutputError, match="permission denied") as err:
            check_writable(folder / "out")
        assert str(folder / "out") in str(err.value)
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


@pytest.mark.parametrize(
    "code, words",
    [
        (errno.EROFS, "read-only file system"),
        (errno.ENOSPC, "no space left on the disk"),
        (errno.EPERM, "immutable"),
        (errno.EACCES, "permission denied"),
    ],
)
def test_check_writable_says_why_a_probe_failed(tmp_path, monkeypatch, code, words):
    """The operating system's refusals (a read-only mount, a full disk, an immutable folder)
    cannot be produced without privileges here: the probe's file creation is made to fail."""

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(outputs.tempfile, "mkstemp", refuse)
    with pytest.raises(OutputError, match=words) as err:
        check_writable(tmp_path / "new" / "out")
    assert str(tmp_path / "new" / "out") in str(err.value)
    assert list(tmp_path.iterdir()) == []  # the folders made for the probe are gone


def test_check_writable_refuses_a_nearly_full_disk(tmp_path, monkeypatch):
    usage = shutil.disk_usage(tmp_path)
    monkeypatch.setattr(outputs.shutil, "disk_usage", lambda p: usage._replace(free=5 * 2**20))
    with pytest.raises(OutputError, match=r"only 5 MiB free .* at least 100 MiB"):
        check_writable(tmp_path / "out")
    assert check_writable(tmp_path / "out", min_free=2**20) == tmp_path / "out"


# ----------------------------------------------------------------------------- atomic_write
def test_atomic_write_never_leaves_a_partial_file(tmp_path):
    path = tmp_path / "table.csv"
    path.write_text("old complete content")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        atomic_write(path, half_then_fail)
    assert _tree(tmp_path) == {"table.csv": "old complete content"}

    def disk_full(tmp: Path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OutputError, match=r"cannot write .*table.csv: no space left"):
        atomic_write(path, disk_full)
    with pytest.raises(OutputError):
        atomic_write(tmp_path / "new" / "deeper" / "x.csv", disk_full)
    assert _tree(tmp_path) == {"table.csv": "old complete content"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["table.csv"]  # no 'new' folder


def test_atomic_write_gives_normal_permissions_and_keeps_the_suffix(tmp_path):
    seen = []
    atomic_write(tmp_path / "fig.png", lambda tmp: seen.append(tmp) or tmp.write_bytes(b"png"))
    assert seen[0].suffix == ".png" and seen[0].parent == tmp_path
    mask = os.umask(0)
    os.umask(mask)
    assert (tmp_path / "fig.png").stat().st_mode & 0o777 == 0o666 & ~mask


# ---------------------------------------------------------------------------- staged_folder
def test_staged_folder_publishes_all_at_once(tmp_path):
    final = tmp_path / "out"
    with staged_folder(final) as tmp:
        assert tmp.parent == tmp_path and tmp.name == f".out.partial-{os.getpid()}"
        assert "has not finished" in (tmp / INCOMPLETE_FILE).read_text()
        (tmp / "fits" / "daily").mkdir(parents=True)
        (tmp / "fits" / "daily" / "posterior.nc").write_text("new nc")
        (tmp / "report.html").write_text("new html")
        assert not final.exists()  # nothing visible until the block ends
    assert _tree(tmp_path) == {
        "out/fits/daily/posterior.nc": "new nc",
        "out/report.html": "new html",
    }


def test_staged_folder_replaces_files_only_with_force_and_keeps_the_users_own(tmp_path):
    final = tmp_path / "out"
    final.mkdir()
    (final / "notes.txt").write_text("the user's notes")
    (final / "summary.json").write_text("old summary")
    with pytest.raises(OutputError, match="refusing to overwrite .*nothing was written"):
        with staged_folder(final) as tmp:
            (tmp / "summary.json").write_text("new summary")
    assert _tree(tmp_path) == {
        "out/notes.txt": "the user's notes",
        "out/summary.json": "old summary",
    }
    with staged_folder(final, force=True) as tmp:
        (tmp / "summary.json").write_text("new summary")
    assert _tree(tmp_path) == {
        "out/notes.txt": "the user's notes",
        "out/summary.json": "new summary",
    }


def test_staged_folder_removes_everything_on_failure(tmp_path):
    final = tmp_path / "deep" / "out"
    with pytest.raises(KeyboardInterrupt):
        with staged_folder(final) as tmp:
            (tmp / "posterior.nc").write_text("half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []  # no staging folder, not even the parent it made
    with pytest.raises(OutputError, match=r"no space left.*nothing was written to .*deep/out"):
        with staged_folder(final) as tmp:
            raise OSError(errno.ENOSPC, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_staged_folder_failed_publish_restores_the_old_files(tmp_path, monkeypatch):
    final = tmp_path / "out"
    final.mkdir()
    for name in ("a.txt", "b.txt"):
        (final / name).write_text(f"old {name}")
    real_replace = os.replace

    def failing_replace(src, dst):
        if Path(dst).name == "c.txt":  # the third file cannot be moved in
            raise OSError(errno.EACCES, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", failing_replace)
    with pytest.raises(OutputError, match="permission denied; nothing was written"):
        with staged_folder(final, force=True) as tmp:
            for name in ("a.txt", "b.txt", "c.txt"):
                (tmp / name).write_text(f"new {name}")
    assert _tree(tmp_path) == {"out/a.txt": "old a.txt", "out/b.txt": "old b.txt"}


def test_staged_folder_replaces_a_store_folder_whole(tmp_path):
    final = tmp_path / "out"
    (final / "posterior.zarr").mkdir(parents=True)
    (final / "posterior.zarr" / "stale_chunk").write_text("old")
    with staged_folder(final, force=True, replace_dirs=("posterior.zarr",)) as tmp:
        (tmp / "posterior.zarr").mkdir()
        (tmp / "posterior.zarr" / "zarr.json").write_text("new")
    assert _tree(tmp_path) == {"out/posterior.zarr/zarr.json": "new"}


def test_staged_folder_refuses_a_file_as_the_folder(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(OutputError, match="it is a file"):
        with staged_folder(tmp_path / "out"):
            pass
    assert _tree(tmp_path) == {"out": "x"}


def test_registry_forgets_finished_outputs(tmp_path):
    with staged_folder(tmp_path / "a" / "out") as tmp:
        assert outputs.ACTIVE[tmp] == ("tree", tmp_path / "a" / "out")
    atomic_write(tmp_path / "b" / "x.txt", lambda t: t.write_text("x"))
    assert not [p for p in outputs.ACTIVE if tmp_path in p.parents]


def test_staged_folder_stages_inside_when_only_the_folder_is_writable(tmp_path, monkeypatch):
    final = tmp_path / "out"
    final.mkdir()
    (final / "notes.txt").write_text("mine")
    sibling = tmp_path / f".out.partial-{os.getpid()}"
    real_mkdir = Path.mkdir

    def parent_read_only(self, *args, **kwargs):
        if self == sibling:
            raise PermissionError(errno.EACCES, "Permission denied", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", parent_read_only)
    with staged_folder(final) as tmp:
        assert tmp.parent == final and (tmp / INCOMPLETE_FILE).exists()
        (tmp / "summary.json").write_text("new")
    assert _tree(tmp_path) == {"out/notes.txt": "mine", "out/summary.json": "new"}


def test_staged_folder_for_the_current_folder(tmp_path, monkeypatch):
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    with staged_folder(".") as tmp:
        assert tmp.parent == tmp_path  # a sibling of the current folder, named after it
        (tmp / "a.txt").write_text("a")
    assert _tree(tmp_path) == {"cwd/a.txt": "a"}


def test_staged_folder_removes_stale_staging_of_killed_runs_only(tmp_path):
    dead = tmp_path / ".out.partial-999999999"  # no such process
    dead.mkdir()
    (dead / INCOMPLETE_FILE).write_text("note")
    (dead / "posterior.nc").write_text("half")
    not_ours = tmp_path / ".out.partial-999999998"  # no note: not a staging folder of ours
    not_ours.mkdir()
    alive = tmp_path / f".out.partial-{os.getppid()}"  # a running process
    alive.mkdir()
    (alive / INCOMPLETE_FILE).write_text("note")
    with staged_folder(tmp_path / "out") as tmp:
        (tmp / "a.txt").write_text("a")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([not_ours.name, alive.name, "out"])
