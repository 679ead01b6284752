"""Forest plot of a Bayesian meta-analysis; takes a result object, never a model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bayes_keta.meta.model import MetaAnalysisResult

__all__ = ["plot_forest"]


def plot_forest(result: MetaAnalysisResult, *, width: float = 7.0) -> Figure:
    """Forest plot: observed and shrunken trial effects, pooled effect and prediction interval.

    Open squares with thin lines: each trial's input estimate with its 95% normal interval.
    Filled dots with thick lines: the shrunken trial effects (posterior mean and credible
    interval, ``CI_PROB``). Diamond: pooled effect; bar: prediction interval for a new trial.

    Parameters
    ----------
    result : MetaAnalysisResult
        Output of :func:`~bayes_keta.meta.model.meta_analysis`.
    width : float
        Figure width in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> fig = plot_forest(result)  # doctest: +SKIP
    """
    from matplotlib.figure import Figure

    from bayes_keta.constants import CI_PROB
    from bayes_keta.meta.inputs import Z95

    pct = round(100 * CI_PROB)
    lo, hi = f"lo{pct}", f"hi{pct}"
    tab = result.table
    trials = tab[tab["quantity"] == "trial"].reset_index(drop=True)
    k = len(trials)
    fig = Figure(figsize=(width, 1.2 + 0.38 * (k + 3)))
    ax = fig.add_subplot()
    ys = np.arange(k, 0, -1) + 2.0
    for y, r in zip(ys, trials.to_dict("records"), strict=True):
        e, s = r["input_estimate"], r["input_se"]
        ax.plot([e - Z95 * s, e + Z95 * s], [y + 0.15] * 2, color="0.5", lw=1)
        ax.plot(e, y + 0.15, "s", mfc="white", mec="0.3", ms=5)
        ax.plot([r[lo], r[hi]], [y - 0.15] * 2, color="tab:blue", lw=2.2)
        ax.plot(r["mean"], y - 0.15, "o", color="tab:blue", ms=5)
    pooled = tab[tab["quantity"] == "pooled"].iloc[0]
    pred = tab[tab["quantity"] == "prediction"].iloc[0]
    ax.fill(
        [pooled[lo], pooled["mean"], pooled[hi], pooled["mean"]],
        [1.5, 1.8, 1.5, 1.2],
        color="tab:red",
    )
    ax.plot([pred[lo], pred[hi]], [0.7, 0.7], color="tab:red", lw=2.5, alpha=0.6)
    ax.axvline(0.0, color="k", lw=0.8)
    labels = list(trials["trial"]) + ["pooled effect", "new trial (prediction)"]
    ax.set_yticks(list(ys) + [1.5, 0.7], labels)
    ax.set_ylim(0.2, ys.max() + 0.8 if k else 2.5)
    settings = result.settings
    ax.set_xlabel(
        f"effect ({result.inputs.scale}; active - reference, negative = benefit); {pct}% intervals"
    )
    ax.set_title(
        f"{settings['model']}; tau ~ {settings['tau_prior_label']}\n"
        "open squares: input estimates; dots: shrunken trial effects",
        fontsize=9,
    )
    fig.tight_layout()
    return fig
