"""The NumPy core: the posterior summary of one contrast's draws, and how numbers are printed.

Depends on NumPy only; the xarray/pandas adapters (:mod:`bayes_keta.estimands.contrasts`) call
it once per contrast x estimand.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from bayes_keta.constants import CI_PROB

__all__ = ["CI_LABEL", "format_probability", "format_threshold", "summarize_draws"]

#: Label of the credible interval in column and key names (``lo95``, ``hi95``, ``ci95``).
CI_LABEL: str = f"{CI_PROB * 100:g}"


def summarize_draws(
    draws: np.ndarray | Sequence[float],
    *,
    thresholds: Iterable[float] = (),
    rope: float | None = None,
    ci_prob: float = CI_PROB,
    benefit_sign: int = -1,
) -> dict[str, Any]:
    """Posterior summary of the draws of one contrast.

    Parameters
    ----------
    draws : array_like
        Draws of the difference active - reference (any shape; flattened).
    thresholds : iterable of float, optional
        Benefit thresholds ``t >= 0`` (magnitudes):
        ``p_beyond[t] = P(benefit_sign * diff > t)``.
    rope : float, optional
        Half-width of the region of practical equivalence; ``p_rope = P(|diff| < rope)``.
    ci_prob : float
        Probability of the equal-tailed credible interval.
    benefit_sign : {-1, 1}
        -1 when a negative difference is a benefit (lower is better, the default), +1 when a
        positive one is.

    Returns
    -------
    dict
        ``mean``, ``sd``, ``median``, ``lo``, ``hi``, ``p_benefit``
        (``P(benefit_sign * diff > 0)``), ``p_beyond`` (dict threshold -> probability) and
        ``p_rope`` (None without ``rope``).

    Examples
    --------
    >>> s = summarize_draws(np.array([-3.0, -1.5, -0.5, 0.5]), thresholds=[1.0], rope=1.0)
    >>> s["p_benefit"], s["p_beyond"], s["p_rope"]
    (0.75, {1.0: 0.5}, 0.5)
    >>> summarize_draws([-3.0, -1.5, -0.5, 0.5], thresholds=[1.0], benefit_sign=1)["p_beyond"]
    {1.0: 0.0}
    """
    if benefit_sign not in (-1, 1):
        raise ValueError(f"benefit_sign must be -1 or 1, got {benefit_sign!r}")
    x = np.asarray(draws, dtype=float).ravel()
    if x.size == 0:
        raise ValueError("no draws to summarise")
    tail = (1.0 - ci_prob) / 2.0
    lo, median, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
    benefit = -x if benefit_sign < 0 else x  # exact: negation is exact in floating point
    return {
        "mean": float(np.mean(x)),
        "sd": float(np.std(x, ddof=1)) if x.size > 1 else 0.0,
        "median": float(median),
        "lo": float(lo),
        "hi": float(hi),
        "p_benefit": float(np.mean(benefit > 0)),
        "p_beyond": {float(t): float(np.mean(benefit > float(t))) for t in thresholds},
        "p_rope": None if rope is None else float(np.mean(np.abs(x) < rope)),
    }


def format_probability(p: float) -> str:
    """Probability as a percentage, never printing a false 0% or 100%.

    Examples
    --------
    >>> [format_probability(p) for p in (0.0, 0.004, 0.5, 0.996, float("nan"))]
    ['<1%', '<1%', '50%', '>99%', 'n/a']
    """
    if p != p:  # NaN
        return "n/a"
    if p < 0.01:
        return "<1%"
    if p > 0.99:
        return ">99%"
    return f"{100 * p:.0f}%"


def format_threshold(threshold: float) -> str:
    """Key of a threshold in summary.json's ``p_beyond`` mappings: ``"0.5"``, ``"1.0"``.

    (Table columns name thresholds with ``:g`` instead: ``p_beyond_1``; see
    :func:`bayes_keta.estimands.beyond_column`.)

    Examples
    --------
    >>> format_threshold(1), format_threshold(17.5), format_threshold(0.25)
    ('1.0', '17.5', '0.25')
    """
    return repr(float(threshold))
