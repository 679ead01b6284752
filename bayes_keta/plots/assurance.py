"""The assurance-vs-n plot: one line per contrast, the Monte Carlo interval as a band.

Takes an :class:`~bayes_keta.planning.output.AssuranceResult` (or its table) and an optional
matplotlib Axes, draws on it and returns it (the report, the CLI and notebooks call the same
function).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bayes_keta.estimands import CI_LABEL
from bayes_keta.plots.style import new_axes, styled, treatment_colours, treatments_of

__all__ = ["assurance_curve", "plot_assurance"]


@styled
def assurance_curve(
    source: Any, *, rule: str | None = None, title: str | None = None, ax: Any = None
) -> Any:
    """Plot assurance against the next trial's size ``n``, per contrast.

    Parameters
    ----------
    source : AssuranceResult or pandas.DataFrame
        A result (or its ``table``).
    rule : {"beyond", "benefit"}, optional
        Which success rule (default ``"beyond"``, the one asked for).
    title : str, optional
        Figure title (default: the rule).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> table = pd.DataFrame({"n": [12, 24], "active": "A", "reference": "P",
    ...     "assurance": [0.3, 0.6], "lo95": [0.2, 0.5], "hi95": [0.4, 0.7], "rule": "beyond",
    ...     "threshold": 1.0, "prob": 0.9})
    >>> assurance_curve(table).get_xlabel()
    'subjects in the next trial (n)'
    """
    table: pd.DataFrame = source.table if hasattr(source, "table") else source
    rule = rule or "beyond"
    rows = table[table["rule"] == rule]
    if rows.empty:
        raise ValueError(f"no rows for rule {rule!r}; rules: {sorted(set(table['rule']))}")
    colours = treatment_colours(treatments_of(rows))
    ax = new_axes(ax, height=4.6)
    for (active, reference), group in rows.groupby(["active", "reference"], sort=False):
        group = group.sort_values("n")
        colour = colours.get(str(active))
        ax.plot(
            group["n"],
            group["assurance"],
            marker="o",
            lw=2.2,
            color=colour,
            label=f"{active} vs {reference}",
        )
        ax.fill_between(
            group["n"],
            group[f"lo{CI_LABEL}"],
            group[f"hi{CI_LABEL}"],
            color=colour,
            alpha=0.2,
            linewidth=0,
        )
    first = rows.iloc[0]
    threshold, prob = float(first["threshold"]), float(first["prob"])
    outcome = getattr(source, "outcome", None)
    units = f" {outcome.units}" if outcome is not None else ""
    what = "P(benefit)" if threshold == 0 else f"P(benefit > {threshold:g}{units})"
    default = f"Assurance: {what} > {prob:g}"
    if getattr(source, "synthetic", False):
        default += " (SYNTHETIC DATA)"
    ax.set_title(title or default)
    ax.set_xticks(sorted(set(rows["n"])))
    ax.set_xlabel("subjects in the next trial (n)")
    ax.set_ylabel(f"assurance ({CI_LABEL}% Monte Carlo band)")
    ax.set_ylim(-0.02, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="best", frameon=False)
    return ax


#: The name ``bk.plot_assurance`` had before the figures moved to :mod:`bayes_keta.plots`.
plot_assurance = assurance_curve
