r"""Daily Gaussian model with the subject and subject-by-period effects integrated out.

``parameterization = "marginal"`` (``outcome = "daily"``, ``likelihood = "normal"``, iid or
AR(1) residuals). The model is the one of :mod:`bayes_keta.models.gaussian`,

.. math::

    y_{ipt} = s_i + f_{ip} + v_{ip} + [\delta_k(t) - \bar\delta_k] + e_{ipt},\quad
    s_i \sim N(\mu, \sigma_u),\ v_{ip} \sim N(0, \sigma_v),

with :math:`f_{ip} = \pi_p + \bar\delta_k [+ \text{carryover}] [+ \text{baseline}]` and
:math:`e` iid :math:`N(0, \sigma)` or stationary AR(1) within the cell, but NUTS samples only
the fixed effects, the SDs (and :math:`\phi`): the random effects are integrated out in closed
form (as REML/ML does for the frequentist LMM).

With :math:`r = y - [\delta_k(t) - \bar\delta_k]` the residuals of a cell and
:math:`\Sigma` their covariance given the cell mean :math:`c`, the cell enters through
:math:`A = 1^T\Sigma^{-1}1`, :math:`B = 1^T\Sigma^{-1}r`, :math:`C = r^T\Sigma^{-1}r` and
:math:`\log|\Sigma|` (sufficient statistics):

.. math::

    \log p(r \mid c) = -\tfrac12\left[(n-1)\log 2\pi + \log|\Sigma| + \log A + C - B^2/A\right]
        + \log N(B/A \mid c, 1/\sqrt{A}).

iid: :math:`A = n/\sigma^2` and :math:`B/A` is the cell's mean. AR(1): :math:`\Sigma^{-1}` is
read off the innovations over the *observed* days (gaps included), :math:`a_t = 1 - \phi^g`,
:math:`b_t = r_t - \phi^g r_{t-g}`, variance :math:`\sigma^2(1 - \phi^{2g})` (the first day:
:math:`1`, :math:`r_t`, :math:`\sigma^2`), so :math:`A = \sum a_t^2/s_t^2` etc. Integrating
:math:`c \sim N(s_i + f_{ip}, \sigma_v)` gives :math:`B/A \sim N(s_i + f_{ip}, \sqrt{d})`,
:math:`d = \sigma_v^2 + 1/A`, and a subject's cells are jointly normal with covariance
:math:`D + \sigma_u^2 11^T`, whose density follows from the matrix determinant lemma and
Sherman-Morrison. The result is the exact log-likelihood of the observed days given the fixed
effects and variance parameters: there is no funnel between an SD and its effects for NUTS to
fall into, whatever the data say about them.

The integrated-out effects are put back after sampling
(:func:`bayes_keta.fitting.completion.complete_random_effects`): for each
posterior draw, :math:`s_i` from its conditional normal given the draw and the data, then
:math:`c_{ip}` given :math:`s_i` (precision :math:`1/\sigma_v^2 + A`). That is exact joint
posterior sampling (the joint posterior factorises as ``p(theta | y) p(s | theta, y)
p(c | s, theta, y)``), so the completed posterior has every variable of the centred model
(``subject_mean``, ``subject_effect``, ``cell_mean``), and the pointwise log-likelihood and
posterior predictive are those of the observation-level model (see
:func:`bayes_keta.models.build`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor.tensor as pt

from bayes_keta.data.trial import Trial
from bayes_keta.models import components as comp
from bayes_keta.models.design import cell_design, obs_design
from bayes_keta.models.priors import prior_rv
from bayes_keta.models.sufficient import CellLayout
from bayes_keta.spec import ModelSpec, Prior

__all__ = [
    "CellStatistics",
    "RandomEffectTerms",
    "build_marginal",
    "cell_layout",
    "collapsed_subject_loglik",
    "segment_sum",
    "statistics_data",
    "within_cells",
    "within_readings",
]


@dataclass(frozen=True)
class RandomEffectTerms:
    r"""What putting the integrated-out effects back needs from a marginal model.

    Used by :func:`bayes_keta.fitting.completion.complete_random_effects`.

    Attributes
    ----------
    fixed : TensorVariable
        :math:`f_{ip}`, shape (cell,): the cell's expected level minus its subject mean.
    estimate : TensorVariable
        What the cell's data say about its level, shape (cell,): :math:`B/A` (daily) or the
        AUC itself.
    estimate_var : TensorVariable
        Its variance around :math:`s_i + f_{ip}`: :math:`\sigma_v^2 + 1/A` (daily) or
        :math:`\sigma^2` (AUC).
    observed : numpy.ndarray
        Whether each cell has data (bool).
    subject_idx : numpy.ndarray
        Subject index of each cell.
    cell_precision, cell_weighted_sum : TensorVariable or None
        Daily models: :math:`A = 1^T\Sigma^{-1}1` and :math:`B = 1^T\Sigma^{-1}r` (0 for a
        cell without observed days), to draw the cell means too. None for the AUC model.
    subject_loglik : TensorVariable or None
        Each subject's log-likelihood with every random effect integrated out, shape
        (subject,): all of its data given the fixed effects and variances (their sum is the
        model's log-likelihood), for a leave-one-subject-out PSIS-LOO. None: not offered.
    cell_active : numpy.ndarray or None
        Models with individual treatment effects (:mod:`bayes_keta.models.hte`): index of
        each cell's active treatment among the actives (-1 on the reference), which tells
        :func:`bayes_keta.fitting.completion.complete_random_effects` to draw each subject's
        mean and own effects jointly. None otherwise.
    statistics : callable or None
        Readings (``pain_data``'s shape) -> the values of the model's sufficient-statistics
        data (:meth:`bayes_keta.models.sufficient.CellLayout.statistics`): whoever sets other
        observed readings sets these too. None: the model reads ``pain_data`` itself.
    """

    fixed: pt.TensorVariable
    estimate: pt.TensorVariable
    estimate_var: pt.TensorVariable
    observed: np.ndarray
    subject_idx: np.ndarray
    cell_precision: pt.TensorVariable | None = None
    cell_weighted_sum: pt.TensorVariable | None = None
    subject_loglik: pt.TensorVariable | None = None
    cell_active: np.ndarray | None = None
    statistics: Callable[[np.ndarray], dict[str, np.ndarray]] | None = None


def segment_sum(values, index, size: int):
    """Sum ``values`` into ``size`` bins by ``index`` (a tensor of length ``size``)."""
    return pt.zeros(size)[index].inc(values)


def collapsed_subject_loglik(residual, variance, observed, sigma_subject, subject_idx, n_subjects):
    r"""Log density of cell-level values with the subject means integrated out.

    Cell :math:`j` of subject :math:`i` has ``residual`` :math:`e_j` (its value minus
    :math:`\mu + f_j`) distributed :math:`N(u_i, d_j)` (``variance``), :math:`u_i \sim N(0,
    \sigma_u)`: a subject's cells are jointly normal with covariance :math:`D + \sigma_u^2
    11^T`, whose log density follows from the matrix determinant lemma and Sherman-Morrison.
    Cells with ``observed`` false contribute nothing.
    """
    w = pt.switch(observed, 1.0 / variance, 0.0)
    e = pt.switch(observed, residual, 0.0)
    tau2 = sigma_subject**2
    sum_w = segment_sum(w, subject_idx, n_subjects)
    sum_we = segment_sum(w * e, subject_idx, n_subjects)
    inflate = 1.0 + tau2 * sum_w
    quad = (w * e**2).sum() - (tau2 * sum_we**2 / inflate).sum()
    logdet = pt.switch(observed, pt.log(variance), 0.0).sum() + pt.log(inflate).sum()
    return -0.5 * (pt.sum(observed) * np.log(2 * np.pi) + logdet + quad)


@dataclass(frozen=True)
class CellStatistics:
    r"""The within-cell sufficient statistics of the observed days of each cell (dims cell).

    Attributes
    ----------
    within : TensorVariable
        Log density of a cell's days given its mean, minus the part in the mean
        (:math:`-\tfrac12[(n-1)\log 2\pi + \log|\Sigma| + \log A + C - B^2/A]`; 0 when empty).
    precision, weighted : TensorVariable
        :math:`A = 1^T\Sigma^{-1}1` and :math:`B = 1^T\Sigma^{-1}r`.
    safe_precision : TensorVariable
        :math:`A`, or 1 for a cell without observed days.
    has : TensorVariable
        Whether the cell has observed days.
    """

    within: pt.TensorVariable
    precision: pt.TensorVariable
    weighted: pt.TensorVariable
    safe_precision: pt.TensorVariable
    has: pt.TensorVariable


def statistics_data(layout: CellLayout, pain: np.ndarray) -> dict[str, pt.TensorVariable]:
    """``pm.Data`` of the cells' sufficient statistics of readings ``pain`` (current model).

    The names are :meth:`CellLayout.statistics`'s; one-dimensional ones have dims ``cell``.
    """
    return {
        name: pm.Data(
            name, values, dims="cell" if name.startswith("cell_") and values.ndim == 1 else None
        )
        for name, values in layout.statistics(pain).items()
    }


def within_cells(
    spec: ModelSpec,
    priors: Mapping[str, Prior],
    data: Mapping[str, pt.TensorVariable],
    sigma,
    *,
    shape_rows=None,
) -> CellStatistics:
    r"""Within-cell statistics from the data's sufficient statistics (:func:`statistics_data`).

    Cost O(cells), O(cells x days) with ``shape_rows`` (the time-varying part of each cell's
    treatment curve, shape (cell, day), iid only), O(cells x gaps) with AR(1) residuals.
    AR(1): with :math:`\phi_g = \phi^g` and :math:`v_g = 1 - \phi_g^2`, a cell's days
    after its first add :math:`n_g(1 - \phi_g)^2/v_g` to :math:`\sigma^2 A`,
    :math:`(1 - \phi_g)(S_g - \phi_g P_g)/v_g` to :math:`\sigma^2 B` and
    :math:`(Q_g - 2\phi_g X_g + \phi_g^2 R_g)/v_g` to :math:`\sigma^2 C` (sums over the
    days after a gap :math:`g` of :math:`y_t`, :math:`y_{t-g}`, :math:`y_t^2`,
    :math:`y_t y_{t-g}`, :math:`y_{t-g}^2`); the first day adds 1, :math:`y`, :math:`y^2`.
    """
    n = data["cell_n_obs"]
    has = pt.gt(n, 0)
    sigma2 = sigma**2
    if spec.residual == "ar1":
        phi = prior_rv("phi", "phi", priors["phi"])
        phi_g = phi ** data["gap_length"]
        v = 1.0 - phi_g**2
        first = data["cell_pain_first"]
        count = data["cell_gap_n"]
        precision = pt.switch(has, 1.0, 0.0) + (count * (1.0 - phi_g) ** 2 / v).sum(axis=1)
        weighted = first + (
            (1.0 - phi_g) * (data["cell_gap_sum"] - phi_g * data["cell_gap_sum_prev"]) / v
        ).sum(axis=1)
        quad = first**2 + (
            (
                data["cell_gap_sumsq"]
                - 2.0 * phi_g * data["cell_gap_cross"]
                + phi_g**2 * data["cell_gap_sumsq_prev"]
            )
            / v
        ).sum(axis=1)
        logdet = n * pt.log(sigma2) + (count * pt.log(v)).sum(axis=1)
    else:
        total, squares = data["cell_pain_sum"], data["cell_pain_sumsq"]
        if shape_rows is not None:  # r = y - h: the sums of h over the observed days
            seen, table = data["cell_day_seen"], data["cell_day_pain"]
            total = total - (seen * shape_rows).sum(axis=1)
            squares = (
                squares
                - 2.0 * (table * shape_rows).sum(axis=1)
                + (seen * shape_rows**2).sum(axis=1)
            )
        precision, weighted, quad = n, total, squares
        logdet = n * pt.log(sigma2)
    return _cell_statistics(n, has, precision / sigma2, weighted / sigma2, quad / sigma2, logdet)


def _cell_statistics(n, has, precision, weighted, quad_within, logdet_within) -> CellStatistics:
    a_safe = pt.switch(has, precision, 1.0)
    within = pt.switch(
        has,
        -0.5
        * (
            (n - 1) * np.log(2 * np.pi)
            + logdet_within
            + pt.log(a_safe)
            + quad_within
            - weighted**2 / a_safe
        ),
        0.0,
    )
    return CellStatistics(within, precision, weighted, a_safe, has)


def _innovations(spec: ModelSpec, priors: Mapping[str, Prior], obs, resid, sigma):
    """Innovation weights and variance of each observed day.

    ``a`` weighs the cell mean, ``b`` is the residual's innovation, ``var`` its variance, so that
    within a cell ``1' S^-1 1 = sum a^2/var``, ``1' S^-1 r = sum a b/var`` and
    ``r' S^-1 r = sum b^2/var``.
    """
    if spec.residual != "ar1":
        return pt.ones_like(resid), resid, pt.ones_like(resid) * sigma**2
    phi = prior_rv("phi", "phi", priors["phi"])
    prev = pm.Data("obs_prev", obs.prev, dims="obs")
    gap = pm.Data("obs_gap", obs.gap, dims="obs")
    has_prev = pt.ge(prev, 0)
    phi_gap = pt.switch(has_prev, phi**gap, 0.0)
    a = 1.0 - phi_gap
    b = resid - phi_gap * resid[pt.maximum(prev, 0)]
    return a, b, sigma**2 * (1.0 - phi_gap**2)


def within_readings(
    spec: ModelSpec, priors: Mapping[str, Prior], obs, resid, sigma, n_cells: int
) -> CellStatistics:
    """:func:`within_cells` from every reading (AR(1) residuals with a time-varying effect).

    ``resid`` is each observed day minus the time-varying part of its treatment curve; the
    cell index is the model's ``obs_cell_idx`` data. Cost O(readings).
    """
    cell_idx = pm.modelcontext(None)["obs_cell_idx"]
    a, b, var = _innovations(spec, priors, obs, resid, sigma)
    n = segment_sum(pt.ones_like(resid), cell_idx, n_cells)
    return _cell_statistics(
        n,
        pt.gt(n, 0),
        segment_sum(a**2 / var, cell_idx, n_cells),  # A
        segment_sum(a * b / var, cell_idx, n_cells),  # B
        segment_sum(b**2 / var, cell_idx, n_cells),  # C
        segment_sum(pt.log(var), cell_idx, n_cells),
    )


def _collapsed_by_subject(residual, variance, observed, sigma_subject, subject_idx, n_subjects):
    """:func:`collapsed_subject_loglik` per subject, shape (subject,) (not summed)."""
    w = pt.switch(observed, 1.0 / variance, 0.0)
    e = pt.switch(observed, residual, 0.0)
    tau2 = sigma_subject**2
    sum_w = segment_sum(w, subject_idx, n_subjects)
    sum_we = segment_sum(w * e, subject_idx, n_subjects)
    inflate = 1.0 + tau2 * sum_w
    quad = segment_sum(w * e**2, subject_idx, n_subjects) - tau2 * sum_we**2 / inflate
    logdet = segment_sum(pt.switch(observed, pt.log(variance), 0.0), subject_idx, n_subjects)
    count = segment_sum(pt.switch(observed, 1.0, 0.0), subject_idx, n_subjects)
    return -0.5 * (count * np.log(2 * np.pi) + logdet + pt.log(inflate) + quad)


def build_marginal(
    trial: Trial, spec: ModelSpec, priors: Mapping[str, Prior]
) -> tuple[pm.Model, RandomEffectTerms]:
    """Build the daily Gaussian model with its random effects integrated out.

    Parameters
    ----------
    trial : Trial
        The data.
    spec : ModelSpec
        ``parameterization = "marginal"`` (normal likelihood, iid residuals).
    priors : mapping of str to Prior
        Resolved priors on the model's scale.

    Returns
    -------
    tuple
        ``(model, terms)``: the model NUTS samples (the likelihood is a ``pm.Potential``
        named ``pain_marginal``) and the terms that put the random effects back after
        sampling (:class:`RandomEffectTerms`).
    """
    cells = cell_design(trial, baseline=spec.baseline)
    obs = obs_design(trial)
    n_cells, n_subjects = len(cells.subject_idx), len(trial.subjects)
    coords = comp.model_coords(trial, cell=list(range(n_cells)), obs=list(range(len(obs.pain))))
    with pm.Model(coords=coords) as model:
        mu = prior_rv("mu", "intercept", priors["intercept"])
        period = comp.period_effects(spec, priors)
        curve = comp.treatment_curve(spec, priors, trial.n_days)
        sigma_subject = prior_rv("sigma_subject", "sigma_subject", priors["sigma_subject"])
        fixed, treat = comp.cell_location(
            spec, priors, cells, subject=pt.zeros(n_subjects), period=period, treatment=curve.mean
        )
        sigma_cell = prior_rv(
            "sigma_subject_period", "sigma_subject_period", priors["sigma_subject_period"]
        )
        cell_idx = pm.Data("obs_cell_idx", obs.cell_idx, dims="obs")
        day_idx = pm.Data("obs_day_idx", obs.day_idx, dims="obs")
        pm.Deterministic("arm_mean", mu + period.mean() + curve.by_day, dims=("treatment", "day"))
        sigma = prior_rv("sigma", "sigma", priors["sigma"])
        pain = pm.Data("pain_data", obs.pain, dims="obs")
        layout = cell_layout(obs, n_cells, trial.n_days, spec)
        if layout is None:  # AR(1) with a time-varying effect: from every reading
            resid = pain - curve.deviation()[treat[cell_idx], day_idx]
            stats = within_readings(spec, priors, obs, resid, sigma, n_cells)
        else:
            shape_rows = curve.deviation()[treat] if layout.by_day else None
            data = statistics_data(layout, obs.pain)
            stats = within_cells(spec, priors, data, sigma, shape_rows=shape_rows)
        within = stats.within.sum()
        d = sigma_cell**2 + 1.0 / stats.safe_precision
        estimate = stats.weighted / stats.safe_precision
        subject_idx = model["cell_subject_idx"]
        between = collapsed_subject_loglik(
            estimate - mu - fixed, d, stats.has, sigma_subject, subject_idx, n_subjects
        )
        pm.Potential("pain_marginal", within + between)
        per_subject = segment_sum(stats.within, subject_idx, n_subjects) + _collapsed_by_subject(
            estimate - mu - fixed, d, stats.has, sigma_subject, subject_idx, n_subjects
        )
    terms = RandomEffectTerms(
        fixed=fixed,
        estimate=estimate,
        estimate_var=d,
        observed=np.bincount(obs.cell_idx, minlength=n_cells) > 0,
        subject_idx=cells.subject_idx,
        cell_precision=stats.precision,
        cell_weighted_sum=stats.weighted,
        subject_loglik=per_subject,
        statistics=None if layout is None else layout.statistics,
    )
    return model, terms


def cell_layout(obs, n_cells: int, n_days: int, spec: ModelSpec) -> CellLayout | None:
    """Return the :class:`CellLayout` of a spec's statistics.

    None for AR(1) residuals with a time-varying effect, whose pairs of days have no
    day-indexed sums here (:func:`within_readings` then).
    """
    ar1, by_day = spec.residual == "ar1", spec.effect != "constant"
    if ar1 and by_day:
        return None
    return CellLayout(
        obs.cell_idx, obs.day_idx, obs.prev, obs.gap, n_cells, n_days, ar1=ar1, by_day=by_day
    )
