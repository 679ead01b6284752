"""Replicated crossovers and N-of-1 series: the contract, the design summary, the simulator."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.data.contract import read_design
from bayes_keta.exceptions import DataError, SpecError

TWO = ("placebo", "ketamine")


def nof1(**kwargs) -> pd.DataFrame:
    options = {"n_subjects": 6, "n_days": 4, "treatments": TWO, "cycles": 3, "seed": 5}
    return bk.simulate_trial(**{**options, **kwargs})


# ------------------------------------------------------------------------------ contract
def test_repeated_treatment_refused_unless_declared(tmp_path: Path) -> None:
    frame = nof1()
    with pytest.raises(DataError) as info:
        bk.load_trial(frame, treatments=TWO)
    message = str(info.value)
    assert "same treatment in two periods: subject S1 gets" in message
    assert "declare replicated = true in the design file" in message
    trial = bk.load_trial(frame, treatments=TWO, replicated=True)
    assert trial.periods == (1, 2, 3, 4, 5, 6) and trial.n_subjects == 6

    design = tmp_path / "design.toml"
    design.write_text('treatments = ["placebo", "ketamine"]\nreplicated = true\n')
    assert read_design(design)["replicated"] is True
    assert bk.load_trial(frame, design=design).periods == trial.periods
    # the argument takes precedence over the design file
    with pytest.raises(DataError, match="same treatment in two periods"):
        bk.load_trial(frame, design=design, replicated=False)


def test_design_file_replicated_must_be_boolean(tmp_path: Path) -> None:
    design = tmp_path / "design.toml"
    design.write_text('replicated = "yes"\n')
    with pytest.raises(DataError, match="'replicated' must be true or false"):
        read_design(design)
    design.write_text("replicate = true\n")
    with pytest.raises(DataError, match=r"unknown keys \['replicate'\]; allowed: .*replicated"):
        read_design(design)
    design.write_text('treatments = ["P", "A"]\n')
    assert "replicated" not in read_design(design)  # absent: the caller's default


def test_replicated_csv_round_trip_keeps_declared_sequences(tmp_path: Path) -> None:
    frame = bk.simulate_trial(
        n_subjects=8,
        n_days=3,
        treatments=TWO,
        sequences=[TWO + TWO[::-1], TWO[::-1] + TWO],  # ABBA / BAAB
        seed=2,
    )
    path = tmp_path / "abba.csv"
    frame.to_csv(path, index=False)
    trial = bk.load_trial(path, treatments=TWO, replicated=True)
    assert set(frame["sequence"]) == {"PKKP", "KPPK"}
    assert bk.design_summary(trial).sequences == {"KPPK": 4, "PKKP": 4}


# ----------------------------------------------------------------------- design summary
def test_design_summary_reports_periods_per_treatment_per_subject() -> None:
    standard = bk.design_summary(bk.ketapain_synthetic())
    assert not standard.replicated
    assert (standard.replication.to_numpy() == 1).all()
    assert "Replication: none" in standard.text and "standard crossover" in standard.text

    frame = nof1(dropout_rate=0.0)
    frame = frame[~((frame["subject"] == "S2") & (frame["period"] == 6))]  # one period less
    summary = bk.design_summary(bk.load_trial(frame, treatments=TWO, replicated=True))
    assert summary.replicated
    table = summary.replication
    assert list(table.columns) == list(TWO) and table.index.name == "subject"
    counts = table.loc["S2"].to_dict()
    assert sum(counts.values()) == 5 and max(counts.values()) == 3
    assert (table.drop(index="S2") == 3).all().all()
    line = next(x for x in summary.text.splitlines() if x.startswith("Replication"))
    assert "placebo x3, ketamine x3 (5 subjects)" in line


# ------------------------------------------------------------------------------ simulator
def test_nof1_cycles_are_randomised_pairs() -> None:
    frame = nof1(n_subjects=40)
    cells = frame.drop_duplicates(["subject", "period"])
    for _, rows in cells.groupby("subject"):
        arms = rows.sort_values("period")["treatment"].tolist()
        assert len(arms) == 6
        assert all(sorted(arms[i : i + 2]) == sorted(TWO) for i in (0, 2, 4))  # each pair: both
    firsts = cells[cells["period"] == 1]["treatment"].value_counts()
    assert set(firsts.index) == set(TWO)  # randomised, not fixed


def test_individual_effects_are_drawn_and_recorded() -> None:
    plain = bk.simulate_trial(n_subjects=300, n_days=2, seed=9, effects={"ketamine": -1.0})
    het = bk.simulate_trial(
        n_subjects=300,
        n_days=2,
        seed=9,
        effects={"ketamine": -1.0},
        individual_sd={"ketamine": 1.5},
    )
    own = pd.DataFrame(het.attrs["individual_effects"]).T
    assert list(own.columns) == ["ketamine", "ketamine_magnesium"]
    assert (own["ketamine_magnesium"] == 0.0).all()  # no SD given for it
    assert abs(own["ketamine"].mean() + 1.0) < 0.25 and abs(own["ketamine"].std() - 1.5) < 0.2
    # the deviations come from a stream of their own: the rest of the draw is the same trial
    same = plain["treatment"] != "ketamine"
    pd.testing.assert_series_equal(plain["pain"][same], het["pain"][same])
    # and they show up in the data: a subject's ketamine-minus-other cell means track them
    diff = (het["pain"] - plain["pain"]).groupby(het["subject"]).mean() * 3  # 1 of 3 periods
    dev = own["ketamine"] + 1.0
    assert np.corrcoef(diff.loc[dev.index], dev)[0, 1] > 0.8
    assert "individual_sd={'ketamine': 1.5}" in het.attrs["source"]
    assert "individual_effects" not in plain.attrs


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"cycles": 0}, "cycles must be an integer >= 1"),
        ({"cycles": 2, "sequences": [TWO]}, "either sequences"),
        ({"sequences": [TWO, TWO + TWO]}, "one length"),
        ({"sequences": [("placebo", "aspirin")]}, "unknown treatments ['aspirin']"),
        ({"individual_sd": -1.0}, "individual_sd must be >= 0"),
        ({"individual_sd": {"aspirin": 1.0}}, "unknown active treatments ['aspirin']"),
        ({"cycles": 2, "period_effects": [0.0, 1.0]}, "period_effects needs 4 values"),
    ],
)
def test_bad_replicated_settings(kwargs, needle) -> None:
    with pytest.raises(SpecError) as info:
        bk.simulate_trial(n_subjects=4, n_days=2, treatments=TWO, **kwargs)
    assert needle in str(info.value)


def test_validate_command_reports_the_replication(tmp_path: Path, capsys) -> None:
    from bayes_keta.cli import main

    data = tmp_path / "nof1.csv"
    nof1().to_csv(data, index=False)
    design = tmp_path / "design.toml"
    design.write_text('treatments = ["placebo", "ketamine"]\n')
    assert main(["validate", str(data), "--design", str(design)]) == DataError.exit_code
    assert "replicated = true" in capsys.readouterr().err
    design.write_text('treatments = ["placebo", "ketamine"]\nreplicated = true\n')
    assert main(["validate", str(data), "--design", str(design)]) == 0
    out = capsys.readouterr().out
    assert "Replication (periods per treatment per subject): placebo x3, ketamine x3" in out
