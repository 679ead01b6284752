"""The result of a fit: draws in a DataTree plus what produced them."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pymc as pm
import xarray as xr

from bayes_keta.data.trial import Trial
from bayes_keta.results import ResultsMixin
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["FitResult"]


@dataclass(frozen=True)
class FitResult(ResultsMixin):
    """A fitted model.

    Result methods (``contrasts()``, ``contrast_draws()``, ``contrast_summary()``,
    ``diagnostics()``, ``summary()``, ``save(dir)``) come from
    :class:`bayes_keta.results.ResultsMixin`.

    Attributes
    ----------
    datatree : xarray.DataTree
        Groups ``posterior``, ``prior``, ``prior_predictive``, ``posterior_predictive``,
        ``log_likelihood``, ``observed_data``, ``constant_data``, ``sample_stats``;
        provenance in ``datatree.attrs`` (string values, JSON for structured ones; see
        :func:`bayes_keta.provenance.provenance_record`).
    trial : Trial
        The data fitted.
    spec : ModelSpec
        The model specification.
    priors : dict of str to Prior
        Priors actually applied, by role, in daily NRS points (before outcome scaling).
    model : pymc.Model
        The built graph with the observed variable (for inspection; never sampled again by
        this object). For ``parameterization = "marginal"`` this is the observation-level
        twin; NUTS sampled the model with the random effects integrated out.
    sampler_settings : dict
        Sampler name, draws, tune, chains, cores, seed, cache hit, timings.
    """

    datatree: xr.DataTree = field(repr=False)
    trial: Trial
    spec: ModelSpec
    priors: Mapping[str, Prior] = field(repr=False)
    model: pm.Model = field(repr=False)
    sampler_settings: Mapping[str, Any] = field(repr=False)

    def __repr__(self) -> str:
        s = self.sampler_settings
        label = "SYNTHETIC " if self.trial.synthetic else ""
        return (
            f"<FitResult {self.spec.name!r} on {label}{self.trial.name!r}: {s.get('sampler')},"
            f" {s.get('chains')} chains x {s.get('draws')} draws, seed {s.get('seed')}>"
        )
