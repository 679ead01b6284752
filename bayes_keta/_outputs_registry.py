"""The registry behind :mod:`bayes_keta.outputs`: what this process is writing right now.

Temporary files, staging folders and the folders made for them are registered while they
exist, so that the interrupt handler (:mod:`bayes_keta.cli.interrupt`), which ends the process
without running ``finally`` blocks, can remove them (:func:`abandon`); a publication in
progress (a few renames) is waited for (:func:`committing`). Also the life of staging folders:
creating one with its ``INCOMPLETE`` note, removing those of killed processes. Private: use
:mod:`bayes_keta.outputs`.
"""

from __future__ import annotations

import glob
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "ACTIVE",
    "DONE",
    "INCOMPLETE_FILE",
    "abandon",
    "committing",
    "items",
    "keep",
    "make_dirs",
    "new_staging",
    "publishing",
    "remove",
    "remove_empty",
    "remove_stale",
]

#: The note inside a staging folder.
INCOMPLETE_FILE = "INCOMPLETE"

_NOTE = """\
This folder holds the outputs of a bayes-keta run that has not finished (process {pid}).
They are moved into {final} only when all of them are complete. If no bayes-keta process
{pid} is running any more, the run was killed: this folder can be deleted.
"""

# Registry of what this process is writing: path -> (kind, final target). Kinds: "tree" (a
# staging folder), "file" (a temporary file), "probe" (check_writable's), "leftover" (a
# published staging folder, to remove), "dir" (a folder created for the outputs, removed again
# when empty). Read by the interrupt handler from another thread: only atomic dict operations
# here, no locks (a thread stopped while holding one would block the handler).
ACTIVE: dict[Path, tuple[str, Path]] = {}
DONE: list[Path] = []  # outputs published completely by this process
STATE = {"committing": 0, "closing": False}


def abandon() -> tuple[list[Path], list[Path]]:
    """Remove every temporary file and staging folder of this process (for the interrupt).

    Waits (up to 30 s) for a publication in progress to finish, then stops new ones.

    Returns
    -------
    (list of Path, list of Path)
        The outputs whose incomplete files were removed, and the outputs this process
        published completely.
    """
    deadline = time.monotonic() + 30
    while STATE["committing"] > 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    STATE["closing"] = True
    entries = items()
    trees = [path for path, (kind, _) in entries if kind == "tree"]
    removed = []
    for path, (kind, target) in entries:
        if kind != "dir":
            remove(path)
        inside = any(tree in path.parents for tree in trees)  # reported as its folder
        if kind in ("tree", "file") and not inside and target not in removed:
            removed.append(target)
    remove_empty([p for p, (kind, _) in entries if kind == "dir"])
    return removed, list(DONE)


def committing() -> bool:
    """Whether outputs are being moved into place right now (an interrupt waits for it)."""
    return STATE["committing"] > 0


@contextmanager
def publishing() -> Iterator[None]:
    """Mark a publication (a few renames): an interrupt waits for its end."""
    while STATE["closing"]:  # the process is being ended: publish nothing more
        time.sleep(3600)
    STATE["committing"] += 1
    try:
        yield
    finally:
        STATE["committing"] -= 1


def items() -> list[tuple[Path, tuple[str, Path]]]:
    """Return the registered entries."""
    return list(ACTIVE.items())  # one C-level copy: safe while another thread edits


def make_dirs(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created (outermost first)."""
    missing = []
    while not (folder.exists() or folder.is_symlink()) and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created = []
    try:
        for d in reversed(missing):
            ACTIVE[d] = ("dir", d)
            d.mkdir()
            created.append(d)
    except BaseException:
        remove_empty(created)
        raise
    finally:
        for d in missing:
            if d not in created:
                ACTIVE.pop(d, None)
    return created


def keep(folders: list[Path]) -> None:
    """Forget the created ``folders``: they hold finished outputs now."""
    for d in folders:
        ACTIVE.pop(d, None)


def remove_empty(folders: list[Path]) -> None:
    """Remove the ``folders`` that are empty (deepest first) and forget them all."""
    for d in sorted(folders, key=lambda p: len(p.parts), reverse=True):
        try:
            d.rmdir()
        except OSError:
            pass
        ACTIVE.pop(d, None)


def remove(path: Path) -> None:
    """Remove a file or a folder tree if it is there (never raises)."""
    try:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass


def remove_stale(final: Path) -> None:
    """Remove staging folders of ``final`` left by killed processes (``kill -9``)."""
    candidates = [
        *final.parent.glob(f".{glob.escape(final.name)}.partial-*"),
        *final.glob(".bayes-keta.partial-*"),
    ]
    for folder in candidates:
        pid = folder.name.rsplit("-", 1)[-1]
        if pid.isdigit() and (folder / INCOMPLETE_FILE).is_file() and not alive(int(pid)):
            remove(folder)


def alive(pid: int) -> bool:
    """Whether process ``pid`` exists."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, someone else's
        return True
    return True


def new_staging(staging: Path, final: Path) -> None:
    """Create the staging folder with its note (registered first, removed on failure)."""
    ACTIVE[staging] = ("tree", final)
    try:
        if staging.exists():  # left by an earlier process of the same id
            shutil.rmtree(staging)
        staging.mkdir()
        (staging / INCOMPLETE_FILE).write_text(
            _NOTE.format(pid=os.getpid(), final=final), encoding="utf-8"
        )
    except OSError:
        remove(staging)
        ACTIVE.pop(staging, None)
        raise
