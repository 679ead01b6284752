"""Fit a spec to a trial: build, sample (nutpie by default), add prior/predictive/log-lik.

``fit`` always builds a fresh ``pm.Model`` (cheap) but compiles the nutpie sampler only once
per graph structure (:mod:`bayes_keta.fitting.cache`): other data of the same shape, or other
prior values, are swapped into the cached compiled model.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_SEED
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import SpecError
from bayes_keta.fitting.cache import cache_info, clear_cache, graph_key, with_values
from bayes_keta.fitting.completion import complete_random_effects
from bayes_keta.fitting.predictive import add_log_likelihood, add_posterior_predictive
from bayes_keta.fitting.result import FitResult
from bayes_keta.fitting.runner import quiet_pymc, run_sampler
from bayes_keta.fitting.settings import SamplerSettings
from bayes_keta.models import build
from bayes_keta.models.priors import prior_data_values, scaled_priors
from bayes_keta.provenance import as_attrs, provenance_record
from bayes_keta.spec import ModelSpec, PriorsArg, load_spec, resolve_priors
from bayes_keta.stages import reporter

__all__ = ["DEFAULT_SEED", "FitResult", "cache_info", "clear_cache", "fit", "set_prior_values"]


def fit(
    trial: Trial,
    spec: str | Path | ModelSpec,
    *,
    priors: PriorsArg = None,
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int = DEFAULT_SEED,
    sampler: str = "nutpie",
    cores: int | None = None,
    progressbar: bool = False,
    prior_draws: int = 500,
    posterior_predictive: bool = True,
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Fit a model spec to a trial with NUTS.

    Parameters
    ----------
    trial : Trial
        Validated data (:func:`bayes_keta.load_trial`).
    spec : str, Path or ModelSpec
        Model name (``"daily"``), path to a spec TOML, or a spec.
    priors : str, Path, dict or list, optional
        Prior-set names/files and/or ``{role: {...}}`` overrides
        (:func:`bayes_keta.spec.resolve_priors`; precedence user > set > spec).
    draws, tune, chains : int
        Posterior draws and tuning steps per chain, number of chains.
    seed : int
        Seed of the sampler and of the prior / posterior predictive draws: the same seed gives
        identical numbers on rerun.
    sampler : {"nutpie", "pymc"}
        NUTS implementation; nutpie falls back to PyMC (with a warning, recorded in the
        provenance) if it cannot be used.
    cores : int, optional
        Chains run in parallel on this many cores (default ``min(chains, cpu count)``).
    progressbar : bool
        Show the sampler's progress bar.
    prior_draws : int
        Prior (and prior predictive) draws; 0 skips them. The ordinal spec keeps none:
        forward sampling cannot honour its ordered cutpoints (recorded in the model notes).
    posterior_predictive : bool
        Draw the posterior predictive of the observed variable.
    progress : callable, optional
        Called with the name of each stage as it starts ("building the model", "compiling",
        "sampling", ...); the CLI shows them. Nothing is printed by ``fit`` itself.

    Returns
    -------
    FitResult

    Raises
    ------
    SpecError
        Invalid spec, priors or sampler settings (raised before any sampling; the rules are
        in :mod:`bayes_keta.checks`, e.g. ``tune >= 1``, ``seed`` in ``0..2**32-1``).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> result = fit(trial, "daily", draws=100, tune=100, chains=2)  # doctest: +SKIP
    >>> result.datatree.posterior["arm_mean"].dims  # doctest: +SKIP
    ('chain', 'draw', 'treatment', 'day')
    """
    settings = SamplerSettings(
        sampler=sampler,
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        seed=seed,
        progressbar=progressbar,
    ).validate()
    checks.PRIOR_DRAWS.check(prior_draws, "prior_draws")
    enter = reporter(progress)
    enter("building", "building the model")
    built = build(trial, spec, priors)
    settings = settings.resolved(suggested_mass_matrix=built.spec.mass_matrix)
    cores = settings.cores
    model = built.model
    key = graph_key(model, built.spec, built.scaled)
    seeds = np.random.SeedSequence(seed).generate_state(3)
    run = run_sampler(model, key, settings, progress=progress)
    enter("predicting", "posterior predictive / log-likelihood")
    tree = run.datatree
    if built.random_effects is not None:
        posterior = complete_random_effects(
            tree["posterior"].to_dataset(), model, built.random_effects, seed=int(seeds[2])
        )
        tree["posterior"] = xr.DataTree(posterior)
        _attach_data_groups(tree, built.full_model)
    # the model with the observed variable (marginal specs: the observation-level twin)
    model = built.full_model
    observed = "auc" if built.spec.outcome == "auc" else "pain"
    add_log_likelihood(tree, model, observed)
    if posterior_predictive:
        add_posterior_predictive(tree, model, observed, seed=int(seeds[0]))
    notes = list(built.notes)
    if prior_draws and built.spec.likelihood == "ordinal":
        # Forward sampling ignores the ordered transform of the cutpoints (under 1% of the
        # draws come out ordered), so the draws would not be this model's prior: none are kept.
        notes.append(
            "no prior / prior_predictive groups: forward sampling cannot draw the ordered"
            " cutpoints of the ordinal model's prior"
        )
        prior_draws = 0
    if prior_draws:
        enter("prior draws")
        with quiet_pymc():  # PyMC logs "Sampling: [...]" for every call
            prior = pm.sample_prior_predictive(
                draws=prior_draws, model=model, random_seed=int(seeds[1])
            )
        for group in ("prior", "prior_predictive"):
            tree[group] = xr.DataTree(prior[group].to_dataset())
    settings = {
        "sampler": run.sampler,
        "requested_sampler": sampler,
        "draws": draws,
        "tune": tune,
        "chains": chains,
        "cores": cores,
        "seed": seed,
        "compile_cache_hit": run.cache_hit,
        "compile_seconds": round(run.compile_seconds, 3),
        "sample_seconds": round(run.sample_seconds, 3),
        "fallback_reason": run.fallback_reason,
        "compile": None if run.sampler != "nutpie" else (run.compile_note or "lean"),
        "graph_key": key,
    }
    record = provenance_record(
        trial=trial,
        spec=built.spec,
        priors=built.priors,
        prior_sources=priors,
        sampler=settings,
        extra={
            "model_notes": notes,
            "observed_variable": observed,
            "priors_model_scale": {k: v.to_dict() for k, v in sorted(built.scaled.items())},
        },
    )
    tree.attrs.update(as_attrs(record))
    return FitResult(
        datatree=tree,
        trial=trial,
        spec=built.spec,
        priors=built.priors,
        model=model,
        sampler_settings=settings,
    )


def set_prior_values(
    target: Any,
    spec: str | Path | ModelSpec,
    priors: PriorsArg,
    *,
    n_days: int,
) -> Any:
    """Put new prior *values* into a built model or a compiled nutpie model (no rebuild).

    Parameters
    ----------
    target : pymc.Model or nutpie compiled model
        A ``pm.Model`` is updated in place (``pm.set_data``) and returned; a compiled nutpie
        model is immutable, so an updated copy is returned (``with_data``).
    spec : str, Path or ModelSpec
        The spec the target was built from.
    priors : str, Path, dict or list
        Prior sets / overrides, resolved against the spec as in :func:`fit`.
    n_days : int
        Days of follow-up of the trial (the AUC spec scales priors by it).

    Returns
    -------
    pymc.Model or compiled model

    Raises
    ------
    SpecError
        A prior changes family (a structural change: rebuild instead), or is invalid.
    """
    spec = load_spec(spec)
    scaled = scaled_priors(spec, resolve_priors(spec, priors), n_days)
    values = prior_data_values(scaled)
    if isinstance(target, pm.Model):
        names = {v.name for v in target.data_vars}
        missing = sorted(k for k in values if k not in names and not _unused(k))
        if missing:
            raise SpecError(
                f"prior values {missing} have no data in this model: a prior family changed"
                " (structure); rebuild the model instead"
            )
        pm.set_data({k: v for k, v in values.items() if k in names}, model=target)
        return target
    known = {var.name for var in target.shared_var_keys}
    extra = sorted(k for k in values if k not in known and not _unused(k))
    if extra:
        raise SpecError(f"prior values {extra} are not in the compiled model: rebuild it")
    return with_values(target, values)


def _unused(name: str) -> bool:
    # ZeroSumNormal period effects have no ``mu`` parameter in the graph (it is always 0).
    return name == "prior__period_effect__mu"


def _attach_data_groups(tree: xr.DataTree, model: pm.Model) -> None:
    """(Re)write ``constant_data`` and ``observed_data`` from ``model`` (the full model)."""
    from pymc.backends.arviz import (
        coords_and_dims_for_inferencedata,
        dict_to_dataset,
        find_constants,
        find_observations,
    )

    coords, dims = coords_and_dims_for_inferencedata(model)
    for group, values in (
        ("constant_data", find_constants(model)),
        ("observed_data", find_observations(model)),
    ):
        data = dict_to_dataset(
            values, inference_library=pm, coords=coords, dims=dims, sample_dims=[]
        )
        tree[group] = xr.DataTree(data)
