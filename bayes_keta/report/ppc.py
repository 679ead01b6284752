"""Posterior predictive summaries: daily scores, subject-period AUCs and by-day means per arm.

Pure functions of a fitted DataTree (``posterior_predictive``, ``observed_data`` and the
model's index data in ``constant_data``) and the :class:`~bayes_keta.data.trial.Trial`; the
figures live in :mod:`bayes_keta.report.plots`.

For an integer outcome on a small bounded scale (a 0-10 pain score: at most
:data:`SCORE_SCALE_MAX` steps between its bounds), replicated readings from a continuous
likelihood are recorded the way a diary would record them (rounded to the nearest integer and
clipped to the outcome's bounds) before they are counted, so observed and replicated score
histograms are comparable; other outcomes get no score table. The subject-period AUC follows
:func:`bayes_keta.data.design.observed_auc`: ``n_days`` times the mean of the observed days
(a missing day counts as its subject-period mean), for the observed and each replicated data
set alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB, PPC_SEED, SAMPLE_DIMS
from bayes_keta.data.trial import Trial
from bayes_keta.models import Capabilities
from bayes_keta.outcome import Outcome

__all__ = [
    "PPC",
    "PPC_MAX_DRAWS",
    "SCORE_SCALE_MAX",
    "posterior_predictive_checks",
]

#: Widest bounded integer scale (upper - lower) that gets a score-by-score table.
SCORE_SCALE_MAX: int = 20

#: Replicated data sets used by the checks (a seeded subset of the posterior draws).
PPC_MAX_DRAWS: int = 400

_TAIL = (1.0 - CI_PROB) / 2.0


@dataclass(frozen=True)
class PPC:
    """Posterior predictive check summaries of one fit.

    Attributes
    ----------
    variable : str
        Observed variable (``pain`` for daily models, ``auc`` for the AUC model).
    scores : pandas.DataFrame or None
        Daily models: one row per arm x score 0..10: ``treatment``, ``score``, ``observed``
        (count), ``rep_median``, ``rep_lo``, ``rep_hi`` (``CI_PROB`` interval of replicated
        counts).
    auc_cells : pandas.DataFrame
        One row per analysed subject-period: ``treatment``, ``observed`` AUC.
    auc_rep : xarray.DataArray
        Replicated AUCs, dims ``(rep, cell)`` with coordinate ``treatment`` on ``cell``.
    auc_table : pandas.DataFrame
        One row per arm: observed mean and SD of the subject-period AUC, replicated
        interval of each and the posterior predictive p-values ``ppp_mean``/``ppp_sd``
        (P(replicated >= observed)).
    by_day : pandas.DataFrame or None
        Daily models: ``treatment``, ``day``, ``observed`` mean pain, ``rep_median``,
        ``rep_lo``, ``rep_hi``.
    n_rep : int
        Replicated data sets used.
    notes : tuple of str
        What was done and what could not be checked.
    outcome : Outcome or None
        The outcome (labels of the figures).
    """

    variable: str
    scores: pd.DataFrame | None
    auc_cells: pd.DataFrame
    auc_rep: xr.DataArray
    auc_table: pd.DataFrame
    by_day: pd.DataFrame | None
    n_rep: int
    notes: tuple[str, ...] = ()
    outcome: Outcome | None = None


def _constant(tree: xr.DataTree, name: str) -> np.ndarray | None:
    if "constant_data" not in tree.children or name not in tree["constant_data"].data_vars:
        return None
    return np.asarray(tree["constant_data"][name].values)


def _replicates(tree: xr.DataTree, var: str, *, max_draws: int, seed: int) -> np.ndarray:
    """Replicated data as ``(rep, obs)``: a seeded subset of the stacked draws."""
    pp = tree["posterior_predictive"][var]
    other = [d for d in pp.dims if d not in SAMPLE_DIMS]
    arr = np.asarray(pp.transpose(*SAMPLE_DIMS, *other).values, dtype=float)
    arr = arr.reshape(-1, *arr.shape[2:])
    if arr.shape[0] > max_draws:
        idx = np.sort(np.random.default_rng(seed).choice(arr.shape[0], max_draws, replace=False))
        arr = arr[idx]
    return arr.reshape(arr.shape[0], -1)


def _interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lo, med, hi = np.quantile(x, [_TAIL, 0.5, 1.0 - _TAIL], axis=axis)
    return med, lo, hi


def _group_means(values: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Mean of ``values[..., obs]`` within each group (last axis), NaN for empty groups."""
    onehot = np.zeros((values.shape[-1], n_groups))
    onehot[np.arange(values.shape[-1]), groups] = 1.0
    counts = onehot.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (values @ onehot) / np.where(counts > 0, counts, np.nan)


def _daily_index(tree: xr.DataTree, trial: Trial, n_obs: int) -> pd.DataFrame | None:
    """Treatment, day and cell of each observation of a daily model."""
    obs = trial.observations
    cell_idx, day_idx = _constant(tree, "obs_cell_idx"), _constant(tree, "obs_day_idx")
    cell_treat = _constant(tree, "cell_treatment_idx")
    if cell_idx is not None and day_idx is not None and cell_treat is not None:
        if len(cell_idx) == n_obs:
            return pd.DataFrame(
                {
                    "cell": cell_idx.astype(int),
                    "day": day_idx.astype(int) + 1,
                    "treatment_idx": cell_treat[cell_idx.astype(int)].astype(int),
                }
            )
    if len(obs) == n_obs:
        return pd.DataFrame(
            {
                "cell": obs["cell_idx"].to_numpy(int),
                "day": obs["day"].to_numpy(int),
                "treatment_idx": obs["treatment_idx"].to_numpy(int),
            }
        )
    return None


def _score_scale(outcome: Outcome, y: np.ndarray) -> tuple[float, float] | None:
    """Return the outcome's bounds when its readings are integers on a small bounded scale."""
    lower, upper = outcome.lower, outcome.upper
    if lower is None or upper is None or upper - lower > SCORE_SCALE_MAX:
        return None
    finite = y[np.isfinite(y)]
    return (float(lower), float(upper)) if np.allclose(finite, np.rint(finite)) else None


def posterior_predictive_checks(
    source: Any,
    trial: Trial | None = None,
    *,
    capabilities: Capabilities | None = None,
    max_draws: int = PPC_MAX_DRAWS,
    seed: int = PPC_SEED,
) -> PPC:
    """Summarise replicated data against the observed data, per arm.

    Parameters
    ----------
    source : FitResult or xarray.DataTree
        A fit (its trial and spec are used when not given) or a fit's DataTree, with
        ``posterior_predictive`` and ``observed_data``.
    trial : Trial, optional
        The fitted data (labels, follow-up length, outcome); default ``source.trial``.
    capabilities : Capabilities, optional
        The fitted spec's (:func:`bayes_keta.models.capabilities`): the observed variable, and
        whether it is one value per subject-period (LOO kind ``"cell"``); default the fit's.
    max_draws : int
        Replicated data sets to use (a seeded subset).
    seed : int
        Seed of the subset.

    Returns
    -------
    PPC

    Raises
    ------
    KeyError
        The tree has no posterior predictive draws, or the observations cannot be matched to
        arms.
    ValueError
        A DataTree without ``trial`` and ``capabilities``, or a fit whose trial is not at hand.
    """
    tree = source.datatree if hasattr(source, "datatree") else source
    if trial is None:
        trial = getattr(source, "trial", None)
    if capabilities is None and hasattr(source, "spec"):
        from bayes_keta.models import capabilities as capabilities_of

        capabilities = capabilities_of(source.spec)
    if trial is None or capabilities is None:
        raise ValueError("give the fit (with its trial) or the DataTree, trial and capabilities")
    if "posterior_predictive" not in tree.children:
        raise KeyError("no posterior_predictive group")
    var = capabilities.observed
    if "observed_data" not in tree.children or var not in tree["observed_data"].data_vars:
        raise KeyError(f"no observed {var!r} stored")
    y = np.asarray(tree["observed_data"][var].values, dtype=float).ravel()
    rep = _replicates(tree, var, max_draws=max_draws, seed=seed)
    arms = list(trial.treatments)
    outcome = trial.outcome
    notes: list[str] = [
        f"{rep.shape[0]} replicated data sets (a seeded subset of the posterior draws);"
        f" intervals are {CI_PROB * 100:g}% intervals of the replicated statistic. Replicates"
        " are conditional on the fitted subject and subject-period effects (new readings for"
        " the same subject-periods), so they check the reading-level fit; between-subject"
        " spread is reproduced by construction."
    ]
    if capabilities.loo == "cell":  # one value per subject-period
        cell_treat = _constant(tree, "cell_treatment_idx")
        if cell_treat is None or len(cell_treat) != len(y):
            raise KeyError("cannot match the AUC observations to treatment arms")
        cell_arm = np.asarray(cell_treat, dtype=int)
        auc_obs, auc_rep = y, rep
        scores = by_day = None
        notes.append(
            f"{var.upper()} model: single readings and by-day curves are not modelled, only the"
            f" {var.upper()}."
        )
    else:
        index = _daily_index(tree, trial, len(y))
        if index is None:
            raise KeyError("cannot match the daily observations to treatment arms")
        bounds = _score_scale(outcome, y)
        if bounds is None:
            scores = None
            notes.append("A continuous or wide-range outcome: no score-by-score table.")
        else:
            recorded = np.clip(np.rint(rep), *bounds)
            if not np.allclose(rep, recorded):
                notes.append(
                    "Replicated readings from the continuous likelihood were rounded to"
                    f" integers and clipped to {bounds[0]:g}-{bounds[1]:g}, as a diary records"
                    " them."
                )
            scores = _score_table(y, recorded, index["treatment_idx"].to_numpy(), arms, bounds)
        by_day = _day_table(y, rep, index, arms, trial.n_days)
        cells = index["cell"].to_numpy()
        n_cells = int(cells.max()) + 1
        auc_obs = trial.n_days * _group_means(y[None, :], cells, n_cells)[0]
        auc_rep = trial.n_days * _group_means(rep, cells, n_cells)
        cell_arm = np.full(n_cells, -1)
        cell_arm[cells] = index["treatment_idx"].to_numpy()
        keep = np.isfinite(auc_obs)
        auc_obs, auc_rep, cell_arm = auc_obs[keep], auc_rep[:, keep], cell_arm[keep]
    labels = np.asarray([arms[i] for i in cell_arm])
    auc_rep_da = xr.DataArray(
        auc_rep, dims=("rep", "cell"), coords={"treatment": ("cell", labels)}, name="auc_rep"
    )
    cells_df = pd.DataFrame({"treatment": labels, "observed": auc_obs})
    return PPC(
        variable=var,
        scores=scores,
        auc_cells=cells_df,
        auc_rep=auc_rep_da,
        auc_table=_auc_table(auc_obs, auc_rep, labels, arms),
        by_day=by_day,
        n_rep=int(rep.shape[0]),
        notes=tuple(notes),
        outcome=outcome,
    )


def _score_table(
    y: np.ndarray,
    recorded: np.ndarray,
    arm_idx: np.ndarray,
    arms: list[str],
    bounds: tuple[float, float],
) -> pd.DataFrame:
    scores = np.arange(int(bounds[0]), int(bounds[1]) + 1)
    y_int = np.clip(np.rint(y), *bounds)
    rows = []
    for k, arm in enumerate(arms):
        mask = arm_idx == k
        obs_counts = (y_int[mask][:, None] == scores[None, :]).sum(axis=0)
        rep_counts = (recorded[:, mask][:, :, None] == scores[None, None, :]).sum(axis=1)
        med, lo, hi = _interval(rep_counts)
        for j, s in enumerate(scores):
            rows.append(
                {
                    "treatment": arm,
                    "score": int(s),
                    "observed": int(obs_counts[j]),
                    "rep_median": float(med[j]),
                    "rep_lo": float(lo[j]),
                    "rep_hi": float(hi[j]),
                }
            )
    return pd.DataFrame(rows)


def _day_table(
    y: np.ndarray, rep: np.ndarray, index: pd.DataFrame, arms: list[str], n_days: int
) -> pd.DataFrame:
    group = index["treatment_idx"].to_numpy() * n_days + (index["day"].to_numpy() - 1)
    n_groups = len(arms) * n_days
    obs_mean = _group_means(y[None, :], group, n_groups)[0]
    rep_mean = _group_means(rep, group, n_groups)
    with np.errstate(invalid="ignore"):
        med, lo, hi = _interval(rep_mean)
    return pd.DataFrame(
        {
            "treatment": np.repeat(arms, n_days),
            "day": np.tile(np.arange(1, n_days + 1), len(arms)),
            "observed": obs_mean,
            "rep_median": med,
            "rep_lo": lo,
            "rep_hi": hi,
        }
    )


def _auc_table(
    auc_obs: np.ndarray, auc_rep: np.ndarray, labels: np.ndarray, arms: list[str]
) -> pd.DataFrame:
    rows = []
    for arm in arms:
        mask = labels == arm
        if not mask.any():
            continue
        obs_mean, obs_sd = float(auc_obs[mask].mean()), float(auc_obs[mask].std(ddof=1))
        rep_mean = auc_rep[:, mask].mean(axis=1)
        rep_sd = auc_rep[:, mask].std(axis=1, ddof=1)
        _, m_lo, m_hi = _interval(rep_mean)
        _, s_lo, s_hi = _interval(rep_sd)
        rows.append(
            {
                "treatment": arm,
                "cells": int(mask.sum()),
                "observed_mean": obs_mean,
                "rep_mean_lo": float(m_lo),
                "rep_mean_hi": float(m_hi),
                "ppp_mean": float((rep_mean >= obs_mean).mean()),
                "observed_sd": obs_sd,
                "rep_sd_lo": float(s_lo),
                "rep_sd_hi": float(s_hi),
                "ppp_sd": float((rep_sd >= obs_sd).mean()),
            }
        )
    return pd.DataFrame(rows)
