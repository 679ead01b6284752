r"""The prior the next trial is analysed with (``--analysis-priors``), for the fast analysis.

By default a next trial is analysed on its own data under the fitted spec's default priors
(weakly informative: ``treatment_effect ~ normal(0, 2)`` NRS points in the shipped specs),
not under the fit's posterior. ``--analysis-priors`` takes prior sets and overrides as
``bayes-keta fit --priors`` does (e.g. ``skeptical``), or ``flat``: an improper flat prior on
the effects, whose analysis is the classical one (assurance with a point design prior is then
the power of the within-subject t-test).

The fast analysis (:mod:`bayes_keta.planning.analyse`) uses the prior of the **mean effect**
of each active arm over a period, which must be normal:

* ``effect = "constant"``: the ``treatment_effect`` prior itself;
* ``effect = "decay"`` (:math:`a + b\,e^{-(t-1)/\tau}`): the mean effect is
  :math:`a + b\,\bar e(\tau)`, :math:`\bar e(\tau) = D^{-1}\sum_{t=0}^{D-1} e^{-t/\tau}`, not
  normal; it is replaced by the normal with the same mean and variance,
  :math:`m_a + m_b E\bar e` and :math:`s_a^2 + (s_b^2 + m_b^2) E\bar e^2 - m_b^2 (E\bar e)^2`
  (moments over the ``tau`` prior on a 4,000-point quantile grid). Under the default priors
  the SD goes from 2.0 to about 2.1 points.

Priors are written in 0-10 NRS points (:mod:`bayes_keta.models.scaling`); for a fit of another
outcome they are put on its scale by the rule the fit recorded (``FitRecord.prior_scaling``:
``normal(0, 2)`` points becomes ``normal(0, 20)`` mm on a 0-100 VAS, mirrored when higher is
better), so the next trial is analysed on the fit's scale as :func:`bayes_keta.fit` would.

The priors of the intercept, period effects and SDs are taken as flat (``1/sigma`` for the
residual SD): with a within-subject analysis and the spec's wide priors their influence is
negligible (the ``--exact`` check with full NUTS under every spec prior measures it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from bayes_keta.exceptions import SpecError
from bayes_keta.models.scaling import PriorScaling
from bayes_keta.spec import ModelSpec, Prior, PriorsArg, resolve_priors

__all__ = ["FLAT", "AnalysisPrior", "analysis_prior"]

#: The name of the improper flat prior (not a prior-set file).
FLAT = "flat"
_GRID = 4000


@dataclass(frozen=True)
class AnalysisPrior:
    """Prior of each active arm's mean effect in the fast analysis of a next trial.

    Attributes
    ----------
    kind : {"flat", "normal"}
        Improper flat, or normal with ``mu`` and ``sigma`` (the same for every active arm).
    mu, sigma : float
        Normal parameters (per-reading units; ``sigma`` infinite when flat).
    description : str
        Where it comes from, for the provenance.

    Examples
    --------
    >>> from bayes_keta.spec import load_spec
    >>> analysis_prior(load_spec("daily"), None, n_days=35)
    AnalysisPrior(kind='normal', mu=0.0, sigma=2.0, description='treatment_effect normal(0, 2)')
    """

    kind: str
    mu: float = 0.0
    sigma: float = math.inf
    description: str = "flat"

    def to_dict(self) -> dict[str, object]:
        """JSON-able record."""
        sigma = None if math.isinf(self.sigma) else self.sigma
        return {"kind": self.kind, "mu": self.mu, "sigma": sigma, "description": self.description}


def analysis_prior(
    spec: ModelSpec, priors: PriorsArg, *, n_days: int, scaling: PriorScaling | None = None
) -> AnalysisPrior:
    """Resolve the analysis prior of the mean effect (see the module docstring).

    Parameters
    ----------
    spec : ModelSpec
        The fitted spec.
    priors : str, Path, dict, list or None
        ``"flat"``, or prior sets / overrides resolved against ``spec`` (None: its defaults).
    n_days : int
        Readings per period (the decay curve's mean runs over them).
    scaling : PriorScaling, optional
        How NRS-point priors are put on the outcome's scale (the fit's
        ``FitRecord.prior_scaling``; None: the NRS, unchanged).

    Returns
    -------
    AnalysisPrior

    Raises
    ------
    SpecError
        Unknown prior set, or a treatment-effect prior that is not normal.

    Examples
    --------
    >>> from bayes_keta.spec import load_spec
    >>> analysis_prior(load_spec("daily"), "flat", n_days=35).kind
    'flat'
    >>> round(analysis_prior(load_spec("daily"), "skeptical", n_days=35).sigma, 3)
    0.608
    >>> from bayes_keta.models.scaling import prior_scaling_for
    >>> from bayes_keta.outcome import Outcome
    >>> vas = prior_scaling_for(Outcome.vas_0_100())
    >>> analysis_prior(load_spec("daily"), None, n_days=35, scaling=vas).sigma
    20.0
    """
    if isinstance(priors, str) and priors == FLAT:
        return AnalysisPrior("flat", description="flat (improper) prior on the effects")
    if isinstance(priors, list | tuple) and FLAT in priors:
        raise SpecError("'flat' cannot be combined with other analysis priors")
    scaling = scaling or PriorScaling.identity()
    resolved = scaling.apply_all(resolve_priors(spec, priors))
    effect = _normal(resolved["treatment_effect"], "treatment_effect")
    mu, sigma = effect
    text = f"treatment_effect normal({mu:g}, {sigma:g})"
    if not scaling.is_identity:
        text += f" on the outcome's scale ({scaling.text})"
    if spec.effect == "decay":
        m_b, s_b = _normal(resolved["effect_transient"], "effect_transient")
        fade = _mean_fade(resolved["tau"], n_days)
        e1, e2 = float(fade.mean()), float((fade**2).mean())
        mu = mu + m_b * e1
        sigma = math.sqrt(sigma**2 + (s_b**2 + m_b**2) * e2 - m_b**2 * e1**2)
        text = (
            f"mean of the decaying effect, moment-matched normal({mu:.3g}, {sigma:.3g}) from"
            f" {text}, effect_transient normal({m_b:g}, {s_b:g}) and tau"
            f" {resolved['tau'].describe()}"
        )
    return AnalysisPrior("normal", mu=mu, sigma=sigma, description=text)


def _normal(prior: Prior, role: str) -> tuple[float, float]:
    if prior.dist != "normal":
        raise SpecError(
            f"the fast analysis of a next trial needs a normal {role} prior, got"
            f" {prior.describe()}; give a normal one in --analysis-priors (or 'flat')"
        )
    return float(prior.params["mu"]), float(prior.params["sigma"])


def _mean_fade(tau: Prior, n_days: int) -> np.ndarray:
    """Mean of ``exp(-t / tau)`` over ``t = 0..n_days-1`` at a quantile grid of the tau prior."""
    from scipy import stats

    u = (np.arange(_GRID) + 0.5) / _GRID
    p = tau.params
    if tau.dist == "lognormal":
        values = stats.lognorm.ppf(u, s=p["sigma"], scale=math.exp(p["mu"]))
    elif tau.dist == "halfnormal":
        values = stats.halfnorm.ppf(u, scale=p["sigma"])
    elif tau.dist == "halfcauchy":
        values = stats.halfcauchy.ppf(u, scale=p["beta"])
    elif tau.dist == "halfstudent_t":
        values = p["sigma"] * stats.t.ppf((1.0 + u) / 2.0, p["nu"])
    elif tau.dist == "exponential":
        values = stats.expon.ppf(u, scale=1.0 / p["lam"])
    elif tau.dist == "gamma":
        values = stats.gamma.ppf(u, a=p["alpha"], scale=1.0 / p["beta"])
    else:  # pragma: no cover - the spec validator allows only positive families for tau
        raise SpecError(f"tau prior {tau.describe()} is not supported here")
    t = np.arange(n_days, dtype=float)
    return np.exp(-t[None, :] / values[:, None]).mean(axis=1)
