"""PSIS-LOO per fitted spec and a comparison of the daily-level specs (Vehtari et al. 2017).

Computed with :func:`arviz_stats.loo` and :func:`arviz_stats.compare`. Only specs whose
pointwise log-likelihood is over the *same observations* can be compared: a model whose LOO
kind is ``"cell"`` (the AUC: one value per subject-period, not the readings) is left out
of the comparison (its own LOO is still reported). What each model's LOO is comes from its
builder's :class:`~bayes_keta.models.Capabilities` (``loo``, ``discrete``).
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.models import Capabilities
from bayes_keta.outcome import Outcome

__all__ = ["KHAT_MAX", "LooResult", "compare_pair", "loo_comparison", "loo_fit"]

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
    kind : str
        The model's LOO kind (``pointwise``, ``conditional``, ``cell``).
    discrete : bool
        The observed variable has a probability mass function (ordinal).
    """

    spec: str
    variable: str
    n_obs: int
    elpd: Any
    n_high_k: int
    error: str | None = None
    kind: str = "pointwise"
    discrete: bool = False

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


def loo_fit(name: str, tree: xr.DataTree, *, capabilities: Capabilities) -> LooResult:
    """PSIS-LOO of one fitted DataTree (needs a ``log_likelihood`` group).

    ``capabilities`` (the fitted spec's, :func:`bayes_keta.models.capabilities`) name the
    observed variable and the kind of LOO. Never raises for a missing group or an ArviZ
    failure: the reason goes in ``error``.
    """
    var, kind = capabilities.observed, capabilities.loo
    found = functools.partial(
        LooResult, name, var, kind=kind, discrete=capabilities.discrete, elpd=None, n_high_k=0
    )
    if "observed_data" not in tree.children or var not in tree["observed_data"].data_vars:
        return found(n_obs=0, error=f"no observed {var!r} stored")
    n_obs = int(np.asarray(tree["observed_data"][var].values).size)
    if "log_likelihood" not in tree.children or var not in tree["log_likelihood"].data_vars:
        return found(n_obs=n_obs, error="no pointwise log-likelihood stored")
    import arviz_stats as azs

    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # Pareto k: counted and reported
            elpd = azs.loo(tree, var_name=var)
    except Exception as err:  # noqa: BLE001 - reported in the table, never a crash
        return found(n_obs=n_obs, error=f"LOO failed: {err}")
    k = np.asarray(getattr(elpd.pareto_k, "values", elpd.pareto_k), dtype=float)
    high = int(np.sum(k > KHAT_MAX))
    return LooResult(name, var, n_obs, elpd, high, kind=kind, discrete=capabilities.discrete)


def loo_comparison(
    results: Mapping[str, LooResult], *, outcome: Outcome | None = None
) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """Compare the specs fitted to the single readings; say which were left out and why.

    Parameters
    ----------
    results : mapping of spec name to LooResult
        Every fitted spec (their ``kind`` and ``discrete`` say what their LOO is).
    outcome : Outcome, optional
        The fits' outcome (its bounds word the caveat of a discrete likelihood; default the
        0-10 NRS).

    Returns
    -------
    (pandas.DataFrame or None, tuple of str)
        The :func:`arviz_stats.compare` table (index: spec) or None when fewer than two specs
        can be compared; and notes explaining exclusions and caveats.
    """
    notes: list[str] = []
    daily = {n: r for n, r in results.items() if r.kind != "cell" and r.elpd is not None}
    for name, res in results.items():
        if name in daily:
            continue
        if res.kind == "cell":
            notes.append(
                f"'{name}' is left out of the comparison: it models one"
                f" {res.variable.upper()} per subject-period ({res.n_obs} observations), not"
                " the single readings, so its ELPD is on different data and cannot be compared"
                " with the daily models."
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
    discrete = {r.discrete for r in daily.values()}
    if discrete == {True, False}:
        outcome = outcome or Outcome.nrs_0_10()
        outside = (
            f"outside the outcome's bounds {outcome.range_text}"
            if outcome.bounded
            else "beyond the recorded scores"
        )
        notes.append(
            f"Caveat: the pointwise log-likelihood of {_names(daily, discrete=True)} (a"
            " discrete, ordinal likelihood) is the log probability of the recorded integer"
            " score; the continuous models' is a log density. With unit-wide score bins the"
            " density approximates the bin probability, but ignores the mass a continuous"
            f" likelihood puts {outside}, so this comparison is approximate."
        )
    conditional = _names(daily, kind="conditional")
    if conditional:
        notes.append(
            f"The pointwise log-likelihood of {conditional} is one-step-ahead (AR(1) residuals:"
            " each day given the previous observed day): its LOO is a conditional predictive"
            " criterion."
        )
    notes.append(
        "elpd_diff is the difference to the best model with its standard error dse; a"
        " difference within about 2-4 dse is not a clear preference (Vehtari et al. 2017)."
    )
    return table, tuple(notes)


def _names(results: Mapping[str, LooResult], **match: Any) -> str:
    """Quoted names of the results whose attributes equal ``match`` (e.g. ``kind=...``)."""
    return ", ".join(
        f"'{n}'" for n, r in results.items() if all(getattr(r, k) == v for k, v in match.items())
    )


def compare_pair(
    first: LooResult, second: LooResult
) -> tuple[pd.DataFrame | None, tuple[str, ...]]:
    """Compare two fits of the same observations (any LOO kind, AUC cells included).

    Returns
    -------
    (pandas.DataFrame or None, tuple of str)
        The :func:`arviz_stats.compare` table (index: spec, best first) and notes; None with
        the reason when either LOO is missing or they are over different observations.
    """
    missing = [r for r in (first, second) if r.elpd is None]
    if missing:
        return None, tuple(f"'{r.spec}': {r.error or 'no LOO'}." for r in missing)
    if (first.n_obs, first.variable) != (second.n_obs, second.variable):
        return None, (
            f"'{first.spec}' and '{second.spec}' are not fitted to the same observations.",
        )
    import arviz_stats as azs

    with np.errstate(all="ignore"):
        table = azs.compare({first.spec: first.elpd, second.spec: second.elpd}, round_to="none")
    notes = (
        "elpd_diff is the difference to the better model with its standard error dse; a"
        " difference within about 2-4 dse is not a clear preference (Vehtari et al. 2017).",
    )
    return pd.DataFrame(table), notes
