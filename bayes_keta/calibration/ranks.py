"""Rank statistics of simulation-based calibration: the pure NumPy/SciPy core.

Talts, Betancourt, Simpson, Vehtari & Gelman (2018), arXiv:1804.06788: if the data are drawn
from the model's prior predictive and the sampler is correct, the rank of the true value among
``L`` (nearly independent) posterior draws is uniform on ``0..L``. Here:

* :func:`sbc_rank`: the rank of the truth among thinned draws;
* :func:`thin`: evenly spaced draws of each chain (removes most autocorrelation);
* :func:`rank_uniformity`: two tests of uniformity: Pearson chi-square on binned ranks (the
  classic SBC histogram test, exact expected bin probabilities) and the POT-C test of
  ``arviz_stats`` (Cauchy combination of pointwise order-statistic tests on the ECDF of the
  randomised PIT ``(rank + U) / (L + 1)``, which is exactly Uniform(0, 1) under calibration);
  the uniformity p-value is the smaller of the two times two (Bonferroni over the two tests);
* :func:`coverage_test`: two-sided exact binomial test of an interval's coverage, and the
  acceptance band of covered counts at a given significance level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from bayes_keta.constants import PIT_SEED

__all__ = [
    "CoverageTest",
    "Uniformity",
    "coverage_test",
    "n_bins_for",
    "rank_uniformity",
    "sbc_rank",
    "thin",
]


def thin(draws: np.ndarray, n_keep: int) -> np.ndarray:
    """Evenly spaced draws of each chain, ``n_keep`` in total (flattened).

    Parameters
    ----------
    draws : numpy.ndarray
        Draws with shape ``(chain, draw)``.
    n_keep : int
        Total draws to keep; must be a multiple of the number of chains and at most all draws.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_keep,)``.

    Examples
    --------
    >>> thin(np.arange(20).reshape(2, 10), 4).tolist()
    [0, 5, 10, 15]
    """
    draws = np.asarray(draws)
    n_chain, n_draw = draws.shape
    per_chain, rest = divmod(n_keep, n_chain)
    if rest or not 1 <= per_chain <= n_draw:
        raise ValueError(
            f"cannot keep {n_keep} draws from {n_chain} chains x {n_draw} draws evenly"
        )
    step = n_draw // per_chain
    return draws[:, ::step][:, :per_chain].reshape(-1)


def sbc_rank(truth: float, draws: np.ndarray) -> int:
    """Rank of the true value among posterior draws: the number of draws below it (0..L).

    Examples
    --------
    >>> sbc_rank(0.5, np.array([0.1, 0.9, 0.3]))
    2
    """
    return int(np.sum(np.asarray(draws) < truth))


def n_bins_for(n_sims: int, n_ranks: int, *, min_expected: float = 5.0) -> int:
    """Bins of the rank histogram: the most (<= 20) keeping >= ``min_expected`` sims per bin.

    Parameters
    ----------
    n_sims : int
        Number of simulations.
    n_ranks : int
        Number of possible ranks (``L + 1``).

    Examples
    --------
    >>> n_bins_for(100, 101), n_bins_for(40, 101), n_bins_for(8, 51)
    (20, 8, 2)
    """
    bins = int(min(20, n_ranks, max(2, np.floor(n_sims / min_expected))))
    return max(2, bins)


@dataclass(frozen=True)
class Uniformity:
    """Uniformity tests of one quantity's SBC ranks.

    Attributes
    ----------
    p_chi2 : float
        Pearson chi-square test on ``n_bins`` bins of the ranks.
    p_pot_c : float
        POT-C test (``arviz_stats``) on the randomised PIT values.
    p_value : float
        ``min(1, 2 * min(p_chi2, p_pot_c))``: Bonferroni over the two tests.
    n_bins : int
        Bins of the chi-square test.
    counts : tuple of int
        Simulations per bin.
    """

    p_chi2: float
    p_pot_c: float
    p_value: float
    n_bins: int
    counts: tuple[int, ...]


def _pit(ranks: np.ndarray, n_ranks: int, rng: np.random.Generator) -> np.ndarray:
    """Randomised PIT ``(rank + U) / (L + 1)``: exactly Uniform(0, 1) if ranks are uniform."""
    return (ranks + rng.uniform(size=ranks.shape)) / n_ranks


def rank_uniformity(
    ranks: np.ndarray, n_ranks: int, *, seed: int = PIT_SEED, n_bins: int | None = None
) -> Uniformity:
    """Test that ranks are uniform on ``0..n_ranks - 1``.

    Parameters
    ----------
    ranks : array_like of int
        One rank per simulation.
    n_ranks : int
        Number of possible ranks (``L + 1`` for ``L`` posterior draws).
    seed : int
        Seed of the PIT randomisation (the POT-C test).
    n_bins : int, optional
        Chi-square bins (default :func:`n_bins_for`).

    Returns
    -------
    Uniformity

    Examples
    --------
    >>> rng = np.random.default_rng(1)
    >>> rank_uniformity(rng.integers(0, 101, 200), 101).p_value > 0.01
    True
    >>> rank_uniformity(np.full(200, 50), 101).p_value < 1e-6
    True
    """
    from arviz_stats.base import array_stats

    ranks = np.asarray(ranks, dtype=float)
    if ranks.size < 2:
        raise ValueError("need at least two simulations to test uniformity")
    if ranks.min() < 0 or ranks.max() > n_ranks - 1:
        raise ValueError(f"ranks must lie in 0..{n_ranks - 1}")
    bins = n_bins or n_bins_for(ranks.size, n_ranks)
    edges = np.linspace(0, n_ranks, bins + 1)
    counts, _ = np.histogram(ranks, bins=edges)
    expected = np.histogram(np.arange(n_ranks), bins=edges)[0] / n_ranks * ranks.size
    p_chi2 = float(stats.chisquare(counts, expected).pvalue)
    pit = _pit(ranks, n_ranks, np.random.default_rng(seed))
    p_pot = float(np.asarray(array_stats.uniformity_test(pit, method="pot_c")[0]))
    return Uniformity(
        p_chi2=p_chi2,
        p_pot_c=p_pot,
        p_value=min(1.0, 2.0 * min(p_chi2, p_pot)),
        n_bins=bins,
        counts=tuple(int(c) for c in counts),
    )


@dataclass(frozen=True)
class CoverageTest:
    """Coverage of a credible interval over simulations.

    Attributes
    ----------
    n_sims, n_covered : int
        Simulations and how many intervals covered the truth.
    coverage : float
        ``n_covered / n_sims``.
    nominal : float
        The interval's probability.
    p_value : float
        Two-sided exact binomial test of ``coverage == nominal``.
    band : tuple of int
        Covered counts ``[lo, hi]`` whose binomial p-value is at least ``alpha``.
    """

    n_sims: int
    n_covered: int
    coverage: float
    nominal: float
    p_value: float
    band: tuple[int, int]


def coverage_test(n_covered: int, n_sims: int, *, nominal: float, alpha: float) -> CoverageTest:
    """Exact binomial test of interval coverage and its acceptance band at level ``alpha``.

    Examples
    --------
    >>> t = coverage_test(95, 100, nominal=0.95, alpha=0.001)
    >>> t.coverage, t.p_value > 0.5, t.band[0] <= 95 <= t.band[1]
    (0.95, True, True)
    >>> coverage_test(70, 100, nominal=0.95, alpha=0.001).p_value < 0.001
    True
    """
    p = float(stats.binomtest(n_covered, n_sims, nominal).pvalue)
    ok = [k for k in range(n_sims + 1) if stats.binomtest(k, n_sims, nominal).pvalue >= alpha]
    return CoverageTest(
        n_sims=n_sims,
        n_covered=n_covered,
        coverage=n_covered / n_sims,
        nominal=nominal,
        p_value=p,
        band=(min(ok), max(ok)),
    )
