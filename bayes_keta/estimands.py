"""Treatment contrasts and their posterior summaries: pure functions of ``arm_mean`` draws.

Every model's posterior exposes ``arm_mean`` (dims ``chain, draw, treatment, day``): the
expected daily pain (0-10 NRS) of a typical subject on each arm on each day after infusion.
A contrast is ``arm_mean[active] - arm_mean[reference]``, for every active arm against the
reference and every pair of active arms (later minus earlier in the treatment order, e.g.
``ketamine_magnesium - ketamine``: the added effect of magnesium). Negative = less pain = benefit.

Estimands (one value per draw and contrast):

===========================  =========  ================================================
name                         scale      definition
===========================  =========  ================================================
``mean_daily_difference``    nrs        mean over days 1..D of the daily difference
``auc_difference``           auc        D x ``mean_daily_difference`` (pain score-days)
``week_1``                   nrs        mean over days 1..7
``day_7`` ... ``day_28``     nrs        difference on that day (:data:`SECONDARY_DAYS`)
``relative_change_pct``      percent    100 x (mean active - mean ref) / mean ref
===========================  =========  ================================================

Estimands whose days lie beyond the follow-up are skipped. Benefit thresholds come from
:mod:`bayes_keta.constants` (Farrar et al., Pain 2001: ~1 point "minimally improved", ~2 points
or ~30% "much improved"; IMMPACT, Dworkin et al., J Pain 2008: >= 30% moderately important):
``NRS_THRESHOLDS`` on daily scales, ``auc_thresholds(D)`` on the AUC scale and
``RELATIVE_THRESHOLD_PCT`` on the relative scale; the region of practical equivalence is
``ROPE_NRS`` points (``D x ROPE_NRS`` on the AUC scale; none on the relative scale).

The core (:func:`summarize_draws`) depends on NumPy only; the rest are thin xarray/pandas
adapters accepting a DataTree, a posterior Dataset, an ``arm_mean`` DataArray or any object
with a ``.datatree`` (a fit result).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import (
    CI_PROB,
    NRS_THRESHOLDS,
    RELATIVE_THRESHOLD_PCT,
    ROPE_NRS,
    SECONDARY_DAYS,
    auc_thresholds,
)
from bayes_keta.exceptions import DataError

__all__ = [
    "CI_LABEL",
    "ContrastSummary",
    "ESTIMAND_SCALES",
    "by_day",
    "contrast_draws",
    "contrast_pairs",
    "contrast_table",
    "estimand_rope",
    "estimand_thresholds",
    "format_probability",
    "format_threshold",
    "summarize_contrasts",
    "summarize_draws",
    "threshold_curve",
]

#: Label of the credible interval in column and key names (``lo95``, ``hi95``, ``ci95``).
CI_LABEL: str = f"{CI_PROB * 100:g}"

#: Scale of every estimand the workbench knows, in reporting order.
ESTIMAND_SCALES: dict[str, str] = {
    "mean_daily_difference": "nrs",
    "auc_difference": "auc",
    "week_1": "nrs",
    **{f"day_{d}": "nrs" for d in SECONDARY_DAYS},
    "relative_change_pct": "percent",
}

_UNITS = {"nrs": "NRS points (0-10)", "auc": "pain score-days", "percent": "percent"}
_WEEK_1_DAYS = 7


# --------------------------------------------------------------------------------- thresholds
def estimand_thresholds(scale: str, n_days: int) -> tuple[float, ...]:
    """Benefit thresholds on an estimand's own scale.

    Parameters
    ----------
    scale : {"nrs", "auc", "percent"}
        Scale of the estimand.
    n_days : int
        Days the AUC integrates over.

    Returns
    -------
    tuple of float
        ``NRS_THRESHOLDS`` (nrs), ``auc_thresholds(n_days)`` (auc) or
        ``(RELATIVE_THRESHOLD_PCT,)`` (percent).

    Examples
    --------
    >>> estimand_thresholds("auc", 35)
    (17.5, 35.0, 70.0)
    """
    if scale == "nrs":
        return tuple(float(t) for t in NRS_THRESHOLDS)
    if scale == "auc":
        return auc_thresholds(n_days)
    if scale == "percent":
        return (float(RELATIVE_THRESHOLD_PCT),)
    raise ValueError(f"unknown scale {scale!r}; expected 'nrs', 'auc' or 'percent'")


def estimand_rope(scale: str, n_days: int) -> float | None:
    """Half-width of the region of practical equivalence on an estimand's scale (None: none).

    Examples
    --------
    >>> estimand_rope("nrs", 35), estimand_rope("auc", 35), estimand_rope("percent", 35)
    (0.5, 17.5, None)
    """
    if scale == "nrs":
        return float(ROPE_NRS)
    if scale == "auc":
        return float(ROPE_NRS * n_days)
    if scale == "percent":
        return None
    raise ValueError(f"unknown scale {scale!r}; expected 'nrs', 'auc' or 'percent'")


def format_threshold(threshold: float) -> str:
    """Key of a threshold in ``p_beyond`` mappings of summary.json: ``"0.5"``, ``"17.5"``.

    Examples
    --------
    >>> format_threshold(1), format_threshold(17.5), format_threshold(0.25)
    ('1.0', '17.5', '0.25')
    """
    return repr(float(threshold))


# ---------------------------------------------------------------------------- the numpy core
def summarize_draws(
    draws: np.ndarray | Sequence[float],
    *,
    thresholds: Iterable[float] = (),
    rope: float | None = None,
    ci_prob: float = CI_PROB,
) -> dict[str, Any]:
    """Posterior summary of the draws of one contrast (negative = benefit).

    Parameters
    ----------
    draws : array_like
        Draws of the difference (any shape; flattened).
    thresholds : iterable of float, optional
        Benefit thresholds ``t >= 0``; ``p_beyond[t] = P(diff < -t)``.
    rope : float, optional
        Half-width of the region of practical equivalence; ``p_rope = P(|diff| < rope)``.
    ci_prob : float
        Probability of the equal-tailed credible interval.

    Returns
    -------
    dict
        ``mean``, ``sd``, ``median``, ``lo``, ``hi``, ``p_benefit`` (``P(diff < 0)``),
        ``p_beyond`` (dict threshold -> probability) and ``p_rope`` (None without ``rope``).

    Examples
    --------
    >>> s = summarize_draws(np.array([-3.0, -1.5, -0.5, 0.5]), thresholds=[1.0], rope=1.0)
    >>> s["p_benefit"], s["p_beyond"], s["p_rope"]
    (0.75, {1.0: 0.5}, 0.5)
    """
    x = np.asarray(draws, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("no draws to summarise")
    tail = (1.0 - ci_prob) / 2.0
    lo, median, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
    return {
        "mean": float(np.mean(x)),
        "sd": float(np.std(x, ddof=1)) if x.size > 1 else 0.0,
        "median": float(median),
        "lo": float(lo),
        "hi": float(hi),
        "p_benefit": float(np.mean(x < 0)),
        "p_beyond": {float(t): float(np.mean(x < -float(t))) for t in thresholds},
        "p_rope": None if rope is None else float(np.mean(np.abs(x) < rope)),
    }


# ---------------------------------------------------------------------------- xarray adapters
def _arm_mean(source: Any) -> xr.DataArray:
    """Extract ``arm_mean`` (chain, draw, treatment, day) from a fit, DataTree, Dataset or array."""
    obj = getattr(source, "datatree", source)
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
            f"cannot find arm_mean draws in a {type(source).__name__}; give a fit result,"
            " a DataTree, a posterior Dataset or the arm_mean DataArray"
        )
    needed = {"chain", "draw", "treatment", "day"}
    if set(obj.dims) != needed:
        raise DataError(f"arm_mean must have dims {sorted(needed)}, got {list(obj.dims)}")
    return obj.transpose("chain", "draw", "treatment", "day")


def _reference(source: Any, arm_mean: xr.DataArray, reference: str | None) -> str:
    """Resolve the reference: argument > fit.trial.reference > DataTree attrs > first arm."""
    treatments = [str(t) for t in arm_mean["treatment"].values]
    if reference is None:
        trial = getattr(source, "trial", None)
        reference = getattr(trial, "reference", None)
    if reference is None:
        tree = getattr(source, "datatree", source)
        attrs = getattr(tree, "attrs", {}) or {}
        reference = attrs.get("reference")
    if reference is None:
        reference = treatments[0]
    if reference not in treatments:
        raise DataError(f"reference {reference!r} is not a treatment of arm_mean: {treatments}")
    return str(reference)


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


def _stack(arrays: list[xr.DataArray], pairs: list[tuple[str, str]]) -> xr.DataArray:
    out = xr.concat(arrays, dim="contrast", coords="minimal", compat="override", join="exact")
    return out.assign_coords(_contrast_coords(pairs))


def by_day(source: Any, *, reference: str | None = None) -> xr.DataArray:
    """Daily difference curves ``arm_mean[active] - arm_mean[reference]``.

    Parameters
    ----------
    source : fit result, DataTree, posterior Dataset or arm_mean DataArray
        Where to read ``arm_mean`` draws.
    reference : str, optional
        Reference arm (default: the fit's trial reference, else the first treatment).

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
    am = _arm_mean(source)
    ref = _reference(source, am, reference)
    pairs = contrast_pairs([str(t) for t in am["treatment"].values], ref)
    if not pairs:
        raise DataError("arm_mean has a single treatment: there is nothing to contrast")
    diffs = [am.sel(treatment=a, drop=True) - am.sel(treatment=r, drop=True) for a, r in pairs]
    out = _stack(diffs, pairs).transpose("chain", "draw", "contrast", "day")
    out.name = "by_day"
    out.attrs = {"scale": "nrs", "units": _UNITS["nrs"], "long_name": "daily pain difference"}
    return out


def contrast_draws(source: Any, *, reference: str | None = None) -> xr.Dataset:
    """Draws of every scalar estimand for every contrast.

    Parameters
    ----------
    source : fit result, DataTree, posterior Dataset or arm_mean DataArray
        Where to read ``arm_mean`` draws (dims chain, draw, treatment, day; days 1..D).
    reference : str, optional
        Reference arm (default: the fit's trial reference, else the first treatment).

    Returns
    -------
    xarray.Dataset
        One variable per estimand (see the module docstring; days beyond the follow-up are
        skipped), dims ``(chain, draw, contrast)``, each with attrs ``scale`` and ``units``.
        Dataset attrs: ``n_days``, ``reference``, ``constant_over_day`` (True when ``arm_mean``
        has no by-day information, as in the AUC model).

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
    am = _arm_mean(source)
    ref = _reference(source, am, reference)
    curve = by_day(am, reference=ref)
    days = [int(d) for d in am["day"].values]
    n_days = len(days)
    if days != list(range(1, n_days + 1)):
        raise DataError(f"arm_mean day coordinate must be 1..{n_days}, got {days[:3]}...")
    pairs = list(zip(curve["active"].values, curve["reference"].values, strict=True))
    arm_avg = am.mean("day")

    out: dict[str, xr.DataArray] = {}
    out["mean_daily_difference"] = curve.mean("day")
    out["auc_difference"] = n_days * out["mean_daily_difference"]
    if n_days >= _WEEK_1_DAYS:
        out["week_1"] = curve.sel(day=slice(1, _WEEK_1_DAYS)).mean("day")
    for d in SECONDARY_DAYS:
        if d <= n_days:
            out[f"day_{d}"] = curve.sel(day=d, drop=True)
    relative = [
        100.0
        * (arm_avg.sel(treatment=a, drop=True) - arm_avg.sel(treatment=r, drop=True))
        / arm_avg.sel(treatment=r, drop=True)
        for a, r in pairs
    ]
    out["relative_change_pct"] = _stack(relative, pairs)

    ds = xr.Dataset({name: da.transpose("chain", "draw", "contrast") for name, da in out.items()})
    for name in ds.data_vars:
        scale = ESTIMAND_SCALES[name]
        ds[name].attrs = {"scale": scale, "units": _UNITS[scale]}
    spread = float(np.abs(am - am.mean("day")).max())
    ds.attrs = {
        "n_days": n_days,
        "reference": ref,
        "constant_over_day": bool(spread < 1e-9),
    }
    return ds


def contrast_table(
    source: Any,
    *,
    reference: str | None = None,
    estimands: Sequence[str] | None = None,
    ci_prob: float = CI_PROB,
) -> pd.DataFrame:
    """Tidy posterior summary: one row per contrast x estimand.

    Parameters
    ----------
    source : fit result, DataTree, posterior Dataset, arm_mean DataArray or the Dataset
        returned by :func:`contrast_draws`
        Where to read draws.
    reference : str, optional
        Reference arm (default: the fit's trial reference, else the first treatment).
    estimands : sequence of str, optional
        Subset of estimands (default: all available).
    ci_prob : float
        Probability of the equal-tailed credible interval (default ``CI_PROB``).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``contrast``, ``estimand``, ``scale`` (``nrs``,
        ``auc``, ``percent``), ``mean``, ``sd``, ``median``, ``lo95``, ``hi95`` (named after
        ``CI_PROB``), ``p_benefit`` (P(diff < 0)), ``p_beyond`` (dict: threshold on the
        estimand's own scale -> P(diff < -threshold)), ``p_rope`` (P(|diff| < ROPE); NaN on the
        relative scale). For a long table of P(diff < -t) over a grid use
        :func:`threshold_curve`.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> am = xr.DataArray(rng.normal(5, 0.1, (2, 100, 2, 35)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 36)})
    >>> contrast_table(am).loc[0, ["contrast", "estimand", "scale"]].tolist()
    ['drug - placebo', 'mean_daily_difference', 'nrs']
    """
    ds = _draws_dataset(source, reference)
    n_days = int(ds.attrs["n_days"])
    names = _select_estimands(ds, estimands)
    label = f"{ci_prob * 100:g}"
    rows = []
    for contrast in ds["contrast"].values:
        sub = ds.sel(contrast=contrast)
        for name in names:
            scale = ESTIMAND_SCALES[name]
            s = summarize_draws(
                sub[name].values,
                thresholds=estimand_thresholds(scale, n_days),
                rope=estimand_rope(scale, n_days),
                ci_prob=ci_prob,
            )
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
                    "p_beyond": s["p_beyond"],
                    "p_rope": np.nan if s["p_rope"] is None else s["p_rope"],
                }
            )
    table = pd.DataFrame(rows)
    table.attrs = {"n_days": n_days, "ci_prob": ci_prob}
    return table


def threshold_curve(
    source: Any,
    *,
    thresholds: Sequence[float] | np.ndarray | None = None,
    estimands: Sequence[str] | str = ("mean_daily_difference",),
    reference: str | None = None,
) -> pd.DataFrame:
    """Long table of P(diff < -t) over a grid of thresholds t (for "probability of benefit" curves).

    Parameters
    ----------
    source : fit result, DataTree, posterior Dataset, arm_mean DataArray or contrast draws
        Where to read draws.
    thresholds : array_like, optional
        Thresholds on each estimand's own scale. Default: ``np.linspace(0, 3, 61)`` NRS
        points (times ``n_days`` on the AUC scale; ``0..100`` % in steps of 1 on the relative
        scale).
    estimands : str or sequence of str
        Estimands to tabulate (default ``mean_daily_difference``).
    reference : str, optional
        Reference arm.

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
    ds = _draws_dataset(source, reference)
    n_days = int(ds.attrs["n_days"])
    names = _select_estimands(ds, [estimands] if isinstance(estimands, str) else estimands)
    rows = []
    for name in names:
        scale = ESTIMAND_SCALES[name]
        if thresholds is not None:
            grid = np.asarray(thresholds, dtype=float)
        elif scale == "percent":
            grid = np.linspace(0.0, 100.0, 101)
        else:
            grid = np.linspace(0.0, 3.0, 61) * (n_days if scale == "auc" else 1)
        for contrast in ds["contrast"].values:
            sub = ds[name].sel(contrast=contrast)
            x = sub.values.ravel()
            p = (x[None, :] < -grid[:, None]).mean(axis=1)
            rows.append(
                pd.DataFrame(
                    {
                        "active": str(sub["active"].values),
                        "reference": str(sub["reference"].values),
                        "contrast": str(contrast),
                        "estimand": name,
                        "scale": scale,
                        "threshold": grid,
                        "p_beyond": p,
                    }
                )
            )
    return pd.concat(rows, ignore_index=True)


def _draws_dataset(source: Any, reference: str | None) -> xr.Dataset:
    if isinstance(source, xr.Dataset) and "contrast" in source.dims and "n_days" in source.attrs:
        return source
    return contrast_draws(source, reference=reference)


def _select_estimands(ds: xr.Dataset, estimands: Sequence[str] | None) -> list[str]:
    available = [n for n in ESTIMAND_SCALES if n in ds.data_vars]
    if estimands is None:
        return available
    unknown = [e for e in estimands if e not in available]
    if unknown:
        raise ValueError(f"unknown or unavailable estimand(s) {unknown}; available: {available}")
    return list(estimands)


# ------------------------------------------------------------------------ plain-language text
@dataclass(frozen=True)
class ContrastSummary:
    """Posterior contrasts as a tidy table plus plain-language sentences.

    Attributes
    ----------
    table : pandas.DataFrame
        :func:`contrast_table` output.
    text : str
        Sentences generated from the numbers in ``table``.
    n_days : int
        Follow-up days (horizon of the AUC and mean-daily estimands).
    synthetic : bool
        Whether the data were simulated (the text then says so).
    constant_over_day : bool
        True when the model has no by-day information (week-1 and single-day estimands then
        repeat the mean daily difference).
    """

    table: pd.DataFrame
    text: str
    n_days: int
    synthetic: bool
    constant_over_day: bool = False

    def __str__(self) -> str:
        return self.text


def format_probability(p: float) -> str:
    """Probability as a percentage, never printing a false 0% or 100%."""
    if p != p:  # NaN
        return "n/a"
    if p < 0.01:
        return "<1%"
    if p > 0.99:
        return ">99%"
    return f"{100 * p:.0f}%"


def _num(x: float, scale: str) -> str:
    return f"{x:.1f}" if scale in {"auc", "percent"} else f"{x:.2f}"


def _synthetic_flag(source: Any, synthetic: bool | None) -> bool:
    if synthetic is not None:
        return bool(synthetic)
    trial = getattr(source, "trial", None)
    if trial is not None and hasattr(trial, "synthetic"):
        return bool(trial.synthetic)
    tree = getattr(source, "datatree", source)
    attrs = getattr(tree, "attrs", {}) or {}
    for key in ("synthetic", "data_synthetic"):
        if key in attrs:
            return str(attrs[key]).strip().lower() in {"true", "1", "yes"}
    return False


def summarize_contrasts(
    source: Any,
    *,
    reference: str | None = None,
    synthetic: bool | None = None,
) -> ContrastSummary:
    """Contrast table plus plain-language sentences.

    Parameters
    ----------
    source : fit result, DataTree, posterior Dataset or arm_mean DataArray
        Where to read draws.
    reference : str, optional
        Reference arm.
    synthetic : bool, optional
        Whether the data were simulated (default: ``source.trial.synthetic``, else DataTree
        attrs ``synthetic``/``data_synthetic``, else False).

    Returns
    -------
    ContrastSummary

    Examples
    --------
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> "SYNTHETIC DATA" in summarize_contrasts(am, synthetic=True).text
    True
    """
    ds = contrast_draws(source, reference=reference)
    table = contrast_table(ds)
    n_days = int(ds.attrs["n_days"])
    is_synthetic = _synthetic_flag(source, synthetic)
    lo, hi = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
    lines = []
    header = f"Posterior treatment contrasts over days 1-{n_days} (negative = less pain)"
    if is_synthetic:
        header += " -- SYNTHETIC DATA (simulated, not patients)"
    lines += [header, ""]
    for _, rows in table.groupby("contrast", sort=False):
        by = rows.set_index("estimand")
        active, ref = by["active"].iloc[0], by["reference"].iloc[0]
        m = by.loc["mean_daily_difference"]
        lines.append(f"{active} vs {ref}:")
        lines.append(
            f"  Mean daily pain difference: {_num(m['mean'], 'nrs')} points on the 0-10 scale"
            f" ({CI_LABEL}% credible interval {_num(m[lo], 'nrs')} to {_num(m[hi], 'nrs')})."
        )
        a = by.loc["auc_difference"]
        lines.append(
            f"  AUC difference: {_num(a['mean'], 'auc')} pain score-days"
            f" ({CI_LABEL}% credible interval {_num(a[lo], 'auc')} to {_num(a[hi], 'auc')})."
        )
        lines.append(
            f"  Probability that {active} reduces mean daily pain vs {ref} (by any amount):"
            f" {format_probability(m['p_benefit'])}."
        )
        for t, p in m["p_beyond"].items():
            unit = "point" if t == 1 else "points"
            lines.append(
                f"  Probability that {active} reduces mean daily pain by more than {t:g} {unit}"
                f" vs {ref}: {format_probability(p)}."
            )
        if m["p_rope"] == m["p_rope"]:
            lines.append(
                f"  Probability that the mean daily difference lies within +/-{ROPE_NRS:g}"
                f" points (practically equivalent): {format_probability(m['p_rope'])}."
            )
        if "relative_change_pct" in by.index:
            r = by.loc["relative_change_pct"]
            for t, p in r["p_beyond"].items():
                lines.append(
                    f"  Probability of a relative reduction of more than {t:g}% in mean daily"
                    f" pain vs {ref}: {format_probability(p)}."
                )
        lines.append("")
    if ds.attrs["constant_over_day"]:
        lines.append(
            "This model's treatment effect is constant over the days after infusion (arm_mean"
            " does not vary by day), so week-1 and single-day estimands repeat the mean daily"
            " difference; fit daily_decay to let the effect vary with time since infusion."
        )
    lines.append(
        "Probabilities are posterior probabilities given the model, the priors and the data;"
        " they are not p-values. Thresholds: Farrar et al. 2001 (about 1 point minimally, about"
        " 2 points or 30% much improved); IMMPACT (Dworkin et al. 2008)."
    )
    if is_synthetic:
        lines.append(
            "SYNTHETIC DATA: these numbers come from simulated subjects and say nothing about"
            " the treatments' real effects."
        )
    return ContrastSummary(
        table=table,
        text="\n".join(lines),
        n_days=n_days,
        synthetic=is_synthetic,
        constant_over_day=bool(ds.attrs["constant_over_day"]),
    )
