"""Numeric design arrays a model needs, derived from a :class:`~bayes_keta.data.trial.Trial`.

Pure NumPy: no PyMC. Every array is labelled by the coords the builders attach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import DataError, SpecError

__all__ = [
    "CellDesign",
    "ObsDesign",
    "auc_cells",
    "baseline_problem",
    "cell_design",
    "integer_problem",
    "obs_design",
]


@dataclass(frozen=True)
class CellDesign:
    """Subject-period level arrays (one row per observed cell of ``trial.cells``).

    ``carry_idx`` is 0 when there is no carryover (period 1, or the reference before), else
    1 + the index of the previous active treatment in ``trial.actives``. ``baseline`` is
    ``baseline_pain`` centred at its mean over cells (zeros when unused).
    """

    subject_idx: np.ndarray
    period_idx: np.ndarray
    treatment_idx: np.ndarray
    carry_idx: np.ndarray
    baseline: np.ndarray
    baseline_mean: float


@dataclass(frozen=True)
class ObsDesign:
    """Observation level arrays (one row per non-missing daily score).

    ``prev`` is the row of the previous observed day of the same cell (-1 for the first) and
    ``gap`` the number of days since it (1 for consecutive days; 1 where ``prev`` is -1).
    """

    pain: np.ndarray
    cell_idx: np.ndarray
    day_idx: np.ndarray
    prev: np.ndarray
    gap: np.ndarray


def cell_design(trial: Trial, *, baseline: bool) -> CellDesign:
    """Cell arrays of ``trial.cells``; ``baseline=True`` needs a complete ``baseline_pain``.

    Raises
    ------
    SpecError
        ``baseline=True`` on a trial without ``baseline_pain``.
    """
    cells = trial.cells
    active_pos = {t: i + 1 for i, t in enumerate(trial.actives)}
    carry = np.array([active_pos.get(t, 0) if t else 0 for t in cells["previous_treatment"]])
    if baseline:
        problem = baseline_problem(trial)
        if problem:
            raise SpecError(problem)
        raw = cells["baseline_pain"].to_numpy(dtype=float)
        mean = float(raw.mean())
        centred = raw - mean
    else:
        mean, centred = 0.0, np.zeros(len(cells))
    return CellDesign(
        subject_idx=cells["subject_idx"].to_numpy(dtype=np.int64),
        period_idx=cells["period_idx"].to_numpy(dtype=np.int64),
        treatment_idx=cells["treatment_idx"].to_numpy(dtype=np.int64),
        carry_idx=carry.astype(np.int64),
        baseline=centred,
        baseline_mean=mean,
    )


def obs_design(trial: Trial, *, integer: bool = False) -> ObsDesign:
    """Observation arrays; ``integer=True`` requires integer 0..10 scores (ordinal).

    Raises
    ------
    SpecError
        ``integer=True`` and some score is not an integer in 0..10.
    DataError
        No observed score at all.
    """
    obs = trial.observations
    if len(obs) == 0:
        raise DataError(f"trial {trial.name!r} has no observed pain score")
    pain = obs["pain"].to_numpy(dtype=float)
    if integer:
        problem = integer_problem(trial)
        if problem:
            raise SpecError(problem)
        pain = np.round(pain)
    cell = obs["cell_idx"].to_numpy(dtype=np.int64)
    day = obs["day_idx"].to_numpy(dtype=np.int64)
    order = np.lexsort((day, cell))
    if not np.array_equal(order, np.arange(len(order))):
        raise DataError("observations must be sorted by subject, period, day")
    same_cell = np.r_[False, cell[1:] == cell[:-1]]
    prev = np.where(same_cell, np.arange(len(cell)) - 1, -1)
    gap = np.where(same_cell, day - np.r_[0, day[:-1]], 1)
    return ObsDesign(pain=pain, cell_idx=cell, day_idx=day, prev=prev, gap=gap.astype(np.int64))


def integer_problem(trial: Trial) -> str | None:
    """Why the trial's pain scores are not integers 0..10 (ordinal models), or None."""
    pain = trial.observations["pain"].to_numpy(dtype=float)
    bad = ~np.isclose(pain, np.round(pain)) | (pain < 0) | (pain > 10)
    if not bad.any():
        return None
    examples = ", ".join(f"{v:g}" for v in np.unique(pain[bad])[:5])
    return (
        f"the ordinal likelihood needs integer pain scores 0..10; trial {trial.name!r}"
        f" has {int(bad.sum())} other value(s) (e.g. {examples}): use a Gaussian spec"
        " or round the diary scores"
    )


def baseline_problem(trial: Trial) -> str | None:
    """Why ``baseline = true`` cannot be used on the trial (no covariate), or None."""
    if trial.has_baseline:
        return None
    return (
        f"baseline = true needs a complete 'baseline_pain' column; trial {trial.name!r}"
        " has none (turn the option off or add the covariate)"
    )


def auc_cells(trial: Trial, *, min_observed_fraction: float) -> tuple[np.ndarray, np.ndarray]:
    """AUC per subject-period and the kept cell rows.

    The AUC over days 1..D is the sum of the daily scores with each missing day imputed by the
    mean of the cell's observed days, i.e. ``D * mean_pain``. Cells with fewer than
    ``ceil(min_observed_fraction * D)`` observed days are dropped (too little diary to
    impute honestly).

    Returns
    -------
    tuple of numpy.ndarray
        ``(auc, kept)``: AUC of each kept cell, and the kept rows of ``trial.cells``.

    Raises
    ------
    DataError
        Fewer than two cells remain.
    """
    cells = trial.cells
    need = math.ceil(min_observed_fraction * trial.n_days)
    kept = np.flatnonzero(cells["n_obs"].to_numpy() >= need)
    if len(kept) < 2:
        raise DataError(
            f"the AUC model needs subject-periods with >= {need} observed days;"
            f" trial {trial.name!r} has {len(kept)}"
        )
    auc = trial.n_days * cells["mean_pain"].to_numpy(dtype=float)[kept]
    return auc, kept
