"""Missing readings for the report's data section: by day and arm, and how each spec handles them.

Computed once by the data section's collector (:func:`collect_missing`, stored in
``ReportData.extras["data"]``): the missing readings by day and arm
(:func:`bayes_keta.data.missingness.missingness_by_arm`), the same as a compact day x arm
table, and for each fitted spec its declared missing-data handling (the fit record's
``missing_data``, else its builder's declaration for fits saved before it was recorded) and
whether it estimates the mean over all the period's readings honestly when completion trends
over the days: only a model whose effect varies by day (``time_varying_effect``) and that
leaves missing readings out of the likelihood does (under missing at random given the model);
the AUC's cell-mean filling and a constant effect lean towards the well-completed days
(:mod:`bayes_keta.data.missingness`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from bayes_keta.data.missingness import missingness_by_arm
from bayes_keta.models import builder_for, capabilities
from bayes_keta.report.data import ReportData

__all__ = ["MissingReadings", "SpecHandling", "collect_missing", "day_by_arm"]

#: How each declared handling is worded.
HANDLING_TEXT: dict[str, str] = {
    "observed_only": "left out of the likelihood (missing at random given the model)",
    "auc_cell_mean": "AUC: a missing reading counts as its subject-period mean",
}


@dataclass(frozen=True)
class SpecHandling:
    """One fitted spec's missing-data handling.

    Attributes
    ----------
    spec : str
        Spec name.
    handling : str
        Declared handling (``observed_only``, ``auc_cell_mean``...).
    text : str
        The declaration's sentence, with counts.
    counts : str
        Short counts: readings missing, filled, subject-periods dropped.
    by_day : bool
        The model's effect varies over the days of a period.
    honest : bool
        It estimates the mean over all the period's readings honestly when completion trends.
    declared_by : str
        ``"fit record"`` or ``"builder"`` (a fit saved before the record kept it).
    """

    spec: str
    handling: str
    text: str
    counts: str
    by_day: bool
    honest: bool
    declared_by: str = "fit record"


@dataclass(frozen=True)
class MissingReadings:
    """What the data section shows about missing readings.

    Attributes
    ----------
    by_arm : pandas.DataFrame
        :func:`~bayes_keta.data.missingness.missingness_by_arm` of the trial.
    compact : pandas.DataFrame
        :func:`day_by_arm`: one row per day, ``missing/expected`` per arm and overall.
    specs : tuple of SpecHandling
        Each fitted spec's handling, in fitting order.
    alternatives : tuple of str
        Shipped specs that suit the design and estimate the all-days mean honestly (named
        when no fitted spec does).
    """

    by_arm: pd.DataFrame = field(repr=False)
    compact: pd.DataFrame = field(repr=False)
    specs: tuple[SpecHandling, ...] = ()
    alternatives: tuple[str, ...] = ()

    @property
    def any_missing(self) -> bool:
        """Whether any expected reading is missing."""
        return bool(len(self.by_arm)) and int(self.by_arm["missing"].sum()) > 0

    @property
    def honest(self) -> tuple[str, ...]:
        """Fitted specs that estimate the all-days mean honestly under a completion trend."""
        return tuple(s.spec for s in self.specs if s.honest)


def day_by_arm(by_arm: pd.DataFrame) -> pd.DataFrame:
    """Pivot missing readings by day and arm to one row per day: ``missing/expected`` cells.

    Examples
    --------
    >>> t = pd.DataFrame({"treatment": ["a", "a", "b", "b"], "day": [1, 2, 1, 2],
    ...                   "expected": 10, "missing": [0, 2, 1, 4]})
    >>> day_by_arm(t).to_dict("records")[1]
    {'day': 2, 'a': '2/10', 'b': '4/10', 'all arms': '6/20 (30%)'}
    """
    arms = list(dict.fromkeys(by_arm["treatment"]))
    out = pd.DataFrame({"day": sorted(set(by_arm["day"]))})
    for arm in arms:
        rows = by_arm[by_arm["treatment"] == arm].set_index("day")
        out[arm] = [f"{rows.at[d, 'missing']}/{rows.at[d, 'expected']}" for d in out["day"]]
    total = by_arm.groupby("day")[["missing", "expected"]].sum().loc[out["day"]]
    pairs = zip(total["missing"], total["expected"], strict=True)
    out["all arms"] = [f"{m}/{e} ({100 * m / max(e, 1):.0f}%)" for m, e in pairs]
    return out


def _counts(missing: dict[str, Any]) -> str:
    if missing.get("handling") == "auc_cell_mean":
        return (
            f"{missing.get('n_readings_filled', 0)} readings filled;"
            f" {missing.get('n_cells_dropped', 0)} of {missing.get('n_cells', 0)}"
            " subject-periods dropped"
        )
    return (
        f"{missing.get('n_readings_missing', 0)} of {missing.get('n_readings_expected', 0)}"
        " readings missing"
    )


def _handling(name: str, fit: Any, trial: Any) -> SpecHandling:
    missing, declared_by = dict(fit.record.missing_data), "fit record"
    if not missing:  # saved before fits recorded it: the builder declares it
        missing, declared_by = builder_for(fit.spec).missing_data(trial, fit.spec), "builder"
    kind = str(missing.get("handling", "unknown"))
    by_day = bool(capabilities(fit.spec).time_varying_effect)
    return SpecHandling(
        spec=name,
        handling=kind,
        text=str(missing.get("text", "")),
        counts=_counts(missing),
        by_day=by_day,
        honest=by_day and kind == "observed_only",
        declared_by=declared_by,
    )


def _alternatives(trial: Any) -> tuple[str, ...]:
    from bayes_keta.models.registry import suitability

    return tuple(
        name
        for name, why in suitability(trial).items()
        if why is None and capabilities(name).time_varying_effect
    )


def collect_missing(data: ReportData) -> MissingReadings:
    """Collect missing readings by day and arm and each fitted spec's handling (the collector).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> from types import SimpleNamespace
    >>> found = collect_missing(SimpleNamespace(trial=bk.ketapain_synthetic(), results={}))
    >>> found.any_missing, list(found.compact.columns)[:2], found.alternatives
    (True, ['day', 'placebo'], ('daily_decay',))
    """
    trial = data.trial
    by_arm = missingness_by_arm(trial)
    specs = tuple(_handling(name, r.fit, trial) for name, r in data.results.items())
    honest = any(s.honest for s in specs)
    return MissingReadings(
        by_arm=by_arm,
        compact=day_by_arm(by_arm),
        specs=specs,
        alternatives=() if honest or trial.n_days == 1 else _alternatives(trial),
    )
