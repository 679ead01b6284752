"""Fit a spec to a trial in three steps: compile once, sample as often as needed, complete.

* :meth:`Fitter.compile` builds the graph (cheap) and gets its compiled nutpie sampler: one
  compile per graph structure per process (:mod:`bayes_keta.fitting.cache`), whatever the
  prior values or data of the same shapes.
* :meth:`Fitter.sample` swaps in other prior values (a fresh build of the same structure,
  whose values go into the compiled model) or other observed data (SBC, assurance), and
  samples: a :class:`Sampled` (raw draws and how they were obtained).
* :meth:`Fitter.complete` puts integrated-out random effects back, adds the pointwise
  log-likelihood, posterior predictive and prior draws, and writes the
  :class:`~bayes_keta.fitting.record.FitRecord`: a
  :class:`~bayes_keta.fitting.result.FitResult`.

:func:`fit` is the three in a row. Prior sweeps sample one Fitter per process under each
setting's priors; SBC samples one Fitter with each simulated data set. Same seed, same
draws, whichever way a fit is made (tested bit for bit).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
import pymc as pm
import xarray as xr

from bayes_keta import checks
from bayes_keta.constants import (
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_PRIOR_DRAWS,
    DEFAULT_SAMPLER,
    DEFAULT_SEED,
    DEFAULT_TUNE,
)
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import SpecError
from bayes_keta.fitting import runner
from bayes_keta.fitting.cache import graph_key
from bayes_keta.fitting.completion import complete_tree
from bayes_keta.fitting.predictive import (
    add_log_likelihood,
    add_posterior_predictive,
    add_prior_draws,
)
from bayes_keta.fitting.record import DataRecord, FitRecord, ModelRecord, SamplerRecord
from bayes_keta.fitting.result import FitResult
from bayes_keta.fitting.settings import SamplerSettings
from bayes_keta.models import BuiltModel, build
from bayes_keta.spec import ModelSpec, PriorsArg
from bayes_keta.stages import reporter

__all__ = ["Fitter", "Sampled", "fit"]

#: One compile per structure and process, however many threads ask at once (sweeps).
_COMPILE_LOCK = threading.Lock()


@dataclass(frozen=True)
class Sampled:
    """Raw posterior draws of one :meth:`Fitter.sample` call and what produced them.

    Attributes
    ----------
    datatree : xarray.DataTree
        ``posterior`` and ``sample_stats`` as the sampler gave them (marginal specs: without
        the integrated-out random effects).
    run : SamplerRun
        Sampler used, cache hit, timings, fallback reason.
    built : BuiltModel
        The model sampled.
    settings : SamplerSettings
        As run (the seed used included).
    key : str
        Graph structure of the compiled model.
    prior_sources : any
        The priors asked for.
    observed : numpy.ndarray or None
        Observed data swapped in (None: the trial's own).
    """

    datatree: xr.DataTree
    run: runner.SamplerRun
    built: BuiltModel
    settings: SamplerSettings
    key: str
    prior_sources: Any = None
    observed: np.ndarray | None = None

    @property
    def posterior(self) -> xr.Dataset:
        """The posterior draws as a Dataset."""
        return self.datatree["posterior"].to_dataset()

    @property
    def free_variables(self) -> list[str]:
        """Names of the sampled model's free random variables (what NUTS moved)."""
        names = set(self.datatree["posterior"].data_vars)
        return [rv.name for rv in self.built.model.free_RVs if rv.name in names]


class Fitter:
    """A spec built for a trial and compiled once, to be sampled as often as needed.

    Make one with :meth:`compile`. Attributes: ``trial``, ``built`` (the model for the
    priors given to :meth:`compile`), ``spec``, ``settings`` (resolved), ``key`` (graph
    structure), ``observed_name`` (the observed variable).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> settings = SamplerSettings(draws=100, tune=100, chains=2)
    >>> fitter = Fitter.compile(trial, "daily", settings=settings)  # doctest: +SKIP
    >>> skeptical = fitter.complete(fitter.sample("skeptical"))  # doctest: +SKIP
    >>> skeptical.record.sampler.cache_hit  # doctest: +SKIP
    True
    """

    def __init__(
        self,
        trial: Trial,
        built: BuiltModel,
        settings: SamplerSettings,
        key: str,
        compiled: runner.CompiledModel,
        prior_sources: Any = None,
    ) -> None:
        self.trial = trial
        self.built = built
        self.spec: ModelSpec = built.spec
        self.settings = settings
        self.key = key
        self.prior_sources = prior_sources
        self.observed_name = built.observed
        self._compiled = compiled
        self._first: runner.CompiledModel | None = compiled  # charged to the first sample
        self._swapped = False  # observed data other than the trial's are set on `built`
        self._original = self._data(built)
        self._lock = threading.Lock()

    @classmethod
    def compile(
        cls,
        trial: Trial,
        spec: str | Path | ModelSpec,
        priors: PriorsArg = None,
        *,
        settings: SamplerSettings | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Fitter:
        """Build the model and get its compiled sampler (from the compile cache if it has it).

        Parameters
        ----------
        trial : Trial
            Validated data (:func:`bayes_keta.load_trial`).
        spec : str, Path or ModelSpec
            Model name, spec path or spec.
        priors : str, Path, dict or list, optional
            Prior sets and overrides (:func:`bayes_keta.spec.resolve_priors`).
        settings : SamplerSettings, optional
            Sampler settings (default :class:`SamplerSettings`); ``mass_matrix=None`` takes
            the spec's suggestion.
        progress : callable, optional
            Told each stage as it starts ("building the model", "compiling ...").

        Raises
        ------
        SpecError
            Invalid settings, spec or priors, or a spec the data cannot support (before any
            compiling).
        """
        settings = (settings or SamplerSettings()).validate()
        reporter(progress)("building", "building the model")
        built = build(trial, spec, priors)
        settings = settings.resolved(
            suggested_mass_matrix=built.spec.sampler_defaults.get("mass_matrix", "diag"),
            suggested_target_accept=built.spec.sampler_defaults.get("target_accept"),
        )
        key = graph_key(built.model, built.spec, built.scaled)
        with _COMPILE_LOCK:
            compiled = runner.compile_model(
                built.model, key, sampler=settings.sampler, progress=progress
            )
        return cls(trial, built, settings, key, compiled, priors)

    # ------------------------------------------------------------------------------ sample
    def sample(
        self,
        priors: PriorsArg = None,
        *,
        seed: int | None = None,
        observed: np.ndarray | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> Sampled:
        """Sample the posterior, optionally under other priors or other observed data.

        Parameters
        ----------
        priors : str, Path, dict or list, optional
            Prior sets / overrides resolved against the spec as in :func:`fit`; they replace
            the priors given to :meth:`compile` (None: those). Other values of the same
            families reuse the compiled model; another family costs one compile.
        seed : int, optional
            Sampler seed (default: the settings').
        observed : numpy.ndarray, optional
            Observed data of the trial's shape to fit instead of the trial's own (the
            observed variable's data: daily pain, or AUC). They stay set on the Fitter's
            model until the next call (``observed=None`` puts the trial's back).
        progress : callable, optional
            Told each stage as it starts.

        Returns
        -------
        Sampled

        Notes
        -----
        Threads may sample one Fitter under other priors at once (each call builds its own
        model); observed-data swaps change the Fitter's own model: one thread at a time.
        """
        settings = self.settings.with_seed(seed)
        checks.SEED.check(settings.seed, "seed")
        sources = self.prior_sources
        built = self.built
        if priors is not None:
            built, sources = build(self.trial, self.spec, priors), priors
        key = self.key if built is self.built else graph_key(built.model, built.spec, built.scaled)
        if observed is not None:
            observed = self._check_observed(observed)
        with self._lock:
            first, self._first = self._first, None
            changed = built is not self.built or self._swapped or observed is not None
            if observed is not None or (built is self.built and self._swapped):
                self._set_observed(built, observed)
            if built is self.built:
                self._swapped = observed is not None
        compiled = self._compiled
        if compiled.compiled is not None and (changed or first is None):
            compiled = runner.compile_model(built.model, key, progress=progress)
        if first is not None and compiled is not first:  # the compile is this sample's cost
            compiled = replace(
                compiled, cache_hit=first.cache_hit, seconds=first.seconds + compiled.seconds
            )
        run = runner.run_sampler(built.model, key, settings, compiled=compiled, progress=progress)
        return Sampled(run.datatree, run, built, settings, key, sources, observed)

    # ---------------------------------------------------------------------------- complete
    def complete(
        self,
        sampled: Sampled,
        *,
        prior_draws: int = DEFAULT_PRIOR_DRAWS,
        posterior_predictive: bool = True,
        progress: Callable[[str], None] | None = None,
    ) -> FitResult:
        """Complete sampled draws into a :class:`FitResult`.

        Puts integrated-out random effects back (marginal specs), adds the pointwise
        log-likelihood, the posterior predictive (``posterior_predictive``) and
        ``prior_draws`` prior / prior predictive draws (none for the ordinal spec: forward
        sampling cannot honour its ordered cutpoints; recorded in the notes), and writes the
        record into the DataTree attrs. Seeds derive from the sampling seed.
        """
        checks.PRIOR_DRAWS.check(prior_draws, "prior_draws")
        enter = reporter(progress)
        built, run = sampled.built, sampled.run
        with self._lock:  # the data these draws were sampled with (swaps may have followed)
            self._set_observed(built, sampled.observed)
            if built is self.built:
                self._swapped = sampled.observed is not None
        enter("predicting", "posterior predictive / log-likelihood")
        tree = sampled.datatree.copy()
        seeds = np.random.SeedSequence(sampled.settings.seed).generate_state(3)
        if built.random_effects is not None:  # marginal specs: the effects put back
            complete_tree(tree, built, self.observed_name, seed=int(seeds[2]))
        model = built.full_model  # with the observed variable (marginal: the centred twin)
        add_log_likelihood(tree, model, self.observed_name)
        if posterior_predictive:
            add_posterior_predictive(tree, model, self.observed_name, seed=int(seeds[0]))
        notes = [*built.notes, *built.fact_notes]  # graph notes, missing data, prior scaling
        if prior_draws and not built.capabilities.prior_draws:
            # Forward sampling ignores the ordered transform of the cutpoints (under 1% of
            # the draws come out ordered), so the draws would not be this model's prior.
            notes.append(
                "no prior / prior_predictive groups: forward sampling cannot draw the ordered"
                " cutpoints of the ordinal model's prior"
            )
            prior_draws = 0
        if prior_draws:
            enter("prior draws")
            with runner.quiet_pymc():  # PyMC logs "Sampling: [...]" for every call
                add_prior_draws(tree, model, draws=prior_draws, seed=int(seeds[1]))
        record = FitRecord(
            data=DataRecord.from_trial(self.trial),
            model=ModelRecord.from_spec(built.spec, builder=built.builder.name),
            priors={k: v.to_dict() for k, v in sorted(built.priors.items())},
            priors_model_scale={k: v.to_dict() for k, v in sorted(built.scaled.items())},
            prior_sources=sampled.prior_sources,
            sampler=SamplerRecord(
                settings=sampled.settings,
                used=run.sampler,
                cache_hit=run.cache_hit,
                compile_seconds=run.compile_seconds,
                sample_seconds=run.sample_seconds,
                compile=None if run.sampler != "nutpie" else (run.compile_note or "lean"),
                fallback_reason=run.fallback_reason,
                graph_key=sampled.key,
            ),
            notes=tuple(notes),
            observed_variable=self.observed_name,
            prior_scaling=built.scaling.to_dict() if built.scaling else {},
            missing_data=dict(built.missing_data),
        )
        tree.attrs.update(record.to_attrs())
        result = FitResult(tree, record, self.trial)
        result._remember(spec=built.spec, model=model)
        return result

    # ------------------------------------------------------------------- observed data
    @property
    def _data_name(self) -> str:
        return f"{self.observed_name}_data"

    def _data(self, built: BuiltModel) -> np.ndarray | None:
        if self._data_name not in built.model.named_vars:
            return None
        return np.asarray(built.model[self._data_name].get_value())

    def _check_observed(self, observed: np.ndarray) -> np.ndarray:
        if self._original is None:
            raise SpecError(f"this model has no {self._data_name!r} data to swap")
        values = np.asarray(observed)
        if values.shape != self._original.shape:
            raise SpecError(
                f"observed data of shape {values.shape} for {self._data_name!r} of shape"
                f" {self._original.shape}: a Fitter swaps data of the trial's shape only"
            )
        return values.astype(self._original.dtype, copy=False)

    def _set_observed(self, built: BuiltModel, observed: np.ndarray | None) -> None:
        """Set the observed data on the sampled model and its twin (None: the trial's own)."""
        values = self._original if observed is None else observed
        if values is None:
            return
        for model in {id(m): m for m in (built.model, built.full_model)}.values():
            if self._data_name in model.named_vars:
                pm.set_data({self._data_name: values}, model=model)
        terms = built.random_effects  # a marginal model's statistics of the readings
        if terms is not None and terms.statistics is not None:
            pm.set_data(terms.statistics(values), model=built.model)


def fit(
    trial: Trial,
    spec: str | Path | ModelSpec,
    *,
    priors: PriorsArg = None,
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    seed: int = DEFAULT_SEED,
    sampler: str = DEFAULT_SAMPLER,
    cores: int | None = None,
    mass_matrix: str | None = None,
    progressbar: bool = False,
    prior_draws: int = DEFAULT_PRIOR_DRAWS,
    posterior_predictive: bool = True,
    progress: Callable[[str], None] | None = None,
) -> FitResult:
    """Fit a model spec to a trial with NUTS (:meth:`Fitter.compile`, ``sample``, ``complete``).

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
        record) if it cannot be used.
    cores : int, optional
        Chains run in parallel on this many cores (default ``min(chains, cpu count)``).
    mass_matrix : {"diag", "low_rank"}, optional
        nutpie's mass matrix adaptation (default: the spec's suggestion).
    progressbar : bool
        Show the sampler's progress bar.
    prior_draws : int
        Prior (and prior predictive) draws; 0 skips them. The ordinal spec keeps none:
        forward sampling cannot honour its ordered cutpoints (recorded in the notes).
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
        mass_matrix=mass_matrix,
        progressbar=progressbar,
    ).validate()
    checks.PRIOR_DRAWS.check(prior_draws, "prior_draws")
    fitter = Fitter.compile(trial, spec, priors, settings=settings, progress=progress)
    return fitter.complete(
        fitter.sample(progress=progress),
        prior_draws=prior_draws,
        posterior_predictive=posterior_predictive,
        progress=progress,
    )
