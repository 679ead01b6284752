"""Ctrl-C / SIGTERM and failing outputs: one line, exit 130/143, nothing left that looks finished.

The subprocess tests run the real ``bayes-keta`` script and send the signal to its process
group (as a terminal's Ctrl-C does) once the run has reached a given stage, read from the
file named by ``BAYES_KETA_STAGE_FILE`` (:mod:`bayes_keta.stages`): no guessed delays. They
cover fit, report, published, export, meta and sweep, from the package imports to the
process's own exit (stage ``exiting``, after the outputs were complete: exit 130 with the one
line, or the command's exit 0 with every file in place; never death by the signal), and check
that no process of the run's group outlives it.
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

import numpy as np
import pytest
import xarray as xr
from fake_fits import fake_cli_sampling, fake_fit, fake_harm_fit, fake_tree

import bayes_keta.outputs as outputs
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


def _as_from_a_terminal() -> None:
    """Start the run with SIGINT/SIGTERM at their default action, as a shell's foreground job.

    A child inherits an ignored signal (``SIG_IGN``) from the process that starts it, and the
    workbench rightly keeps an ignored SIGINT (a background job of a script); a test worker
    whose SIGINT some library left ignored would otherwise start runs that cannot be
    interrupted.
    """
    for s in (signal.SIGINT, signal.SIGTERM):
        signal.signal(s, signal.SIG_DFL)


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
        preexec_fn=_as_from_a_terminal,
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
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:  # it had ended already (only possible at stage "exiting")
        pass
    out, err = proc.communicate(timeout=120)
    run = Run(proc.returncode, out.decode(), err.decode(), _stages(stages), time.monotonic() - sent)
    _wait_for_the_group(proc.pid)
    return run


def _wait_for_the_group(pgid: int) -> None:
    """Child processes (compilers, workers) die with the run, within a few seconds."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)
    pytest.fail("processes of the interrupted run were still alive 10 s after it ended")


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
        # waiting for the adverse-event fit of the second process (killed with the group)
        ("daily", "fitting the adverse-event model", 0.0, []),
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


# ------------------------------------------------ the other commands, real signals, real runs
def _check_all_or_nothing(run: Run, command: str, out: Path, files: set[str]) -> str | None:
    """Interrupted while writing or exiting: exit 130 with one line saying whether ``out`` was
    written completely, or (the signal came after the last exit function, during the
    interpreter's teardown) the command's own exit 0 with every file complete; never death by
    the signal. Return the line (None for exit 0)."""
    assert run.code in (0, 130), (run.code, run.err)
    if run.code == 0:  # finished: nothing lost, nothing said
        assert "Traceback" not in run.err and "Exception ignored" not in run.err, run.err
        assert "interrupted" not in run.err and run.stages[-1] == "exiting"
        assert "wrote " in run.out
        assert {p.name for p in out.iterdir()} == files
        assert [p.name for p in out.parent.iterdir() if ".partial-" in p.name] == []
        return None
    line = _check_interrupted(run, command, out)
    if "had been written completely" in line:
        assert {p.name for p in out.iterdir()} == files
    else:
        assert "nothing was written" in line and not out.exists()
    return line


PUBLISHED = {
    "published_reanalysis.csv",
    "published_reanalysis.png",
    "published_reanalysis.json",
    "published_adverse_events.csv",
}


@pytest.mark.parametrize(
    "stage, after",
    [("validating", 0.5), ("writing", 0.0), ("exiting", 0.0), ("exiting", 0.1)],
)
def test_published_interrupted_at_any_moment(tmp_path, stage, after):
    """Conjugate updates, no sampling; "exiting": after its files were complete."""
    out = tmp_path / "pub"
    run = _interrupt(["published", "--out", str(out)], tmp_path, stage=stage, after=after)
    if stage == "validating":
        line = _check_interrupted(run, "published", out)
        assert line.startswith("bayes-keta published: interrupted while")
        assert not out.exists()
        return
    line = _check_all_or_nothing(run, "published", out, PUBLISHED)
    if stage == "exiting" and line is not None:
        assert line == (
            f"bayes-keta published: interrupted while exiting; {out} had been written completely"
        )


@pytest.fixture(scope="module")
def fit_dir(tmp_path_factory):
    """A saved fit (a fixed fake posterior, no sampling) for ``export`` to read."""
    import bayes_keta as bk

    trial = bk.ketapain_synthetic()
    tree = fake_tree(n_days=trial.n_days, n_chains=2, n_draws=200)
    post = tree["posterior"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    rng = np.random.default_rng(4)
    for name, sd in (("sigma_subject", 2.0), ("sigma_subject_period", 1.5)):  # the SMD's scale
        post[name] = (("chain", "draw"), sd + 0.1 * rng.standard_normal(shape))
    tree["posterior"] = xr.DataTree(post)
    path = tmp_path_factory.mktemp("fit") / "fit"
    fake_fit(trial, tree).save(path)
    return path


@pytest.mark.parametrize("stage, after", [("validating", 0.3), ("writing", 0.0), ("exiting", 0.0)])
def test_export_interrupted_at_any_moment(tmp_path, fit_dir, stage, after):
    out = tmp_path / "exp"
    out.mkdir()
    (out / "notes.txt").write_text("the user's notes")
    (out / "draws.csv").write_text("the user's previous export")
    argv = ["export", str(fit_dir), "--out", str(out), "--force"]
    run = _interrupt(argv, tmp_path, stage=stage, after=after)
    assert run.code in (0, 130), (run.code, run.err)
    assert (out / "notes.txt").read_text() == "the user's notes"
    line = _check_interrupted(run, "export", out) if run.code == 130 else ""
    assert stage != "validating" or "interrupted while validating" in line
    if run.code == 0:
        assert stage == "exiting" and "wrote " in run.out and "interrupted" not in run.err
    if run.code == 0 or "had been written completely" in line:
        assert stage != "validating"
        assert (out / "draws.csv").read_text() != "the user's previous export"
        assert json.loads((out / "export.json").read_text())["files"]
    else:
        assert "nothing was written" in line
        assert (out / "draws.csv").read_text() == "the user's previous export"
        assert not (out / "export.json").exists()


@pytest.mark.slow
def test_meta_interrupted_while_compiling_and_sampling(tmp_path):
    out = tmp_path / "meta"
    argv = ["meta", "--example", "--out", str(out), "--draws", "200", "--tune", "200"]
    run = _interrupt(argv, tmp_path, stage="compiling and sampling", after=0.5)
    line = _check_interrupted(run, "meta", out)
    assert line == (
        f"bayes-keta meta: interrupted while compiling and sampling; nothing was written to {out}"
    )
    assert not out.exists()


@pytest.mark.slow
@pytest.mark.parametrize("stage, after", [("building", 0.0), ("compiling", 0.5)])
def test_sweep_interrupted_while_building_or_compiling(tmp_path, stage, after):
    out = tmp_path / "sweep"
    argv = ["sweep", "--out", str(out), "--draws", "100", "--tune", "100", "--chains", "1"]
    run = _interrupt(argv, tmp_path, stage=stage, after=after)
    line = _check_interrupted(run, "sweep", out)
    assert line.startswith("bayes-keta sweep: interrupted while ")  # threads share the stage
    assert line.endswith(f"nothing was written to {out}")
    assert not out.exists()


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
    fake_cli_sampling(monkeypatch, _fake_run)

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
    fake_cli_sampling(monkeypatch, _fake_run)
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
