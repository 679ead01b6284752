"""The published-results reanalysis: only for the flagship trial, or when asked for."""

from __future__ import annotations

from bayes_keta.plots.published import published_reanalysis
from bayes_keta.report.blocks import Figure, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import CI, pct, section

__all__ = ["ID", "published_section"]

ID = "published"
_LEAD = (
    "The effect sizes published for KETAPAIN (Pickering et al., Anesthesiology"
    " 2020;133:154-164), reanalysed under vague, skeptical and enthusiastic priors."
)


def published_section(data: ReportData) -> Section | None:
    """Show the reanalysis collected for this report (None when not included)."""
    if data.published is None:
        if data.published_error is None:
            return None
        return section(
            ID,
            "Published-results reanalysis",
            [Text(f"Published reanalysis unavailable: {data.published_error}", "warning")],
            lead=_LEAD,
        )
    res = data.published
    table = res.table
    beyond = [c for c in table.columns if c.startswith("p_beyond_")]
    cols = [
        "active",
        "reference",
        "prior",
        "prior_spec",
        "estimate",
        "published_lo95",
        "published_hi95",
        "post_mean",
        f"post_lo{CI}",
        f"post_hi{CI}",
        "p_benefit",
        *beyond,
    ]
    shown = table[[c for c in cols if c in table.columns]].copy()
    for c in ["p_benefit", *beyond]:
        shown[c] = [pct(p) for p in shown[c]]
    blocks: list = [
        Text(
            "Independent of the patient-level data: the published effect sizes, on the"
            " standardized-mean-difference scale, reanalysed with a normal approximation of"
            " the likelihood (Spiegelhalter et al. 1994)."
            + (
                " It is the only part of this report that rests on the real trial's results;"
                " the patient-level analysis uses SYNTHETIC data."
                if data.trial.synthetic
                else ""
            )
        ),
        Text("\n".join(f"- {n}" for n in res.notes), "pre"),
        Table.from_frame(
            shown,
            caption="One row per published contrast and prior; p_benefit = P(favoured arm has"
            " less pain); p_beyond_t = P(benefit larger than t SMD).",
            formats={"estimate": ".2f"},
            default=".2f",
        ),
        Figure.of(
            published_reanalysis(res),
            "Prior (dashed), likelihood and posterior per published contrast and prior.",
            "Prior, likelihood and posterior densities of each published contrast under each"
            " prior.",
        ),
    ]
    return section(ID, "Published-results reanalysis", blocks, lead=_LEAD)
