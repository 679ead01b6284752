"""The builder of the adverse-event (harm) model, declared like every variant.

=================  ===================================================  ====================
builder            specs                                                graph module
=================  ===================================================  ====================
``adverse_events`` one 0/1 adverse-event flag per subject-period,       :mod:`.adverse_events`
                   logistic, subject random intercept
=================  ===================================================  ====================

Its :class:`~bayes_keta.models.declared.Capabilities` say ``endpoint = "harm"``: callers that
want the outcome models (the report's specs, LOO comparisons, sweeps) ask that instead of
testing names; ``needs.adverse_events`` makes :func:`bayes_keta.models.check_design` refuse a
trial without the column. Priors are on the log-odds scale (outcome scale 1: never rescaled
to the outcome's units).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from bayes_keta.models.builder import Builder, Graph
from bayes_keta.models.declared import Capabilities, MathContext, Needs, Support

if TYPE_CHECKING:
    from bayes_keta.data.trial import Trial
    from bayes_keta.spec import ModelSpec, Prior

__all__ = ["AdverseEventBuilder"]

_PARAMETERIZATION = {
    "centred": "(sampled centred: the subject log-odds μ + u[i] are the parameters)",
    "noncentred": "(sampled non-centred: u = σ_u·z, z ~ Normal(0, 1))",
}


class AdverseEventBuilder(Builder):
    """Adverse events per subject-period, hierarchical logistic.

    Graph: :func:`bayes_keta.models.adverse_events.build_adverse_events`.
    """

    name = "adverse_events"

    def claims(self, spec: ModelSpec) -> bool:
        """Adverse-event outcome."""
        return spec.outcome == "adverse_event"

    def supports(self, spec: ModelSpec) -> Support:
        """Bernoulli likelihood, constant effect, iid; random effects centred or not."""
        if not self.claims(spec):
            return super().supports(spec)
        if spec.likelihood != "bernoulli":
            return Support(False, "outcome 'adverse_event' needs likelihood 'bernoulli'")
        if spec.effect != "constant" or spec.residual != "iid":
            return Support(False, "the adverse-event model has a constant effect, iid")
        if spec.parameterization == "marginal":
            return Support(
                False, "the adverse-event model has no closed form: use centred or noncentred"
            )
        if spec.carryover or spec.baseline:
            return Support(False, "the adverse-event model has no carryover or baseline option")
        return Support(True)

    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Return the log-odds intercept of the reference arm."""
        return {"intercept"}

    def optional_roles(self, spec: ModelSpec) -> frozenset[str]:
        """None: the options are refused."""
        return frozenset()

    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Observed ``adverse_event``, one per subject-period, on the logit scale; harm."""
        return Capabilities(
            builder=self.name,
            observed="adverse_event",
            loo="cell",
            scale="logit",
            time_varying_effect=False,
            prior_draws=True,
            discrete=True,
            roles=self.roles(spec),
            needs=Needs(min_readings_per_period=0, adverse_events=True),
            endpoint="harm",
        )

    def math(self, spec: ModelSpec, context: MathContext) -> str:
        """Write the model in plain notation (its own header and footer: no pain, no arm_mean)."""
        ref = context.treatments[0]
        period = (
            "Σ_p π[p] = 0   (sum-to-zero period effects)"
            if spec.period == "sum_to_zero"
            else "π[1] = 0   (period 1 is the reference period)"
        )
        return "\n".join(
            [
                f"Indices: subject i, period p, arm k(i,p) given to subject i in period p;"
                f" reference arm '{ref}' has δ = 0.",
                "",
                *self.model_lines(spec, context),
                period,
                "Risk difference (active − reference): ae_risk[active] − ae_risk[reference];"
                " positive = more adverse events (harm).",
            ]
        )

    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Bernoulli likelihood, logit predictor and the population-averaged risk."""
        return [
            "AE[i,p] ~ Bernoulli(logistic(η[i,p]))   (1 = at least one adverse event in the"
            " period)",
            "η[i,p] = μ + u[i] + π[p] + δ[k(i,p)]   (log-odds; δ = log odds ratio vs the"
            " reference)",
            "u[i] ~ Normal(0, σ_u)   (random intercept: the same subjects as the efficacy model)",
            _PARAMETERIZATION[spec.parameterization],
            "ae_risk[k] = mean_p ∫ logistic(μ + π[p] + δ[k] + σ_u·z) φ(z) dz   (population-"
            "averaged risk, Gauss-Hermite quadrature per draw)",
        ]

    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """:func:`bayes_keta.models.adverse_events.build_adverse_events`."""
        from bayes_keta.models.adverse_events import build_adverse_events

        return build_adverse_events(trial, spec, scaled), (), None
