r"""The trial's own (likelihood-based) estimate of an adverse-event risk difference.

The ``ae_risk_difference`` rows of ``meta_summary.csv`` carry, in ``lik_estimate``/``lik_se``,
an estimate from the data alone, so that a meta-analysis pools the trials' data rather than
their posteriors (each of which holds the trial's prior). The model's prior cannot be divided
out as for the efficacy contrasts (it is a normal on log odds ratios, not on risk differences),
so the estimate is computed directly from the per-patient-period adverse-event flags.

Paired (crossover) risk difference. Among the ``n`` patients with a recorded flag in both the
active and the reference period, let ``a`` have an adverse event in both, ``b`` on the active
arm only, ``c`` on the reference only and ``d`` in neither. Then

.. math::

    \hat\Delta = \frac{b - c}{n} = \hat p_{\text{active}} - \hat p_{\text{reference}},
    \qquad
    \widehat{\operatorname{var}}(\hat\Delta) = \frac{b + c - (b - c)^2 / n}{n^2},

the difference of two dependent proportions and its Wald (maximum-likelihood plug-in)
variance (Agresti A. *Categorical Data Analysis*, 3rd ed., Wiley 2013, section 11.1,
comparing dependent proportions; *An Introduction to Categorical Data Analysis*, 3rd ed.,
2019, section 8.1). It is a normal approximation of the likelihood of the
marginal risk difference: what ``lik_estimate``/``lik_se`` are on the efficacy rows. Newcombe's
or Tango's intervals (Newcombe RG, *Stat Med* 1998;17:2635-2650; Tango T, *Stat Med*
1998;17:891-908) are better intervals but give no standard error, which a normal-normal
meta-analysis needs.

The Wald variance is 0 when there is no discordant pair (``b = c = 0``) or when every pair is
discordant in the same direction: a standard error of 0 would claim certainty, so the estimate
is then withheld (``lik_estimate``/``lik_se`` empty) with the counts in ``lik_reason``. So are
designs where a patient has two periods on one arm (replicated crossovers: the flags are no
longer one pair per patient) and trials with no patient recorded on both arms. Period effects
are not adjusted for (the crossover's sequences balance them); patients with one of the two
periods missing are left out (the model uses them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bayes_keta.data.adverse_events import AE_COLUMN, adverse_event_cells
from bayes_keta.fitting.result import FitResult

__all__ = ["PairedRiskDifference", "ae_flags", "paired_from_flags", "paired_risk_difference"]

_METHOD = (
    "paired (crossover) risk difference of the observed adverse-event flags, active minus"
    " reference, among patients with both periods recorded, (b - c) / n, with the Wald SE"
    " sqrt(b + c - (b - c)^2 / n) / n (Agresti 2013, section 11.1); not a division of the"
    " posterior by its prior (the model's prior is on log odds ratios)"
)


@dataclass(frozen=True)
class PairedRiskDifference:
    """The paired risk difference of one active arm vs the reference (module docstring).

    Attributes
    ----------
    active, reference : str
        The arms (difference = active - reference; positive = more adverse events).
    n_pairs : int
        Patients with a recorded flag in both periods.
    both, active_only, reference_only : int
        Pairs with an adverse event on both arms, on the active arm only (``b``) and on the
        reference only (``c``).
    estimate, se : float
        ``(b - c) / n`` and its Wald standard error; NaN when ``reason`` is given.
    reason : str or None
        Why there is no usable estimate (None when there is).
    """

    active: str
    reference: str
    n_pairs: int
    both: int
    active_only: int
    reference_only: int
    estimate: float
    se: float
    reason: str | None = None

    @property
    def counts(self) -> str:
        """The 2x2 table in words, e.g. ``"n = 20 pairs, b = 3, c = 1, both = 1"``."""
        return (
            f"n = {self.n_pairs} pairs, b = {self.active_only} ({self.active} only),"
            f" c = {self.reference_only} ({self.reference} only), both = {self.both}"
        )

    @property
    def approx(self) -> str:
        """How ``lik_estimate``/``lik_se`` were made (the ``approx`` column's ``lik`` part)."""
        return f"lik: {_METHOD}" + (f"; {self.counts}" if self.n_pairs else "")


def paired_risk_difference(
    active_flags: np.ndarray,
    reference_flags: np.ndarray,
    *,
    active: str = "active",
    reference: str = "reference",
) -> PairedRiskDifference:
    """Paired risk difference of 0/1 flags, one pair per patient (see the module docstring).

    Parameters
    ----------
    active_flags, reference_flags : array of 0/1
        Each patient's flag in the active and in the reference period (same order).
    active, reference : str
        The arms' names (for the record and the texts).

    Returns
    -------
    PairedRiskDifference
        With ``reason`` (and NaN estimate and SE) when the Wald SE would be 0 or n = 0.

    Raises
    ------
    ValueError
        Flags of different lengths or not 0/1.

    Examples
    --------
    >>> rd = paired_risk_difference([1, 1, 0, 0, 0], [1, 0, 0, 0, 1])
    >>> rd.estimate, round(rd.se, 4)  # (1 - 1) / 5; sqrt(2 - 0 / 5) / 5
    (0.0, 0.2828)
    >>> paired_risk_difference([0, 1], [0, 1]).reason
    'no discordant pair (b = c = 0): the Wald standard error would be 0'
    """
    x = np.asarray(active_flags)
    y = np.asarray(reference_flags)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"need two flag vectors of one length, got {x.shape} and {y.shape}")
    if not (np.isin(x, (0, 1)).all() and np.isin(y, (0, 1)).all()):
        raise ValueError("adverse-event flags must be 0 or 1")
    x, y = x.astype(bool), y.astype(bool)
    n, both = int(x.size), int(np.sum(x & y))
    b, c = int(np.sum(x & ~y)), int(np.sum(~x & y))
    base = {"active": active, "reference": reference, "n_pairs": n, "both": both}
    base |= {"active_only": b, "reference_only": c}
    nan = {"estimate": math.nan, "se": math.nan}
    if n == 0:
        return PairedRiskDifference(**base, **nan, reason="no patient has both periods recorded")
    if b == c == 0:
        why = "no discordant pair (b = c = 0): the Wald standard error would be 0"
        return PairedRiskDifference(**base, **nan, reason=why)
    variance = (b + c - (b - c) ** 2 / n) / n**2
    if variance <= 0:  # b + c = n with b or c = 0: every pair discordant the same way
        why = "every pair discordant in the same direction: the Wald standard error would be 0"
        return PairedRiskDifference(**base, **nan, reason=why)
    return PairedRiskDifference(**base, estimate=(b - c) / n, se=math.sqrt(variance))


def paired_from_flags(flags: pd.DataFrame, active: str, reference: str) -> PairedRiskDifference:
    """Pair each patient's flags on two arms (``subject``, ``treatment``, ``adverse_event``).

    Patients lacking either arm are left out; a patient with two periods on one arm makes the
    estimate unavailable (``reason``), as does a table without the two arms.

    Examples
    --------
    >>> flags = pd.DataFrame({
    ...     "subject": ["s1", "s1", "s2", "s2", "s3"],
    ...     "treatment": ["k", "p", "k", "p", "k"],
    ...     "adverse_event": [1, 0, 1, 1, 1]})
    >>> rd = paired_from_flags(flags, "k", "p")  # s3 has no placebo period: left out
    >>> rd.counts, rd.reason
    ('n = 2 pairs, b = 1 (k only), c = 0 (p only), both = 1', None)
    """
    sub = flags[flags["treatment"].isin([active, reference])]
    repeats = sub.groupby(["subject", "treatment"]).size()
    if (repeats > 1).any():
        s, t = repeats.index[repeats > 1][0]
        why = (
            f"patient {s} has more than one period on {t}: the paired estimate needs one"
            " period per arm and patient (a replicated crossover)"
        )
        return _unavailable(active, reference, why)
    wide = sub.pivot(index="subject", columns="treatment", values=AE_COLUMN)
    if active not in wide.columns or reference not in wide.columns:
        return _unavailable(active, reference, f"no recorded flags on {active} and {reference}")
    wide = wide[[active, reference]].dropna()
    return paired_risk_difference(
        wide[active].to_numpy(int),
        wide[reference].to_numpy(int),
        active=active,
        reference=reference,
    )


def _unavailable(active: str, reference: str, why: str) -> PairedRiskDifference:
    return PairedRiskDifference(active, reference, 0, 0, 0, 0, math.nan, math.nan, why)


def ae_flags(harm: FitResult) -> pd.DataFrame | None:
    """Per-patient-period flags an adverse-event fit was made from (None if not at hand).

    Read from the fit's ``constant_data`` (the cells the model saw: ``cell_subject_idx``,
    ``cell_treatment_idx``, ``adverse_event_data``, labelled by the posterior's ``subject``
    and ``treatment`` coords; subjects by index when the posterior has no ``subject``
    coord), else from its trial.

    Returns
    -------
    pandas.DataFrame or None
        Columns ``subject``, ``treatment``, ``adverse_event`` (one row per subject-period
        with a recorded flag).
    """
    tree = harm.datatree
    names = ("cell_subject_idx", "cell_treatment_idx", f"{AE_COLUMN}_data")
    if "constant_data" in tree.children and set(names) <= set(tree["constant_data"].data_vars):
        data, post = tree["constant_data"], tree["posterior"]
        subject_idx = np.asarray(data[names[0]].values, dtype=np.int64)
        subjects = (
            np.asarray(post["subject"].values).astype(str)[subject_idx]
            if "subject" in post.coords
            else subject_idx  # the index pairs the periods as well as the label
        )
        treatments = np.asarray(post["treatment"].values).astype(str)
        return pd.DataFrame(
            {
                "subject": subjects,
                "treatment": treatments[np.asarray(data[names[1]].values, dtype=np.int64)],
                AE_COLUMN: np.asarray(data[names[2]].values, dtype=np.int64),
            }
        )
    if harm.trial is not None:
        cells = adverse_event_cells(harm.trial)
        return pd.DataFrame(
            {
                "subject": cells["subject"].astype(str).to_numpy(),
                "treatment": cells["treatment"].astype(str).to_numpy(),
                AE_COLUMN: cells[AE_COLUMN].to_numpy(np.int64),
            }
        )
    return None
