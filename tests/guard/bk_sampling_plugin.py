"""pytest plugin (loaded by ``-p`` in pyproject.toml): the fast tier cannot sample.

A test without ``@pytest.mark.slow`` (doctests included) runs its setup and call with
:mod:`bk_sampling_guard` on, in this process and in any Python process it starts
(``PYTHONPATH`` gets this folder, whose ``sitecustomize.py`` installs the guard); the test
fails with every sampler call recorded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import bk_sampling_guard as guard
import pytest

GUARD_DIR = Path(__file__).parent
_REPORT: list[Path] = []  # the file guarded child processes report to (one per process)


def pytest_configure(config: pytest.Config) -> None:
    guard.install()
    _REPORT.append(Path(tempfile.mkdtemp(prefix="bk-sampling-guard-")) / "calls.log")


def pytest_unconfigure(config: pytest.Config) -> None:
    for report in _REPORT:
        shutil.rmtree(report.parent, ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item):
    with _guarded(item):
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item):
    with _guarded(item):
        return (yield)


@contextmanager
def _guarded(item: pytest.Item) -> Iterator[None]:
    """Guard on for a test not marked slow (this process and the processes it starts)."""
    if item.get_closest_marker("slow") is not None:
        yield
        return
    report = _REPORT[-1]
    saved = {k: os.environ.get(k) for k in ("PYTHONPATH", guard.REPORT_ENV)}
    report.unlink(missing_ok=True)
    os.environ[guard.REPORT_ENV] = str(report)
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(GUARD_DIR), saved["PYTHONPATH"]]))
    guard.activate(True)
    try:
        yield
    finally:
        calls = guard.activate(False)
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        if report.exists():
            calls += report.read_text(encoding="utf-8").splitlines()
            report.unlink()
        if calls:
            pytest.fail("\n".join(dict.fromkeys(calls)), pytrace=False)
