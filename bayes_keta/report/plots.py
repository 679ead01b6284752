"""Report figures (matplotlib / arviz_plots), each returned as base64 PNG and closed at once.

Every function takes results (DataTrees, tables, :class:`~bayes_keta.report.ppc.PPC`), never
a model, and returns the PNG bytes base64-encoded (see :func:`to_base64`), so no figure stays
open across many fits.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB, NRS_THRESHOLDS, ROPE_NRS
from bayes_keta.data.trial import Trial
from bayes_keta.report.ppc import PPC

__all__ = [
    "DPI",
    "plot_auc_ppc",
    "plot_by_day_effects",
    "plot_day_ppc",
    "plot_effect_densities",
    "plot_energy",
    "plot_model_contrasts",
    "plot_observed_curves",
    "plot_rank",
    "plot_score_ppc",
    "plot_threshold_curves",
    "to_base64",
]

#: Resolution of every embedded figure (modest: the HTML stays a few MB).
DPI: int = 80
_CI = f"{CI_PROB * 100:g}%"
_TAIL = (1 - CI_PROB) / 2


def _figure(width: float, height: float, ncols: int = 1, nrows: int = 1, **kw: Any):
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kw)
    return fig, axes


def to_base64(fig: Any, *, dpi: int = DPI) -> str:
    """Render a matplotlib figure to PNG, close it, and return the base64 text.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> to_base64(Figure(figsize=(1, 1)))[:8]
    'iVBORw0K'
    """
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    try:
        fig.savefig(buf, format="png", dpi=dpi)
    finally:
        plt.close(fig)  # a no-op for figures pyplot does not manage
        fig.clear()
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _colors(labels: Sequence[str]) -> dict[str, Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return {label: cmap(i % 10) for i, label in enumerate(labels)}


# ------------------------------------------------------------------------------------ data
def plot_observed_curves(trial: Trial) -> str:
    """Observed mean daily pain by day after infusion, per arm, with +/- 1 SE bands."""
    stats = (
        trial.data.groupby(["treatment", "day"])["pain"].agg(["mean", "std", "count"]).reset_index()
    )
    colors = _colors(trial.treatments)
    fig, axes = _figure(7.5, 3.4)
    ax = axes[0, 0]
    for arm in trial.treatments:
        s = stats[stats["treatment"] == arm]
        se = s["std"] / np.sqrt(s["count"].clip(lower=1))
        ax.plot(s["day"], s["mean"], color=colors[arm], label=arm, lw=1.6)
        ax.fill_between(s["day"], s["mean"] - se, s["mean"] + se, color=colors[arm], alpha=0.15)
    ax.set_xlabel("day after infusion")
    ax.set_ylabel("mean pain (0-10 NRS)")
    ax.set_title("Observed mean daily pain by arm (band: +/- 1 SE)")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return to_base64(fig)


# ------------------------------------------------------------------------------- answers
def plot_threshold_curves(curve: pd.DataFrame) -> str:
    """P(difference < -t) against the threshold t, one line per contrast."""
    fig, axes = _figure(6.5, 3.4)
    ax = axes[0, 0]
    contrasts = list(pd.unique(curve["contrast"]))
    colors = _colors(contrasts)
    for c in contrasts:
        sub = curve[curve["contrast"] == c]
        ax.plot(sub["threshold"], sub["p_beyond"], color=colors[c], label=c, lw=1.8)
    for t in NRS_THRESHOLDS:
        ax.axvline(t, color="0.5", ls=":", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("benefit threshold t (NRS points of mean daily pain)")
    ax.set_ylabel("P(difference < -t)")
    ax.set_title("Posterior probability of a benefit larger than t")
    ax.legend(frameon=False, fontsize=8)
    ax.grid(alpha=0.3)
    return to_base64(fig)


def plot_effect_densities(draws: xr.Dataset, *, estimand: str = "mean_daily_difference") -> str:
    """Posterior density (histogram) of an NRS-scale estimand per contrast, thresholds marked."""
    da = draws[estimand]
    contrasts = [str(c) for c in da["contrast"].values]
    fig, axes = _figure(3.2 * len(contrasts), 3.0, ncols=len(contrasts), sharex=True)
    for ax, c in zip(axes[0], contrasts, strict=True):
        x = np.asarray(da.sel(contrast=c).values).ravel()
        ax.axvspan(-ROPE_NRS, ROPE_NRS, color="0.85", label=f"ROPE +/-{ROPE_NRS:g}")
        ax.hist(x, bins=60, density=True, color="C0", alpha=0.75)
        lo, hi = np.quantile(x, [_TAIL, 1 - _TAIL])
        ax.hlines(0, lo, hi, color="k", lw=4, label=f"{_CI} interval")
        for t in NRS_THRESHOLDS:
            ax.axvline(-t, color="C3", ls="--", lw=1)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_title(c, fontsize=9)
        ax.set_xlabel("difference in mean daily pain (points)")
    axes[0, 0].set_ylabel("posterior density")
    axes[0, 0].legend(frameon=False, fontsize=7, loc="upper left")
    fig.suptitle(
        "Posterior of the mean daily pain difference (red dashes: -"
        + ", -".join(f"{t:g}" for t in NRS_THRESHOLDS)
        + " points)",
        fontsize=10,
    )
    return to_base64(fig)


def plot_by_day_effects(curve: xr.DataArray, *, model_name: str) -> str:
    """By-day treatment effect (posterior median and ``CI_PROB`` band) per contrast."""
    contrasts = [str(c) for c in curve["contrast"].values]
    days = np.asarray(curve["day"].values)
    fig, axes = _figure(3.2 * len(contrasts), 3.0, ncols=len(contrasts), sharey=True)
    for ax, c in zip(axes[0], contrasts, strict=True):
        x = np.asarray(curve.sel(contrast=c).stack(s=("chain", "draw")).transpose("day", "s"))
        lo, med, hi = np.quantile(x, [_TAIL, 0.5, 1 - _TAIL], axis=1)
        ax.fill_between(days, lo, hi, color="C0", alpha=0.25, label=f"{_CI} interval")
        ax.plot(days, med, color="C0", lw=1.8, label="median")
        ax.axhline(0, color="k", lw=0.8)
        for t in NRS_THRESHOLDS:
            ax.axhline(-t, color="C3", ls=":", lw=1)
        ax.set_title(c, fontsize=9)
        ax.set_xlabel("day after infusion")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("difference in daily pain (points)")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Treatment effect by day after infusion (model '{model_name}')", fontsize=10)
    return to_base64(fig)


def plot_model_contrasts(table: pd.DataFrame) -> str:
    """Forest plot of the mean daily difference per contrast across fitted specs.

    ``table`` has columns ``spec``, ``contrast``, ``mean``, ``lo``, ``hi``.
    """
    contrasts = list(pd.unique(table["contrast"]))
    specs = list(pd.unique(table["spec"]))
    colors = _colors(specs)
    fig, axes = _figure(8.0, 1.0 + 0.3 * len(contrasts) * len(specs))
    ax = axes[0, 0]
    y, ticks, labels = 0, [], []
    for c in contrasts:
        for s in specs:
            row = table[(table["contrast"] == c) & (table["spec"] == s)]
            if row.empty:
                continue
            r = row.iloc[0]
            ax.plot([r["lo"], r["hi"]], [y, y], color=colors[s], lw=2)
            ax.plot(r["mean"], y, "o", color=colors[s], ms=4)
            ticks.append(y)
            labels.append(f"{c}  [{s}]")
            y -= 1
        y -= 0.6
    for t in NRS_THRESHOLDS:
        ax.axvline(-t, color="C3", ls=":", lw=1)
    ax.axvline(0, color="k", lw=0.8)
    ax.set_yticks(ticks, labels, fontsize=7)
    ax.set_ylim(y + 0.4, 0.8)
    ax.set_xlabel(f"mean daily pain difference (points; mean and {_CI} interval)")
    ax.grid(alpha=0.3, axis="x")
    return to_base64(fig)


# ----------------------------------------------------------------------------------- PPC
def plot_score_ppc(ppc: PPC, arms: Sequence[str]) -> str:
    """Daily scores 0-10 per arm: observed counts (bars) and replicated counts (interval)."""
    scores = ppc.scores
    assert scores is not None
    fig, axes = _figure(3.2 * len(arms), 2.9, ncols=len(arms), sharey=True)
    for ax, arm in zip(axes[0], arms, strict=True):
        s = scores[scores["treatment"] == arm]
        ax.bar(s["score"], s["observed"], color="0.75", label="observed")
        ax.errorbar(
            s["score"],
            s["rep_median"],
            yerr=[s["rep_median"] - s["rep_lo"], s["rep_hi"] - s["rep_median"]],
            fmt="o",
            color="C3",
            ms=3,
            lw=1.2,
            label=f"replicated (median, {_CI})",
        )
        ax.set_title(arm, fontsize=9)
        ax.set_xlabel("daily pain score")
        ax.set_xticks(range(0, 11, 2))
    axes[0, 0].set_ylabel("diary days")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle("Distribution of daily scores: observed vs posterior predictive", fontsize=10)
    return to_base64(fig)


def plot_auc_ppc(ppc: PPC, arms: Sequence[str], *, n_lines: int = 60) -> str:
    """Subject-period AUC per arm: observed ECDF (black) over replicated ECDFs (light)."""
    present = [a for a in arms if (ppc.auc_cells["treatment"] == a).any()]
    fig, axes = _figure(3.2 * len(present), 2.9, ncols=len(present), sharey=True)
    labels = np.asarray(ppc.auc_rep["treatment"].values)
    rep = np.asarray(ppc.auc_rep.values)
    step = max(1, rep.shape[0] // n_lines)
    for ax, arm in zip(axes[0], present, strict=True):
        mask = labels == arm
        for r in rep[::step, mask]:
            x = np.sort(r)
            ax.step(x, np.arange(1, len(x) + 1) / len(x), color="C0", alpha=0.12, lw=0.8)
        obs = np.sort(ppc.auc_cells.loc[ppc.auc_cells["treatment"] == arm, "observed"])
        ax.step(obs, np.arange(1, len(obs) + 1) / len(obs), color="k", lw=1.8, label="observed")
        ax.set_title(arm, fontsize=9)
        ax.set_xlabel("AUC (pain score-days)")
    axes[0, 0].set_ylabel("cumulative proportion")
    axes[0, 0].plot([], [], color="C0", alpha=0.5, label="replicated")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle("Subject-period AUC: observed vs posterior predictive (ECDF)", fontsize=10)
    return to_base64(fig)


def plot_day_ppc(ppc: PPC, arms: Sequence[str]) -> str:
    """By-day mean pain per arm: observed (line) within the replicated band."""
    by_day = ppc.by_day
    assert by_day is not None
    colors = _colors(arms)
    fig, axes = _figure(3.2 * len(arms), 2.9, ncols=len(arms), sharey=True)
    for ax, arm in zip(axes[0], arms, strict=True):
        s = by_day[by_day["treatment"] == arm]
        ax.fill_between(
            s["day"], s["rep_lo"], s["rep_hi"], color=colors[arm], alpha=0.25, label="replicated"
        )
        ax.plot(s["day"], s["observed"], color="k", lw=1.4, label="observed")
        ax.set_title(arm, fontsize=9)
        ax.set_xlabel("day after infusion")
        ax.grid(alpha=0.3)
    axes[0, 0].set_ylabel("mean pain")
    axes[0, 0].legend(frameon=False, fontsize=7)
    fig.suptitle(f"Mean pain by day: observed vs {_CI} posterior predictive band", fontsize=10)
    return to_base64(fig)


# --------------------------------------------------------------------------- diagnostics
def _arviz_figure(pc: Any, width: float | None = None, height: float | None = None) -> Any:
    fig = pc.get_viz("figure")
    if width is not None and height is not None:
        fig.set_size_inches(width, height)
    return fig


def plot_rank(tree: xr.DataTree, var_names: Sequence[str]) -> str:
    """Rank-ECDF plots per chain for the key parameters (arviz_plots ``plot_rank``)."""
    import arviz_plots as azp

    post = tree["posterior"]
    n = sum(
        int(np.prod([s for d, s in post[v].sizes.items() if d not in ("chain", "draw")]))
        for v in var_names
    )
    cols = min(n, 4)
    rows = int(np.ceil(n / cols))
    pc = azp.plot_rank(
        tree,
        var_names=list(var_names),
        backend="matplotlib",
        col_wrap=cols,
        figure_kwargs={"figsize": (3.0 * cols, 2.4 * rows + 0.3), "layout": "constrained"},
    )
    return to_base64(_arviz_figure(pc))


def plot_energy(tree: xr.DataTree) -> str:
    """Marginal energy vs energy transition distributions (arviz_plots ``plot_energy``)."""
    import arviz_plots as azp

    pc = azp.plot_energy(
        tree, backend="matplotlib", figure_kwargs={"figsize": (6.0, 3.2), "layout": "constrained"}
    )
    return to_base64(_arviz_figure(pc))
