"""Typed domain exceptions.

Every error a user can cause is one of these; the CLI turns them into one clear message and a
non-zero exit code, never a traceback.
"""

from __future__ import annotations


class BayesKetaError(Exception):
    """Base class of every error the workbench raises on purpose."""

    exit_code = 2


class DataError(BayesKetaError, ValueError):
    """Input data break the data contract (see :mod:`bayes_keta.data.contract`)."""

    exit_code = 3


class SpecError(BayesKetaError, ValueError):
    """A model, prior or grid specification is malformed or names something unknown."""

    exit_code = 4


class ConvergenceError(BayesKetaError, RuntimeError):
    """Sampling diagnostics failed and the caller asked for strict gating."""

    exit_code = 5


class OutputError(BayesKetaError, OSError):
    """An output would overwrite something the user has, or cannot be written."""

    exit_code = 6


class DiagnosticsWarning(UserWarning):
    """Numbers were asked of a fit that failed the diagnostics gate (they are not reliable).

    Raised as a warning (never an error) by :meth:`bayes_keta.FitResult.contrasts` and
    :meth:`~bayes_keta.FitResult.contrast_summary`; filter it with
    ``warnings.simplefilter("ignore", bk.DiagnosticsWarning)`` once you have read it.
    """
