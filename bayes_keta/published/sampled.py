"""The sampled path of the summary-level reanalysis: PyMC NUTS for non-conjugate priors.

A prior without a closed-form update under the normal likelihood (Student-t), or any prior
when every one is checked by sampling (``method="pymc"``), gets one small seeded model over
all contrasts, ``theta[c] ~ prior; y[c] ~ Normal(theta[c], se[c])`` on the benefit
orientation, sampled with :func:`bayes_keta.fitting.runner.sample_model`. The conjugate
updates live in :mod:`bayes_keta.published.dists` (:func:`~.dists.conjugate_update`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayes_keta.published.dists import SampledDist
from bayes_keta.published.priors import Prior
from bayes_keta.stages import stage

__all__ = ["SampledPosteriors", "build_summary_model", "sample_posteriors"]


def build_summary_model(prior: Prior, y: np.ndarray, se: np.ndarray, labels: Sequence[str]):
    """PyMC model ``theta[c] ~ prior; y[c] ~ Normal(theta[c], se[c])`` (benefit orientation).

    Returns the built (unsampled) ``pm.Model``.

    Examples
    --------
    >>> from bayes_keta.published.priors import parse_prior_spec
    >>> prior = parse_prior_spec("t=student_t(3,0,1)")
    >>> m = build_summary_model(prior, np.zeros(1), np.ones(1), ["a"])
    >>> sorted(m.named_vars)
    ['theta', 'y']
    """
    import pymc as pm

    with pm.Model(coords={"contrast": list(labels)}) as model:
        theta = prior.random_variable("theta", dims="contrast")
        pm.Normal("y", mu=theta, sigma=se, observed=y, dims="contrast")
    return model


@dataclass(frozen=True)
class SampledPosteriors:
    """Posteriors of every contrast under one prior, from one NUTS run.

    Attributes
    ----------
    dists : tuple of SampledDist
        One posterior per contrast, in the order of the labels (benefit orientation).
    datatree : xarray.DataTree
        The sampled run.
    warning : str or None
        A note for the results when the sampling diagnostics failed.
    """

    dists: tuple[SampledDist, ...]
    datatree: Any
    warning: str | None


def sample_posteriors(
    prior: Prior,
    y: np.ndarray,
    se: np.ndarray,
    labels: Sequence[str],
    *,
    seed: int,
    draws: int,
    chains: int,
    nuts_sampler: str,
) -> SampledPosteriors:
    """Sample :func:`build_summary_model` and read one posterior per contrast.

    Parameters
    ----------
    prior : Prior
        The prior (benefit orientation).
    y, se : numpy.ndarray
        Likelihood centres (benefit orientation) and standard errors, one per contrast.
    labels : sequence of str
        Contrast labels (the ``contrast`` coordinate).
    seed, draws, chains, nuts_sampler
        Sampler settings (``tune`` is 1000; chains run sequentially on one core).

    Returns
    -------
    SampledPosteriors
        The posteriors (each with its bulk ESS, for the MCSE of its mean), the run and a
        warning when R-hat, ESS or divergences fail the diagnostic gate.

    Examples
    --------
    >>> from bayes_keta.published.priors import parse_prior_spec
    >>> prior = parse_prior_spec("t=student_t(3,0,1)")
    >>> res = sample_posteriors(  # doctest: +SKIP
    ...     prior, np.array([-0.3]), np.array([0.1]), ["a vs b"],
    ...     seed=1, draws=500, chains=2, nuts_sampler="nutpie",
    ... )
    >>> round(res.dists[0].mean, 1)  # doctest: +SKIP
    -0.3
    """
    from bayes_keta.diagnostics import diagnose
    from bayes_keta.fitting.runner import sample_model
    from bayes_keta.fitting.settings import SamplerSettings

    settings = SamplerSettings(
        sampler=nuts_sampler, draws=draws, tune=1000, chains=chains, cores=1, seed=seed
    )
    model = build_summary_model(prior, y, se, labels)
    stage("compiling and sampling")  # pm.sample compiles the model, then samples it
    dt = sample_model(model, settings)
    stage("summarising")
    diag = diagnose(dt, var_names=["theta"])
    theta = dt.posterior["theta"]
    dists = tuple(
        SampledDist(
            theta.sel(contrast=lab).values.ravel(),
            float(diag.table.loc[f"theta[{lab}]", "ess_bulk"]),
        )
        for lab in labels
    )
    warning = None
    if not diag.passed:
        from bayes_keta.formatting import format_ess, format_rhat

        warning = (
            f"WARNING: prior {prior.name!r}: sampling diagnostics failed (max R-hat"
            f" {format_rhat(diag.max_rhat)}, min ESS {format_ess(diag.min_ess_bulk)},"
            f" {diag.divergences} divergences)."
        )
    return SampledPosteriors(dists, dt, warning)
