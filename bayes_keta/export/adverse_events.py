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
  says ``adverse_events``; the likelihood-only columns are empty: the prior of a risk
  difference is not a normal to divide out), so that ``bayes-keta meta --estimand
  ae_risk_difference`` pools the harms of several trials.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.harms import risk_contrast_draws
from bayes_keta.exceptions import OutputError
from bayes_keta.export.draws import DRAWS_COLUMNS, with_data_columns
from bayes_keta.export.meta_summary import HI, LO, META_COLUMNS, moment_t_df
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
_LIK_REASON = (
    "adverse-event model: the prior of a risk difference is not a normal treatment_effect prior"
    " (the model's effects are log odds ratios), so there is no likelihood-only approximation"
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


def adverse_event_meta_rows(draws: pd.DataFrame, *, ci_prob: float = CI_PROB) -> pd.DataFrame:
    """``meta_summary.csv`` rows of the risk differences (from :func:`adverse_event_draws`).

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
                "lik_estimate": np.nan,
                "lik_se": np.nan,
                "approx": _APPROX,
                "lik_reason": _LIK_REASON,
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
    return pd.DataFrame(rows).loc[:, list(META_COLUMNS)]
