"""A fit in a second process (bayes_keta.fitting.background): same numbers, errors, ending."""

from __future__ import annotations

import numpy as np
import psutil
import pytest

import bayes_keta as bk
from bayes_keta.exceptions import SpecError
from bayes_keta.fitting import background
from bayes_keta.fitting.background import BackgroundFit
from bayes_keta.harms import adverse_event_fit_options

SMALL = {"draws": 150, "tune": 150, "chains": 2, "seed": 11}


@pytest.fixture(scope="module")
def trial():
    return bk.load_trial(bk.simulate_trial(n_subjects=10, n_days=5, seed=3))


def _running(job: BackgroundFit) -> bool:
    """Whether the job's process is still a live child of this one."""
    pid = job._process.pid
    return any(p.pid == pid and p.is_running() for p in psutil.Process().children())


@pytest.mark.slow
def test_the_background_fit_gives_the_draws_of_the_same_fit_here(trial):
    options = adverse_event_fit_options(trial, **SMALL)
    with BackgroundFit.start(**options) as job:
        assert _running(job)  # a second process does the work
        there = job.result()
    here = bk.fit(**options)
    assert there.record.data.sha256 == here.record.data.sha256 and there.trial is trial
    assert set(there.datatree.children) == set(here.datatree.children)
    for group in ("posterior", "log_likelihood", "posterior_predictive", "prior"):
        mine, theirs = here.datatree[group].to_dataset(), there.datatree[group].to_dataset()
        assert set(mine.data_vars) == set(theirs.data_vars)
        for name in mine.data_vars:  # bit-identical, not merely close
            np.testing.assert_array_equal(mine[name].values, theirs[name].values, err_msg=name)
    assert there.spec.name == "adverse_events" and there.verdict.passed == here.verdict.passed
    assert not _running(job)  # the process has ended


@pytest.mark.slow
def test_an_error_in_the_background_fit_is_raised_by_result(trial):
    with BackgroundFit.start(trial=trial, spec="daily", draws=0) as job:
        with pytest.raises(SpecError, match="draws"):
            job.result()


def test_cancel_ends_the_process_and_one_cpu_fits_here(trial, monkeypatch):
    job = BackgroundFit.start(trial=trial, spec="no_such_spec")
    assert job is not None and _running(job)
    job.cancel()
    job.cancel()  # twice is harmless
    assert not _running(job)
    monkeypatch.setattr(background, "usable_cpus", lambda: 1)
    assert BackgroundFit.start(trial=trial, spec="daily") is None
    with pytest.raises(TypeError, match="progress"):
        BackgroundFit.start(trial=trial, spec="daily", progress=print)


def test_a_process_that_dies_is_an_error_not_a_hang(trial):
    job = BackgroundFit.start(trial=trial, spec="daily", draws=100)
    assert job is not None
    job._process.kill()
    with pytest.raises(RuntimeError, match="ended without a result"):
        job.result()


@pytest.mark.slow
def test_bayes_keta_fit_writes_the_adverse_event_draws_of_a_fit_in_this_process(
    tmp_path, capsys, monkeypatch
):
    from bayes_keta.cli import main
    from bayes_keta.cli import progress as cli_progress
    from bayes_keta.harms import fit_adverse_events, load_adverse_events

    monkeypatch.setattr(cli_progress, "stream_is_terminal", lambda stream: True)
    data = tmp_path / "trial.csv"
    bk.simulate_trial(n_subjects=10, n_days=5, seed=3).to_csv(data, index=False)
    argv = ["fit", str(data), "--draws", "150", "--tune", "150", "--chains", "2", "--seed", "11"]
    assert main([*argv, "--out", str(tmp_path / "out")]) == 0
    assert "fitting the adverse-event model in a second process" in capsys.readouterr().err
    saved = load_adverse_events(tmp_path / "out").datatree["posterior"].to_dataset()
    here = fit_adverse_events(bk.load_trial(data), **SMALL).datatree["posterior"].to_dataset()
    for name in here.data_vars:
        np.testing.assert_array_equal(here[name].values, saved[name].values, err_msg=name)
