"""Progress lines on stderr for people (a terminal), nothing for pipes, ``--quiet`` everywhere.

Sampling is replaced by fixed fake posteriors or fake results (no NUTS) except in the one
``slow`` test of the stages :func:`bayes_keta.fitting.fit` reports.
"""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_cli_sampling, fake_fit, fake_harm_fit, fake_tree

from bayes_keta.cli import main
from bayes_keta.cli import progress as cli_progress
from bayes_keta.cli.progress import Progress


@pytest.fixture
def fake_sampling(monkeypatch):
    """``bayes-keta fit`` samples a fixed fake posterior; the fit arguments are recorded."""
    calls = []

    def run(options):
        if options["spec"] == "adverse_events":
            return fake_harm_fit(options)
        calls.append(options)
        options["progress"]("sampling (fake)")
        tree = fake_tree(n_days=options["trial"].n_days, n_draws=500, seed=5)
        post = tree["posterior"].to_dataset()  # the SDs an export standardizes by
        post["sigma_subject"] = post["arm_mean"].isel(treatment=0, day=0) * 0 + 2.0
        post["sigma_subject_period"] = post["sigma_subject"] * 0 + 1.5
        tree["posterior"] = xr.DataTree(post)
        return fake_fit(options["trial"], tree, spec=options["spec"])

    fake_cli_sampling(monkeypatch, run)
    return calls


@pytest.fixture
def terminal(monkeypatch):
    """Make the CLI believe stderr is a terminal."""
    monkeypatch.setattr(cli_progress, "stream_is_terminal", lambda stream: True)


@pytest.fixture
def fake_report(monkeypatch, tmp_path):
    """``bayes-keta report`` without fitting: the builder logs two specs and returns."""
    seen = {}

    def build_report(trial, specs, *, log, out_dir, **kwargs):
        seen["specs"] = specs
        log("fitting 'daily', spec 1 of 2")
        log("'daily' fitted in 1.0 s; about 1 s left")
        out = tmp_path / "report"
        return SimpleNamespace(
            html=out / "report.html",
            markdown=out / "report.md",
            summary=out / "summary.json",
            fits={"daily": out / "fits" / "daily"},
            messages=(),
            passed=True,
            failures=(),
            data=SimpleNamespace(main="daily"),
        )

    monkeypatch.setattr("bayes_keta.report.build.build_report", build_report)
    return seen


@pytest.fixture
def fake_sweep(monkeypatch):
    """``bayes-keta sweep`` without sampling; records whether a progress bar was asked for."""
    seen = {}

    def prior_sweep(trial, spec, *, progress, **kwargs):
        seen["bar"] = progress
        return SimpleNamespace(
            save=lambda out, force: {"csv": Path(out) / "sweep.csv"},
            text="sweep table",
            table=pd.DataFrame({"passed": [True]}),
        )

    monkeypatch.setattr("bayes_keta.sweep.run.prior_sweep", prior_sweep)
    return seen


def _stage_lines(err: str, command: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith(f"bayes-keta {command} [")]


# ----------------------------------------------------------------------------- the module
def test_progress_shows_stages_only_to_a_terminal_and_never_when_quiet():
    out = io.StringIO()  # not a terminal
    Progress("fit", stream=out).stage("sampling")
    assert out.getvalue() == ""
    Progress("fit", stream=out, force=True, quiet=True).stage("sampling")
    assert out.getvalue() == ""
    shown = Progress("fit", stream=out, force=True)
    shown.stage("sampling")
    shown.stage("writing")
    shown.note("a remark")
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("bayes-keta fit [") and lines[0].endswith(" s] sampling")
    assert lines[1] == ""  # the sampler's bar may end without a newline
    assert lines[2].endswith(" s] writing") and lines[3] == "bayes-keta fit note: a remark"


# ------------------------------------------------------------------------------------ fit
def test_fit_shows_stages_and_nutpie_bar_on_a_terminal(fake_sampling, terminal, tmp_path, capsys):
    assert main(["fit", "--out", str(tmp_path / "f"), "--chains", "1"]) == 0
    captured = capsys.readouterr()
    stages = [line.split("] ", 1)[1] for line in _stage_lines(captured.err, "fit")]
    assert stages == [
        "validating data, spec and outputs",
        "sampling (fake)",
        "fitting the adverse-event model",
        "diagnostics",
        f"writing {tmp_path / 'f'}",
        "done",
    ]
    assert "bayes-keta fit note: fitting SYNTHETIC DATA" in captured.err
    assert "note: 1 chain: R-hat needs >= 2 chains" in captured.err
    assert fake_sampling[0]["progressbar"] is True
    assert "wrote" in captured.out  # the result is on stdout


def test_fit_is_silent_on_stderr_in_a_pipe(fake_sampling, tmp_path, capsys):
    assert main(["fit", "--out", str(tmp_path / "f")]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert fake_sampling[0]["progressbar"] is False
    assert "DIAGNOSTICS PASSED" in captured.out and "wrote" in captured.out


# --------------------------------------------------------------------------------- report
def test_report_stages_on_a_terminal_only(fake_report, terminal, tmp_path, capsys):
    assert main(["report", "--model", "daily", "--out", str(tmp_path / "r")]) == 0
    captured = capsys.readouterr()
    stages = _stage_lines(captured.err, "report")
    assert any(line.endswith("fitting 'daily', spec 1 of 2") for line in stages)
    assert "wrote" in captured.out and "total wall time" in captured.out
    assert main(["report", "--model", "daily", "--out", str(tmp_path / "r"), "--quiet"]) == 0
    assert capsys.readouterr().err == ""


def test_report_fit_specs_counts_specs_and_estimates_the_time_left(fixed_trial, monkeypatch):
    from bayes_keta.report import build

    clock = iter([0.0, 10.0, 10.0, 30.0, 30.0, 36.0])  # fits of 10 s, 20 s and 6 s
    monkeypatch.setattr(build, "time", SimpleNamespace(perf_counter=lambda: next(clock)))
    monkeypatch.setattr("bayes_keta.fitting.fit", lambda trial, spec, **kw: spec.name)
    messages: list[str] = []
    fits, seconds = build.fit_specs(
        fixed_trial, ["daily", "daily_ar1", "auc"], draws=10, tune=10, chains=2, log=messages.append
    )
    assert list(fits) == ["daily", "daily_ar1", "auc"]
    assert seconds == {"daily": 10.0, "daily_ar1": 20.0, "auc": 6.0}
    assert messages[0].startswith("fitting 'daily', spec 1 of 3")
    assert messages[1] == "'daily' fitted in 10.0 s; about 20 s left"  # 10 s x 2 specs
    assert messages[3] == "'daily_ar1' fitted in 20.0 s; about 15 s left"  # 15 s x 1
    assert messages[4].startswith("fitting 'auc', spec 3 of 3")
    assert messages[5] == "'auc' fitted in 6.0 s"


# ---------------------------------------------------------------------------------- sweep
@pytest.mark.parametrize(
    ("argv", "on_terminal", "bar"),
    [
        ([], True, True),
        ([], False, False),
        (["--quiet"], True, False),
        (["--no-progress"], True, False),
    ],
)
def test_sweep_keeps_its_bar_for_people_only(
    fake_sweep, monkeypatch, tmp_path, capsys, argv, on_terminal, bar
):
    monkeypatch.setattr(cli_progress, "stream_is_terminal", lambda stream: on_terminal)
    assert main(["sweep", "--out", str(tmp_path / "s"), *argv]) == 0
    assert fake_sweep["bar"] is bar
    captured = capsys.readouterr()
    assert bool(_stage_lines(captured.err, "sweep")) is (on_terminal and "--quiet" not in argv)
    assert "sweep table" in captured.out


# ------------------------------------------------------------------- --quiet, every command
@pytest.fixture
def quiet_argv(fake_sampling, fake_report, fake_sweep, tmp_path, capsys):
    """A valid, fast invocation of each subcommand (fake sampling where it would sample)."""
    fit_dir = tmp_path / "fit"
    assert main(["fit", "--out", str(fit_dir)]) == 0
    capsys.readouterr()
    out = ["--out", str(tmp_path / "out")]
    return {
        "validate": ["validate"],
        "simulate": ["simulate", "--out", str(tmp_path / "s.csv"), "--n-subjects", "6"],
        "fit": ["fit", *out],
        "report": ["report", "--model", "daily", *out],
        "published": ["published", *out],
        "sweep": ["sweep", *out],
        "export": ["export", str(fit_dir), *out],
        "meta": ["meta", "--example", "--draws", "100", "--tune", "100", *out],
    }


@pytest.mark.parametrize(
    "command",
    [
        *["validate", "simulate", "fit", "report", "published", "sweep", "export"],
        pytest.param("meta", marks=pytest.mark.slow),  # pm.sample (the others fake the fit)
    ],
)
def test_quiet_leaves_only_the_result(command, quiet_argv, terminal, capsys):
    assert main([*quiet_argv[command], "--quiet"]) == 0
    captured = capsys.readouterr()
    assert not [line for line in captured.err.splitlines() if line.startswith("bayes-keta")]
    if command == "export":  # a caveat of the result itself may remain
        assert all(ln.startswith("likelihood-only") for ln in captured.err.splitlines())
    else:
        assert captured.err == ""
    assert "wrote" in captured.out or "OK:" in captured.out


@pytest.mark.slow
def test_fit_reports_its_stages_in_order(fixed_trial):
    from bayes_keta.fitting import fit

    stages: list[str] = []
    fit(fixed_trial, "daily", draws=20, tune=20, chains=1, prior_draws=10, progress=stages.append)
    assert stages == [
        "building the model",
        "compiling (or reusing a cached compile)",
        "sampling (nutpie)",
        "posterior predictive / log-likelihood",
        "prior draws",
    ]
