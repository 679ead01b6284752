"""Safe outputs: check before computing, write atomically, publish a folder all at once.

Every writer of the package goes through this module, so the same promises hold for
``fit``, ``report``, ``sweep``, ``export``, ``meta``, ``published`` and ``simulate``:

* :func:`refuse_existing` -- an existing output is never replaced without ``force``;
* :func:`check_writable` -- an output folder that cannot be created or written (permissions,
  read-only or immutable, a file in the way, a nearly full disk) is refused *before* any
  compiling or sampling, and the check leaves nothing behind;
* :func:`atomic_write` -- a file appears under its final name only when it is complete
  (a temporary sibling, then :func:`os.replace`);
* :func:`staged_folder` -- a whole output folder is written into a hidden sibling
  ``.<name>.partial-<pid>`` (with an ``INCOMPLETE`` note inside) and moved into place only
  when every file is complete; a file the user had is only ever replaced by a complete new
  one, and a failure restores what was there. It lives in :mod:`bayes_keta.staging` (which
  builds on the checks here) and is re-exported from this module.

Temporary files and staging folders are kept in a process-wide registry
(:mod:`bayes_keta._outputs_registry`), so that the interrupt handler
(:mod:`bayes_keta.cli.interrupt`), which ends the process without running ``finally`` blocks,
can remove them (:func:`abandon`).
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bayes_keta._outputs_registry import (
    ACTIVE,
    DONE,
    INCOMPLETE_FILE,
    abandon,
    committing,
    items,
    keep,
    make_dirs,
    publishing,
    remove,
    remove_empty,
)
from bayes_keta.constants import MIN_FREE_BYTES
from bayes_keta.exceptions import OutputError

if TYPE_CHECKING:  # at run time through __getattr__ (bayes_keta.staging imports this module)
    from bayes_keta.staging import staged_folder

__all__ = [
    "INCOMPLETE_FILE",
    "abandon",
    "atomic_write",
    "check_writable",
    "committing",
    "describe_error",
    "refuse_existing",
    "staged_folder",
]


# ----------------------------------------------------------------------------------- checks
def refuse_existing(
    paths: Iterable[str | Path], *, force: bool, advice: str = "use --force to replace"
) -> list[Path]:
    """Refuse (unless ``force``) to overwrite any of ``paths`` that exists.

    Parameters
    ----------
    paths : iterable of str or Path
        The outputs about to be written.
    force : bool
        Allow replacing them.
    advice : str
        What the message tells the user to do.

    Returns
    -------
    list of Path
        The paths.

    Raises
    ------
    OutputError
        Some exist and ``force`` is False; the message names them (the first five).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> (folder / "a.csv").write_text("mine")
    4
    >>> refuse_existing([folder / "b.csv"], force=False) == [folder / "b.csv"]
    True
    >>> refuse_existing([folder / "a.csv"], force=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    bayes_keta.exceptions.OutputError: refusing to overwrite existing .../a.csv (use --force...)
    """
    paths = [Path(p) for p in paths]
    existing = [str(p) for p in paths if p.exists() or p.is_symlink()]
    if existing and not force:
        shown = ", ".join(existing[:5])
        more = f" and {len(existing) - 5} more" if len(existing) > 5 else ""
        raise OutputError(f"refusing to overwrite existing {shown}{more} ({advice})")
    return paths


def check_writable(folder: str | Path, *, min_free: int = MIN_FREE_BYTES) -> Path:
    """Refuse an output folder that cannot be created or written, before any long work.

    Creates the missing folders, writes and syncs a small probe file, measures the free
    space (:func:`shutil.disk_usage`), then removes the probe and every folder it created:
    a folder that did not exist before does not exist after.

    Parameters
    ----------
    folder : str or Path
        The output folder (need not exist).
    min_free : int
        Least free space in bytes (default :data:`bayes_keta.constants.MIN_FREE_BYTES`).

    Returns
    -------
    Path
        The folder.

    Raises
    ------
    OutputError
        Naming the folder and the reason: a file in the way (at the folder or a parent),
        permission denied, a read-only file system, an immutable folder, a full disk or
        less than ``min_free`` bytes free.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> base = pathlib.Path(tempfile.mkdtemp())
    >>> check_writable(base / "new" / "out", min_free=0) == base / "new" / "out"
    True
    >>> (base / "new").exists()  # created to probe, then removed again
    False
    >>> (base / "file").write_text("x")
    1
    >>> check_writable(base / "file" / "out")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    bayes_keta.exceptions.OutputError: cannot write to ... .../file is a file, not a folder
    """
    folder = Path(folder)
    existing = folder
    while not (existing.exists() or existing.is_symlink()) and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        what = "it is a file" if existing == folder else f"{existing} is a file"
        raise OutputError(f"cannot write to the output folder {folder}: {what}, not a folder")
    created: list[Path] = []
    probe: Path | None = None
    try:
        created = make_dirs(folder)
        fd, name = tempfile.mkstemp(dir=folder, prefix=".bayes-keta-probe-")
        probe = Path(name)
        ACTIVE[probe] = ("probe", folder)
        try:
            os.write(fd, b"\0" * 4096)
            os.fsync(fd)
        finally:
            os.close(fd)
        free = shutil.disk_usage(folder).free
    except OSError as err:
        raise OutputError(
            f"cannot write to the output folder {folder}: {describe_error(err)}"
        ) from None
    finally:
        if probe is not None:
            remove(probe)
            ACTIVE.pop(probe, None)
        remove_empty(created)
    if free < min_free:
        raise OutputError(
            f"cannot write to the output folder {folder}: only {free / 2**20:.0f} MiB free on"
            f" its disk, at least {min_free / 2**20:.0f} MiB needed (free some space or choose"
            " another --out)"
        )
    return folder


def describe_error(err: OSError) -> str:
    """Plain words for an operating-system error on an output.

    Examples
    --------
    >>> describe_error(OSError(errno.EROFS, "Read-only file system"))
    'read-only file system'
    """
    words = {
        errno.EACCES: "permission denied",
        errno.EPERM: "operation not permitted (an immutable or protected folder?)",
        errno.EROFS: "read-only file system",
        errno.ENOSPC: "no space left on the disk",
        errno.EDQUOT: "disk quota exceeded",
        errno.ENOTDIR: "a file is in the way of a folder",
    }
    return words.get(err.errno or -1) or (err.strerror or str(err))


# ---------------------------------------------------------------------------------- writing
def atomic_write(path: str | Path, write: Callable[[Path], object]) -> Path:
    """Write a file under its final name only when complete.

    ``write(tmp)`` writes a temporary file in the same folder; it is then renamed into place
    with :func:`os.replace` (atomic on one file system). On any failure or interrupt the
    temporary file is removed and ``path`` is left as it was. The file gets the permissions
    a plain ``open`` would give (not the 0600 of :func:`tempfile.mkstemp`). Missing parent
    folders are created (and removed again on failure). The caller decides about overwriting
    (:func:`refuse_existing`).

    Parameters
    ----------
    path : str or Path
        The final file.
    write : callable
        Called with the temporary path (same suffix as ``path``); writes the content there.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputError
        An operating-system error (disk full, permissions); other errors of ``write``
        propagate unchanged.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "sub" / "hello.txt"
    >>> atomic_write(out, lambda tmp: tmp.write_text("hello")).read_text()
    'hello'
    >>> oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())
    True
    >>> sorted(p.name for p in out.parent.iterdir())  # no temporary file left
    ['hello.txt']
    """
    path = Path(path)
    created: list[Path] = []
    tmp: Path | None = None
    try:
        created = make_dirs(path.parent)
        fd, name = tempfile.mkstemp(
            dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}"
        )
        os.close(fd)
        tmp = Path(name)
        ACTIVE[tmp] = ("file", path)
        write(tmp)
        if not tmp.is_symlink():
            os.chmod(tmp, 0o666 & ~_umask())
        with publishing():
            os.replace(tmp, path)
            ACTIVE.pop(tmp, None)
            if not any(kind == "tree" and d in path.parents for d, (kind, _) in items()):
                DONE.append(path)
        keep(created)
    except BaseException as err:
        if tmp is not None:
            remove(tmp)
        remove_empty(created)
        if isinstance(err, OSError) and not isinstance(err, OutputError):
            raise OutputError(f"cannot write {path}: {describe_error(err)}") from err
        raise
    finally:
        if tmp is not None:
            remove(tmp)
            ACTIVE.pop(tmp, None)
    return path


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def __getattr__(name: str) -> Any:
    """Re-export :func:`bayes_keta.staging.staged_folder`, imported on first use.

    :mod:`bayes_keta.staging` imports the checks of this module, so it cannot be imported at
    the top of it.

    Examples
    --------
    >>> from bayes_keta.outputs import staged_folder
    >>> staged_folder.__module__
    'bayes_keta.staging'
    """
    if name == "staged_folder":
        from bayes_keta.staging import staged_folder

        return staged_folder
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
