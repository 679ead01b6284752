"""The one place NUTS runs: nutpie (compile cache) or PyMC's own NUTS, for every caller.

* :func:`compile_model` and :func:`run_sampler`: the workbench's models (fits, sweeps, SBC).
  nutpie's compiled model comes from the compile cache (:mod:`bayes_keta.fitting.cache`);
  if nutpie cannot be imported or cannot compile the model, a warning is issued and PyMC's
  NUTS runs instead (the reason is returned, and recorded by the caller).
* :func:`sample_model`: small summary-level models (meta-analysis, published reanalysis)
  through ``pm.sample`` with the sampler the settings name, no cache.

Both stay quiet: no PyMC log lines unless a progress bar is asked for.

Both compile PyTensor's numba code without ``fastmath`` (:func:`exact_float_math`): with it,
LLVM may reassociate floating-point operations differently when a function's pieces are
compiled in the same session (a machine's first run) than when they are read from the on-disk
cache, and NUTS amplifies a last-bit difference into other draws: the same data, spec and seed
gave other numbers on a machine's first fit than on its later ones. Without it the log density
is the same to the bit whatever the cache holds (``tests/test_first_run_draws.py``), at no
measurable cost in speed for these models.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from bayes_keta.fitting.cache import compiled_for
from bayes_keta.fitting.settings import SamplerSettings
from bayes_keta.stages import reporter, stage

__all__ = [
    "CompiledModel",
    "SamplerRun",
    "compile_model",
    "exact_float_math",
    "quiet_pymc",
    "run_sampler",
    "sample_model",
]


@dataclass(frozen=True)
class CompiledModel:
    """What the compile step gave for one model.

    Attributes
    ----------
    compiled : nutpie compiled model or None
        Carrying the model's data and labels; None when PyMC's NUTS is to run.
    cache_hit : bool
        Whether it came from the compile cache.
    seconds : float
        Time spent compiling (or looking up and swapping values into a cached compile).
    note : str or None
        Why nutpie's stock compile was used instead of the lean one (None: the lean one).
    fallback_reason : str or None
        Why nutpie is not used (None: it is, or PyMC was asked for).
    """

    compiled: Any
    cache_hit: bool
    seconds: float
    note: str | None = None
    fallback_reason: str | None = None


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


@contextmanager
def exact_float_math() -> Iterator[None]:
    """Compile PyTensor's numba code without ``fastmath`` inside the block (module docstring).

    Scoped (``pytensor.config.change_flags``): other PyTensor work in the process keeps its
    own settings.

    Examples
    --------
    >>> import pytensor
    >>> with exact_float_math():
    ...     pytensor.config.numba__fastmath
    False
    """
    import pytensor

    with pytensor.config.change_flags(numba__fastmath=False):
        yield


def compile_model(
    model: pm.Model,
    key: str,
    *,
    sampler: str = "nutpie",
    progress: Callable[[str], None] | None = None,
) -> CompiledModel:
    """Compile ``model`` for nutpie (or reuse the cached compile of its structure ``key``).

    With ``sampler="pymc"`` nothing is compiled. A nutpie failure warns (RuntimeWarning) and
    returns the reason: PyMC's NUTS will run instead.
    """
    if sampler != "nutpie":
        return CompiledModel(None, False, 0.0)
    reporter(progress)("compiling", "compiling (or reusing a cached compile)")
    start = time.perf_counter()
    try:
        with exact_float_math():
            compiled, hit, note = compiled_for(model, key)
    except Exception as err:  # noqa: BLE001 - any nutpie failure means: use PyMC
        reason = f"nutpie unavailable ({type(err).__name__}: {err}); used PyMC NUTS"
        warnings.warn(reason, RuntimeWarning, stacklevel=3)
        return CompiledModel(None, False, 0.0, fallback_reason=reason)
    return CompiledModel(compiled, hit, time.perf_counter() - start, note)


def run_sampler(
    model: pm.Model,
    key: str,
    settings: SamplerSettings,
    *,
    compiled: CompiledModel | None = None,
    progress: Callable[[str], None] | None = None,
) -> SamplerRun:
    """Sample the posterior of ``model`` with the sampler and settings given.

    Parameters
    ----------
    model : pymc.Model
        The model NUTS samples.
    key : str
        Its graph structure (:func:`bayes_keta.fitting.cache.graph_key`).
    settings : SamplerSettings
        Resolved settings (``cores`` and ``mass_matrix`` set: see
        :meth:`SamplerSettings.resolved`). ``mass_matrix="low_rank"`` asks nutpie for its
        low-rank modified mass matrix adaptation, which captures correlated directions a
        diagonal one cannot (e.g. cutpoints moving with the random effects in the ordinal
        model).
    compiled : CompiledModel, optional
        The compile step's result for this very model (default: :func:`compile_model`).
    progress : callable, optional
        Called with the name of each stage as it starts.

    Returns
    -------
    SamplerRun
    """
    enter = reporter(progress)
    if compiled is None:
        compiled = compile_model(model, key, sampler=settings.sampler, progress=progress)
    if compiled.compiled is not None:
        import nutpie
        from pymc.backends.arviz import patch_nutpie_idata

        enter("sampling", "sampling (nutpie)")
        start = time.perf_counter()
        kwargs = {} if settings.target_accept is None else {"target_accept": settings.target_accept}
        tree = nutpie.sample(
            compiled.compiled,
            draws=settings.draws,
            tune=settings.tune,
            chains=settings.chains,
            cores=settings.cores,
            seed=settings.seed,
            save_warmup=False,
            progress_bar=settings.progressbar,
            adaptation="low_rank" if settings.mass_matrix == "low_rank" else "diag",
            **kwargs,
        )
        sample_s = time.perf_counter() - start
        patch_nutpie_idata(tree, model, sampling_time=sample_s)
        _clean_sample_stats(tree)
        stage("predicting")  # next: random effects, log-likelihood, predictive draws
        return SamplerRun(
            tree, "nutpie", compiled.cache_hit, compiled.seconds, sample_s,
            compile_note=compiled.note,
        )  # fmt: skip
    enter("sampling", "sampling (PyMC NUTS)")
    start = time.perf_counter()
    tree = _pm_sample(model, settings, nuts_sampler="pymc")
    seconds = time.perf_counter() - start
    stage("predicting")
    return SamplerRun(tree, "pymc", False, 0.0, seconds, compiled.fallback_reason)


def sample_model(model: pm.Model, settings: SamplerSettings) -> xr.DataTree:
    """Sample a small model with ``pm.sample`` (no compile cache) and the sampler named.

    For the summary-level models (meta-analysis, published reanalysis): ``settings.sampler``
    is passed as PyMC's ``nuts_sampler`` (``"nutpie"`` runs nutpie through PyMC's interface),
    ``settings.cores`` chains in parallel (1: one after another). Settings are used as given.

    Examples
    --------
    >>> with pm.Model() as m:
    ...     _ = pm.Normal("x")
    >>> s = SamplerSettings(sampler="pymc", draws=20, tune=20, chains=1, cores=1, seed=1)
    >>> sample_model(m, s).posterior["x"].shape  # doctest: +SKIP
    (1, 20)
    """
    return _pm_sample(model, settings, nuts_sampler=settings.sampler)


def _pm_sample(model: pm.Model, settings: SamplerSettings, *, nuts_sampler: str) -> xr.DataTree:
    kwargs = {} if settings.target_accept is None else {"target_accept": settings.target_accept}
    with exact_float_math():
        return _pm_sample_call(model, settings, nuts_sampler, kwargs)


def _pm_sample_call(
    model: pm.Model, settings: SamplerSettings, nuts_sampler: str, kwargs: dict[str, Any]
) -> xr.DataTree:
    return pm.sample(
        draws=settings.draws,
        tune=settings.tune,
        chains=settings.chains,
        cores=settings.cores,
        random_seed=settings.seed,
        progressbar=settings.progressbar,
        quiet=not settings.progressbar,  # PyMC's log lines only with its bar (a person watches)
        nuts_sampler=nuts_sampler,
        compute_convergence_checks=False,
        model=model,
        **kwargs,
    )


@contextmanager
def quiet_pymc() -> Iterator[None]:
    """Silence PyMC's INFO logging (not its warnings) for the duration of the block."""
    logger = logging.getLogger("pymc")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


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
