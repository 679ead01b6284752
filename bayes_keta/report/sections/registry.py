"""The report's sections, in order: adding a section is one module and one line here.

Each entry names a section id (its HTML anchor and the key of its collected results) and the
function that builds it from the :class:`~bayes_keta.report.data.ReportData`
(``build(data) -> Section``, a list of sections, or None when it does not apply), plus,
optionally, a collector ``collect(data) -> result`` for what only this section needs:
:func:`bayes_keta.report.collect.collect` runs it once and stores the result in
``data.extras[id]``, where the section reads it. Sections compute nothing themselves.

To add one (say ``adverse_events``): write ``report/sections/adverse_events.py`` with
``adverse_events_section(data) -> Section | None`` (reading ``data.extras["adverse-events"]``
if it needs its own results), put its line below where it belongs, with ``collect=`` if it
has a collector. The order of the lines is the order of the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from bayes_keta.report.blocks import Report, Section
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections import (
    adverse_events,
    answers,
    carryover,
    checklists,
    checks_ppc,
    comparison,
    data,
    diagnostics,
    heterogeneity,
    models,
    next_trial,
    provenance,
    published,
    sensitivity,
    summary,
)
from bayes_keta.report.sections.banners import banners

__all__ = ["SECTIONS", "SECTION_IDS", "SectionEntry", "assemble"]

Built = Section | Sequence[Section] | None


@dataclass(frozen=True)
class SectionEntry:
    """One line of the registry.

    Attributes
    ----------
    id : str
        The section's anchor (and key of ``ReportData.extras``).
    build : callable
        ``build(data) -> Section | list of Section | None``.
    collect : callable or None
        ``collect(data) -> result`` run once by :func:`bayes_keta.report.collect.collect`.
    """

    id: str
    build: Callable[[ReportData], Built]
    collect: Callable[[ReportData], Any] | None = None


#: Every section, in report order (page 1 is the first).
SECTIONS: tuple[SectionEntry, ...] = (
    SectionEntry(summary.ID, summary.summary_section),
    SectionEntry(answers.ID, answers.answers_section),
    SectionEntry(carryover.ID, carryover.carryover_section),
    SectionEntry(
        adverse_events.ID,
        adverse_events.adverse_events_section,
        collect=adverse_events.collect_adverse_events,
    ),
    SectionEntry(published.ID, published.published_section),
    SectionEntry(sensitivity.ID, sensitivity.sensitivity_sections),
    SectionEntry(comparison.ID, comparison.comparison_section),
    SectionEntry(
        heterogeneity.ID, heterogeneity.heterogeneity_section, collect=heterogeneity.collect
    ),
    SectionEntry(next_trial.ID, next_trial.next_trial_section),
    SectionEntry(data.ID, data.data_section, collect=data.collect),
    SectionEntry(checks_ppc.ID, checks_ppc.ppc_section),
    SectionEntry(diagnostics.ID, diagnostics.diagnostics_section),
    SectionEntry(models.ID, models.model_sections),
    SectionEntry(provenance.ID, provenance.provenance_section),
    SectionEntry(checklists.ID, checklists.checklist_section),
)
#: The ids of :data:`SECTIONS`, in order.
SECTION_IDS: tuple[str, ...] = tuple(s.id for s in SECTIONS)


def _sections(built: Built) -> list[Section]:
    if built is None:
        return []
    return [built] if isinstance(built, Section) else list(built)


def assemble(report_data: ReportData) -> Report:
    """Build every registered section and the banners into a :class:`Report`."""
    trial, o = report_data.trial, report_data.outcome
    sections = [s for entry in SECTIONS for s in _sections(entry.build(report_data))]
    label = "SYNTHETIC DATA - " if trial.synthetic else ""
    return Report(
        title=f"Bayesian reanalysis: {trial.name}",
        subtitle=(
            f"{label}{trial.n_subjects} subjects, {len(trial.periods)} periods,"
            f" {trial.n_days} {o.reading}(s) per period; arms {', '.join(trial.treatments)}"
            f" (reference {trial.reference}); {o.label}; main model '{report_data.main}'"
        ),
        banners=banners(report_data),
        sections=tuple(sections),
        passed=report_data.passed,
        synthetic=trial.synthetic,
    )
