"""Clinical answers over time: threshold curves, the effect by day, every estimand.

A model whose effect is constant over the days of a period cannot estimate week-1 or
single-day effects apart from the mean daily difference: its table leaves those rows out and
says so once.
"""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import by_day_effects, threshold_curves
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData, SpecResult
from bayes_keta.report.sections.common import (
    CI,
    HI,
    LO,
    TIME_WINDOW_ESTIMANDS,
    collapsed,
    pct,
    section,
    units_of_scale,
)

__all__ = ["ID", "answers_section", "estimand_table"]

ID = "answers"


def estimand_table(result: SpecResult, data: ReportData, *, rows: pd.DataFrame) -> Table:
    """Every row of a contrast table, formatted on its own scale."""
    o = data.outcome
    thresholds = rows.attrs.get("thresholds", {})
    out = []
    for rec in rows.to_dict("records"):
        scale = str(rec["scale"])
        digits = ".1f" if scale in ("auc", "percent") else ".2f"
        beyond = thresholds.get(scale, {})
        out.append(
            {
                "contrast": rec["contrast"],
                "estimand": rec["estimand"],
                "units": units_of_scale(o, scale),
                "mean": format(rec["mean"], digits),
                f"{CI}% interval": f"{rec[LO]:{digits}} to {rec[HI]:{digits}}",
                "P(benefit)": pct(rec["p_benefit"]),
                "P(benefit beyond t)": "; ".join(
                    f"t={t:g}: {pct(rec[c])}" for c, t in beyond.items()
                ),
                "P(ROPE)": pct(rec["p_rope"]) if rec["p_rope"] == rec["p_rope"] else "n/a",
            }
        )
    return Table.from_frame(
        pd.DataFrame(out),
        caption=f"'{result.name}': mean and {CI}% credible interval of each difference (active"
        f" - reference; benefit = {o.better} {o.noun}); P(benefit beyond t) on the row's own"
        f" scale (the AUC's thresholds are the per-reading ones ({o.units}) times the readings"
        " per period).",
    )


def answers_section(data: ReportData) -> Section:
    """Threshold curves of the main model, the by-day effect, the full estimand table."""
    main = data.main_result
    o = data.outcome
    blocks: list = [
        Figure.of(
            threshold_curves(main.threshold_curve, outcome=o),
            f"Main model '{data.main}': P(benefit larger than t) for every threshold t of"
            f" {o.quantity} ({o.units}); dotted: the declared thresholds; dashed"
            " lines compare two active arms.",
            f"Probability of a benefit larger than t against t, one line per contrast, from"
            f" '{data.main}'.",
        )
    ]
    varying = [r for r in data.results.values() if r.capabilities.time_varying_effect]
    if varying:
        source = varying[0]
        blocks.append(
            Figure.of(
                by_day_effects(source.by_day, outcome=o),
                f"Effect on each {o.reading} of a period (mean and {CI}% band) from"
                f" '{source.name}', a model whose effect may vary over the {o.reading}s;"
                " shaded: benefit; dotted: thresholds.",
                f"Difference in {o.noun} by {o.reading} for each active arm against the"
                f" reference, from '{source.name}'.",
            )
        )
        window = source.contrasts[source.contrasts["estimand"].isin(TIME_WINDOW_ESTIMANDS)]
        window.attrs = source.contrasts.attrs
        if len(window):
            blocks.append(
                collapsed(
                    estimand_table(source, data, rows=window),
                    f"Week-1 and single-{o.reading} effects from '{source.name}'",
                )
            )
    else:
        blocks.append(
            Text(
                f"No fitted model lets the effect vary over the {o.reading}s of a period: each"
                f" has one effect for the whole period, so by-{o.reading} and week-1 effects"
                " equal the mean difference. Fit daily_decay to estimate them."
            )
        )
    rows = main.contrasts
    if main.constant_over_day:
        rows = rows[~rows["estimand"].isin(TIME_WINDOW_ESTIMANDS)]
        rows.attrs = main.contrasts.attrs
        blocks.append(
            Text(
                f"'{data.main}' has one effect for the whole period: it cannot estimate week-1"
                f" or single-{o.reading} effects apart from the mean difference, so they are"
                " not listed."
            )
        )
    blocks.append(
        collapsed(estimand_table(main, data, rows=rows), f"Every estimand of '{data.main}'")
    )
    return section(
        ID,
        "Clinical answers over time",
        blocks,
        lead=f"How the probability of benefit depends on the threshold, how the effect evolves"
        f" over the {o.reading}s of a period, and every estimand of the main model.",
    )
