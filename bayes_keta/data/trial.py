"""The validated trial object every later step (models, estimands, reports, exports) reads."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from bayes_keta.outcome import Outcome

__all__ = ["Trial"]


@dataclass(frozen=True)
class Trial:
    """A validated crossover trial, in long format, with labelled coordinates.

    Build it with :func:`bayes_keta.load_trial` (which validates), not directly.

    Attributes
    ----------
    data : pandas.DataFrame
        Validated long frame, one row per subject x period x reading, sorted by subject,
        period, day. Columns: ``subject`` (str), ``period`` (int, 1..P), ``treatment`` (str,
        one of ``treatments``), ``day`` (int, 1..D: the reading number within the period),
        ``pain`` (float, NaN where missing: the readings in the outcome's units, whatever
        column they were read from, :attr:`Outcome.column`) and, when given, ``sequence``
        (str) and ``baseline_pain`` (float).
    treatments : tuple of str
        Treatment labels, the reference first.
    reference : str
        Reference (control) treatment label.
    name : str
        Short name of the data set (file stem, or ``"ketapain_synthetic"``).
    synthetic : bool
        True when the data were simulated, never real patients.
    source : str
        Where the data came from (a path, or a description of the generator and its seed).
    n_days : int
        Readings (follow-up days) per period (the largest ``day``), the horizon of AUC
        estimands; 1 with one reading per period.
    notes : tuple of str
        Facts the validator reports without refusing (drop-outs, missing days...).
    outcome : Outcome
        What the readings measure and how differences are judged (units, bounds, direction
        of benefit, thresholds, ROPE); the 0-10 pain NRS unless the data declare another.
    flagship : bool
        True only for the embedded KETAPAIN-like trial, whose report may show the published
        KETAPAIN results beside it; any other data set is the user's own trial.
    """

    data: pd.DataFrame
    treatments: tuple[str, ...]
    reference: str
    name: str
    synthetic: bool
    source: str
    n_days: int
    notes: tuple[str, ...] = field(default_factory=tuple)
    outcome: Outcome = field(default_factory=Outcome.nrs_0_10)
    flagship: bool = False

    # ----------------------------------------------------------------------------- coordinates
    @cached_property
    def subjects(self) -> tuple[str, ...]:
        """Subject labels in order of first appearance after sorting."""
        return tuple(pd.unique(self.data["subject"]))

    @cached_property
    def periods(self) -> tuple[int, ...]:
        """Period numbers, ascending."""
        return tuple(int(p) for p in sorted(pd.unique(self.data["period"])))

    @cached_property
    def days(self) -> tuple[int, ...]:
        """Days 1..n_days."""
        return tuple(range(1, self.n_days + 1))

    @property
    def actives(self) -> tuple[str, ...]:
        """Active (non-reference) treatments."""
        return tuple(t for t in self.treatments if t != self.reference)

    @property
    def coords(self) -> dict[str, list]:
        """Labelled coordinates: ``subject``, ``period``, ``treatment``, ``day``."""
        return {
            "subject": list(self.subjects),
            "period": list(self.periods),
            "treatment": list(self.treatments),
            "day": list(self.days),
        }

    @property
    def has_baseline(self) -> bool:
        """Whether a ``baseline_pain`` covariate is present (and complete)."""
        return "baseline_pain" in self.data and bool(self.data["baseline_pain"].notna().all())

    # ------------------------------------------------------------------- design (cell) tables
    @cached_property
    def cells(self) -> pd.DataFrame:
        """One row per observed subject-period with its treatment and index columns.

        Columns: ``subject``, ``period``, ``treatment``, ``subject_idx``, ``period_idx``,
        ``treatment_idx``, ``previous_treatment`` (None in period 1), ``n_obs`` (non-missing
        days), ``mean_pain`` and, when present, ``baseline_pain``; plus ``cell_idx``.
        """
        keys = ["subject", "period"]
        agg = self.data.groupby(keys, sort=False).agg(
            treatment=("treatment", "first"),
            n_obs=("pain", "count"),
            mean_pain=("pain", "mean"),
        )
        if "baseline_pain" in self.data:
            agg["baseline_pain"] = self.data.groupby(keys, sort=False)["baseline_pain"].first()
        cells = agg.reset_index()
        cells["subject_idx"] = cells["subject"].map({s: i for i, s in enumerate(self.subjects)})
        cells["period_idx"] = cells["period"].map({p: i for i, p in enumerate(self.periods)})
        cells["treatment_idx"] = cells["treatment"].map(
            {t: i for i, t in enumerate(self.treatments)}
        )
        cells = cells.sort_values(["subject_idx", "period_idx"]).reset_index(drop=True)
        previous = cells[["subject", "period", "treatment"]].rename(
            columns={"treatment": "previous_treatment"}
        )
        previous["period"] = previous["period"] + 1
        cells = cells.merge(previous, on=["subject", "period"], how="left")
        cells["previous_treatment"] = cells["previous_treatment"].astype(object)
        cells.loc[cells["previous_treatment"].isna(), "previous_treatment"] = None
        cells["cell_idx"] = np.arange(len(cells))
        return cells

    @cached_property
    def dropouts(self) -> tuple[str, ...]:
        """Subjects who dropped out: a period absent, or every later period without pain data.

        A subject is a drop-out when it has no rows for some period of the trial, or when its
        last period with an observed pain value comes before the trial's last period (rows
        present but every pain value missing counts as absent). A period without data
        followed by one with data is a missed period, not a drop-out.
        """
        cells = self.cells
        last = max(self.periods)
        n_periods = cells.groupby("subject", sort=False)["period"].nunique()
        observed = cells.loc[cells["n_obs"] > 0].groupby("subject", sort=False)["period"].max()
        return tuple(
            s
            for s in self.subjects
            if n_periods[s] < len(self.periods) or observed.get(s, 0) < last
        )

    @cached_property
    def observations(self) -> pd.DataFrame:
        """Rows with observed pain, with integer index columns for model building.

        Columns: ``subject``, ``period``, ``treatment``, ``day``, ``pain``, ``subject_idx``,
        ``period_idx``, ``treatment_idx``, ``day_idx`` (day - 1) and ``cell_idx`` (row of
        :attr:`cells`).
        """
        obs = self.data.loc[self.data["pain"].notna()].copy()
        cell_index = {
            (s, p): i
            for s, p, i in zip(
                self.cells["subject"], self.cells["period"], self.cells["cell_idx"], strict=True
            )
        }
        obs["subject_idx"] = obs["subject"].map({s: i for i, s in enumerate(self.subjects)})
        obs["period_idx"] = obs["period"].map({p: i for i, p in enumerate(self.periods)})
        obs["treatment_idx"] = obs["treatment"].map({t: i for i, t in enumerate(self.treatments)})
        obs["day_idx"] = obs["day"] - 1
        obs["cell_idx"] = [
            cell_index[(s, p)] for s, p in zip(obs["subject"], obs["period"], strict=True)
        ]
        return obs.reset_index(drop=True)

    @property
    def n_subjects(self) -> int:
        """Number of subjects."""
        return len(self.subjects)

    @property
    def n_observations(self) -> int:
        """Number of non-missing daily pain scores."""
        return int(self.data["pain"].notna().sum())

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the canonical CSV rendering of the validated data (the data hash)."""
        canonical = self.data.to_csv(index=False, float_format="%.10g").encode()
        return hashlib.sha256(canonical).hexdigest()

    def __repr__(self) -> str:
        label = "SYNTHETIC " if self.synthetic else ""
        return (
            f"<Trial {label}{self.name!r}: {self.n_subjects} subjects,"
            f" {len(self.periods)} periods, {self.n_days} days,"
            f" treatments={list(self.treatments)}, reference={self.reference!r}>"
        )
