"""The benefit-risk result: adverse-event estimands and joint probabilities, computed once.

A :class:`BenefitRiskResult` holds every number the report section, the plots, the CLI and
``summary.json`` show about harms (:func:`bayes_keta.harms.benefit_risk` computes it): nothing
downstream computes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import xarray as xr

from bayes_keta.estimands import CI_LABEL, format_probability
from bayes_keta.outcome import Outcome

__all__ = ["CURVE_MARGINS", "PAIRING", "BenefitRiskResult", "amount"]

LO, HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"

#: Margins of the P(joint)-over-margins curve: risk differences -0.2 to 0.6 by 0.01.
CURVE_MARGINS: tuple[float, ...] = tuple(round(-0.2 + 0.01 * i, 2) for i in range(81))

#: How the joint draws are made (written into summary.json and the report).
PAIRING = (
    "the efficacy and adverse-event models share no parameter, so their joint posterior is the"
    " product of the two; pairing the i-th draw of one fit with the i-th draw of the other"
    " samples it (both fitted to the same subjects)"
)


def amount(value: float, units: str) -> str:
    """Write a number with its units, singular for 1 (``1 point``, ``2 points``).

    Examples
    --------
    >>> amount(1.0, "points"), amount(0.5, "points"), amount(2, "mm")
    ('1 point', '0.5 points', '2 mm')
    """
    if value == 1 and units.endswith("s"):
        units = units[:-1]
    return f"{value:g} {units}"


def _stat(x: Any) -> float | None:
    x = float(x)
    return x if x == x and abs(x) != float("inf") else None


def _prob(x: Any) -> float:
    return min(1.0, max(0.0, float(x)))


@dataclass(frozen=True, eq=False)
class BenefitRiskResult:
    """Benefit and harm on one posterior (see :mod:`bayes_keta.estimands.harms`).

    Attributes
    ----------
    arms : pandas.DataFrame
        P(at least one adverse event in a period) per arm: ``treatment``, ``mean``, ``sd``,
        ``median``, ``lo95``, ``hi95``.
    risk_contrasts : pandas.DataFrame
        Risk differences and ratios vs the reference with ``p_harm``.
    joint : pandas.DataFrame
        ``active``, ``reference``, ``threshold``, ``ae_margin``, ``p_joint`` (P(benefit >
        threshold AND risk difference < margin)), ``p_benefit_beyond``, ``p_risk_below``.
    net_benefit : pandas.DataFrame
        ``active``, ``reference``, ``harm_weight``, ``mean``, ``sd``, ``median``, ``lo95``,
        ``hi95``, ``p_positive``.
    plane : pandas.DataFrame
        The four quadrant probabilities of each contrast at (:attr:`threshold`,
        :attr:`margin`): ``benefit_acceptable`` (= p_joint), ``benefit_harm``,
        ``no_benefit_acceptable``, ``no_benefit_harm``.
    curve : pandas.DataFrame
        P(joint) over a fine grid of margins (:data:`CURVE_MARGINS`) at every threshold, the
        columns of :attr:`joint` (for the P(joint)-over-margins figure).
    benefit, risk_difference : xarray.DataArray
        The paired draws, dims ``(sample, contrast)``: benefit in the outcome's units (> 0 =
        benefit), risk difference on the probability scale.
    outcome : Outcome
        The efficacy outcome (direction, units, thresholds).
    thresholds, margins, weights : tuple of float
        Benefit thresholds (0 and the declared ones), risk-difference margins, harm weights.
    threshold, margin : float
        The pair drawn on the benefit-risk plane and worded in :attr:`text`.
    user_weight : bool
        Whether the weights were set by the user (else illustrative defaults).
    efficacy_model, adverse_events_model : str
        Spec names of the two fits.
    efficacy_passed, adverse_events_passed : bool
        Their diagnostics verdicts.
    adverse_events_failures : tuple of str
        Failures of the adverse-event gate.
    adverse_events_block : dict
        The ``adverse_events`` block of summary.json (from the adverse-event fit).
    synthetic : bool
        Whether the data were simulated.
    estimand : str
        The efficacy estimand paired with the risk difference.
    adverse_events_fit : FitResult or None
        The adverse-event fit, when the result was collected with it (the report saves it).
    """

    arms: pd.DataFrame
    risk_contrasts: pd.DataFrame
    joint: pd.DataFrame
    net_benefit: pd.DataFrame
    plane: pd.DataFrame
    curve: pd.DataFrame
    benefit: xr.DataArray = field(repr=False)
    risk_difference: xr.DataArray = field(repr=False)
    outcome: Outcome
    thresholds: tuple[float, ...]
    margins: tuple[float, ...]
    weights: tuple[float, ...]
    threshold: float
    margin: float
    user_weight: bool
    efficacy_model: str
    adverse_events_model: str
    efficacy_passed: bool
    adverse_events_passed: bool
    adverse_events_failures: tuple[str, ...]
    adverse_events_block: dict[str, Any] = field(repr=False)
    synthetic: bool = False
    estimand: str = "mean_daily_difference"
    adverse_events_fit: Any = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """Whether both fits passed their diagnostics gates."""
        return self.efficacy_passed and self.adverse_events_passed

    @property
    def n_draws(self) -> int:
        """Number of paired draws."""
        return int(self.benefit.sizes["sample"])

    @property
    def units(self) -> str:
        """Units of the benefit (the outcome's units per reading)."""
        return self.outcome.units_for("outcome")

    # ------------------------------------------------------------------------------ records
    def summary_blocks(self) -> dict[str, Any]:
        """Return the ``adverse_events`` and ``benefit_risk`` blocks of the efficacy summary."""
        rows = [
            {
                "active": str(r["active"]),
                "reference": str(r["reference"]),
                "threshold": float(r["threshold"]),
                "ae_margin": float(r["ae_margin"]),
                "p_joint": _prob(r["p_joint"]),
                "p_benefit_beyond": _prob(r["p_benefit_beyond"]),
                "p_risk_below": _prob(r["p_risk_below"]),
            }
            for r in self.joint.to_dict("records")
        ]
        net = [
            {
                "active": str(r["active"]),
                "reference": str(r["reference"]),
                "harm_weight": float(r["harm_weight"]),
                "mean": _stat(r["mean"]),
                "sd": _stat(r["sd"]),
                "median": _stat(r["median"]),
                f"ci{CI_LABEL}": [_stat(r[LO]), _stat(r[HI])],
                "p_positive": _prob(r["p_positive"]),
            }
            for r in self.net_benefit.to_dict("records")
        ]
        return {
            "adverse_events": dict(self.adverse_events_block),
            "benefit_risk": {
                "estimand": self.estimand,
                "scale": self.outcome.scale_name,
                "units": self.units,
                "benefit_sign": int(self.outcome.benefit_sign),
                "adverse_events_model": self.adverse_events_model,
                "pairing": PAIRING,
                "n_draws": self.n_draws,
                "thresholds": list(self.thresholds),
                "ae_margins": list(self.margins),
                "diagnostics_passed": bool(self.passed),
                "rows": rows,
                "net_benefit": {
                    "weights": list(self.weights),
                    "user_weight": bool(self.user_weight),
                    "units": f"{self.units} of benefit per unit of risk difference",
                    "rows": net,
                },
            },
        }

    # --------------------------------------------------------------------------------- text
    def sentences(self) -> list[str]:
        """Plain-language sentences, one group per active arm (numbers from the tables)."""
        lines: list[str] = []
        if not self.adverse_events_passed:
            lines.append(
                "ADVERSE-EVENT DIAGNOSTICS FAILED: do not interpret the harm numbers ("
                + "; ".join(self.adverse_events_failures)
                + ")."
            )
        if not self.efficacy_passed:
            lines.append("EFFICACY DIAGNOSTICS FAILED: the joint probabilities inherit it.")
        arms = self.arms.set_index("treatment")
        rd = self.risk_contrasts[self.risk_contrasts["measure"] == "risk_difference"]
        for row in rd.to_dict("records"):
            active, ref = row["active"], row["reference"]
            a, r = arms.loc[active], arms.loc[ref]
            joint = self.joint.set_index(["active", "threshold", "ae_margin"])
            p = joint.loc[(active, self.threshold, self.margin), "p_joint"]
            lines.append(
                f"{active}: adverse events in {100 * a['mean']:.0f}% of patient-periods"
                f" ({CI_LABEL}% CrI {100 * a[LO]:.0f}-{100 * a[HI]:.0f}%) against"
                f" {100 * r['mean']:.0f}% on {ref}: risk difference"
                f" {100 * row['mean']:+.0f} percentage points ({100 * row[LO]:+.0f} to"
                f" {100 * row[HI]:+.0f}); P(more adverse events) ="
                f" {format_probability(row['p_harm'])}. P(benefit beyond"
                f" {amount(self.threshold, self.units)} AND excess adverse-event risk below"
                f" {100 * self.margin:g} percentage points) = {format_probability(p)}."
            )
        if self.synthetic:
            lines.append("SYNTHETIC DATA: simulated subjects, not patients.")
        return lines

    @property
    def text(self) -> str:
        """:meth:`sentences` joined."""
        return "\n".join(self.sentences())

    def __str__(self) -> str:
        return self.text
