"""The fast tier's guard (tests/guard/): a test not marked slow cannot sample, here or in a
Python process it starts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import bk_sampling_guard as guard
import pytest


def test_sampling_in_a_fast_test_is_stopped_and_recorded():
    import nutpie
    import pymc as pm

    with pytest.raises(guard.SamplingInFastTest, match="not marked slow"):
        pm.sample(draws=1, tune=1, chains=1)
    with pytest.raises(guard.SamplingInFastTest):  # nutpie's own compile, before any work
        nutpie.compile_pymc_model(pm.Model())
    recorded = guard.activate(True)  # forget the two calls (else conftest fails this test)
    assert recorded == [
        "pymc.sampling.mcmc.sample called in a test not marked slow: mark it @pytest.mark.slow",
        "nutpie.compile_pymc._make_functions called in a test not marked slow:"
        " mark it @pytest.mark.slow",
    ]


def test_a_child_process_reports_its_sampling():
    report = Path(os.environ[guard.REPORT_ENV])
    code = "import pymc as pm; pm.sample(draws=1, tune=1, chains=1)"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode != 0
    assert "SamplingInFastTest" in proc.stderr
    lines = report.read_text(encoding="utf-8").splitlines()
    report.unlink()  # forget it (else conftest fails this test)
    assert lines == [
        "pymc.sampling.mcmc.sample called in a test not marked slow: mark it @pytest.mark.slow"
        " (in a child process: -c)"
    ]


@pytest.mark.slow
def test_slow_tests_are_not_guarded():
    assert guard.REPORT_ENV not in os.environ
    assert guard.activate(False) == []
