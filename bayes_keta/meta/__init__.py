"""Bayesian random-effects meta-analysis of trial-level estimates.

Inputs in :mod:`~bayes_keta.meta.inputs`, model and fit in :mod:`~bayes_keta.meta.model`,
forest plot :func:`bayes_keta.plots.meta_forest`.
"""

from __future__ import annotations

from bayes_keta.meta.inputs import MetaInputs, meta_inputs_from_frame, read_meta_inputs
from bayes_keta.meta.model import MetaAnalysisResult, build_meta_model, meta_analysis

__all__ = [
    "MetaAnalysisResult",
    "MetaInputs",
    "build_meta_model",
    "meta_analysis",
    "meta_inputs_from_frame",
    "read_meta_inputs",
]
