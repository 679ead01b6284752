"""Describe a validated trial: design, sequences, completeness and the observed AUC per arm."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from bayes_keta.data.trial import Trial

__all__ = ["DesignSummary", "design_summary", "observed_auc", "replication_table"]

SYNTHETIC_BANNER = "SYNTHETIC DATA (simulated, not patients)"


def observed_auc(trial: Trial) -> pd.DataFrame:
    """Observed AUC of each subject-period: the sum of daily pain over days 1..n_days.

    A missing diary day (empty pain or absent row) is imputed by the subject-period mean for
    this calculation only, so the AUC equals ``n_days * mean_pain`` of the cell.

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
        Subjects missing at least one period, or whose later periods have rows but no pain
        value (:attr:`bayes_keta.Trial.dropouts`); the text lists the periods with pain data.
    table : pandas.DataFrame
        One row per arm: ``treatment``, ``subjects``, ``expected_days``, ``observed_days``,
        ``missing_days``, ``missing_pct``, ``mean_pain``, ``auc_mean``, ``auc_sd``.
    text : str
        Plain-text summary; its first line says SYNTHETIC DATA when the data are simulated.
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
    replication: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    replicated: bool = False


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
        (periods with rows, observed pain or not).

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


def design_summary(trial: Trial) -> DesignSummary:
    """Summarise a trial's design and completeness (subjects, sequences, missing days, drop-outs).

    Parameters
    ----------
    trial : Trial
        A validated trial.

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
    replication = replication_table(trial)
    text = _render(trial, table, sequences, dropouts, _replication_line(replication))
    return DesignSummary(
        name=trial.name,
        synthetic=trial.synthetic,
        n_subjects=trial.n_subjects,
        n_periods=len(trial.periods),
        n_days=trial.n_days,
        sequences=sequences,
        dropouts=dropouts,
        table=table,
        text=text,
        replication=replication,
        replicated=bool(len(replication) and int(replication.to_numpy().max()) > 1),
    )


def _render(
    trial: Trial,
    table: pd.DataFrame,
    sequences: dict[str, int],
    dropouts: tuple[str, ...],
    replication: str = "",
) -> str:
    lines = []
    if trial.synthetic:
        lines.append(f"{SYNTHETIC_BANNER}: {trial.name}")
    else:
        lines.append(f"Data: {trial.name}")
    lines.append(f"Source: {trial.source}")
    arms = ", ".join(f"{t} (reference)" if t == trial.reference else t for t in trial.treatments)
    lines.append(
        f"Design: {trial.n_subjects} subjects, {len(trial.periods)} periods,"
        f" {trial.n_days} day(s) per period; treatments: {arms}"
    )
    lines.append("Sequences: " + ", ".join(f"{seq} x{n}" for seq, n in sequences.items()))
    if replication:
        lines.append(replication)
    if dropouts:
        cells = trial.cells.loc[trial.cells["n_obs"] > 0]  # periods with pain data
        described = [
            f"{s} (periods {', '.join(str(p) for p in cells.loc[cells['subject'] == s, 'period'])})"
            if (cells["subject"] == s).any()
            else f"{s} (no pain data)"
            for s in dropouts
        ]
        lines.append(f"Drop-outs: {len(dropouts)}: " + "; ".join(described))
    else:
        lines.append("Drop-outs: none")
    lines.append("")
    lines.append(
        f"  {'treatment':<20} {'subjects':>8} {'missing days':>17} {'mean pain':>9}"
        f"  {'AUC mean +/- SD':>17}"
    )
    for row in table.itertuples():
        missing = f"{row.missing_days}/{row.expected_days} ({row.missing_pct:.1f}%)"
        lines.append(
            f"  {row.treatment:<20} {row.subjects:>8} {missing:>17} {row.mean_pain:>9.2f}"
            f"  {row.auc_mean:>8.1f} +/- {row.auc_sd:<6.1f}"
        )
    lines.append(
        f"  (AUC = sum of daily pain over days 1..{trial.n_days}, pain score-days; a missing"
        " day is imputed by its subject-period mean)"
    )
    notes = [n for n in trial.notes if not n.startswith("SYNTHETIC")]
    if notes:
        lines.append("")
        lines.append("Notes:")
        lines += [f"  - {n}" for n in notes]
    return "\n".join(line.rstrip() for line in lines)
