"""Pieces every benchmark worker shares: the seed, the trials, the ESS and peak memory."""

from __future__ import annotations

import resource
from typing import Any

from bayes_keta.constants import DEFAULT_SEED

SEED = DEFAULT_SEED
#: The formula bambi and brms fit: the frequentist twin of ``models/daily.toml``.
PEER_FORMULA = "pain ~ 0 + treatment + period + (1|subject) + (1|subject:period)"


def peak_rss_mb() -> float:
    """Peak resident memory of this process (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def trial(n_subjects: int, n_days: int):
    """The embedded trial for 20 x 35, else a simulated one of that size."""
    import bayes_keta as bk

    if n_subjects == 20 and n_days == 35:
        return bk.ketapain_synthetic()
    frame = bk.simulate_trial(n_subjects=n_subjects, n_days=n_days, seed=SEED)
    return bk.load_trial(frame, name=f"sim_{n_subjects}x{n_days}")


def ess(arrays: dict[str, Any]) -> tuple[float, float]:
    """Min bulk and tail ESS over named (chain, draw) arrays."""
    import numpy as np
    import xarray as xr
    from arviz_stats import ess as az_ess

    ds = xr.Dataset({k: (("chain", "draw"), np.asarray(v)) for k, v in arrays.items()})
    bulk = az_ess(ds, method="bulk")
    tail = az_ess(ds, method="tail")
    return (
        float(min(float(bulk[k]) for k in arrays)),
        float(min(float(tail[k]) for k in arrays)),
    )


def peer_data(t):
    """The trial's observed days as the flat frame bambi and brms fit."""
    import pandas as pd

    obs = t.observations
    return pd.DataFrame(
        {
            "pain": obs["pain"].astype(float).to_numpy(),
            "treatment": pd.Categorical(obs["treatment"], categories=list(t.treatments)),
            "period": pd.Categorical(obs["period"].astype(str)),
            "subject": obs["subject"].astype(str).to_numpy(),
        }
    )
