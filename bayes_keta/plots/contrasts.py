"""Figures of the treatment contrasts: the headline, threshold curves, the forest across models.

Each function takes results (a fit, contrast draws, a contrast or threshold-curve table) and an
optional matplotlib Axes, draws, and returns the Axes. Probabilities written on a figure are
read from the contrast table (:func:`bayes_keta.contrast_table`), the same numbers the report's
tables show; only the densities are drawn from the draws.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.estimands import CI_LABEL, beyond_by_row, contrast_table, format_probability
from bayes_keta.outcome import Outcome
from bayes_keta.plots.style import (
    BENEFIT_FILL,
    CI_HI,
    CI_LO,
    MUTED,
    REFERENCE_COLOUR,
    ROPE_FILL,
    colour_of,
    difference_label,
    favours,
    new_axes,
    outcome_of,
    styled,
    treatments_of,
    units_of,
)

__all__ = ["headline_contrasts", "model_forest", "threshold_curves"]


def _draws_and_table(
    source: Any, table: pd.DataFrame | None, outcome: Outcome, estimand: str
) -> tuple[xr.Dataset, pd.DataFrame]:
    """Contrast draws and the table rows of ``estimand`` from a fit or a draws Dataset."""
    if hasattr(source, "contrast_draws"):
        draws = source.contrast_draws()
    elif isinstance(source, xr.Dataset):
        draws = source
    else:
        raise TypeError(
            f"give a fit or contrast draws (bk.contrast_draws), not a {type(source).__name__}"
        )
    if estimand not in draws.data_vars:
        raise ValueError(f"no estimand {estimand!r} in the draws: {list(draws.data_vars)}")
    if table is None:
        table = contrast_table(draws, outcome=outcome, estimands=[estimand])
    rows = table[table["estimand"] == estimand]
    if rows.empty:
        raise ValueError(f"the table has no {estimand!r} rows")
    return draws, rows


def _probability_label(
    row: dict[str, Any], beyond: dict[float, float], units: str, rope: float | None
) -> str:
    lines = [f"P(benefit) {format_probability(row['p_benefit'])}"]
    if beyond:
        ts = " / ".join(f"{t:g}" for t in beyond)
        ps = " / ".join(format_probability(p) for p in beyond.values())
        lines.append(f"beyond {ts} {units}: {ps}")
    p_rope = row.get("p_rope")
    if rope and p_rope is not None and p_rope == p_rope:
        lines.append(f"P(within ROPE \u00b1{rope:g}) {format_probability(p_rope)}")
    return "\n".join(lines)


def _density(x: np.ndarray, grid: np.ndarray) -> np.ndarray:
    from scipy.stats import gaussian_kde

    if np.ptp(x) <= 0:
        return np.where(np.isclose(grid, x[0]), 1.0, 0.0)
    return gaussian_kde(x)(grid)


def _xlimits(values: list[np.ndarray], marks: list[float]) -> tuple[float, float]:
    lo = min(float(np.quantile(v, 0.001)) for v in values)
    hi = max(float(np.quantile(v, 0.999)) for v in values)
    lo, hi = min(lo, *marks, 0.0), max(hi, *marks, 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    return lo - pad, hi + pad


@styled
def headline_contrasts(
    source: Any,
    *,
    table: pd.DataFrame | None = None,
    outcome: Outcome | None = None,
    estimand: str = "mean_daily_difference",
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Each contrast's posterior on the outcome scale, with thresholds, ROPE and probabilities.

    One row per contrast (active - reference): the posterior density in the active arm's
    colour, its mean and credible interval, the region of benefit shaded, the declared
    benefit thresholds dashed, the ROPE grey, "favours ..." at both ends, and P(benefit),
    P(benefit beyond each threshold) and P(ROPE) written beside it.

    Parameters
    ----------
    source : FitResult or xarray.Dataset
        A fit, or its contrast draws (:func:`bayes_keta.contrast_draws`).
    table : pandas.DataFrame, optional
        The contrast table whose probabilities are written (default: computed from the draws).
    outcome : Outcome, optional
        Labels, direction of benefit, thresholds and ROPE (default: the fit's, else 0-10 NRS).
    estimand : str
        An estimand on the outcome's own scale (default ``mean_daily_difference``).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new full-width figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import xarray as xr
    >>> am = xr.DataArray(np.random.default_rng(0).normal(5, 0.2, (2, 200, 2, 7)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> from bayes_keta.estimands import contrast_draws
    >>> headline_contrasts(contrast_draws(am)).get_xlabel()
    'difference in mean daily pain (points), active - reference'
    """
    out_come = outcome_of(source, outcome)
    draws, rows = _draws_and_table(source, table, out_come, estimand)
    scale = str(rows["scale"].iloc[0])
    units = units_of(out_come, scale)
    beyond = beyond_by_row(rows) if "thresholds" in rows.attrs else [{} for _ in range(len(rows))]
    records = rows.to_dict("records")
    treatments = treatments_of(rows)
    n = len(records)
    ax = new_axes(ax, height=1.3 + 1.15 * n)
    values = [np.asarray(draws[estimand].sel(contrast=r["contrast"])).ravel() for r in records]
    sign = out_come.benefit_sign
    thresholds = [sign * t for t in beyond[0]] if beyond and beyond[0] else []
    rope = rows.attrs.get("rope", {}).get(scale) if rows.attrs else None
    lo, hi = _xlimits(values, thresholds + ([-rope, rope] if rope else []))
    ax.set_xlim(lo, hi)
    if sign < 0:
        ax.axvspan(lo, 0.0, color=BENEFIT_FILL, zorder=0, lw=0)
    else:
        ax.axvspan(0.0, hi, color=BENEFIT_FILL, zorder=0, lw=0)
    if rope:
        ax.axvspan(-rope, rope, color=ROPE_FILL, alpha=0.6, zorder=0.5, lw=0)
    for t in thresholds:
        ax.axvline(t, color=MUTED, ls="--", lw=1.1, zorder=1)
        ax.text(
            t,
            0.995,
            f"{t:g}",
            ha="center",
            va="top",
            color=MUTED,
            fontsize=11,
            transform=ax.get_xaxis_transform(),
            bbox={"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.85},
        )
    ax.axvline(0.0, color="black", lw=1.0, zorder=1)
    grid = np.linspace(lo, hi, 400)
    labels, right = [], []
    for i, (rec, x, bey) in enumerate(zip(records, values, beyond, strict=True)):
        base = n - 1 - i
        colour = colour_of(rec["contrast"], treatments)
        dens = _density(x, grid)
        dens = 0.62 * dens / (dens.max() or 1.0)
        ax.fill_between(grid, base + 0.12, base + 0.12 + dens, color=colour, alpha=0.35, lw=0)
        ax.plot(grid, base + 0.12 + dens, color=colour, lw=1.8)
        ax.plot(
            [rec[CI_LO], rec[CI_HI]], [base + 0.05] * 2, color=colour, lw=4, solid_capstyle="butt"
        )
        ax.plot(rec["mean"], base + 0.05, "o", color="white", mec=colour, mew=2, ms=8, zorder=3)
        good, bad = favours(out_come, str(rec["active"]), str(rec["reference"]))
        ax.text(lo, base + 0.82, f"\u2190 {good}", ha="left", va="center", fontsize=11, color=MUTED)
        ax.text(hi, base + 0.82, f"{bad} \u2192", ha="right", va="center", fontsize=11, color=MUTED)
        labels.append(f"{rec['active']}\nvs {rec['reference']}")
        right.append(_probability_label(rec, bey, units, rope))
    ticks = [n - 1 - i + 0.35 for i in range(n)]
    ax.set_yticks(ticks, labels)
    ax.set_ylim(-0.15, n + 0.3)
    twin = ax.twinx()
    twin.set_ylim(ax.get_ylim())
    twin.set_yticks(ticks, right, fontsize=11.5)
    twin.tick_params(length=0)
    for side in ("top", "left"):
        twin.spines[side].set_visible(False)
    ax.tick_params(axis="y", length=0)
    ax.set_ylabel("contrast")
    ax.set_xlabel(difference_label(out_come, scale) + ", active - reference")
    what = difference_label(out_come, scale).split(" (")[0]
    ax.set_title(title or f"Treatment contrasts: posterior of the {what}")
    _headline_legend(
        ax,
        colour=colour_of(records[0]["contrast"], treatments),
        rope=rope,
        thresholds=bool(thresholds),
    )
    return ax


def _headline_legend(ax: Any, *, colour: str, rope: float | None, thresholds: bool) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(color=BENEFIT_FILL, label="benefit"),
        Line2D([], [], color=colour, lw=4, label=f"{CI_LABEL}% credible interval"),
        Line2D([], [], color=colour, marker="o", mfc="white", mew=2, lw=0, label="mean"),
    ]
    if thresholds:
        handles.append(Line2D([], [], color=MUTED, ls="--", label="declared thresholds"))
    if rope:
        handles.append(Patch(color=ROPE_FILL, label=f"ROPE \u00b1{rope:g}"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.16),
        ncols=len(handles),
        frameon=False,
        fontsize=11.5,
    )


def _curve_rows(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if hasattr(source, "threshold_curve"):
        return source.threshold_curve()
    raise TypeError(f"give a threshold-curve table or a fit, not a {type(source).__name__}")


@styled
def threshold_curves(
    source: Any,
    *,
    outcome: Outcome | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """P(benefit beyond t) against the threshold t, one line per contrast.

    A contrast is drawn in its active arm's colour, dashed when it is between two active arms.

    Parameters
    ----------
    source : pandas.DataFrame or FitResult
        A :func:`bayes_keta.threshold_curve` table (its first estimand is drawn) or a fit.
    outcome : Outcome, optional
        Units and the declared thresholds (dotted); default the fit's, else 0-10 NRS.
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> curve = pd.DataFrame({"active": "drug", "reference": "placebo",
    ...     "contrast": "drug - placebo", "estimand": "mean_daily_difference", "scale": "nrs",
    ...     "threshold": [0.0, 1.0, 2.0], "p_beyond": [0.9, 0.5, 0.1]})
    >>> threshold_curves(curve).get_ylabel()
    'P(benefit larger than t)'
    """
    out_come = outcome_of(source, outcome)
    curve = _curve_rows(source)
    curve = curve[curve["estimand"] == curve["estimand"].iloc[0]]
    scale = str(curve["scale"].iloc[0])
    units = units_of(out_come, scale)
    treatments = treatments_of(curve)
    ax = new_axes(ax, height=4.6)
    for contrast, sub in curve.groupby("contrast", sort=False):
        active, reference = sub["active"].iloc[0], sub["reference"].iloc[0]
        ax.plot(
            sub["threshold"],
            sub["p_beyond"],
            color=colour_of(str(contrast), treatments),
            ls="-" if reference == treatments[0] else "--",
            lw=2.4,
            label=f"{active} vs {reference}",
        )
    kind = out_come.kind(scale) if scale in (out_come.scale_name, "auc", "percent") else "outcome"
    top = float(curve["threshold"].max())
    n_days = curve.attrs.get("n_days", 1)
    for t in out_come.thresholds_for(kind, int(n_days)) if kind != "percent" else ():
        if t <= top:
            ax.axvline(t, color=MUTED, ls=":", lw=1.2)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlim(0, top)
    ax.set_xlabel(f"benefit threshold t ({units})")
    ax.set_ylabel("P(benefit larger than t)")
    ax.set_title(title or "Probability of a benefit larger than t (dotted: declared thresholds)")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="upper right")
    return ax


@styled
def model_forest(
    table: pd.DataFrame,
    *,
    outcome: Outcome | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Mean and credible interval of each contrast in every fitted model (a forest plot).

    Parameters
    ----------
    table : pandas.DataFrame
        One row per model x contrast: ``model``, ``contrast``, ``active``, ``reference``,
        ``mean``, ``lo95``, ``hi95`` (and ``scale``); e.g. the ``mean_daily_difference`` rows
        of each fit's contrast table with a ``model`` column.
    outcome : Outcome, optional
        Labels, direction and thresholds (default 0-10 NRS).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> rows = pd.DataFrame({"model": ["a", "b"], "contrast": "d - p", "active": "d",
    ...     "reference": "p", "mean": [-0.5, -0.4], "lo95": [-1.0, -0.9],
    ...     "hi95": [0.0, 0.1], "scale": "nrs"})
    >>> model_forest(rows).get_title()
    'Each contrast in every fitted model (structural sensitivity)'
    """
    out_come = outcome if outcome is not None else Outcome.nrs_0_10()
    contrasts = list(dict.fromkeys(table["contrast"]))
    models = list(dict.fromkeys(table["model"]))
    treatments = treatments_of(table)
    scale = str(table["scale"].iloc[0]) if "scale" in table else "outcome"
    height = 1.4 + 0.34 * len(table) + 0.6 * len(contrasts)
    ax = new_axes(ax, height=height)
    markers = "osD^vP*X"
    y, ticks, labels = 0.0, [], []
    lows, highs = [float(table[CI_LO].min())], [float(table[CI_HI].max())]
    sign = out_come.benefit_sign
    marks = [sign * t for t in out_come.thresholds]
    lo, hi = min(*lows, *marks, 0.0), max(*highs, *marks, 0.0)
    pad = 0.08 * (hi - lo or 1.0)
    lo, hi = lo - pad, hi + pad
    headers = []
    for c in contrasts:
        sub = table[table["contrast"] == c]
        active, reference = str(sub["active"].iloc[0]), str(sub["reference"].iloc[0])
        good, bad = favours(out_come, active, reference)
        ticks.append(y)  # a header row: the contrast, and which side favours which arm
        labels.append(f"{active} vs {reference}")
        headers.append(len(labels) - 1)
        ax.text(lo, y, f"\u2190 {good}", ha="left", va="center", fontsize=11, color=MUTED)
        ax.text(hi, y, f"{bad} \u2192", ha="right", va="center", fontsize=11, color=MUTED)
        y -= 0.9
        colour = colour_of(c, treatments)
        for rec in sub.to_dict("records"):
            m = markers[models.index(rec["model"]) % len(markers)]
            ax.plot([rec[CI_LO], rec[CI_HI]], [y, y], color=colour, lw=2.6)
            ax.plot(rec["mean"], y, m, color=colour, mec="black", mew=0.6, ms=7)
            ticks.append(y)
            labels.append(str(rec["model"]))
            y -= 1.0
        y -= 0.5
    ax.set_xlim(lo, hi)
    for t in marks:
        ax.axvline(t, color=MUTED, ls=":", lw=1.1)
    ax.axvline(0.0, color="black", lw=1.0)
    ax.set_yticks(ticks, labels)
    for k in headers:
        ax.get_yticklabels()[k].set_fontweight("bold")
    ax.set_ylim(y + 0.4, 0.7)
    ax.tick_params(axis="y", length=0)
    ax.set_ylabel("contrast and model")
    ax.set_xlabel(f"{difference_label(out_come, scale)}: mean and {CI_LABEL}% credible interval")
    ax.set_title(title or "Each contrast in every fitted model (structural sensitivity)")
    ax.grid(alpha=0.3, axis="x")
    ax.spines["left"].set_color(REFERENCE_COLOUR)
    return ax
