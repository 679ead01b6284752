"""What a model builder declares: its capabilities, what the design must have, its support.

Pure data (no PyMC): callers ask these instead of testing spec names or structural flags
(``if spec.likelihood == "ordinal"``). See :mod:`bayes_keta.models.registry`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from bayes_keta.outcome import Outcome

__all__ = [
    "ENDPOINTS",
    "LOO_KINDS",
    "SCALES",
    "Capabilities",
    "MathContext",
    "Needs",
    "Support",
]

#: How a builder's pointwise log-likelihood reads for PSIS-LOO: ``pointwise`` (each daily
#: reading given the parameters), ``conditional`` (each reading given the previous observed
#: one: AR(1), a one-step-ahead criterion), ``cell`` (one value per subject-period: AUC).
LOO_KINDS: tuple[str, ...] = ("pointwise", "conditional", "cell")

#: Scale of a model's effects and SDs: daily NRS points, AUC (NRS points x days), or a latent
#: logit scale (ordinal).
SCALES: tuple[str, ...] = ("nrs", "auc", "logit")

#: What a model is about: ``efficacy`` (the outcome: its contrasts, ``arm_mean``; the specs
#: ``fit``/``report`` compare) or ``harm`` (adverse events: ``ae_risk``, fitted beside an
#: efficacy spec when the data have the column, never one of the efficacy specs).
ENDPOINTS: tuple[str, ...] = ("efficacy", "harm")


@dataclass(frozen=True)
class Needs:
    """What the trial's design must have for a builder.

    Attributes
    ----------
    min_readings_per_period : int
        Observed readings (diary days) a subject-period must be able to have: 2 for the
        daily-level models (a subject-period effect and a day-to-day residual), 1 for the AUC.
    min_observed_fraction : float
        Fraction of the follow-up days a subject-period must have observed to be used (the
        AUC's imputation; 0: any).
    integer_outcome : bool
        An integer outcome with a small declared range, integer readings (ordinal); as many
        categories as the spec's cutpoints prior fixes, when it fixes them.
    baseline : bool
        A complete ``baseline_pain`` column (the spec's ``baseline`` option).
    min_periods : int
        Periods the design must have: 3 with a carryover term (with two periods the
        carryover is aliased with the sequence effect and direct effects would rest on
        period-1 data alone: Freeman 1989, Senn 2002).
    adverse_events : bool
        An ``adverse_event`` column with recorded values (the harm model).
    """

    min_readings_per_period: int = 1
    min_observed_fraction: float = 0.0
    integer_outcome: bool = False
    baseline: bool = False
    min_periods: int = 1
    adverse_events: bool = False

    def readings(self, n_days: int) -> int:
        """Observed readings a subject-period needs in a design of ``n_days`` days.

        Examples
        --------
        >>> Needs(min_readings_per_period=1, min_observed_fraction=0.5).readings(35)
        18
        """
        return max(self.min_readings_per_period, math.ceil(self.min_observed_fraction * n_days))


@dataclass(frozen=True)
class Capabilities:
    """What a built model offers, declared by its builder for a spec.

    Attributes
    ----------
    builder : str
        Name of the builder.
    observed : str
        Name of the observed variable (``"pain"``, ``"auc"``); its data is ``<observed>_data``.
    loo : str
        Kind of pointwise log-likelihood (:data:`LOO_KINDS`).
    scale : str
        Scale of the effects and SDs (:data:`SCALES`).
    time_varying_effect : bool
        The treatment effect varies over the days after the infusion (by-day curves are
        informative).
    prior_draws : bool
        Forward sampling of the prior is faithful to the model (False for ordinal: forward
        sampling cannot honour the ordered cutpoints).
    discrete : bool
        The observed variable has a probability mass function (a LOO comparison with
        densities is approximate).
    roles : tuple of str
        The prior roles this spec has (:attr:`bayes_keta.spec.ModelSpec.roles`).
    needs : Needs
        What the design must have.
    endpoint : str
        ``"efficacy"`` or ``"harm"`` (:data:`ENDPOINTS`): how the registry tells the
        outcome models from the adverse-event model.
    individual_effects : bool
        The model has subject-by-treatment random effects: each subject's own effect of each
        active treatment (``individual_effect``), their SD ``sigma_individual`` (tau) per
        active arm; heterogeneity estimands apply (:mod:`bayes_keta.estimands.heterogeneity`).

    Examples
    --------
    >>> from bayes_keta.models import capabilities
    >>> caps = capabilities("daily_ar1")
    >>> caps.observed, caps.loo, caps.time_varying_effect
    ('pain', 'conditional', False)
    """

    builder: str
    observed: str
    loo: str
    scale: str
    time_varying_effect: bool
    prior_draws: bool
    discrete: bool
    roles: tuple[str, ...]
    needs: Needs
    endpoint: str = "efficacy"
    individual_effects: bool = False

    @property
    def data_name(self) -> str:
        """Name of the ``pm.Data`` holding the observed values (``pain_data``)."""
        return f"{self.observed}_data"

    @property
    def latent(self) -> bool:
        """Effects and SDs are on a latent scale, not in outcome units."""
        return self.scale == "logit"


@dataclass(frozen=True)
class Support:
    """Whether a builder supports a spec, and why not (truthy when it does).

    Examples
    --------
    >>> bool(Support(False, "no AR(1) option")), Support(False, "no AR(1) option").reason
    (False, 'no AR(1) option')
    """

    ok: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class MathContext:
    """What the model's math text needs besides the spec.

    Attributes
    ----------
    n_days : int
        Days of follow-up D (readings per period).
    treatments : tuple of str
        Arms, the reference first (its effect is 0).
    outcome : Outcome or None
        What a reading is (its noun, reading and direction of benefit word the text);
        None: daily pain on the 0-10 NRS.
    """

    n_days: int
    treatments: tuple[str, ...]
    outcome: Outcome | None = None

    @property
    def declared(self) -> Outcome:
        """The outcome (the 0-10 NRS when None was given)."""
        return Outcome.nrs_0_10() if self.outcome is None else self.outcome
