"""Designing the next trial: the assurance of the main fit, when the report was asked for it."""

from __future__ import annotations

from bayes_keta.report.assurance import SECTION_ID, assurance_section
from bayes_keta.report.blocks import Section, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import section

__all__ = ["ID", "next_trial_section"]

ID = SECTION_ID


def next_trial_section(data: ReportData) -> Section | None:
    """Show the assurance (:mod:`bayes_keta.report.assurance`), or why it is missing."""
    if data.assurance is not None:
        return assurance_section(data.assurance)
    if data.assurance_error is None:
        return None
    return section(
        ID,
        "Designing the next trial (assurance)",
        [Text(f"Assurance not computed: {data.assurance_error}", "warning")],
        lead="How likely a next crossover trial is to show the benefit.",
    )
