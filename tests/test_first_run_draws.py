"""A machine's first fit gives the draws of its later fits (empty vs warm compile caches).

With numba's ``fastmath``, functions compiled in one session (every cache empty) and the same
functions read back from the on-disk cache differed in their last bits, and NUTS made that
other draws: the same data, spec and seed gave one posterior on a machine's first run and
another afterwards. The compiles now run without it (``fitting.runner.exact_float_math``).
Each run here is a fresh process sharing one PyTensor compile directory and one numba cache,
empty before the first.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.slow

SCRIPT = """
import sys
import numpy as np
import bayes_keta as bk

trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1, missing_rate=0.0))
small = dict(draws=60, tune=60, chains=2, prior_draws=0, posterior_predictive=False)
out = {}
for name, spec, options in [
    ("nutpie", "daily", {}),
    ("pymc", "daily", {"sampler": "pymc", "cores": 1}),
    ("adverse_events", "adverse_events", {}),
]:
    post = bk.fit(trial, spec, seed=3, **small, **options).datatree["posterior"]
    for var in ("mu", "treatment_effect"):
        out[f"{name}:{var}"] = post[var].values
np.savez(sys.argv[1], **out)
"""


def _run(tmp_path, label: str, caches) -> dict[str, np.ndarray]:
    env = {
        **os.environ,
        "PYTENSOR_FLAGS": f"base_compiledir={caches / 'pytensor'}",
        "NUMBA_CACHE_DIR": str(caches / "numba"),
    }
    out = tmp_path / f"{label}.npz"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(out)],
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    with np.load(out) as data:
        return dict(data)


def test_the_first_run_and_a_warm_run_give_the_same_draws(tmp_path):
    caches = tmp_path / "caches"
    first = _run(tmp_path, "first", caches)  # every compile cache empty
    assert any((caches / "numba").rglob("*.nbi")) or any((caches / "pytensor").rglob("*"))
    warm = _run(tmp_path, "warm", caches)
    assert set(first) == set(warm) and len(first) == 6
    for name, values in first.items():
        np.testing.assert_array_equal(values, warm[name], err_msg=name)
