"""Replicated crossovers and N-of-1 series in the simulator: design checks, individual effects.

Used by :func:`bayes_keta.data.simulate.simulate_trial` (options ``sequences``, ``cycles``,
``individual_sd``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from bayes_keta import checks
from bayes_keta.exceptions import SpecError

__all__ = ["check_replicated_design", "individual_deviations"]


def individual_deviations(
    individual_sd: float | Mapping[str, float],
    treatments: tuple[str, ...],
    n_subjects: int,
    seed: int,
) -> np.ndarray:
    """Deviation of each subject's effect of each treatment, shape (subject, treatment).

    Normal with SD ``individual_sd`` (per active treatment when a mapping), 0 for the
    reference (the first treatment); drawn from a generator of its own seeded by ``seed``.

    Examples
    --------
    >>> dev = individual_deviations({"b": 2.0}, ("a", "b"), 4000, seed=1)
    >>> dev[:, 0].any(), round(float(dev[:, 1].std()), 1)
    (np.False_, 2.0)
    """
    sd = (
        individual_sd
        if isinstance(individual_sd, Mapping)
        else dict.fromkeys(treatments[1:], individual_sd)
    )
    sds = np.array([0.0] + [float(sd.get(t, 0.0)) for t in treatments[1:]])
    rng = np.random.default_rng([seed, 15])  # its own stream: the rest of the draw unchanged
    return rng.standard_normal((n_subjects, len(treatments))) * sds


def check_replicated_design(
    treatments: tuple[str, ...],
    sequences: Sequence[Sequence[str]] | None,
    cycles: int,
    individual_sd: float | Mapping[str, float],
) -> int:
    """Check the replicated-design options of the simulator; return the number of periods.

    Raises
    ------
    SpecError
        ``sequences`` and ``cycles > 1`` together, orders of unequal length or with unknown
        labels, a negative ``individual_sd`` or one for an unknown treatment.

    Examples
    --------
    >>> check_replicated_design(("P", "A"), [("P", "A", "A", "P"), ("A", "P", "P", "A")], 1, 0.5)
    4
    >>> check_replicated_design(("P", "A"), None, 3, 0.0)
    6
    """
    checks.SUBJECTS.check(cycles, "cycles")
    if sequences is not None and cycles > 1:
        raise SpecError("give either sequences (a replicated crossover) or cycles (N-of-1)")
    sds = individual_sd.values() if isinstance(individual_sd, Mapping) else [individual_sd]
    for value in sds:
        if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
            raise SpecError(f"individual_sd must be >= 0, got {value!r}")
    if isinstance(individual_sd, Mapping):
        unknown = sorted(set(individual_sd) - set(treatments[1:]))
        if unknown:
            raise SpecError(f"individual_sd names unknown active treatments {unknown}")
    if sequences is None:
        return cycles * len(treatments)
    orders = [tuple(q) for q in sequences]
    if not orders or len({len(q) for q in orders}) != 1 or not orders[0]:
        raise SpecError("sequences must be non-empty orders of one length (one label a period)")
    unknown = sorted({t for q in orders for t in q} - set(treatments))
    if unknown:
        raise SpecError(f"sequences name unknown treatments {unknown}; known: {list(treatments)}")
    return len(orders[0])
