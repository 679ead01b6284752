"""Figures over the readings of a period: the treatment effect by day, observed mean curves.

Each takes results (a by-day summary table, by-day draws or a fit; an observed-means table or
a trial) and an optional Axes, draws, and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.estimands import CI_LABEL, by_day_summary
from bayes_keta.outcome import Outcome
from bayes_keta.plots.style import (
    BENEFIT_FILL,
    CI_HI,
    CI_LO,
    MUTED,
    colour_of,
    new_axes,
    outcome_of,
    styled,
    treatment_colours,
    treatments_of,
)

__all__ = ["by_day_effects", "observed_curves", "observed_means"]


def _band_table(source: Any) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source
    if isinstance(source, xr.DataArray):
        return by_day_summary(source)
    if hasattr(source, "by_day"):
        return by_day_summary(source.by_day())
    raise TypeError(
        f"give a by-day summary table, by-day draws or a fit, not a {type(source).__name__}"
    )


@styled
def by_day_effects(
    source: Any,
    *,
    outcome: Outcome | None = None,
    against_reference: bool = True,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Draw the treatment effect on each reading of a period: mean and band per contrast.

    Parameters
    ----------
    source : pandas.DataFrame, xarray.DataArray or FitResult
        A :func:`bayes_keta.estimands.by_day_summary` table, :func:`bayes_keta.by_day`
        draws, or a fit.
    outcome : Outcome, optional
        Labels, direction of benefit and thresholds (default: the fit's, else 0-10 NRS).
    against_reference : bool
        Draw only the contrasts against the reference arm (default), not active vs active.
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> band = pd.DataFrame({"contrast": "d - p", "active": "d", "reference": "p",
    ...     "day": [1, 2], "mean": [-1.0, -0.5], "lo95": [-2.0, -1.5], "hi95": [0.0, 0.5]})
    >>> by_day_effects(band).get_xlabel()
    'day within the period'
    """
    out_come = outcome_of(source, outcome)
    band = _band_table(source)
    treatments = treatments_of(band)
    if against_reference:
        reference = str(band["reference"].iloc[0])
        band = band[band["reference"] == reference]
    ax = new_axes(ax, height=4.8)
    sign = out_come.benefit_sign
    marks = [sign * t for t in out_come.thresholds]
    low = min(float(band[CI_LO].min()), *marks, 0.0)
    high = max(float(band[CI_HI].max()), *marks, 0.0)
    pad = 0.06 * (high - low or 1.0)
    low, high = low - pad, high + pad
    if sign < 0:
        ax.axhspan(low, 0.0, color=BENEFIT_FILL, zorder=0, lw=0)
    else:
        ax.axhspan(0.0, high, color=BENEFIT_FILL, zorder=0, lw=0)
    for contrast, sub in band.groupby("contrast", sort=False):
        colour = colour_of(str(contrast), treatments)
        label = f"{sub['active'].iloc[0]} vs {sub['reference'].iloc[0]}"
        ax.fill_between(sub["day"], sub[CI_LO], sub[CI_HI], color=colour, alpha=0.2, lw=0)
        ax.plot(sub["day"], sub["mean"], color=colour, lw=2.4, label=label)
    for t in marks:
        ax.axhline(t, color=MUTED, ls=":", lw=1.1)
    ax.axhline(0.0, color="black", lw=1.0)
    ax.set_ylim(low, high)
    ax.set_xlabel(f"{out_come.reading} within the period")
    ax.set_ylabel(f"difference in {out_come.noun} ({out_come.units})")
    ax.set_title(
        title
        or f"Treatment effect by {out_come.reading}: mean and {CI_LABEL}% band (shaded: benefit;"
        " dotted: thresholds)"
    )
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="best")
    return ax


def observed_means(trial: Any) -> pd.DataFrame:
    """Observed mean reading per arm and day with its standard error (the figure's table).

    Columns ``treatment``, ``day``, ``mean``, ``se``, ``n``; arms in the trial's order.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> observed_means(bk.ketapain_synthetic()).columns.tolist()
    ['treatment', 'day', 'mean', 'se', 'n']
    """
    column = trial.outcome.column if trial.outcome.column in trial.data else "pain"
    stats = (
        trial.data.groupby(["treatment", "day"], observed=True)[column]
        .agg(["mean", "std", "count"])
        .reset_index()
    )
    stats["se"] = stats["std"] / np.sqrt(stats["count"].clip(lower=1))
    stats = stats.rename(columns={"count": "n"})[["treatment", "day", "mean", "se", "n"]]
    arms = [str(t) for t in trial.treatments]
    stats["treatment"] = pd.Categorical(stats["treatment"].astype(str), categories=arms)
    stats = stats.sort_values(["treatment", "day"]).reset_index(drop=True)
    stats["treatment"] = stats["treatment"].astype(str)
    return stats


@styled
def observed_curves(
    source: Any,
    *,
    outcome: Outcome | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Observed mean reading by day per arm, with +/- 1 standard error bands (no model).

    Parameters
    ----------
    source : Trial or pandas.DataFrame
        A trial, or its :func:`observed_means` table.
    outcome : Outcome, optional
        Labels (default: the trial's, else 0-10 NRS).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import bayes_keta as bk
    >>> observed_curves(bk.ketapain_synthetic()).get_ylabel()
    'mean pain (points)'
    """
    out_come = outcome_of(source, outcome)
    stats = source if isinstance(source, pd.DataFrame) else observed_means(source)
    arms = list(dict.fromkeys(stats["treatment"]))
    colours = treatment_colours(arms)
    ax = new_axes(ax, height=4.4)
    for arm in arms:
        s = stats[stats["treatment"] == arm]
        ax.plot(s["day"], s["mean"], color=colours[arm], lw=2.2, label=arm)
        ax.fill_between(
            s["day"], s["mean"] - s["se"], s["mean"] + s["se"], color=colours[arm], alpha=0.18
        )
    ax.set_xlabel(f"{out_come.reading} within the period")
    ax.set_ylabel(f"mean {out_come.noun} ({out_come.units})")
    ax.set_title(
        title or f"Observed mean {out_come.noun} by {out_come.reading} and arm (band: +/- 1 SE)"
    )
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="best")
    return ax
