"""Data and design: design, participant flow per sequence and period, missing readings."""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import observed_curves
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import collapsed, section

__all__ = ["ID", "data_section"]

ID = "data"


def _design_text(data: ReportData) -> str:
    trial, ds, o = data.trial, data.design, data.outcome
    arms = ", ".join(f"{t} (reference)" if t == trial.reference else t for t in trial.treatments)
    kind = "replicated (a subject receives a treatment more than once)" if data.replicated else ""
    text = (
        f"{ds.n_subjects} subjects, {ds.n_periods} periods, {ds.n_days}"
        f" {o.reading}(s) per period; arms {arms}; outcome {o.label} ({o.units}, {o.better}"
        " is better)."
        f" Source: {trial.source}."
    )
    if kind:
        text += f" The design is {kind}."
    dropouts = ", ".join(ds.dropouts) or "none"
    return text + f" Drop-outs (missing at least one period): {len(ds.dropouts)} ({dropouts})."


def _missing_data(data: ReportData) -> list:
    lines = [f"- data: {n}" for n in data.trial.notes if not n.startswith("SYNTHETIC")]
    for name, r in data.results.items():
        lines += [f"- '{name}': {n}" for n in r.fit.notes]
    if not lines:
        return [Text("No missing-data handling to report: no model dropped or filled readings.")]
    return [
        Text(
            "How the data and each model handled missing readings and other facts of the"
            " build (from each fit's record):"
        ),
        Text("\n".join(lines), "pre"),
    ]


def data_section(data: ReportData) -> Section:
    """Design, flow per sequence and period, missingness per arm, observed means, handling."""
    trial, ds, o = data.trial, data.design, data.outcome
    blocks: list = []
    if trial.synthetic:
        blocks.append(Text("SYNTHETIC DATA (simulated, not patients).", "danger"))
    blocks.append(Text(_design_text(data)))
    seq = pd.DataFrame({"sequence": list(ds.sequences), "subjects": list(ds.sequences.values())})
    blocks.append(Table.from_frame(seq, caption="Subjects on each treatment sequence."))
    blocks.append(
        collapsed(
            Table.from_frame(
                data.flow,
                caption="Participant flow per sequence and period (CONSORT for crossover"
                " trials): allocated to the sequence, present in the period, analysed (at"
                " least one reading), readings observed and expected. Only subjects present"
                " in the data file can be counted.",
            ),
            "Participant flow per sequence and period",
        )
    )
    blocks.append(
        Table.from_frame(
            ds.table,
            caption=f"Per arm: readings expected, observed and missing; observed mean {o.noun}"
            f" and the observed AUC ({o.units_for('auc')}; a missing reading counts as its"
            " subject-period mean).",
            formats={"missing_pct": ".1f", "mean_pain": ".2f", "auc_mean": ".1f", "auc_sd": ".1f"},
        )
    )
    blocks.append(
        Figure.of(
            observed_curves(data.observed, outcome=o),
            f"Observed mean {o.noun} by {o.reading} of the period, per arm, +/- 1 standard error"
            " (raw data, no model).",
            f"Observed mean {o.noun} by {o.reading} for each arm.",
        )
    )
    blocks += _missing_data(data)
    return section(
        ID,
        "Data and design",
        blocks,
        lead="The data analysed: design and sequences, participant flow per sequence and"
        " period, missing readings per arm, observed means, and how each model handled missing"
        " data.",
    )
