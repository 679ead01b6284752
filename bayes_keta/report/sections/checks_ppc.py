"""Posterior predictive checks: recorded scores, subject-period AUC and by-day means per arm."""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import ppc_auc, ppc_by_day, ppc_scores
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import CI, collapsed, section

__all__ = ["ID", "ppc_section"]

ID = "ppc"


def _auc_rows(data: ReportData) -> pd.DataFrame:
    rows = []
    for name, r in data.results.items():
        if r.ppc is None:
            rows.append({"model": name, "treatment": "n/a", "note": r.ppc_error or ""})
            continue
        for rec in r.ppc.auc_table.to_dict("records"):
            rows.append(
                {
                    "model": name,
                    "treatment": rec["treatment"],
                    "cells": rec["cells"],
                    "observed mean AUC": f"{rec['observed_mean']:.1f}",
                    f"replicated mean ({CI}%)": f"{rec['rep_mean_lo']:.1f} to"
                    f" {rec['rep_mean_hi']:.1f}",
                    "ppp mean": f"{rec['ppp_mean']:.2f}",
                    "observed SD": f"{rec['observed_sd']:.1f}",
                    f"replicated SD ({CI}%)": f"{rec['rep_sd_lo']:.1f} to {rec['rep_sd_hi']:.1f}",
                    "ppp SD": f"{rec['ppp_sd']:.2f}",
                }
            )
    return pd.DataFrame(rows).fillna("")


def ppc_section(data: ReportData) -> Section:
    """Show the main model's checks as figures and every model's AUC check as a table."""
    main, o = data.main_result, data.outcome
    blocks: list = []
    if main.ppc is None:
        blocks.append(Text(f"'{data.main}': no predictive checks ({main.ppc_error}).", "warning"))
    else:
        blocks.append(Text(" ".join(main.ppc.notes), "note"))
        if main.ppc.scores is not None:
            blocks.append(
                Figure.of(
                    ppc_scores(main.ppc, outcome=o),
                    f"'{data.main}': recorded scores per arm, observed (bars) and replicated"
                    f" counts (median and {CI}% interval).",
                    "Observed and replicated counts of each recorded score, per arm.",
                )
            )
        blocks.append(
            Figure.of(
                ppc_auc(main.ppc, outcome=o),
                f"'{data.main}': subject-period AUC per arm, observed ECDF (thick) over"
                " replicated ECDFs (thin).",
                "Observed and replicated distributions of the subject-period AUC, per arm.",
            )
        )
        if main.ppc.by_day is not None:
            blocks.append(
                Figure.of(
                    ppc_by_day(main.ppc, outcome=o),
                    f"'{data.main}': mean {o.noun} by {o.reading} per arm, observed (line) and"
                    f" {CI}% replicated band.",
                    f"Observed mean {o.noun} by {o.reading} inside the replicated bands, per arm.",
                )
            )
    blocks.append(
        collapsed(
            Table.from_frame(
                _auc_rows(data),
                caption="Subject-period AUC per arm in every model: observed mean and SD"
                " against their replicated distributions; ppp = P(replicated >= observed).",
            ),
            "AUC checks of every model",
        )
    )
    return section(
        ID,
        "Posterior predictive checks",
        blocks,
        lead="Whether data replicated from each model look like the observed data: a good"
        " model puts the observed statistic inside the replicated spread (ppp near 0 or 1"
        " flags misfit).",
    )
