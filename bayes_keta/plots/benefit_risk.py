"""Benefit and harm figures: the benefit-risk plane and P(joint) over margins.

Both take a :class:`bayes_keta.harms.BenefitRiskResult` (its paired draws and tables; nothing
is computed here) and an optional matplotlib ``ax``, and return the Axes. Labels come from the
result's outcome; each active arm keeps the colour it has in every other figure (the reference
grey, the actives Okabe-Ito in treatment order: :func:`~bayes_keta.plots.style.treatment_colours`).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_keta.estimands import format_probability
from bayes_keta.plots.style import RC, new_axes, treatment_colours

__all__ = ["benefit_risk_plane", "joint_probability_curves"]

#: Most points drawn per arm on the plane (an even thinning of the paired draws).
MAX_POINTS = 2000


def _colours(result: Any) -> dict[str, str]:
    actives = list(dict.fromkeys(str(a) for a in result.risk_difference["active"].values))
    reference = str(result.risk_difference["reference"].values[0])
    return treatment_colours([reference, *actives], reference)


def _amount(value: float, units: str) -> str:
    """``1 point``, ``0.5 points``: a number with its units, singular for 1."""
    return f"{value:g} {units[:-1] if value == 1 and units.endswith('s') else units}"


def _benefit_label(result: Any) -> str:
    outcome = result.outcome
    return f"Benefit: improvement in {outcome.quantity} ({outcome.units})"


def benefit_risk_plane(result: Any, *, ax: Any = None, max_points: int = MAX_POINTS) -> Any:
    """Joint posterior draws of benefit (x) and excess adverse-event risk (y), per active arm.

    The threshold (vertical) and the margin (horizontal) split the plane into four quadrants;
    the probability of each quadrant, per arm, is written in it (bottom right: benefit beyond
    the threshold with excess risk below the margin, ``p_joint``).

    Parameters
    ----------
    result : BenefitRiskResult
        Paired draws (``benefit``, ``risk_difference``), ``plane``, ``threshold``, ``margin``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    max_points : int
        Most draws shown per arm (evenly thinned; the probabilities use every draw).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib

    with matplotlib.rc_context(RC):
        ax = new_axes(ax, height=6.5)
        colours = _colours(result)
        rd = result.risk_difference
        n = rd.sizes["sample"]
        keep = np.unique(np.linspace(0, n - 1, min(n, max_points)).astype(int))
        for label in rd["contrast"].values:
            active = str(rd.sel(contrast=label)["active"].values)
            x = result.benefit.sel(contrast=label).values[keep]
            y = 100 * rd.sel(contrast=label).values[keep]
            ax.scatter(x, y, s=6, alpha=0.25, color=colours[active], linewidths=0, label=active)
        t, m = result.threshold, 100 * result.margin
        ax.axvline(t, color="black", lw=1.2, ls="--")
        ax.axhline(m, color="black", lw=1.2, ls=":")
        ax.axvline(0, color="0.6", lw=0.8)
        ax.axhline(0, color="0.6", lw=0.8)
        corners = {
            "benefit_acceptable": (0.98, 0.04, "right", "bottom"),
            "benefit_harm": (0.98, 0.96, "right", "top"),
            "no_benefit_acceptable": (0.02, 0.04, "left", "bottom"),
            "no_benefit_harm": (0.02, 0.96, "left", "top"),
        }
        for key, (cx, cy, ha, va) in corners.items():
            lines = [
                f"{row['active']}: {format_probability(row[key])}"
                for row in result.plane.to_dict("records")
            ]
            ax.text(
                cx,
                cy,
                "\n".join(lines),
                transform=ax.transAxes,
                ha=ha,
                va=va,
                fontsize=11,
                bbox={"boxstyle": "round", "fc": "white", "ec": "0.8"},
            )
        units = result.outcome.units
        ax.set_xlabel(f"{_benefit_label(result)}; dashed: threshold {_amount(t, units)}")
        ax.set_ylabel(f"Excess adverse-event risk vs {result.plane['reference'].iloc[0]} (pp)")
        ax.set_title(f"Benefit and harm: joint posterior; dotted: margin {m:g} percentage points")
        ax.legend(loc="center right", markerscale=3, title="active arm")
    return ax


def joint_probability_curves(result: Any, *, ax: Any = None) -> Any:
    """P(benefit beyond a threshold AND excess risk below a margin) against the margin.

    One colour per active arm, one line style per benefit threshold (0: any benefit); the
    margin drawn on the plane is marked.

    Parameters
    ----------
    result : BenefitRiskResult
        Its ``curve`` table (fine grid of margins), ``thresholds`` and ``margin``.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib

    styles = ("-", "--", "-.", ":")
    with matplotlib.rc_context(RC):
        ax = new_axes(ax, height=5.0)
        colours = _colours(result)
        units = result.outcome.units
        for (active, threshold), rows in result.curve.groupby(["active", "threshold"], sort=False):
            k = list(result.thresholds).index(threshold) % len(styles)
            ax.plot(
                100 * rows["ae_margin"],
                rows["p_joint"],
                color=colours[str(active)],
                ls=styles[k],
                lw=2,
                label=f"{active}, benefit > {_amount(threshold, units)}",
            )
        ax.axvline(100 * result.margin, color="0.5", lw=1, ls=":")
        ax.set_ylim(-0.02, 1.02)
        ax.set_xlabel("Margin: largest acceptable excess adverse-event risk (percentage points)")
        ax.set_ylabel("P(benefit > t AND excess risk < margin)")
        ax.set_title("Joint probability of benefit and acceptable harm, over margins")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=10, frameon=False)
    return ax
