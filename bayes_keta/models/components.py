r"""Shared model pieces: coords, random effects, period, treatment curves, carryover, baseline.

Each function adds its variables to the current ``pm.Model`` context and returns tensors.
Index arrays and covariates enter as ``pm.Data`` (the same compiled model can take other data
of the same shapes).

Random effects come in three parameterisations (spec key ``parameterization``): the two below,
and ``"marginal"`` (Gaussian daily specs only), where they are integrated out in closed form
and recovered afterwards (:mod:`bayes_keta.models.marginal`):

* ``"centred"`` (hierarchical centring, Gelfand, Sahu & Carlin 1995): the subject means
  :math:`s_i \sim N(\mu, \sigma_u)` and the subject-period means
  :math:`c_{ip} \sim N(s_i + \pi_p + \bar\delta_k + \dots, \sigma_v)` are the parameters.
  With 35 diary days per cell the data pin each :math:`c_{ip}` down (SE ~0.3 points against
  :math:`\sigma_v` ~1.5), which is the regime where centring samples far better: on the
  embedded 20x3x35 trial NUTS needs ~7 leapfrog steps per draw instead of ~120 for the
  non-centred form (measured with nutpie 0.16.11).
* ``"noncentred"``: :math:`s_i = \mu + \sigma_u z_i`, :math:`c_{ip} = (\dots) + \sigma_v
  z_{ip}`, :math:`z \sim N(0, 1)`: better when the data per subject are weak (few days).

Either way ``subject_effect`` (:math:`s_i - \mu`) is exposed with dims ``subject``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_keta.data.trial import Trial
from bayes_keta.models.design import CellDesign
from bayes_keta.models.priors import prior_rv, zero_sum_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = [
    "cell_location",
    "cell_means",
    "model_coords",
    "period_effects",
    "subject_means",
    "treatment_curve",
    "TreatmentCurve",
]


def model_coords(trial: Trial, **extra: list) -> dict[str, list]:
    """Trial coords plus ``active``, ``period_rest`` and any extra dims (e.g. ``obs``)."""
    coords = dict(trial.coords)
    coords["active"] = list(trial.actives)
    coords["period_rest"] = list(trial.periods[1:])
    coords.update(extra)
    return coords


def subject_means(spec: ModelSpec, priors: Mapping[str, Prior], *, mu):
    """Subject means :math:`s_i` (centred on ``mu``, or ``mu + sigma_subject z_i``).

    ``mu`` may be 0 (ordinal: the cutpoints carry the location). Adds ``sigma_subject`` and
    the Deterministic ``subject_effect = s - mu``.
    """
    sigma = prior_rv("sigma_subject", "sigma_subject", priors["sigma_subject"])
    if spec.parameterization == "centred":
        means = pm.Normal("subject_mean", mu=mu, sigma=sigma, dims="subject")
    else:
        means = mu + sigma * pm.Normal("subject_z", 0.0, 1.0, dims="subject")
    pm.Deterministic("subject_effect", means - mu, dims="subject")
    return means


def cell_means(spec: ModelSpec, priors: Mapping[str, Prior], location):
    """Subject-period means ``c ~ N(location, sigma_subject_period)`` (dims ``cell``)."""
    sigma = prior_rv("sigma_subject_period", "sigma_subject_period", priors["sigma_subject_period"])
    if spec.parameterization == "centred":
        return pm.Normal("cell_mean", mu=location, sigma=sigma, dims="cell")
    return location + sigma * pm.Normal("cell_z", 0.0, 1.0, dims="cell")


def period_effects(spec: ModelSpec, priors: Mapping[str, Prior]):
    """Period effects: sum-to-zero (``ZeroSumNormal``) or period 1 as reference (0)."""
    prior = priors["period_effect"]
    if spec.period == "sum_to_zero":
        return zero_sum_rv("period_effect", "period_effect", prior, dims="period")
    rest = prior_rv("period_effect_rest", "period_effect", prior, dims="period_rest")
    return pm.Deterministic("period_effect", pt.concatenate([pt.zeros(1), rest]), dims="period")


@dataclass(frozen=True)
class TreatmentCurve:
    """Each treatment's effect by day after the infusion, and its mean over the days.

    Attributes
    ----------
    by_day : TensorVariable
        Shape (treatment, day); the reference row is 0.
    mean : TensorVariable
        Shape (treatment,): the mean over days 1..D (the constant effect itself, taken
        straight from ``treatment_effect``, so a constant-effect log density never builds
        the (treatment, day) broadcast and its gradient).
    varies : bool
        True when the effect changes over the days (``effect = "decay"``).
    """

    by_day: Any
    mean: Any
    varies: bool

    def deviation(self) -> Any:
        """Return the time-varying part ``by_day - mean`` (treatment, day)."""
        return self.by_day - self.mean[:, None]


def treatment_curve(spec: ModelSpec, priors: Mapping[str, Prior], n_days: int) -> TreatmentCurve:
    """Effect of each treatment on each day after infusion, and its mean over the days.

    Constant: ``delta_k(t) = treatment_effect_k``. Decay:
    ``delta_k(t) = a_k + b_k exp(-(t - 1) / tau_k)`` with ``effect_sustained`` a
    (prior role ``treatment_effect``), ``effect_transient`` b and ``tau``; then
    ``treatment_effect`` is the Deterministic mean of the curve over days 1..D. The reference
    row is 0.
    """
    if spec.effect == "constant":
        effect = prior_rv(
            "treatment_effect", "treatment_effect", priors["treatment_effect"], dims="active"
        )
        mean = pt.concatenate([pt.zeros(1), effect])
        return TreatmentCurve(mean[:, None] * pt.ones((1, n_days)), mean, varies=False)
    since = np.arange(n_days, dtype=float)[None, :]  # t - 1
    a = prior_rv("effect_sustained", "treatment_effect", priors["treatment_effect"], dims="active")
    b = prior_rv("effect_transient", "effect_transient", priors["effect_transient"], dims="active")
    tau = prior_rv("tau", "tau", priors["tau"], dims="active")
    active = a[:, None] + b[:, None] * pt.exp(-since / tau[:, None])
    pm.Deterministic("treatment_effect", active.mean(axis=1), dims="active")
    by_day = pt.concatenate([pt.zeros((1, n_days)), active], axis=0)
    return TreatmentCurve(by_day, by_day.mean(axis=1), varies=True)


def cell_location(
    spec: ModelSpec,
    priors: Mapping[str, Prior],
    cells: CellDesign,
    *,
    subject,
    period,
    treatment,
):
    """Return each cell's expected level: subject + period + treatment [+ carryover, baseline].

    ``treatment`` is a length-T vector (the treatment's mean effect over the days). Carryover:
    ``carryover_effect[k]`` of the previous period's active treatment k (0 in period 1 and
    after the reference). Baseline: ``baseline_slope * (baseline_pain - mean)``.
    Returns ``(location, cell_treatment_idx)``.
    """
    s_idx = pm.Data("cell_subject_idx", cells.subject_idx, dims="cell")
    p_idx = pm.Data("cell_period_idx", cells.period_idx, dims="cell")
    k_idx = pm.Data("cell_treatment_idx", cells.treatment_idx, dims="cell")
    location = subject[s_idx] + period[p_idx] + treatment[k_idx]
    if spec.carryover:
        carry = prior_rv(
            "carryover_effect", "carryover_effect", priors["carryover_effect"], dims="active"
        )
        c_idx = pm.Data("cell_carry_idx", cells.carry_idx, dims="cell")
        location = location + pt.concatenate([pt.zeros(1), carry])[c_idx]
    if spec.baseline:
        slope = prior_rv("baseline_slope", "baseline_slope", priors["baseline_slope"])
        base = pm.Data("cell_baseline", cells.baseline, dims="cell")
        location = location + slope * base
    return location, k_idx
