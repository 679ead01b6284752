"""Carryover: each active treatment's effect on the period after it, where a model has it."""

from __future__ import annotations

import pandas as pd

from bayes_keta.report.blocks import Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import CI, HI, LO, section, units_of_scale

__all__ = ["ID", "carryover_section"]

ID = "carryover"


def carryover_section(data: ReportData) -> Section | None:
    """Show the carryover rows of every model that estimates them (None when none does)."""
    with_rows = {n: r for n, r in data.results.items() if len(r.carryover)}
    if not with_rows:
        return None
    rows = []
    for name, r in with_rows.items():
        units = units_of_scale(data.outcome, r.capabilities.scale)
        for rec in r.carryover.to_dict("records"):
            rows.append(
                {
                    "model": name,
                    "treatment": rec["treatment"],
                    "mean": f"{rec['mean']:+.2f}",
                    "sd": f"{rec['sd']:.2f}",
                    f"{CI}% interval": f"{rec[LO]:.2f} to {rec[HI]:.2f}",
                    "units": units,
                }
            )
    o = data.outcome
    blocks: list = [
        Table.from_frame(
            pd.DataFrame(rows),
            caption="Posterior of the first-order carryover of each active treatment: its"
            f" effect on {o.noun} in the period that follows a period on it (0 after the"
            " reference arm and in period 1).",
        ),
        Text(
            "With carryover in the model, the direct treatment effects are estimated alongside"
            " it and are less precise; Model comparison compares the main model with and"
            " without the term by PSIS-LOO.",
            "note",
        ),
    ]
    if data.carryover_check.status:
        blocks.append(Text(data.carryover_check.status))
    return section(
        ID,
        "Carryover",
        blocks,
        lead="How much each active treatment still acts in the period after it (first-order"
        " carryover), in every model with that term.",
    )
