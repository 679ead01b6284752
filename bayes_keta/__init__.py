"""bayes_keta: a Bayesian reanalysis workbench for crossover pain trials.

The notebook API is exactly what ``__all__`` lists.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("bayes_keta")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

from bayes_keta.data.design import DesignSummary, design_summary
from bayes_keta.data.embedded import ketapain_synthetic
from bayes_keta.data.load import load_trial
from bayes_keta.data.published import PublishedResults, ketapain_published
from bayes_keta.data.simulate import simulate_trial
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import (
    BayesKetaError,
    ConvergenceError,
    DataError,
    OutputError,
    SpecError,
)
from bayes_keta.meta import MetaAnalysisResult, meta_analysis, read_meta_inputs
from bayes_keta.published import PublishedReanalysis, reanalyse_published

__all__ = [
    "__version__",
    "BayesKetaError",
    "ConvergenceError",
    "DataError",
    "DesignSummary",
    "MetaAnalysisResult",
    "OutputError",
    "PublishedReanalysis",
    "PublishedResults",
    "SpecError",
    "Trial",
    "design_summary",
    "ketapain_published",
    "ketapain_synthetic",
    "load_trial",
    "meta_analysis",
    "read_meta_inputs",
    "reanalyse_published",
    "simulate_trial",
]
