r"""Readings as ordered categories (0..10 on the NRS): cumulative-logit (proportional odds) model.

.. math::

    s_i &\sim N(0, \sigma_u),\qquad
    c_{ip} \sim N(s_i + \pi_p + \bar\delta_k [+ \gamma] [+ \beta x], \sigma_v) \\
    \eta_{ipt} &= c_{ip} + \delta_k(t) - \bar\delta_k \\
    P(y_{ipt} \le j) &= \operatorname{logit}^{-1}(\kappa_j - \eta_{ipt}),\quad j = 0..K-1,
    \quad \kappa_0 < \dots < \kappa_{K-1}

The latent predictor is the daily model's without intercept and noise (the ordered cutpoints
:math:`\kappa` carry the location; the logistic error the day-to-day noise). Effects are on
the latent logit scale: a negative ``treatment_effect`` lowers the odds of higher pain
(cumulative log-odds ratio). Priors written in NRS points (effects, SDs) are multiplied by the
spec's ``latent_scale`` (default 1.5 logit units per point: a logistic residual has SD
:math:`\pi/\sqrt 3 = 1.81` logits, matching a day-to-day SD of about 1.2 NRS points).

``arm_mean[k, t] = E[Y] = lower + sum_{j=0}^{K-1} P(Y > lower + j)`` at
:math:`\eta = \bar\pi + \delta_k(t)` (a typical subject: random effects 0, periods averaged,
no carryover, baseline at its mean). The outcome's categories are its declared integer
bounds, ``lower..upper`` (``K = upper - lower`` cutpoints; 10 on the 0-10 NRS).
"""

from __future__ import annotations

from collections.abc import Mapping

import pymc as pm

from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import SpecError
from bayes_keta.models import components as comp
from bayes_keta.models.design import cell_design, obs_design, ordinal_categories
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["THRESHOLDS", "build_ordinal", "threshold_labels"]


def threshold_labels(lower: int, n_cutpoints: int) -> list[str]:
    """Labels of the cutpoints between consecutive categories.

    Examples
    --------
    >>> threshold_labels(0, 3)
    ['0|1', '1|2', '2|3']
    """
    return [f"{lower + j}|{lower + j + 1}" for j in range(n_cutpoints)]


#: Labels of the 10 cutpoints between the 11 NRS categories.
THRESHOLDS: list[str] = threshold_labels(0, 10)


def build_ordinal(trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]) -> pm.Model:
    """Build the cumulative-logit model (see the module docstring).

    Raises
    ------
    SpecError
        An outcome that is not integer with a small declared range, readings that are not
        integers, or a cutpoints prior of another length.
    """
    obs = obs_design(trial, integer=True)
    cells = cell_design(trial, baseline=spec.baseline)
    n_cut = int(ordinal_categories(trial) or 11) - 1
    mu = priors["cutpoints"].params["mu"]
    if isinstance(mu, tuple) and len(mu) != n_cut:
        raise SpecError(
            f"the cutpoints prior has {len(mu)} values; {trial.outcome.label!r} needs {n_cut}"
            " (one between each pair of consecutive categories)"
        )
    lower = float(trial.outcome.lower or 0.0)
    coords = comp.model_coords(
        trial,
        cell=list(range(len(cells.subject_idx))),
        obs=list(range(len(obs.pain))),
        threshold=threshold_labels(int(lower), n_cut),
    )
    with pm.Model(coords=coords) as model:
        period = comp.period_effects(spec, priors)
        curve = comp.treatment_curve(spec, priors, trial.n_days)
        subject = comp.subject_means(spec, priors, mu=0.0)
        location, treat = comp.cell_location(
            spec, priors, cells, subject=subject, period=period, treatment=curve.mean
        )
        level = comp.cell_means(spec, priors, location)
        cell_idx = pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        day_idx = pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        eta = level[cell_idx]
        if curve.varies:
            eta = eta + curve.deviation()[treat[cell_idx], day_idx]
        cutpoints = prior_rv(
            "cutpoints",
            "cutpoints",
            priors["cutpoints"],
            dims="threshold",
            transform=pm.distributions.transforms.ordered,
        )
        typical = period.mean() + curve.by_day  # (treatment, day)
        exceed = 1.0 - pm.math.sigmoid(cutpoints[None, None, :] - typical[:, :, None])
        pm.Deterministic("arm_mean", lower + exceed.sum(axis=-1), dims=("treatment", "day"))
        pain = pm.Data("pain_data", obs.pain.astype("int64"), dims="obs")
        pm.OrderedLogistic(
            "pain", eta=eta, cutpoints=cutpoints, observed=pain, compute_p=False, dims="obs"
        )
    return model
