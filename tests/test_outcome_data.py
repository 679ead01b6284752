"""Declared outcomes in the data layer: columns, bounds, one reading per period, design
classes, missingness by day (no sampling)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.data.design_class import classify_design
from bayes_keta.data.labels import resolve_outcome
from bayes_keta.data.missingness import completion_trend, missingness_by_day
from bayes_keta.data.simulate import williams_sequences
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.outcome import Outcome

BP = {
    "column": "sbp",
    "label": "Systolic blood pressure",
    "units": "mmHg",
    "better": "lower",
    "thresholds": [2, 5, 10],
    "rope": 2,
}


def _frame(values, *, column="sbp", days=2) -> pd.DataFrame:
    """Two subjects on an AB/BA crossover with ``days`` readings per period."""
    rows = []
    it = iter(values)
    for subject, order in (("s1", "AB"), ("s2", "BA")):
        for period, arm in enumerate(order, start=1):
            for day in range(1, days + 1):
                rows.append((subject, period, arm, day, next(it)))
    return pd.DataFrame(rows, columns=["subject", "period", "treatment", "day", column])


def test_the_outcome_column_is_read_under_its_own_name():
    values = [120.5, 118, 131, 129, 140, 138, 122, 125]
    trial = bk.load_trial(_frame(values), treatments="A,B", outcome=BP)
    assert trial.outcome.units == "mmHg" and trial.outcome.column == "sbp"
    assert trial.data["pain"].tolist() == values  # kept under the one internal name
    with pytest.raises(DataError, match=r"missing required column \['sbp'\].*column is 'sbp'"):
        bk.load_trial(_frame(values, column="bp"), treatments="A,B", outcome=BP)


def test_bounds_are_checked_only_when_declared_and_rows_are_named():
    values = [120, 118, -3, 129, 140, 380, 122, 125]
    unbounded = bk.load_trial(_frame(values), treatments="A,B", outcome=BP)
    assert unbounded.data["pain"].min() == -3  # no bounds declared: any finite value
    bounded = {**BP, "lower": 0, "upper": 300}
    with pytest.raises(DataError) as err:
        bk.load_trial(_frame(values), treatments="A,B", outcome=bounded)
    message = str(err.value)
    assert "sbp is outside 0..300 at rows 3, 6 (values -3, 380)" in message
    assert "the bounds of Systolic blood pressure" in message
    with pytest.raises(DataError, match="sbp is not finite at row 1"):
        bk.load_trial(_frame([np.inf, *values[1:]]), treatments="A,B", outcome=BP)
    floor = {**BP, "lower": 0}
    with pytest.raises(DataError, match=r"sbp is outside >= 0 at row 3 \(values -3\)"):
        bk.load_trial(_frame(values), treatments="A,B", outcome=floor)


def test_baseline_follows_the_outcome_bounds():
    frame = _frame([40, 50, 60, 70, 45, 55, 65, 75], column="vas")
    frame["baseline_pain"] = 80.0
    vas = {"preset": "vas_0_100", "column": "vas"}
    assert bk.load_trial(frame, treatments="A,B", outcome=vas).has_baseline
    frame.loc[0:1, "baseline_pain"] = 120.0
    with pytest.raises(DataError, match="baseline_pain is outside 0..100 at rows 1, 2"):
        bk.load_trial(frame, treatments="A,B", outcome=vas)


def test_day_may_be_omitted_with_one_reading_per_period():
    frame = _frame([40, 50, 60, 70], column="vas", days=1).drop(columns="day")
    trial = bk.load_trial(frame, treatments="A,B", outcome={"preset": "vas_0_100", "column": "vas"})
    assert trial.n_days == 1 and trial.days == (1,)
    assert any("no 'day' column: one reading per subject-period" in n for n in trial.notes)
    two = _frame([40, 50, 60, 70, 41, 51, 61, 71], column="vas").drop(columns="day")
    with pytest.raises(DataError, match=r"missing required column \['day'\]"):
        bk.load_trial(two, treatments="A,B", outcome={"preset": "vas_0_100", "column": "vas"})


def test_design_file_outcome_and_flag_precedence(tmp_path: Path):
    design = tmp_path / "design.toml"
    design.write_text(
        'treatments = ["A", "B"]\n\n[outcome]\npreset = "vas_0_100"\ncolumn = "vas"\n'
    )
    assert resolve_outcome(design=design).preset == "vas_0_100"
    assert resolve_outcome({"column": "score"}, design=design).column == "score"  # keys win
    assert resolve_outcome("nrs_0_10", design=design).column == "vas"  # preset laid over
    assert resolve_outcome(Outcome.nrs_0_10(), design=design) == Outcome.nrs_0_10()
    frame = _frame([40, 50, 60, 70], column="vas", days=1)
    trial = bk.load_trial(frame, design=design)
    assert trial.treatments == ("A", "B") and trial.outcome.units == "mm"
    design.write_text('treatments = ["A", "B"]\n\n[outcome]\ncolour = "blue"\n')
    with pytest.raises(SpecError, match=r"design file .* \[outcome\]: unknown key\(s\)"):
        bk.load_trial(frame, design=design)
    design.write_text('treatments = ["A", "B"]\noutcome = "vas"\n')
    with pytest.raises(DataError, match="'outcome' must be an \\[outcome\\] table"):
        bk.load_trial(frame, design=design)


def test_the_embedded_trial_is_the_nrs_and_flagship():
    trial = bk.load_trial()
    assert trial.flagship and trial.outcome == Outcome.nrs_0_10()
    with pytest.raises(DataError, match="0-10 NRS; pass a data file"):
        bk.load_trial(None, outcome="vas_0_100")
    other = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=3, seed=1))
    assert not other.flagship


# ------------------------------------------------------------------------------ design class
def _classified(treatments, sequences=None, n_subjects=None, n_days=3):
    frame = bk.simulate_trial(
        n_subjects=n_subjects or 2 * len(sequences or [0] * 6),
        n_days=n_days,
        treatments=treatments,
        sequences=sequences,
        seed=3,
        missing_rate=0.0,
    )
    return classify_design(bk.load_trial(frame, treatments=list(treatments)))


def test_design_classes():
    two = _classified(("A", "B"), n_subjects=6, n_days=1)
    assert two.name == "2x2 (AB/BA)" and two.one_reading and not two.replicated
    assert two.text == "2x2 (AB/BA), 2 sequences, one reading per period, not replicated"
    three = classify_design(bk.ketapain_synthetic())
    assert three.name == "3x3 Williams" and three.n_sequences == 6 and three.williams
    four = _classified(tuple("WXYZ"), williams_sequences("WXYZ"))
    assert four.name == "4x4 Williams" and four.readings_per_period == 3
    latin = _classified(tuple("WXYZ"), ["WXYZ", "XYZW", "YZWX", "ZWXY"])
    assert latin.uniform and not latin.williams and "Latin square" in latin.name
    assert latin.sequences_balanced
    # each ordered pair adjacent once, each treatment once in each period
    for labels in ("ABC", "ABCD", "ABCDE"):
        rows = williams_sequences(labels)
        pairs = [(a, b) for row in rows for a, b in zip(row, row[1:], strict=False)]
        n, counts = len(labels), Counter(pairs)
        assert len(counts) == n * (n - 1) and len(set(counts.values())) == 1
        columns = zip(*rows, strict=True)
        assert all(sorted(col) == sorted(labels * (len(rows) // n)) for col in columns)


def test_incomplete_designs_are_named():
    frame = bk.simulate_trial(n_subjects=6, n_days=2, seed=1, missing_rate=0.0)
    frame = frame[frame["period"] <= 2]
    design = classify_design(bk.load_trial(frame))
    assert design.name == "incomplete: 3 treatments in 2 periods"


# ------------------------------------------------------------------------------- missingness
def test_missingness_by_day_counts_and_no_trend_on_the_embedded_trial(synthetic_trial):
    table = missingness_by_day(synthetic_trial)
    data = synthetic_trial.data
    by_day = data.groupby("day")["pain"].apply(lambda s: int(s.isna().sum()))
    assert table.set_index("day")["missing"].to_dict() == by_day.to_dict()
    assert (table["expected"] == len(synthetic_trial.cells)).all()
    summary = bk.design_summary(synthetic_trial)
    assert summary.warnings == () and not summary.completion.trend
    assert "completion shows no trend" in summary.text


def test_a_completion_trend_is_a_warning_naming_the_honest_spec():
    frame = bk.simulate_trial(n_subjects=24, n_days=14, seed=4, missing_rate=0.0)
    rng = np.random.default_rng(0)
    late = rng.random(len(frame)) < (frame["day"] - 1) / 20  # later days missing more often
    frame.loc[late, "pain"] = np.nan
    summary = bk.design_summary(bk.load_trial(frame))
    assert summary.completion.trend and summary.completion.z < 0
    assert summary.completion.first_pct > summary.completion.last_pct
    (warning,) = summary.warnings
    assert warning.startswith("WARNING: completion depends on the day") and "daily_decay" in warning
    assert warning in summary.text
    flat = pd.DataFrame({"day": [1, 2, 3], "expected": 10, "observed": [10, 10, 10]})
    assert completion_trend(flat) is None  # nothing missing: nothing to test


def test_one_reading_labels_never_say_days_one_to_one():
    frame = bk.simulate_trial(n_subjects=6, n_days=1, seed=1, treatments=("A", "B"))
    trial = bk.load_trial(frame, treatments="A,B")
    text = bk.design_summary(trial).text
    assert "one reading per period" in text
    for wrong in ("1 days", "1 day(s)", "days 1..1", "days 1-1", "AUC"):
        assert wrong not in text
