"""The adverse-event fit in an export: its draws, and a meta_summary row per risk difference.

An efficacy fit saved with its adverse-event fit (``DIR/adverse_events``,
:mod:`bayes_keta.harms.io`) exports three more things:

* ``adverse_events.nc``: the adverse-event fit's whole DataTree;
* ``adverse_event_draws.csv``: tidy draws in the columns of ``draws.csv``
  (:data:`~bayes_keta.export.draws.DRAWS_COLUMNS`), estimands ``ae_risk_difference`` (scale
  ``risk_difference``: probability of at least one adverse event in a period, active minus
  reference; positive = more harm) and ``ae_risk_ratio`` (scale ``risk_ratio``), ``model``
  ``adverse_events``;
* one ``meta_summary.csv`` row per active arm for ``ae_risk_difference`` (its ``model`` column
  says ``adverse_events``), so that ``bayes-keta meta --estimand ae_risk_difference`` pools
  the harms of several trials. Its ``lik_estimate``/``lik_se`` are not the posterior with the
  prior divided out (the model's prior is on log odds ratios, not a normal on the risk
  difference to divide) but the trial's own paired risk difference of the observed flags with
  its Wald standard error (:mod:`bayes_keta.export.paired_risk`); ``approx`` says so with the
  counts, and ``lik_reason`` says why when they are empty.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.harms import risk_contrast_draws
from bayes_keta.exceptions import OutputError
from bayes_keta.export.draws import DRAWS_COLUMNS, with_data_columns
from bayes_keta.export.meta_summary import HI, LO, META_COLUMNS, moment_t_df
from bayes_keta.export.paired_risk import paired_from_flags
from bayes_keta.fitting.result import FitResult

__all__ = [
    "AE_DRAWS_FILE",
    "AE_ESTIMANDS",
    "AE_POSTERIOR_FILE",
    "adverse_event_draws",
    "adverse_event_meta_rows",
    "check_same_data",
]

#: Export files of the adverse-event fit.
AE_POSTERIOR_FILE = "adverse_events.nc"
AE_DRAWS_FILE = "adverse_event_draws.csv"
#: Estimand -> scale of the adverse-event rows (with the draws variable they come from).
AE_ESTIMANDS: dict[str, str] = {
    "ae_risk_difference": "risk_difference",
    "ae_risk_ratio": "risk_ratio",
}
_SOURCE = {"ae_risk_difference": "risk_difference", "ae_risk_ratio": "risk_ratio"}
_APPROX = "posterior: normal moments (mean, sd) of the draws"
_NO_FLAGS = (
    "the adverse-event flags the fit was made from are not at hand (no constant_data group and"
    " no trial), so the paired risk difference cannot be computed"
)


def check_same_data(efficacy: FitResult, harm: FitResult) -> None:
    """Refuse an adverse-event fit of other data than the efficacy fit (OutputError)."""
    if efficacy.record.data.sha256 != harm.record.data.sha256:
        raise OutputError(
            "the adverse-event fit was made from other data than the fit exported"
            f" ({harm.record.data.name!r} vs {efficacy.record.data.name!r})"
        )


def adverse_event_draws(harm: FitResult) -> pd.DataFrame:
    """Tidy draws of the risk differences and ratios vs the reference (``draws.csv`` columns).

    Returns
    -------
    pandas.DataFrame
        Rows sorted by contrast, estimand, chain, draw; :data:`DRAWS_COLUMNS`.
    """
    ds = risk_contrast_draws(harm.datatree, reference=harm.reference)
    chains = ds["chain"].to_numpy().astype(np.int64)
    draws = ds["draw"].to_numpy().astype(np.int64)
    chain_col, draw_col = np.repeat(chains, draws.size), np.tile(draws, chains.size)
    parts = []
    for i, contrast in enumerate(ds["contrast"].to_numpy()):
        for estimand, scale in AE_ESTIMANDS.items():
            values = ds[_SOURCE[estimand]].transpose("chain", "draw", "contrast").to_numpy()
            parts.append(
                pd.DataFrame(
                    {
                        "chain": chain_col,
                        "draw": draw_col,
                        "contrast": str(contrast),
                        "active": str(ds["active"].to_numpy()[i]),
                        "reference": str(ds["reference"].to_numpy()[i]),
                        "estimand": estimand,
                        "scale": scale,
                        "value": values[:, :, i].reshape(-1).astype(np.float64),
                    }
                )
            )
    table = pd.concat(parts, ignore_index=True)
    return with_data_columns(table, harm).loc[:, list(DRAWS_COLUMNS)]


def _lik_columns(flags: pd.DataFrame | None, active: str, reference: str) -> dict[str, object]:
    """``lik_estimate``, ``lik_se``, ``approx`` and ``lik_reason`` of one risk difference."""
    if flags is None:
        return {
            "lik_estimate": np.nan,
            "lik_se": np.nan,
            "approx": _APPROX,
            "lik_reason": _NO_FLAGS,
        }
    rd = paired_from_flags(flags, active, reference)
    approx = f"{_APPROX}; {rd.approx}"
    if rd.reason is not None:
        why = rd.reason + (f" ({rd.counts})" if rd.n_pairs else "")
        return {"lik_estimate": np.nan, "lik_se": np.nan, "approx": approx, "lik_reason": why}
    return {"lik_estimate": rd.estimate, "lik_se": rd.se, "approx": approx, "lik_reason": np.nan}


def adverse_event_meta_rows(
    draws: pd.DataFrame, *, flags: pd.DataFrame | None = None, ci_prob: float = CI_PROB
) -> pd.DataFrame:
    """``meta_summary.csv`` rows of the risk differences (from :func:`adverse_event_draws`).

    Parameters
    ----------
    draws : pandas.DataFrame
        :func:`adverse_event_draws` of the adverse-event fit.
    flags : pandas.DataFrame, optional
        The per-patient-period flags the fit was made from
        (:func:`bayes_keta.export.paired_risk.ae_flags`): ``lik_estimate``/``lik_se`` are
        their paired risk difference and its Wald SE. Without them these columns are empty
        and ``lik_reason`` says so.
    ci_prob : float
        Probability of the credible interval (default ``CI_PROB``).

    Returns
    -------
    pandas.DataFrame
        :data:`META_COLUMNS`, one row per active arm, estimand ``ae_risk_difference``.
    """
    tail = (1.0 - ci_prob) / 2.0
    rows = []
    chosen = draws[draws["estimand"] == "ae_risk_difference"]
    for (active, reference), sub in chosen.groupby(["active", "reference"], sort=False):
        x = sub["value"].to_numpy(dtype=float)
        lo, med, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
        first = sub.iloc[0]
        lik = _lik_columns(flags, str(active), str(reference))
        rows.append(
            {
                "active": active,
                "reference": reference,
                "estimand": "ae_risk_difference",
                "scale": AE_ESTIMANDS["ae_risk_difference"],
                "estimate": float(np.mean(x)),
                "se": float(np.std(x, ddof=1)),
                LO: float(lo),
                HI: float(hi),
                "lik_estimate": lik["lik_estimate"],
                "lik_se": lik["lik_se"],
                "approx": lik["approx"],
                "lik_reason": lik["lik_reason"],
                "contrast": str(first["contrast"]),
                "median": float(med),
                "t_df": moment_t_df(x),
                "n_draws": int(x.size),
                "prior_estimate": np.nan,
                "prior_se": np.nan,
                "standardizer": np.nan,
                "standardizer_estimate": np.nan,
                **{c: first[c] for c in ("data_name", "data_sha256", "synthetic", "model")},
            }
        )
    table = pd.DataFrame(rows).loc[:, list(META_COLUMNS)]
    return table.astype({"lik_reason": "str", "standardizer": "str"})  # text even when all empty
