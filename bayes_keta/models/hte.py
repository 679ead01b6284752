r"""Daily Gaussian model with individual treatment effects (heterogeneity of treatment effect).

Spec key ``individual_effects = true`` (``models/daily_hte.toml``). The daily model of
:mod:`bayes_keta.models.gaussian` plus, for each subject :math:`i` and active treatment
:math:`a`, a deviation :math:`b_{ia}` of the subject's own effect from the mean effect
:math:`\delta_a` (the reference has none):

.. math::

    c_{ip} &\sim N(s_i + \pi_p + \delta_k + b_{ik} [+ \dots], \sigma_v), \quad b_{i,ref} = 0 \\
    b_i &\sim N_K(0, \Sigma_b), \quad \Sigma_b = \mathrm{diag}(\tau) R\, \mathrm{diag}(\tau),
    \quad R \sim \mathrm{LKJ}(\eta) \ (K \ge 2)

so ``individual_effect[i, a]`` :math:`= \delta_a + b_{ia}` is subject i's own expected
difference between active a and the reference (subject-by-period wobble :math:`v` and
day-to-day noise aside), and :math:`\tau_a` (``sigma_individual``) the SD of those effects
in the population.

**What NUTS samples** (:func:`build_hte_marginal`): every random effect is integrated out. The
within-cell sufficient statistics of :mod:`bayes_keta.models.marginal` give each observed cell
an estimate :math:`e_j = B_j/A_j \sim N(s_i + f_j + b_{i,k_j}, d_j)`,
:math:`d_j = \sigma_v^2 + 1/A_j`. With :math:`\eta_i = (u_i, b_i) \sim N(0, C)`,
:math:`C = L_C L_C^T`, :math:`L_C = \mathrm{blockdiag}(\sigma_u, \mathrm{diag}(\tau) L_R)`, a
subject's cell residuals :math:`r = e - \mu - f` are :math:`N(0, D + U C U^T)` with
:math:`U_j = (1, \text{one-hot}(k_j))` (:math:`q = 1 + K` columns): by the matrix determinant
lemma and the Woodbury identity with :math:`V = U L_C`,

.. math::

    \log|\Sigma_i| = \textstyle\sum_j \log d_j + \log|I + G_i|, \quad
    r^T\Sigma_i^{-1}r = \textstyle\sum_j w_j r_j^2 - g_i^T (I + G_i)^{-1} g_i,

:math:`G_i = L_C^T M_i L_C`, :math:`M_i = U^T D^{-1} U`, :math:`g_i = L_C^T U^T D^{-1} r`,
:math:`w = 1/d`. The core :math:`I + G_i` is :math:`q \times q` whatever the number of periods
(an N-of-1 series of 8 periods costs what a 3-period crossover does), a missing cell simply
weighs 0, and its eigenvalues are at least 1, so it stays well conditioned however small
:math:`\tau` gets (a form with :math:`C^{-1}` would not). Its Cholesky factor, batched over
subjects, is written out entry by entry (q is small), so the log density is plain elementwise
arithmetic with an exact gradient. No funnel between an SD and its effects remains.

The effects are put back after sampling exactly
(:func:`bayes_keta.fitting.completion.complete_random_effects`): :math:`\eta_i` from its
conditional normal given the draw and the data, then the cell means.
:func:`build_hte_twin` is the observation-level model (centred random effects, correlated
individual effects as ``individual_deviation``) for the prior, the posterior predictive and the
pointwise log-likelihood.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.design import cell_design, obs_design
from bayes_keta.models.marginal import (
    RandomEffectTerms,
    cell_layout,
    segment_sum,
    statistics_data,
    within_cells,
)
from bayes_keta.models.priors import prior_rv
from bayes_keta.spec import ModelSpec, Prior

__all__ = ["active_pairs", "build_hte_marginal", "build_hte_twin", "cell_active_index"]


def active_pairs(actives: tuple[str, ...] | list[str]) -> list[str]:
    """Labels of the correlations between active arms (``"b~a"``: row b, column a < b).

    Examples
    --------
    >>> active_pairs(["k", "km", "x"])
    ['km~k', 'x~k', 'x~km']
    """
    return [f"{actives[a]}~{actives[b]}" for a in range(len(actives)) for b in range(a)]


def cell_active_index(trial: Trial) -> np.ndarray:
    """Index of each cell's active treatment among ``trial.actives`` (-1 on the reference)."""
    position = {t: i for i, t in enumerate(trial.actives)}
    return np.array([position.get(t, -1) for t in trial.cells["treatment"]], dtype=np.int64)


def _coords(trial: Trial, n_cells: int, n_obs: int) -> dict[str, list]:
    actives = list(trial.actives)
    extra: dict[str, list] = {"cell": list(range(n_cells)), "obs": list(range(n_obs))}
    if len(actives) >= 2:
        extra |= {"active_col": actives, "active_pair": active_pairs(actives)}
    return comp.model_coords(trial, **extra)


def _individual_scale(priors: Mapping[str, Prior], n_active: int):
    """``sigma_individual`` and the correlation: ``(tau, chol)`` with chol (K, K) of Sigma_b."""
    tau = prior_rv(
        "sigma_individual", "sigma_individual", priors["sigma_individual"], dims="active"
    )
    if n_active < 2:
        return tau, tau[:, None]
    corr = prior_rv(
        "individual_corr",
        "individual_correlation",
        priors["individual_correlation"],
        n=n_active,
        dims=("active", "active_col"),
    )
    matrix = corr @ corr.T
    pairs = [matrix[a, b] for a in range(n_active) for b in range(a)]
    pm.Deterministic("individual_correlation", pt.stack(pairs), dims="active_pair")
    return tau, tau[:, None] * corr


def _pieces(spec: ModelSpec, priors: Mapping[str, Prior], trial: Trial):
    """Add what both graphs share to the current model: mu, period, curve, arm_mean."""
    if spec.effect != "constant":  # the builder refuses it; a guard for direct callers
        raise ValueError("individual effects need a constant treatment effect")
    mu = prior_rv("mu", "intercept", priors["intercept"])
    period = comp.period_effects(spec, priors)
    curve = comp.treatment_curve(spec, priors, trial.n_days)
    pm.Deterministic("arm_mean", mu + period.mean() + curve.by_day, dims=("treatment", "day"))
    return mu, period, curve


def build_hte_marginal(
    trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]
) -> tuple[pm.Model, RandomEffectTerms]:
    """Build the model NUTS samples: every random effect integrated out (module docstring).

    Returns
    -------
    tuple
        ``(model, terms)``; the likelihood is the ``pm.Potential`` ``pain_marginal``;
        ``terms.cell_active`` marks the terms of a model with individual effects.
    """
    cells = cell_design(trial, baseline=spec.baseline)
    obs = obs_design(trial)
    n_cells, n_subjects, n_active = len(cells.subject_idx), trial.n_subjects, len(trial.actives)
    active = cell_active_index(trial)
    with pm.Model(coords=_coords(trial, n_cells, len(obs.pain))) as model:
        mu, period, curve = _pieces(spec, priors, trial)
        sigma_subject = prior_rv("sigma_subject", "sigma_subject", priors["sigma_subject"])
        fixed, _ = comp.cell_location(
            spec,
            priors,
            cells,
            subject=pt.zeros(n_subjects),
            period=period,
            treatment=curve.mean,
        )
        sigma_cell = prior_rv(
            "sigma_subject_period", "sigma_subject_period", priors["sigma_subject_period"]
        )
        _, chol = _individual_scale(priors, n_active)
        pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        cell_active = pm.Data("cell_active_idx", active, dims="cell")
        sigma = prior_rv("sigma", "sigma", priors["sigma"])
        pm.Data("pain_data", obs.pain, dims="obs")
        layout = cell_layout(obs, n_cells, trial.n_days, spec)  # constant effect: not None
        stats = within_cells(spec, priors, statistics_data(layout, obs.pain), sigma)
        d = sigma_cell**2 + 1.0 / stats.safe_precision
        estimate = stats.weighted / stats.safe_precision
        subject_idx = model["cell_subject_idx"]
        between = _between_by_subject(
            estimate - mu - fixed,
            d,
            stats.has,
            subject_idx=subject_idx,
            cell_active=cell_active,
            scale=(sigma_subject, chol),
            sizes=(n_subjects, n_active),
        )
        per_subject = segment_sum(stats.within, subject_idx, n_subjects) + between
        pm.Potential("pain_marginal", per_subject.sum())
    terms = RandomEffectTerms(
        fixed=fixed,
        estimate=estimate,
        estimate_var=d,
        observed=np.bincount(obs.cell_idx, minlength=n_cells) > 0,
        subject_idx=cells.subject_idx,
        cell_precision=stats.precision,
        cell_weighted_sum=stats.weighted,
        subject_loglik=per_subject,
        cell_active=active,
        statistics=layout.statistics,
    )
    return model, terms


def _between_by_subject(residual, variance, observed, *, subject_idx, cell_active, scale, sizes):
    """Log density of each subject's cell estimates, every random effect integrated out."""
    sigma_subject, chol = scale
    n_subjects, n_active = sizes
    q = 1 + n_active

    def total(values):
        return segment_sum(values, subject_idx, n_subjects)

    w = pt.switch(observed, 1.0 / variance, 0.0)
    e = pt.switch(observed, residual, 0.0)
    on = [pt.eq(cell_active, a) for a in range(n_active)]
    m = [total(w)] + [total(pt.switch(on[a], w, 0.0)) for a in range(n_active)]
    h = [total(w * e)] + [total(pt.switch(on[a], w * e, 0.0)) for a in range(n_active)]
    # L_C: lower-triangular factor of the prior covariance of (u, b_1..b_K); None = 0
    lc = [[None] * q for _ in range(q)]
    lc[0][0] = sigma_subject
    for a in range(n_active):
        for b in range(a + 1):
            lc[1 + a][1 + b] = chol[a, b]

    def mat(r, c):  # M = U' D^-1 U: m0 on [0,0], m_a on [0,a], [a,0], [a,a]
        if r == 0 or c == 0 or r == c:
            return m[max(r, c)]
        return None

    core = [[None] * q for _ in range(q)]
    for j in range(q):
        for k in range(j + 1):
            terms = [
                lc[r][j] * mat(r, c) * lc[c][k]
                for r in range(q)
                for c in range(q)
                if lc[r][j] is not None and lc[c][k] is not None and mat(r, c) is not None
            ]
            core[j][k] = (1.0 if j == k else 0.0) + sum(terms)
    g = [sum(lc[r][j] * h[r] for r in range(q) if lc[r][j] is not None) for j in range(q)]
    low = _cholesky(core)
    z: list = []
    for j in range(q):
        z.append((g[j] - sum(low[j][k] * z[k] for k in range(j))) / low[j][j])
    logdet_core = 2.0 * sum(pt.log(low[j][j]) for j in range(q))
    quad = total(w * e**2) - sum(zj**2 for zj in z)
    logdet = total(pt.switch(observed, pt.log(variance), 0.0)) + logdet_core
    count = total(pt.switch(observed, 1.0, 0.0))
    return -0.5 * (count * np.log(2 * np.pi) + logdet + quad)


def _cholesky(a: list[list]) -> list[list]:
    """Lower Cholesky factor of a small symmetric matrix given as its lower triangle (lists)."""
    q = len(a)
    low = [[None] * q for _ in range(q)]
    for j in range(q):
        low[j][j] = pt.sqrt(a[j][j] - sum(low[j][k] ** 2 for k in range(j)))
        for i in range(j + 1, q):
            low[i][j] = (a[i][j] - sum(low[i][k] * low[j][k] for k in range(j))) / low[j][j]
    return low


def build_hte_twin(trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]) -> pm.Model:
    """Build the observation-level model: random effects as (centred) parameters, ``pain``.

    Adds ``subject_mean``, ``individual_deviation`` (subject, active), the Deterministic
    ``individual_effect`` (subject, active) and ``cell_mean`` to the daily model's variables.
    """
    cells = cell_design(trial, baseline=spec.baseline)
    obs = obs_design(trial)
    n_cells, n_subjects, n_active = len(cells.subject_idx), trial.n_subjects, len(trial.actives)
    with pm.Model(coords=_coords(trial, n_cells, len(obs.pain))) as model:
        mu, period, curve = _pieces(spec, priors, trial)
        subject = comp.subject_means(spec, priors, mu=mu)
        _, chol = _individual_scale(priors, n_active)
        deviation = pm.MvNormal(
            "individual_deviation", mu=pt.zeros(n_active), chol=chol, dims=("subject", "active")
        )
        pm.Deterministic(
            "individual_effect",
            model["treatment_effect"][None, :] + deviation,
            dims=("subject", "active"),
        )
        location, treat = comp.cell_location(
            spec, priors, cells, subject=subject, period=period, treatment=curve.mean
        )
        pm.Data("cell_active_idx", cell_active_index(trial), dims="cell")
        own = pt.concatenate([pt.zeros((n_subjects, 1)), deviation], axis=1)
        level = comp.cell_means(spec, priors, location + own[model["cell_subject_idx"], treat])
        cell_idx = pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        sigma = prior_rv("sigma", "sigma", priors["sigma"])
        pain = pm.Data("pain_data", obs.pain, dims="obs")
        pm.Normal("pain", mu=level[cell_idx], sigma=sigma, observed=pain, dims="obs")
    return model
