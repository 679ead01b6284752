"""Describe a trial: outcome, design class, sequences, completeness, observed AUC per arm."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pandas as pd

from bayes_keta.data.design_class import DesignClass, classify_design
from bayes_keta.data.missingness import CompletionTrend, completion_trend, missingness_by_day
from bayes_keta.data.trial import Trial
from bayes_keta.outcome import Outcome

__all__ = ["DesignSummary", "design_summary", "observed_auc", "replication_table"]

SYNTHETIC_BANNER = "SYNTHETIC DATA (simulated, not patients)"


def observed_auc(trial: Trial) -> pd.DataFrame:
    """Observed AUC of each subject-period: the sum of its readings over days 1..n_days.

    A missing reading (empty value or absent row) is imputed by the subject-period mean for
    this calculation only, so the AUC equals ``n_days * mean_pain`` of the cell (one reading
    per period: the reading itself).

    Parameters
    ----------
    trial : Trial
        A validated trial.

    Returns
    -------
    pandas.DataFrame
        Columns ``subject``, ``period``, ``treatment``, ``n_obs``, ``auc`` (NaN when a
        subject-period has no observed day).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> auc = observed_auc(bk.ketapain_synthetic())
    >>> len(auc)
    60
    """
    cells = trial.cells
    out = cells[["subject", "period", "treatment", "n_obs"]].copy()
    out["auc"] = cells["mean_pain"] * trial.n_days
    return out


@dataclass(frozen=True)
class DesignSummary:
    """What a validated trial contains, as a table and as text.

    Attributes
    ----------
    name : str
        Data set name.
    synthetic : bool
        Whether the data are simulated.
    n_subjects, n_periods, n_days : int
        Design size.
    sequences : dict of str to int
        Number of subjects on each treatment sequence.
    dropouts : tuple of str
        Subjects missing at least one period, or whose later periods have rows but no
        reading (:attr:`bayes_keta.Trial.dropouts`); the text lists the periods with data.
    table : pandas.DataFrame
        One row per arm: ``treatment``, ``subjects``, ``expected_days``, ``observed_days``,
        ``missing_days``, ``missing_pct``, ``mean_pain`` (mean reading, outcome units),
        ``auc_mean``, ``auc_sd``.
    text : str
        Plain-text summary; its first line says SYNTHETIC DATA when the data are simulated.
    outcome : Outcome
        What the readings are.
    design : DesignClass or None
        The design's class (2x2, Williams, ...;
        :func:`bayes_keta.data.design_class.classify_design`).
    missingness : pandas.DataFrame
        Missing readings by day (:func:`bayes_keta.data.missingness.missingness_by_day` columns
        ``day``, ``expected``, ``observed``, ``missing``, ``missing_pct``).
    completion : CompletionTrend or None
        Trend test of completion over the days (None: fewer than 3 days or nothing missing).
    suitability : dict of str to (str or None)
        Shipped spec -> None when it suits the design, else why not (given by the caller:
        :func:`bayes_keta.models.registry.suitability`; empty when not asked).
    warnings : tuple of str
        What the analyst must know before fitting (a completion trend...).
    replication : pandas.DataFrame
        Periods per treatment per subject (:func:`replication_table`).
    replicated : bool
        Some subject receives a treatment in more than one period (a replicated crossover or
        N-of-1 series: individual treatment effects are identified by the data).
    """

    name: str
    synthetic: bool
    n_subjects: int
    n_periods: int
    n_days: int
    sequences: dict[str, int]
    dropouts: tuple[str, ...]
    table: pd.DataFrame
    text: str
    outcome: Outcome = field(default_factory=Outcome.nrs_0_10)
    design: DesignClass | None = None
    missingness: pd.DataFrame = field(default_factory=pd.DataFrame)
    completion: CompletionTrend | None = None
    suitability: dict[str, str | None] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    replication: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    replicated: bool = False

    @property
    def suitable_specs(self) -> tuple[str, ...]:
        """Specs of :attr:`suitability` that suit the design."""
        return tuple(name for name, why in self.suitability.items() if why is None)

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: the design, drop-outs and the per-arm table."""
        from bayes_keta.cards import html_card

        label = "SYNTHETIC data " if self.synthetic else ""
        return html_card(
            f"Design of {label}{self.name!r}",
            facts=(
                ("subjects", str(self.n_subjects)),
                ("periods", str(self.n_periods)),
                ("readings per period", str(self.n_days)),
                ("sequences", ", ".join(f"{s} x{n}" for s, n in self.sequences.items())),
                ("drop-outs", ", ".join(self.dropouts) or "none"),
            ),
            table=self.table.round(2),
            caption="Per arm: readings expected, observed and missing; observed means and AUC.",
        )


def replication_table(trial: Trial) -> pd.DataFrame:
    """Periods per treatment per subject: one row per subject, one column per treatment.

    Parameters
    ----------
    trial : Trial
        A validated trial.

    Returns
    -------
    pandas.DataFrame
        Index ``subject``, columns the treatments, counts of the subject's periods on each
        (periods with rows, observed readings or not).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> replication_table(bk.ketapain_synthetic()).max().tolist()
    [1, 1, 1]
    """
    cells = trial.cells
    counts = pd.crosstab(cells["subject"], cells["treatment"])
    counts = counts.reindex(index=list(trial.subjects), columns=list(trial.treatments))
    counts = counts.fillna(0).astype(int)
    counts.index.name, counts.columns.name = "subject", None
    return counts


def _replication_line(counts: pd.DataFrame) -> str:
    if counts.empty or int(counts.to_numpy().max()) <= 1:
        return (
            "Replication: none (each subject receives each treatment in at most one period: a"
            " standard crossover)"
        )
    patterns = counts.apply(lambda r: ", ".join(f"{t} x{n}" for t, n in r.items()), axis=1)
    shown = "; ".join(f"{p} ({n} subjects)" for p, n in patterns.value_counts().items())
    return f"Replication (periods per treatment per subject): {shown}"


def _sequences(trial: Trial) -> pd.Series:
    data = trial.data
    if "sequence" in data:
        per_subject = data.groupby("subject", sort=False)["sequence"].first()
    else:
        per_subject = (
            data.drop_duplicates(["subject", "period"])
            .groupby("subject", sort=False)["treatment"]
            .agg("-".join)
        )
    return per_subject.value_counts().sort_index()


def design_summary(
    trial: Trial, *, suitability: Mapping[str, str | None] | None = None
) -> DesignSummary:
    """Summarise a trial's design and completeness (class, sequences, missingness, drop-outs).

    Parameters
    ----------
    trial : Trial
        A validated trial.
    suitability : mapping of str to (str or None), optional
        Spec name -> None when it suits the design, else the reason (the model layer's
        :func:`bayes_keta.models.registry.suitability`; ``bayes-keta validate`` passes it).

    Returns
    -------
    DesignSummary
        With ``.table`` (one row per arm) and ``.text``.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> summary = bk.design_summary(bk.ketapain_synthetic())
    >>> summary.text.splitlines()[0].startswith("SYNTHETIC DATA")
    True
    """
    cells = trial.cells
    auc = observed_auc(trial)
    rows = []
    for arm in trial.treatments:
        arm_cells = cells[cells["treatment"] == arm]
        expected = len(arm_cells) * trial.n_days
        observed = int(arm_cells["n_obs"].sum())
        arm_auc = auc.loc[auc["treatment"] == arm, "auc"]
        rows.append(
            {
                "treatment": arm,
                "subjects": int(arm_cells["subject"].nunique()),
                "expected_days": expected,
                "observed_days": observed,
                "missing_days": expected - observed,
                "missing_pct": 100.0 * (expected - observed) / expected if expected else 0.0,
                "mean_pain": float(trial.data.loc[trial.data["treatment"] == arm, "pain"].mean()),
                "auc_mean": float(arm_auc.mean()),
                "auc_sd": float(arm_auc.std()),
            }
        )
    table = pd.DataFrame(rows)
    sequences = {str(k): int(v) for k, v in _sequences(trial).items()}
    dropouts = tuple(str(s) for s in trial.dropouts)
    missing = missingness_by_day(trial)
    trend = completion_trend(missing, reading=trial.outcome.reading)
    warnings = (trend.text,) if trend is not None and trend.trend else ()
    replication = replication_table(trial)
    summary = DesignSummary(
        name=trial.name,
        synthetic=trial.synthetic,
        n_subjects=trial.n_subjects,
        n_periods=len(trial.periods),
        n_days=trial.n_days,
        sequences=sequences,
        dropouts=dropouts,
        table=table,
        text="",
        outcome=trial.outcome,
        design=classify_design(trial),
        missingness=missing,
        completion=trend,
        suitability=dict(suitability or {}),
        warnings=warnings,
        replication=replication,
        replicated=bool(len(replication) and int(replication.to_numpy().max()) > 1),
    )
    return replace(summary, text=_render(trial, summary))


def _render(trial: Trial, summary: DesignSummary) -> str:
    outcome, table = trial.outcome, summary.table
    one = trial.n_days == 1
    lines = []
    if trial.synthetic:
        lines.append(f"{SYNTHETIC_BANNER}: {trial.name}")
    else:
        lines.append(f"Data: {trial.name}")
    lines.append(f"Source: {trial.source}")
    lines.append(f"Outcome: {outcome.describe()}")
    arms = ", ".join(f"{t} (reference)" if t == trial.reference else t for t in trial.treatments)
    per = "one reading" if one else f"{trial.n_days} {outcome.reading}s"
    lines.append(
        f"Design: {trial.n_subjects} subjects, {len(trial.periods)} periods, {per} per period;"
        f" treatments: {arms}"
    )
    if summary.design is not None:
        lines.append(f"Design class: {summary.design.text}")
    lines.append("Sequences: " + ", ".join(f"{seq} x{n}" for seq, n in summary.sequences.items()))
    lines.append(_replication_line(summary.replication))
    lines.append(_dropouts_line(trial, summary.dropouts))
    lines.append("")
    lines += _arm_lines(trial, table, one=one)
    lines += _missing_lines(trial, summary)
    if summary.suitability:
        lines.append("")
        lines.append("Model specs for this design:")
        for name, why in summary.suitability.items():
            lines.append(f"  {name:<14} {'suits' if why is None else 'refused: ' + why}")
    notes = [n for n in trial.notes if not n.startswith("SYNTHETIC")]
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {n}" for n in notes]
    for warning in summary.warnings:
        lines += ["", warning]
    return "\n".join(line.rstrip() for line in lines)


def _dropouts_line(trial: Trial, dropouts: tuple[str, ...]) -> str:
    if not dropouts:
        return "Drop-outs: none"
    cells = trial.cells.loc[trial.cells["n_obs"] > 0]  # periods with data
    described = [
        f"{s} ({_periods(cells.loc[cells['subject'] == s, 'period'])})"
        if (cells["subject"] == s).any()
        else f"{s} (no {trial.outcome.noun} data)"
        for s in dropouts
    ]
    return f"Drop-outs: {len(dropouts)}: " + "; ".join(described)


def _periods(periods: pd.Series) -> str:
    """Word a drop-out's periods with data: ``"data in period 1"``, ``"data in periods 1, 2"``."""
    values = [str(p) for p in periods]
    return f"data in period{'s' if len(values) > 1 else ''} {', '.join(values)}"


def _arm_lines(trial: Trial, table: pd.DataFrame, *, one: bool) -> list[str]:
    outcome = trial.outcome
    what = "missing" if one else f"missing {outcome.reading}s"
    mean = f"mean {outcome.noun}"
    width = max(10, len(mean))
    head = f"  {'treatment':<20} {'subjects':>8} {what:>17} {mean:>{width}}"
    lines = [head if one else head + f"  {'AUC mean +/- SD':>17}"]
    for row in table.itertuples():
        missing = f"{row.missing_days}/{row.expected_days} ({row.missing_pct:.1f}%)"
        line = f"  {row.treatment:<20} {row.subjects:>8} {missing:>17} {row.mean_pain:>{width}.2f}"
        if not one:
            line += f"  {row.auc_mean:>8.1f} +/- {row.auc_sd:<6.1f}"
        lines.append(line)
    lines.append(f"  (means in {outcome.units}; a missing reading is left out of the mean)")
    if not one:
        lines.append(
            f"  (AUC = sum of the readings over {outcome.reading}s 1..{trial.n_days},"
            f" {outcome.units_for('auc')}; a missing reading is imputed by its subject-period"
            " mean)"
        )
    return lines


def _missing_lines(trial: Trial, summary: DesignSummary) -> list[str]:
    """Missingness by day: every day when few, else the first, last and worst days."""
    table = summary.missingness
    if trial.n_days == 1 or table.empty or int(table["missing"].sum()) == 0:
        return []
    shown = table
    if len(table) > 12:
        worst = table.nlargest(3, "missing")["day"].tolist()
        keep = sorted({*table["day"].head(4), *table["day"].tail(4), *worst})
        shown = table.loc[table["day"].isin(keep)]
    cells = ", ".join(f"{r.day}: {r.missing}/{r.expected}" for r in shown.itertuples(index=False))
    lines = ["", f"Missing readings by {trial.outcome.reading} (missing/expected): {cells}"]
    if len(shown) < len(table):
        lines.append(f"  (first, last and most-missing of {len(table)} {trial.outcome.reading}s)")
    if summary.completion is not None and not summary.completion.trend:
        lines.append(f"  {summary.completion.text}")
    return lines
