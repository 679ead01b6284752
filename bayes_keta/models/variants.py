"""The model builders: one per family of variants (see :mod:`bayes_keta.models.registry`).

=================  ===================================================  ================
builder            specs                                                graph module
=================  ===================================================  ================
``daily``          daily readings, normal / Student-t, centred or       :mod:`.gaussian`
                   non-centred random effects, iid or AR(1) residuals
``daily_marginal`` the same, normal, random effects integrated out      :mod:`.marginal`
``ordinal``        daily readings as ordered categories 0..10           :mod:`.ordinal`
``auc``            one AUC per subject-period                           :mod:`.auc`
``daily_hte``      daily readings, normal, individual treatment         :mod:`.hte`
                   effects (``individual_effects = true``)
=================  ===================================================  ================

Each declares its roles, outcome scale, capabilities and math here; the graph modules (which
import PyMC) are loaded only when a graph is built.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bayes_keta.models import math_text as mt
from bayes_keta.models.builder import Builder, Graph
from bayes_keta.models.declared import Capabilities, MathContext, Needs, Support

if TYPE_CHECKING:
    from bayes_keta.data.trial import Trial
    from bayes_keta.spec import ModelSpec, Prior

__all__ = ["AucBuilder", "DailyBuilder", "HteBuilder", "MarginalDailyBuilder", "OrdinalBuilder"]

#: Readings a subject-period needs for a daily-level model: one is not enough to tell the
#: subject-period effect from the day-to-day residual.
_DAILY_READINGS = 2

_MARGINAL_NEEDS_NORMAL = (
    "parameterization 'marginal' integrates the random effects out in closed form, which"
    " needs likelihood normal; use 'centred' or 'noncentred'"
)


#: Periods a design needs for a carryover term (see :class:`Needs`).
_CARRYOVER_PERIODS = 3


def _periods(spec: ModelSpec) -> int:
    return _CARRYOVER_PERIODS if spec.carryover else 1


def _daily_needs(spec: ModelSpec, *, integer: bool = False) -> Needs:
    return Needs(
        min_readings_per_period=_DAILY_READINGS,
        integer_outcome=integer,
        baseline=spec.baseline,
        min_periods=_periods(spec),
    )


class DailyBuilder(Builder):
    """Daily readings, Gaussian or Student-t likelihood, iid or AR(1) residuals.

    Graph: :func:`bayes_keta.models.gaussian.build_daily`.
    """

    name = "daily"

    def claims(self, spec: ModelSpec) -> bool:
        """Daily outcome, continuous likelihood, random effects as parameters."""
        return (
            spec.outcome == "daily"
            and spec.likelihood in ("normal", "student_t")
            and spec.parameterization in ("centred", "noncentred")
            and not spec.individual_effects
        )

    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Intercept, the three SDs, ``nu`` (Student-t) and ``phi`` (AR(1))."""
        roles = {"intercept", "sigma", "sigma_subject_period"}
        if spec.likelihood == "student_t":
            roles.add("nu")
        if spec.residual == "ar1":
            roles.add("phi")
        return roles

    def optional_roles(self, spec: ModelSpec) -> frozenset[str]:
        """Options' roles, and ``nu`` (the Student-t option)."""
        return super().optional_roles(spec) | {"nu"}

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Observed ``pain``; AR(1) makes the pointwise log-likelihood conditional."""
        return Capabilities(
            builder=self.name,
            observed="pain",
            loo="conditional" if spec.residual == "ar1" else "pointwise",
            scale="nrs",
            time_varying_effect=spec.effect == "decay",
            prior_draws=True,
            discrete=False,
            roles=self.roles(spec),
            needs=_daily_needs(spec),
        )

    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Likelihood (iid or AR(1)) and the location of a daily reading."""
        level = f"μ + u[i] + v[i,p] + π[p] + δ[k(i,p)](t){mt.option_terms(spec)}"
        if spec.residual == "ar1":
            lines = [
                f"pain[i,p,t] = m[i,p,t] + e[i,p,t],   m[i,p,t] = {level}",
                "e[i,p,·] stationary AR(1) within a subject-period: sd σ, corr(e[t], e[t−g]) = φ^g",
                "(likelihood: each observed day given the previous observed day g days before,"
                f" e[t] | e[t−g] ~ {mt.likelihood_family(spec)}φ^g·e[t−g], σ·√(1 − φ^(2g))))",
            ]
        else:
            lines = [
                f"pain[i,p,t] ~ {mt.likelihood_family(spec)}m[i,p,t], σ)",
                f"m[i,p,t] = {level}",
            ]
        return lines + mt.daily_tail(spec, noun=context.declared.noun)

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`bayes_keta.models.gaussian.build_daily`."""
        from bayes_keta.models.gaussian import build_daily

        return build_daily(trial, spec, scaled), (), None


class MarginalDailyBuilder(DailyBuilder):
    """The daily Gaussian model with its random effects integrated out (for sampling).

    Graph: :func:`bayes_keta.models.marginal.build_marginal`; the observation-level twin is
    the :class:`DailyBuilder` graph of the same spec, centred.
    """

    name = "daily_marginal"

    def claims(self, spec: ModelSpec) -> bool:
        """Daily outcome, continuous likelihood, ``parameterization = "marginal"``."""
        return (
            spec.outcome == "daily"
            and spec.likelihood in ("normal", "student_t")
            and spec.parameterization == "marginal"
            and not spec.individual_effects
        )

    def supports(self, spec: ModelSpec) -> Support:
        """Support the normal likelihood only (the closed form)."""
        if self.claims(spec) and spec.likelihood != "normal":
            return Support(False, _MARGINAL_NEEDS_NORMAL)
        return super().supports(spec)

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`bayes_keta.models.marginal.build_marginal`."""
        from bayes_keta.models.marginal import build_marginal

        model, terms = build_marginal(trial, spec, scaled)
        return model, (), terms


class OrdinalBuilder(Builder):
    """Daily readings as ordered categories 0..10 (cumulative logit).

    Graph: :func:`bayes_keta.models.ordinal.build_ordinal`.
    """

    name = "ordinal"

    def claims(self, spec: ModelSpec) -> bool:
        """Daily outcome, ordinal likelihood."""
        return (
            spec.outcome == "daily" and spec.likelihood == "ordinal" and not spec.individual_effects
        )

    def supports(self, spec: ModelSpec) -> Support:
        """Support iid residuals (no AR(1)) and random effects as parameters."""
        if self.claims(spec) and spec.residual != "iid":
            return Support(False, "the ordinal likelihood has no AR(1) residual option")
        if self.claims(spec) and spec.parameterization == "marginal":
            return Support(False, _MARGINAL_NEEDS_NORMAL)
        return super().supports(spec)

    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Cutpoints (they carry the location) and the subject-period SD."""
        return {"cutpoints", "sigma_subject_period"}

    def outcome_scale(self, spec: ModelSpec, n_days: int) -> float:
        """``latent_scale`` logit units per NRS point."""
        return float(spec.latent_scale)

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Discrete ``pain`` on a latent logit scale; no faithful forward prior draws."""
        return Capabilities(
            builder=self.name,
            observed="pain",
            loo="pointwise",
            scale="logit",
            time_varying_effect=spec.effect == "decay",
            prior_draws=False,
            discrete=True,
            roles=self.roles(spec),
            needs=_daily_needs(spec, integer=True),
        )

    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Cumulative-logit likelihood and the latent predictor."""
        level = f"u[i] + v[i,p] + π[p] + δ[k(i,p)](t){mt.option_terms(spec)}"
        outcome = context.declared
        low, high = (0, 10) if not outcome.bounded else (int(outcome.lower), int(outcome.upper))
        scale = "NRS" if outcome.scale_name == "nrs" else "outcome's"
        return [
            f"pain[i,p,t] ∈ {{{low}, ..., {high}}}:  P(pain ≤ c) = logistic(κ[c] − η[i,p,t]),"
            f" c = {low}..{high - 1}, κ increasing",
            f"η[i,p,t] = {level}      (logit scale)",
            *mt.daily_tail(
                spec, shift=f"  (on the {scale} scale via the cutpoints)", noun=outcome.noun
            ),
        ]

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`bayes_keta.models.ordinal.build_ordinal`."""
        from bayes_keta.models.ordinal import build_ordinal

        return build_ordinal(trial, spec, scaled), (), None


class AucBuilder(Builder):
    """One AUC of daily pain per subject-period (the published analysis's endpoint).

    Graph: :func:`bayes_keta.models.auc.build_auc` (random subject means integrated out when
    ``parameterization = "marginal"``).
    """

    name = "auc"

    def claims(self, spec: ModelSpec) -> bool:
        """AUC outcome."""
        return spec.outcome == "auc" and not spec.individual_effects

    def supports(self, spec: ModelSpec) -> Support:
        """Support normal / Student-t, constant effect, iid; marginal with normal only."""
        if not self.claims(spec):
            return super().supports(spec)
        if spec.likelihood == "ordinal" or spec.effect != "constant" or spec.residual != "iid":
            return Support(
                False, "outcome 'auc' needs likelihood normal/student_t, constant effect, iid"
            )
        if spec.parameterization == "marginal" and spec.likelihood != "normal":
            return Support(False, _MARGINAL_NEEDS_NORMAL)
        return Support(True)

    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Intercept, residual SD and ``nu`` (Student-t); no subject-period SD."""
        return {"intercept", "sigma"} | ({"nu"} if spec.likelihood == "student_t" else set())

    def optional_roles(self, spec: ModelSpec) -> frozenset[str]:
        """Options' roles, and ``nu`` (the Student-t option)."""
        return super().optional_roles(spec) | {"nu"}

    def outcome_scale(self, spec: ModelSpec, n_days: int) -> float:
        """``n_days`` pain score-days per daily NRS point."""
        return float(n_days)

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Observed ``auc``, one value per subject-period (LOO over cells)."""
        return Capabilities(
            builder=self.name,
            observed="auc",
            loo="cell",
            scale="auc",
            time_varying_effect=False,
            prior_draws=True,
            discrete=False,
            roles=self.roles(spec),
            needs=Needs(
                min_readings_per_period=1,
                min_observed_fraction=spec.min_observed_fraction,
                baseline=spec.baseline,
                min_periods=_periods(spec),
            ),
        )

    def missing_data(self, trial: Trial, spec: ModelSpec) -> dict[str, Any]:
        """Cell-mean filling, dropped subject-periods and equal weights, with counts."""
        from bayes_keta.models.design import auc_missing_data

        return auc_missing_data(trial, min_observed_fraction=spec.min_observed_fraction)

    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Return the AUC, its likelihood and ``arm_mean`` (constant over days)."""
        if context.n_days == 1:
            first = "AUC[i,p] = pain[i,p,1]  (one reading per period: the reading itself; a"
            first += " subject-period without it is dropped)"
        else:
            reading = context.declared.reading
            first = f"AUC[i,p] = Σ_t pain[i,p,t]  (D = {context.n_days} {reading}s; a missing"
            first += f" {reading} counts as its subject-period mean)"
        return [
            first,
            f"AUC[i,p] ~ {mt.likelihood_family(spec)}m[i,p], σ)",
            f"m[i,p] = μ + u[i] + π[p] + δ[k(i,p)]{mt.option_terms(spec)}      (all on the AUC"
            " scale)",
            "u[i] ~ Normal(0, σ_u)   (random intercept)",
            mt.PARAMETERIZATION[spec.parameterization],
            "arm_mean[k, t] = (μ + mean_p π[p] + δ[k]) / D   (constant over t: no by-day"
            " information)",
        ]

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`bayes_keta.models.auc.build_auc`."""
        from bayes_keta.models.auc import build_auc

        return build_auc(trial, spec, scaled)


class HteBuilder(Builder):
    """Daily readings, normal likelihood, individual treatment effects (``daily_hte``).

    Graphs: :func:`bayes_keta.models.hte.build_hte_marginal` (every random effect integrated
    out: what NUTS samples) and :func:`bayes_keta.models.hte.build_hte_twin` (the
    observation-level twin, centred).
    """

    name = "daily_hte"

    def claims(self, spec: ModelSpec) -> bool:
        """Daily outcome with ``individual_effects = true``."""
        return spec.outcome == "daily" and spec.individual_effects

    def supports(self, spec: ModelSpec) -> Support:
        """Support normal, constant effect, iid residuals, marginal (or its centred twin)."""
        if not self.claims(spec):
            return super().supports(spec)
        if spec.likelihood != "normal":
            return Support(False, "individual effects need likelihood normal (closed form)")
        if spec.effect != "constant" or spec.residual != "iid":
            return Support(
                False, "individual effects need a constant effect and iid residuals (for now)"
            )
        if spec.parameterization not in ("marginal", "centred"):
            return Support(False, "individual effects take parameterization marginal or centred")
        return Support(True)

    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Return the daily roles plus ``sigma_individual`` (tau), ``individual_correlation``."""
        return {
            "intercept",
            "sigma",
            "sigma_subject_period",
            "sigma_individual",
            "individual_correlation",
        }

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Observed ``pain`` (pointwise, through the twin); individual effects."""
        return Capabilities(
            builder=self.name,
            observed="pain",
            loo="pointwise",
            scale="nrs",
            time_varying_effect=False,
            prior_draws=True,
            discrete=False,
            roles=self.roles(spec),
            needs=_daily_needs(spec),
            individual_effects=True,
        )

    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Likelihood, location with the individual effect, and its distribution."""
        how = (
            "(subject, subject-period and individual effects integrated out in closed form for"
            " sampling; their draws recovered exactly from their conditional posterior)"
            if spec.parameterization == "marginal"
            else mt.PARAMETERIZATION["centred"]
        )
        return [
            "pain[i,p,t] ~ Normal(m[i,p], σ)",
            f"m[i,p] = μ + u[i] + v[i,p] + π[p] + δ[k(i,p)] + b[i,k(i,p)]{mt.option_terms(spec)}",
            "u[i] ~ Normal(0, σ_u),   v[i,p] ~ Normal(0, σ_v)   (random intercepts)",
            "b[i,·] ~ MVNormal(0, diag(τ)·R·diag(τ)) over the active arms, b[i,reference] = 0"
            "   (individual effects; R ~ LKJ(η) when there are several active arms)",
            how,
            "individual effect of subject i on arm k: δ[k] + b[i,k]; τ[k]: its SD among patients",
            "arm_mean[k, t] = expected pain of a typical subject (u = v = b = 0, periods averaged)"
            " on arm k, day t",
        ]

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`~bayes_keta.models.hte.build_hte_marginal`, or the centred twin."""
        from bayes_keta.models.hte import build_hte_marginal, build_hte_twin

        if spec.parameterization == "marginal":
            model, terms = build_hte_marginal(trial, spec, scaled)
            return model, (), terms
        return build_hte_twin(trial, spec, scaled), (), None
