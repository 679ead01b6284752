"""`bayes-keta fit` with adverse events: the second fit, its gate, the files (fake posteriors)."""

from __future__ import annotations

import json

import pytest
from fake_fits import fake_cli_sampling, fake_fit, fake_harm_fit, fake_tree

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.cli import progress as cli_progress
from bayes_keta.exceptions import ConvergenceError, OutputError
from bayes_keta.harms import load_adverse_events
from bayes_keta.summary import read_summary


@pytest.fixture
def calls(monkeypatch):
    """Fake sampling for both fits; ``harm_stuck`` in the list makes the adverse-event gate fail."""
    seen: list = []

    def run(options):
        seen.append(options["spec"] if isinstance(options["spec"], str) else options["spec"].name)
        if options["spec"] == "adverse_events":
            return fake_harm_fit(options, stuck="harm_stuck" in seen)
        tree = fake_tree(n_days=options["trial"].n_days, n_draws=500, seed=5)
        return fake_fit(options["trial"], tree, spec=options["spec"])

    fake_cli_sampling(monkeypatch, run)
    return seen


def test_the_adverse_event_model_is_fitted_beside_and_written(calls, tmp_path, capsys):
    out = tmp_path / "fit"
    assert main(["fit", "--out", str(out), "--harm-weight", "5", "--seed", "4"]) == 0
    assert calls == ["daily", "adverse_events"]
    summary = read_summary(out / "summary.json")
    block = summary["benefit_risk"]
    assert block["net_benefit"]["weights"] == [5.0] and block["net_benefit"]["user_weight"]
    assert summary["adverse_events"]["model"] == "adverse_events"
    assert "--harm-weight 5.0" in summary["provenance"]["command"]
    harm = load_adverse_events(out)
    assert harm is not None and harm.record.command == summary["provenance"]["command"]
    assert read_summary(out / "adverse_events" / "summary.json")["contrasts"] == []
    captured = capsys.readouterr()
    assert "ADVERSE-EVENT DIAGNOSTICS PASSED" in captured.out
    assert "Adverse events (adverse_events): P(at least one in a period)" in captured.out
    assert "Net benefit (benefit - w x risk difference; your weight)" in captured.out
    assert "P(benefit > 1 point AND risk difference < margin)" in captured.out
    assert f"wrote the adverse-event fit to {out / 'adverse_events'}" in captured.out


def test_no_adverse_events_option_and_data_without_the_column(calls, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(cli_progress, "stream_is_terminal", lambda stream: True)
    out = tmp_path / "plain"
    assert main(["fit", "--out", str(out), "--no-adverse-events"]) == 0
    assert calls == ["daily"] and not (out / "adverse_events").exists()
    assert "benefit_risk" not in json.loads((out / "summary.json").read_text())
    data = tmp_path / "no_ae.csv"
    bk.simulate_trial(n_subjects=6, n_days=4, seed=2, adverse_event_risks={}).to_csv(data)
    assert main(["fit", str(data), "--out", str(tmp_path / "o"), "--harm-weight", "2"]) == 0
    assert "no adverse_event values in the data: --harm-weight is not used" in (
        capsys.readouterr().err
    )
    assert calls == ["daily", "daily"]


def test_existing_adverse_event_outputs_are_refused_before_sampling(calls, tmp_path, capsys):
    (tmp_path / "adverse_events").mkdir()
    (tmp_path / "adverse_events" / "summary.json").write_text("{}")
    assert main(["fit", "--out", str(tmp_path)]) == OutputError.exit_code
    assert calls == [] and "--force" in capsys.readouterr().err


def test_a_negative_harm_weight_is_a_usage_error(calls, capsys, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        main(["fit", "--out", str(tmp_path / "x"), "--harm-weight", "-1"])
    assert exit_.value.code == 2
    assert "must be a finite number >= 0" in capsys.readouterr().err and calls == []


def test_a_failed_adverse_event_gate_is_reported_like_any_other(calls, tmp_path, capsys):
    calls.append("harm_stuck")
    assert main(["fit", "--out", str(tmp_path / "lenient")]) == 0
    err = capsys.readouterr().err
    assert "ADVERSE-EVENT DIAGNOSTICS FAILED: max R-hat" in err
    summary = read_summary(tmp_path / "lenient" / "summary.json")
    assert summary["diagnostics"]["passed"] and not summary["adverse_events"]["diagnostics_passed"]
    assert not summary["benefit_risk"]["diagnostics_passed"]
    code = main(["fit", "--out", str(tmp_path / "strict"), "--strict"])
    assert code == ConvergenceError.exit_code
    assert "adverse events: max R-hat" in capsys.readouterr().err
    assert (tmp_path / "strict" / "adverse_events" / "summary.json").exists()
