"""PSIS-LOO per fitted spec and a comparison of the daily-level specs (Vehtari et al. 2017).

Computed with :func:`arviz_stats.loo` and :func:`arviz_stats.compare`. Only specs whose
pointwise log-likelihood is over the *same observations* can be compared: the AUC spec models
one value per subject-period, not the daily scores, so it is left out of the comparison (its
own LOO is still reported).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.report.ppc import observed_variable

__all__ = ["KHAT_MAX", "LooResult", "loo_comparison", "loo_fit"]

#: Pareto-k above which a PSIS-LOO estimate is unreliable (Vehtari et al. 2024, 0.7).
KHAT_MAX: float = 0.7


@dataclass(frozen=True)
class LooResult:
    """PSIS-LOO of one fit.

    Attributes
    ----------
    spec : str
        Spec name.
    variable : str
        Observed variable the pointwise log-likelihood is over.
    n_obs : int
        Observations.
    elpd : ELPDData or None
        The ArviZ result (None when LOO could not be computed).
    n_high_k : int
        Observations with Pareto k > :data:`KHAT_MAX`.
    error : str or None
        Why LOO could not be computed.
    """

    spec: str
    variable: str
    n_obs: int
    elpd: Any
    n_high_k: int
    error: str | None = None

    def row(self) -> dict[str, Any]:
        """One table row: ``spec``, ``observations``, ``elpd_loo``, ``se``, ``p_loo``, k counts."""
        if self.elpd is None:
            return {
                "spec": self.spec,
                "observations": f"{self.n_obs} {self.variable}",
                "elpd_loo": np.nan,
                "se": np.nan,
                "p_loo": np.nan,
                "k > 0.7": np.nan,
                "note": self.error or "",
            }
        e = self.elpd
        return {
            "spec": self.spec,
            "observations": f"{self.n_obs} {self.variable}",
            "elpd_loo": float(e.elpd),
            "se": float(e.se),
            "p_loo": float(e.p),
            "k > 0.7": int(self.n_high_k),
            "note": (
                f"{self.n_high_k} Pareto k > {KHAT_MAX:g}: LOO unreliable for these"
                if self.n_high_k
                else "all Pareto k <= 0.7"
            ),
        }


def loo_fit(name: str, tree: xr.DataTree) -> LooResult:
    """PSIS-LOO of one fitted DataTree (needs a ``log_likelihood`` group).

    Never raises for a missing group or an ArviZ failure: the reason goes in ``error``.
    """
    try:
        var = observed_variable(tree)
    except KeyError as err:
        return LooResult(name, "?", 0, None, 0, error=str(err))
    n_obs = int(np.asarray(tree["observed_data"][var].values).size)
    if "log_likelihood" not in tree.children or var not in tree["log_likelihood"].data_vars:
        return LooResult(name, var, n_obs, None, 0, error="no pointwise log-likelihood stored")
    import arviz_stats as azs

    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Pareto k: counted and reported
            elpd = azs.loo(tree, var_name=var)
    except Exception as err:  # noqa: BLE001 - reported in the table, never a crash
        return LooResult(name, var, n_obs, None, 0, error=f"LOO failed: {err}")
    k = np.asarray(getattr(elpd.pareto_k, "values", elpd.pareto_k), dtype=float)
    return LooResult(name, var, n_obs, elpd, int(np.sum(k > KHAT_MAX)))


def loo_comparison(
    results: Mapping[str, LooResult], *, likelihoods: Mapping[str, str] | None = None
) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """Compare the specs fitted to the daily scores; say which were left out and why.

    Parameters
    ----------
    results : mapping of spec name to LooResult
        Every fitted spec.
    likelihoods : mapping of spec name to likelihood, optional
        Used to add the caveat about discrete (ordinal) versus continuous likelihoods.

    Returns
    -------
    (pandas.DataFrame or None, tuple of str)
        The :func:`arviz_stats.compare` table (index: spec) or None when fewer than two specs
        can be compared; and notes explaining exclusions and caveats.
    """
    notes: list[str] = []
    daily = {n: r for n, r in results.items() if r.variable == "pain" and r.elpd is not None}
    for name, res in results.items():
        if name in daily:
            continue
        if res.variable == "auc":
            notes.append(
                f"'{name}' is left out of the comparison: it models one AUC per subject-period"
                f" ({res.n_obs} observations), not the daily scores, so its ELPD is on"
                " different data and cannot be compared with the daily models."
            )
        else:
            notes.append(f"'{name}' is left out of the comparison: {res.error or 'no LOO'}.")
    sizes = {r.n_obs for r in daily.values()}
    if len(sizes) > 1:
        notes.append(f"daily specs differ in their number of observations {sorted(sizes)}.")
        return None, tuple(notes)
    if len(daily) < 2:
        notes.append("Fewer than two daily-level specs were fitted: no comparison.")
        return None, tuple(notes)
    import arviz_stats as azs

    try:
        with np.errstate(all="ignore"):
            table = azs.compare({n: r.elpd for n, r in daily.items()}, round_to="none")
    except TypeError:  # older signature without round_to
        table = azs.compare({n: r.elpd for n, r in daily.items()})
    table = pd.DataFrame(table)
    kinds = dict(likelihoods or {})
    if any(kinds.get(n) == "ordinal" for n in daily) and any(
        kinds.get(n) != "ordinal" for n in daily
    ):
        notes.append(
            "Caveat: the ordinal model's pointwise log-likelihood is the log probability of the"
            " recorded integer score; the Gaussian models' is a log density. With unit-wide"
            " score bins the density approximates the bin probability, but ignores the mass the"
            " Gaussian puts outside 0-10, so this comparison is approximate."
        )
    if any(n.endswith("ar1") or "ar1" in n for n in daily):
        notes.append(
            "The AR(1) model's pointwise log-likelihood is one-step-ahead (each day given the"
            " previous observed day): its LOO is a conditional predictive criterion."
        )
    notes.append(
        "elpd_diff is the difference to the best model with its standard error dse; a"
        " difference within about 2-4 dse is not a clear preference (Vehtari et al. 2017)."
    )
    return table, tuple(notes)
