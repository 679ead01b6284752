"""Run one :func:`~bayes_keta.fitting.pipeline.fit` in a second process, beside other work.

On a machine's first run most of a fit is numba compiling the model, on one core. A second
model (``bayes-keta fit`` fits the adverse-event model beside the efficacy spec) can compile
and sample on the other core at the same time: :class:`BackgroundFit` starts
:func:`~bayes_keta.fitting.pipeline.fit` in a spawned process and :meth:`BackgroundFit.result`
collects its draws and record. The numbers are those of the same call in this process (same
data, spec, priors, settings and seed give bit-identical draws; ``tests/test_background_fit.py``).

The child process ignores Ctrl-C (the terminal sends it to the whole process group): the
parent decides. Leaving the ``with`` block, or :meth:`BackgroundFit.cancel`, terminates it;
an interrupted ``bayes-keta`` command kills its children anyway
(:mod:`bayes_keta.cli.interrupt`). The child records no stages (it does not append to the
stage file of :mod:`bayes_keta.stages`): the parent's stage is what an interruption reports.

Where no second process can be started (:meth:`BackgroundFit.start` returns None: one CPU,
or the platform refuses), callers fit in this process instead. The child is *spawned*: as with
any spawned process, it imports the caller's main module again, so a script that starts one
keeps its work under ``if __name__ == "__main__":`` (the ``bayes-keta`` command does).
"""

from __future__ import annotations

import os
import signal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    from bayes_keta.fitting.result import FitResult

__all__ = ["BackgroundFit", "usable_cpus"]


def usable_cpus() -> int:
    """Return the CPUs this process may run on (its affinity where the platform has one).

    Examples
    --------
    >>> usable_cpus() >= 1
    True
    """
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def _child_main(conn: Connection, payload: bytes) -> None:
    """In the child: fit, send ``("ok", (tree, record))`` or ``("error", exception)``."""
    import pickle
    import warnings

    from bayes_keta.stages import STAGE_FILE_ENV

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    os.environ.pop(STAGE_FILE_ENV, None)  # the parent's stage is what an interruption reports
    try:
        from bayes_keta.exceptions import DiagnosticsWarning
        from bayes_keta.fitting.pipeline import fit

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DiagnosticsWarning)  # the parent judges the gate
            result = fit(**pickle.loads(payload))
        message: tuple[str, Any] = ("ok", (result.datatree, result.record))
    except BaseException as err:  # noqa: BLE001 - every failure goes back to the parent
        message = ("error", err)
    try:
        conn.send(message)
    except Exception as err:  # noqa: BLE001 - e.g. an exception that does not pickle
        conn.send(("error", RuntimeError(f"background fit failed: {message[1]!r} ({err})")))
    finally:
        conn.close()


class BackgroundFit:
    """A :func:`bayes_keta.fit` call running in a spawned process.

    Make one with :meth:`start`; use it as a context manager so that the process ends with
    the block whatever happens.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> job = BackgroundFit.start(trial=trial, spec="daily", draws=100, tune=100)  # doctest: +SKIP
    >>> with job:  # doctest: +SKIP
    ...     result = job.result()
    """

    #: seconds between checks that the child is still alive while waiting for its result
    POLL_SECONDS = 0.1

    def __init__(self, process: BaseProcess, conn: Connection, trial: Any) -> None:
        self._process = process
        self._conn = conn
        self._trial = trial

    @classmethod
    def start(cls, **options: Any) -> BackgroundFit | None:
        """Start ``fit(**options)`` in a second process; None if none can run beside this one.

        ``options`` are :func:`bayes_keta.fit`'s keywords (``progress`` is not allowed: the
        child reports nothing).
        """
        if "progress" in options:
            raise TypeError("a background fit reports no progress")
        if usable_cpus() < 2:
            return None
        import multiprocessing
        import pickle

        # pickled here, before this process's own fit starts filling the trial's caches
        payload = pickle.dumps(options)
        context = multiprocessing.get_context("spawn")
        try:
            receive, send = context.Pipe(duplex=False)
            # not a daemon: PyMC's own sampler starts processes of its own for the chains
            process = context.Process(
                target=_child_main, args=(send, payload), name="bayes-keta-fit"
            )
            process.start()
        except OSError:  # no process spawning here
            return None
        send.close()
        return cls(process, receive, options.get("trial"))

    def result(self) -> FitResult:
        """Wait for the fit and return it; its error is raised here.

        Raises
        ------
        RuntimeError
            The process ended without sending a result (killed, out of memory).
        """
        from bayes_keta.fitting.result import FitResult

        try:
            status, value = self._receive()
        finally:
            self.cancel()
        if status == "error":
            raise value
        tree, record = value
        result = FitResult(tree, record, self._trial)
        result._remember(spec=record.model.to_spec())
        return result

    def _receive(self) -> tuple[str, Any]:
        while not self._conn.poll(self.POLL_SECONDS):
            if not self._process.is_alive() and not self._conn.poll(0):
                raise RuntimeError(
                    "the background fit's process ended without a result"
                    f" (exit code {self._process.exitcode})"
                )
        try:
            return self._conn.recv()
        except EOFError as err:
            raise RuntimeError(
                "the background fit's process ended without a result"
                f" (exit code {self._process.exitcode})"
            ) from err

    def cancel(self) -> None:
        """End the process now if it still runs (nothing of it is kept)."""
        if self._process.is_alive():
            self._process.kill()
        self._process.join()
        self._conn.close()

    def __enter__(self) -> BackgroundFit:
        return self

    def __exit__(self, *exc: object) -> None:
        self.cancel()
