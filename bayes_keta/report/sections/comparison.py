"""Model comparison: contrasts in every model, PSIS-LOO, the main model with/without carryover."""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import model_forest
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import LooComparison, ReportData
from bayes_keta.report.loo import KHAT_MAX
from bayes_keta.report.sections.common import (
    CI,
    HI,
    LO,
    beyond_columns,
    collapsed,
    pct,
    section,
)

__all__ = ["ID", "comparison_section"]

ID = "loo"
_COMPARE_FORMATS = {
    "elpd": ".1f",
    "p": ".1f",
    "elpd_diff": ".1f",
    "dse": ".1f",
    "se": ".1f",
    "weight": ".2f",
}


def _across_models(data: ReportData) -> tuple[pd.DataFrame, Table]:
    o = data.outcome
    frames, rows = [], []
    for name, r in data.results.items():
        head = r.headline
        frames.append(head.assign(model=name))
        beyond = beyond_columns(head, o.scale_name)
        rope = head.attrs.get("rope", {}).get(o.scale_name)
        for rec in head.to_dict("records"):
            row = {
                "model": name,
                "contrast": rec["contrast"],
                f"mean ({o.units})": f"{rec['mean']:+.2f}",
                f"{CI}% interval": f"{rec[LO]:.2f} to {rec[HI]:.2f}",
                "P(benefit)": pct(rec["p_benefit"]),
                **{f"P(> {t:g})": pct(rec[c]) for c, t in beyond.items()},
            }
            if rope:
                row[f"P(|diff| < {rope:g})"] = pct(rec["p_rope"])
            row["gate"] = "passed" if r.passed else "FAILED"
            rows.append(row)
    table = Table.from_frame(
        pd.DataFrame(rows),
        caption=f"Difference in {o.quantity} (active - reference) in every fitted model.",
    )
    return pd.concat(frames, ignore_index=True), table


def _comparison_table(comparison: LooComparison, caption: str) -> list:
    blocks: list = []
    if comparison.table is not None:
        blocks.append(
            Table.from_frame(
                comparison.table.rename_axis("model"),
                caption=caption,
                index=True,
                formats=_COMPARE_FORMATS,
            )
        )
    if comparison.notes:
        blocks.append(Text(" ".join(comparison.notes)))
    return blocks


def comparison_section(data: ReportData) -> Section:
    """Forest across models, the table behind it, PSIS-LOO and the carryover comparison."""
    o = data.outcome
    forest_rows, across = _across_models(data)
    blocks: list = []
    if len(data.results) > 1:
        blocks.append(
            Figure.of(
                model_forest(forest_rows, outcome=o),
                f"Mean and {CI}% interval of each contrast in every fitted model (structural"
                " sensitivity); dotted: the declared thresholds.",
                "Forest plot of each contrast in each fitted model.",
            )
        )
    blocks.append(collapsed(across, "The contrasts in every model"))
    loo_rows = pd.DataFrame([r.loo.row() for r in data.results.values()])
    blocks.append(
        Text(
            "Expected log predictive density by Pareto-smoothed importance-sampling"
            " leave-one-out cross-validation (Vehtari, Gelman & Gabry 2017; arviz_stats);"
            f" observations with Pareto k > {KHAT_MAX:g} make it unreliable."
        )
    )
    blocks.append(
        Table.from_frame(
            loo_rows,
            caption="PSIS-LOO per model.",
            formats={"elpd_loo": ".1f", "se": ".1f", "p_loo": ".1f"},
        )
    )
    blocks += _comparison_table(
        data.loo,
        "Comparison of the models fitted to the same readings (arviz_stats.compare; best first).",
    )
    check = data.carryover_check
    blocks.append(Text(f"With and without carryover. {check.status}", "note"))
    if check.comparison is not None:
        blocks += _comparison_table(
            check.comparison,
            f"'{check.without}' (no carryover) vs '{check.with_carryover}' (first-order"
            " carryover), PSIS-LOO; the model with the higher elpd predicts new readings"
            " better.",
        )
    return section(
        ID,
        "Model comparison",
        blocks,
        lead="How much the answer depends on the model: every contrast in every fitted model,"
        " their predictive accuracy by PSIS-LOO, and the main model with and without"
        " carryover.",
    )
