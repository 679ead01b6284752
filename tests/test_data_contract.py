"""The data contract: every refusal names what is wrong; accepted cases are reported, not fixed."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.constants import EMBEDDED_SEED
from bayes_keta.data.contract import resolve_labels
from bayes_keta.exceptions import DataError

REAL = Path(
    os.environ.get("BAYES_KETA_REAL_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data" / "real"
)
DEFAULT_ALLOWED = "['placebo', 'ketamine', 'ketamine_magnesium']"


@pytest.fixture
def good() -> pd.DataFrame:
    """6 subjects x 3 periods x 4 days, complete, in file order (row r = position r - 1)."""
    frame = bk.simulate_trial(n_subjects=6, n_days=4, seed=3, missing_rate=0.0)
    frame.attrs.clear()
    return frame


def load_csv(frame: pd.DataFrame, tmp_path: Path, **kwargs) -> bk.Trial:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return bk.load_trial(path, **kwargs)


def refused(frame: pd.DataFrame, tmp_path: Path, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_csv(frame, tmp_path, **kwargs)
    message = str(info.value)
    assert "1-based data rows, header excluded" in message or "column" in message
    return message


# ------------------------------------------------------------------------------ accepted
def test_good_file_loads_sorted_and_typed(good, tmp_path):
    shuffled = good.sample(frac=1.0, random_state=0)
    trial = load_csv(shuffled, tmp_path)
    assert trial.n_subjects == 6 and trial.periods == (1, 2, 3) and trial.n_days == 4
    assert trial.treatments == ("placebo", "ketamine", "ketamine_magnesium")
    assert not trial.synthetic and trial.name == "data"
    data = trial.data
    assert list(data.columns[:5]) == ["subject", "period", "treatment", "day", "pain"]
    assert data["period"].dtype == np.int64 and data["day"].dtype == np.int64
    keys = list(zip(data["subject"], data["period"], data["day"], strict=True))
    assert keys == sorted(keys)


def test_integer_subjects_sort_naturally(good, tmp_path):
    labels = sorted(good["subject"].unique())
    mapping = dict(zip(labels, [10, 2, 1, 30, 3, 20], strict=True))
    good["subject"] = good["subject"].map(mapping)
    trial = load_csv(good, tmp_path)
    assert trial.subjects == ("1", "2", "3", "10", "20", "30")


def test_missing_pain_and_absent_days_are_accepted(good, tmp_path):
    good.loc[[0, 5], "pain"] = np.nan
    good = good.drop(index=[7, 8])
    trial = load_csv(good, tmp_path)
    assert trial.data["pain"].isna().sum() == 2
    assert trial.n_observations == len(good) - 2
    notes = " ".join(trial.notes)
    assert "2 row(s) with missing pain" in notes and "2 diary day(s) absent" in notes
    table = bk.design_summary(trial).table.set_index("treatment")
    assert table["missing_days"].sum() == 4


def test_dropout_is_reported_not_refused(good, tmp_path):
    dropped = good[~((good["subject"] == "S2") & (good["period"] == 3))]
    trial = load_csv(dropped, tmp_path)
    assert any("drop-out: subject S2" in n and "period 3" in n for n in trial.notes)
    summary = bk.design_summary(trial)
    assert summary.dropouts == ("S2",)
    assert "Drop-outs: 1: S2 (data in periods 1, 2)" in summary.text


def test_later_periods_without_pain_count_as_dropout(good, tmp_path):
    s2_late = (good["subject"] == "S2") & (good["period"] >= 2)
    good.loc[s2_late, "pain"] = np.nan  # rows present, every value missing
    s3_middle = (good["subject"] == "S3") & (good["period"] == 2)
    good.loc[s3_middle, "pain"] = np.nan  # a missed period, followed by data: no drop-out
    trial = load_csv(good, tmp_path)
    assert any(
        "drop-out: subject S2 has rows but no pain value in periods 2, 3" in n for n in trial.notes
    )
    assert not any("subject S3" in n for n in trial.notes)
    summary = bk.design_summary(trial)
    assert summary.dropouts == trial.dropouts == ("S2",)
    assert "Drop-outs: 1: S2 (data in period 1)" in summary.text
    good.loc[good["subject"] == "S2", "pain"] = np.nan
    assert "S2 (no pain data)" in bk.design_summary(load_csv(good, tmp_path)).text


def test_extra_columns_are_ignored_and_noted(good, tmp_path):
    good["site"] = "A"
    trial = load_csv(good, tmp_path)
    assert "site" not in trial.data and any("site" in n for n in trial.notes)


def test_dataframe_and_parquet_sources(good, tmp_path):
    assert bk.load_trial(good).source == "DataFrame"
    simulated = bk.simulate_trial(n_subjects=6, n_days=3, seed=2)
    path = tmp_path / "sim.parquet"
    simulated.to_parquet(path)
    trial = bk.load_trial(path)
    assert trial.synthetic and "seed=2" in trial.source and trial.name == "sim"
    pd.testing.assert_frame_equal(trial.data, bk.load_trial(simulated).data)


def test_custom_labels_by_keywords_and_design_file(good, tmp_path):
    good["treatment"] = good["treatment"].map(
        {"placebo": "P", "ketamine": "D1", "ketamine_magnesium": "D2"}
    )
    refusal = refused(good, tmp_path)
    assert "unknown treatment labels 'D1'" in refusal and DEFAULT_ALLOWED in refusal
    trial = load_csv(good, tmp_path, treatments=["D1", "D2", "P"], reference="P")
    assert trial.treatments == ("P", "D1", "D2") and trial.reference == "P"
    design = tmp_path / "design.toml"
    design.write_text('treatments = ["P", "D1", "D2"]\nreference = "P"\n')
    assert load_csv(good, tmp_path, design=design).treatments == ("P", "D1", "D2")
    # keyword arguments take precedence over the design file
    assert load_csv(good, tmp_path, design=design, reference="D1").reference == "D1"


@pytest.mark.parametrize(
    ("treatments", "reference", "needle"),
    [
        (["P", "D1"], "X", "reference 'X' is not among the treatments ['P', 'D1']"),
        (None, "P", "reference 'P' is not among the treatments"),
        (["P", "P"], None, "duplicated: ['P']"),
    ],
)
def test_bad_labels_refused(treatments, reference, needle):
    with pytest.raises(DataError) as info:
        resolve_labels(treatments, reference)
    assert needle in str(info.value)


def test_bad_design_files(tmp_path):
    bad = tmp_path / "d.toml"
    bad.write_text("treatments = [P, D1]\n")
    with pytest.raises(DataError, match="not valid TOML"):
        resolve_labels(design=bad)
    bad.write_text('treatments = ["P"]\nrefrence = "P"\n')
    with pytest.raises(DataError, match=r"unknown keys \['refrence'\]"):
        resolve_labels(design=bad)
    with pytest.raises(DataError, match="does not exist"):
        resolve_labels(design=tmp_path / "none.toml")


def test_reference_without_rows_is_refused(good, tmp_path):
    good = good[good["treatment"] != "placebo"]
    with pytest.raises(DataError, match="no row uses the reference treatment 'placebo'"):
        load_csv(good, tmp_path)


# ------------------------------------------------------------------------------- refused
def test_pain_out_of_range_names_rows_and_values(good, tmp_path):
    good.loc[4, "pain"] = 11
    good.loc[16, "pain"] = -1
    message = refused(good, tmp_path)
    assert "pain is outside 0..10 at rows 5, 17 (values 11, -1)" in message


def test_pain_not_numeric(good, tmp_path):
    good["pain"] = good["pain"].astype(object)
    good.loc[2, "pain"] = "high"
    message = refused(good, tmp_path)
    assert "pain is not numeric at row 3 (values 'high')" in message


def test_long_lists_are_capped(good, tmp_path):
    good.loc[0:24, "pain"] = 12
    message = refused(good, tmp_path)
    assert "rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 15 more" in message


def test_duplicated_subject_period_day(good, tmp_path):
    dup = pd.concat([good, good.iloc[[0]]], ignore_index=True)
    message = refused(dup, tmp_path)
    n = len(dup)
    assert f"duplicated (subject, period, day): subject S1 period 1 day 1 at rows 1, {n}" in message


def test_unknown_treatment_lists_allowed(good, tmp_path):
    good.loc[[3, 9], "treatment"] = "aspirin"
    message = refused(good, tmp_path)
    assert "unknown treatment labels 'aspirin' at rows 4, 10" in message
    assert f"allowed labels: {DEFAULT_ALLOWED}" in message


def test_missing_required_columns_lists_missing_and_found(good, tmp_path):
    message = refused(good.drop(columns=["pain", "day"]), tmp_path)
    assert "missing required columns ['day', 'pain']" in message
    found = "['subject', 'sequence', 'period', 'treatment', 'baseline_pain', 'adverse_event']"
    assert f"columns found: {found}" in message


@pytest.mark.parametrize("column", ["period", "day"])
def test_period_and_day_must_be_positive_integers(good, tmp_path, column):
    good[column] = good[column].astype(object)
    good.loc[1, column] = 0
    good.loc[6, column] = 1.5
    good.loc[7, column] = "two"
    good.loc[8, column] = None
    message = refused(good, tmp_path)
    assert f"{column} is not a positive integer at rows 2, 7, 8, 9" in message
    assert "'0'" in message and "'1.5'" in message and "'two'" in message


def test_same_treatment_in_two_periods(good, tmp_path):
    s1 = good["subject"] == "S1"
    first = good.loc[s1 & (good["period"] == 1), "treatment"].iloc[0]
    good.loc[s1 & (good["period"] == 2), "treatment"] = first
    message = refused(good, tmp_path)
    assert f"same treatment in two periods: subject S1 gets {first!r} in periods [1, 2]" in message


def test_inconsistent_treatment_within_subject_period(good, tmp_path):
    row = good.index[(good["subject"] == "S2") & (good["period"] == 1)][2]
    other = "ketamine" if good.loc[row, "treatment"] != "ketamine" else "placebo"
    good.loc[row, "treatment"] = other
    message = refused(good, tmp_path)
    cell_rows = good.index[(good["subject"] == "S2") & (good["period"] == 1)] + 1
    assert (
        "more than one treatment within a subject-period: subject S2 period 1 has"
        f" {sorted({other, good.loc[cell_rows[0] - 1, 'treatment']})}"
        f" at rows {', '.join(str(r) for r in cell_rows)}"
    ) in message


def test_baseline_inconsistent_and_out_of_range(good, tmp_path):
    good.loc[0:3, "baseline_pain"] = 4.0
    good.loc[1, "baseline_pain"] = 5.0
    good.loc[20, "baseline_pain"] = 10.5
    message = refused(good, tmp_path)
    assert "baseline_pain is outside 0..10 at row 21 (values 10.5)" in message
    assert (
        "baseline_pain not constant within a subject-period: subject S1 period 1 has 4, 5"
        " at rows 1, 2, 3, 4"
    ) in message


def _orders(frame: pd.DataFrame) -> dict[str, list[str]]:
    cells = frame.drop_duplicates(["subject", "period"]).sort_values("period")
    return cells.groupby("subject")["treatment"].agg(list).to_dict()


def test_letter_code_sequence_that_contradicts_the_periods(good, tmp_path):
    assert load_csv(good, tmp_path).data["sequence"].str.len().eq(3).all()  # e.g. 'PKM'
    orders = _orders(good)
    s1 = good["subject"] == "S1"
    declared = good.loc[s1, "sequence"].iloc[0]
    swapped = declared[1] + declared[0] + declared[2]
    good.loc[s1, "sequence"] = swapped
    message = refused(good, tmp_path)
    first_rows = [good.index[s1 & (good["period"] == p)][0] + 1 for p in (1, 2, 3)]
    assert (
        "declared sequence does not match the order of treatments over the periods: subject S1"
        f" declares {swapped!r} but has {', '.join(orders['S1'])} in periods 1, 2, 3"
        f" (rows {', '.join(map(str, first_rows))})"
    ) in message
    assert f"elsewhere {swapped[0]!r} stands for {orders['S1'][1]}" in message
    assert "subject S2" not in message


@pytest.mark.parametrize("sep", ["-", ", ", "/", " -> ", ""])
def test_label_sequences_with_any_separator(good, tmp_path, sep):
    labels = {"placebo": "P", "ketamine": "D1", "ketamine_magnesium": "D2"}
    good["treatment"] = good["treatment"].map(labels)
    orders = _orders(good)
    good["sequence"] = good["subject"].map({s: sep.join(o) for s, o in orders.items()})
    # a drop-out is compared on the periods it has
    good = good[~((good["subject"] == "S4") & (good["period"] == 3))]
    options = {"treatments": "P,D1,D2", "reference": "P"}
    assert load_csv(good, tmp_path, **options).n_subjects == 6
    wrong = sep.join(reversed(orders["S4"]))
    good.loc[good["subject"] == "S4", "sequence"] = wrong
    message = refused(good, tmp_path, **options)
    assert (
        f"subject S4 declares {wrong!r} but has {', '.join(orders['S4'][:2])} in periods 1, 2"
        in (message)
    )
    assert message.count("declares") == 1


def test_group_name_sequences_must_share_one_order(tmp_path):
    frame = bk.simulate_trial(n_subjects=12, n_days=2, seed=4, missing_rate=0.0)  # 2 per order
    orders = _orders(frame)
    names = {o: f"seq {i}" for i, o in enumerate(sorted({tuple(o) for o in orders.values()}))}
    group = {s: names[tuple(o)] for s, o in orders.items()}  # 'seq 0': a name, not an order
    frame["sequence"] = frame["subject"].map(group)
    assert load_csv(frame, tmp_path).n_subjects == 12
    odd = "S07"
    other = next(s for s in orders if group[s] != group[odd])
    frame.loc[frame["subject"] == odd, "sequence"] = group[other]  # joins a group of two
    message = refused(frame, tmp_path)
    assert f"subject {odd} declares {group[other]!r} but has {', '.join(orders[odd])}" in message
    assert f"most subjects of sequence {group[other]!r} have" in message
    assert message.count("declares") == 1  # the two who agree are not blamed
    halves = {s: str(i % 2) for i, s in enumerate(sorted(orders))}  # 6 orders in 2 names
    frame["sequence"] = frame["subject"].map(halves)
    assert "differ in period" in refused(frame, tmp_path)


def test_all_problems_collected_in_one_message(good, tmp_path):
    good.loc[0, "pain"] = 11
    good.loc[1, "treatment"] = "aspirin"
    good.loc[2, "day"] = -3
    message = refused(good, tmp_path)
    assert "breaks the data contract (3 problems;" in message
    for needle in ("pain is outside", "unknown treatment", "day is not a positive integer"):
        assert needle in message


def test_missing_subject_or_treatment(good, tmp_path):
    good["subject"] = good["subject"].astype(object)
    good.loc[3, "subject"] = None
    good.loc[5, "treatment"] = "  "
    message = refused(good, tmp_path)
    assert "subject is missing at row 4" in message
    assert "treatment is missing at row 6" in message


# ------------------------------------------------------------------------- unreadable files
@pytest.mark.parametrize(
    ("name", "content", "needle"),
    [
        ("junk.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "is binary, not a text table"),
        ("data.json", b'[{"subject": 1}]', "unknown file type '.json'"),
        ("data.csv", b'[{"subject": 1, "pain": 5}]', "missing required columns"),
        ("header.csv", b"subject,period,treatment,day,pain\n", "no data rows (a header only?)"),
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\n\n", "has no columns"),
        ("data", b"subject,period\n", "unknown file type '(no extension)'"),
        ("latin.csv", "subject,pain\nJos\xe9,5\n".encode("latin-1"), "is not UTF-8 text"),
        ("bad.parquet", b"not a parquet file at all", "is not a readable parquet table"),
    ],
)
def test_unreadable_files(tmp_path, name, content, needle):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DataError) as info:
        bk.load_trial(path)
    assert needle in str(info.value)


def test_nonexistent_path_and_directory(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        bk.load_trial(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is not a file"):
        bk.load_trial(tmp_path)
    with pytest.raises(DataError, match="give a path or a DataFrame"):
        bk.load_trial(42)


def test_excel_needs_openpyxl(tmp_path):
    import importlib.util

    if importlib.util.find_spec("openpyxl") is not None:
        pytest.skip("openpyxl is installed")
    path = tmp_path / "data.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(DataError, match="needs the 'openpyxl' package; install it"):
        bk.load_trial(path)


# ---------------------------------------------------------------------- embedded and real
def test_embedded_synthetic_default(synthetic_trial):
    trial = bk.load_trial(None)
    assert trial.synthetic and trial.name == "ketapain_synthetic"
    assert "SYNTHETIC" in trial.source and f"seed={EMBEDDED_SEED}" in trial.source
    assert (trial.n_subjects, len(trial.periods), trial.n_days) == (20, 3, 35)
    assert trial.has_baseline and "sequence" in trial.data
    assert trial.sha256 == synthetic_trial.sha256
    with pytest.raises(DataError, match="embedded synthetic trial uses the default labels"):
        bk.load_trial(None, treatments="P,D1,D2", reference="P")


def test_design_summary_says_synthetic_plainly(synthetic_trial, good):
    summary = bk.design_summary(synthetic_trial)
    assert summary.text.splitlines()[0].startswith("SYNTHETIC DATA (simulated, not patients)")
    assert summary.synthetic and summary.n_subjects == 20 and summary.n_days == 35
    assert sum(summary.sequences.values()) == 20 and len(summary.sequences) == 6
    table = summary.table.set_index("treatment")
    assert list(table.index) == ["placebo", "ketamine", "ketamine_magnesium"]
    assert (table["expected_days"] == 700).all()
    missing = synthetic_trial.data.groupby("treatment")["pain"].apply(lambda s: s.isna().sum())
    assert table["missing_days"].to_dict() == missing.to_dict()
    assert np.allclose(table["missing_pct"], 100 * table["missing_days"] / 700)
    real = bk.design_summary(bk.load_trial(good))
    assert "SYNTHETIC" not in real.text and real.text.startswith("Data: data")


def test_migraine_senn_real_data():
    path = REAL / "migraine_senn2002.csv"
    if not path.is_file():
        pytest.skip("../shared/data/real/migraine_senn2002.csv not available")
    raw = pd.read_csv(path)
    frame = pd.DataFrame(
        {
            "subject": raw["subject"],
            "period": raw["period"],
            "treatment": raw["treatment"],
            "day": 1,
            "pain": raw["vas"] / 10,
            "sequence": raw["sequence"],
        }
    )
    trial = bk.load_trial(frame, treatments=["P", "D1", "D2"], reference="P", name="migraine")
    assert trial.treatments == ("P", "D1", "D2") and trial.n_days == 1
    assert trial.n_subjects == raw["subject"].nunique()
    assert trial.data["pain"].isna().sum() == raw["vas"].isna().sum() >= 1
    summary = bk.design_summary(trial)
    assert len(summary.sequences) == 6 and "SYNTHETIC" not in summary.text
    # its sequences are written 'D1-D2-P'; one subject's reversed is refused, by name
    subject = frame["subject"].iloc[0]
    declared = frame.loc[frame["subject"] == subject, "sequence"].iloc[0]
    reversed_order = "-".join(reversed(declared.split("-")))
    frame.loc[frame["subject"] == subject, "sequence"] = reversed_order
    with pytest.raises(DataError, match=f"subject {subject} declares {reversed_order!r}"):
        bk.load_trial(frame, treatments=["P", "D1", "D2"], reference="P")
