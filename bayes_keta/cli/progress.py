r"""Progress lines for long command-line work: stages with elapsed times, on stderr.

Shown only to a person: when stderr is a terminal and ``--quiet`` was not given. A pipe or a
CI log gets the final result (stdout) and errors only. Library code never prints progress; it
takes a callable (``progress=`` of :func:`bayes_keta.fitting.fit`, ``log=`` of the report
builder) and the CLI passes :meth:`Progress.stage`.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> p = Progress("fit", stream=out, force=True)
>>> p.stage("sampling")
>>> out.getvalue().endswith("s] sampling\n")
True
>>> Progress("fit", stream=out, force=True, quiet=True).enabled
False
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import TextIO

__all__ = ["Progress", "stream_is_terminal"]


def stream_is_terminal(stream: TextIO) -> bool:
    """Tell whether ``stream`` is an interactive terminal (False for pipes, files, CI logs)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


class Progress:
    """Stage lines of one command, each with the time elapsed since the command started.

    Parameters
    ----------
    command : str
        Subcommand name, shown in every line.
    quiet : bool
        ``--quiet``: show nothing.
    stream : file, optional
        Where lines go (default: the current ``sys.stderr``).
    force : bool, optional
        Show lines even when ``stream`` is not a terminal (tests, ``--progress``-like uses).
    """

    def __init__(
        self,
        command: str,
        *,
        quiet: bool = False,
        stream: TextIO | None = None,
        force: bool | None = None,
    ) -> None:
        self.command = command
        self.stream = stream if stream is not None else sys.stderr
        shown = stream_is_terminal(self.stream) if force is None else force
        self.enabled = bool(shown) and not quiet
        self._start = time.perf_counter()
        self._after_bar = False

    @classmethod
    def for_args(cls, args: argparse.Namespace) -> Progress:
        """Make the progress of a parsed command line (its subcommand and ``--quiet``)."""
        return cls(str(args.command), quiet=bool(getattr(args, "quiet", False)))

    @property
    def elapsed(self) -> float:
        """Seconds since the command started."""
        return time.perf_counter() - self._start

    def stage(self, text: str) -> None:
        """Announce a stage (``bayes-keta fit [  3.1 s] sampling``).

        A sampling stage may draw the sampler's own bar (nutpie's leaves the cursor at the end
        of its last line), so the stage after it starts on a new line.
        """
        if self._after_bar and self.enabled:
            print(file=self.stream)
        self._print(f"[{self.elapsed:6.1f} s] {text}")
        self._after_bar = text.startswith("sampling")

    def note(self, text: str) -> None:
        """Show a remark that is not a result (e.g. which defaults were used)."""
        self._print(f"note: {text}")

    __call__ = stage

    def _print(self, text: str) -> None:
        if self.enabled:
            print(f"bayes-keta {self.command} {text}", file=self.stream, flush=True)
