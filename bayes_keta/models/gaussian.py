r"""Daily-pain models with a Gaussian or Student-t likelihood (iid or AR(1) residuals).

Generative model (subject :math:`i`, period :math:`p`, day :math:`t = 1..D`, treatment
:math:`k = k(i,p)` with the reference's effect 0, :math:`\bar\delta_k` the mean of
:math:`\delta_k(t)` over the D days):

.. math::

    s_i &\sim N(\mu, \sigma_u) \\
    c_{ip} &\sim N(s_i + \pi_p + \bar\delta_k [+ \gamma_{k(i,p-1)}]
                   [+ \beta (x_{ip} - \bar x)], \sigma_v) \\
    m_{ipt} &= c_{ip} + \delta_k(t) - \bar\delta_k \\
    y_{ipt} &= m_{ipt} + e_{ipt}

i.e. :math:`y = \mu + u_i + v_{ip} + \pi_p + \delta_k(t) + e` with subject and
subject-by-period random intercepts (parameterisation: see
:mod:`bayes_keta.models.components`; with ``"marginal"`` this builder gives the
observation-level twin of :mod:`bayes_keta.models.marginal`); :math:`\pi` sums to zero (or
:math:`\pi_1 = 0`).

``iid``: :math:`e_{ipt} \sim N(0, \sigma)` (or Student-t with :math:`\nu`). ``ar1``: the
residual is stationary AR(1) within a subject-period, :math:`\mathrm{corr}(e_t, e_{t-g}) =
\phi^g`, marginal SD :math:`\sigma`. The likelihood is the exact product of conditionals over
the *observed* days: the first observed day :math:`e \sim N(0, \sigma)`, each later one given
the previous observed day g days earlier :math:`e_t \mid e_{t-g} \sim N(\phi^g e_{t-g},
\sigma\sqrt{1-\phi^{2g}})` (by the Markov property this is the exact joint density, gaps
included). The pointwise log-likelihood of ``pain`` is then the conditional one (LOO becomes
a one-step-ahead criterion), and the posterior predictive is one-step-ahead given the observed
previous day.

``arm_mean[k, t] = mu + mean_p(pi_p) + delta_k(t)``: a typical subject (random effects 0, no
carryover, baseline at its mean).
"""

from __future__ import annotations

from collections.abc import Mapping

import pymc as pm
import pytensor.tensor as pt

from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.design import cell_design, obs_design
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["build_daily"]


def build_daily(trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]) -> pm.Model:
    """Build the daily Gaussian / Student-t model (iid or AR(1)); see the module docstring.

    Parameters
    ----------
    trial : Trial
        The data.
    spec : ModelSpec
        ``outcome = "daily"``, ``likelihood`` normal or student_t.
    priors : mapping of str to Prior
        Resolved priors on the model's scale (:func:`bayes_keta.models.priors.scaled_priors`).

    Returns
    -------
    pymc.Model
    """
    cells = cell_design(trial, baseline=spec.baseline)
    obs = obs_design(trial)
    coords = comp.model_coords(
        trial, cell=list(range(len(cells.subject_idx))), obs=list(range(len(obs.pain)))
    )
    with pm.Model(coords=coords) as model:
        mu = prior_rv("mu", "intercept", priors["intercept"])
        period = comp.period_effects(spec, priors)
        curve = comp.treatment_curve(spec, priors, trial.n_days)
        subject = comp.subject_means(spec, priors, mu=mu)
        location, treat = comp.cell_location(
            spec, priors, cells, subject=subject, period=period, treatment=curve.mean
        )
        level = comp.cell_means(spec, priors, location)
        cell_idx = pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        day_idx = pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        mean = level[cell_idx]
        if curve.varies:
            mean = mean + curve.deviation()[treat[cell_idx], day_idx]
        pm.Deterministic("arm_mean", mu + period.mean() + curve.by_day, dims=("treatment", "day"))
        sigma = prior_rv("sigma", "sigma", priors["sigma"])
        pain = pm.Data("pain_data", obs.pain, dims="obs")
        scale = sigma
        if spec.residual == "ar1":
            mean, scale = _ar1_conditional(priors, obs, pain, mean, sigma)
        if spec.likelihood == "student_t":
            nu = prior_rv("nu", "nu", priors["nu"])
            pm.StudentT("pain", nu=nu, mu=mean, sigma=scale, observed=pain, dims="obs")
        else:
            pm.Normal("pain", mu=mean, sigma=scale, observed=pain, dims="obs")
    return model


def _ar1_conditional(priors, obs, pain, mean, sigma):
    """Conditional mean and sd of each observed day given the previous observed day."""
    phi = prior_rv("phi", "phi", priors["phi"])
    prev = pm.Data("obs_prev", obs.prev, dims="obs")
    gap = pm.Data("obs_gap", obs.gap, dims="obs")
    has_prev = pt.ge(prev, 0)
    resid = pain - mean
    phi_gap = phi**gap
    cond_mean = mean + pt.switch(has_prev, phi_gap * resid[pt.maximum(prev, 0)], 0.0)
    cond_sd = sigma * pt.sqrt(pt.switch(has_prev, 1.0 - phi_gap**2, 1.0))
    return cond_mean, cond_sd
