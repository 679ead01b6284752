"""Treatment contrasts: pure functions of ``arm_mean`` draws, a reference arm and the outcome.

Every model's posterior exposes ``arm_mean`` (dims ``chain, draw, treatment, day``): the
expected reading (daily pain) of a typical subject on each arm on each day after infusion. A
contrast is ``arm_mean[active] - arm_mean[reference]``, for every active arm against the
reference and every pair of active arms (later minus earlier in the treatment order, e.g.
``ketamine_magnesium - ketamine``). Which sign is a benefit, the thresholds and the ROPE come
from the :class:`~bayes_keta.outcome.Outcome` (default: 0-10 pain NRS, lower is better).

Functions take ``arm_mean`` as an xarray object (the DataArray, a posterior Dataset holding it,
or a DataTree with a ``posterior`` group) plus explicit keywords: ``reference`` (default: the
first treatment, which the data contract puts first) and ``outcome``. A fit result passes its
own ``datatree`` and ``reference``.

Table format (:func:`contrast_table`): one long table, one row per contrast x estimand, with
flat columns ``p_beyond_<t>`` for each declared outcome threshold ``t`` (printed with ``:g``):
``P(benefit beyond t)`` on outcome rows and ``P(benefit beyond D x t)`` on AUC rows (the same
event for the mean daily difference); relative rows use ``p_beyond_<t>pct`` for each relative
threshold; cells that do not apply are NaN. :func:`beyond_by_row` reads them back as
``{threshold on the row's own scale: probability}`` (summary.json's ``p_beyond``, the CLI and
the report use it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.core import summarize_draws
from bayes_keta.estimands.registry import ESTIMANDS, Curves, estimand
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import SCALE_KINDS, Outcome

__all__ = [
    "beyond_by_row",
    "beyond_column",
    "by_day",
    "contrast_draws",
    "contrast_pairs",
    "contrast_table",
    "threshold_curve",
]

ArmMean = xr.DataArray | xr.Dataset | xr.DataTree


# ---------------------------------------------------------------------------------- inputs
def _arm_mean(source: Any) -> xr.DataArray:
    """``arm_mean`` (chain, draw, treatment, day) from a DataTree, posterior Dataset or array."""
    obj = source
    if isinstance(obj, xr.DataTree):
        if "posterior" not in obj.children:
            raise DataError("the DataTree has no 'posterior' group; was the model sampled?")
        obj = obj["posterior"].to_dataset()
    if isinstance(obj, xr.Dataset):
        if "arm_mean" not in obj.data_vars:
            raise DataError(
                "the posterior has no 'arm_mean' variable (dims treatment, day); every model"
                " must expose it"
            )
        obj = obj["arm_mean"]
    if not isinstance(obj, xr.DataArray):
        raise DataError(
            f"cannot find arm_mean draws in a {type(source).__name__}; give the arm_mean"
            " DataArray, a posterior Dataset or a DataTree (a fit passes fit.datatree)"
        )
    needed = {"chain", "draw", "treatment", "day"}
    if set(obj.dims) != needed:
        raise DataError(f"arm_mean must have dims {sorted(needed)}, got {list(obj.dims)}")
    return obj.transpose("chain", "draw", "treatment", "day")


def _reference(arm_mean: xr.DataArray, reference: str | None) -> str:
    treatments = [str(t) for t in arm_mean["treatment"].values]
    reference = treatments[0] if reference is None else reference
    if reference not in treatments:
        raise DataError(f"reference {reference!r} is not a treatment of arm_mean: {treatments}")
    return str(reference)


def _outcome(outcome: Outcome | None) -> Outcome:
    return Outcome.nrs_0_10() if outcome is None else outcome


def contrast_pairs(treatments: Sequence[str], reference: str) -> list[tuple[str, str]]:
    """Ordered (active, reference) pairs: actives vs reference, then each pair of actives.

    Examples
    --------
    >>> contrast_pairs(["placebo", "ketamine", "ketamine_magnesium"], "placebo")
    [('ketamine', 'placebo'), ('ketamine_magnesium', 'placebo'), ('ketamine_magnesium', 'ketamine')]
    """
    actives = [t for t in treatments if t != reference]
    pairs = [(a, reference) for a in actives]
    pairs += [(b, a) for i, a in enumerate(actives) for b in actives[i + 1 :]]
    return pairs


def _contrast_coords(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "contrast": [f"{a} - {r}" for a, r in pairs],
        "active": ("contrast", [a for a, _ in pairs]),
        "reference": ("contrast", [r for _, r in pairs]),
    }


# ---------------------------------------------------------------------------------- draws
def by_day(
    arm_mean: ArmMean, *, reference: str | None = None, outcome: Outcome | None = None
) -> xr.DataArray:
    """Daily difference curves ``arm_mean[active] - arm_mean[reference]``.

    Parameters
    ----------
    arm_mean : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (or a posterior / DataTree holding them).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        The outcome (units in the attrs; default: 0-10 pain NRS).

    Returns
    -------
    xarray.DataArray
        Named ``by_day``, dims ``(chain, draw, contrast, day)``; coords ``contrast`` (labels
        like ``"ketamine - placebo"``), ``active`` and ``reference`` along ``contrast``.

    Examples
    --------
    >>> am = xr.DataArray(np.zeros((1, 2, 2, 3)), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": [1, 2, 3]})
    >>> by_day(am).sizes["contrast"]
    1
    """
    am = _arm_mean(arm_mean)
    ref = _reference(am, reference)
    out_come = _outcome(outcome)
    pairs = contrast_pairs([str(t) for t in am["treatment"].values], ref)
    if not pairs:
        raise DataError("arm_mean has a single treatment: there is nothing to contrast")
    diffs = [am.sel(treatment=a, drop=True) - am.sel(treatment=r, drop=True) for a, r in pairs]
    out = xr.concat(diffs, dim="contrast", coords="minimal", compat="override", join="exact")
    out = out.assign_coords(_contrast_coords(pairs)).transpose("chain", "draw", "contrast", "day")
    out.name = "by_day"
    out.attrs = {
        "scale": out_come.scale_name,
        "units": out_come.units_for("outcome"),
        "long_name": f"daily {out_come.noun} difference",
    }
    return out


def contrast_draws(
    arm_mean: ArmMean, *, reference: str | None = None, outcome: Outcome | None = None
) -> xr.Dataset:
    """Draws of every available scalar estimand (:data:`ESTIMANDS`) for every contrast.

    Parameters
    ----------
    arm_mean : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (dims chain, draw, treatment, day; days 1..D).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        The outcome (scale names and units; default: 0-10 pain NRS).

    Returns
    -------
    xarray.Dataset
        One variable per estimand available for D days, in registry order, dims
        ``(chain, draw, contrast)``, each with attrs ``scale`` (as written: ``nrs``, ``auc``,
        ``percent``) and ``units``. Dataset attrs: ``n_days``, ``reference``,
        ``outcome_scale`` and ``constant_over_day`` (True when ``arm_mean`` has no by-day
        information, as in the AUC model).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> am = xr.DataArray(rng.normal(5, 0.1, (2, 100, 2, 35)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 36)})
    >>> ds = contrast_draws(am)
    >>> list(ds.data_vars)[:3], ds["auc_difference"].dims
    (['mean_daily_difference', 'auc_difference', 'week_1'], ('chain', 'draw', 'contrast'))
    """
    am = _arm_mean(arm_mean)
    ref = _reference(am, reference)
    out_come = _outcome(outcome)
    curve = by_day(am, reference=ref, outcome=out_come)
    days = [int(d) for d in am["day"].values]
    n_days = len(days)
    if days != list(range(1, n_days + 1)):
        raise DataError(f"arm_mean day coordinate must be 1..{n_days}, got {days[:3]}...")
    curves = Curves(arm_mean=am, by_day=curve, n_days=n_days)
    labels = {k: curve.coords[k] for k in ("contrast", "active", "reference")}
    data = {}
    for e in ESTIMANDS:
        if not e.available(n_days):
            continue
        value = e.compute(curves)
        value = value.drop_vars([c for c in value.coords if c not in value.dims])
        value = value.assign_coords(labels).transpose("chain", "draw", "contrast")
        value.attrs = {"scale": out_come.scale_label(e.scale), "units": out_come.units_for(e.scale)}
        data[e.name] = value
    ds = xr.Dataset(data)
    spread = float(np.abs(am - am.mean("day")).max())
    ds.attrs = {
        "n_days": n_days,
        "reference": ref,
        "outcome_scale": out_come.scale_name,
        "constant_over_day": bool(spread < 1e-9),
    }
    return ds


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
    out_come = _outcome(outcome)
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
    out_come = _outcome(outcome)
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
