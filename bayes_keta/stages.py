"""Named stages of a long run: what the process is doing now.

The stages (``validating``, ``compiling``, ``sampling``, ``predictive``, ``writing``) let the
interrupt message say what was interrupted (:mod:`bayes_keta.cli.interrupt`). When the
environment variable :data:`STAGE_FILE_ENV` names a file, each stage is also appended to it as
``<name> <monotonic seconds>`` lines, so that tests can send a signal during a given stage
without guessing delays.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable

__all__ = ["STAGE_FILE_ENV", "current_stage", "reporter", "stage"]

#: Environment variable naming a file that receives one line per stage entered.
STAGE_FILE_ENV = "BAYES_KETA_STAGE_FILE"

_CURRENT: dict[str, str | None] = {"stage": None}


def stage(name: str) -> None:
    """Record that the process enters stage ``name``.

    Examples
    --------
    >>> stage("sampling")
    >>> current_stage()
    'sampling'
    """
    _CURRENT["stage"] = name
    path = os.environ.get(STAGE_FILE_ENV)
    if path:
        line = f"{name} {time.monotonic():.3f}\n".encode()
        try:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        except OSError:
            pass


def reporter(progress: Callable[[str], None] | None) -> Callable[..., None]:
    """Return ``enter(name, text=None)``: records stage ``name`` and tells ``progress``.

    Library code announces a stage once through this: the short ``name`` is recorded for the
    interrupt message and the stage file (:func:`stage`); ``progress`` (the CLI's progress
    lines, or None) receives the longer ``text`` (default ``name``).

    Examples
    --------
    >>> seen = []
    >>> enter = reporter(seen.append)
    >>> enter("compiling", "compiling (or reusing a cached compile)")
    >>> seen, current_stage()
    (['compiling (or reusing a cached compile)'], 'compiling')
    """

    def enter(name: str, text: str | None = None) -> None:
        stage(name)
        if progress is not None:
            progress(text or name)

    return enter


def current_stage() -> str | None:
    """Return the stage last entered (None before any)."""
    return _CURRENT["stage"]
