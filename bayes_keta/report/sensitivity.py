"""Prior sensitivity: power-scaling diagnostics (Kallioinen et al. 2024) and sweep results.

:func:`power_scaling` runs :func:`arviz_stats.psense_summary` on a fit: each prior (and the
likelihood) is raised to a power close to 1 and the change of each posterior quantity is
measured by the cumulative Jensen-Shannon distance; above 0.05 a quantity is flagged as prior-
or likelihood-sensitive (a prior-data conflict when both are, a strong prior / weak likelihood
when only the prior is).

Power-scaled are the model's top-level priors (the ``[priors]`` roles); the group-level terms
(subject and subject-period means or their standardised ``*_z``) are the hierarchical
structure, not priors a user chooses, so they are left out of the scaling (and of the
summarised quantities), as in Kallioinen et al.

:func:`read_sweep` reads the ``sweep.csv`` written by ``bayes-keta sweep``.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.exceptions import OutputError

__all__ = ["PowerScaling", "SWEEP_FILE", "key_variables", "power_scaling", "read_sweep"]

SWEEP_FILE = "sweep.csv"
_SWEEP_REQUIRED = ("setting", "estimand", "mean", "lo95", "hi95", "p_benefit")


@dataclass(frozen=True)
class PowerScaling:
    """Power-scaling sensitivity of one fit.

    Attributes
    ----------
    table : pandas.DataFrame or None
        One row per quantity: ``prior`` and ``likelihood`` sensitivity (cumulative JS
        distance) and ``diagnosis``.
    prior_variables : tuple of str
        Log-prior terms that were power-scaled.
    error : str or None
        Why it could not be computed.
    """

    table: pd.DataFrame | None
    prior_variables: tuple[str, ...]
    error: str | None = None


def key_variables(posterior: xr.Dataset, *, max_size: int = 10) -> list[str]:
    """Free and derived parameters worth showing: small, not ``*_z``, not ``arm_mean``.

    Examples
    --------
    >>> ds = xr.Dataset({"mu": (("chain", "draw"), np.zeros((1, 2))),
    ...                  "subject_z": (("chain", "draw", "s"), np.zeros((1, 2, 3)))})
    >>> key_variables(ds)
    ['mu']
    """
    out = []
    for name, da in posterior.data_vars.items():
        size = int(np.prod([n for d, n in da.sizes.items() if d not in ("chain", "draw")]))
        if str(name).endswith("_z") or name == "arm_mean" or size > max_size:
            continue
        out.append(str(name))
    return out


def power_scaling(
    tree: xr.DataTree,
    *,
    model: Any = None,
    var_names: Sequence[str] | None = None,
) -> PowerScaling:
    """Power-scaling prior and likelihood sensitivity (never raises; errors are reported).

    Parameters
    ----------
    tree : xarray.DataTree
        A fit with ``posterior`` and ``log_likelihood``; ``log_prior`` is computed from
        ``model`` when missing (on a shallow copy: the fit is not modified).
    model : pymc.Model, optional
        The fitted model (needed only when the tree has no ``log_prior`` group).
    var_names : sequence of str, optional
        Quantities to summarise (default :func:`key_variables`).

    Returns
    -------
    PowerScaling
    """
    import arviz_stats as azs

    work = tree.copy()
    if "log_prior" not in work.children:
        if model is None:
            return PowerScaling(None, (), error="no log_prior group and no model to compute it")
        try:
            import pymc as pm

            pm.stats.compute_log_prior(work, model=model, progressbar=False)
        except Exception as err:  # noqa: BLE001 - reported, never a crash
            return PowerScaling(None, (), error=f"cannot compute the log prior: {err}")
    if "log_likelihood" not in work.children:
        return PowerScaling(None, (), error="no log_likelihood group")
    group_dims = {"subject", "cell", "obs"}
    priors = [
        str(v)
        for v, da in work["log_prior"].data_vars.items()
        if not str(v).endswith("_z") and not group_dims & set(map(str, da.dims))
    ]
    names = list(var_names) if var_names is not None else key_variables(work["posterior"])
    try:
        with np.errstate(all="ignore"), _psense_quiet():
            table = azs.psense_summary(work, var_names=names, prior_var_names=priors)
    except Exception as err:  # noqa: BLE001
        return PowerScaling(None, tuple(priors), error=f"psense_summary failed: {err}")
    table = pd.DataFrame(table)
    table.index.name = "quantity"
    return PowerScaling(table, tuple(priors))


@contextmanager
def _psense_quiet() -> Iterator[None]:
    """Keep ArviZ's own remarks on power-scaling off stderr: the report shows the verdicts.

    ``psense_summary`` logs "We detected potential issues..." whenever a row is flagged (the
    report's table and its summary say so), and with under 25 draws in all its Pareto smoothing
    warns that it uses 5 tail draws (the gate already fails so few draws).
    """
    logger = logging.getLogger("arviz_stats.psense")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message="Number of tail draws cannot be less than",
                category=UserWarning,
                module="arviz_stats",
            )
            yield
    finally:
        logger.setLevel(level)


def read_sweep(sweep_dir: str | Path) -> tuple[pd.DataFrame, tuple[Path, ...]]:
    """Read ``sweep.csv`` and list the PNG figures of a ``bayes-keta sweep`` output directory.

    Returns
    -------
    (pandas.DataFrame, tuple of Path)

    Raises
    ------
    OutputError
        Missing directory or ``sweep.csv``, unreadable file, or missing required columns.
    """
    path = Path(sweep_dir)
    csv = path / SWEEP_FILE
    if not csv.is_file():
        raise OutputError(f"--sweep {path}: no {SWEEP_FILE} there (run `bayes-keta sweep` first)")
    try:
        frame = pd.read_csv(csv)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as err:
        raise OutputError(f"cannot read {csv}: {err}") from err
    missing = [c for c in _SWEEP_REQUIRED if c not in frame.columns]
    if missing:
        raise OutputError(f"{csv}: missing column(s) {missing}")
    return frame, tuple(sorted(path.glob("*.png")))
