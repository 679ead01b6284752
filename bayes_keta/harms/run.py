"""Fit the adverse-event model beside an efficacy fit and pair the two into benefit-risk.

:func:`fit_adverse_events` fits ``models/adverse_events.toml`` through the one pipeline
(:func:`bayes_keta.fit`), with the efficacy fit's sampler settings when given one;
:func:`benefit_risk` pairs an efficacy fit and an adverse-event fit of the same data draw by
draw (:func:`bayes_keta.estimands.harms.pair_draws`) into a
:class:`~bayes_keta.harms.result.BenefitRiskResult`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from bayes_keta import checks
from bayes_keta.constants import AE_MARGIN, AE_MARGINS, AE_SPEC, HARM_WEIGHTS
from bayes_keta.data.adverse_events import AE_COLUMN, has_adverse_events
from bayes_keta.data.trial import Trial
from bayes_keta.estimands.harms import (
    arm_risk_table,
    benefit_risk_table,
    net_benefit_table,
    pair_draws,
    quadrants,
    risk_contrast_draws,
    risk_contrast_table,
)
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.fitting import FitResult, fit
from bayes_keta.fitting.harms import adverse_events_block, is_harm_fit
from bayes_keta.harms.result import CURVE_MARGINS, BenefitRiskResult

__all__ = ["adverse_event_fit_options", "benefit_risk", "fit_adverse_events", "plane_threshold"]

#: Settings of an efficacy fit an adverse-event fit beside it reuses.
_SHARED = ("draws", "tune", "chains", "seed", "sampler", "cores")


def fit_adverse_events(
    trial: Trial,
    *,
    like: FitResult | None = None,
    spec: str = AE_SPEC,
    progress: Callable[[str], None] | None = None,
    **options: Any,
) -> FitResult:
    """Fit the adverse-event model to a trial with an ``adverse_event`` column.

    Parameters
    ----------
    trial : Trial
        The data (the same trial as the efficacy fit it will be paired with).
    like : FitResult, optional
        An efficacy fit whose draws, tuning steps, chains, seed, sampler and cores to reuse
        (same chains x draws: the two are paired draw by draw).
    spec : str
        The harm spec (default ``models/adverse_events.toml``).
    progress : callable, optional
        Told each stage as it starts.
    **options
        Other :func:`bayes_keta.fit` options (they override ``like``'s).

    Returns
    -------
    FitResult
        With ``ae_risk`` (treatment) in its posterior; its own diagnostics verdict.

    Raises
    ------
    DataError
        The trial has no adverse-event values.
    SpecError
        ``spec`` is not a harm spec.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=12, n_days=5, seed=1))
    >>> ae = fit_adverse_events(trial, draws=200, tune=200, chains=2)  # doctest: +SKIP
    >>> ae.datatree.posterior["ae_risk"].dims  # doctest: +SKIP
    ('chain', 'draw', 'treatment')
    """
    return fit(
        **adverse_event_fit_options(trial, like=like, spec=spec, **options), progress=progress
    )


def adverse_event_fit_options(
    trial: Trial, *, like: FitResult | None = None, spec: str = AE_SPEC, **options: Any
) -> dict[str, Any]:
    """Return the :func:`bayes_keta.fit` keywords of :func:`fit_adverse_events` (checked).

    Raises
    ------
    DataError
        The trial has no adverse-event values.
    SpecError
        ``spec`` is not a harm spec.
    """
    if not has_adverse_events(trial):
        raise DataError(f"trial {trial.name!r} has no {AE_COLUMN!r} values to model")
    from bayes_keta.models import capabilities

    if capabilities(spec).endpoint != "harm":
        raise SpecError(f"{spec!r} is not an adverse-event (harm) spec")
    settings: dict[str, Any] = {}
    if like is not None:
        run = like.settings
        settings = {k: getattr(run, k) for k in _SHARED if getattr(run, k, None) is not None}
    settings.update(options)
    return {"trial": trial, "spec": spec, **settings}


def plane_threshold(thresholds: Sequence[float]) -> float:
    """Return the benefit threshold drawn on the plane: the middle declared one (NRS: 1).

    Examples
    --------
    >>> plane_threshold((0.5, 1.0, 2.0)), plane_threshold(())
    (1.0, 0.0)
    """
    ordered = sorted(float(t) for t in thresholds)
    return ordered[(len(ordered) - 1) // 2] if ordered else 0.0


def _checked(values: Iterable[float], rule: checks.Real, name: str) -> tuple[float, ...]:
    out = tuple(rule.check(v, name) for v in values)
    if not out:
        raise SpecError(f"{name}: give at least one value")
    return tuple(sorted(set(out)))


def benefit_risk(
    efficacy: FitResult,
    adverse_events: FitResult,
    *,
    margins: Iterable[float] = AE_MARGINS,
    harm_weights: Iterable[float] | None = None,
    margin: float = AE_MARGIN,
    threshold: float | None = None,
    gate: Mapping[str, float] | None = None,
) -> BenefitRiskResult:
    """Benefit and harm on one posterior, from an efficacy fit and an adverse-event fit.

    Parameters
    ----------
    efficacy : FitResult
        A fit of an efficacy spec; its ``mean_daily_difference`` draws (signed by the
        outcome so that > 0 is benefit, in the outcome's units) are the benefit.
    adverse_events : FitResult
        A fit of the adverse-event spec to the same data, with the same chains x draws.
    margins : iterable of float
        Margins of excess risk (risk difference vs the reference) for the joint table.
    harm_weights : iterable of float, optional
        Weights of the net benefit (outcome units per unit of risk). Default: the
        illustrative :data:`~bayes_keta.constants.HARM_WEIGHTS`, flagged as not the user's.
    margin, threshold : float, optional
        The pair drawn on the plane and worded (defaults: 0.1 and the middle declared
        threshold); both are added to the grids.
    gate : mapping, optional
        Diagnostics gate thresholds (``rhat_max``, ``ess_min``, ``bfmi_min``) both fits are
        judged by, e.g. a report's; default: each fit's own (:attr:`FitResult.verdict`).

    Returns
    -------
    BenefitRiskResult

    Raises
    ------
    DataError
        The fits are of different data or references, or cannot be paired.
    SpecError
        Margins, weights or threshold out of range; the fits' endpoints swapped.
    """
    if is_harm_fit(efficacy) or not is_harm_fit(adverse_events):
        raise SpecError(
            "benefit_risk(efficacy, adverse_events): give an efficacy fit first and an"
            " adverse-event fit second"
        )
    if efficacy.record.data.sha256 != adverse_events.record.data.sha256:
        raise DataError(
            "the efficacy and adverse-event fits were made from different data"
            f" ({efficacy.record.data.name!r} vs {adverse_events.record.data.name!r}): their"
            " draws cannot be paired"
        )
    if efficacy.reference != adverse_events.reference:
        raise DataError(
            f"the fits have different references ({efficacy.reference!r} vs"
            f" {adverse_events.reference!r})"
        )
    outcome = efficacy.outcome
    checks.AE_MARGIN.check(margin, "margin")
    plane_t = plane_threshold(outcome.thresholds) if threshold is None else threshold
    checks.BENEFIT_SIZE.check(plane_t, "threshold")
    margin_grid = _checked([*margins, margin], checks.AE_MARGIN, "ae margin")
    user = harm_weights is not None
    weights = _checked(
        HARM_WEIGHTS if harm_weights is None else harm_weights, checks.HARM_WEIGHT, "harm weight"
    )
    thresholds = tuple(sorted({0.0, plane_t, *(float(t) for t in outcome.thresholds)}))

    effect = efficacy.contrast_draws()["mean_daily_difference"] * outcome.benefit_sign
    rd = risk_contrast_draws(adverse_events.datatree, reference=efficacy.reference)
    benefit, risk = pair_draws(effect, rd["risk_difference"])
    plane = []
    for label in risk["contrast"].values:
        q = quadrants(
            benefit.sel(contrast=label).values,
            risk.sel(contrast=label).values,
            threshold=plane_t,
            margin=margin,
        )
        one = risk.sel(contrast=label)
        plane.append(
            {"active": str(one["active"].values), "reference": str(one["reference"].values), **q}
        )
    ae_verdict = adverse_events.diagnostics(**gate) if gate else adverse_events.verdict
    efficacy_verdict = efficacy.diagnostics(**gate) if gate else efficacy.verdict
    return BenefitRiskResult(
        arms=arm_risk_table(adverse_events.datatree),
        risk_contrasts=risk_contrast_table(adverse_events.datatree, reference=efficacy.reference),
        joint=benefit_risk_table(benefit, risk, thresholds=thresholds, margins=margin_grid),
        net_benefit=net_benefit_table(benefit, risk, weights=weights),
        plane=pd.DataFrame(plane),
        curve=benefit_risk_table(benefit, risk, thresholds=thresholds, margins=CURVE_MARGINS),
        benefit=benefit,
        risk_difference=risk,
        outcome=outcome,
        thresholds=thresholds,
        margins=margin_grid,
        weights=weights,
        threshold=float(plane_t),
        margin=float(margin),
        user_weight=user,
        efficacy_model=efficacy.record.model.name,
        adverse_events_model=adverse_events.record.model.name,
        efficacy_passed=bool(efficacy_verdict.passed),
        adverse_events_passed=bool(ae_verdict.passed),
        adverse_events_failures=tuple(str(f) for f in ae_verdict.failures),
        adverse_events_block=adverse_events_block(adverse_events, diagnostics=ae_verdict),
        synthetic=bool(efficacy.synthetic),
    )
