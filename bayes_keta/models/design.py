"""Numeric design arrays a model needs, derived from a :class:`~bayes_keta.data.trial.Trial`.

Pure NumPy: no PyMC. Every array is labelled by the coords the builders attach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayes_keta.constants import ORDINAL_MAX_CATEGORIES
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import DataError, SpecError

__all__ = [
    "CellDesign",
    "ObsDesign",
    "auc_cells",
    "auc_missing_data",
    "baseline_problem",
    "cell_design",
    "integer_problem",
    "missing_readings",
    "obs_design",
    "ordinal_categories",
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
    """Observation arrays; ``integer=True`` gives category indices 0..K (ordinal).

    With ``integer=True`` the readings must be integers within the outcome's declared bounds
    (:func:`integer_problem`) and ``pain`` holds ``reading - lower``.

    Raises
    ------
    SpecError
        ``integer=True`` and the outcome or a reading does not suit the ordinal likelihood.
    DataError
        No observed reading at all.
    """
    obs = trial.observations
    if len(obs) == 0:
        raise DataError(f"trial {trial.name!r} has no observed {trial.outcome.noun} reading")
    pain = obs["pain"].to_numpy(dtype=float)
    if integer:
        problem = integer_problem(trial)
        if problem:
            raise SpecError(problem)
        pain = np.round(pain) - float(trial.outcome.lower or 0.0)
    cell = obs["cell_idx"].to_numpy(dtype=np.int64)
    day = obs["day_idx"].to_numpy(dtype=np.int64)
    order = np.lexsort((day, cell))
    if not np.array_equal(order, np.arange(len(order))):
        raise DataError("observations must be sorted by subject, period, day")
    same_cell = np.r_[False, cell[1:] == cell[:-1]]
    prev = np.where(same_cell, np.arange(len(cell)) - 1, -1)
    gap = np.where(same_cell, day - np.r_[0, day[:-1]], 1)
    return ObsDesign(pain=pain, cell_idx=cell, day_idx=day, prev=prev, gap=gap.astype(np.int64))


def ordinal_categories(trial: Trial) -> int | None:
    """Categories of an integer outcome with declared integer bounds (``upper - lower + 1``).

    None when the outcome has no declared bounds or they are not integers.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> ordinal_categories(bk.ketapain_synthetic())
    11
    """
    outcome = trial.outcome
    if not outcome.bounded:
        return None
    lower, upper = float(outcome.lower), float(outcome.upper)  # type: ignore[arg-type]
    if not (lower.is_integer() and upper.is_integer()):
        return None
    return int(upper - lower) + 1


def integer_problem(trial: Trial, *, categories: int | None = None) -> str | None:
    """Why the trial does not suit the ordinal likelihood, or None.

    It needs an integer outcome with a small declared range (at most
    :data:`~bayes_keta.constants.ORDINAL_MAX_CATEGORIES` categories), integer readings, and,
    when the spec's cutpoints prior fixes their number, ``categories`` categories.
    """
    outcome = trial.outcome
    n_cat = ordinal_categories(trial)
    use = "use a Gaussian spec (daily, auc)"
    if n_cat is None:
        return (
            f"the ordinal likelihood needs an integer outcome with declared integer bounds;"
            f" {outcome.label!r} has {'none' if not outcome.bounded else 'non-integer ones'}:"
            f" {use}"
        )
    if n_cat > ORDINAL_MAX_CATEGORIES:
        return (
            f"the ordinal likelihood needs a small declared range (at most"
            f" {ORDINAL_MAX_CATEGORIES} categories); {outcome.label!r} has {n_cat}"
            f" ({outcome.lower:g}..{outcome.upper:g}): {use}"
        )
    if categories is not None and categories != n_cat:
        return (
            f"the spec's cutpoints prior has {categories - 1} cutpoints ({categories}"
            f" categories); {outcome.label!r} has {n_cat} ({outcome.lower:g}..{outcome.upper:g}):"
            f" write a spec with {n_cat - 1} cutpoints"
        )
    pain = trial.observations["pain"].to_numpy(dtype=float)
    bad = ~np.isclose(pain, np.round(pain))
    if not bad.any():
        return None
    examples = ", ".join(f"{v:g}" for v in np.unique(pain[bad])[:5])
    return (
        f"the ordinal likelihood needs integer {outcome.noun} scores"
        f" {outcome.lower:g}..{outcome.upper:g}; trial {trial.name!r} has {int(bad.sum())}"
        f" other value(s) (e.g. {examples}): {use} or round the readings"
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


def missing_readings(trial: Trial) -> dict[str, Any]:
    """How a daily-level model handles missing readings: it leaves them out (with counts).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> m = missing_readings(bk.ketapain_synthetic())
    >>> m["handling"], m["n_readings_expected"], m["n_readings_missing"]
    ('observed_only', 2100, 64)
    """
    cells = trial.cells
    expected = len(cells) * trial.n_days
    observed = int(cells["n_obs"].sum())
    empty = int((cells["n_obs"] == 0).sum())
    text = (
        f"missing data: the likelihood uses the {observed} observed readings; the"
        f" {expected - observed} of {expected} expected ({_pct(expected - observed, expected)})"
        " that are missing are left out, assumed missing at random given the model"
    )
    if empty:
        text += f"; {empty} subject-period(s) without any reading contribute nothing"
    return {
        "handling": "observed_only",
        "text": text,
        "n_cells": len(cells),
        "n_cells_empty": empty,
        "n_readings_expected": expected,
        "n_readings_observed": observed,
        "n_readings_missing": expected - observed,
    }


def auc_missing_data(trial: Trial, *, min_observed_fraction: float) -> dict[str, Any]:
    """How the AUC model handles missing readings: cell-mean filling, dropped cells, counts.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> m = auc_missing_data(bk.ketapain_synthetic(), min_observed_fraction=0.5)
    >>> m["handling"], m["n_cells_used"], m["n_readings_filled"], m["weights"]
    ('auc_cell_mean', 60, 64, 'equal')
    """
    cells = trial.cells
    need = math.ceil(min_observed_fraction * trial.n_days)
    n_obs = cells["n_obs"].to_numpy()
    kept = n_obs >= need
    dropped = [
        {
            "subject": str(row.subject),
            "period": int(row.period),
            "treatment": str(row.treatment),
            "n_obs": int(row.n_obs),
        }
        for row in cells.loc[~kept].itertuples(index=False)
    ]
    filled = int((trial.n_days - n_obs[kept]).sum())
    days, n_kept = trial.n_days, int(kept.sum())
    if days == 1:
        text = (
            "missing data: the AUC is the period's single reading; subject-periods without it"
            f" are dropped ({len(dropped)} of {len(cells)}); each kept one weighs the same"
        )
    else:
        text = (
            f"missing data: AUC per subject-period = {days} x the mean of its observed"
            f" readings, so a missing reading counts as its subject-period's mean ({filled}"
            f" readings filled in {int((n_obs[kept] < days).sum())} of {n_kept} subject-periods);"
            f" subject-periods with fewer than {need} of {days} readings observed are dropped"
            f" ({len(dropped)} of {len(cells)}); every kept subject-period weighs the same"
            " whatever its number of observed readings"
        )
    return {
        "handling": "auc_cell_mean",
        "text": text,
        "n_cells": len(cells),
        "n_cells_used": n_kept,
        "n_cells_dropped": len(dropped),
        "dropped": dropped,
        "min_observed": need,
        "min_observed_fraction": float(min_observed_fraction),
        "n_readings_expected": n_kept * days,
        "n_readings_observed": int(n_obs[kept].sum()),
        "n_readings_filled": filled,
        "weights": "equal",
    }


def _pct(part: int, whole: int) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "0%"
