"""Fixed fake posteriors (no sampling) for estimand, diagnostics and summary tests.

``fake_tree`` builds a DataTree whose ``arm_mean`` draws have known means: placebo at
``placebo`` points, each active arm at ``placebo + effect + slope * (day - mid)`` with
``mid = (n_days + 1) / 2`` (so the mean over days of the difference is exactly ``effect`` in
every draw, plus common noise of sd ``noise_sd`` shared by the draw).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from bayes_keta.fitting import FitResult

TREATMENTS = ("placebo", "ketamine", "ketamine_magnesium")


def fake_tree(
    *,
    effects: dict[str, float] | None = None,
    placebo: float = 5.0,
    slope: float = 0.0,
    noise_sd: float = 0.3,
    n_chains: int = 4,
    n_draws: int = 500,
    n_days: int = 35,
    seed: int = 0,
    stuck: bool = False,
    divergences: int = 0,
    bad_energy: bool = False,
    sample_stats: bool = True,
    maxdepth: int = 0,
    treatments: tuple[str, ...] = TREATMENTS,
    pointwise: int = 0,
) -> xr.DataTree:
    effects = {"ketamine": -1.0, "ketamine_magnesium": -0.5} if effects is None else effects
    rng = np.random.default_rng(seed)
    shape = (n_chains, n_draws)
    intercept = placebo + noise_sd * rng.standard_normal(shape)
    actives = [t for t in treatments[1:]]
    eff = np.stack([effects[a] + noise_sd * rng.standard_normal(shape) for a in actives], axis=-1)
    if stuck:  # each chain stuck around a different value
        offsets = 2.0 * np.arange(n_chains)[:, None]
        intercept = intercept + offsets
        eff = eff + offsets[..., None]
    days = np.arange(1, n_days + 1)
    curve = slope * (days - (n_days + 1) / 2)
    arm = np.empty((*shape, len(treatments), n_days))
    arm[:, :, 0, :] = intercept[..., None]
    for i in range(len(actives)):
        arm[:, :, i + 1, :] = intercept[..., None] + eff[..., i, None] + curve
    posterior = xr.Dataset(
        {
            "intercept": (("chain", "draw"), intercept),
            "treatment_effect": (("chain", "draw", "active"), eff),
            "sigma": (("chain", "draw"), np.exp(0.1 * rng.standard_normal(shape))),
            "arm_mean": (("chain", "draw", "treatment", "day"), arm),
        },
        coords={
            "chain": np.arange(n_chains),
            "draw": np.arange(n_draws),
            "treatment": list(treatments),
            "active": actives,
            "day": days,
        },
    )
    if pointwise:
        posterior["mu_obs"] = (("chain", "draw", "obs"), rng.normal(size=(*shape, pointwise)))
    groups: dict[str, xr.Dataset] = {"posterior": posterior}
    if sample_stats:
        energy = rng.standard_normal(shape)
        if bad_energy:  # random walk: tiny E-BFMI
            energy = np.cumsum(energy, axis=1)
        diverging = np.zeros(shape, dtype=bool)
        diverging.ravel()[:divergences] = True
        flag = np.zeros(shape, dtype=bool)
        flag.ravel()[:maxdepth] = True
        groups["sample_stats"] = xr.Dataset(
            {
                "energy": (("chain", "draw"), energy),
                "diverging": (("chain", "draw"), diverging),
                "reached_max_treedepth": (("chain", "draw"), flag),
            },
            coords={"chain": np.arange(n_chains), "draw": np.arange(n_draws)},
        )
    tree = xr.DataTree.from_dict(groups)
    tree.attrs = {"model": "fake", "reference": treatments[0]}
    return tree


def fake_fit(
    trial: Any,
    tree: xr.DataTree | None = None,
    *,
    spec: Any = "daily",
    priors: dict[str, Any] | None = None,
    settings: dict[str, Any] | None = None,
    **tree_options: Any,
) -> FitResult:
    """A real FitResult over a fake posterior (``fake_tree``), with a real record.

    The record names ``trial``, the shipped spec ``spec``, the given priors (default: a
    normal(0, 2) treatment effect) and the sampler ``"fake"`` with ``settings`` (default 4
    chains x 500 draws, seed 1).
    """
    from bayes_keta.fitting import FitRecord, FitResult, SamplerSettings
    from bayes_keta.fitting.record import DataRecord, ModelRecord, SamplerRecord
    from bayes_keta.spec import load_spec

    if tree is None:
        tree = fake_tree(n_days=trial.n_days, **tree_options)
    settings = settings or {"draws": 500, "tune": 500, "chains": 4, "seed": 1}
    record = FitRecord(
        data=DataRecord.from_trial(trial),
        model=ModelRecord.from_spec(load_spec(spec)),
        priors=priors or {"treatment_effect": {"dist": "normal", "mu": 0.0, "sigma": 2.0}},
        sampler=SamplerRecord(SamplerSettings(**settings), used="fake"),
        command="pytest",
    )
    tree.attrs.update(record.to_attrs())
    return FitResult(tree, record, trial)


def fake_ae_tree(
    *,
    risks: dict[str, float] | None = None,
    concentration: float = 60.0,
    n_chains: int = 4,
    n_draws: int = 500,
    seed: int = 1,
    treatments: tuple[str, ...] = TREATMENTS,
    stuck: bool = False,
) -> xr.DataTree:
    """A fake adverse-event posterior: ``ae_risk`` (chain, draw, treatment) ~ Beta around
    ``risks`` (default 0.1, 0.2, 0.35), independent across arms, with healthy sample stats.
    ``stuck``: each chain centred elsewhere (the gate fails)."""
    risks = (
        {"placebo": 0.1, "ketamine": 0.2, "ketamine_magnesium": 0.35} if risks is None else risks
    )
    rng = np.random.default_rng(seed)
    shape = (n_chains, n_draws)
    draws = np.stack(
        [
            rng.beta(concentration * risks[t], concentration * (1 - risks[t]), shape)
            for t in treatments
        ],
        axis=-1,
    )
    if stuck:
        draws = np.clip(draws + 0.05 * np.arange(n_chains)[:, None, None], 0.001, 0.999)
    coords = {"chain": np.arange(n_chains), "draw": np.arange(n_draws)}
    posterior = xr.Dataset(
        {
            "ae_risk": (("chain", "draw", "treatment"), draws),
            "mu": (("chain", "draw"), rng.normal(-2.0, 0.3, shape)),
        },
        coords={**coords, "treatment": list(treatments)},
    )
    stats = xr.Dataset(
        {
            "energy": (("chain", "draw"), rng.standard_normal(shape)),
            "diverging": (("chain", "draw"), np.zeros(shape, dtype=bool)),
        },
        coords=coords,
    )
    return xr.DataTree.from_dict({"posterior": posterior, "sample_stats": stats})


def fake_harm_fit(options: dict[str, Any], *, n_draws: int = 500, **tree_options: Any) -> FitResult:
    """What a faked ``bayes_keta.cli.fit._run_fit`` returns for the adverse-event spec: a real
    FitResult over :func:`fake_ae_tree` (4 chains x ``n_draws``, as the efficacy fakes)."""
    tree = fake_ae_tree(n_draws=n_draws, **tree_options)
    return fake_fit(options["trial"], tree, spec=options["spec"])


def fake_cli_sampling(monkeypatch: Any, run: Any) -> None:
    """Make ``bayes-keta fit`` call ``run(options)`` for every fit, all in this process.

    ``run`` replaces ``bayes_keta.cli.fit._run_fit``; the adverse-event fit, which the command
    otherwise starts in a second process (:mod:`bayes_keta.fitting.background`), goes through
    ``run`` too.
    """
    from bayes_keta.cli import fit as cli_fit

    monkeypatch.setattr(cli_fit, "_run_fit", run)
    monkeypatch.setattr(cli_fit, "_fit_beside", lambda options: None)
