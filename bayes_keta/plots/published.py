"""The summary-level reanalysis figure: prior, likelihood and posterior per contrast and prior.

Takes a :class:`~bayes_keta.published.result.PublishedReanalysis` (nothing is computed but the
densities it holds), draws in the shared style (:mod:`~bayes_keta.plots.style`: the page's
width, its fonts) and returns the Figure; ``bk.plots.published_reanalysis``.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy import stats

from bayes_keta.constants import CI_PROB
from bayes_keta.exceptions import SpecError
from bayes_keta.plots.style import MUTED, PALETTE, WIDTH, styled

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["published_reanalysis"]


@styled
def published_reanalysis(
    result: Any,
    *,
    priors: Sequence[str] | None = None,
    panel_height: float = 3.0,
) -> Figure:
    """Grid of panels (rows: contrasts, columns: priors) with prior, likelihood and posterior.

    Densities are drawn in each row's published orientation (x = ``active - reference``);
    the shaded band is the posterior credible interval of the table (``CI_PROB``), dotted
    lines mark no effect and the benefit thresholds on the favoured arm's side.

    Parameters
    ----------
    result : PublishedReanalysis
        Output of :func:`~bayes_keta.published.reanalysis.reanalyse_published`.
    priors : sequence of str, optional
        Prior names to show (default: all, in the table's order).
    panel_height : float
        Height of one row of panels in inches (the figure is the page's width).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from bayes_keta.published import reanalyse_published
    >>> fig = published_reanalysis(reanalyse_published(), priors=["vague"])
    >>> len(fig.axes)  # three contrasts, one of them in two readings
    4
    """
    from matplotlib.figure import Figure

    names = list(priors) if priors is not None else [p.name for p in result.priors]
    unknown = set(names) - {p.name for p in result.priors}
    if unknown:
        raise SpecError(f"unknown prior(s) to plot: {sorted(unknown)}")
    contrasts = list(dict.fromkeys(e.contrast for e in result.entries))
    nrow, ncol = len(contrasts), len(names)
    # A bare Figure (no pyplot): no global state, works headless and inline in notebooks.
    fig = Figure(figsize=(WIDTH, panel_height * nrow + 0.8), layout="constrained")
    axes = fig.subplots(nrow, ncol, squeeze=False, sharex="row")
    tail = (1 - CI_PROB) / 2
    for entry in result.entries:
        if entry.prior.name not in names:
            continue
        ax = axes[contrasts.index(entry.contrast), names.index(entry.prior.name)]
        s = entry.sign
        half = max(4 * entry.se, 3 * abs(entry.y)) + 4 * entry.se
        x_b = np.linspace(entry.y - half, entry.y + half, 400)
        x_b = np.union1d(x_b, np.linspace(-half, half, 200))
        x = s * x_b
        order = np.argsort(x)
        x, x_b = x[order], x_b[order]
        lik = stats.norm.pdf(entry.y, x_b, entry.se)
        lik = lik / np.trapezoid(lik, x)  # x is sorted ascending
        post = np.asarray(entry.post_dist.pdf(x_b))
        ax.plot(x, entry.prior_dist.pdf(x_b), ls="--", color=MUTED, label="prior")
        ax.plot(x, lik, ls=":", lw=2, color=PALETTE[1], label="likelihood")
        ax.plot(x, post, lw=2, color=PALETTE[0], label="posterior")
        a, b = sorted((s * entry.post_dist.ppf(tail), s * entry.post_dist.ppf(1 - tail)))
        band = (x >= a) & (x <= b)
        ax.fill_between(x[band], post[band], alpha=0.25, color=PALETTE[0], lw=0)
        ax.axvline(0.0, color="k", lw=0.8)
        for t in result.thresholds:
            ax.axvline(-s * t, color="0.7", lw=0.6, ls=":")
        ax.set_yticks([])
        if contrasts.index(entry.contrast) == 0:
            ax.set_title(f"prior: {entry.prior.name}")
        if names.index(entry.prior.name) == 0:
            ax.set_ylabel(textwrap.fill(entry.contrast, 22))
        if contrasts.index(entry.contrast) == nrow - 1:
            ax.set_xlabel(f"effect ({result.scale}), active - reference")
    axes[0, -1].legend(frameon=False)
    fig.suptitle(
        f"Prior, likelihood (normal approximation) and posterior; band = {round(100 * CI_PROB)}%"
        " credible interval"
    )
    return fig
