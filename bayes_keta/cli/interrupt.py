"""Ctrl-C and SIGTERM for every subcommand: one line, exit 130/143, nothing half-written left.

:func:`guard` (used by :func:`bayes_keta.cli.main` around the whole run) installs:

* a **watchdog thread** woken through :func:`signal.set_wakeup_fd` on a socket pair. Python's
  C-level signal handler writes the signal number to the socket at once, whatever the main
  thread is doing -- inside nutpie's Rust sampler, a numba or PyTensor compile, a Dask
  computation -- and the watchdog ends the process from there;
* **Python-level handlers** for SIGINT and SIGTERM that never raise
  :class:`KeyboardInterrupt` (which libraries catch, turn into other errors, or answer by
  returning partial results: nutpie returns the draws so far, a numba callback turns it into
  a ``ParameterValueError``); when the main thread runs Python code they end the process
  themselves.

Ending the process (once, whichever thread gets there first): wait for a publication of
outputs in progress to finish (a few renames), remove every staging folder and temporary
file (:func:`bayes_keta.outputs.abandon`), print ONE line on stderr such as
``bayes-keta fit: interrupted while sampling; nothing was written to out/x``, kill child
processes (compilers, Dask workers), flush what can be flushed, and :func:`os._exit` with
128 + the signal number (130 for SIGINT, 143 for SIGTERM): no traceback, no
"Exception ignored" noise from interpreter shutdown, nothing left that looks finished.

When the ``bayes-keta`` script's command has finished (:func:`guard` exits), the process is
ending: a signal during its exit (``atexit`` functions, joining threads, stopping Dask) still
gives the one line (stage ``exiting``, saying which outputs had been written completely) and
128 + the signal number; only during the interpreter's final teardown, after the last exit
function, are the signals ignored, so the process ends with the command's own exit code (its
work complete, nothing lost) instead of dying of the signal.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bayes_keta import _script_signals, outputs
from bayes_keta.stages import current_stage, stage

__all__ = ["RunInfo", "guard", "interrupt_message"]

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
_STOP = b"\0"
_ONCE = threading.Lock()
_GUARD = {"pid": 0, "at_fork": False, "exiting": False}


@dataclass
class RunInfo:
    """What the interrupt message names: the subcommand and its output (set once parsed)."""

    command: str | None = None
    out: str | Path | None = None


def interrupt_message(
    info: RunInfo,
    *,
    removed: list[Path],
    done: list[Path],
    stage: str | None = None,
) -> str:
    """Compose the one line printed when a run is interrupted.

    Examples
    --------
    >>> info = RunInfo(command="fit", out="out/x")
    >>> print(interrupt_message(info, removed=[Path("out/x")], done=[], stage="writing"))
    ... # doctest: +NORMALIZE_WHITESPACE
    bayes-keta fit: interrupted while writing; removed the incomplete outputs, nothing was
    written to out/x
    >>> interrupt_message(info, removed=[], done=[], stage="sampling")
    'bayes-keta fit: interrupted while sampling; nothing was written to out/x'
    >>> interrupt_message(RunInfo(), removed=[], done=[])
    'bayes-keta: interrupted'
    """
    prefix = f"bayes-keta {info.command}" if info.command else "bayes-keta"
    when = f" while {stage}" if stage else ""
    removed = [p for p in removed if p not in done]
    if removed:
        names = ", ".join(str(p) for p in removed)
        what = f"; removed the incomplete outputs, nothing was written to {names}"
    elif done:
        what = f"; {', '.join(str(p) for p in done)} had been written completely"
    elif info.out is not None:
        what = f"; nothing was written to {info.out}"
    else:
        what = ""
    return f"{prefix}: interrupted{when}{what}"


@contextmanager
def guard(info: RunInfo | None = None) -> Iterator[RunInfo]:
    """Handle SIGINT/SIGTERM for the duration of a command-line run.

    Installs the handlers and the watchdog on entry and restores the previous handlers and
    wakeup fd on exit, so in-process calls of :func:`bayes_keta.cli.main` (tests, notebooks)
    leave the interpreter as they found it. Outside the main thread it does nothing (signal
    handlers can only be set there).

    Parameters
    ----------
    info : RunInfo, optional
        Filled in by the caller once the arguments are parsed.

    Yields
    ------
    RunInfo
    """
    info = info or RunInfo()
    if threading.current_thread() is not threading.main_thread():
        yield info
        return
    import psutil  # noqa: F401  (imported now: nothing is imported while ending the process)

    if not _GUARD["at_fork"]:
        os.register_at_fork(after_in_child=_in_forked_child)
        atexit.register(_ignore_signals_at_the_end)  # registered first: runs last
        _GUARD["at_fork"] = True
    reader, writer = socket.socketpair()
    writer.setblocking(False)
    previous_fd = signal.set_wakeup_fd(writer.fileno(), warn_on_full_buffer=False)
    previous = {s: signal.getsignal(s) for s in _SIGNALS}
    watchdog = threading.Thread(
        target=_watch, args=(reader, info), name="bayes-keta-interrupt", daemon=True
    )
    watchdog.start()
    try:
        for s in _SIGNALS:
            if previous[s] is not signal.SIG_IGN:  # e.g. a background job of a script: keep
                signal.signal(s, lambda signum, frame: _on_signal(signum, info))
        _GUARD["pid"] = os.getpid()
        yield info
    finally:
        _GUARD["pid"] = 0
        script = any(_is_script_handler(h) for h in previous.values())
        if script:  # the bayes-keta script ends now: Ctrl-C while it exits is still one line
            _GUARD["exiting"] = True
            stage("exiting")
        for s, handler in previous.items():
            if _is_script_handler(handler):
                signal.signal(s, lambda signum, frame: _finish(signum, info))
            else:
                signal.signal(s, handler)
        signal.set_wakeup_fd(previous_fd)
        try:
            writer.send(_STOP)
        except OSError:
            pass
        watchdog.join(timeout=2)
        reader.close()
        writer.close()


def _is_script_handler(handler: object) -> bool:
    """Whether ``handler`` is the one the ``bayes-keta`` script installs while importing."""
    return handler is _script_signals._interrupted_while_starting


def _ignore_signals_at_the_end() -> None:
    """Last exit function of the ``bayes-keta`` script: ignore SIGINT/SIGTERM from here on.

    The command's work is done and its outputs are complete; what follows is the interpreter's
    own teardown (modules, objects), during which a Python handler may not get to run and
    CPython finally restores the default action (death by the signal, no line). Ignoring the
    signals for these last moments lets the process end with the command's own exit code.
    """
    if _GUARD["exiting"]:
        for s in _SIGNALS:
            if signal.getsignal(s) is not signal.SIG_IGN:
                signal.signal(s, signal.SIG_IGN)


def _in_forked_child() -> None:
    """Let a forked worker (PyMC's chains) die quietly on the signal: its parent reports it."""
    if not _GUARD["pid"]:
        return
    _GUARD["pid"] = 0
    try:
        signal.set_wakeup_fd(-1)  # the socket is the parent's
        for s in _SIGNALS:
            if signal.getsignal(s) is not signal.SIG_IGN:
                signal.signal(s, signal.SIG_DFL)
    except (ValueError, OSError):
        pass


def _watch(reader: socket.socket, info: RunInfo) -> None:
    """Watchdog thread: wake on the signal byte and end the process."""
    while True:
        try:
            data = reader.recv(64)
        except OSError:
            return
        if not data or _STOP in data:
            return
        for signum in data:
            if signum in _SIGNALS:
                _finish(signum, info)


def _on_signal(signum: int, info: RunInfo) -> None:
    """Python-level handler (main thread): never raises."""
    if outputs.committing():
        return  # outputs are being moved into place: the watchdog ends the process after it
    _finish(signum, info)


def _finish(signum: int, info: RunInfo) -> None:
    """End the process (the first caller does; any other one waits for the end)."""
    if not _ONCE.acquire(blocking=False):
        if threading.current_thread() is threading.main_thread():
            while True:
                time.sleep(3600)
        return
    try:
        removed, done = outputs.abandon()
        line = interrupt_message(info, removed=removed, done=done, stage=current_stage())
        start = "\r\033[K" if _isatty(2) else ""  # over a progress bar's unfinished line
        os.write(2, (start + line + "\n").encode(errors="replace"))
        _kill_children()
        _flush()
    finally:
        os._exit(128 + signum)


def _isatty(fd: int) -> bool:
    try:
        return os.isatty(fd)
    except OSError:
        return False


def _kill_children() -> None:
    """Kill child processes (compilers, Dask workers and their nannies), without waiting long."""
    try:
        import psutil

        children = psutil.Process().children(recursive=True)
        for child in children:
            try:
                child.kill()
            except psutil.Error:
                pass
        psutil.wait_procs(children, timeout=2)
    except Exception:  # noqa: BLE001 - ending the process must not fail
        pass


def _flush() -> None:
    """Flush stdout/stderr unless another thread holds their locks (then give up after 0.5 s)."""

    def flush() -> None:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:  # noqa: BLE001
                pass

    flusher = threading.Thread(target=flush, daemon=True)
    flusher.start()
    flusher.join(timeout=0.5)
