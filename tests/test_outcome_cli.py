"""The CLI on declared outcomes: refusals with their messages and exit codes, and what
``validate`` and ``fit`` print (no sampling: ``fit`` runs on a fake posterior)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from fake_fits import fake_cli_sampling, fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.models import build
from bayes_keta.spec import load_spec
from bayes_keta.summary import read_summary

BP_FLAGS = [
    "--treatments",
    "A,B",
    "--outcome-column",
    "sbp",
    "--outcome-label",
    "Systolic blood pressure",
    "--outcome-units",
    "mmHg",
    "--outcome-better",
    "lower",
    "--outcome-thresholds",
    "2,5,10",
    "--outcome-rope",
    "2",
]


def _csv(path: Path, *, n_days: int, scale: float = 1.0, column: str = "pain", **options) -> Path:
    frame = bk.simulate_trial(n_subjects=6, n_days=n_days, treatments=("A", "B"), **options)
    frame[column] = frame.pop("pain") * scale
    frame.to_csv(path, index=False)
    return path


@pytest.fixture
def no_sampling(monkeypatch):
    def run(options):
        raise AssertionError("sampling started although the refusal should come first")

    fake_cli_sampling(monkeypatch, run)


@pytest.fixture
def fake_sampling(monkeypatch):
    """A fixed fake posterior, with a carryover term when the spec has one."""

    def run(options):
        trial = options["trial"]
        effects = {t: -3.0 for t in trial.actives}
        tree = fake_tree(n_days=trial.n_days, treatments=trial.treatments, effects=effects)
        spec = load_spec(options["spec"])
        if spec.carryover:
            draws = np.random.default_rng(0).normal(0.8, 0.1, size=(4, 500, len(trial.actives)))
            tree["posterior"] = (
                tree["posterior"]
                .to_dataset()
                .assign(carryover_effect=(("chain", "draw", "active"), draws))
            )
        fit = fake_fit(trial, tree, spec=spec)
        built = build(trial, spec)
        record = type(fit.record).from_dict(
            {
                **fit.record.to_dict(),
                "prior_scaling": built.scaling.to_dict(),
                "missing_data": built.missing_data,
            }
        )
        tree.attrs.update(record.to_attrs())
        return bk.FitResult(tree, record, trial)

    fake_cli_sampling(monkeypatch, run)


def test_validate_with_outcome_flags_prints_outcome_class_and_suitable_specs(tmp_path, capsys):
    path = _csv(tmp_path / "bp.csv", n_days=4, scale=12.0, column="sbp", seed=1)
    assert main(["validate", str(path), *BP_FLAGS]) == 0
    out = capsys.readouterr().out
    assert "Outcome: Systolic blood pressure: mmHg, unbounded, lower is better" in out
    assert "Design class: 2x2 (AB/BA), 2 sequences, 4 readings per period, not replicated" in out
    assert "daily_ordinal  refused: the ordinal likelihood needs an integer outcome" in out
    assert "daily          suits" in out


def test_day_level_spec_with_one_reading_is_refused_naming_auc(tmp_path, capsys, no_sampling):
    path = _csv(tmp_path / "one.csv", n_days=1, seed=1)
    out = tmp_path / "out"
    code = main(["fit", str(path), "--treatments", "A,B", "--model", "daily", "--out", str(out)])
    assert code == SpecError.exit_code == 4
    err = capsys.readouterr().err
    assert "needs at least 2 readings per subject-period" in err
    assert "specs that suit this design: models/auc.toml" in err
    assert "Traceback" not in err and not out.exists()


def test_values_outside_declared_bounds_exit_3_naming_rows(tmp_path, capsys):
    path = _csv(tmp_path / "vas.csv", n_days=2, scale=10.0, column="vas", seed=1)
    text = path.read_text().splitlines()
    header = text[0].split(",")
    row = text[3].split(",")
    row[header.index("vas")] = "130"
    text[3] = ",".join(row)
    path.write_text("\n".join(text) + "\n")
    flags = ["--treatments", "A,B", "--outcome-preset", "vas_0_100", "--outcome-column", "vas"]
    assert main(["validate", str(path), *flags]) == DataError.exit_code == 3
    err = capsys.readouterr().err
    assert "vas is outside 0..100 at row 3 (values 130)" in err


def test_bad_outcome_keys_are_refused_with_the_key(tmp_path, capsys):
    path = _csv(tmp_path / "t.csv", n_days=2, seed=1)
    design = tmp_path / "design.toml"
    design.write_text('treatments = ["A", "B"]\n\n[outcome]\nunits = "mmHg"\nbetter = "up"\n')
    assert main(["validate", str(path), "--design", str(design)]) == SpecError.exit_code
    assert 'better must be "lower" or "higher"' in capsys.readouterr().err
    design.write_text('treatments = ["A", "B"]\n\n[outcome]\nunit = "mmHg"\n')
    assert main(["validate", str(path), "--design", str(design)]) == SpecError.exit_code
    err = capsys.readouterr().err
    assert "[outcome]: unknown key(s) ['unit']" in err and "Traceback" not in err
    assert main(["validate", str(path), "--treatments", "A,B", "--outcome-units", "mmHg"]) == 4
    assert "a declared outcome needs better" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--outcome-preset", "vas_0_100"], "small declared range"),
        (["--outcome-units", "mmHg", "--outcome-better", "lower"], "declared integer bounds"),
    ],
)
def test_ordinal_on_a_wide_or_non_integer_outcome_exits_4(
    tmp_path, capsys, no_sampling, flags, message
):
    path = _csv(tmp_path / "t.csv", n_days=3, seed=1)
    argv = ["fit", str(path), "--treatments", "A,B", "--model", "daily_ordinal", *flags]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 4
    err = capsys.readouterr().err
    assert message in err and "daily_ordinal" in err


def test_carryover_on_two_periods_exits_4(tmp_path, capsys, no_sampling):
    path = _csv(tmp_path / "t.csv", n_days=3, seed=1)
    spec = tmp_path / "carry.toml"
    spec.write_text(load_spec("daily").text.replace("carryover = false", "carryover = true"))
    argv = ["fit", str(path), "--treatments", "A,B", "--model", str(spec)]
    assert main([*argv, "--out", str(tmp_path / "o")]) == 4
    err = capsys.readouterr().err
    assert "carryover = true needs at least 3 periods" in err and "Freeman 1989" in err


def test_fit_prints_outcome_carryover_missing_data_and_prior_scaling(
    tmp_path, capsys, fake_sampling
):
    frame = bk.simulate_trial(n_subjects=6, n_days=4, treatments=("A", "B", "C"), seed=1)
    frame["sbp"] = 100 + 5 * frame.pop("pain")
    path = tmp_path / "bp.csv"
    frame.to_csv(path, index=False)
    spec = tmp_path / "carry.toml"
    spec.write_text(load_spec("daily").text.replace("carryover = false", "carryover = true"))
    flags = [f if f != "A,B" else "A,B,C" for f in BP_FLAGS]
    out = tmp_path / "fit"
    assert main(["fit", str(path), "--model", str(spec), *flags, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Outcome: Systolic blood pressure: mmHg" in printed
    assert "(differences in mmHg; lower is better)" in printed
    assert "Carryover of the previous period's treatment (scale outcome):" in printed
    assert "after B" in printed and "after C" in printed
    assert "Missing data: the likelihood uses the" in printed
    assert "Priors: priors written for the 0-10 NRS are scaled to the outcome" in printed
    summary = read_summary(out / "summary.json")
    assert summary["outcome"]["units"] == "mmHg" and summary["outcome"]["lower"] is None
    assert [r["treatment"] for r in summary["carryover"]] == ["B", "C"]
    assert summary["missing_data"]["handling"] == "observed_only"
    assert "--outcome-units mmHg" in summary["provenance"]["command"]
    assert "--outcome-thresholds 2,5,10" in summary["provenance"]["command"]


def test_report_skips_default_specs_the_design_cannot_fit(tmp_path, capsys, monkeypatch):
    import bayes_keta.report.build as report_build

    asked = []

    def stop(trial, specs, **options):
        asked.append(list(specs))
        raise SpecError("stop here")

    monkeypatch.setattr(report_build, "build_report", stop)
    path = _csv(tmp_path / "one.csv", n_days=1, seed=1)
    assert main(["report", str(path), "--treatments", "A,B", "--out", str(tmp_path / "r")]) == 4
    assert asked == [["auc"]]
    out = capsys.readouterr().out
    assert "default spec daily does not suit this design, skipped: needs at least 2" in out
    assert "specs that suit" not in out
