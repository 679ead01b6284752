"""Prior sensitivity: power-scaling of the main model, and the prior sweep when there is one."""

from __future__ import annotations

import pandas as pd

from bayes_keta.plots import prior_sweep
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import CI, HI, LO, collapsed, pct, section
from bayes_keta.sweep.text import method_lines

__all__ = ["ID", "sensitivity_sections", "sweep_section"]

ID = "sensitivity"
SWEEP_ID = "sensitivity-sweep"


def sweep_section(data: ReportData) -> Section:
    """Show the prior sweep: its figure and its table (the headline estimand)."""
    o = data.outcome
    if data.sweep is None:
        return section(
            SWEEP_ID,
            "Prior sweep",
            [
                Text(
                    "No prior sweep included. `bayes-keta report --with-sweep` runs one, or"
                    " pass `--sweep DIR` with the output of `bayes-keta sweep`."
                )
            ],
            level=3,
            lead="The main model under a grid of priors.",
        )
    frame = data.sweep.table
    headline = "mean_daily_difference"
    rows = frame.loc[frame["estimand"] == headline] if "estimand" in frame else frame
    keep = [
        c
        for c in (
            "setting",
            "prior_effect",
            "hyper_scale",
            "active",
            "reference",
            "mean",
            LO,
            HI,
            "p_benefit",
        )
        if c in rows.columns
    ]
    keep += [c for c in rows.columns if c.startswith("p_beyond_")]
    keep += [c for c in ("passed", "method", "pareto_k") if c in rows.columns]
    shown = rows[keep].copy()
    for c in [c for c in keep if c == "p_benefit" or c.startswith("p_beyond_")]:
        shown[c] = [pct(float(p)) for p in shown[c]]
    where = f" Files: {data.sweep.location}." if data.sweep.location else ""
    how = method_lines(frame)
    blocks: list = [
        *([Text(" ".join(how))] if how else []),
        Figure.of(
            prior_sweep(frame, outcome=o),
            f"Mean and {CI}% interval of each contrast against the reference under every prior"
            " setting; shaded: benefit; dotted: thresholds; X: a fit that failed the gate.",
            "Posterior mean and interval of each contrast under each prior setting of the sweep.",
        ),
        collapsed(
            Table.from_frame(
                shown,
                caption=f"{headline} ({o.units}) per prior setting and contrast; p_beyond_t ="
                f" P(benefit > t {o.units}); prior_effect: the setting's effect prior in"
                f" {o.units} (the grid and the prior sets are written in 0-10 NRS points and"
                " put on the outcome's scale by the rule every fit uses); every estimand is in"
                f" sweep.csv.{where}",
            ),
            "The sweep's table",
        ),
    ]
    return section(
        SWEEP_ID,
        "Prior sweep",
        blocks,
        level=3,
        lead="The main model under each prior setting of the grid (effect prior centre x"
        " scale, variance hyperprior scales, the named prior sets), fitted once and reweighted"
        " to the other settings where that is reliable: a conclusion that holds on every row"
        " does not hinge on the prior.",
    )


def sensitivity_sections(data: ReportData) -> list[Section]:
    """Power-scaling sensitivity of the main model, then the prior sweep."""
    ps = data.psense
    blocks: list = [
        Text(
            "Each prior (jointly) and the likelihood are raised to a power near 1 and the"
            " change of each posterior is measured by the cumulative Jensen-Shannon distance"
            " (Kallioinen et al., Statistics and Computing 2024); above 0.05 a quantity is"
            " flagged. Prior sensitivity with likelihood sensitivity suggests a prior-data"
            " conflict; prior sensitivity alone, a strong prior or weak data."
        )
    ]
    if ps.table is None:
        blocks.append(Text(f"Power-scaling not available: {ps.error}", "warning"))
    else:
        blocks.append(
            collapsed(
                Table.from_frame(
                    pd.DataFrame(ps.table),
                    caption="Power-scaled priors: " + ", ".join(ps.prior_variables) + ". The"
                    " distances are importance-sampling estimates: with few draws small values"
                    " are noisy.",
                    index=True,
                    formats={"prior": ".3f", "likelihood": ".3f"},
                ),
                "Power-scaling per quantity",
            )
        )
    first = section(
        ID,
        "Prior sensitivity",
        blocks,
        lead=f"How much the main model's posterior ('{data.main}') moves when its priors or"
        " its likelihood are weighted a little more or less, and under other priors.",
    )
    return [first, sweep_section(data)]
