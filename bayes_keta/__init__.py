"""bayes_keta: a Bayesian reanalysis workbench for crossover pain trials.

The notebook API is exactly what ``__all__`` lists.
"""

from __future__ import annotations

# First, before the heavy imports: a quiet Ctrl-C when run as the bayes-keta script.
import bayes_keta._script_signals  # noqa: F401  (isort: skip)
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
from bayes_keta.diagnostics import Diagnostics, diagnose
from bayes_keta.estimands import (
    ContrastSummary,
    by_day,
    contrast_draws,
    contrast_table,
    summarize_contrasts,
    threshold_curve,
)
from bayes_keta.exceptions import (
    BayesKetaError,
    ConvergenceError,
    DataError,
    OutputError,
    SpecError,
)
from bayes_keta.export import export_fit, meta_summary, read_export, tidy_draws
from bayes_keta.fitting import FitResult, fit
from bayes_keta.meta import MetaAnalysisResult, meta_analysis, read_meta_inputs
from bayes_keta.models import build_model
from bayes_keta.published import PublishedReanalysis, reanalyse_published
from bayes_keta.results import SavedFit, load_fit
from bayes_keta.spec import load_spec
from bayes_keta.summary import build_summary, validate_summary, write_summary
from bayes_keta.sweep import SweepResult, load_grid, prior_sweep

__all__ = [
    "__version__",
    "BayesKetaError",
    "ConvergenceError",
    "ContrastSummary",
    "DataError",
    "DesignSummary",
    "FitResult",
    "Diagnostics",
    "MetaAnalysisResult",
    "OutputError",
    "PublishedReanalysis",
    "PublishedResults",
    "SavedFit",
    "SpecError",
    "SweepResult",
    "Trial",
    "build_model",
    "build_summary",
    "by_day",
    "contrast_draws",
    "contrast_table",
    "design_summary",
    "diagnose",
    "export_fit",
    "fit",
    "ketapain_published",
    "ketapain_synthetic",
    "load_trial",
    "load_fit",
    "load_grid",
    "load_spec",
    "meta_analysis",
    "prior_sweep",
    "meta_summary",
    "read_export",
    "read_meta_inputs",
    "reanalyse_published",
    "simulate_trial",
    "summarize_contrasts",
    "threshold_curve",
    "tidy_draws",
    "validate_summary",
    "write_summary",
]
