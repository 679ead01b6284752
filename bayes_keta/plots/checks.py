"""Figures of the model checks: posterior predictive checks and sampler diagnostics.

The predictive-check figures take the summaries of
:func:`bayes_keta.report.ppc.posterior_predictive_checks` (a ``PPC``: per-arm tables of
observed and replicated statistics), an optional outcome for labels and an optional Axes, and
return the Axes. The diagnostics figures wrap ``arviz_plots`` and return its Figure.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from bayes_keta.estimands import CI_LABEL
from bayes_keta.outcome import Outcome
from bayes_keta.plots.style import RC, WIDTH, new_axes, outcome_of, styled, treatment_colours

__all__ = ["energy", "ppc_auc", "ppc_by_day", "ppc_scores", "rank"]


def _arms(ppc: Any) -> list[str]:
    return [str(t) for t in ppc.auc_table["treatment"]]


@styled
def ppc_scores(
    ppc: Any, *, outcome: Outcome | None = None, title: str | None = None, ax: Any = None
) -> Any:
    """Draw the recorded scores per arm: observed counts and replicated (median, interval).

    Parameters
    ----------
    ppc : PPC
        Predictive-check summaries with a ``scores`` table (integer outcomes on a small scale).
    outcome : Outcome, optional
        Labels (default 0-10 NRS).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        The checks have no score table (a continuous or cell-level outcome).
    """
    if ppc.scores is None:
        raise ValueError("these checks have no score table (not an integer outcome)")
    out_come = outcome_of(ppc, outcome)
    arms = _arms(ppc)
    colours = treatment_colours(arms)
    ax = new_axes(ax, height=4.4)
    width = 0.8 / len(arms)
    for k, arm in enumerate(arms):
        s = ppc.scores[ppc.scores["treatment"] == arm]
        x = s["score"].to_numpy(float) - 0.4 + width * (k + 0.5)
        ax.bar(x, s["observed"], width=width * 0.95, color=colours[arm], alpha=0.55, label=arm)
        ax.errorbar(
            x,
            s["rep_median"],
            yerr=[s["rep_median"] - s["rep_lo"], s["rep_hi"] - s["rep_median"]],
            fmt="o",
            color="black",
            ms=3.5,
            lw=1.2,
            label=f"replicated (median, {CI_LABEL}%)" if k == 0 else None,
        )
    scores = sorted(set(ppc.scores["score"]))
    ax.set_xticks(scores)
    ax.set_xlabel(f"recorded {out_come.noun} score ({out_come.units})")
    ax.set_ylabel("readings")
    ax.set_title(title or "Recorded scores: observed (bars) vs posterior predictive (dots)")
    ax.legend(frameon=False, loc="best")
    return ax


@styled
def ppc_auc(
    ppc: Any,
    *,
    outcome: Outcome | None = None,
    n_lines: int = 40,
    title: str | None = None,
    ax: Any = None,
) -> Any:
    """Subject-period AUC per arm: observed ECDF (thick) over replicated ECDFs (thin).

    Parameters
    ----------
    ppc : PPC
        Predictive-check summaries (``auc_cells``, ``auc_rep``).
    outcome : Outcome, optional
        Labels (default 0-10 NRS).
    n_lines : int
        Replicated data sets drawn per arm.
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes
    """
    out_come = outcome_of(ppc, outcome)
    arms = _arms(ppc)
    colours = treatment_colours(arms)
    ax = new_axes(ax, height=4.4)
    labels = np.asarray(ppc.auc_rep["treatment"].values)
    rep = np.asarray(ppc.auc_rep.values)
    step = max(1, rep.shape[0] // n_lines)
    for arm in arms:
        mask = labels == arm
        for r in rep[::step, mask]:
            x = np.sort(r)
            ax.step(x, np.arange(1, len(x) + 1) / len(x), color=colours[arm], alpha=0.08, lw=0.8)
        obs = np.sort(ppc.auc_cells.loc[ppc.auc_cells["treatment"] == arm, "observed"])
        ax.step(
            obs,
            np.arange(1, len(obs) + 1) / len(obs),
            color=colours[arm],
            lw=2.4,
            label=f"{arm} (observed)",
        )
    ax.set_xlabel(f"{out_come.noun} AUC per subject-period ({out_come.units_for('auc')})")
    ax.set_ylabel("cumulative proportion")
    ax.set_title(title or "Subject-period AUC: observed ECDF (thick) over replicated ECDFs")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="lower right")
    return ax


@styled
def ppc_by_day(
    ppc: Any, *, outcome: Outcome | None = None, title: str | None = None, ax: Any = None
) -> Any:
    """Mean reading by day per arm: observed (line) within the replicated band.

    Parameters
    ----------
    ppc : PPC
        Predictive-check summaries with a ``by_day`` table (daily-level models).
    outcome : Outcome, optional
        Labels (default 0-10 NRS).
    title : str, optional
        Figure title.
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    matplotlib.axes.Axes

    Raises
    ------
    ValueError
        The checks have no by-day table (a model of one value per subject-period).
    """
    if ppc.by_day is None:
        raise ValueError("these checks have no by-day table (a cell-level model)")
    out_come = outcome_of(ppc, outcome)
    arms = _arms(ppc)
    colours = treatment_colours(arms)
    ax = new_axes(ax, height=4.4)
    for arm in arms:
        s = ppc.by_day[ppc.by_day["treatment"] == arm]
        ax.fill_between(s["day"], s["rep_lo"], s["rep_hi"], color=colours[arm], alpha=0.2, lw=0)
        ax.plot(s["day"], s["observed"], color=colours[arm], lw=2.2, label=f"{arm} (observed)")
    ax.set_xlabel(f"{out_come.reading} within the period")
    ax.set_ylabel(f"mean {out_come.noun} ({out_come.units})")
    ax.set_title(
        title
        or f"Mean {out_come.noun} by {out_come.reading}: observed vs {CI_LABEL}%"
        " posterior predictive band"
    )
    ax.grid(alpha=0.3)
    ax.legend(frameon=False, loc="best")
    return ax


def _figure_of(pc: Any) -> Any:
    """Return the Figure of an arviz_plots PlotCollection, released from pyplot.

    A released figure is a plain Figure like every other figure here: nothing to close, and
    Jupyter shows it as a cell's value or with ``display``.
    """
    import matplotlib.pyplot as plt

    fig = pc.get_viz("figure")
    plt.close(fig)
    return fig


def _posterior(source: Any) -> Any:
    return source.datatree if hasattr(source, "datatree") else source


def rank(source: Any, var_names: Sequence[str], *, title: str | None = None) -> Any:
    """Rank-ECDF differences per chain for ``var_names`` (``arviz_plots.plot_rank``).

    Parameters
    ----------
    source : FitResult or xarray.DataTree
        A fit or its DataTree.
    var_names : sequence of str
        Posterior variables (small ones: one panel per element).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import arviz_plots as azp
    import matplotlib

    tree = _posterior(source)
    post = tree["posterior"]
    n = sum(
        int(np.prod([s for d, s in post[v].sizes.items() if d not in ("chain", "draw")]))
        for v in var_names
    )
    cols = min(max(n, 1), 4)
    rows = int(np.ceil(n / cols))
    with matplotlib.rc_context(RC):
        pc = azp.plot_rank(
            tree,
            var_names=list(var_names),
            backend="matplotlib",
            col_wrap=cols,
            figure_kwargs={"figsize": (WIDTH, 2.6 * rows + 0.6), "layout": "constrained"},
        )
        fig = _figure_of(pc)
        fig.suptitle(title or "Rank ECDF differences per chain (inside the envelope: chains agree)")
        for axis in fig.axes:
            if axis.get_subplotspec() is not None and axis.get_subplotspec().is_first_col():
                axis.set_ylabel("ECDF difference")
    return fig


def energy(source: Any, *, title: str | None = None) -> Any:
    """Marginal energy vs energy transition distributions (``arviz_plots.plot_energy``).

    Parameters
    ----------
    source : FitResult or xarray.DataTree
        A fit or its DataTree (with ``sample_stats.energy``).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import arviz_plots as azp
    import matplotlib

    with matplotlib.rc_context(RC):
        pc = azp.plot_energy(
            _posterior(source),
            backend="matplotlib",
            figure_kwargs={"figsize": (WIDTH, 4.0), "layout": "constrained"},
        )
        fig = _figure_of(pc)
        fig.suptitle(
            title
            or "Energy: marginal vs transition distributions (similar widths:"
            " efficient exploration)"
        )
        for axis in fig.axes:
            if "BFMI" in axis.get_title():
                axis.set_xlabel(axis.get_xlabel() or "E-BFMI")
                axis.set_ylabel(axis.get_ylabel() or "chain")
            else:
                axis.set_xlabel(axis.get_xlabel() or "energy (centred)")
                axis.set_ylabel(axis.get_ylabel() or "density")
    return fig
