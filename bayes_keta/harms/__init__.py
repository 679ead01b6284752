"""Benefit and harm together: the adverse-event fit beside an efficacy fit, and their pairing.

``run`` (fit the adverse-event model, pair two fits into a :class:`BenefitRiskResult`),
``result`` (the result: tables, paired draws, text, summary blocks), ``io`` (an efficacy fit
saved with its adverse-event fit), ``collect`` (what the report needs). The estimands are pure
functions of draws in :mod:`bayes_keta.estimands.harms`; the model is
:mod:`bayes_keta.models.adverse_events`.
"""

from bayes_keta.harms.collect import collect_benefit_risk
from bayes_keta.harms.io import (
    AE_FOLDER,
    check_pair_outputs,
    load_adverse_events,
    save_with_adverse_events,
)
from bayes_keta.harms.result import PAIRING, BenefitRiskResult
from bayes_keta.harms.run import (
    adverse_event_fit_options,
    benefit_risk,
    fit_adverse_events,
    plane_threshold,
)

__all__ = [
    "AE_FOLDER",
    "PAIRING",
    "BenefitRiskResult",
    "adverse_event_fit_options",
    "benefit_risk",
    "check_pair_outputs",
    "collect_benefit_risk",
    "fit_adverse_events",
    "load_adverse_events",
    "plane_threshold",
    "save_with_adverse_events",
]
