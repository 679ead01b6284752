"""Quiet Ctrl-C / SIGTERM while the ``bayes-keta`` script imports the package.

Imported first by ``bayes_keta/__init__.py``. Only when the process *is* the ``bayes-keta``
script (not a notebook, a test or a worker process) it installs handlers that end the process
with one line and exit code 130 / 143 instead of a ``KeyboardInterrupt`` traceback from the
middle of an import; :func:`bayes_keta.cli.interrupt.guard` takes over once
:func:`bayes_keta.cli.main` runs. Builtin modules only, so that it costs nothing.
"""

from __future__ import annotations

import os
import signal
import sys


def _interrupted_while_starting(signum: int, frame: object) -> None:
    os.write(2, b"bayes-keta: interrupted\n")
    os._exit(128 + signum)


def _install() -> None:
    script = getattr(sys.modules.get("__main__"), "__file__", None) or ""
    if sys.argv[:1] != [script] or not script.endswith("bayes-keta"):
        return
    for signum in (signal.SIGINT, signal.SIGTERM):
        if signal.getsignal(signum) is not signal.SIG_IGN:  # a background job keeps ignoring
            signal.signal(signum, _interrupted_while_starting)


_install()
