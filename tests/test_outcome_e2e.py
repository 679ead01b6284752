"""Any crossover, end to end through the CLI: validate, fit, report (small real NUTS runs).

Four simulated trials (SYNTHETIC) that are not KETAPAIN's shape: a 2x2 with one VAS reading
per period (``auc``), a 4x4 Williams design with its own labels, a "higher is better" outcome
and an unbounded one in mmHg (``daily``). Each must validate with its design class, fit with
its outcome's units, thresholds and direction of benefit in summary.json, and give a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.data.simulate import williams_sequences
from bayes_keta.summary import read_summary, schema_errors

pytestmark = pytest.mark.slow


@dataclass(frozen=True)
class Scenario:
    name: str
    treatments: tuple[str, ...]
    design_class: str
    model: str
    outcome: str  # the [outcome] table, TOML
    simulate: dict = field(default_factory=dict)
    effect: float = -1.0  # of the last arm, on the outcome's scale
    better: str = "lower"
    thresholds: tuple[float, ...] = ()
    units: str = "points"


SCENARIOS = [
    Scenario(
        "two_by_two",
        ("ctl", "trt"),
        "2x2 (AB/BA), 2 sequences, one reading per period",
        "auc",
        'preset = "vas_0_100"\ncolumn = "vas"\nreading = "period"\n',
        {"n_days": 1, "mu": 50, "sd_subject": 15, "sd_period": 8, "bounds": (0, 100)},
        effect=-15.0,
        thresholds=(10.0, 13.0, 20.0),
        units="mm",
    ),
    Scenario(
        "williams_4x4",
        ("placebo", "low", "mid", "high"),
        "4x4 Williams, 4 sequences, 5 readings per period",
        "daily",
        'preset = "nrs_0_10"\n',
        {"n_days": 5, "sequences": williams_sequences(("placebo", "low", "mid", "high"))},
        effect=-1.5,
        thresholds=(0.5, 1.0, 2.0),
    ),
    Scenario(
        "higher_is_better",
        ("sham", "active"),
        "2x2 (AB/BA), 2 sequences, 4 readings per period",
        "daily",
        'label = "Pain relief (0-10)"\nunits = "points"\nlower = 0\nupper = 10\n'
        'better = "higher"\nthresholds = [1, 2]\nrope = 0.5\nnoun = "pain relief"\n',
        {"n_days": 4},
        effect=1.5,
        better="higher",
        thresholds=(1.0, 2.0),
    ),
    Scenario(
        "unbounded",
        ("A", "B", "C"),
        "3x3 Williams, 6 sequences, 6 readings per period",
        "daily",
        'column = "sbp"\nlabel = "Systolic blood pressure"\nunits = "mmHg"\nbetter = "lower"\n'
        'thresholds = [2, 5, 10]\nrope = 2\nreading = "reading"\n',
        {
            "n_days": 6,
            "mu": 120,
            "sd_subject": 12,
            "sd_period": 4,
            "sd_residual": 6,
            "bounds": (None, None),
            "integer": False,
        },
        effect=-10.0,
        thresholds=(2.0, 5.0, 10.0),
        units="mmHg",
    ),
]


def _write(tmp: Path, s: Scenario) -> tuple[Path, Path]:
    options = {"n_subjects": 12, "seed": 7, **s.simulate}
    frame = bk.simulate_trial(
        treatments=s.treatments, effects={s.treatments[-1]: s.effect}, **options
    )
    column = s.outcome.split('column = "')[1].split('"')[0] if "column" in s.outcome else "pain"
    frame = frame.rename(columns={"pain": column}).drop(columns="baseline_pain")
    data = tmp / f"{s.name}.csv"
    frame.to_csv(data, index=False)
    design = tmp / f"{s.name}.toml"
    labels = ", ".join(f'"{t}"' for t in s.treatments)
    head = f'treatments = [{labels}]\nreference = "{s.treatments[0]}"\n\n'
    design.write_text(f"{head}[outcome]\n{s.outcome}")
    return data, design


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_validate_fit_and_report(scenario, tmp_path, capsys):
    data, design = _write(tmp_path, scenario)
    base = [str(data), "--design", str(design)]
    assert main(["validate", *base]) == 0
    out = capsys.readouterr().out
    assert f"Design class: {scenario.design_class}" in out
    assert f"{scenario.model:<14} suits" in out

    fit_dir = tmp_path / "fit"
    small = ["--draws", "300", "--tune", "300", "--chains", "2"]
    assert main(["fit", *base, "--model", scenario.model, *small, "--out", str(fit_dir)]) == 0
    printed = capsys.readouterr().out
    assert f"(differences in {scenario.units}; {scenario.better} is better)" in printed
    summary = read_summary(fit_dir / "summary.json")
    assert schema_errors(summary) == []
    assert summary["outcome"]["better"] == scenario.better
    assert summary["outcome"]["units"] == scenario.units
    assert summary["data"]["treatments"] == list(scenario.treatments)
    last = f"{scenario.treatments[-1]} - {scenario.treatments[0]}"
    (row,) = [
        c
        for c in summary["contrasts"]
        if c["contrast"] == last and c["estimand"] == "mean_daily_difference"
    ]
    assert list(row["p_beyond"]) == [f"{t:.1f}" for t in scenario.thresholds]
    assert row["p_benefit"] > 0.9  # the simulated effect is a benefit in the declared direction
    assert row["mean"] * (1 if scenario.better == "higher" else -1) > 0

    report_dir = tmp_path / "report"
    argv = ["report", *base, "--model", scenario.model, "--draws", "200", "--tune", "200"]
    assert main([*argv, "--chains", "2", "--out", str(report_dir)]) == 0
    assert (report_dir / "report.html").stat().st_size > 10_000
    reported = json.loads((report_dir / "summary.json").read_text())
    assert reported["outcome"]["units"] == scenario.units
    assert reported["outcome"]["prior_scaling"]["flip"] == (scenario.better == "higher")
