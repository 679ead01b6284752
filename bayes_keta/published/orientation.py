"""Published effect sizes whose sign contradicts the arm means: flagged, read both ways.

A published contrast ``active vs reference`` is read as ``active - reference`` (negative =
less pain on ``active``). When the arm means are published too, the sign of each row can be
checked against them: a standardized effect has the sign of the raw difference of the means
it standardizes. KETAPAIN's "placebo vs ketamine/magnesium +0.2" read that way says
placebo - ketamine/magnesium = +0.2 (ketamine/magnesium less pain), but the arm means (187 vs
196 pain score-days) and the other two rows ((K - P) - (K - KM) = -0.2 + 0.4) both say
placebo - ketamine/magnesium = -0.2 (ketamine/magnesium MORE pain): the row was most likely
printed in the other orientation (ketamine/magnesium vs placebo).

:func:`check_orientation` flags such rows; :func:`read_both_ways` keeps each flagged row in
two readings, the one the arm means support first (the default, used for every headline
number) and the row as printed (the alternative), so that every output of ``bayes-keta
published`` shows both and says which is the default. Rows that agree are read as published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

__all__ = [
    "AS_PRINTED",
    "ARM_MEANS",
    "PUBLISHED",
    "OrientationCheck",
    "check_orientation",
    "read_both_ways",
]

#: Values of the table's ``reading`` column.
PUBLISHED = "published"  # the row agrees with the arm means: read as published
ARM_MEANS = "arm_means"  # a flagged row, in the orientation the arm means support (default)
AS_PRINTED = "as_printed"  # a flagged row exactly as printed (the alternative reading)


@dataclass(frozen=True)
class OrientationCheck:
    """One published row checked against the arm means (and the other rows).

    Attributes
    ----------
    active, reference : str
        The row as published.
    estimate, lo95, hi95 : float
        As printed (``lo95``/``hi95`` NaN when not given).
    arm_difference : float
        ``mean(active) - mean(reference)`` of the published arm means.
    implied : float or None
        The same contrast implied by the other rows (a closed triangle of rows), or None.
    consistent : bool
        Whether the printed sign agrees with the arm means (a zero on either side agrees).
    text : str
        What was found and which reading is the default.
    """

    active: str
    reference: str
    estimate: float
    lo95: float
    hi95: float
    arm_difference: float
    implied: float | None
    consistent: bool
    text: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (NaN as None)."""
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in self.__dict__.items()
        }


def _implied(rows: pd.DataFrame, active: str, reference: str) -> float | None:
    """``active - reference`` from two other rows through a third arm (None: no triangle)."""
    edges: dict[tuple[str, str], float] = {}
    for r in rows.itertuples(index=False):
        if {r.active, r.reference} == {active, reference}:
            continue
        edges[(r.active, r.reference)] = float(r.estimate)
        edges[(r.reference, r.active)] = -float(r.estimate)
    arms = {a for a, _ in edges} - {active, reference}
    for third in sorted(arms):
        if (active, third) in edges and (third, reference) in edges:
            return edges[(active, third)] + edges[(third, reference)]
    return None


def check_orientation(
    rows: pd.DataFrame, arm_means: Mapping[str, float]
) -> tuple[OrientationCheck, ...]:
    """Check the sign of each published row against the arm means.

    Parameters
    ----------
    rows : pandas.DataFrame
        Published rows with ``active``, ``reference``, ``estimate`` (and ``lo95``, ``hi95``).
    arm_means : mapping of str to float
        Published mean of each arm (on any scale: only signs of differences are used).

    Returns
    -------
    tuple of OrientationCheck
        One per row whose two arms have published means.

    Examples
    --------
    >>> from bayes_keta.data.published import ketapain_published
    >>> pub = ketapain_published()
    >>> means = dict(zip(pub.arms["treatment"], pub.arms["auc_mean"]))
    >>> [c.consistent for c in check_orientation(pub.contrasts, means)]
    [True, False, True]
    """
    checks = []
    for r in rows.to_dict("records"):
        active, reference = str(r["active"]), str(r["reference"])
        if active not in arm_means or reference not in arm_means:
            continue
        est = float(r["estimate"])
        diff = float(arm_means[active]) - float(arm_means[reference])
        implied = _implied(rows, active, reference)
        consistent = est * diff >= 0
        lo, hi = float(r.get("lo95", math.nan)), float(r.get("hi95", math.nan))
        if consistent:
            text = f"{active} vs {reference}: sign agrees with the arm means; read as published"
        else:
            other = "" if implied is None else f" and the other rows ({implied:+.2g})"
            text = (
                f"INCONSISTENT: {active} vs {reference} printed {est:+g} reads as {active} -"
                f" {reference} = {est:+g}, but the arm means ({arm_means[active]:g} vs"
                f" {arm_means[reference]:g}, difference {diff:+g}){other} say the opposite"
                f" sign; default reading (the arm means'): {active} - {reference} = {-est:+g}"
                f" (95% CI {-hi:g} to {-lo:g}); the row as printed is kept as the alternative"
            )
        checks.append(
            OrientationCheck(active, reference, est, lo, hi, diff, implied, consistent, text)
        )
    return tuple(checks)


def read_both_ways(rows: pd.DataFrame, checks: tuple[OrientationCheck, ...]) -> pd.DataFrame:
    """Return the rows to analyse: flagged ones twice (arm-means reading first, as printed).

    Adds ``published_estimate`` (as printed), ``reading`` (:data:`PUBLISHED`,
    :data:`ARM_MEANS` or :data:`AS_PRINTED`), ``inconsistent`` and ``default`` (whether the
    row is the one headline numbers use); the arm-means reading negates ``estimate`` and swaps
    and negates ``lo95``/``hi95`` (the same contrast, ``active - reference``).

    Examples
    --------
    >>> from bayes_keta.data.published import ketapain_published
    >>> pub = ketapain_published()
    >>> means = dict(zip(pub.arms["treatment"], pub.arms["auc_mean"]))
    >>> out = read_both_ways(pub.contrasts, check_orientation(pub.contrasts, means))
    >>> out[["estimate", "reading", "default"]].values.tolist()[1:3]
    [[-0.2, 'arm_means', True], [0.2, 'as_printed', False]]
    """
    flagged = {(c.active, c.reference) for c in checks if not c.consistent}
    out = []
    for r in rows.to_dict("records"):
        base = {**r, "published_estimate": r["estimate"], "inconsistent": False}
        if (r["active"], r["reference"]) not in flagged:
            out.append({**base, "reading": PUBLISHED, "default": True})
            continue
        flipped = {
            **base,
            "estimate": -float(r["estimate"]) + 0.0,
            "reading": ARM_MEANS,
            "inconsistent": True,
            "default": True,
        }
        if "lo95" in r and "hi95" in r:
            flipped["lo95"], flipped["hi95"] = -float(r["hi95"]) + 0.0, -float(r["lo95"]) + 0.0
        out.append(flipped)
        out.append({**base, "reading": AS_PRINTED, "inconsistent": True, "default": False})
    return pd.DataFrame(out)
