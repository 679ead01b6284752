r"""The documented rule that puts priors written for the 0-10 NRS on a declared outcome's scale.

Every spec and prior set (``models/*.toml``, ``models/priors/*.toml``) and every override
writes its priors for the **reference scale**: the 0-10 pain NRS, lower is better (a
negative ``treatment_effect`` is a benefit). For the trial's outcome
(:class:`bayes_keta.outcome.Outcome`) they are mapped by one rule, recorded with each fit
(``FitRecord.prior_scaling``, ``summary.json`` ``outcome.prior_scaling``):

**factor** (outcome units per reference point)
    a bounded outcome: its range over the NRS's, ``(upper - lower) / 10`` (1 for the NRS
    itself, 10 for a 0-100 VAS); an outcome with at most one declared bound: the spread of its
    readings, ``4 x SD / 10`` (the data's mean +/- 2 SD taken as its range, in the spirit of
    rstanarm's autoscaling). The two agree on the NRS: KETAPAIN's synthetic readings have an
    SD of 2.9 points, so 4 SD = 11.6, close to the 10-point range.
**centre**
    where the reference midpoint (5) lands: the middle of the bounds, or the readings' mean.

Then, for the roles measured on the outcome scale (:data:`bayes_keta.spec.OUTCOME_SCALED`):
differences and SDs are multiplied by the factor; the ``intercept`` (a level) is mapped
affinely, ``x -> centre + factor x (x - 5)`` (``normal(5, 2.5)`` becomes ``normal(50, 25)``
on a 0-100 VAS); ``baseline_slope`` (outcome per unit of baseline, on the same scale) is
unitless and not scaled. When **higher is better** the priors of the treatment-direction roles
(``treatment_effect``, ``effect_transient``, ``carryover_effect``) are mirrored (their
locations change sign), so "negative = benefit" in a prior file stays a benefit: the
enthusiastic set's 1-point benefit becomes ``+factor`` units. The builder's own scale (AUC:
``x n_days``; ordinal: ``x latent_scale``) is applied after this
(:func:`bayes_keta.models.priors.scaled_priors`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome
from bayes_keta.spec import OUTCOME_SCALED, Prior
from bayes_keta.spec.families import FAMILIES

__all__ = [
    "BENEFIT_ROLES",
    "REFERENCE_MIDPOINT",
    "REFERENCE_RANGE",
    "PriorScaling",
    "prior_scaling",
    "prior_scaling_for",
]

#: The reference scale the priors are written for: the 0-10 NRS (range 10, midpoint 5).
REFERENCE_RANGE: float = 10.0
REFERENCE_MIDPOINT: float = 5.0
#: Spread of an unbounded outcome taken as its range: this many SDs of its readings.
_SD_RANGE: float = 4.0
#: Roles whose sign is a direction of treatment benefit (mirrored when higher is better).
BENEFIT_ROLES: frozenset[str] = frozenset(
    {"treatment_effect", "effect_transient", "carryover_effect"}
)
#: Outcome-scale roles the factor does not touch (a slope of outcome on baseline outcome).
_UNITLESS: frozenset[str] = frozenset({"baseline_slope"})


@dataclass(frozen=True)
class PriorScaling:
    """How reference-scale priors are put on the outcome's scale (see the module docstring).

    Attributes
    ----------
    rule : {"range", "data_sd"}
        Which rule gave the factor.
    factor : float
        Outcome units per reference (NRS) point.
    centre : float
        Where the reference midpoint 5 lands (the intercept's location).
    flip : bool
        Higher is better: treatment-direction priors are mirrored.
    text : str
        The rule in one sentence, with its numbers (for reports and notes).

    Examples
    --------
    >>> PriorScaling.identity().apply("intercept", Prior("normal", {"mu": 5.0, "sigma": 2.5}))
    Prior(dist='normal', params={'mu': 5.0, 'sigma': 2.5})
    """

    rule: str
    factor: float
    centre: float
    flip: bool
    text: str

    @classmethod
    def identity(cls) -> PriorScaling:
        """Return the NRS's own scaling: nothing changes."""
        return cls("range", 1.0, REFERENCE_MIDPOINT, False, _text("range", 1.0, 5.0, False, ""))

    @property
    def is_identity(self) -> bool:
        """Whether every prior applies unchanged."""
        return self.factor == 1.0 and self.centre == REFERENCE_MIDPOINT and not self.flip

    def apply(self, role: str, prior: Prior) -> Prior:
        """Return ``prior`` (written for the reference scale) on the outcome's scale.

        Examples
        --------
        >>> vas = prior_scaling_for(Outcome.vas_0_100())
        >>> vas.apply("intercept", Prior("normal", {"mu": 5.0, "sigma": 2.5})).params
        {'mu': 50.0, 'sigma': 25.0}
        >>> higher = prior_scaling_for(Outcome(better="higher", preset=None))
        >>> higher.apply("treatment_effect", Prior("normal", {"mu": -1.0, "sigma": 0.6})).params
        {'mu': 1.0, 'sigma': 0.6}
        """
        if role not in OUTCOME_SCALED or role in _UNITLESS:
            return prior
        out = prior.scaled(self.factor)
        if role == "intercept":
            offset = self.centre - self.factor * REFERENCE_MIDPOINT
            out = _shifted(out, offset)
        if self.flip and role in BENEFIT_ROLES:
            out = Prior(dist=out.dist, params=FAMILIES[out.dist].mirrored(out.params))
        return out

    def apply_all(self, priors: Mapping[str, Prior]) -> dict[str, Prior]:
        """:meth:`apply` to every role of ``priors``."""
        return {role: self.apply(role, prior) for role, prior in priors.items()}

    def to_dict(self) -> dict[str, Any]:
        """JSON-able record (the fit record's ``prior_scaling``)."""
        return {
            "rule": self.rule,
            "factor": self.factor,
            "centre": self.centre,
            "flip": self.flip,
            "text": self.text,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> PriorScaling:
        """Rebuild from :meth:`to_dict` (an empty dict: the identity, as fits before it)."""
        if not values:
            return cls.identity()
        return cls(
            str(values["rule"]),
            float(values["factor"]),
            float(values["centre"]),
            bool(values["flip"]),
            str(values.get("text", "")),
        )


def _shifted(prior: Prior, offset: float) -> Prior:
    """Return the prior of ``X + offset`` (locations and bounds move)."""
    if offset == 0.0:
        return prior
    params = dict(prior.params)
    for name, kind in FAMILIES[prior.dist].kinds.items():
        if kind in ("location", "bound"):
            value = params[name]
            params[name] = (
                tuple(v + offset for v in value) if isinstance(value, tuple) else value + offset
            )
    return Prior(dist=prior.dist, params=params)


def _text(rule: str, factor: float, centre: float, flip: bool, basis: str) -> str:
    if rule == "range" and factor == 1.0 and centre == REFERENCE_MIDPOINT and not flip:
        return "priors are written for the 0-10 NRS and apply unchanged (factor 1)"
    how = (
        f"the outcome's range / 10 = {factor:.4g}"
        if rule == "range"
        else f"4 x the readings' SD / 10 = {factor:.4g} ({basis})"
    )
    text = (
        f"priors written for the 0-10 NRS are scaled to the outcome: differences and SDs x"
        f" {how}; the intercept's midpoint 5 moves to {centre:.4g}"
    )
    if flip:
        text += "; higher is better, so treatment-effect priors are mirrored (benefit > 0)"
    return text


def prior_scaling_for(outcome: Outcome, readings: np.ndarray | None = None) -> PriorScaling:
    """Return the scaling of an outcome (``readings``: observed values, for the data-SD rule).

    Raises
    ------
    DataError
        An outcome without both bounds and fewer than two distinct readings (no spread to
        scale by).

    Examples
    --------
    >>> prior_scaling_for(Outcome.nrs_0_10()).is_identity
    True
    >>> prior_scaling_for(Outcome.vas_0_100()).factor
    10.0
    """
    flip = outcome.better == "higher"
    if outcome.bounded:
        factor = (outcome.upper - outcome.lower) / REFERENCE_RANGE  # type: ignore[operator]
        centre = (outcome.upper + outcome.lower) / 2  # type: ignore[operator]
        return PriorScaling("range", factor, centre, flip, _text("range", factor, centre, flip, ""))
    values = np.asarray([] if readings is None else readings, dtype=float)
    values = values[np.isfinite(values)]
    sd = float(values.std(ddof=1)) if len(values) > 1 else 0.0
    if not sd > 0:
        raise DataError(
            f"cannot scale the priors to {outcome.label!r}: it has no declared bounds and its"
            " readings have no spread; declare lower and upper in [outcome]"
        )
    factor, centre = _SD_RANGE * sd / REFERENCE_RANGE, float(values.mean())
    basis = f"SD {sd:.4g} {outcome.units}, mean {centre:.4g}, of {len(values)} readings"
    return PriorScaling(
        "data_sd", factor, centre, flip, _text("data_sd", factor, centre, flip, basis)
    )


def prior_scaling(trial: Trial) -> PriorScaling:
    """Return the scaling of a trial's priors: its outcome, and its readings when unbounded.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> prior_scaling(bk.ketapain_synthetic()).text
    'priors are written for the 0-10 NRS and apply unchanged (factor 1)'
    """
    readings = None if trial.outcome.bounded else trial.observations["pain"].to_numpy()
    return prior_scaling_for(trial.outcome, readings)
