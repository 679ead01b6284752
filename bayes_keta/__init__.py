"""bayes_keta: a Bayesian reanalysis workbench for crossover pain trials.

The notebook API is exactly what ``__all__`` lists.
"""

from __future__ import annotations

# First, before anything else: a quiet Ctrl-C when run as the bayes-keta script.
import bayes_keta._script_signals  # noqa: F401  (isort: skip)
import importlib
from typing import TYPE_CHECKING, Any

from bayes_keta._version import __version__

#: Where each public name lives; imported on first use (PEP 562), so ``import bayes_keta``
#: and the command line's ``--help`` stay fast and load PyMC only when a name needs it.
_LAZY: dict[str, str] = {
    "AssuranceResult": "bayes_keta.planning",
    "assurance": "bayes_keta.planning",
    "plot_assurance": "bayes_keta.plots",
    "plots": "bayes_keta.plots",
    "plot_individual_effects": "bayes_keta.plots.heterogeneity",
    "plot_responder_curve": "bayes_keta.plots.heterogeneity",
    "plot_tau_prior_posterior": "bayes_keta.plots.heterogeneity",
    "DesignSummary": "bayes_keta.data.design",
    "design_summary": "bayes_keta.data.design",
    "ketapain_synthetic": "bayes_keta.data.embedded",
    "load_trial": "bayes_keta.data.load",
    "PublishedResults": "bayes_keta.data.published",
    "ketapain_published": "bayes_keta.data.published",
    "simulate_trial": "bayes_keta.data.simulate",
    "Trial": "bayes_keta.data.trial",
    "Diagnostics": "bayes_keta.diagnostics",
    "diagnose": "bayes_keta.diagnostics",
    "ContrastSummary": "bayes_keta.estimands",
    "HeterogeneityComparison": "bayes_keta.estimands",
    "HeterogeneityResult": "bayes_keta.estimands",
    "compare_heterogeneity": "bayes_keta.estimands",
    "heterogeneity": "bayes_keta.estimands",
    "by_day": "bayes_keta.estimands",
    "contrast_draws": "bayes_keta.estimands",
    "contrast_table": "bayes_keta.estimands",
    "summarize_contrasts": "bayes_keta.estimands",
    "threshold_curve": "bayes_keta.estimands",
    "BayesKetaError": "bayes_keta.exceptions",
    "ConvergenceError": "bayes_keta.exceptions",
    "DiagnosticsWarning": "bayes_keta.exceptions",
    "DataError": "bayes_keta.exceptions",
    "OutputError": "bayes_keta.exceptions",
    "SpecError": "bayes_keta.exceptions",
    "export": "bayes_keta.export",
    "export_fit": "bayes_keta.export",
    "meta_summary": "bayes_keta.export",
    "read_export": "bayes_keta.export",
    "tidy_draws": "bayes_keta.export",
    "FitRecord": "bayes_keta.fitting",
    "FitResult": "bayes_keta.fitting",
    "Fitter": "bayes_keta.fitting",
    "SamplerSettings": "bayes_keta.fitting",
    "fit": "bayes_keta.fitting",
    "load_fit": "bayes_keta.fitting",
    "MetaAnalysisResult": "bayes_keta.meta",
    "meta_analysis": "bayes_keta.meta",
    "read_meta_inputs": "bayes_keta.meta",
    "build_model": "bayes_keta.models",
    "Outcome": "bayes_keta.outcome",
    "PublishedReanalysis": "bayes_keta.published",
    "reanalyse_published": "bayes_keta.published",
    "load_spec": "bayes_keta.spec",
    "build_summary": "bayes_keta.summary",
    "validate_summary": "bayes_keta.summary",
    "write_summary": "bayes_keta.summary",
    "SweepResult": "bayes_keta.sweep",
    "load_grid": "bayes_keta.sweep",
    "prior_sweep": "bayes_keta.sweep",
    "posterior_predictive_checks": "bayes_keta.report.ppc",
    "BenefitRiskResult": "bayes_keta.harms",
    "benefit_risk": "bayes_keta.harms",
    "fit_adverse_events": "bayes_keta.harms",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from bayes_keta import export, plots
    from bayes_keta.data.design import DesignSummary, design_summary
    from bayes_keta.data.embedded import ketapain_synthetic
    from bayes_keta.data.load import load_trial
    from bayes_keta.data.published import PublishedResults, ketapain_published
    from bayes_keta.data.simulate import simulate_trial
    from bayes_keta.data.trial import Trial
    from bayes_keta.diagnostics import Diagnostics, diagnose
    from bayes_keta.estimands import (
        ContrastSummary,
        HeterogeneityComparison,
        HeterogeneityResult,
        by_day,
        compare_heterogeneity,
        contrast_draws,
        contrast_table,
        heterogeneity,
        summarize_contrasts,
        threshold_curve,
    )
    from bayes_keta.exceptions import (
        BayesKetaError,
        ConvergenceError,
        DataError,
        DiagnosticsWarning,
        OutputError,
        SpecError,
    )
    from bayes_keta.export import export_fit, meta_summary, read_export, tidy_draws
    from bayes_keta.fitting import FitRecord, FitResult, Fitter, SamplerSettings, fit, load_fit
    from bayes_keta.harms import BenefitRiskResult, benefit_risk, fit_adverse_events
    from bayes_keta.meta import MetaAnalysisResult, meta_analysis, read_meta_inputs
    from bayes_keta.models import build_model
    from bayes_keta.outcome import Outcome
    from bayes_keta.planning import AssuranceResult, assurance
    from bayes_keta.plots import plot_assurance
    from bayes_keta.plots.heterogeneity import (
        plot_individual_effects,
        plot_responder_curve,
        plot_tau_prior_posterior,
    )
    from bayes_keta.published import PublishedReanalysis, reanalyse_published
    from bayes_keta.report.ppc import posterior_predictive_checks
    from bayes_keta.spec import load_spec
    from bayes_keta.summary import build_summary, validate_summary, write_summary
    from bayes_keta.sweep import SweepResult, load_grid, prior_sweep

__all__ = [
    "__version__",
    "AssuranceResult",
    "BayesKetaError",
    "BenefitRiskResult",
    "ConvergenceError",
    "ContrastSummary",
    "DataError",
    "DiagnosticsWarning",
    "DesignSummary",
    "FitRecord",
    "FitResult",
    "Fitter",
    "HeterogeneityComparison",
    "HeterogeneityResult",
    "Diagnostics",
    "MetaAnalysisResult",
    "Outcome",
    "OutputError",
    "PublishedReanalysis",
    "PublishedResults",
    "SamplerSettings",
    "SpecError",
    "SweepResult",
    "Trial",
    "assurance",
    "benefit_risk",
    "build_model",
    "build_summary",
    "by_day",
    "compare_heterogeneity",
    "contrast_draws",
    "contrast_table",
    "design_summary",
    "diagnose",
    "export",
    "export_fit",
    "fit",
    "fit_adverse_events",
    "heterogeneity",
    "ketapain_published",
    "ketapain_synthetic",
    "load_trial",
    "load_fit",
    "load_grid",
    "load_spec",
    "meta_analysis",
    "prior_sweep",
    "meta_summary",
    "plot_assurance",
    "plots",
    "posterior_predictive_checks",
    "plot_individual_effects",
    "plot_responder_curve",
    "plot_tau_prior_posterior",
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


def __getattr__(name: str) -> Any:
    """Import a public name from its submodule on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bayes_keta' has no attribute {name!r}")
    imported = importlib.import_module(module)
    value = imported if module == f"{__name__}.{name}" else getattr(imported, name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__() -> list[str]:
    """Public names and the module's own attributes (``dir(bayes_keta)``)."""
    return sorted(set(globals()) | set(__all__))
