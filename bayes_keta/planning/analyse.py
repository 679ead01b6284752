r"""The fast analysis of a simulated next trial, and the rules that call it a success.

**Model.** A future trial has every reading, so each subject-period enters through the mean
of its readings, :math:`\bar y_{ip}`. The analysis is the within-subject (fixed subject)
linear model of these cell means,

.. math::

    \bar y_{ip} = \alpha_i + \pi_p + \beta_{k(i,p)} + w_{ip},\qquad w_{ip} \sim N(0, \sigma_w^2),

the classical analysis of a crossover (Senn 2002; Jones & Kenward 2014), fitted by least
squares on the within-subject deviations (no ``n x n`` matrix is formed). With flat priors on
:math:`\alpha, \pi, \beta` and :math:`p(\sigma_w) \propto 1/\sigma_w`, the posterior of the
contrasts :math:`\beta_k - \beta_{ref}` is a multivariate Student-t centred at the estimate,
with scale :math:`s^2 V` (``V`` the contrast block of :math:`(X^\top X)^{-1}`) and the
residual df ``n P - n - (P - 1) - (T - 1)``: each contrast's marginal probabilities are
Student-t CDFs, vectorised over simulations.

**Normal prior on the effects** (the spec's default ``normal(0, 2)``, ``--analysis-priors``).
Given :math:`\sigma_w^2` the posterior of :math:`\beta` is normal (conjugate); the posterior
of :math:`\sigma_w^2` is the flat-prior one, scaled-inverse-:math:`\chi^2`
(:math:`\mathrm{RSS}/\chi^2_{df}`), times :math:`N(\hat\beta; m, \sigma_w^2 V + s_0^2 I)`
(what the prior adds). The probabilities are integrated over :math:`\sigma_w^2` with
:data:`~bayes_keta.constants.ASSURANCE_QUADRATURE_NODES` Gauss-Legendre nodes on the
:math:`\chi^2_{df}` quantile scale, the prior factor as weights; this is exact up to the
quadrature (checked against direct numerical integration and, with ``--exact``, against
NUTS). ``V`` is diagonalised once per design, so no per-simulation matrix is inverted.

What it leaves out, and why that is close: the full model has random subject effects (it
also recovers the little between-subject information an unbalanced allocation leaves; none
when every sequence has as many subjects) and estimates :math:`\sigma_v` and :math:`\sigma`
apart from the within-cell spread (for the contrasts only :math:`\sigma_w^2` matters); for
AR(1) readings the full model weights a period's readings by the AR(1) precision instead of
equally (on KETAPAIN's :math:`\phi \approx 0.6`, 35 days, the equal-weight mean's residual
variance is 3% larger, against a subject-by-period variance about 30 times that).

**Success** (:class:`Rule`): for each active-vs-reference contrast, ``P(benefit beyond
threshold | data) > prob``, the benefit direction from the outcome
(:attr:`bayes_keta.Outcome.benefit_sign`: lower pain is better).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

from bayes_keta.constants import ASSURANCE_PRESET_PROB, ASSURANCE_QUADRATURE_NODES
from bayes_keta.exceptions import SpecError
from bayes_keta.planning.analysis_prior import AnalysisPrior
from bayes_keta.planning.design import FutureDesign

__all__ = [
    "METHOD",
    "Rule",
    "WithinPlan",
    "fit_cells",
    "posterior_beyond",
    "success_rules",
    "within_plan",
]


#: The analysis in plain words (assurance.json, the report section).
METHOD = (
    "Each simulated next trial is analysed on its own data: the within-subject linear model of"
    " its period means (subject, period and treatment effects; least squares on the"
    " within-subject deviations). With a flat prior on the effects and p(sigma) ~ 1/sigma, each"
    " contrast's posterior is a Student-t centred at its estimate, with its standard error and"
    " the residual degrees of freedom (closed form). With a normal prior on the effects, the"
    " posterior given the residual variance is normal (conjugate) and is averaged over the"
    " residual variance's posterior by Gauss-Legendre quadrature. Success: P(benefit beyond the"
    " threshold) > prob for the contrast, the benefit direction from the outcome."
)


@dataclass(frozen=True)
class Rule:
    """A success rule: ``P(benefit beyond threshold) > prob`` for a contrast.

    Examples
    --------
    >>> Rule("beyond", 1.0, 0.9).text("points")
    'P(benefit > 1 points) > 0.9'
    >>> Rule("benefit", 0.0, 0.975).text("points")
    'P(benefit) > 0.975'
    """

    name: str
    threshold: float
    prob: float

    def text(self, units: str) -> str:
        """Say the rule in words."""
        if self.threshold == 0:
            return f"P(benefit) > {self.prob:g}"
        return f"P(benefit > {self.threshold:g} {units}) > {self.prob:g}"

    def to_dict(self) -> dict[str, object]:
        """JSON-able record."""
        return {"name": self.name, "threshold": self.threshold, "prob": self.prob}


def success_rules(threshold: float, prob: float) -> tuple[Rule, ...]:
    """Return the asked-for rule and the preset ``P(benefit) > 0.975`` (once if the same).

    Examples
    --------
    >>> [r.name for r in success_rules(1.0, 0.9)]
    ['beyond', 'benefit']
    >>> [r.name for r in success_rules(0.0, 0.975)]
    ['beyond']
    """
    asked = Rule("beyond", float(threshold), float(prob))
    preset = Rule("benefit", 0.0, ASSURANCE_PRESET_PROB)
    same = asked.threshold == preset.threshold and asked.prob == preset.prob
    return (asked,) if same else (asked, preset)


@dataclass(frozen=True)
class WithinPlan:
    r"""The within-subject analysis of one future design with ``n`` subjects.

    Attributes
    ----------
    design : FutureDesign
        The design.
    n : int
        Subjects.
    basis : numpy.ndarray
        Within-subject centred design rows, ``(n * periods, q)``: period dummies (periods 2..P)
        then treatment dummies (the design's actives vs its reference).
    gram_inv : numpy.ndarray
        :math:`(X^\top X)^{-1}`, ``(q, q)``.
    df : int
        Residual degrees of freedom.
    """

    design: FutureDesign
    n: int
    basis: np.ndarray
    gram_inv: np.ndarray
    df: int

    @property
    def contrast_cov(self) -> np.ndarray:
        """Unit-variance covariance of the contrast estimates, ``(actives, actives)``."""
        k = self.design.periods - 1
        return self.gram_inv[k:, k:]


def within_plan(design: FutureDesign, n: int) -> WithinPlan:
    """Build the within-subject analysis of ``design`` with ``n`` subjects.

    Raises
    ------
    SpecError
        No residual degrees of freedom, or the design cannot separate treatments from
        periods with this ``n``.

    Examples
    --------
    >>> from bayes_keta.planning.design import future_designs
    >>> d = future_designs("williams", treatments="PKM", reference="P", n_days=1)[0]
    >>> plan = within_plan(d, 12)
    >>> plan.df, np.round(plan.contrast_cov * 12, 6).tolist()  # 2 sigma^2 / n, balanced
    (20, [[2.0, 1.0], [1.0, 2.0]])
    """
    df = design.residual_df(n)
    periods = design.periods
    if df < 1:
        minimum = next(m for m in range(2, 10_000) if design.residual_df(m) >= 1)
        raise SpecError(
            f"n = {n} leaves no residual degrees of freedom for the {design.label} design"
            f" (the analysis estimates subjects, periods and treatments): use n >= {minimum}"
        )
    treat = design.cell_treatments(n)
    cols = [np.eye(periods)[:, 1:][None].repeat(n, axis=0)]  # (n, P, P-1)
    cols.append(np.eye(len(design.treatments))[treat][..., 1:])  # (n, P, T-1)
    x = np.concatenate(cols, axis=-1)
    x = x - x.mean(axis=1, keepdims=True)
    basis = x.reshape(n * periods, -1)
    gram = basis.T @ basis
    if np.linalg.matrix_rank(gram) < gram.shape[0]:
        raise SpecError(
            f"with n = {n} the {design.label} design cannot separate the treatments from the"
            " periods; use more subjects (a multiple of the number of sequences is best)"
        )
    return WithinPlan(design=design, n=n, basis=basis, gram_inv=np.linalg.inv(gram), df=df)


def fit_cells(plan: WithinPlan, cells: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares contrasts and residual sum of squares of simulated cell means.

    Parameters
    ----------
    plan : WithinPlan
        The analysis.
    cells : numpy.ndarray
        Cell means, ``(m, n, periods)``.

    Returns
    -------
    tuple of numpy.ndarray
        Contrast estimates ``(m, actives)`` (the design's actives vs its reference) and the
        residual sums of squares ``(m,)``.
    """
    m = cells.shape[0]
    centred = cells - cells.mean(axis=2, keepdims=True)
    flat = centred.reshape(m, -1)
    xty = flat @ plan.basis
    beta = xty @ plan.gram_inv
    rss = np.einsum("ij,ij->i", flat, flat) - np.einsum("ij,ij->i", beta, xty)
    return beta[:, plan.design.periods - 1 :], np.maximum(rss, 0.0)


def posterior_beyond(
    plan: WithinPlan,
    estimate: np.ndarray,
    rss: np.ndarray,
    *,
    prior: AnalysisPrior,
    sign: int,
    thresholds: Sequence[float],
) -> np.ndarray:
    """Posterior ``P(sign * contrast > t)`` of each contrast for each threshold ``t``.

    Parameters
    ----------
    plan : WithinPlan
        The analysis.
    estimate, rss : numpy.ndarray
        From :func:`fit_cells`.
    prior : AnalysisPrior
        Flat (Student-t, closed form) or normal (quadrature over the residual variance).
    sign : int
        The outcome's benefit sign (-1: lower is better).
    thresholds : sequence of float
        Sizes of benefit (>= 0).

    Returns
    -------
    numpy.ndarray
        ``(m, actives, thresholds)``.
    """
    t = np.asarray(thresholds, dtype=float)
    benefit = sign * estimate
    if prior.kind == "flat":
        scale = np.sqrt(rss[:, None] / plan.df * np.diag(plan.contrast_cov)[None, :])
        return stats.t.cdf((benefit[..., None] - t) / scale[..., None], plan.df)
    return _normal_prior(plan, benefit, rss, sign * prior.mu, prior.sigma, t)


def _normal_prior(
    plan: WithinPlan,
    benefit: np.ndarray,
    rss: np.ndarray,
    mu: float,
    s0: float,
    t: np.ndarray,
) -> np.ndarray:
    """Quadrature over the residual variance (module docstring), in ``V``'s eigenbasis."""
    nodes, weights = np.polynomial.legendre.leggauss(ASSURANCE_QUADRATURE_NODES)
    u, weights = (nodes + 1.0) / 2.0, weights / 2.0
    var = rss[:, None] / stats.chi2.ppf(u, plan.df)[None, :]  # (m, K) sigma_w^2 at the nodes
    lam, q = np.linalg.eigh(plan.contrast_cov)
    b = benefit @ q  # (m, p): estimate in the eigenbasis (benefit sign applied)
    m0 = mu * q.sum(axis=0)  # prior mean in the eigenbasis
    data_var = var[..., None] * lam  # (m, K, p)
    total = data_var + s0**2
    log_w = np.log(weights) - 0.5 * (((b[:, None, :] - m0) ** 2 / total) + np.log(total)).sum(-1)
    log_w -= special.logsumexp(log_w, axis=1, keepdims=True)
    post_var = 1.0 / (1.0 / data_var + 1.0 / s0**2)
    post_mean = post_var * (b[:, None, :] / data_var + m0 / s0**2)
    mean = post_mean @ q.T  # (m, K, p) back to contrasts
    sd = np.sqrt(post_var @ (q.T**2))
    prob = special.ndtr((mean[..., None] - t) / sd[..., None])  # (m, K, p, thresholds)
    return np.einsum("mk,mkpt->mpt", np.exp(log_w), prob)
