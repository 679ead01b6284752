"""Shared fixtures: small, fixed, fast trials (no sampling).

Markers (pyproject.toml): ``slow`` for every test that samples (NUTS), compiles for nutpie,
executes notebooks or fits in a subprocess; ``make test-fast`` runs the others, and the
plugin in ``tests/guard/`` fails any of them that samples. ``browser``: needs Chromium.
"""

from __future__ import annotations

import pytest

import bayes_keta as bk


@pytest.fixture(scope="session")
def fixed_trial() -> bk.Trial:
    """A small fixed SYNTHETIC trial: 6 subjects (one per Williams sequence), 3 periods,
    7 days, ketamine lowers daily pain by 1 point; no missing days. Read-only: don't mutate.
    """
    frame = bk.simulate_trial(
        n_subjects=6, n_days=7, seed=1, effects={"ketamine": -1.0}, missing_rate=0.0
    )
    return bk.load_trial(frame, name="fixed_trial")


@pytest.fixture(scope="session")
def synthetic_trial() -> bk.Trial:
    """The embedded SYNTHETIC KETAPAIN-like trial (20 subjects, 35 days). Read-only."""
    return bk.ketapain_synthetic()
