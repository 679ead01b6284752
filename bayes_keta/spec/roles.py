"""Prior roles: which are on the outcome scale, and which families each role may take.

The roles a spec has are its model builder's (:attr:`bayes_keta.spec.ModelSpec.roles`); this
module holds what a role *means* for its prior: outcome-scale roles are rescaled to the
model's units (:data:`OUTCOME_SCALED`), standard deviations need a positive family, locations
a real one (from the family table :data:`bayes_keta.spec.families.FAMILIES`), and a few roles
have their own rule (``phi``, ``cutpoints``, sum-to-zero ``period_effect``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bayes_keta.exceptions import SpecError
from bayes_keta.spec.families import FAMILIES
from bayes_keta.spec.priors import Prior

if TYPE_CHECKING:
    from bayes_keta.spec.spec import ModelSpec

__all__ = ["OUTCOME_SCALED", "check_prior"]

#: Roles on the outcome scale: scaled by :meth:`bayes_keta.spec.ModelSpec.outcome_scale` before use.
OUTCOME_SCALED: frozenset[str] = frozenset(
    {
        "intercept",
        "treatment_effect",
        "effect_transient",
        "period_effect",
        "carryover_effect",
        "baseline_slope",
        "sigma_subject",
        "sigma_subject_period",
        "sigma",
        "sigma_individual",
    }
)

#: Roles whose prior must have positive support.
_POSITIVE_ROLES = frozenset(
    {"sigma_subject", "sigma_subject_period", "sigma", "nu", "tau", "sigma_individual"}
)
#: Roles that are real-valued locations (real-support families only).
_REAL_ROLES = frozenset(OUTCOME_SCALED - _POSITIVE_ROLES)
#: Real families with scalar parameters (for real-valued location roles).
_REAL_FAMILIES = tuple(n for n, f in FAMILIES.items() if f.support == "real" and not f.vector)


def check_prior(role: str, prior: Prior, spec: ModelSpec, where: str) -> None:
    """Check that ``prior`` suits ``role`` in ``spec`` (:class:`SpecError` naming ``where``)."""
    if role in _POSITIVE_ROLES and not FAMILIES[prior.dist].positive:
        raise SpecError(f"{where}: prior {role!r} needs a positive family, got {prior.dist!r}")
    if role in _REAL_ROLES and prior.dist not in _REAL_FAMILIES:
        raise SpecError(
            f"{where}: prior {role!r} must be one of {', '.join(_REAL_FAMILIES)},"
            f" got {prior.dist!r}"
        )
    if role == "phi" and (
        prior.dist != "uniform" or prior.params["lower"] < -1 or prior.params["upper"] > 1
    ):
        raise SpecError(f"{where}: prior 'phi' must be uniform within [-1, 1]")
    if (role == "individual_correlation") != (FAMILIES[prior.dist].support == "correlation"):
        raise SpecError(
            f"{where}: prior 'individual_correlation' needs the lkj family (eta > 0), got"
            f" {prior.dist!r}"
            if role == "individual_correlation"
            else f"{where}: prior {role!r}: the lkj family is for 'individual_correlation' only"
        )
    if role == "cutpoints" and prior.dist != "normal":
        raise SpecError(f"{where}: prior 'cutpoints' must be normal (ordered transform)")
    if role == "cutpoints" and isinstance(prior.params["mu"], tuple):
        if list(prior.params["mu"]) != sorted(prior.params["mu"]):
            raise SpecError(
                f"{where}: cutpoints mu must be increasing values, one per cutpoint (10 on the"
                " 0-10 scale; the outcome's categories - 1 in general)"
            )
    if role == "period_effect" and spec.period == "sum_to_zero":
        if prior.dist != "normal" or prior.params["mu"] != 0:
            raise SpecError(f"{where}: sum-to-zero period effects need a normal(mu=0) prior")
    for value in prior.params.values():
        if isinstance(value, tuple) and role != "cutpoints":
            raise SpecError(f"{where}: prior {role!r} parameters must be scalars")
