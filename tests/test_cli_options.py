"""Numeric options: every one checked before anything runs, worded like the Python API.

A bad number is a usage error (exit 2, one ``error:`` line, no traceback) and no subcommand
body runs; the Python API raises :class:`SpecError` with the same phrase. A structural test
keeps the table below complete: a new numeric option without a bad-value case fails it.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bayes_keta as bk
from bayes_keta import checks
from bayes_keta.cli import build_parser, main
from bayes_keta.constants import MIN_TUNE, SEED_MAX
from bayes_keta.exceptions import SpecError
from bayes_keta.report.build import build_report

COMMANDS = (
    "validate",
    "simulate",
    "fit",
    "report",
    "published",
    "sweep",
    "export",
    "meta",
    "assurance",
)
SAMPLING = [
    ("--draws", "1"),
    ("--draws", "nan"),
    ("--draws", "1.5"),
    ("--tune", "0"),
    ("--tune", "-5"),
    ("--chains", "0"),
    ("--chains", "two"),
    ("--seed", "-1"),
    ("--seed", str(SEED_MAX + 1)),
]
OUTCOME = [
    ("--outcome-lower", "inf"),
    ("--outcome-upper", "nan"),
    ("--outcome-thresholds", "2,-1"),
    ("--outcome-thresholds", ","),
    ("--outcome-rope", "0"),
    ("--outcome-rope", "-2"),
]
BAD: list[tuple[str, str, str]] = [
    ("simulate", "--n-subjects", "0"),
    ("simulate", "--n-subjects", "2.5"),
    ("simulate", "--days", "0"),
    ("simulate", "--seed", "-1"),
    ("simulate", "--seed", str(SEED_MAX + 1)),
    ("simulate", "--missing-rate", "1"),
    ("simulate", "--missing-rate", "-0.1"),
    ("simulate", "--missing-rate", "nan"),
    ("simulate", "--dropout-rate", "1.5"),
    ("simulate", "--dropout-rate", "inf"),
    ("simulate", "--effect", "ketamine=nan"),
    ("simulate", "--effect", "ketamine=-inf"),
    ("simulate", "--effect", "ketamine"),
    *[(cmd, opt, value) for cmd in ("fit", "report", "sweep", "meta") for opt, value in SAMPLING],
    *[
        (cmd, opt, value)
        for cmd in ("validate", "fit", "report", "sweep")
        for opt, value in OUTCOME
    ],
    ("report", "--rhat-max", "1"),
    ("report", "--rhat-max", "0.99"),
    ("report", "--rhat-max", "nan"),
    ("report", "--rhat-max", "inf"),
    ("report", "--ess-min", "0"),
    ("report", "--ess-min", "-100"),
    ("report", "--ess-min", "inf"),
    ("report", "--bfmi-min", "0"),
    ("report", "--bfmi-min", "1"),
    ("report", "--bfmi-min", "nan"),
    ("report", "--assurance", "1"),
    ("report", "--assurance", "12,0"),
    ("report", "--assurance", "12.5"),
    ("sweep", "--workers", "0"),
    ("sweep", "--workers", "1.5"),
    ("sweep", "--k-max", "0"),
    ("sweep", "--k-max", "inf"),
    ("sweep", "--min-ess", "-1"),
    ("published", "--design-effect", "0"),
    ("published", "--design-effect", "0.5"),
    ("published", "--design-effect", "nan"),
    ("published", "--design-effect", "-inf"),
    ("published", "--thresholds", "0.2,-1"),
    ("published", "--thresholds", "nan"),
    ("published", "--thresholds", ","),
    ("published", "--seed", "-1"),
    ("published", "--ae-prior", "1,0"),
    ("published", "--ae-prior", "1,nan"),
    ("fit", "--harm-weight", "-1"),
    ("fit", "--harm-weight", "nan"),
    ("report", "--harm-weight", "-1"),
    ("report", "--harm-weight", "inf"),
    ("meta", "--tau-scale", "0"),
    ("meta", "--tau-scale", "-1"),
    ("meta", "--tau-scale", "inf"),
    ("meta", "--mu-sd", "0"),
    ("meta", "--mu-sd", "nan"),
    ("meta", "--thresholds", "0"),
    ("meta", "--thresholds", "0.5,x"),
    ("assurance", "--n", "1"),
    ("assurance", "--n", "12,0"),
    ("assurance", "--n", "12.5"),
    ("assurance", "--n", ","),
    ("assurance", "--threshold", "-1"),
    ("assurance", "--threshold", "nan"),
    ("assurance", "--prob", "0"),
    ("assurance", "--prob", "1"),
    ("assurance", "--prob", "inf"),
    ("assurance", "--sims", "0"),
    ("assurance", "--seed", "-1"),
    ("assurance", "--exact", "-1"),
    ("assurance", "--workers", "0"),
]


def _base(command: str, tmp: Path) -> list[str]:
    """Arguments that make ``command`` otherwise valid (so only the bad number can fail)."""
    out = ["--out", str(tmp / "out")]
    return {
        "validate": [],
        "simulate": ["--out", str(tmp / "sim.csv")],
        "export": [str(tmp / "fit"), *out],
        "meta": ["--example", *out],
        "assurance": [str(tmp / "fit"), "--n", "12", *out],
    }.get(command, out)


@pytest.fixture
def nothing_runs(monkeypatch):
    """Every subcommand body fails the test if it is called."""

    def refuse(args):
        raise AssertionError(f"{args.command} ran although its options were invalid")

    for name in COMMANDS:
        module = importlib.import_module(f"bayes_keta.cli.{name}")
        attr = "handler" if hasattr(module, "handler") else "run"
        monkeypatch.setattr(module, attr, refuse)


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def test_every_numeric_option_has_bad_value_cases():
    """Structural: each option with a converting ``type`` is in BAD (validate/export: none),
    and no option converts with a bare int or float (unchecked: NaN, inf, negatives)."""
    covered = {(cmd, opt) for cmd, opt, _ in BAD}
    for command, sub in _subparsers(build_parser()).items():
        typed = {
            opt
            for action in sub._actions
            if action.type not in (None, str, Path)
            for opt in action.option_strings[:1]
        }
        bare = [a.option_strings for a in sub._actions if a.type in (int, float)]
        assert not bare, f"{command}: unchecked numeric options {bare}"
        assert typed == {opt for cmd, opt in covered if cmd == command}, command
    assert set(_subparsers(build_parser())) == set(COMMANDS)


@pytest.mark.parametrize(("command", "option", "value"), BAD)
def test_bad_numbers_are_usage_errors_before_anything_runs(
    command, option, value, tmp_path, capsys, nothing_runs
):
    with pytest.raises(SystemExit) as exc:
        main([command, *_base(command, tmp_path), f"{option}={value}"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    errors = [line for line in err.splitlines() if "error:" in line]
    assert len(errors) == 1, err
    assert f"error: argument {option}: " in errors[0]
    bad_part = value.replace("=", ",").split(",")[-1] or value  # "0.2,-1" -> "-1"
    assert (
        f"got {bad_part}" in errors[0]
        or f"got {bad_part!r}" in errors[0]
        or repr(value) in errors[0]
    )
    assert "Traceback" not in err
    assert list(tmp_path.iterdir()) == []  # nothing written


@pytest.mark.parametrize(("command", "option"), sorted({(c, o) for c, o, _ in BAD}))
def test_defaults_pass_their_own_rules(command, option, tmp_path):
    """The rules are not stricter than the defaults: each default, given explicitly, parses."""
    parser = build_parser()
    args = parser.parse_args([command, *_base(command, tmp_path)])
    default = getattr(args, option.lstrip("-").replace("-", "_"))
    if default not in (None, []):  # e.g. --rhat-max 1.01, --missing-rate 0.03, --seed 20200701
        text = ",".join(map(str, default)) if isinstance(default, tuple) else default
        parsed = parser.parse_args([command, *_base(command, tmp_path), f"{option}={text}"])
        assert getattr(parsed, option.lstrip("-").replace("-", "_")) == default


def _cli_phrase(argv: list[str], option: str, capsys) -> str:
    with pytest.raises(SystemExit):
        main(argv)
    line = next(ln for ln in capsys.readouterr().err.splitlines() if "error:" in ln)
    return line.split(f"argument {option}: ", 1)[1]


@pytest.mark.parametrize(
    ("option", "value", "name", "api_value"),
    [
        ("--tune", "0", "tune", 0),
        ("--draws", "0", "draws", 0),
        ("--chains", "0", "chains", 0),
        ("--seed", "-1", "seed", -1),
        ("--seed", str(SEED_MAX + 1), "seed", SEED_MAX + 1),
    ],
)
def test_fit_cli_and_api_word_errors_alike(
    option, value, name, api_value, fixed_trial, tmp_path, capsys, monkeypatch
):
    from bayes_keta.fitting import runner

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled although the settings were invalid")

    monkeypatch.setattr(runner, "run_sampler", no_sampling)
    phrase = _cli_phrase(["fit", "--out", str(tmp_path), f"{option}={value}"], option, capsys)
    with pytest.raises(SpecError) as err:
        bk.fit(fixed_trial, "daily", **{name: api_value})
    assert str(err.value) == f"{name} {phrase}"


def test_report_gate_cli_and_api_word_errors_alike(tmp_path, capsys):
    from bayes_keta.report import GateThresholds

    phrase = _cli_phrase(["report", "--bfmi-min", "1.5"], "--bfmi-min", capsys)
    assert phrase == "must be a number in (0, 1), got 1.5"
    with pytest.raises(SpecError) as err:
        GateThresholds(bfmi_min=1.5)
    assert str(err.value) == f"bfmi_min {phrase}"
    with pytest.raises(SpecError, match="rhat_max must be a finite number > 1, got 1.0"):
        GateThresholds(rhat_max=1.0)


def test_published_cli_and_api_word_errors_alike(capsys, tmp_path):
    phrase = _cli_phrase(
        ["published", "--out", str(tmp_path), "--design-effect", "0.5"], "--design-effect", capsys
    )
    with pytest.raises(SpecError) as err:
        bk.reanalyse_published(design_effect=0.5)
    assert str(err.value) == f"design_effect {phrase}"


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda t, p: bk.prior_sweep(t, "daily", tune=0), "tune must be an integer >= 1"),
        (lambda t, p: bk.prior_sweep(t, "daily", workers=0), "workers must be an integer >= 1"),
        (lambda t, p: bk.prior_sweep(t, "daily", seed=-1), "seed must be an integer in 0.."),
        (lambda t, p: bk.prior_sweep(t, "daily", k_max=0), "k_max must be a finite number > 0"),
        (lambda t, p: bk.prior_sweep(t, "daily", min_ess=-1), "min_ess must be a finite number"),
        (lambda t, p: bk.reanalyse_published(seed=2**40), "seed must be an integer in 0.."),
        (lambda t, p: bk.meta_analysis(p, tune=0, scale="smd"), "tune must be an integer >= 1"),
        (lambda t, p: bk.meta_analysis(p, draws=0.5, scale="smd"), "draws must be an integer"),
        (
            lambda t, p: build_report(t, ["daily"], tune=0, out_dir=p.parent / "report"),
            "tune must be an integer >= 1",
        ),
    ],
)
def test_python_api_refuses_bad_settings_before_sampling(
    call, needle, fixed_trial, tmp_path, monkeypatch
):
    import pymc

    def no_sampling(*args, **kwargs):
        raise AssertionError("sampled although the settings were invalid")

    monkeypatch.setattr(pymc, "sample", no_sampling)
    monkeypatch.setattr("bayes_keta.fitting.runner.run_sampler", no_sampling)
    csv = tmp_path / "trials.csv"
    csv.write_text("trial,estimate,se\nA,-0.3,0.2\nB,-0.1,0.25\n")
    with pytest.raises(SpecError, match=needle.replace("(", r"\(").replace(".", r"\.")):
        call(fixed_trial, csv)
    assert not (tmp_path / "report").exists()


def test_rules_describe_themselves():
    assert checks.TUNE.low == MIN_TUNE
    assert checks.SEED.check(SEED_MAX, "seed") == SEED_MAX
    assert checks.MISSING_RATE.check(0, "missing_rate") == 0.0
    assert checks.DROPOUT_RATE.check(1, "dropout_rate") == 1.0
    with pytest.raises(SpecError, match="must be a finite number < 0"):
        checks.NEGATIVE.check(0.0, "design_effect")
    with pytest.raises(SpecError, match="got True"):
        checks.DRAWS.check(True, "draws")  # a bool is not a count
    assert checks.sampling_notes(chains=1) and not checks.sampling_notes(chains=2)


@pytest.mark.slow
def test_min_tune_is_nutpie_s_real_minimum():
    """nutpie samples with MIN_TUNE tuning steps and panics with one fewer (run apart: the
    panic poisons the sampler's state). If nutpie ever accepts fewer, lower MIN_TUNE."""
    code = textwrap.dedent(
        """
        import sys
        import numpy as np, pymc as pm, nutpie
        with pm.Model() as model:
            x = pm.Normal("x", 0, 1, shape=2)
            pm.Normal("y", x.sum(), 1, observed=np.array([0.1, 0.2]))
        compiled = nutpie.compile_pymc_model(model)
        tune = int(sys.argv[1])
        try:
            nutpie.sample(compiled, draws=5, tune=tune, chains=1, seed=1, progress_bar=False)
        except BaseException as err:  # nutpie's Rust panic is a PanicException
            print("FAILED", type(err).__name__)
        else:
            print("SAMPLED")
        """
    )
    result = {}
    for tune in (MIN_TUNE, MIN_TUNE - 1):
        proc = subprocess.run(
            [sys.executable, "-c", code, str(tune)], capture_output=True, text=True, timeout=300
        )
        result[tune] = proc.stdout.strip().splitlines()[-1]
    assert result[MIN_TUNE] == "SAMPLED"
    assert result[MIN_TUNE - 1].startswith("FAILED")
