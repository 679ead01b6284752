r"""Daily pain as an ordered category (0..10): cumulative-logit (proportional odds) model.

.. math::

    s_i &\sim N(0, \sigma_u),\qquad
    c_{ip} \sim N(s_i + \pi_p + \bar\delta_k [+ \gamma] [+ \beta x], \sigma_v) \\
    \eta_{ipt} &= c_{ip} + \delta_k(t) - \bar\delta_k \\
    P(y_{ipt} \le j) &= \operatorname{logit}^{-1}(\kappa_j - \eta_{ipt}),\quad j = 0..9,
    \quad \kappa_0 < \dots < \kappa_9

The latent predictor is the daily model's without intercept and noise (the ordered cutpoints
:math:`\kappa` carry the location; the logistic error the day-to-day noise). Effects are on
the latent logit scale: a negative ``treatment_effect`` lowers the odds of higher pain
(cumulative log-odds ratio). Priors written in NRS points (effects, SDs) are multiplied by the
spec's ``latent_scale`` (default 1.5 logit units per point: a logistic residual has SD
:math:`\pi/\sqrt 3 = 1.81` logits, matching a day-to-day SD of about 1.2 NRS points).

``arm_mean[k, t] = E[Y] = sum_{j=0}^{9} P(Y > j)`` at :math:`\eta = \bar\pi + \delta_k(t)`
(a typical subject: random effects 0, periods averaged, no carryover, baseline at its mean).
"""

from __future__ import annotations

from collections.abc import Mapping

import pymc as pm

from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.design import cell_design, obs_design
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["THRESHOLDS", "build_ordinal"]

#: Labels of the 10 cutpoints between the 11 NRS categories.
THRESHOLDS: list[str] = [f"{j}|{j + 1}" for j in range(10)]


def build_ordinal(trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]) -> pm.Model:
    """Build the cumulative-logit model (see the module docstring).

    Raises
    ------
    SpecError
        Pain scores that are not integers 0..10.
    """
    obs = obs_design(trial, integer=True)
    cells = cell_design(trial, baseline=spec.baseline)
    coords = comp.model_coords(
        trial,
        cell=list(range(len(cells.subject_idx))),
        obs=list(range(len(obs.pain))),
        threshold=THRESHOLDS,
    )
    with pm.Model(coords=coords) as model:
        period = comp.period_effects(spec, priors)
        curve = comp.treatment_curve(spec, priors, trial.n_days)
        curve_bar = curve.mean(axis=1)
        subject = comp.subject_means(spec, priors, mu=0.0)
        location, treat = comp.cell_location(
            spec, priors, cells, subject=subject, period=period, treatment=curve_bar
        )
        level = comp.cell_means(spec, priors, location)
        cell_idx = pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        day_idx = pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        eta = level[cell_idx] + (curve - curve_bar[:, None])[treat[cell_idx], day_idx]
        cutpoints = prior_rv(
            "cutpoints",
            "cutpoints",
            priors["cutpoints"],
            dims="threshold",
            transform=pm.distributions.transforms.ordered,
        )
        typical = period.mean() + curve  # (treatment, day)
        exceed = 1.0 - pm.math.sigmoid(cutpoints[None, None, :] - typical[:, :, None])
        pm.Deterministic("arm_mean", exceed.sum(axis=-1), dims=("treatment", "day"))
        pain = pm.Data("pain_data", obs.pain.astype("int64"), dims="obs")
        pm.OrderedLogistic(
            "pain", eta=eta, cutpoints=cutpoints, observed=pain, compute_p=False, dims="obs"
        )
    return model
