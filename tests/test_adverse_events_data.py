"""The optional adverse_event column of the data contract: accepted, refused, renamed."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.data.adverse_events import adverse_event_cells, has_adverse_events
from bayes_keta.exceptions import DataError


@pytest.fixture
def good() -> pd.DataFrame:
    """6 subjects x 3 periods x 4 days with one 0/1 flag per subject-period."""
    frame = bk.simulate_trial(n_subjects=6, n_days=4, seed=3, missing_rate=0.0)
    frame.attrs.clear()
    cell = frame.groupby(["subject", "period"]).ngroup()
    frame["adverse_event"] = (cell % 4 == 0).astype(int)
    return frame


def load_csv(frame: pd.DataFrame, tmp_path: Path, **kwargs) -> bk.Trial:
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return bk.load_trial(path, **kwargs)


def refused(frame: pd.DataFrame, tmp_path: Path, **kwargs) -> str:
    with pytest.raises(DataError) as info:
        load_csv(frame, tmp_path, **kwargs)
    return str(info.value)


def test_flags_load_as_one_value_per_subject_period(good, tmp_path):
    trial = load_csv(good, tmp_path)
    assert trial.data.columns[-1] == "adverse_event" and has_adverse_events(trial)
    cells = adverse_event_cells(trial)
    assert len(cells) == 18 and cells["adverse_event"].dtype == np.int64
    expected = good.groupby(["subject", "period"])["adverse_event"].first()
    got = cells.set_index(["subject", "period"])["adverse_event"]
    assert got.sort_index().tolist() == expected.sort_index().tolist()
    assert {"subject_idx", "period_idx", "treatment_idx"} <= set(cells.columns)


def test_missing_flags_are_accepted_and_reported(good, tmp_path):
    s2p1 = (good["subject"] == "S2") & (good["period"] == 1)
    s3p2 = (good["subject"] == "S3") & (good["period"] == 2)
    good["adverse_event"] = good["adverse_event"].astype(object)
    good.loc[s2p1, "adverse_event"] = None  # the whole cell blank
    good.loc[good.index[s3p2][1:], "adverse_event"] = None  # written on its first row only
    trial = load_csv(good, tmp_path)
    cells = adverse_event_cells(trial)
    assert len(cells) == 17
    assert ("S2", 1) not in set(zip(cells["subject"], cells["period"], strict=True))
    assert any("adverse_event missing for 1 subject-period" in n for n in trial.notes)
    assert any("given on some rows only of 1 subject-period" in n for n in trial.notes)


def test_flags_other_than_0_1_are_refused_with_rows(good, tmp_path):
    good["adverse_event"] = good["adverse_event"].astype(object)
    good.loc[0:3, "adverse_event"] = "yes"
    good.loc[8:11, "adverse_event"] = 2
    message = refused(good, tmp_path)
    assert "adverse_event is not 0 or 1 at rows 1, 2, 3, 4, 9, 10, 11, 12" in message
    assert "(values 'yes', '2')" in message


def test_flags_not_constant_within_a_subject_period_are_refused(good, tmp_path):
    rows = good.index[(good["subject"] == "S1") & (good["period"] == 2)]
    good.loc[rows, "adverse_event"] = [0, 1, 1, 0]
    message = refused(good, tmp_path)
    listed = ", ".join(str(r + 1) for r in rows)
    assert (
        "adverse_event not constant within a subject-period: subject S1 period 2 has 0, 1"
        f" at rows {listed}"
    ) in message


def test_a_design_file_names_another_column(good, tmp_path):
    design = tmp_path / "design.toml"
    design.write_text('adverse_event = "any_ae"\n')
    renamed = good.rename(columns={"adverse_event": "any_ae"})
    trial = load_csv(renamed, tmp_path, design=design)
    assert has_adverse_events(trial) and "any_ae" not in trial.data
    assert load_csv(renamed, tmp_path, adverse_event="any_ae").sha256 == trial.sha256
    # without the design the column is just ignored
    plain = load_csv(renamed, tmp_path)
    assert not has_adverse_events(plain) and any("any_ae" in n for n in plain.notes)


def test_a_named_column_that_is_absent_or_clashes_is_refused(good, tmp_path):
    with pytest.raises(DataError, match="adverse-event column 'ae' named by the design"):
        load_csv(good, tmp_path, adverse_event="ae")
    good["ae"] = good["adverse_event"]
    with pytest.raises(DataError, match="also have a column 'adverse_event'"):
        load_csv(good, tmp_path, adverse_event="ae")
    design = tmp_path / "bad.toml"
    design.write_text("adverse_event = 3\n")
    with pytest.raises(DataError, match="'adverse_event' must name a column"):
        load_csv(good, tmp_path, design=design)


def test_no_column_no_adverse_events(good, tmp_path):
    trial = load_csv(good.drop(columns="adverse_event"), tmp_path)
    assert not has_adverse_events(trial)
    with pytest.raises(DataError, match="has no 'adverse_event' values"):
        adverse_event_cells(trial)
