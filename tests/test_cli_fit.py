"""`bayes-keta fit`: checks before sampling, outputs, verdicts (fake fit), one real run."""

from __future__ import annotations

import json

import pytest
from fake_fits import fake_cli_sampling, fake_fit, fake_harm_fit, fake_tree

from bayes_keta.cli import main
from bayes_keta.exceptions import ConvergenceError, DataError, OutputError, SpecError
from bayes_keta.fitting import load_fit
from bayes_keta.summary import read_summary, schema_errors


@pytest.fixture
def fake_sampling(monkeypatch):
    """Replace sampling by a fixed fake posterior; record the fit arguments."""
    calls = []

    def run(options):
        if options["spec"] == "adverse_events":
            return fake_harm_fit(options)
        calls.append(options)
        trial = options["trial"]
        tree = fake_tree(n_days=trial.n_days, n_draws=500, seed=5)
        return fake_fit(trial, tree, spec=options["spec"])

    fake_cli_sampling(monkeypatch, run)
    return calls


@pytest.fixture
def no_sampling(monkeypatch):
    def run(options):
        raise AssertionError("sampling started although validation should have failed")

    fake_cli_sampling(monkeypatch, run)


def test_fit_writes_valid_outputs_and_reports(fake_sampling, tmp_path, capsys):
    out = tmp_path / "fit"
    code = main(["fit", "--model", "daily", "--out", str(out), "--draws", "50", "--seed", "3"])
    assert code == 0
    assert fake_sampling[0]["draws"] == 50 and fake_sampling[0]["seed"] == 3
    assert "tune" not in fake_sampling[0]  # unset options are left to fitting's defaults
    summary = read_summary(out / "summary.json")
    assert schema_errors(summary) == []
    assert summary["data"]["synthetic"] is True
    assert summary["model"]["name"] == "daily"
    assert summary["provenance"]["command"].startswith("bayes-keta fit --model daily")
    assert len(summary["contrasts"]) == 3 * 8
    captured = capsys.readouterr()
    assert "ketamine - placebo" in captured.out
    assert "DIAGNOSTICS PASSED" in captured.out
    assert "SYNTHETIC DATA" in captured.out
    assert "DIAGNOSTICS FAILED" not in captured.err
    assert load_fit(out).contrasts().shape[0] == 3 * 8


def test_failed_diagnostics_are_loud_and_strict_exits_nonzero(monkeypatch, tmp_path, capsys):
    def run(options):
        if options["spec"] == "adverse_events":
            return fake_harm_fit(options)
        tree = fake_tree(n_days=options["trial"].n_days, stuck=True)
        return fake_fit(options["trial"], tree, spec=options["spec"])

    fake_cli_sampling(monkeypatch, run)
    assert main(["fit", "--out", str(tmp_path / "lenient")]) == 0
    assert "DIAGNOSTICS FAILED: max R-hat" in capsys.readouterr().err
    assert read_summary(tmp_path / "lenient" / "summary.json")["diagnostics"]["passed"] is False
    code = main(["fit", "--out", str(tmp_path / "strict"), "--strict"])
    assert code == ConvergenceError.exit_code
    err = capsys.readouterr().err
    assert "DIAGNOSTICS FAILED" in err and "ConvergenceError" in err
    assert (tmp_path / "strict" / "summary.json").exists()  # written, flagged as failed


def test_existing_outputs_refused_before_sampling(no_sampling, tmp_path, capsys):
    (tmp_path / "summary.json").write_text("{}")
    code = main(["fit", "--out", str(tmp_path)])
    assert code == OutputError.exit_code
    assert "--force" in capsys.readouterr().err
    assert (tmp_path / "summary.json").read_text() == "{}"


def test_force_overwrites(fake_sampling, tmp_path):
    (tmp_path / "summary.json").write_text("{}")
    assert main(["fit", "--out", str(tmp_path), "--force"]) == 0
    assert json.loads((tmp_path / "summary.json").read_text())["schema"] == "bayes_keta.summary/1"


@pytest.mark.parametrize(
    "argv, error",
    [
        (["--model", "no_such_model"], SpecError),
        (["--priors", "no_such_prior_set"], SpecError),
        (["missing.csv"], DataError),
        (["--treatments", "A,B", "--reference", "A"], DataError),
    ],
)
def test_bad_inputs_fail_before_sampling(no_sampling, tmp_path, argv, error, capsys):
    out = tmp_path / "out"
    code = main(["fit", *argv, "--out", str(out)])
    assert code == error.exit_code
    assert error.__name__ in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize("argv", [["--draws", "0"], ["--chains", "x"], ["--sampler", "stan"]])
def test_bad_sampler_options_are_usage_errors(no_sampling, tmp_path, argv):
    with pytest.raises(SystemExit) as exc:
        main(["fit", "--out", str(tmp_path), *argv])
    assert exc.value.code == 2


@pytest.mark.slow
def test_end_to_end_real_fit(tmp_path, monkeypatch, capsys):
    """One real (small) NUTS fit of models/daily.toml on the embedded synthetic trial."""
    from pathlib import Path

    models = Path(__file__).resolve().parents[1] / "models" / "daily.toml"
    out = tmp_path / "tmp"
    argv = ["fit", "--model", str(models), "--draws", "300", "--tune", "300", "--chains", "2"]
    argv += ["--seed", "11", "--out", str(out)]
    assert main(argv) == 0
    summary = read_summary(out / "summary.json")  # validates against the schema
    assert schema_errors(summary) == []
    keys = {(c["active"], c["reference"], c["estimand"]) for c in summary["contrasts"]}
    estimands = {
        "mean_daily_difference",
        "auc_difference",
        "week_1",
        "day_7",
        "day_15",
        "day_21",
        "day_28",
        "relative_change_pct",
    }
    pairs = {
        ("ketamine", "placebo"),
        ("ketamine_magnesium", "placebo"),
        ("ketamine_magnesium", "ketamine"),
    }
    assert keys == {(a, r, e) for a, r in pairs for e in estimands}
    assert summary["sampler"]["draws"] == 300 and summary["sampler"]["chains"] == 2
    assert summary["data"]["synthetic"] is True
    loaded = load_fit(out)  # reopens posterior.nc and checks it matches summary.json
    assert {"posterior", "sample_stats"} <= set(loaded.datatree.children)
    assert loaded.datatree["posterior"]["arm_mean"].sizes["day"] == 35

    def files() -> dict:
        return {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    before = files()
    assert Path("adverse_events/summary.json") in before  # the embedded trial has adverse events
    capsys.readouterr()
    assert main(argv) == OutputError.exit_code
    assert "OutputError" in capsys.readouterr().err
    assert files() == before


@pytest.mark.parametrize("given", ["neutral", "neutral.toml", "models/priors/neutral.toml"])
def test_priors_by_name_or_file_name_in_fit_report_and_sweep(
    given, fake_sampling, tmp_path, monkeypatch, capsys
):
    import bayes_keta.fitting
    import bayes_keta.sweep.run
    from bayes_keta.spec import load_spec, resolve_priors

    monkeypatch.chdir(tmp_path)  # relative paths into models/ do not exist here
    assert main(["fit", "--priors", given, "--out", "fit"]) == 0
    assert fake_sampling[-1]["priors"] == [given]
    neutral = resolve_priors(load_spec("daily"), "neutral")
    assert resolve_priors(load_spec("daily"), fake_sampling[-1]["priors"]) == neutral

    seen = []

    def stop(*args, **kwargs):  # priors validated: stop before sampling
        seen.append(resolve_priors(load_spec("daily"), kwargs["priors"]))
        raise OutputError("stub: no sampling in this test")

    monkeypatch.setattr(bayes_keta.fitting, "fit", stop)
    monkeypatch.setattr(bayes_keta.sweep.run, "prior_sweep", stop)
    for argv in (
        ["report", "--model", "daily", "--priors", given, "--out", "rep"],
        ["sweep", "--model", "daily", "--priors", given, "--out", "sw"],
    ):
        assert main(argv) == OutputError.exit_code, capsys.readouterr().err
    assert seen == [neutral, neutral]
    assert main(["sweep", "--priors", "neutrl.toml", "--out", "sw"]) == SpecError.exit_code
    assert "available: enthusiastic, neutral, skeptical" in capsys.readouterr().err
