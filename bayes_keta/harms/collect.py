"""What the report needs about harms, computed once (called by ``report/collect.py``)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from bayes_keta.data.adverse_events import has_adverse_events
from bayes_keta.data.trial import Trial
from bayes_keta.fitting import FitResult
from bayes_keta.harms.result import BenefitRiskResult
from bayes_keta.harms.run import benefit_risk, fit_adverse_events

__all__ = ["collect_benefit_risk"]


def collect_benefit_risk(
    fits: Mapping[str, FitResult],
    *,
    main: str,
    trial: Trial | None = None,
    adverse_events: FitResult | None = None,
    harm_weights: Iterable[float] | None = None,
    progress: Callable[[str], None] | None = None,
    gate: Mapping[str, float] | None = None,
) -> BenefitRiskResult | None:
    """Pair the report's main efficacy fit with an adverse-event fit: its benefit-risk result.

    Parameters
    ----------
    fits : mapping of str to FitResult
        The report's efficacy fits by spec name.
    main : str
        The main spec (its fit is paired with the adverse events).
    trial : Trial, optional
        The data; when it has an ``adverse_event`` column and no ``adverse_events`` fit is
        given, the adverse-event model is fitted here with the main fit's sampler settings.
    adverse_events : FitResult, optional
        An adverse-event fit of the same data, already made.
    harm_weights : iterable of float, optional
        The user's net-benefit weights (default: illustrative ones).
    progress : callable, optional
        Told each stage as it starts.
    gate : mapping, optional
        The report's gate thresholds, applied to both fits (:func:`benefit_risk`).

    Returns
    -------
    BenefitRiskResult or None
        None when there is nothing to say (no adverse-event data or fit). The adverse-event
        fit is in :attr:`BenefitRiskResult.adverse_events_fit` (for saving with the report).
    """
    efficacy = fits[main]
    if adverse_events is None:
        if trial is None or not has_adverse_events(trial):
            return None
        adverse_events = fit_adverse_events(trial, like=efficacy, progress=progress)
    result = benefit_risk(efficacy, adverse_events, harm_weights=harm_weights, gate=gate)
    return replace(result, adverse_events_fit=adverse_events)
