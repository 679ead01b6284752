"""The prior-sweep figure: each prior setting's posterior mean and interval, per contrast."""

from __future__ import annotations

from typing import Any

import pandas as pd

from bayes_keta.estimands import CI_LABEL
from bayes_keta.outcome import Outcome
from bayes_keta.plots.style import (
    BENEFIT_FILL,
    CI_HI,
    CI_LO,
    MUTED,
    colour_of,
    difference_label,
    new_axes,
    outcome_of,
    styled,
    treatments_of,
)

__all__ = ["prior_sweep"]


@styled
def prior_sweep(
    source: Any,
    *,
    estimand: str = "mean_daily_difference",
    outcome: Outcome | None = None,
    against_reference: bool = True,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Posterior mean and credible interval of each contrast under every prior setting.

    One row per prior setting (in the sweep's order), one marker per contrast in its active
    arm's colour; a cross marks a setting whose fit failed the diagnostics gate. The region of
    benefit is shaded and the declared thresholds are dotted: a conclusion that holds on
    every row does not hinge on the prior.

    Parameters
    ----------
    source : SweepResult or pandas.DataFrame
        A sweep (:func:`bayes_keta.prior_sweep`) or its table (``sweep.csv``).
    estimand : str
        Estimand drawn (default ``mean_daily_difference``).
    outcome : Outcome, optional
        Labels, direction of benefit and thresholds (default 0-10 NRS).
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
    >>> rows = pd.DataFrame({"setting": ["default", "skeptical"], "contrast": "d - p",
    ...     "active": "d", "reference": "p", "estimand": "mean_daily_difference",
    ...     "scale": "nrs", "mean": [-0.5, -0.2], "lo95": [-1.0, -0.6], "hi95": [0.0, 0.2],
    ...     "passed": True})
    >>> prior_sweep(rows).get_ylabel()
    'prior setting'
    """
    out_come = outcome_of(source, outcome)
    table: pd.DataFrame = source.table if hasattr(source, "table") else source
    rows = table[table["estimand"] == estimand]
    if rows.empty:
        raise ValueError(f"the sweep has no rows for estimand {estimand!r}")
    treatments = treatments_of(rows)
    if against_reference:
        rows = rows[rows["reference"] == treatments[0]]
    settings = list(dict.fromkeys(rows["setting"]))
    contrasts = list(dict.fromkeys(rows["contrast"]))
    ax = new_axes(ax, height=1.6 + 0.42 * len(settings) + 0.1 * len(contrasts))
    sign = out_come.benefit_sign
    scale = str(rows["scale"].iloc[0])
    marks = [sign * t for t in out_come.thresholds] if scale == out_come.scale_name else []
    low = min(float(rows[CI_LO].min()), *marks, 0.0)
    high = max(float(rows[CI_HI].max()), *marks, 0.0)
    pad = 0.06 * (high - low or 1.0)
    low, high = low - pad, high + pad
    if sign < 0:
        ax.axvspan(low, 0.0, color=BENEFIT_FILL, zorder=0, lw=0)
    else:
        ax.axvspan(0.0, high, color=BENEFIT_FILL, zorder=0, lw=0)
    step = 0.7 / max(len(contrasts), 1)
    for k, contrast in enumerate(contrasts):
        sub = rows[rows["contrast"] == contrast].set_index("setting")
        colour = colour_of(contrast, treatments)
        first = True
        for i, setting in enumerate(settings):
            if setting not in sub.index:
                continue
            r = sub.loc[setting]
            y = len(settings) - 1 - i + 0.35 - step * (k + 0.5)
            ax.plot([r[CI_LO], r[CI_HI]], [y, y], color=colour, lw=2.2)
            passed = bool(r["passed"]) if "passed" in r else True
            ax.plot(
                r["mean"],
                y,
                "o" if passed else "X",
                color=colour,
                mec="black",
                mew=0.6,
                ms=6.5 if passed else 9,
                label=f"{r['active']} vs {r['reference']}" if first else None,
            )
            first = False
    for t in marks:
        ax.axvline(t, color=MUTED, ls=":", lw=1.1)
    ax.axvline(0.0, color="black", lw=1.0)
    ax.set_xlim(low, high)
    ax.set_yticks([len(settings) - 1 - i for i in range(len(settings))], settings)
    ax.set_ylim(-0.7, len(settings) - 0.3)
    ax.set_ylabel("prior setting")
    ax.set_xlabel(f"{difference_label(out_come, scale)}: mean and {CI_LABEL}% interval")
    ax.set_title(
        title
        or "Prior sensitivity: the contrasts under every prior setting (X: diagnostics failed)"
    )
    ax.grid(alpha=0.3, axis="x")
    ax.legend(frameon=False, loc="upper center", bbox_to_anchor=(0.5, -0.12), ncols=len(contrasts))
    return ax
