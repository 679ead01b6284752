r"""Simulate next trials: cell means (sufficient statistics) fast, full readings for ``--exact``.

The generative model is the fitted Gaussian model (:mod:`bayes_keta.models.gaussian`), with
one design-prior draw per simulated trial: subject ``i``, period ``p``, reading ``t``,
treatment ``k = k(i, p)``,

.. math::

    y_{ipt} = \ell + u_i + \pi_p + \delta_k(t) + v_{ip} + e_{ipt},\quad
    u_i \sim N(0, \sigma_u^2),\ v_{ip} \sim N(0, \sigma_v^2),

with :math:`e` iid :math:`N(0, \sigma^2)` or stationary AR(1) (:math:`\phi`) within a
subject-period, :math:`\ell` the reference arm's level and :math:`\pi` the fitted (centred)
period effects (the first ``P`` of them; zeros beyond the fitted trial's periods).

**Fast path** (:func:`simulate_cell_means`). The within-subject analysis
(:mod:`bayes_keta.planning.analyse`) reads each subject-period only through the mean of its
``D`` readings, :math:`\bar y_{ip} = \ell + u_i + \pi_p + \bar\delta_k + w_{ip}` with
:math:`w_{ip} \sim N(0, \sigma_v^2 + \sigma^2 r(\phi, D))` exactly
(:func:`bayes_keta.planning.prior.residual_factor`; the mean of Gaussian readings is
Gaussian). The terms :math:`\ell + u_i + \pi_p` lie in the span of the analysis' subject and
period columns, so they change neither its estimates nor its residuals: the fast path draws
only :math:`\bar\delta_k + w_{ip}` (identical results, less work).

**Full readings** (:func:`simulate_readings`, for the NUTS check): every term above, on the
outcome's bounds the data contract enforces. Gaussian readings can fall outside them (a 0-10
scale); they are clipped and the clipped fraction is reported (the fast and the NUTS
analyses of the check see the same clipped readings).

Seeds: :func:`task_rng` derives a generator from ``(seed, stream, n, task)`` only
(``numpy.random.SeedSequence``), so any schedule, local or on a cluster, draws the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayes_keta.planning.design import FutureDesign
from bayes_keta.planning.prior import DesignPrior

__all__ = [
    "METHOD",
    "FAST_STREAM",
    "EXACT_STREAM",
    "effect_columns",
    "simulate_cell_means",
    "simulate_readings",
    "task_rng",
]

#: The simulation in plain words (assurance.json).
METHOD = (
    "Each simulated next trial takes one design-prior draw (effects and variance components)"
    " and draws its period means from the fitted Gaussian model: the mean effect of the period's"
    " treatment plus a normal residual with the subject-by-period variance plus the residual"
    " variance of a mean of the period's readings (exact for iid and AR(1) readings). Subject,"
    " period and level terms are left out: the within-subject analysis does not depend on them."
)
#: Seed streams: fast tasks and the trials of the ``--exact`` check draw apart.
FAST_STREAM, EXACT_STREAM = 0, 1


def task_rng(seed: int, n: int, task: int, *, stream: int = FAST_STREAM) -> np.random.Generator:
    """Return the generator of one task, a function of ``(seed, stream, n, task)`` only.

    Examples
    --------
    >>> a = task_rng(1, 12, 0).standard_normal(2)
    >>> b = task_rng(1, 12, 0).standard_normal(2)
    >>> bool((a == b).all()), bool((a == task_rng(1, 12, 1).standard_normal(2)).any())
    (True, False)
    """
    return np.random.default_rng(np.random.SeedSequence([int(seed), stream, int(n), int(task)]))


def effect_columns(design: FutureDesign, actives: Sequence[str]) -> np.ndarray:
    """Column of each of the design's treatments in ``[0, mean effects...]`` (reference 0).

    Examples
    --------
    >>> from bayes_keta.planning.design import future_designs
    >>> d = future_designs("2x2", treatments="PAB", reference="P", n_days=1)[1]
    >>> effect_columns(d, ["A", "B"]).tolist()
    [0, 2]
    """
    return np.array(
        [0 if t == design.reference else 1 + list(actives).index(t) for t in design.treatments]
    )


def simulate_cell_means(
    mean_effect: np.ndarray,
    cell_sd: np.ndarray,
    design: FutureDesign,
    n: int,
    *,
    actives: Sequence[str],
    rng: np.random.Generator,
) -> np.ndarray:
    r"""Cell means of simulated trials, less the terms the analysis absorbs.

    Parameters
    ----------
    mean_effect : numpy.ndarray
        Mean effect of each fitted active vs the reference, one row per trial ``(m, A)``.
    cell_sd : numpy.ndarray
        Residual SD of a cell mean, ``(m,)``.
    design : FutureDesign
        The future trial.
    n : int
        Subjects.
    actives : sequence of str
        Labels of ``mean_effect``'s columns.
    rng : numpy.random.Generator
        Source of the noise.

    Returns
    -------
    numpy.ndarray
        ``(m, n, periods)``: :math:`\bar\delta_{k(i,p)} + w_{ip}`.

    Examples
    --------
    >>> from bayes_keta.planning.design import future_designs
    >>> d = future_designs("2x2", treatments="PA", reference="P", n_days=1)[0]
    >>> y = simulate_cell_means(np.array([[-1.0]]), np.array([0.0]), d, 2, actives=["A"],
    ...                         rng=np.random.default_rng(0))
    >>> y.tolist()
    [[[0.0, -1.0], [-1.0, 0.0]]]
    """
    m = mean_effect.shape[0]
    effects = np.concatenate([np.zeros((m, 1)), mean_effect], axis=1)
    columns = effect_columns(design, actives)[design.cell_treatments(n)]
    noise = rng.standard_normal((m, n, design.periods))
    return effects[:, columns] + cell_sd[:, None, None] * noise


def simulate_readings(
    prior: DesignPrior,
    draw: int,
    design: FutureDesign,
    n: int,
    *,
    rng: np.random.Generator,
    bounds: tuple[float, float],
    column: str = "pain",
) -> tuple[pd.DataFrame, float]:
    """Every reading of one simulated trial (long format of the data contract).

    Parameters
    ----------
    prior : DesignPrior
        Design prior.
    draw : int
        Which of its draws.
    design : FutureDesign
        The future trial.
    n : int
        Subjects.
    rng : numpy.random.Generator
        Source of the randomness.
    bounds : tuple of float
        The outcome's bounds; readings outside are clipped.
    column : str
        Name of the outcome column.

    Returns
    -------
    tuple
        ``(frame, clipped)``: columns ``subject``, ``period``, ``treatment``, ``day`` and
        ``column``; the fraction of readings clipped.

    Examples
    --------
    >>> from bayes_keta.planning.design import future_designs
    >>> prior = DesignPrior.from_values(effects={"A": -1.0}, sigma=0.5, n_days=3, reference="P")
    >>> d = future_designs("2x2", treatments="PA", reference="P", n_days=3)[0]
    >>> frame, clipped = simulate_readings(prior, 0, d, 4, rng=np.random.default_rng(1),
    ...                                    bounds=(0.0, 10.0))
    >>> frame.shape, clipped
    ((24, 5), 0.0)
    """
    periods, days = design.periods, prior.n_days
    fitted = prior.period[draw]
    period = np.zeros(periods)
    period[: min(periods, fitted.size)] = fitted[:periods]
    period -= period.mean()
    curves = np.concatenate([np.zeros((1, days)), prior.effect[draw]], axis=0)
    treat = design.cell_treatments(n)
    curve = curves[effect_columns(design, prior.actives)[treat]]  # (n, P, D)
    u = prior.sigma_subject[draw] * rng.standard_normal(n)
    v = prior.sigma_subject_period[draw] * rng.standard_normal((n, periods))
    sigma, phi = float(prior.sigma[draw]), float(prior.phi[draw])
    z = rng.standard_normal((n, periods, days))
    e = np.empty_like(z)
    e[..., 0] = sigma * z[..., 0]
    step = sigma * np.sqrt(1.0 - phi**2)
    for t in range(1, days):
        e[..., t] = phi * e[..., t - 1] + step * z[..., t]
    y = prior.level[draw] + u[:, None, None] + period[None, :, None] + v[..., None] + curve + e
    low, high = bounds
    clipped = float(np.mean((y < low) | (y > high)))
    y = np.clip(y, low, high)
    width = len(str(n))
    frame = pd.DataFrame(
        {
            "subject": np.repeat([f"S{i + 1:0{width}d}" for i in range(n)], periods * days),
            "period": np.tile(np.repeat(np.arange(1, periods + 1), days), n),
            "treatment": np.asarray(design.treatments, dtype=object)[treat].repeat(days).ravel(),
            "day": np.tile(np.arange(1, days + 1), n * periods),
            column: y.ravel(),
        }
    )
    return frame, clipped
