"""Small univariate distributions for priors and posteriors (pure NumPy/SciPy).

Two kinds cover every case of the summary-level reanalysis:

* :class:`NormalMixtureDist`: a finite mixture of normals (one component = a normal). Closed
  form: the conjugate posterior of a normal-mixture prior under a normal likelihood is again a
  normal mixture.
* :class:`SampledDist`: draws from MCMC (PyMC), with empirical CDF and quantiles and a kernel
  density for plots.

Both expose ``mean``, ``sd``, ``cdf``, ``ppf`` and ``pdf``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize, stats

__all__ = ["NormalMixtureDist", "SampledDist", "StudentTDist", "conjugate_update"]


@dataclass(frozen=True)
class NormalMixtureDist:
    """Finite mixture of normal distributions.

    Attributes
    ----------
    weights, means, sds : tuple of float
        Component weights (summing to 1), means and standard deviations.

    Examples
    --------
    >>> d = NormalMixtureDist((1.0,), (0.0,), (1.0,))
    >>> round(d.ppf(0.975), 4)
    1.96
    """

    weights: tuple[float, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]

    @property
    def mean(self) -> float:
        """Mixture mean."""
        return float(np.dot(self.weights, self.means))

    @property
    def sd(self) -> float:
        """Mixture standard deviation (law of total variance)."""
        w, m, s = (np.asarray(a) for a in (self.weights, self.means, self.sds))
        return float(np.sqrt(np.dot(w, s**2 + m**2) - self.mean**2))

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        """Density at ``x``."""
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(np.asarray(self.weights) * stats.norm.pdf(x, self.means, self.sds), -1)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """Cumulative probability at ``x``."""
        x = np.asarray(x, dtype=float)[..., None]
        return np.sum(np.asarray(self.weights) * stats.norm.cdf(x, self.means, self.sds), -1)

    def ppf(self, q: float) -> float:
        """Quantile (exact for one component, root-finding otherwise)."""
        if len(self.weights) == 1:
            return float(stats.norm.ppf(q, self.means[0], self.sds[0]))
        lo = min(self.means) - 12 * max(self.sds)
        hi = max(self.means) + 12 * max(self.sds)
        return float(optimize.brentq(lambda x: float(self.cdf(x)) - q, lo, hi, xtol=1e-12))


@dataclass(frozen=True)
class StudentTDist:
    """Location-scale Student-t distribution (a prior only: it is not conjugate).

    Examples
    --------
    >>> round(StudentTDist(3.0, 0.0, 1.0).cdf(0.0).item(), 3)
    0.5
    """

    nu: float
    mu: float
    sigma: float

    @property
    def mean(self) -> float:
        """Mean (NaN when ``nu <= 1``)."""
        return float(self.mu) if self.nu > 1 else float("nan")

    @property
    def sd(self) -> float:
        """Standard deviation (infinite when ``nu <= 2``)."""
        if self.nu <= 2:
            return float("inf")
        return float(self.sigma * np.sqrt(self.nu / (self.nu - 2)))

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        """Density at ``x``."""
        return stats.t.pdf(x, self.nu, self.mu, self.sigma)

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """Cumulative probability at ``x``."""
        return stats.t.cdf(x, self.nu, self.mu, self.sigma)

    def ppf(self, q: float) -> float:
        """Quantile."""
        return float(stats.t.ppf(q, self.nu, self.mu, self.sigma))


@dataclass(frozen=True)
class SampledDist:
    """A distribution known through MCMC draws.

    Attributes
    ----------
    draws : numpy.ndarray
        Flattened draws (chains concatenated).
    ess : float
        Bulk effective sample size of the draws (for Monte Carlo error statements).

    Examples
    --------
    >>> d = SampledDist(np.random.default_rng(1).normal(size=4000), ess=4000.0)
    >>> abs(d.mean) < 0.1
    True
    """

    draws: np.ndarray
    ess: float

    @property
    def mean(self) -> float:
        """Posterior mean of the draws."""
        return float(np.mean(self.draws))

    @property
    def sd(self) -> float:
        """Standard deviation of the draws."""
        return float(np.std(self.draws, ddof=1))

    @property
    def mcse_mean(self) -> float:
        """Monte Carlo standard error of the mean."""
        return self.sd / float(np.sqrt(self.ess))

    def pdf(self, x: np.ndarray | float) -> np.ndarray:
        """Gaussian kernel density estimate at ``x`` (for plots only)."""
        return stats.gaussian_kde(self.draws)(np.atleast_1d(np.asarray(x, dtype=float)))

    def cdf(self, x: np.ndarray | float) -> np.ndarray:
        """Empirical cumulative probability at ``x``."""
        x = np.asarray(x, dtype=float)
        return np.mean(self.draws[:, None] <= np.atleast_1d(x)[None, :], 0).reshape(x.shape)

    def ppf(self, q: float) -> float:
        """Empirical quantile."""
        return float(np.quantile(self.draws, q))


def conjugate_update(prior: NormalMixtureDist, y: float, se: float) -> NormalMixtureDist:
    """Posterior of a normal-mixture prior after one normal observation ``y ~ N(theta, se)``.

    Each component is updated by precision weighting; component weights are multiplied by the
    component's marginal likelihood ``N(y | m_k, sqrt(s_k^2 + se^2))`` and renormalised.

    Parameters
    ----------
    prior : NormalMixtureDist
        Prior on ``theta``.
    y, se : float
        Observed estimate and its standard error.

    Returns
    -------
    NormalMixtureDist

    Examples
    --------
    >>> post = conjugate_update(NormalMixtureDist((1.0,), (0.0,), (1.0,)), 1.0, 1.0)
    >>> post.means, round(post.sds[0] ** 2, 3)
    ((0.5,), 0.5)
    """
    w = np.asarray(prior.weights, dtype=float)
    m = np.asarray(prior.means, dtype=float)
    s2 = np.asarray(prior.sds, dtype=float) ** 2
    v = 1.0 / (1.0 / s2 + 1.0 / se**2)
    mean = v * (m / s2 + y / se**2)
    logw = np.log(w) + stats.norm.logpdf(y, m, np.sqrt(s2 + se**2))
    w_post = np.exp(logw - logw.max())
    w_post /= w_post.sum()
    return NormalMixtureDist(
        tuple(float(a) for a in w_post),
        tuple(float(a) for a in mean),
        tuple(float(a) for a in np.sqrt(v)),
    )
