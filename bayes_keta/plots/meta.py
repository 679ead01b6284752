"""The meta-analysis forest plot; takes a result object, never a model."""

from __future__ import annotations

from typing import Any

import numpy as np

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import CI_LABEL
from bayes_keta.plots.style import new_axes, styled

__all__ = ["meta_forest"]

_POOLED = "#D55E00"
_TRIAL = "#0072B2"


@styled
def meta_forest(result: Any, *, title: str | None = None, ax: Any = None) -> Any:
    """Forest plot: observed and shrunken trial effects, pooled effect and prediction interval.

    Open squares with thin lines: each trial's input estimate with its 95% normal interval.
    Filled dots with thick lines: the shrunken trial effects (posterior mean and credible
    interval, ``CI_PROB``). Diamond: pooled effect; bar: prediction interval for a new trial.

    Parameters
    ----------
    result : MetaAnalysisResult
        Output of :func:`bayes_keta.meta_analysis` (its ``table``, ``inputs`` and
        ``settings``).
    title : str, optional
        Figure title (default: the model and the prior of tau).
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> ax = meta_forest(result)  # doctest: +SKIP
    """
    from scipy.stats import norm

    z95 = float(norm.ppf(0.975))  # the trials' input intervals are 95% normal intervals
    lo, hi = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
    tab = result.table
    trials = tab[tab["quantity"] == "trial"].reset_index(drop=True)
    k = len(trials)
    ax = new_axes(ax, height=1.6 + 0.42 * (k + 3))
    ys = np.arange(k, 0, -1) + 2.0
    for y, r in zip(ys, trials.to_dict("records"), strict=True):
        e, s = r["input_estimate"], r["input_se"]
        ax.plot([e - z95 * s, e + z95 * s], [y + 0.15] * 2, color="0.45", lw=1.2)
        ax.plot(e, y + 0.15, "s", mfc="white", mec="0.3", ms=6)
        ax.plot([r[lo], r[hi]], [y - 0.15] * 2, color=_TRIAL, lw=2.6)
        ax.plot(r["mean"], y - 0.15, "o", color=_TRIAL, ms=6)
    pooled = tab[tab["quantity"] == "pooled"].iloc[0]
    pred = tab[tab["quantity"] == "prediction"].iloc[0]
    ax.fill(
        [pooled[lo], pooled["mean"], pooled[hi], pooled["mean"]],
        [1.5, 1.8, 1.5, 1.2],
        color=_POOLED,
    )
    ax.plot([pred[lo], pred[hi]], [0.7, 0.7], color=_POOLED, lw=3, alpha=0.6)
    ax.axvline(0.0, color="black", lw=1.0)
    labels = list(trials["trial"]) + ["pooled effect", "new trial (prediction)"]
    ax.set_yticks(list(ys) + [1.5, 0.7], labels)
    ax.set_ylim(0.2, ys.max() + 0.8 if k else 2.5)
    ax.tick_params(axis="y", length=0)
    ax.set_ylabel("trial")
    settings = result.settings
    pct = round(100 * CI_PROB)
    ax.set_xlabel(
        f"effect ({result.inputs.scale}; active - reference, negative = benefit); {pct}% intervals"
    )
    ax.set_title(
        title
        or f"Meta-analysis: {settings['model']}; tau ~ {settings['tau_prior_label']}"
        " (squares: inputs; dots: shrunken trial effects)"
    )
    ax.grid(alpha=0.3, axis="x")
    return ax
