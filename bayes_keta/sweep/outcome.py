"""What a sweep reports on: the trial's declared outcome, and its priors on that scale.

A sweep follows the outcome like every fit: its numbers are in the outcome's units, its
``p_beyond_<t>`` columns are the outcome's declared thresholds, ``p_rope`` its ROPE, and the
grid's settings and named prior sets (written in 0-10 NRS points, ``models/priors/*.toml``)
are put on the outcome's scale by the rule every fit applies
(:mod:`bayes_keta.models.scaling`: on a 0-100 VAS, x10). The one outcome a sweep cannot take
is one whose priors cannot be scaled (no declared bounds and readings without spread):
:func:`check_sweep_outcome` refuses it before any sampling, with the reason.
"""

from __future__ import annotations

from typing import Any

from bayes_keta.data.trial import Trial
from bayes_keta.models.scaling import PriorScaling, prior_scaling
from bayes_keta.outcome import Outcome

__all__ = ["check_sweep_outcome", "headline_threshold", "outcome_record", "table_scheme"]


def check_sweep_outcome(trial: Trial) -> PriorScaling:
    """Check before sampling that a sweep can report on the trial's outcome.

    Returns
    -------
    PriorScaling
        How the sweep's priors (NRS points) go on the outcome's scale.

    Raises
    ------
    DataError
        The outcome has no declared bounds and its readings have no spread: its priors
        cannot be put on its scale (declare ``lower`` and ``upper`` in ``[outcome]``).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> check_sweep_outcome(bk.ketapain_synthetic()).is_identity  # the 0-10 NRS
    True
    >>> frame = bk.simulate_trial(n_subjects=6, n_days=3, seed=1, mu=50, bounds=(0, 100))
    >>> check_sweep_outcome(bk.load_trial(frame, outcome="vas_0_100")).factor
    10.0
    """
    return prior_scaling(trial)


def headline_threshold(outcome: Outcome) -> float | None:
    """Return the threshold a sweep's text and heatmap show: the middle declared one.

    None when the outcome declares no thresholds.

    Examples
    --------
    >>> headline_threshold(Outcome.nrs_0_10()), headline_threshold(Outcome.vas_0_100())
    (1.0, 13.0)
    """
    values = outcome.thresholds
    return float(values[len(values) // 2]) if values else None


def outcome_record(outcome: Outcome, scaling: PriorScaling) -> dict[str, Any]:
    """Return the sweep's outcome and prior scaling, for its provenance (``sweep.json``).

    Examples
    --------
    >>> rec = outcome_record(Outcome.vas_0_100(), PriorScaling.identity())
    >>> rec["outcome"]["units"], rec["prior_scaling"]["factor"]
    ('mm', 1.0)
    """
    return {"outcome": outcome.to_dict(), "prior_scaling": scaling.to_dict()}


def table_scheme(outcome: Outcome) -> str:
    """Say in one sentence what a sweep table's rows and probability columns mean.

    Examples
    --------
    >>> table_scheme(Outcome.vas_0_100()).split(";")[1].split(" on ")[0]
    ' p_beyond_<t>: P(benefit beyond t) with t in mm (10, 13, 20)'
    """
    listed = ", ".join(f"{t:g}" for t in outcome.thresholds) or "none declared"
    rope = "none declared" if outcome.rope is None else f"{outcome.rope:g} {outcome.units}"
    return (
        "one row per setting x contrast x estimand;"
        f" p_beyond_<t>: P(benefit beyond t) with t in {outcome.units} ({listed})"
        f" on {outcome.label} rows, n_days x t on AUC rows; p_rope: P(|difference| < ROPE),"
        f" ROPE {rope}; prior_effect columns on the outcome's scale"
    )
