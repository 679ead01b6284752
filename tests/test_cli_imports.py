"""The command line is light until it works, and libraries' chatter stays off its stderr.

Structural checks (what got imported), not timings: building the parser, every ``--help`` and
``validate`` import none of the heavy libraries; ``import bayes_keta`` is a lazy face (PEP 562).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

import bayes_keta as bk

#: Imported only by the work itself, never to build the parser or answer --help.
HEAVY = ("pymc", "pytensor", "nutpie", "arviz", "arviz_base", "xarray", "pandas", "matplotlib")
HEAVY += ("dask", "numba", "scipy")
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


def _modules_after(code: str) -> set[str]:
    """Top-level modules imported by ``code`` in a fresh interpreter."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    return {name.split(".")[0] for name in json.loads(proc.stdout.splitlines()[-1])}


def test_parser_and_every_help_import_nothing_heavy():
    loaded = _modules_after(
        f"""
        import contextlib, io
        from bayes_keta.cli import build_parser
        parser = build_parser()
        for command in {COMMANDS!r}:
            with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
                parser.parse_args([command, "--help"])
        with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):
            parser.parse_args(["--help"])
        """
    )
    assert "bayes_keta" in loaded
    assert sorted(loaded & set(HEAVY)) == []


def test_validate_stays_light():
    """``validate`` reads the data with pandas; it needs no PyMC, ArviZ, xarray or plots."""
    loaded = _modules_after(
        """
        import contextlib, io
        from bayes_keta.cli import main
        with contextlib.redirect_stdout(io.StringIO()):
            assert main(["validate"]) == 0
        """
    )
    assert "pandas" in loaded
    assert sorted(loaded & (set(HEAVY) - {"pandas"})) == []


def test_lazy_package_face():
    assert "__version__" in bk.__all__ and isinstance(bk.__version__, str)
    missing = [name for name in bk.__all__ if name not in dir(bk)]
    assert missing == []
    for name in bk.__all__:
        assert getattr(bk, name) is not None, name
    from bayes_keta import SpecError, fit
    from bayes_keta.fitting import fit as fitting_fit

    assert fit is fitting_fit and issubclass(SpecError, bk.BayesKetaError)
    with pytest.raises(AttributeError, match="no attribute 'no_such_name'"):
        bk.no_such_name  # noqa: B018


def test_import_bayes_keta_alone_is_light():
    assert sorted(_modules_after("import bayes_keta") & set(HEAVY)) == []


def _run_cli(*argv: str) -> subprocess.CompletedProcess:
    code = "import sys; from bayes_keta.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=600
    )


@pytest.mark.slow
def test_a_real_small_fit_prints_no_library_warnings(tmp_path):
    proc = _run_cli(
        "fit", "--model", "daily", "--draws", "100", "--tune", "100", "--chains", "2",
        "--out", str(tmp_path / "fit"),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Warning" not in proc.stderr
    # with so few draws the gates may fail: that is our own message, and the only one allowed
    ours = ("DIAGNOSTICS FAILED", "ADVERSE-EVENT DIAGNOSTICS FAILED")
    assert all(line.startswith(ours) for line in proc.stderr.splitlines())


@pytest.mark.slow
@pytest.mark.parametrize(
    "argv",
    [
        ["meta", "--example", "--draws", "50", "--tune", "200"],  # pm.sample with nutpie
        ["published", "--prior", "t3=student_t(3,0,0.3)"],  # pm.sample for a Student-t prior
        ["fit", "--sampler", "pymc", "--draws", "50", "--tune", "50", "--chains", "2"],
        ["report", "--model", "daily", "--draws", "10", "--tune", "50", "--chains", "2"],
    ],
    ids=["meta", "published", "fit-pymc", "report-psense"],
)
def test_library_logs_stay_off_stderr(argv, tmp_path):
    """PyMC's INFO lines ("NUTS: [mu, tau]"), its few-draws warning and ArviZ's psense
    remarks stay off stderr; only our own diagnostics verdict may be there."""
    proc = _run_cli(*argv, "--out", str(tmp_path / "out"))
    assert proc.returncode == 0, proc.stderr
    ours = (
        "DIAGNOSTICS FAILED",
        "ADVERSE-EVENT DIAGNOSTICS FAILED",
        "  daily: ",
        "  daily_carryover: ",
    )
    assert [line for line in proc.stderr.splitlines() if not line.startswith(ours)] == []
