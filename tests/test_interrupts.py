"""Ctrl-C / SIGTERM and failing outputs: one line, exit 130/143, nothing left that looks finished.

The subprocess tests run the real ``bayes-keta`` script and send the signal to its process
group (as a terminal's Ctrl-C does) once the run has reached a given stage, read from the
file named by ``BAYES_KETA_STAGE_FILE`` (:mod:`bayes_keta.stages`): no guessed delays.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from fake_fits import fake_fit, fake_harm_fit, fake_tree

import bayes_keta.outputs as outputs
from bayes_keta.cli import fit as cli_fit
from bayes_keta.cli import main
from bayes_keta.exceptions import OutputError
from bayes_keta.stages import STAGE_FILE_ENV

SCRIPT = Path(sys.executable).with_name("bayes-keta")
FAST = ["--draws", "200", "--tune", "200", "--chains", "2"]
#: Lines a run may print on stderr before it is interrupted.
EARLIER = {"NOTE: fitting SYNTHETIC DATA (simulated, not patients)."}
FINISHED = {"posterior.nc", "summary.json", "report.html", "report.md"}


@dataclass
class Run:
    code: int
    out: str
    err: str
    stages: list[str]
    seconds_after_signal: float


def _stages(path: Path) -> list[str]:
    if not path.exists():
        return []
    return [line.rsplit(" ", 1)[0] for line in path.read_text().splitlines()]


def _interrupt(
    argv: list[str],
    tmp_path: Path,
    *,
    stage: str | None,
    after: float = 0.0,
    sig: int = signal.SIGINT,
    program: list[str] | None = None,
) -> Run:
    """Start ``bayes-keta argv``, wait for ``stage`` (then ``after`` s), send ``sig``."""
    stages = tmp_path / "stages.log"
    stages.unlink(missing_ok=True)
    env = {**os.environ, STAGE_FILE_ENV: str(stages)}
    proc = subprocess.Popen(
        [*(program or [str(SCRIPT)]), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while stage is not None and stage not in _stages(stages):
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            out, err = proc.communicate()
            pytest.fail(f"the run ended before stage {stage!r}: {_stages(stages)}\n{err.decode()}")
        time.sleep(0.01)
    time.sleep(after)
    sent = time.monotonic()
    os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=120)
    return Run(
        proc.returncode, out.decode(), err.decode(), _stages(stages), time.monotonic() - sent
    )


def _check_interrupted(run: Run, command: str | None, out_dir: Path, *, code: int = 130) -> str:
    """One line, the exit code, no noise, no staging folder; return the line."""
    assert "Traceback" not in run.err and "Exception ignored" not in run.err, run.err
    lines = [line for line in run.err.splitlines() if line not in EARLIER]
    assert len(lines) == 1, run.err
    prefix = f"bayes-keta {command}: " if command else "bayes-keta"
    assert lines[0].startswith(prefix) and ": interrupted" in lines[0], run.err
    assert run.code == code, (run.code, run.err)
    assert run.seconds_after_signal < 15  # ended, did not run on
    leftovers = [p.name for p in out_dir.parent.iterdir() if ".partial-" in p.name]
    assert leftovers == []
    return lines[0]


def _finished_files(out_dir: Path) -> set[str]:
    return {p.name for p in out_dir.rglob("*")} & FINISHED if out_dir.exists() else set()


# ------------------------------------------------------------------- real runs, cheap stages
@pytest.mark.parametrize("stage", [None, "validating"])
def test_fit_interrupted_while_starting_or_validating(tmp_path, stage):
    """None: during the package imports (0.2 s in), before main() runs."""
    out = tmp_path / "out"
    after = 0.2 if stage is None else 0.0
    run = _interrupt(["fit", "--out", str(out), *FAST], tmp_path, stage=stage, after=after)
    line = _check_interrupted(run, "fit" if stage else None, out)
    assert not out.exists()
    if stage:
        assert line == f"bayes-keta fit: interrupted while validating; nothing was written to {out}"


def test_interrupt_while_writing_removes_the_staging_folder(tmp_path):
    """Deterministic: a run stopped with a half-written file in its staging folder."""
    code = textwrap.dedent(
        """
        import sys, time
        from bayes_keta.cli.interrupt import guard
        from bayes_keta.outputs import staged_folder
        from bayes_keta.stages import stage
        with guard() as run:
            run.command, run.out = "demo", sys.argv[1]
            with staged_folder(sys.argv[1], force=True) as tmp:
                (tmp / "posterior.nc").write_text("half")
                stage("half-written")
                time.sleep(60)
        """
    )
    out = tmp_path / "out"
    out.mkdir()
    (out / "posterior.nc").write_text("the user's previous fit")
    run = _interrupt(
        [str(out)], tmp_path, stage="half-written", program=[sys.executable, "-c", code]
    )
    line = _check_interrupted(run, "demo", out)
    assert line.endswith(f"removed the incomplete outputs, nothing was written to {out}")
    assert (out / "posterior.nc").read_text() == "the user's previous fit"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out", "stages.log"]


def test_sigterm_ends_with_143(tmp_path):
    out = tmp_path / "out"
    run = _interrupt(
        ["fit", "--out", str(out), *FAST], tmp_path, stage="validating", sig=signal.SIGTERM
    )
    _check_interrupted(run, "fit", out, code=143)


# ----------------------------------------------------------------- real runs, real sampling
@pytest.mark.slow
@pytest.mark.parametrize(
    "model, stage, after, extra",
    [
        ("daily", "compiling", 1.0, []),
        ("daily_ar1", "sampling", 0.0, ["--draws", "2000"]),  # a wide window: interrupted anyway
        ("daily", "predicting", 0.0, []),
    ],
)
def test_fit_interrupted_while_computing(tmp_path, model, stage, after, extra):
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's notes")
    (out / "posterior.nc").write_text("the user's previous fit")
    argv = ["fit", "--model", model, "--out", str(out), *FAST, *extra, "--force"]
    run = _interrupt(argv, tmp_path, stage=stage, after=after)
    line = _check_interrupted(run, "fit", out)
    assert f"interrupted while {stage}; nothing was written to {out}" in line
    assert stage in run.stages
    assert (out / "notes.txt").read_text() == "the user's notes"
    assert (out / "posterior.nc").read_text() == "the user's previous fit"
    assert not (out / "summary.json").exists()


@pytest.mark.slow
def test_fit_interrupted_while_writing_is_all_or_nothing(tmp_path):
    """The signal lands while the outputs are written (or just after they were published):
    either nothing changed, or everything is complete and the line says so."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.txt").write_text("the user's notes")
    (out / "posterior.nc").write_text("the user's previous fit")
    argv = ["fit", "--model", "daily", "--out", str(out), *FAST, "--force"]
    run = _interrupt(argv, tmp_path, stage="writing")
    line = _check_interrupted(run, "fit", out)
    assert (out / "notes.txt").read_text() == "the user's notes"
    if "had been written completely" in line:
        assert json.loads((out / "summary.json").read_text())["schema"] == "bayes_keta.summary/1"
        assert (out / "posterior.nc").stat().st_size > 1000
    else:
        assert "nothing was written" in line
        assert (out / "posterior.nc").read_text() == "the user's previous fit"
        assert not (out / "summary.json").exists()


@pytest.mark.slow
def test_report_interrupted_while_sampling(tmp_path):
    out = tmp_path / "report"
    argv = ["report", "--model", "daily", "--out", str(out), *FAST, "--draws", "2000"]
    run = _interrupt(argv, tmp_path, stage="sampling")
    line = _check_interrupted(run, "report", out)
    assert "interrupted while sampling" in line
    assert _finished_files(out) == set() and not out.exists()


# ---------------------------------------------------------------------------- in process
def test_main_restores_signal_handlers_and_wakeup_fd(capsys):
    before = [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)]
    fd = signal.set_wakeup_fd(-1)
    signal.set_wakeup_fd(fd)
    assert main(["validate"]) == 0
    assert [signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)] == before
    assert signal.set_wakeup_fd(fd) == fd


def _fake_run(options):
    if options["spec"] == "adverse_events":
        return fake_harm_fit(options, n_draws=200)
    trial = options["trial"]
    return fake_fit(trial, fake_tree(n_days=trial.n_days, n_draws=200))


def _fail(*args, **kwargs):
    raise AssertionError("started computing although the output was refused")


@pytest.mark.parametrize(
    "argv, expensive",
    [
        (["fit"], "bayes_keta.cli.fit._run_fit"),
        (["sweep"], "bayes_keta.sweep.run.prior_sweep"),
        (["report", "--model", "daily"], "bayes_keta.report.build.fit_specs"),
        (["published"], "bayes_keta.published.reanalysis.reanalyse_published"),
        (["meta", "--example"], "bayes_keta.meta.model.meta_analysis"),
    ],
)
@pytest.mark.parametrize("blocked", ["file in the way", "disk nearly full"])
def test_unwritable_output_is_refused_before_any_computing(
    tmp_path, monkeypatch, capsys, argv, expensive, blocked
):
    monkeypatch.setattr(expensive, _fail)
    if blocked == "file in the way":
        (tmp_path / "file").write_text("x")
        out, reason = tmp_path / "file" / "out", "is a file, not a folder"
    else:
        usage = outputs.shutil.disk_usage(tmp_path)
        monkeypatch.setattr(outputs.shutil, "disk_usage", lambda p: usage._replace(free=2**20))
        out, reason = tmp_path / "out", "only 1 MiB free"
    assert main([*argv, "--out", str(out)]) == OutputError.exit_code
    err = capsys.readouterr().err
    assert f"cannot write to the output folder {out}" in err and reason in err
    assert sorted(p.name for p in tmp_path.iterdir()) == (["file"] if "file" in blocked else [])


def test_fit_prints_the_results_when_writing_fails_at_the_end(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(cli_fit, "_run_fit", _fake_run)

    def disk_full(tree, path):
        Path(path).write_bytes(b"\0" * 100)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("bayes_keta.fitting.io.write_netcdf", disk_full)
    out = tmp_path / "out"
    assert main(["fit", "--out", str(out)]) == OutputError.exit_code
    captured = capsys.readouterr()
    assert "ketamine - placebo" in captured.out and "mean_daily_difference" in captured.out
    line = [x for x in captured.err.splitlines() if "OutputError" in x]
    assert len(line) == 1
    assert "no space left on the disk" in line[0] and f"nothing was written to {out}" in line[0]
    assert "computed but not saved" in line[0] and ".partial-" not in line[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_fit_keeps_the_old_outputs_when_publishing_fails(tmp_path, monkeypatch, capsys):
    """Permissions changed mid-run: moving the files into place fails; the old ones stay."""
    monkeypatch.setattr(cli_fit, "_run_fit", _fake_run)
    out = tmp_path / "out"
    out.mkdir()
    (out / "posterior.nc").write_text("old fit")
    (out / "summary.json").write_text("old summary")
    real_replace = os.replace

    def denied(src, dst):
        if Path(dst).parent == out and Path(dst).name == "summary.json":
            raise OSError(errno.EACCES, "Permission denied")
        return real_replace(src, dst)

    monkeypatch.setattr(outputs.os, "replace", denied)
    assert main(["fit", "--out", str(out), "--force"]) == OutputError.exit_code
    err = capsys.readouterr().err
    assert "permission denied; nothing was written" in err
    assert (out / "posterior.nc").read_text() == "old fit"
    assert (out / "summary.json").read_text() == "old summary"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
