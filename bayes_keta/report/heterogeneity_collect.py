"""Collect the individual-response results of a report's fits, once (no figures, no text).

:func:`collect_heterogeneity` finds the fit whose model has individual effects (its builder
declares ``individual_effects``), computes its heterogeneity estimands, and compares it by
PSIS-LOO with a common-effect fit of the same data that keeps each subject's integrated
log-likelihood (the main spec ``daily`` when fitted). The report section
(:mod:`bayes_keta.report.sections.heterogeneity`) only selects and words what this returns.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bayes_keta.constants import DEFAULT_MAIN_SPEC
from bayes_keta.estimands import (
    HeterogeneityComparison,
    HeterogeneityResult,
    compare_heterogeneity,
    heterogeneity,
)
from bayes_keta.fitting.completion import SUBJECT_LOGLIK_GROUP
from bayes_keta.fitting.result import FitResult
from bayes_keta.models import capabilities

__all__ = ["HeterogeneityReport", "collect_heterogeneity"]


@dataclass(frozen=True)
class HeterogeneityReport:
    """What the individual-response section shows.

    Attributes
    ----------
    name : str
        The individual-effects fit (``daily_hte``).
    result : HeterogeneityResult
        Its estimands.
    common : str or None
        The common-effect fit it is compared with (None: none suitable was fitted).
    comparison : HeterogeneityComparison or None
        The comparison (None without a common-effect fit).
    """

    name: str
    result: HeterogeneityResult = field(repr=False)
    common: str | None = None
    comparison: HeterogeneityComparison | None = field(default=None, repr=False)


def collect_heterogeneity(fits: Mapping[str, FitResult]) -> HeterogeneityReport | None:
    """Heterogeneity estimands and the model comparison, or None without individual effects.

    Parameters
    ----------
    fits : mapping of spec name to FitResult
        The report's fits, in fitting order.

    Returns
    -------
    HeterogeneityReport or None
        For the first fit with individual effects; None when no fitted spec has them.

    Examples
    --------
    >>> collect_heterogeneity({}) is None
    True
    """
    flags = {name: capabilities(fit.spec).individual_effects for name, fit in fits.items()}
    individual = [name for name, flag in flags.items() if flag]
    if not individual:
        return None
    name = individual[0]
    result = heterogeneity(fits[name])
    common = [
        n
        for n, fit in fits.items()
        if not flags[n] and SUBJECT_LOGLIK_GROUP in fit.datatree.children
    ]
    if not common:
        return HeterogeneityReport(name, result)
    other = DEFAULT_MAIN_SPEC if DEFAULT_MAIN_SPEC in common else common[0]
    comparison = compare_heterogeneity(fits[other], fits[name], names=(other, name), tau=result)
    return HeterogeneityReport(name, result, other, comparison)
