"""Staged output folders: write a whole folder out of sight, then publish it at once.

:func:`staged_folder` is the folder half of :mod:`bayes_keta.outputs` (which re-exports it):
every file of an output folder is written into a hidden sibling ``.<name>.partial-<pid>``
(with an ``INCOMPLETE`` note inside) and moved into place only when every file is complete; a
file the user had is only ever replaced by a complete new one, and a failure restores what
was there. The staging folder is kept in the process-wide registry
(:mod:`bayes_keta._outputs_registry`) so that the interrupt handler can remove it.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from bayes_keta._outputs_registry import (
    ACTIVE,
    DONE,
    INCOMPLETE_FILE,
    keep,
    make_dirs,
    new_staging,
    publishing,
    remove,
    remove_empty,
    remove_stale,
)
from bayes_keta.exceptions import OutputError
from bayes_keta.outputs import describe_error, refuse_existing
from bayes_keta.stages import stage

__all__ = ["staged_folder"]


@contextmanager
def staged_folder(
    final: str | Path, *, force: bool = False, replace_dirs: Iterable[str] = ()
) -> Iterator[Path]:
    """Write an output folder's files into a hidden staging folder, then publish them at once.

    Inside the ``with`` block everything is written into ``.<name>.partial-<pid>`` beside
    ``final`` (it holds an ``INCOMPLETE`` note saying what it is; inside ``final`` as
    ``.bayes-keta.partial-<pid>`` when only ``final`` itself is writable). When the block ends
    normally each file is moved into ``final`` with :func:`os.replace`, in sub-folders as
    staged; ``final`` is created if needed and other files in it are left alone. Staging
    folders of ``final`` left by killed processes are removed. If any move
    fails, the files already moved are taken back and the user's previous files restored.
    On an exception or interrupt in the block the staging folder is removed and ``final`` is
    untouched.

    Parameters
    ----------
    final : str or Path
        The output folder.
    force : bool
        Allow replacing files of ``final`` (checked again when publishing: a file that
        appeared there meanwhile is not replaced without it).
    replace_dirs : iterable of str
        Staged sub-folders that replace their old version whole instead of file by file
        (e.g. a zarr store).

    Yields
    ------
    Path
        The staging folder to write into.

    Raises
    ------
    OutputError
        Writing or publishing failed; the message says that nothing was written to
        ``final``.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> with staged_folder(base / "out") as tmp:
    ...     _ = (tmp / "a.txt").write_text("complete")
    ...     sorted(p.name for p in tmp.iterdir())
    ['INCOMPLETE', 'a.txt']
    >>> sorted(p.name for p in (base / "out").iterdir()), sorted(p.name for p in base.iterdir())
    (['a.txt'], ['out'])
    >>> with staged_folder(base / "other") as tmp:
    ...     raise RuntimeError("stopped half-way")
    Traceback (most recent call last):
    RuntimeError: stopped half-way
    >>> sorted(p.name for p in base.iterdir())  # no staging folder, no 'other'
    ['out']
    """
    final = Path(final)
    if final.exists() and not final.is_dir():
        raise OutputError(f"cannot write to the output folder {final}: it is a file, not a folder")
    absolute = final.absolute()
    staging = absolute.parent / f".{absolute.name}.partial-{os.getpid()}"
    created: list[Path] = []
    try:
        created = make_dirs(final.parent)
        remove_stale(absolute)
        try:
            new_staging(staging, final)
        except OSError:
            if not final.is_dir():
                raise
            # the folder is writable but not its parent: stage inside it
            staging = absolute / f".bayes-keta.partial-{os.getpid()}"
            new_staging(staging, final)
    except OSError as err:
        remove_empty(created)
        raise OutputError(
            f"cannot write to the output folder {final}: {describe_error(err)}"
        ) from None
    try:
        stage("writing")
        yield staging
        _publish(staging, final, force=force, replace_dirs=tuple(replace_dirs))
        keep(created)
    except BaseException as err:
        remove(staging)
        remove_empty(created)
        if isinstance(err, OutputError):
            message = str(err).replace(str(staging), str(final))
            if "nothing was written" not in message:
                message += f"; nothing was written to {final}"
            raise OutputError(message) from err
        if isinstance(err, OSError):
            raise OutputError(
                f"cannot write the outputs into {final}: {describe_error(err)}; nothing was"
                f" written to {final}"
            ) from err
        raise
    finally:
        remove(staging)
        ACTIVE.pop(staging, None)


def _publish(staging: Path, final: Path, *, force: bool, replace_dirs: tuple[str, ...]) -> None:
    """Move the staged outputs into ``final`` (all or, on failure, none)."""
    (staging / INCOMPLETE_FILE).unlink()
    entries = _entries(staging, replace_dirs)
    refuse_existing([final / rel for rel in entries], force=force)
    with publishing():
        if final.exists():
            _move_entries(staging, final, entries)
        else:
            os.replace(staging, final)  # one rename publishes the whole folder
        ACTIVE[staging] = ("leftover", final)  # at most backups of replaced files now
        DONE.append(final)


def _move_entries(staging: Path, final: Path, entries: list[Path]) -> None:
    backup = staging / ".replaced"
    moved: list[Path] = []
    made: list[Path] = []
    try:
        for rel in entries:
            src, dst = staging / rel, final / rel
            made += make_dirs(dst.parent)
            if dst.exists() or dst.is_symlink():
                (backup / rel).parent.mkdir(parents=True, exist_ok=True)
                try:  # a hard link keeps the old file in place until the new one replaces it
                    if dst.is_dir():
                        raise OSError(errno.EISDIR, "a folder")
                    os.link(dst, backup / rel, follow_symlinks=False)
                except OSError:
                    os.replace(dst, backup / rel)
            moved.append(rel)
            os.replace(src, dst)
        keep(made)
    except OSError as err:
        failed = _restore(final, backup, moved)
        remove_empty(made)
        kept = "; could not restore " + ", ".join(failed) if failed else ""
        raise OutputError(
            f"cannot move the outputs into {final}: {describe_error(err)}; nothing was"
            f" written to {final}{kept}"
        ) from err


def _restore(final: Path, backup: Path, moved: list[Path]) -> list[str]:
    failed = []
    for rel in reversed(moved):
        try:
            if (backup / rel).exists() or (backup / rel).is_symlink():
                if (final / rel).is_dir() and not (final / rel).is_symlink():
                    shutil.rmtree(final / rel)
                os.replace(backup / rel, final / rel)
            else:  # a new file: take it back out
                remove(final / rel)
        except OSError:
            failed.append(str(final / rel))
    return failed


def _entries(staging: Path, replace_dirs: tuple[str, ...]) -> list[Path]:
    """Relative paths to publish: files, symlinks and whole ``replace_dirs`` sub-folders."""
    out: list[Path] = []
    for root, dirs, files in os.walk(staging):
        here = Path(root).relative_to(staging)
        for d in list(dirs):
            rel = here / d
            if rel.as_posix() in replace_dirs or os.path.islink(Path(root) / d):
                out.append(rel)
                dirs.remove(d)
        out += [here / f for f in files]
    return sorted(out)
