"""SBC plots: rank histograms and ECDF-difference plots, from an artefact entry (no model).

For each ranked quantity, two panels: the rank histogram (bins of the chi-square test) with the
central 99% binomial band of a bin's count under uniformity, and the ECDF of the randomised PIT
``(rank + U) / (L + 1)`` minus the uniform CDF with a simultaneous 95% band (Säilynoja, Bürkner
& Vehtari, Statistics and Computing 2022; computed by ``arviz_stats.ecdf_utils.ecdf_pit``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from bayes_keta.constants import CI_PROB

__all__ = ["plot_sbc"]

_COLUMNS = 4


def _short(name: str) -> str:
    return (
        name.replace("mean_daily_difference", "contrast")
        .replace("ketamine_magnesium", "K+Mg")
        .replace("ketamine", "K")
        .replace("placebo", "P")
    )


def plot_sbc(entry: dict[str, Any], *, path: str | Path | None = None, title: str | None = None):
    """Rank histograms and ECDF-difference plots of one spec's SBC ranks.

    Parameters
    ----------
    entry : dict
        One spec's record of the artefact (``record["specs"][name]``, or
        :meth:`bayes_keta.calibration.SBCResult.to_dict`), with ``ranks`` and ``settings``.
    path : str or Path, optional
        Save the figure there (PNG), and close it.
    title : str, optional
        Figure title (default: the spec name and settings).

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from arviz_stats.ecdf_utils import ecdf_pit

    from bayes_keta.calibration.ranks import n_bins_for

    settings = entry["settings"]
    n_ranks = settings["n_rank_draws"] + 1
    names = list(entry["ranks"])
    n_rows = math.ceil(len(names) / _COLUMNS)
    fig, axes = plt.subplots(
        2 * n_rows, _COLUMNS, figsize=(3.2 * _COLUMNS, 4.2 * n_rows), squeeze=False
    )
    for ax in axes.ravel():
        ax.set_visible(False)
    for i, name in enumerate(names):
        ranks = np.asarray(entry["ranks"][name], dtype=float)
        row, col = 2 * (i // _COLUMNS), i % _COLUMNS
        hist, ecdf = axes[row, col], axes[row + 1, col]
        hist.set_visible(True)
        ecdf.set_visible(True)
        bins = n_bins_for(ranks.size, n_ranks)
        edges = np.linspace(0, n_ranks, bins + 1)
        counts, _ = np.histogram(ranks, bins=edges)
        expected = ranks.size / bins
        lo, hi = stats.binom.ppf([0.005, 0.995], ranks.size, 1.0 / bins)
        hist.axhspan(lo, hi, color="0.85", zorder=0)
        hist.axhline(expected, color="0.4", lw=0.8)
        hist.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color="C0", alpha=0.8)
        hist.set_title(_short(name), fontsize=8)
        hist.tick_params(labelsize=7)
        rng = np.random.default_rng(settings["seed"] + i)
        pit = (ranks + rng.uniform(size=ranks.size)) / n_ranks
        x, y, band_lo, band_hi = ecdf_pit(pit, CI_PROB, 1000, rng=rng)
        ecdf.fill_between(x, band_lo - x, band_hi - x, step="post", color="0.85")
        ecdf.step(x, y - x, where="post", color="C1")
        ecdf.axhline(0, color="0.4", lw=0.8)
        ecdf.set_xlim(0, 1)
        ecdf.tick_params(labelsize=7)
    for r in range(n_rows):
        axes[2 * r, 0].set_ylabel("sims per bin", fontsize=8)
        axes[2 * r + 1, 0].set_ylabel("ECDF - uniform", fontsize=8)
    fig.suptitle(
        title
        or (
            f"SBC {entry.get('spec', '')}: {settings['n_sims']} sims, ranks among"
            f" {settings['n_rank_draws']} draws (grey: 99% per-bin band; simultaneous"
            f" {CI_PROB:.0%} ECDF band)"
        ),
        fontsize=9,
    )
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=90)
        plt.close(fig)
    return fig
