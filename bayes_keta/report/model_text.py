"""The model in words and in math, and its priors as a table, from a spec and its priors.

Text only (Unicode, no LaTeX engine needed): the report must render with no network and no
JavaScript, so the generative model is written in plain mathematical notation. The math text
is each model builder's own (:meth:`bayes_keta.models.builder.Builder.math`); this module
formats.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from bayes_keta.outcome import Outcome
from bayes_keta.spec import OUTCOME_SCALED
from bayes_keta.spec.families import FAMILIES

__all__ = ["ROLE_MEANING", "model_math", "prior_table", "prior_text"]

#: What each prior role is, in words; ``{noun}`` and ``{reading}`` come from the outcome.
ROLE_MEANING: dict[str, str] = {
    "intercept": "mean {noun} on the reference arm (mu)",
    "treatment_effect": "effect of each active arm vs reference (delta)",
    "effect_transient": "extra early effect decaying over the {reading}s of a period (b)",
    "tau": "decay time of the transient effect, {reading}s (tau)",
    "period_effect": "period effects (pi)",
    "sigma_subject": "between-subject SD of mean {noun} (sigma_u)",
    "sigma_subject_period": "subject-by-period SD (sigma_v)",
    "sigma": "residual SD, {reading} to {reading} (sigma)",
    "nu": "Student-t degrees of freedom (nu)",
    "phi": "AR(1) residual correlation of consecutive {reading}s (phi)",
    "cutpoints": "ordinal cutpoints between the scores (kappa)",
    "carryover_effect": "first-order carryover of the previous active arm (gamma)",
    "baseline_slope": "change per unit of centred baseline {noun} (beta)",
    "sigma_individual": "SD of the patients' own effects around the mean effect (tau)",
    "individual_correlation": "correlation of a patient's own effects across active arms (R)",
}

_SYMBOL = {
    "intercept": "μ",
    "treatment_effect": "δ[k]",
    "effect_transient": "b[k]",
    "tau": "τ[k]",
    "period_effect": "π[p]",
    "sigma_subject": "σ_u",
    "sigma_subject_period": "σ_v",
    "sigma": "σ",
    "nu": "ν",
    "phi": "φ",
    "cutpoints": "κ[c]",
    "carryover_effect": "γ",
    "baseline_slope": "β",
    "sigma_individual": "τ[k]",
    "individual_correlation": "R",
}


def _num(value: Any) -> str:
    if isinstance(value, tuple | list):
        return "[" + ", ".join(_num(v) for v in value) + "]"
    return f"{float(value):.4g}"


def prior_text(prior: Any) -> str:
    """``Normal(mu=0, sigma=2)`` style rendering of a :class:`~bayes_keta.spec.Prior`.

    Examples
    --------
    >>> from bayes_keta.spec import Prior
    >>> prior_text(Prior("normal", {"mu": 0.0, "sigma": 2.0}))
    'Normal(mu=0, sigma=2)'
    """
    params = ", ".join(f"{k}={_num(v)}" for k, v in prior.params.items())
    family = FAMILIES.get(prior.dist)
    return f"{family.label if family else prior.dist}({params})"


def prior_table(
    spec: Any, priors: Mapping[str, Any], *, n_days: int, outcome: Outcome | None = None
) -> pd.DataFrame:
    """One row per prior role: symbol, meaning, prior as specified, on the model scale.

    Parameters
    ----------
    spec : ModelSpec
        The fitted spec (gives the outcome scale).
    priors : mapping of role to Prior
        Resolved priors (per reading, in the outcome's units, as the fit applied them).
    n_days : int
        Readings per period (the AUC spec's outcome scale).
    outcome : Outcome, optional
        Wording of the meanings (default 0-10 NRS).
    """
    o = outcome if outcome is not None else Outcome.nrs_0_10()
    words = {"noun": o.noun, "reading": o.reading}
    scale = float(spec.outcome_scale(n_days)) if hasattr(spec, "outcome_scale") else 1.0
    rows = []
    for role in sorted(priors):
        prior = priors[role]
        scaled = role in OUTCOME_SCALED and scale != 1.0 and hasattr(prior, "scaled")
        rows.append(
            {
                "parameter": role,
                "symbol": _SYMBOL.get(role, role),
                "meaning": ROLE_MEANING.get(role, "").format(**words),
                f"prior as specified ({o.units})": prior_text(prior),
                "prior on the model scale": prior_text(prior.scaled(scale)) if scaled else "same",
            }
        )
    return pd.DataFrame(rows)


def model_math(spec: Any, *, n_days: int, treatments: tuple[str, ...], outcome: Any = None) -> str:
    """Write the generative model of a spec in plain mathematical notation (its builder's).

    Parameters
    ----------
    spec : ModelSpec
        Structural choices (outcome, likelihood, effect, residual, period, options).
    n_days : int
        Days of follow-up D.
    treatments : tuple of str
        Arms, the reference first (its effect is 0).
    outcome : Outcome, optional
        What a reading is (words the text); default daily pain on the 0-10 NRS.

    Examples
    --------
    >>> from bayes_keta.spec import load_spec
    >>> "pain[i,p,t] ~ Normal" in model_math(load_spec("daily"), n_days=35,
    ...                                       treatments=("placebo", "drug"))
    True
    """
    from bayes_keta.models import MathContext, builder_for

    context = MathContext(n_days=n_days, treatments=tuple(treatments), outcome=outcome)
    return builder_for(spec).math(spec, context)
