"""Plots of the summary-level reanalysis: prior, likelihood and posterior per contrast.

Takes a :class:`~bayes_keta.published.result.PublishedReanalysis`, never a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bayes_keta.published.result import PublishedReanalysis

__all__ = ["plot_published_reanalysis"]


def plot_published_reanalysis(
    result: PublishedReanalysis,
    *,
    priors: Sequence[str] | None = None,
    panel_size: tuple[float, float] = (3.6, 2.6),
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
    panel_size : (float, float)
        Width and height of one panel in inches.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> from bayes_keta.published import reanalyse_published
    >>> fig = plot_published_reanalysis(reanalyse_published(), priors=["vague"])
    >>> len(fig.axes)  # three contrasts, one of them in two readings
    4
    """
    from matplotlib.figure import Figure

    from bayes_keta.constants import CI_PROB

    names = list(priors) if priors is not None else [p.name for p in result.priors]
    unknown = set(names) - {p.name for p in result.priors}
    if unknown:
        from bayes_keta.exceptions import SpecError

        raise SpecError(f"unknown prior(s) to plot: {sorted(unknown)}")
    contrasts = list(dict.fromkeys(e.contrast for e in result.entries))
    nrow, ncol = len(contrasts), len(names)
    # A bare Figure (no pyplot): no global state, works headless and inline in notebooks.
    fig = Figure(figsize=(panel_size[0] * ncol, panel_size[1] * nrow))
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
        ax.plot(x, entry.prior_dist.pdf(x_b), ls="--", color="0.45", label="prior")
        ax.plot(x, lik, ls=":", color="tab:orange", label="likelihood")
        ax.plot(x, post, color="tab:blue", label="posterior")
        a, b = sorted((s * entry.post_dist.ppf(tail), s * entry.post_dist.ppf(1 - tail)))
        band = (x >= a) & (x <= b)
        ax.fill_between(x[band], post[band], alpha=0.25, color="tab:blue", lw=0)
        ax.axvline(0.0, color="k", lw=0.8)
        for t in result.thresholds:
            ax.axvline(-s * t, color="0.7", lw=0.6, ls=":")
        ax.set_yticks([])
        if contrasts.index(entry.contrast) == 0:
            ax.set_title(f"{entry.prior.name}", fontsize=10)
        if names.index(entry.prior.name) == 0:
            ax.set_ylabel(entry.contrast, fontsize=8)
        ax.set_xlabel(f"effect ({result.scale}), {entry.contrast}", fontsize=7)
    axes[0, -1].legend(fontsize=7, frameon=False)
    fig.suptitle(
        f"Prior, likelihood (normal approximation) and posterior; band = {round(100 * CI_PROB)}%"
        " credible interval",
        fontsize=10,
    )
    fig.tight_layout()
    return fig
