"""A fixed fake posterior of an individual-effects fit (no sampling), with known answers.

Every draw has the mean effect ``effect`` and tau ``tau`` exactly (per active arm), so the
responder share is ``Phi((-effect - t) / tau)`` in every draw and a new patient's effect is
exactly ``N(effect, tau)``; patient i's own effect is ``effect + offsets[i]`` plus noise of SD
``noise`` per draw. The prior group holds half-normal(1) draws of tau (or ``prior_tau``).
``replicated`` chooses the design in ``constant_data``: each subject on each arm twice, or once.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

ACTIVES = ("ketamine", "ketamine_magnesium")


def fake_hte_tree(
    *,
    effect: tuple[float, ...] = (-1.0, -0.5),
    tau: tuple[float, ...] = (1.0, 0.4),
    n_subjects: int = 6,
    noise: float = 0.2,
    n_chains: int = 2,
    n_draws: int = 400,
    replicated: bool = False,
    prior_tau: float | None = None,
    seed: int = 0,
    subject_loglik: np.ndarray | None = None,
) -> xr.DataTree:
    rng = np.random.default_rng(seed)
    k = len(effect)
    actives = list(ACTIVES[:k])
    subjects = [f"S{i + 1}" for i in range(n_subjects)]
    shape = (n_chains, n_draws)
    offsets = np.linspace(-1.0, 1.0, n_subjects)
    own = (
        np.asarray(effect)[None, :]
        + offsets[:, None]
        + noise * rng.standard_normal((*shape, n_subjects, k))
    )
    coords = {
        "chain": np.arange(n_chains),
        "draw": np.arange(n_draws),
        "active": actives,
        "subject": subjects,
        "treatment": ["placebo", *actives],
        "day": [1, 2],
    }
    arm = np.zeros((*shape, k + 1, 2)) + 5.0
    arm[:, :, 1:, :] += np.asarray(effect)[None, None, :, None]
    posterior = {
        "treatment_effect": (("chain", "draw", "active"), np.broadcast_to(effect, (*shape, k))),
        "sigma_individual": (("chain", "draw", "active"), np.broadcast_to(tau, (*shape, k))),
        "individual_effect": (("chain", "draw", "subject", "active"), own),
        "arm_mean": (("chain", "draw", "treatment", "day"), arm),
    }
    if k > 1:
        coords["active_pair"] = [f"{actives[1]}~{actives[0]}"]
        rho = np.clip(0.3 + 0.1 * rng.standard_normal((*shape, 1)), -1, 1)
        posterior["individual_correlation"] = (("chain", "draw", "active_pair"), rho)
    groups = {"posterior": xr.Dataset(posterior, coords=coords)}
    scale = 1.0 if prior_tau is None else prior_tau
    groups["prior"] = xr.Dataset(
        {
            "sigma_individual": (
                ("chain", "draw", "active"),
                np.abs(rng.normal(0, scale, (1, 2000, k))),
            )
        },
        coords={"chain": [0], "draw": np.arange(2000), "active": actives},
    )
    repeats = 2 if replicated else 1
    cells = [(i, t) for i in range(n_subjects) for _ in range(repeats) for t in range(k + 1)]
    groups["constant_data"] = xr.Dataset(
        {
            "cell_subject_idx": ("cell", [c[0] for c in cells]),
            "cell_treatment_idx": ("cell", [c[1] for c in cells]),
            "obs_cell_idx": ("obs", np.repeat(np.arange(len(cells)), 2)),
        }
    )
    if subject_loglik is not None:
        groups["log_likelihood_subject"] = xr.Dataset(
            {"pain": (("chain", "draw", "subject"), subject_loglik)},
            coords={k_: coords[k_] for k_ in ("chain", "draw", "subject")},
        )
    return xr.DataTree.from_dict(groups)
