"""Summaries of contrast draws: the long table and threshold curves.

Table format (:func:`contrast_table`): one long table, one row per contrast x estimand, with
flat columns ``p_beyond_<t>`` for each declared outcome threshold ``t`` (printed with ``:g``):
``P(benefit beyond t)`` on outcome rows and ``P(benefit beyond D x t)`` on AUC rows (the same
event for the mean daily difference); relative rows use ``p_beyond_<t>pct`` for each relative
threshold; cells that do not apply are NaN. :func:`beyond_by_row` reads them back as
``{threshold on the row's own scale: probability}`` (summary.json's ``p_beyond``, the CLI and
the report use it). Inputs as in :mod:`bayes_keta.estimands.contrasts`, or the Dataset
:func:`~bayes_keta.estimands.contrasts.contrast_draws` returns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.contrasts import ArmMean, contrast_draws, outcome_or_default
from bayes_keta.estimands.core import summarize_draws
from bayes_keta.estimands.registry import ESTIMANDS, estimand
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import SCALE_KINDS, Outcome

__all__ = ["beyond_by_row", "beyond_column", "contrast_table", "threshold_curve"]


def _draws_dataset(source: Any, reference: str | None, outcome: Outcome) -> xr.Dataset:
    if isinstance(source, xr.Dataset) and "contrast" in source.dims and "n_days" in source.attrs:
        written = source.attrs.get("outcome_scale", outcome.scale_name)
        if written != outcome.scale_name:
            raise DataError(
                f"these contrast draws are on the {written!r} scale, not {outcome.scale_name!r}"
            )
        return source
    return contrast_draws(source, reference=reference, outcome=outcome)


def _select(ds: xr.Dataset, estimands: Sequence[str] | None) -> list[str]:
    available = [e.name for e in ESTIMANDS if e.name in ds.data_vars]
    if estimands is None:
        return available
    unknown = [e for e in estimands if e not in available]
    if unknown:
        raise ValueError(f"unknown or unavailable estimand(s) {unknown}; available: {available}")
    return list(estimands)


# ---------------------------------------------------------------------------------- tables
def beyond_column(threshold: float, *, percent: bool = False) -> str:
    """Column of P(benefit beyond a declared threshold): ``p_beyond_1``, ``p_beyond_30pct``.

    Examples
    --------
    >>> beyond_column(1.0), beyond_column(0.5), beyond_column(30.0, percent=True)
    ('p_beyond_1', 'p_beyond_0.5', 'p_beyond_30pct')
    """
    return f"p_beyond_{float(threshold):g}{'pct' if percent else ''}"


def _beyond_columns(outcome: Outcome, n_days: int) -> dict[str, dict[str, float]]:
    """For each written scale: ``{column: threshold on that scale}``."""
    out = {}
    for kind in SCALE_KINDS:
        declared = outcome.relative_thresholds_pct if kind == "percent" else outcome.thresholds
        own = outcome.thresholds_for(kind, n_days)
        out[outcome.scale_label(kind)] = {
            beyond_column(t, percent=kind == "percent"): o
            for t, o in zip(declared, own, strict=True)
        }
    return out


def contrast_table(
    source: ArmMean,
    *,
    reference: str | None = None,
    outcome: Outcome | None = None,
    estimands: Sequence[str] | None = None,
    ci_prob: float = CI_PROB,
) -> pd.DataFrame:
    """Tidy posterior summary: one row per contrast x estimand.

    Parameters
    ----------
    source : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (or a posterior / DataTree holding them), or the Dataset returned by
        :func:`contrast_draws`.
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        Direction of benefit, thresholds and ROPE (default: 0-10 pain NRS).
    estimands : sequence of str, optional
        Subset of estimands (default: all available).
    ci_prob : float
        Probability of the equal-tailed credible interval (default ``CI_PROB``).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``contrast``, ``estimand``, ``scale`` (``nrs``,
        ``auc``, ``percent``), ``mean``, ``sd``, ``median``, ``lo95``, ``hi95`` (named after
        ``ci_prob``), ``p_benefit``, ``p_beyond_<t>`` per outcome threshold,
        ``p_beyond_<t>pct`` per relative threshold (see the module docstring), ``p_rope``
        (P(|diff| < ROPE); NaN without a ROPE). ``attrs``: ``n_days``, ``ci_prob``,
        ``outcome_scale``, ``thresholds`` (scale -> {column: threshold on that scale}) and
        ``rope`` (scale -> half-width or None).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> am = xr.DataArray(rng.normal(5, 0.1, (2, 100, 2, 35)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 36)})
    >>> table = contrast_table(am)
    >>> table.loc[0, ["contrast", "estimand", "scale"]].tolist()
    ['drug - placebo', 'mean_daily_difference', 'nrs']
    >>> [c for c in table.columns if c.startswith("p_beyond")]
    ['p_beyond_0.5', 'p_beyond_1', 'p_beyond_2', 'p_beyond_30pct']
    """
    out_come = outcome_or_default(outcome)
    ds = _draws_dataset(source, reference, out_come)
    n_days = int(ds.attrs["n_days"])
    names = _select(ds, estimands)
    label = f"{ci_prob * 100:g}"
    columns = _beyond_columns(out_come, n_days)
    all_beyond = [c for scale in columns.values() for c in scale]
    rows = []
    for contrast in ds["contrast"].values:
        sub = ds.sel(contrast=contrast)
        for name in names:
            kind = estimand(name).scale
            scale = out_come.scale_label(kind)
            s = summarize_draws(
                sub[name].values,
                thresholds=out_come.thresholds_for(kind, n_days),
                rope=out_come.rope_for(kind, n_days),
                ci_prob=ci_prob,
                benefit_sign=out_come.benefit_sign,
            )
            beyond = dict.fromkeys(all_beyond, np.nan)
            beyond.update({col: s["p_beyond"][t] for col, t in columns[scale].items()})
            rows.append(
                {
                    "active": str(sub["active"].values),
                    "reference": str(sub["reference"].values),
                    "contrast": str(contrast),
                    "estimand": name,
                    "scale": scale,
                    "mean": s["mean"],
                    "sd": s["sd"],
                    "median": s["median"],
                    f"lo{label}": s["lo"],
                    f"hi{label}": s["hi"],
                    "p_benefit": s["p_benefit"],
                    **beyond,
                    "p_rope": np.nan if s["p_rope"] is None else s["p_rope"],
                }
            )
    table = pd.DataFrame(rows)
    table.attrs = {
        "n_days": n_days,
        "ci_prob": ci_prob,
        "outcome_scale": out_come.scale_name,
        "thresholds": columns,
        "rope": {s: out_come.rope_for(s, n_days) for s in columns},
    }
    return table


def beyond_by_row(table: pd.DataFrame) -> list[dict[float, float]]:
    """``{threshold on the row's own scale: P(benefit beyond it)}`` for every row of a table.

    The one reader of the flat ``p_beyond_<t>`` columns of :func:`contrast_table` (it needs
    the table's ``attrs["thresholds"]``): summary.json's ``p_beyond``, the CLI and the report
    are built from it.

    Examples
    --------
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> am[:, :, 1] -= np.array([0.25, 0.75, 1.5, 2.5])[None, :, None]
    >>> table = contrast_table(am, estimands=["mean_daily_difference", "auc_difference"])
    >>> beyond_by_row(table)[1]
    {3.5: 0.75, 7.0: 0.5, 14.0: 0.25}
    """
    thresholds: Mapping[str, Mapping[str, float]] | None = table.attrs.get("thresholds")
    if thresholds is None:
        raise ValueError("the table has no attrs['thresholds']: give a contrast_table() output")
    out = []
    for scale, row in zip(table["scale"], table.to_dict("records"), strict=True):
        out.append({float(t): float(row[col]) for col, t in thresholds[str(scale)].items()})
    return out


def threshold_curve(
    source: ArmMean,
    *,
    thresholds: Sequence[float] | np.ndarray | None = None,
    estimands: Sequence[str] | str = ("mean_daily_difference",),
    reference: str | None = None,
    outcome: Outcome | None = None,
) -> pd.DataFrame:
    """Long table of P(benefit beyond t) over a grid of thresholds t ("probability of benefit").

    Parameters
    ----------
    source : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws or contrast draws.
    thresholds : array_like, optional
        Thresholds on each estimand's own scale. Default: 61 points from 0 to 1.5 x the
        outcome's largest threshold (0 to 3 NRS points; times ``n_days`` on the AUC scale;
        ``0..100`` % in steps of 1 on the relative scale).
    estimands : str or sequence of str
        Estimands to tabulate (default ``mean_daily_difference``).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        Direction of benefit and default grid (default: 0-10 pain NRS).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``contrast``, ``estimand``, ``scale``,
        ``threshold``, ``p_beyond``.

    Examples
    --------
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> am[:, :, 1] -= np.array([0.5, 1.5, 2.5, 3.5])[None, :, None]
    >>> threshold_curve(am, thresholds=[0, 1, 2])["p_beyond"].tolist()
    [1.0, 0.75, 0.5]
    """
    out_come = outcome_or_default(outcome)
    ds = _draws_dataset(source, reference, out_come)
    n_days = int(ds.attrs["n_days"])
    names = _select(ds, [estimands] if isinstance(estimands, str) else estimands)
    top = 1.5 * max(out_come.thresholds, default=1.0)
    rows = []
    for name in names:
        kind = estimand(name).scale
        if thresholds is not None:
            grid = np.asarray(thresholds, dtype=float)
        elif kind == "percent":
            grid = np.linspace(0.0, 100.0, 101)
        else:
            grid = np.linspace(0.0, top, 61) * (n_days if kind == "auc" else 1)
        for contrast in ds["contrast"].values:
            sub = ds[name].sel(contrast=contrast)
            x = sub.values.ravel()
            benefit = -x if out_come.benefit_sign < 0 else x
            p = (benefit[None, :] > grid[:, None]).mean(axis=1)
            rows.append(
                pd.DataFrame(
                    {
                        "active": str(sub["active"].values),
                        "reference": str(sub["reference"].values),
                        "contrast": str(contrast),
                        "estimand": name,
                        "scale": out_come.scale_label(kind),
                        "threshold": grid,
                        "p_beyond": p,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)
