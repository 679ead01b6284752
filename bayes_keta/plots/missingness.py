"""Completion of the readings over a period: percent observed by day, per arm (raw data).

Takes a table of expected and observed readings by day (per arm, or overall) and an optional
Axes, draws, and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bayes_keta.outcome import Outcome
from bayes_keta.plots.style import new_axes, outcome_of, styled, treatment_colours

__all__ = ["completion_by_day"]

_ALL = "all arms"


@styled
def completion_by_day(
    table: pd.DataFrame,
    *,
    outcome: Outcome | None = None,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Draw the percent of expected readings observed on each day of a period, per arm.

    A line falling (or rising) over the days is a trend in completion: the readings are then
    not missing completely at random, and estimates that weight the observed readings
    equally lean towards the well-completed days (:mod:`bayes_keta.data.missingness`).

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``day``, ``expected``, ``observed`` and, for one line per arm, ``treatment``
        (:func:`bayes_keta.data.missingness.missingness_by_arm`; without ``treatment``, as
        :func:`~bayes_keta.data.missingness.missingness_by_day`, one line for all arms).
    outcome : Outcome, optional
        Labels (what one reading covers; default: the 0-10 NRS, daily).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> t = pd.DataFrame({"day": [1, 2, 3], "expected": 20, "observed": [20, 18, 15]})
    >>> ax = completion_by_day(t)
    >>> ax.get_lines()[0].get_ydata().tolist(), ax.get_ylabel()
    ([100.0, 90.0, 75.0], 'readings observed (% of expected)')
    """
    out_come = outcome_of(table, outcome)
    frame = table if "treatment" in table else table.assign(treatment=_ALL)
    arms = [str(a) for a in dict.fromkeys(frame["treatment"])]
    colours = treatment_colours(arms) if arms != [_ALL] else {_ALL: "black"}
    ax = new_axes(ax, height=3.6)
    for arm in arms:
        rows = frame[frame["treatment"].astype(str) == arm].sort_values("day")
        expected = rows["expected"].to_numpy(dtype=float)
        pct = 100.0 * rows["observed"].to_numpy(dtype=float) / expected.clip(min=1.0)
        ax.plot(rows["day"], pct, color=colours[arm], lw=2.0, marker=".", label=arm)
    ax.set_ylim(0.0, 102.0)
    ax.set_xlabel(f"{out_come.reading} within the period")
    ax.set_ylabel("readings observed (% of expected)")
    ax.set_title(
        title
        or f"Readings observed by {out_come.reading} and arm (raw data; a trend over the"
        f" {out_come.reading}s: missingness depends on the {out_come.reading})"
    )
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower left")
    return ax
