"""Treatment orders of simulated crossovers: permutations, Williams squares, N-of-1 series."""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np

__all__ = ["SEQUENCE_LETTERS", "treatment_orders", "williams_sequences"]

#: One-letter codes of the default treatments in the ``sequence`` column.
SEQUENCE_LETTERS: dict[str, str] = {
    "placebo": "P",
    "ketamine": "K",
    "ketamine_magnesium": "M",
}


def _sequences(treatments: Sequence[str]) -> list[tuple[str, ...]]:
    return list(itertools.permutations(treatments))


def williams_sequences(treatments: Sequence[str]) -> list[tuple[str, ...]]:
    """Return a Williams design: each treatment once per period, each ordered pair adjacent once.

    Williams' construction (Aust J Sci Res A 1949;2:149-168): the first row is 0, 1, t-1, 2,
    t-2, ...; row i adds i (mod t); for an odd number of treatments the mirrored square is
    added (2t sequences).

    Examples
    --------
    >>> ["".join(s) for s in williams_sequences("ABCD")]
    ['ABDC', 'BCAD', 'CDBA', 'DACB']
    """
    labels = list(treatments)
    t = len(labels)
    first, low, high = [0], 1, t - 1
    while len(first) < t:
        first.append(low)
        low += 1
        if len(first) < t:
            first.append(high)
            high -= 1
    rows = [tuple(labels[(j + i) % t] for j in first) for i in range(t)]
    return rows + [row[::-1] for row in rows] if t % 2 else rows


def _sequence_code(order: Sequence[str]) -> str:
    if all(t in SEQUENCE_LETTERS for t in order):
        return "".join(SEQUENCE_LETTERS[t] for t in order)
    return "-".join(order)


def treatment_orders(
    treatments: tuple[str, ...],
    sequences: Sequence[Sequence[str]] | None,
    cycles: int,
    n_subjects: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, list[str]]:
    """Treatment of each subject in each period, shape (subject, period), and its code.

    ``cycles > 1``: each subject gets ``cycles`` independent random orders of all the
    treatments in a row (an N-of-1 series). Otherwise the orders (``sequences``, default every
    permutation of the treatments) are assigned in randomised blocks so that the sequences stay
    balanced.

    Examples
    --------
    >>> import numpy as np
    >>> order, codes = treatment_orders(("placebo", "ketamine"), None, 1, 4,
    ...                                 np.random.default_rng(0))
    >>> order.shape, sorted(codes)
    ((4, 2), ['KP', 'KP', 'PK', 'PK'])
    """
    if cycles > 1:
        rows = [
            [treatments[k] for _ in range(cycles) for k in rng.permutation(len(treatments))]
            for _ in range(n_subjects)
        ]
    else:
        orders = [tuple(o) for o in sequences] if sequences else _sequences(treatments)
        assigned = _assign_sequences(n_subjects, len(orders), rng)
        rows = [list(orders[k]) for k in assigned]
    order = np.empty((n_subjects, len(rows[0])), dtype=object)
    order[:] = rows
    return order, [_sequence_code(row) for row in rows]


def _assign_sequences(n_subjects: int, n_sequences: int, rng: np.random.Generator) -> np.ndarray:
    blocks = -(-n_subjects // n_sequences)
    return np.concatenate([rng.permutation(n_sequences) for _ in range(blocks)])[:n_subjects]
