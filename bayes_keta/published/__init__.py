"""Summary-level Bayesian reanalysis of published effect estimates (no patient data).

Compute in :mod:`~bayes_keta.published.reanalysis` (inputs in
:mod:`~bayes_keta.published.estimates`, the sampled path in
:mod:`~bayes_keta.published.sampled`, results in :mod:`~bayes_keta.published.result`), prior
families in :mod:`~bayes_keta.published.priors`, its figure in
:mod:`~bayes_keta.plots.published` (``bk.plots.published_reanalysis``).
"""

from __future__ import annotations

from bayes_keta.published.estimates import published_estimates, read_estimates
from bayes_keta.published.priors import (
    Prior,
    enthusiastic_prior,
    parse_prior_spec,
    read_priors_toml,
    skeptical_prior,
    spiegelhalter_priors,
    vague_prior,
)
from bayes_keta.published.reanalysis import reanalyse_published
from bayes_keta.published.result import PublishedReanalysis

__all__ = [
    "Prior",
    "PublishedReanalysis",
    "enthusiastic_prior",
    "parse_prior_spec",
    "published_estimates",
    "read_estimates",
    "read_priors_toml",
    "reanalyse_published",
    "skeptical_prior",
    "spiegelhalter_priors",
    "vague_prior",
]
