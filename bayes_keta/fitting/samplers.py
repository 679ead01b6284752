"""Run NUTS on a built model: nutpie (default, compile cache) or PyMC's own NUTS (fallback)."""

from __future__ import annotations

import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pymc as pm
import xarray as xr

from bayes_keta.fitting.cache import compiled_for
from bayes_keta.stages import reporter, stage

__all__ = ["SamplerRun", "run_sampler"]


@dataclass(frozen=True)
class SamplerRun:
    """Posterior draws and how they were obtained."""

    datatree: xr.DataTree
    sampler: str
    cache_hit: bool
    compile_seconds: float
    sample_seconds: float
    fallback_reason: str | None = None
    compile_note: str | None = None


def run_sampler(
    model: pm.Model,
    key: str,
    *,
    sampler: str,
    draws: int,
    tune: int,
    chains: int,
    cores: int,
    seed: int,
    progressbar: bool,
    mass_matrix: str = "diag",
    progress: Callable[[str], None] | None = None,
) -> SamplerRun:
    """Sample the posterior with ``sampler`` ("nutpie" or "pymc").

    If nutpie cannot be imported or cannot compile the model, warns and falls back to PyMC's
    NUTS; the reason is returned (and recorded in provenance by the caller).
    ``mass_matrix="low_rank"`` asks nutpie for its low-rank modified mass matrix adaptation,
    which captures the correlated directions a diagonal one cannot (e.g. cutpoints moving with
    the random effects in the ordinal model); PyMC's NUTS always uses a diagonal one.
    ``progress`` is called with the name of each stage as it starts.
    """
    enter = reporter(progress)
    reason = None
    if sampler == "nutpie":
        try:
            enter("compiling", "compiling (or reusing a cached compile)")
            start = time.perf_counter()
            compiled, hit, note = compiled_for(model, key)
            compile_s = time.perf_counter() - start
        except Exception as err:  # noqa: BLE001 - any nutpie failure means: use PyMC
            reason = f"nutpie unavailable ({type(err).__name__}: {err}); used PyMC NUTS"
            warnings.warn(reason, RuntimeWarning, stacklevel=3)
        else:
            import nutpie
            from pymc.backends.arviz import patch_nutpie_idata

            enter("sampling", "sampling (nutpie)")
            start = time.perf_counter()
            tree = nutpie.sample(
                compiled,
                draws=draws,
                tune=tune,
                chains=chains,
                cores=cores,
                seed=seed,
                save_warmup=False,
                progress_bar=progressbar,
                adaptation="low_rank" if mass_matrix == "low_rank" else "diag",
            )
            sample_s = time.perf_counter() - start
            patch_nutpie_idata(tree, model, sampling_time=sample_s)
            _clean_sample_stats(tree)
            stage("predicting")  # next: random effects, log-likelihood, predictive draws
            return SamplerRun(tree, "nutpie", hit, compile_s, sample_s, compile_note=note)
    enter("sampling", "sampling (PyMC NUTS)")
    start = time.perf_counter()
    tree = pm.sample(
        draws=draws,
        tune=tune,
        chains=chains,
        cores=cores,
        random_seed=seed,
        progressbar=progressbar,
        quiet=not progressbar,  # PyMC's log lines only with its bar (a person is watching)
        nuts_sampler="pymc",
        compute_convergence_checks=False,
        model=model,
    )
    seconds = time.perf_counter() - start
    stage("predicting")
    return SamplerRun(tree, "pymc", False, 0.0, seconds, reason)


def _clean_sample_stats(tree: xr.DataTree) -> None:
    """Make nutpie's sample stats netCDF-friendly (object columns become strings)."""
    stats = tree["sample_stats"].to_dataset()
    fixed = {
        name: var.fillna("").astype(str)
        for name, var in stats.data_vars.items()
        if var.dtype == np.dtype(object)
    }
    if fixed:
        tree["sample_stats"] = xr.DataTree(stats.assign(fixed))
