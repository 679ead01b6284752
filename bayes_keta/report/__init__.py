"""The posterior report: one self-contained HTML file (and a Markdown twin) per analysis.

Pipeline: :func:`~bayes_keta.report.build.fit_specs` (fits) ->
:func:`~bayes_keta.report.collect.collect` (every number, once: a
:class:`~bayes_keta.report.data.ReportData`) -> :func:`~bayes_keta.report.sections.assemble`
(one module per section, in the order of :mod:`~bayes_keta.report.sections.registry`;
figures from :mod:`bayes_keta.plots`) -> :mod:`~bayes_keta.report.render` (HTML, Markdown;
the only place figures become images). :func:`build_report` runs it all and writes
``report.html``, ``report.md``, ``summary.json`` and ``fits/<spec>/``
(:mod:`~bayes_keta.report.output`).
"""

from __future__ import annotations

from bayes_keta.report.build import DEFAULT_SPECS, build_report, default_specs, fit_specs
from bayes_keta.report.collect import collect
from bayes_keta.report.data import GateThresholds, ReportData
from bayes_keta.report.output import ReportOutcome, prepare_out_dir, write_report
from bayes_keta.report.render import render_html, render_markdown
from bayes_keta.report.sections import SECTION_IDS, SECTIONS, assemble

__all__ = [
    "DEFAULT_SPECS",
    "GateThresholds",
    "ReportData",
    "ReportOutcome",
    "SECTIONS",
    "SECTION_IDS",
    "assemble",
    "build_report",
    "collect",
    "default_specs",
    "fit_specs",
    "prepare_out_dir",
    "render_html",
    "render_markdown",
    "write_report",
]
