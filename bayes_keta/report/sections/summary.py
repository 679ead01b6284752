"""Page 1, "The answer": the headline figure, a few plain sentences per contrast, one table.

Nothing here computes: the figure is :func:`bayes_keta.plots.headline_contrasts` of the main
fit's contrast draws, and every number written is read from the main fit's contrast table.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from bayes_keta.plots import headline_contrasts
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import CI, HI, LO, beyond_columns, pct, section

__all__ = ["ID", "summary_section"]

ID = "summary"


def _units(units: str, value: float) -> str:
    """``points`` -> ``point`` for a value of one."""
    return units[:-1] if value == 1 and units.endswith("s") else units


def _sentences(rec: dict[str, Any], beyond: dict[str, float], data: ReportData) -> str:
    o = data.outcome
    what = f"{o.quantity}"
    direction = "lower" if rec["mean"] < 0 else "higher"
    verb = "reduces" if o.better == "lower" else "increases"
    first = (
        f"{rec['active']} vs {rec['reference']}: {what} was {abs(rec['mean']):.2f} {o.units}"
        f" {direction} on {rec['active']} ({CI}% credible interval of the difference"
        f" {rec[LO]:.2f} to {rec[HI]:.2f} {o.units})."
    )
    second = f"The probability that {rec['active']} {verb} {what} at all is {pct(rec['p_benefit'])}"
    if beyond:
        parts = [
            f"by more than {t:g} {_units(o.units, t)}, {pct(rec[c])}" for c, t in beyond.items()
        ]
        second += "; " + "; ".join(parts)
    sentences = [first, second + "."]
    rope = data.main_result.contrasts.attrs.get("rope", {}).get(o.scale_name)
    if rope and rec["p_rope"] == rec["p_rope"]:
        sentences.append(
            f"The probability that the arms differ by less than {rope:g} {o.units} (practically"
            f" equivalent) is {pct(rec['p_rope'])}."
        )
    return " ".join(sentences)


def _compact(rows: pd.DataFrame, beyond: dict[str, float], data: ReportData) -> Table:
    o = data.outcome
    rope = rows.attrs.get("rope", {}).get(o.scale_name)
    frame = pd.DataFrame(
        {
            "contrast": [
                f"{a} vs {r}" for a, r in zip(rows["active"], rows["reference"], strict=True)
            ],
            f"mean difference ({o.units})": [f"{m:+.2f}" for m in rows["mean"]],
            f"{CI}% credible interval": [
                f"{lo:.2f} to {hi:.2f}" for lo, hi in zip(rows[LO], rows[HI], strict=True)
            ],
            "P(benefit)": [pct(p) for p in rows["p_benefit"]],
            **{f"P(benefit > {t:g})": [pct(p) for p in rows[c]] for c, t in beyond.items()},
        }
    )
    if rope:
        frame[f"P(|difference| < {rope:g})"] = [pct(p) for p in rows["p_rope"]]
    return Table.from_frame(
        frame,
        caption=f"Main model '{data.main}': difference in {o.quantity},"
        f" active - reference, in {o.units}; benefit = {o.better} {o.noun}; thresholds and"
        f" ROPE in {o.units}.",
    )


def _alt(rows: pd.DataFrame, data: ReportData) -> str:
    o = data.outcome
    parts = [
        f"{r['active']} vs {r['reference']}: mean {r['mean']:+.2f} {o.units}"
        f" ({CI}% CrI {r[LO]:.2f} to {r[HI]:.2f}), P(benefit) {pct(r['p_benefit'])}"
        for r in rows.to_dict("records")
    ]
    return (
        f"Posterior densities of the difference in {o.quantity} per contrast."
        " " + "; ".join(parts) + "."
    )


def summary_section(data: ReportData) -> Section:
    """Give the answer: headline figure, 2-4 sentences per contrast, one compact table."""
    main = data.main_result
    o = data.outcome
    rows = main.headline
    beyond = beyond_columns(rows, o.scale_name)
    blocks: list = []
    if not main.passed:
        blocks.append(
            Text(
                f"The main model '{data.main}' FAILED the diagnostics gate: the numbers below"
                " are not reliable (see MCMC diagnostics).",
                "danger",
            )
        )
    drawn = headline_contrasts(
        main.draws,
        table=rows,
        outcome=o,
        title=f"How large is the difference in {o.quantity}?"
        + (" (SYNTHETIC DATA)" if data.trial.synthetic else ""),
    )
    thresholds = ", ".join(f"{t:g}" for t in beyond.values())
    blocks.append(
        Figure.of(
            drawn,
            f"Posterior of each contrast (active - reference) in the main model '{data.main}':"
            f" density, mean and {CI}% credible interval; shaded: benefit ({o.better}"
            f" {o.noun}); dashed: the declared thresholds ({thresholds} {o.units}); grey: the"
            " region of practical equivalence. The probabilities written on the right are"
            " those of the table below.",
            _alt(rows, data),
        )
    )
    for rec in rows.to_dict("records"):
        blocks.append(Text(_sentences(rec, beyond, data)))
    blocks.append(_compact(rows, beyond, data))
    description = " ".join((main.fit.spec.description or "").split()) or "no description"
    blocks.append(
        Text(
            f"Main model '{data.main}': {description} Models fitted: {', '.join(data.results)}."
            f" Intervals are {CI}% equal-tailed credible intervals; probabilities are posterior"
            " probabilities given the model, the priors and the data, not p-values."
            f" Thresholds: {'; '.join(o.sources)}.",
            "note",
        )
    )
    return section(
        ID,
        "The answer",
        blocks,
        lead=f"How much the active treatments change {o.quantity}, and how sure that is.",
    )
