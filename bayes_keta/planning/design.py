"""Designs of the next crossover trial: which sequences, how subjects are allocated to them.

A :class:`FutureDesign` is a set of treatment sequences (one treatment per period), the
number of readings per period (the fitted trial's ``n_days``: every reading observed) and
the rule that allocates ``n`` subjects to the sequences as evenly as possible (subject ``i``
gets sequence ``i mod S``: each sequence ``n // S`` or ``n // S + 1`` times, the first ones
getting the extra subjects).

Kinds (:data:`bayes_keta.constants.ASSURANCE_DESIGNS`):

``"williams"``
    A Williams design of the fitted trial's treatments (Williams 1949; Jones & Kenward 2014,
    ch. 4): balanced for first-order carryover. For 3 treatments it has 6 sequences, every
    ordering once (the KETAPAIN design); for 2, AB/BA; for an even number ``t``, one
    ``t x t`` square; for an odd one, that square and its mirror image.
``"2x2"``
    AB/BA of one active vs the reference: one design per active treatment of the fit (each
    row of the result is its own two-arm trial of ``n`` subjects).
``"same"``
    The fitted trial's own distinct sequences (those of subjects who completed every
    period), in order of first appearance, and its period count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bayes_keta.constants import ASSURANCE_DESIGNS
from bayes_keta.data.sequence_orders import williams_sequences as williams_orders
from bayes_keta.exceptions import SpecError

__all__ = ["FutureDesign", "future_designs", "williams_sequences"]


@dataclass(frozen=True)
class FutureDesign:
    """Sequences of a future crossover trial and how subjects are allocated to them.

    Attributes
    ----------
    kind : str
        ``"williams"``, ``"2x2"`` or ``"same"``.
    treatments : tuple of str
        The trial's treatments, the reference first.
    reference : str
        Reference (control) label.
    sequences : tuple of tuple of str
        Treatment of each period, one tuple per sequence.
    n_days : int
        Readings per period (all observed).

    Examples
    --------
    >>> d = future_designs("2x2", treatments=("P", "A"), reference="P", n_days=7)[0]
    >>> d.sequences, d.counts(5).tolist(), d.residual_df(5)
    ((('P', 'A'), ('A', 'P')), [3, 2], 3)
    """

    kind: str
    treatments: tuple[str, ...]
    reference: str
    sequences: tuple[tuple[str, ...], ...]
    n_days: int

    @property
    def periods(self) -> int:
        """Number of periods."""
        return len(self.sequences[0])

    @property
    def actives(self) -> tuple[str, ...]:
        """Active treatments (every one but the reference), in order."""
        return tuple(t for t in self.treatments if t != self.reference)

    @property
    def label(self) -> str:
        """Short description, e.g. ``"williams (6 sequences x 3 periods)"``."""
        return f"{self.kind} ({len(self.sequences)} sequences x {self.periods} periods)"

    def allocation(self, n: int) -> np.ndarray:
        """Sequence index of each of ``n`` subjects (``i mod S``)."""
        return np.arange(n) % len(self.sequences)

    def counts(self, n: int) -> np.ndarray:
        """Subjects per sequence for ``n`` subjects."""
        return np.bincount(self.allocation(n), minlength=len(self.sequences))

    def cell_treatments(self, n: int) -> np.ndarray:
        """Index (into :attr:`treatments`) of the treatment of each subject and period.

        Returns
        -------
        numpy.ndarray
            Shape ``(n, periods)``.
        """
        index = {t: k for k, t in enumerate(self.treatments)}
        table = np.array([[index[t] for t in seq] for seq in self.sequences], dtype=int)
        return table[self.allocation(n)]

    def residual_df(self, n: int) -> int:
        """Residual degrees of freedom of the within-subject analysis of ``n`` subjects.

        ``n * periods`` cell means less ``n`` subject means, ``periods - 1`` period effects
        and ``treatments - 1`` treatment effects (when the design separates them; checked by
        :func:`bayes_keta.planning.analyse.within_plan`).
        """
        return n * self.periods - n - (self.periods - 1) - (len(self.treatments) - 1)

    def to_dict(self) -> dict[str, object]:
        """JSON-able record."""
        return {
            "kind": self.kind,
            "treatments": list(self.treatments),
            "reference": self.reference,
            "sequences": ["-".join(s) for s in self.sequences],
            "periods": self.periods,
            "n_days": self.n_days,
        }


def williams_sequences(t: int) -> list[list[int]]:
    """Williams design for ``t`` treatments (indices ``0..t-1``), balanced for carryover.

    The first sequence is ``0, 1, t-1, 2, t-2, ...``; the others add ``1, 2, ...`` modulo
    ``t``; for odd ``t`` the mirror image of each sequence is added (the construction of
    :func:`bayes_keta.data.sequence_orders.williams_sequences`, on indices).

    Examples
    --------
    >>> williams_sequences(3)
    [[0, 1, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0], [0, 2, 1], [1, 0, 2]]
    >>> williams_sequences(4)
    [[0, 1, 3, 2], [1, 2, 0, 3], [2, 3, 1, 0], [3, 0, 2, 1]]
    """
    if t < 2:
        raise SpecError(f"a crossover needs at least 2 treatments, got {t}")
    return [list(row) for row in williams_orders(range(t))]


def future_designs(
    kind: str,
    *,
    treatments: Sequence[str],
    reference: str,
    n_days: int,
    fitted_sequences: Sequence[Sequence[str]] | None = None,
) -> list[FutureDesign]:
    """Build the future trial(s) of a design kind from the fitted trial's treatments.

    Parameters
    ----------
    kind : {"williams", "2x2", "same"}
        Design (see the module docstring).
    treatments : sequence of str
        The fitted trial's treatments, the reference first.
    reference : str
        Reference label.
    n_days : int
        Readings per period.
    fitted_sequences : sequence of sequence of str, optional
        The fitted trial's sequences (needed for ``"same"``).

    Returns
    -------
    list of FutureDesign
        One design; for ``"2x2"`` one per active treatment.

    Raises
    ------
    SpecError
        Unknown kind, or ``"same"`` without the fitted sequences.

    Examples
    --------
    >>> [d.label for d in future_designs("williams", treatments="PKM", reference="P", n_days=3)]
    ['williams (6 sequences x 3 periods)']
    """
    treatments = tuple(treatments)
    if kind not in ASSURANCE_DESIGNS:
        raise SpecError(f"design must be one of {', '.join(ASSURANCE_DESIGNS)}, got {kind!r}")
    if reference not in treatments:
        raise SpecError(f"reference {reference!r} is not one of the treatments {treatments}")
    ordered = (reference, *[t for t in treatments if t != reference])
    if kind == "williams":
        seqs = [tuple(ordered[k] for k in row) for row in williams_sequences(len(ordered))]
        return [FutureDesign("williams", ordered, reference, tuple(seqs), n_days)]
    if kind == "2x2":
        return [
            FutureDesign("2x2", (reference, a), reference, ((reference, a), (a, reference)), n_days)
            for a in ordered[1:]
        ]
    if not fitted_sequences:
        raise SpecError(
            "design 'same' needs the fitted trial's sequences, and the fit records none with"
            " every period observed; use --design williams or 2x2"
        )
    seqs = tuple(dict.fromkeys(tuple(s) for s in fitted_sequences))
    if len({len(s) for s in seqs}) != 1:
        raise SpecError("design 'same': the fitted trial's sequences differ in length")
    used = tuple(t for t in ordered if any(t in s for s in seqs))
    if reference not in used:
        raise SpecError("design 'same': no fitted sequence includes the reference")
    return [FutureDesign("same", used, reference, seqs, n_days)]
