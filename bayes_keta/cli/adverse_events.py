"""The adverse-event parts of ``bayes-keta fit``: options, the fit beside, the console text.

Imports nothing heavy at module level (the parser is built from it).
"""

from __future__ import annotations

import argparse
from typing import Any

from bayes_keta import checks
from bayes_keta.cli.options import number

__all__ = ["add_harm_options", "format_benefit_risk", "harm_flags", "wants_adverse_events"]


def add_harm_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--harm-weight`` (repeatable) and ``--no-adverse-events``."""
    parser.add_argument(
        "--harm-weight",
        action="append",
        type=number(checks.HARM_WEIGHT),
        metavar="W",
        help="net benefit = benefit - W x adverse-event risk difference (W in outcome units per"
        " unit of risk, >= 0; repeatable; default: illustrative weights 1, 2, 5, 10)",
    )
    parser.add_argument(
        "--no-adverse-events",
        action="store_true",
        help="do not fit the adverse-event model even when the data have an adverse_event column",
    )


def harm_flags(args: argparse.Namespace) -> list[str]:
    """Return the harm options of a parsed command line, for its canonical form.

    Examples
    --------
    >>> harm_flags(argparse.Namespace(harm_weight=[5.0], no_adverse_events=False))
    ['--harm-weight', '5.0']
    """
    parts: list[str] = []
    for w in getattr(args, "harm_weight", None) or []:
        parts += ["--harm-weight", str(w)]
    if getattr(args, "no_adverse_events", False):
        parts.append("--no-adverse-events")
    return parts


def wants_adverse_events(trial: Any, args: argparse.Namespace) -> bool:
    """Whether to fit the adverse-event model beside the efficacy spec."""
    from bayes_keta.data.adverse_events import has_adverse_events

    return has_adverse_events(trial) and not getattr(args, "no_adverse_events", False)


def format_benefit_risk(result: Any) -> str:
    """Console text of a :class:`~bayes_keta.harms.BenefitRiskResult`: tables and sentences."""
    from bayes_keta.estimands import CI_LABEL
    from bayes_keta.harms.result import amount

    lo, hi = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
    lines = [
        f"Adverse events ({result.adverse_events_model}): P(at least one in a period)",
        f"{'arm':<24} {'mean':>6} {CI_LABEL + '% CrI':>15}",
    ]
    for r in result.arms.to_dict("records"):
        lines.append(f"{r['treatment']:<24} {r['mean']:>6.2f} [{r[lo]:>6.2f},{r[hi]:>6.2f}]")
    lines.append(f"{'contrast':<31} {'measure':<16} {'mean':>7} {CI_LABEL + '% CrI':>17} P(harm)")
    for r in result.risk_contrasts.to_dict("records"):
        lines.append(
            f"{r['contrast']:<31} {r['measure']:<16} {r['mean']:>7.2f}"
            f" [{r[lo]:>7.2f},{r[hi]:>7.2f}] {r['p_harm']:>7.2f}"
        )
    joint = result.joint[
        (result.joint["threshold"] == result.threshold) & (result.joint["ae_margin"] > 0)
    ]
    beyond = amount(result.threshold, result.units)
    lines.append(f"P(benefit > {beyond} AND risk difference < margin):")
    for (active, reference), rows in joint.groupby(["active", "reference"], sort=False):
        cells = "  ".join(
            f"{m:g}: {p:.2f}" for m, p in zip(rows["ae_margin"], rows["p_joint"], strict=True)
        )
        lines.append(f"  {active} - {reference}   margin {cells}")
    who = "your weight" if result.user_weight else "illustrative weights"
    lines.append(f"Net benefit (benefit - w x risk difference; {who}), P(> 0):")
    for (active, reference), rows in result.net_benefit.groupby(
        ["active", "reference"], sort=False
    ):
        cells = "  ".join(
            f"w={w:g}: {m:+.2f} ({p:.2f})"
            for w, m, p in zip(rows["harm_weight"], rows["mean"], rows["p_positive"], strict=True)
        )
        lines.append(f"  {active} - {reference}   {cells}")
    lines += ["", *(x for x in result.sentences() if not x.startswith("SYNTHETIC DATA"))]
    return "\n".join(lines)
