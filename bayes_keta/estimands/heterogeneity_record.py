"""Heterogeneity estimands in words and as summary.json's ``heterogeneity`` block.

Reads the tables of :func:`bayes_keta.estimands.heterogeneity.heterogeneity`; computes nothing
new. Probabilities and shares print as :func:`~bayes_keta.estimands.format_probability` does.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayes_keta.estimands.core import CI_LABEL, format_probability, format_threshold
from bayes_keta.estimands.tables import beyond_column
from bayes_keta.outcome import Outcome

if TYPE_CHECKING:
    from bayes_keta.estimands.heterogeneity import HeterogeneityResult, Identification

__all__ = ["describe", "heterogeneity_record"]

_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


def _num(x: Any) -> float | None:
    """Return a finite float, or None (JSON has no NaN)."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def _ci(row: Mapping[str, Any], prefix: str = "") -> list[float | None]:
    return [_num(row[f"{prefix}{_LO}"]), _num(row[f"{prefix}{_HI}"])]


def _beyond(row: Mapping[str, Any], outcome: Outcome) -> dict[str, float]:
    return {format_threshold(t): float(row[beyond_column(t)]) for t in outcome.thresholds}


def heterogeneity_record(result: HeterogeneityResult) -> dict[str, Any]:
    """Return the ``heterogeneity`` block of summary.json.

    Keys: ``identified_by``, ``replicated_subjects``, ``n_subjects``, ``statement``, and the
    rows ``tau`` ``{treatment, mean, sd, ci95, prior: {mean, sd, ci95} or null, sd_ratio,
    prior_dominated}``, ``correlation`` ``{pair, mean, sd, ci95}``, ``responders``
    ``{treatment, threshold, mean, ci95}``, ``individual`` ``{subject, treatment, mean, sd,
    ci95, p_benefit, p_beyond}``, ``predictive`` ``{treatment, mean, ci95, p_benefit,
    p_beyond}`` (``p_beyond`` keyed like the contrasts': ``"1.0"``).
    """
    outcome, ident = result.outcome, result.identification
    ci = f"ci{CI_LABEL}"
    tau = []
    for row in result.tau.to_dict(orient="records"):
        has_prior = _num(row["prior_sd"]) is not None
        prior = (
            {"mean": _num(row["prior_mean"]), "sd": _num(row["prior_sd"]), ci: _ci(row, "prior_")}
            if has_prior
            else None
        )
        tau.append(
            {"treatment": row["treatment"], "mean": _num(row["mean"]), "sd": _num(row["sd"])}
            | {ci: _ci(row), "prior": prior, "sd_ratio": _num(row["sd_ratio"])}
            | {"prior_dominated": None if not has_prior else bool(row["prior_dominated"])}
        )
    return {
        "identified_by": ident.identified_by,
        "replicated_subjects": ident.replicated_subjects,
        "n_subjects": ident.n_subjects,
        "tau": tau,
        "correlation": [
            {"pair": r["pair"], "mean": _num(r["mean"]), "sd": _num(r["sd"]), ci: _ci(r)}
            for r in result.correlation.to_dict(orient="records")
        ],
        "responders": [
            {"treatment": r["treatment"], "threshold": float(r["threshold"])}
            | {"mean": float(r["mean"]), ci: _ci(r)}
            for r in result.responders.to_dict(orient="records")
        ],
        "individual": [
            {"subject": r["subject"], "treatment": r["treatment"]}
            | {"mean": _num(r["mean"]), "sd": _num(r["sd"]), ci: _ci(r)}
            | {"p_benefit": float(r["p_benefit"]), "p_beyond": _beyond(r, outcome)}
            for r in result.individual.to_dict(orient="records")
        ],
        "predictive": [
            {"treatment": r["treatment"], "mean": _num(r["mean"]), ci: _ci(r)}
            | {"p_benefit": float(r["p_benefit"]), "p_beyond": _beyond(r, outcome)}
            for r in result.predictive.to_dict(orient="records")
        ],
        "statement": result.text,
    }


def _points(x: float, outcome: Outcome) -> str:
    return f"{x:.2f} {outcome.units}"


def _units(amount: float, outcome: Outcome) -> str:
    """``points``, or ``point`` for exactly one (plural units written in the singular)."""
    units = outcome.units
    return units[:-1] if amount == 1 and units.endswith("s") else units


def _share(row: Mapping[str, Any]) -> str:
    return (
        f"{format_probability(row['mean'])} ({CI_LABEL}% CI {format_probability(row[_LO])} to"
        f" {format_probability(row[_HI])})"
    )


def describe(tables: Mapping[str, pd.DataFrame], ident: Identification, outcome: Outcome) -> str:
    """Plain sentences: what identifies tau, tau against its prior, responders, a new patient.

    Examples
    --------
    >>> from bayes_keta.estimands.heterogeneity import Identification
    >>> tau = pd.DataFrame([{"treatment": "k", "mean": 0.8, "sd": 0.5, "lo95": 0.04,
    ...                      "hi95": 1.9, "sd_ratio": 0.8, "prior_dominated": True}])
    >>> rest = {"responders": pd.DataFrame(columns=["treatment", "threshold"]),
    ...         "predictive": pd.DataFrame(columns=["treatment"])}
    >>> text = describe({"tau": tau, **rest}, Identification("replication", 9, 9, "Rep."),
    ...                 Outcome.nrs_0_10())
    >>> "stays close to its prior" in text
    True
    """
    benefit = f"{outcome.better} {outcome.noun}"
    named = [t for t in outcome.thresholds if t >= 1.0] or list(outcome.thresholds)
    lines = [ident.text]
    responders, predictive = tables["responders"], tables["predictive"]
    for row in tables["tau"].to_dict(orient="records"):
        arm = row["treatment"]
        sentence = (
            f"{arm}: the SD of the patients' own effects (tau) is {_points(row['mean'], outcome)}"
            f" ({CI_LABEL}% CI {row[_LO]:.2f} to {row[_HI]:.2f})"
        )
        dominated = row.get("prior_dominated")
        if dominated is None:
            sentence += " (no prior draws were kept to set it beside its prior)."
        elif dominated:
            sentence += (
                f"; its posterior stays close to its prior (posterior SD"
                f" {row['sd_ratio']:.0%} of the prior's): the data say little about how much"
                " patients differ."
            )
        else:
            sentence += (
                f"; the data narrowed its prior (posterior SD {row['sd_ratio']:.0%} of the"
                " prior's)."
            )
        lines.append(sentence)
        rows = responders[responders["treatment"] == arm].set_index("threshold")
        if named and named[0] in rows.index:
            t = named[0]
            lines.append(
                f"Share of patients whose own effect on {arm} is a benefit ({benefit}) of more"
                f" than {t:g} {_units(t, outcome)}: {_share(rows.loc[t])}; any benefit:"
                f" {_share(rows.loc[0.0])}."
            )
        new = predictive[predictive["treatment"] == arm]
        if len(new):
            r = new.iloc[0]
            lines.append(
                f"A new patient's own effect on {arm}: {r['mean']:.2f} {outcome.units}"
                f" ({CI_LABEL}% predictive interval {r[_LO]:.2f} to {r[_HI]:.2f}); P(benefit)"
                f" {format_probability(r['p_benefit'])}."
            )
    return "\n".join(lines)
