"""Lines of model math shared by the builders (plain Unicode notation, no LaTeX engine).

Each builder writes its own lines (:meth:`bayes_keta.models.builder.Builder.model_lines`);
these are the pieces they share: the indices, the options' terms, the random-effect
parameterisation, the treatment curve, the period constraint and the contrast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bayes_keta.models.declared import MathContext

if TYPE_CHECKING:
    from bayes_keta.spec import ModelSpec

__all__ = [
    "PARAMETERIZATION",
    "daily_tail",
    "footer",
    "header",
    "likelihood_family",
    "option_terms",
]

#: How the random effects are sampled, per ``parameterization``.
PARAMETERIZATION: dict[str, str] = {
    "marginal": "(random intercepts integrated out in closed form for sampling; their draws"
    " recovered exactly from their conditional posterior)",
    "centred": "(sampled centred: the subject (and subject-period) means are the parameters)",
    "noncentred": "(sampled non-centred: u = σ_u·z (v = σ_v·z'), z ~ Normal(0, 1))",
}


def header(context: MathContext) -> list[str]:
    """Return the indices, and the reference arm."""
    ref = context.treatments[0]
    reading = context.declared.reading
    if context.n_days == 1:
        when = "one reading per period (t = 1)"
    elif reading == "day":
        when = f"day t = 1..{context.n_days} after the infusion"
    else:
        when = f"reading t = 1..{context.n_days} ({reading}s)"
    return [
        f"Indices: subject i, period p, {when}, arm"
        f" k(i,p) given to subject i in period p; reference arm '{ref}' has δ = 0.",
        "",
    ]


def option_terms(spec: ModelSpec) -> str:
    """Return the carryover and baseline terms of the location (options that are on)."""
    extra = ""
    if spec.carryover:
        extra += " + γ·1[k(i,p-1) active]"
    if spec.baseline:
        extra += " + β·(x[i,p] − x̄)"
    return extra


def likelihood_family(spec: ModelSpec) -> str:
    """``"StudentT(ν, "`` or ``"Normal("``: the opening of a continuous likelihood."""
    return "StudentT(ν, " if spec.likelihood == "student_t" else "Normal("


def daily_tail(spec: ModelSpec, *, shift: str = "", noun: str = "pain") -> list[str]:
    """Random intercepts, their parameterisation, the treatment curve and ``arm_mean``."""
    lines = [
        "u[i] ~ Normal(0, σ_u),   v[i,p] ~ Normal(0, σ_v)   (random intercepts)",
        PARAMETERIZATION[spec.parameterization],
    ]
    if spec.effect == "decay":
        lines.append(
            "δ[k](t) = a[k] + b[k]·exp(−(t − 1)/τ[k])   (sustained a: prior"
            " 'treatment_effect'; transient b; decay time τ)"
        )
    else:
        lines.append("δ[k](t) = δ[k]   (constant over the days after infusion)")
    lines.append(
        f"arm_mean[k, t] = expected {noun} of a typical subject (u = v = 0, periods averaged)"
        f" on arm k, day t{shift}"
    )
    return lines


def footer(spec: ModelSpec, context: MathContext | None = None) -> list[str]:
    """Return the period constraint and the contrast (benefit worded by the outcome)."""
    outcome = context.declared if context is not None else None
    noun = "pain" if outcome is None else outcome.noun
    benefit = (
        f"negative = less {noun}"
        if outcome is None or outcome.better == "lower"
        else f"positive = more {noun}"
    )
    if spec.period == "sum_to_zero":
        period = "Σ_p π[p] = 0   (sum-to-zero period effects)"
    else:
        period = "π[1] = 0   (period 1 is the reference period)"
    return [
        period,
        "Contrast (active − reference) on day t: arm_mean[active, t] − arm_mean[reference, t];"
        f" {benefit}.",
    ]
