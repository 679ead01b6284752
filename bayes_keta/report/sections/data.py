"""Data and design: design, participant flow per sequence and period, missing readings.

Missing readings: per arm, by day and arm (a figure and a compact table), the completion-trend
test (a warning when completion depends on the day) and each fitted spec's declared handling,
saying which estimates the mean over all the period's readings honestly when completion trends
(computed by :func:`bayes_keta.report.missing.collect_missing`, this section's collector).
"""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import completion_by_day, observed_curves
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.missing import HANDLING_TEXT, MissingReadings, collect_missing
from bayes_keta.report.sections.common import collapsed, section

__all__ = ["ID", "collect", "data_section"]

ID = "data"
#: The section's collector (run once by :func:`bayes_keta.report.collect.collect`).
collect = collect_missing


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


def _by_day(data: ReportData, found: MissingReadings) -> list:
    """Missingness by day and arm, and the completion-trend line (a warning on a trend)."""
    o, ds = data.outcome, data.design
    r = o.reading
    if data.trial.n_days == 1:
        return [Text("One reading per period: no completion trend within a period to test.")]
    if not found.any_missing:
        return [Text(f"No reading is missing on any {r}: completion cannot trend.")]
    blocks: list = [
        Figure.of(
            completion_by_day(found.by_arm, outcome=o),
            f"Percent of the expected readings observed on each {r} of the period, per arm"
            " (raw data). A line that falls or rises over the period is a trend in completion.",
            f"Percent of readings observed by {r} for each arm.",
        ),
        collapsed(
            Table.from_frame(
                found.compact,
                caption=f"Missing readings by {r} and arm (missing/expected; expected: the"
                " arm's subject-periods present in the data).",
            ),
            f"Missing readings by {r} and arm",
        ),
    ]
    trend = ds.completion
    if trend is None:
        blocks.append(Text(f"No completion-trend test: fewer than 3 {r}s."))
    elif not trend.trend:
        blocks.append(Text(f"Completion trend test (Cochran-Armitage): {trend.text}."))
    else:
        blocks.append(Text(f"{trend.text}. {_honest_text(found, r)}", "warning"))
    return blocks


def _honest_text(found: MissingReadings, r: str) -> str:
    honest = found.honest
    if honest:
        named = ", ".join(f"'{s}'" for s in honest)
        verb = "estimates" if len(honest) == 1 else "estimate"
        text = (
            f"Of the fitted specs, {named} (an effect by {r}, missing readings left out of the"
            f" likelihood) {verb} the mean over all {r}s honestly, under missing at random"
            " given the model"
        )
        if len(honest) < len(found.specs):
            text += "; read the other specs' estimates as leaning to the well-completed " + r + "s"
        return text + "."
    others = ", ".join(f"'{s}'" for s in found.alternatives) or "a spec with an effect by " + r
    return (
        f"None of the fitted specs estimates the mean over all {r}s honestly (each has a"
        f" constant effect or fills missing readings from the observed ones): fit {others}."
    )


def _handling(data: ReportData, found: MissingReadings) -> list:
    """Each fitted spec's declared missing-data handling, as a table."""
    if not found.specs:
        return []
    r = data.outcome.reading
    one = data.trial.n_days == 1
    rows = []
    for s in found.specs:
        row = {
            "spec": s.spec,
            "missing readings": HANDLING_TEXT.get(s.handling, s.handling),
            "counts": s.counts,
        }
        if not one:
            row[f"effect over {r}s"] = f"by {r}" if s.by_day else "constant"
            row[f"all-{r}s mean if completion trends"] = (
                "honest (MAR given the model)" if s.honest else f"leans to well-completed {r}s"
            )
        rows.append(row)
    builder = [s.spec for s in found.specs if s.declared_by == "builder"]
    note = (
        f" ({', '.join(builder)}: from the spec's builder; the fit predates the record)"
        if builder
        else ""
    )
    return [
        Table.from_frame(
            pd.DataFrame(rows),
            caption="How each fitted spec handles missing readings, as its builder declares"
            f" it (the fit record's missing_data, also in summary.json){note}.",
        )
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
    found = data.extras.get(ID) or collect_missing(data)
    blocks += _by_day(data, found)
    blocks += _handling(data, found)
    blocks += _missing_data(data)
    return section(
        ID,
        "Data and design",
        blocks,
        lead="The data analysed: design and sequences, participant flow per sequence and"
        " period, missing readings per arm and by day, whether completion trends over the"
        " period, observed means, and how each model handled missing data.",
    )
