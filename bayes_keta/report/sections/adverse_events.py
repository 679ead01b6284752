"""Benefit and harm: adverse events per arm and the joint probability of benefit and harm.

Registry line (report order: after the answers and carryover)::

    SectionEntry(adverse_events.ID, adverse_events.adverse_events_section,
                 collect=adverse_events.collect_adverse_events)

:func:`collect_adverse_events` runs once (it fits the adverse-event model beside the main
spec when the data have an ``adverse_event`` column: :func:`bayes_keta.harms.
collect_benefit_risk`) and :func:`adverse_events_section` only selects and words its
:class:`~bayes_keta.harms.BenefitRiskResult` (``data.extras[ID]``). The adverse-event fit is
``result.adverse_events_fit`` (for saving it beside the report's fits).

(The report's blocks are imported where they are used: this module was written beside the
report package's refactor and is imported by its registry.)
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import format_probability
from bayes_keta.harms import PAIRING, collect_benefit_risk
from bayes_keta.harms.result import amount
from bayes_keta.plots.benefit_risk import benefit_risk_plane, joint_probability_curves

if TYPE_CHECKING:
    from bayes_keta.harms import BenefitRiskResult
    from bayes_keta.report.blocks import Section, Table

__all__ = ["ID", "adverse_events_section", "collect_adverse_events"]

ID = "adverse-events"
CI = f"{CI_PROB * 100:g}"
LO, HI = f"lo{CI}", f"hi{CI}"


def collect_adverse_events(data: Any) -> BenefitRiskResult | None:
    """Fit the adverse-event model beside the main spec and pair them (None without the data).

    ``data`` is the report's :class:`~bayes_keta.report.data.ReportData`: this reads its
    ``results`` (the fits), ``main``, ``trial`` and, when the report has it,
    ``harm_weights`` (the user's ``--harm-weight``).
    """
    if not data.adverse_events:
        return None
    fits = {name: r.fit for name, r in data.results.items()}
    gate = getattr(data, "gate", None)
    return collect_benefit_risk(
        fits,
        main=data.main,
        trial=data.trial,
        harm_weights=data.harm_weights,
        gate=None if gate is None else dataclasses.asdict(gate),
    )


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _pp(x: float) -> str:
    return f"{100 * x:+.0f}"


def _arms(result: BenefitRiskResult) -> Table:
    from bayes_keta.report.blocks import Table

    rows = [
        {
            "arm": r["treatment"],
            "P(adverse event in a period)": _pct(r["mean"]),
            f"{CI}% interval": f"{_pct(r[LO])} to {_pct(r[HI])}",
        }
        for r in result.arms.to_dict("records")
    ]
    return Table.from_frame(
        pd.DataFrame(rows),
        caption="Probability of at least one adverse event in a treatment period on each arm"
        " (posterior mean and interval; population-averaged over patients).",
    )


def _contrasts(result: BenefitRiskResult) -> Table:
    from bayes_keta.report.blocks import Table

    rows = []
    for r in result.risk_contrasts.to_dict("records"):
        difference = r["measure"] == "risk_difference"
        value = (lambda x: f"{_pp(x)} pp") if difference else (lambda x: f"{x:.2f}")
        rows.append(
            {
                "contrast": r["contrast"],
                "measure": "risk difference" if difference else "risk ratio",
                "mean": value(r["mean"]),
                f"{CI}% interval": f"{value(r[LO])} to {value(r[HI])}",
                "P(more adverse events)": format_probability(r["p_harm"]),
            }
        )
    return Table.from_frame(
        pd.DataFrame(rows),
        caption="Adverse-event risk of each active arm against the reference: difference in"
        " percentage points (pp) and ratio; P(more adverse events) = P(risk difference > 0).",
    )


def _joint(result: BenefitRiskResult) -> Table:
    from bayes_keta.report.blocks import Table

    rows = [
        {
            "contrast": f"{r['active']} - {r['reference']}",
            "benefit beyond": amount(r["threshold"], result.units),
            "excess risk below": f"{100 * r['ae_margin']:g} pp",
            "P(both)": format_probability(r["p_joint"]),
            "P(benefit)": format_probability(r["p_benefit_beyond"]),
            "P(risk below)": format_probability(r["p_risk_below"]),
        }
        for r in result.joint.to_dict("records")
    ]
    return Table.from_frame(
        pd.DataFrame(rows),
        caption="P(benefit beyond the threshold AND excess adverse-event risk below the"
        " margin) from the paired draws, with the two probabilities on their own.",
    )


def _net(result: BenefitRiskResult) -> Table:
    from bayes_keta.report.blocks import Table

    rows = [
        {
            "contrast": f"{r['active']} - {r['reference']}",
            "harm weight w": f"{r['harm_weight']:g}",
            "net benefit": f"{r['mean']:+.2f}",
            f"{CI}% interval": f"{r[LO]:+.2f} to {r[HI]:+.2f}",
            "P(net benefit > 0)": format_probability(r["p_positive"]),
        }
        for r in result.net_benefit.to_dict("records")
    ]
    whose = (
        "the weight given (--harm-weight)"
        if result.user_weight
        else "illustrative weights: the weight is a value judgement, set yours with --harm-weight"
    )
    return Table.from_frame(
        pd.DataFrame(rows),
        caption=f"Net benefit = benefit - w x risk difference ({result.units}; w in"
        f" {result.units} per unit of risk, i.e. w/10 per 10 pp); {whose}.",
    )


def adverse_events_section(data: Any) -> Section | None:
    """Word the collected benefit-risk result (None when the data have no adverse events)."""
    from bayes_keta.report.blocks import Details, Figure, Section, Text

    result: Any = data.extras.get(ID)
    if result is None:
        return None
    units, t, m = result.units, result.threshold, 100 * result.margin
    beyond = amount(t, units)
    blocks: list[Any] = []
    if not result.adverse_events_passed:
        blocks.append(
            Text(
                "The adverse-event model FAILED its diagnostics gate: do not interpret these"
                " numbers (" + "; ".join(result.adverse_events_failures) + ").",
                "danger",
            )
        )
    for sentence in result.sentences():
        if sentence.startswith(("SYNTHETIC", "ADVERSE-EVENT DIAGNOSTICS FAILED")):
            continue  # the banner says the first, the call-out above the second
        warning = sentence.startswith("EFFICACY DIAGNOSTICS FAILED")
        blocks.append(Text(sentence, "warning" if warning else "p"))
    blocks += [_arms(result), _contrasts(result)]
    plane = result.plane.to_dict("records")
    alt = "; ".join(
        f"{r['active']}: P(benefit beyond {beyond} and excess risk below {m:g} pp) ="
        f" {format_probability(r['benefit_acceptable'])}"
        for r in plane
    )
    blocks.append(
        Figure.of(
            benefit_risk_plane(result),
            caption=f"Each dot is one posterior draw of the benefit (x: {result.outcome.noun}"
            f" improvement, {units}) and of the excess adverse-event risk (y, percentage"
            f" points) of an active arm vs {plane[0]['reference']}. Dashed: the benefit"
            f" threshold ({beyond}); dotted: the margin of excess risk ({m:g} pp). Each"
            " corner gives the probability of its quadrant per arm; bottom right is benefit"
            " with acceptable harm.",
            alt=f"Benefit-risk plane. {alt}.",
        )
    )
    blocks.append(
        Figure.of(
            joint_probability_curves(result),
            caption="P(benefit beyond each threshold AND excess risk below the margin) as the"
            " acceptable margin grows; the dotted line marks the margin of the plane.",
            alt=f"Joint probability over margins; at {m:g} pp: {alt}.",
        )
    )
    blocks += [
        Details("Joint probabilities over thresholds and margins", (_joint(result),)),
        _net(result),
        Text(
            f"How: the adverse-event model ({result.adverse_events_model}: hierarchical"
            " logistic per patient-period, subject random intercept, period and treatment"
            " effects; weakly informative log-odds priors, see its spec) is fitted to the same"
            f" patients as the main model ({result.efficacy_model}); {PAIRING}. The risks are"
            " averaged over patients (Gauss-Hermite quadrature per draw).",
            "note",
        ),
    ]
    return Section(
        id=ID,
        title="Benefit and harm",
        blocks=tuple(blocks),
        lead="Adverse events on each arm and, on one posterior with the main model's effect,"
        " the probability that an arm helps beyond a threshold while its excess harm stays"
        " below a margin.",
    )
