"""Figures of individual response: each patient's own effect, responder shares, tau.

Each function takes a :class:`~bayes_keta.estimands.HeterogeneityResult` (``bk.heterogeneity``)
and an optional matplotlib Axes, draws on it and returns it; nothing is computed here. Labels,
units and thresholds come from the result's outcome; each active arm keeps the colour it has in
every other figure (:func:`~bayes_keta.plots.style.treatment_colours`). In ``bk.plots`` as
``individual_effects``, ``responder_curve`` and ``tau_prior_posterior``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_keta.estimands import CI_LABEL
from bayes_keta.plots.style import CI_HI, CI_LO, new_axes, styled, treatment_colours

__all__ = [
    "individual_effects",
    "plot_individual_effects",
    "plot_responder_curve",
    "plot_tau_prior_posterior",
    "responder_curve",
    "tau_prior_posterior",
]


def _colour(result: Any, arm: str) -> str:
    actives = [str(a) for a in result.tau["treatment"]]
    return treatment_colours([result.reference, *actives], result.reference)[arm]


@styled
def plot_individual_effects(result: Any, *, ax: Any = None) -> Any:
    """Caterpillar of each patient's own effect (mean and 95% interval), thresholds marked.

    One row per patient and active arm, sorted within each arm; the shaded band is a new
    patient's 95% predictive interval, the dotted lines the declared benefit thresholds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from bayes_keta.estimands.heterogeneity import heterogeneity
    >>> ax = plot_individual_effects(heterogeneity(fit))  # doctest: +SKIP
    """
    outcome, table = result.outcome, result.individual
    arms = [str(a) for a in result.tau["treatment"]]
    ax = new_axes(ax, height=max(4.0, 0.22 * len(table) + 1.6))
    y, ticks, labels = 0.0, [], []
    for arm in arms:
        rows = table[table["treatment"] == arm].sort_values("mean", ascending=False)
        new = result.predictive.set_index("treatment").loc[arm]
        ys = y + np.arange(len(rows))
        colour = _colour(result, arm)
        ax.axhspan(ys[0] - 0.5, ys[-1] + 0.5, xmin=0, xmax=1, color=colour, alpha=0.04, lw=0)
        ax.fill_betweenx(
            [ys[0] - 0.5, ys[-1] + 0.5], new[CI_LO], new[CI_HI], color=colour, alpha=0.12, lw=0
        )
        ax.hlines(ys, rows[CI_LO], rows[CI_HI], color=colour, lw=1.4)
        ax.plot(rows["mean"], ys, "o", color=colour, ms=3.5, label=f"{arm} - {result.reference}")
        ticks += list(ys)
        labels += [str(s) for s in rows["subject"]]
        y = ys[-1] + 2.0
    ax.axvline(0.0, color="0.3", lw=1)
    for t in outcome.thresholds:
        ax.axvline(outcome.benefit_sign * t, color="0.5", ls=":", lw=1)
    ax.set_yticks(ticks, labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(
        f"patient's own effect ({outcome.units}; benefit: {outcome.better} {outcome.noun})"
    )
    ax.set_ylabel("patient")
    ax.set_title(f"Each patient's own effect ({CI_LABEL}% intervals)")
    ax.legend(frameon=False, loc="best")
    ax.grid(axis="x", alpha=0.3)
    return ax


@styled
def plot_responder_curve(result: Any, *, ax: Any = None) -> Any:
    """Share of patients whose own effect is a benefit beyond t, over t, per active arm.

    Examples
    --------
    >>> ax = plot_responder_curve(heterogeneity(fit))  # doctest: +SKIP
    """
    outcome, curve = result.outcome, result.curve
    ax = new_axes(ax, height=5.0)
    for arm in [str(a) for a in result.tau["treatment"]]:
        rows = curve[curve["treatment"] == arm]
        colour = _colour(result, arm)
        ax.plot(rows["threshold"], rows["mean"], color=colour, lw=1.8, label=arm)
        ax.fill_between(rows["threshold"], rows[CI_LO], rows[CI_HI], color=colour, alpha=0.15, lw=0)
    for t in outcome.thresholds:
        ax.axvline(t, color="0.5", ls=":", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"benefit threshold t ({outcome.units} of {outcome.better} {outcome.noun})")
    ax.set_ylabel("share of patients")
    ax.set_title("Share of patients whose own benefit exceeds t")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


@styled
def plot_tau_prior_posterior(result: Any, *, ax: Any = None) -> Any:
    """Prior and posterior of tau (the SD of the patients' own effects), per active arm.

    Examples
    --------
    >>> ax = plot_tau_prior_posterior(heterogeneity(fit))  # doctest: +SKIP
    """
    draws = result.tau_draws
    ax = new_axes(ax, height=5.0)
    post = draws["posterior"]
    top = float(post.quantile(0.995))
    if "prior_draws" in draws:
        top = max(top, float(draws["prior_draws"].quantile(0.995)))
    bins = np.linspace(0.0, top, 30)
    for arm in [str(a) for a in post["active"].values]:
        colour = _colour(result, arm)
        ax.hist(
            post.sel(active=arm),
            bins=bins,
            density=True,
            histtype="stepfilled",
            alpha=0.35,
            color=colour,
            label=f"{arm}: posterior",
        )
        if "prior_draws" in draws:
            ax.hist(
                draws["prior_draws"].sel(active=arm),
                bins=bins,
                density=True,
                histtype="step",
                ls="--",
                lw=1.4,
                color=colour,
                label=f"{arm}: prior",
            )
    ax.set_xlabel(f"tau: SD of the patients' own effects ({result.outcome.units})")
    ax.set_ylabel("density")
    ax.set_title("tau: prior (dashed) and posterior (filled)")
    ax.legend(frameon=False)
    ax.grid(alpha=0.3)
    return ax


#: The names of these figures in ``bk.plots`` (one function per figure, no ``plot_`` prefix).
individual_effects = plot_individual_effects
responder_curve = plot_responder_curve
tau_prior_posterior = plot_tau_prior_posterior
