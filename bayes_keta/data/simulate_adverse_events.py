r"""Simulated adverse events: one 0/1 flag per subject-period, calibrated to KETAPAIN's shares.

Generative model (the twin of the adverse-event model, :mod:`bayes_keta.models.adverse_events`)
--------------------------------------------------------------------------------------------
.. math::

    P(\text{AE}_{ip} = 1) = \operatorname{logit}^{-1}(\alpha_k + w_i),\qquad
    w_i \sim N(0, \sigma_w^2),

independently of the pain scores (no period effect). ``alpha_k`` is chosen so that the
population-averaged risk of arm ``k``, :math:`E_w[\operatorname{logit}^{-1}(\alpha_k + w)]`
(Gauss-Hermite quadrature), equals the target.

Calibration (Pickering et al., Anesthesiology 2020, via :func:`bayes_keta.ketapain_published`)
--------------------------------------------------------------------------------------------
10%, 20% and 35% of the patients reported at least one adverse event on placebo, ketamine and
ketamine/magnesium (:data:`ADVERSE_EVENT_RISKS`; one period per arm and patient, so a share of
patients is a share of subject-periods). **Assumption** (not published): the subject effect
``sigma_w`` = 1 on the log-odds scale (:data:`AE_SD_SUBJECT`: a patient one SD more prone than
another has e = 2.7 times the odds), so some patients report events on several arms.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache

import numpy as np

from bayes_keta.constants import AE_QUADRATURE_NODES
from bayes_keta.exceptions import SpecError

__all__ = [
    "ADVERSE_EVENT_RISKS",
    "AE_SD_SUBJECT",
    "draw_adverse_events",
    "logit_for_risk",
    "population_risk",
    "resolve_risks",
]

#: Published shares of patients with at least one adverse event, per arm (KETAPAIN).
ADVERSE_EVENT_RISKS: dict[str, float] = {
    "placebo": 0.10,
    "ketamine": 0.20,
    "ketamine_magnesium": 0.35,
}

#: Between-subject SD of the log-odds of an adverse event (an assumption; see the docstring).
AE_SD_SUBJECT: float = 1.0


def population_risk(logit: float | np.ndarray, sd: float) -> np.ndarray:
    """Population-averaged risk ``E[expit(logit + w)]``, ``w ~ N(0, sd^2)`` (Gauss-Hermite).

    Examples
    --------
    >>> round(float(population_risk(0.0, 2.0)), 12)
    0.5
    >>> round(float(population_risk(-2.0, 0.0)), 4)
    0.1192
    """
    z, w = _nodes()
    return _expit(np.asarray(logit, dtype=float)[..., None] + sd * z) @ w


@cache
def _nodes() -> tuple[np.ndarray, np.ndarray]:
    """Gauss-Hermite nodes and weights for a standard normal expectation."""
    nodes, weights = np.polynomial.hermite.hermgauss(AE_QUADRATURE_NODES)
    return np.sqrt(2.0) * nodes, weights / np.sqrt(np.pi)


@cache
def logit_for_risk(risk: float, sd: float) -> float:
    """Return the ``alpha`` whose population-averaged risk is ``risk`` (:func:`population_risk`).

    Examples
    --------
    >>> alpha = logit_for_risk(0.2, 1.0)
    >>> round(float(population_risk(alpha, 1.0)), 6), alpha < float(np.log(0.2 / 0.8))
    (0.2, True)
    """
    low, high = -30.0, 30.0  # population_risk increases in alpha: bisection (no SciPy here)
    for _ in range(200):
        middle = 0.5 * (low + high)
        if float(population_risk(middle, sd)) < risk:
            low = middle
        else:
            high = middle
        if high - low < 1e-12:
            break
    return 0.5 * (low + high)


def _expit(x: np.ndarray) -> np.ndarray:
    """Return the logistic function of x, without overflow."""
    return np.exp(-np.logaddexp(0.0, -x))


def resolve_risks(
    risks: Mapping[str, float] | None, treatments: Sequence[str]
) -> dict[str, float] | None:
    """Return the adverse-event risk of each treatment, or None for no adverse-event column.

    ``None`` means the published KETAPAIN shares for its default labels and no column for
    other labels; an empty mapping means no column; otherwise every treatment needs a risk
    in (0, 1).

    Raises
    ------
    SpecError
        Unknown or missing treatments, or a risk outside (0, 1).

    Examples
    --------
    >>> resolve_risks(None, ["A", "B"]) is None
    True
    >>> resolve_risks({"A": 0.1, "B": 0.3}, ["A", "B"])
    {'A': 0.1, 'B': 0.3}
    """
    if risks is None:
        if set(treatments) == set(ADVERSE_EVENT_RISKS):
            return {t: ADVERSE_EVENT_RISKS[t] for t in treatments}
        return None
    if not risks:
        return None
    unknown = sorted(set(risks) - set(treatments))
    missing = [t for t in treatments if t not in risks]
    if unknown or missing:
        raise SpecError(
            f"adverse_event_risks needs one risk per treatment {list(treatments)}"
            + (f"; unknown {unknown}" if unknown else "")
            + (f"; missing {missing}" if missing else "")
        )
    for label, value in risks.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
            raise SpecError(f"adverse-event risk of {label!r} must be in (0, 1), got {value!r}")
    return {t: float(risks[t]) for t in treatments}


def draw_adverse_events(
    rng: np.random.Generator,
    order: np.ndarray,
    risks: Mapping[str, float],
    *,
    sd_subject: float = AE_SD_SUBJECT,
) -> np.ndarray:
    """Draw one 0/1 flag per subject-period.

    Parameters
    ----------
    rng : numpy.random.Generator
        The generator (draws: one subject effect per subject, then one uniform per cell).
    order : numpy.ndarray
        Treatment label of each (subject, period).
    risks : mapping
        Population-averaged risk per treatment label.
    sd_subject : float
        SD of the subject effect on the log-odds scale.

    Returns
    -------
    numpy.ndarray
        Integer flags of ``order``'s shape.

    Examples
    --------
    >>> order = np.array([["a", "b"]] * 4000, dtype=object)
    >>> flags = draw_adverse_events(np.random.default_rng(1), order, {"a": 0.1, "b": 0.4})
    >>> flags.mean(axis=0).round(2).tolist()
    [0.1, 0.4]
    """
    if not np.isfinite(sd_subject) or sd_subject < 0:
        raise SpecError(f"the adverse-event subject SD must be >= 0, got {sd_subject}")
    alpha = {t: logit_for_risk(p, sd_subject) for t, p in risks.items()}
    subject = rng.normal(0.0, sd_subject, order.shape[0])
    uniform = rng.random(order.shape)
    logit = np.vectorize(alpha.__getitem__, otypes=[float])(order) + subject[:, None]
    return (uniform < _expit(logit)).astype(int)
