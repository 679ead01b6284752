"""Sweep plots: a heatmap over the effect-prior grid and a tornado/forest plot per contrast.

Both take a :class:`~bayes_keta.sweep.output.SweepResult` (or its ``table``), never a model,
and return a matplotlib Figure. Labels, units, thresholds and the benefit direction follow the
outcome (the result's, or ``outcome=``; default: the 0-10 NRS).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.estimands import CI_LABEL, beyond_column
from bayes_keta.outcome import Outcome

__all__ = ["has_effect_grid", "plot_heatmap", "plot_tornado"]

_KIND_COLOURS = {
    "default": "black",
    "effect": "tab:blue",
    "hyper": "tab:orange",
    "set": "tab:green",
    "custom": "tab:purple",
}


def _table(source: Any) -> pd.DataFrame:
    return source.table if hasattr(source, "table") else source


def _outcome(source: Any, outcome: Outcome | None) -> Outcome:
    if outcome is not None:
        return outcome
    return getattr(source, "outcome", None) or Outcome.nrs_0_10()


def _effect_points(table: pd.DataFrame) -> pd.DataFrame:
    return table[(table["kind"] == "effect") & (table["hyper_scale"] == 1.0)]


def has_effect_grid(source: Any) -> bool:
    """Whether the sweep has centre x scale effect-grid settings (at hyper x1).

    Examples
    --------
    >>> has_effect_grid(pd.DataFrame({"kind": ["set"], "hyper_scale": [1.0]}))
    False
    """
    return len(_effect_points(_table(source))) > 0


def plot_heatmap(
    source: Any,
    *,
    estimand: str = "mean_daily_difference",
    threshold: float | None = None,
    outcome: Outcome | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Heatmap of P(benefit beyond ``threshold``) over the effect prior's centre x scale.

    Parameters
    ----------
    source : SweepResult or pandas.DataFrame
        A sweep (its table).
    estimand : str
        Row estimand (default ``mean_daily_difference``).
    threshold : float, optional
        One of the outcome's declared thresholds, in its units (default: the middle one,
        :func:`bayes_keta.sweep.outcome.headline_threshold`: 1 point on the 0-10 NRS).
    outcome : Outcome, optional
        Units and thresholds (default: the sweep's, else the 0-10 NRS).
    figsize : tuple, optional
        Figure size (default: 4 inches per contrast panel).

    Returns
    -------
    matplotlib.figure.Figure
        One panel per contrast: rows the prior centre, columns the prior SD, cells annotated.

    Raises
    ------
    ValueError
        The sweep has no effect-grid settings, or an unknown threshold / estimand.
    """
    import matplotlib.pyplot as plt

    from bayes_keta.sweep.outcome import headline_threshold

    table, out_come = _table(source), _outcome(source, outcome)
    threshold = headline_threshold(out_come) if threshold is None else threshold
    if threshold is None:
        raise ValueError(f"{out_come.label!r} declares no thresholds: no heatmap to draw")
    column = beyond_column(threshold)
    if column not in table.columns:
        raise ValueError(f"no column {column!r}; thresholds: {_thresholds(table)}")
    rows = _effect_points(table)
    rows = rows[rows["estimand"] == estimand]
    if rows.empty:
        raise ValueError(f"no centre x scale effect-grid settings for estimand {estimand!r}")
    contrasts = list(dict.fromkeys(rows["contrast"]))
    fig, axes = plt.subplots(
        1,
        len(contrasts),
        figsize=figsize or (4.0 * len(contrasts) + 1.0, 3.6),
        squeeze=False,
        constrained_layout=True,
    )
    image = None
    for ax, contrast in zip(axes[0], contrasts, strict=True):
        grid = rows[rows["contrast"] == contrast].pivot_table(
            index="prior_effect_mu", columns="prior_effect_sigma", values=column, aggfunc="first"
        )
        grid = grid.sort_index(ascending=False)
        image = ax.imshow(grid.to_numpy(float), cmap="viridis", vmin=0.0, vmax=1.0, aspect="auto")
        for (i, j), value in np.ndenumerate(grid.to_numpy(float)):
            if np.isfinite(value):
                ax.text(
                    j,
                    i,
                    f"{value:.2f}",
                    ha="center",
                    va="center",
                    color="white" if value < 0.6 else "black",
                    fontsize=9,
                )
        ax.set_xticks(range(grid.shape[1]), [f"{v:g}" for v in grid.columns])
        ax.set_yticks(range(grid.shape[0]), [f"{v:g}" for v in grid.index])
        ax.set_xlabel(f"prior SD of the effect ({out_come.units})")
        ax.set_ylabel(f"prior centre of the effect ({out_come.units})")
        ax.set_title(contrast, fontsize=10)
    label = f"P(benefit > {threshold:g} {out_come.units})"
    fig.colorbar(image, ax=axes[0].tolist(), label=label)
    fig.suptitle(f"Prior sensitivity of {estimand}: {label}", fontsize=11)
    return fig


def plot_tornado(
    source: Any,
    *,
    estimand: str = "mean_daily_difference",
    reference: str = "default",
    outcome: Outcome | None = None,
    figsize: tuple[float, float] | None = None,
):
    """Tornado/forest plot: each setting's posterior mean and 95% interval, per contrast.

    Settings are sorted by how far their posterior mean moves from the ``reference`` setting
    (largest shift on top); the reference mean is a dashed line, no effect a solid one.

    Parameters
    ----------
    source : SweepResult or pandas.DataFrame
        A sweep (its table).
    estimand : str
        Row estimand (default ``mean_daily_difference``).
    reference : str
        Setting the shifts are measured from (default ``default``; the first setting if absent).
    outcome : Outcome, optional
        Units and benefit direction (default: the sweep's, else the 0-10 NRS).
    figsize : tuple, optional
        Figure size.

    Returns
    -------
    matplotlib.figure.Figure
    """
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    table, out_come = _table(source), _outcome(source, outcome)
    rows = table[table["estimand"] == estimand]
    if rows.empty:
        raise ValueError(f"no rows for estimand {estimand!r}")
    lo, hi = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
    contrasts = list(dict.fromkeys(rows["contrast"]))
    n_settings = rows["setting"].nunique()
    fig, axes = plt.subplots(
        1,
        len(contrasts),
        figsize=figsize or (4.2 * len(contrasts) + 1.5, max(2.8, 1.4 + 0.32 * n_settings)),
        sharey=False,
        squeeze=False,
        constrained_layout=True,
    )
    used = reference if reference in set(rows["setting"]) else str(rows["setting"].iloc[0])
    unit = out_come.units_for("auc" if rows["scale"].iloc[0] == "auc" else "outcome")
    for k, (ax, contrast) in enumerate(zip(axes[0], contrasts, strict=True)):
        sub = rows[rows["contrast"] == contrast].set_index("setting")
        ref = used
        shift = (sub["mean"] - sub.loc[ref, "mean"]).abs()
        sub = sub.assign(shift=shift).sort_values("shift", ascending=True)
        y = np.arange(len(sub))
        for yi, (_, r) in zip(y, sub.iterrows(), strict=True):
            colour = _KIND_COLOURS.get(r["kind"], "grey")
            ax.plot([r[lo], r[hi]], [yi, yi], color=colour, lw=2, alpha=0.7)
            marker = "o" if r["passed"] else "x"
            ax.plot(r["mean"], yi, marker=marker, color=colour, ms=5)
        ax.axvline(sub.loc[ref, "mean"], color="black", ls="--", lw=1)
        ax.axvline(0.0, color="grey", lw=0.8)
        ax.set_yticks(y, sub.index if k == 0 else [str(s) for s in sub.index], fontsize=8)
        ax.set_xlabel(f"{estimand.replace('_', ' ')} ({unit})")
        ax.set_title(contrast, fontsize=10)
    handles = [
        Line2D([], [], color=c, marker="o", lw=2, label=kind)
        for kind, c in _KIND_COLOURS.items()
        if kind in set(rows["kind"])
    ]
    handles.append(Line2D([], [], color="black", ls="--", label=f"reference ({used})"))
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles), fontsize=8)
    sign = "negative" if out_come.benefit_sign < 0 else "positive"
    less = "less" if out_come.better == "lower" else "more"
    fig.suptitle(
        f"Prior sensitivity: posterior mean and {CI_LABEL}% interval per prior setting"
        f" ({sign} = {less} {out_come.noun}; x: diagnostics failed)",
        fontsize=11,
    )
    return fig


def _thresholds(table: pd.DataFrame) -> list[str]:
    return [c.removeprefix("p_beyond_") for c in table.columns if c.startswith("p_beyond_")]
