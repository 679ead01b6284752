"""Models and priors: each model in words and math, its priors and sampler settings."""

from __future__ import annotations

import pandas as pd

from bayes_keta.report.blocks import Details, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.model_text import model_math, prior_table
from bayes_keta.report.sections.common import section

__all__ = ["ID", "model_sections"]

ID = "model"
_SETTINGS = (
    "sampler",
    "requested_sampler",
    "chains",
    "draws",
    "tune",
    "cores",
    "seed",
    "compile_seconds",
    "sample_seconds",
    "compile",
    "fallback_reason",
)


def _decision_rules(data: ReportData) -> str:
    o = data.outcome
    rope = (
        f" Region of practical equivalence (ROPE): |difference| < {o.rope:g} {o.units}."
        if (o.rope)
        else " No region of practical equivalence is declared."
    )
    return (
        f"Decision rules (declared before looking at results): a benefit is {o.better}"
        f" {o.noun} on the active arm. Clinically meaningful thresholds:"
        f" {', '.join(f'{t:g}' for t in o.thresholds)} {o.units} of {o.quantity}"
        f" ({'; '.join(o.sources)}).{rope} The report gives P(benefit), P(benefit"
        " beyond each threshold) and P(inside the ROPE); no single cut-off decides."
    )


def model_sections(data: ReportData) -> list[Section]:
    """Describe the models: an overview with the decision rules, then one per fitted model."""
    trial, o = data.trial, data.outcome
    out = [
        section(
            ID,
            "Models and priors",
            [
                Text(
                    f"Every model describes the readings of {o.label} of each subject in each"
                    " period (or, for 'auc', their sum over the period) with subject and period"
                    " effects; all expose arm_mean[k, t], the expected reading of a typical"
                    " subject on arm k at reading t, from which every contrast is computed."
                    " Priors are weakly informative unless a named prior set was given."
                ),
                Text(_decision_rules(data), "note"),
            ],
            lead="What each fitted model assumes, in words and in mathematics, with every"
            " prior as applied and the sampler settings.",
        )
    ]
    for name, r in data.results.items():
        fit = r.fit
        spec = fit.spec
        settings = fit.record.sampler.to_dict()
        rows = [{"setting": k, "value": str(settings[k])} for k in _SETTINGS if k in settings]
        blocks: list = [
            Text(spec.description or "(no description in the spec)"),
            Text(
                model_math(spec, n_days=trial.n_days, treatments=trial.treatments, outcome=o),
                "math",
            ),
            Table.from_frame(
                prior_table(spec, fit.priors, n_days=trial.n_days, outcome=o),
                caption=f"Priors of '{name}' as applied (resolved: user > prior set > spec).",
            ),
            Details(
                f"Sampler settings of '{name}'",
                (Table.from_frame(pd.DataFrame(rows), caption="NUTS settings as run."),),
            ),
        ]
        if r.role != "fitted":
            blocks.insert(0, Text(f"Fitted by the report itself: the {r.role}.", "note"))
        out.append(
            section(
                f"model-{name}",
                f"Model '{name}'",
                blocks,
                level=3,
                lead=f"The model '{name}': what it assumes and its priors.",
            )
        )
    return out
