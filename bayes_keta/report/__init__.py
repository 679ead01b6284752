"""The posterior report: one self-contained HTML file (and a Markdown twin) per analysis.

Pipeline: :func:`~bayes_keta.report.build.fit_specs` (fits) ->
:func:`~bayes_keta.report.collect.collect` (gate, LOO, predictive checks, power-scaling) ->
:func:`~bayes_keta.report.sections.assemble` (sections) ->
:mod:`~bayes_keta.report.render` (HTML, Markdown). :func:`build_report` runs it all and writes
``report.html``, ``report.md``, ``summary.json`` and ``fits/<spec>/``.
"""

from __future__ import annotations

from bayes_keta.report.build import (
    DEFAULT_SPECS,
    ReportOutcome,
    build_report,
    fit_specs,
    prepare_out_dir,
    write_report,
)
from bayes_keta.report.collect import GateThresholds, ReportData, collect
from bayes_keta.report.render import render_html, render_markdown
from bayes_keta.report.sections import SECTION_IDS, SECTION_TITLES, assemble, sweep_section

__all__ = [
    "DEFAULT_SPECS",
    "GateThresholds",
    "ReportData",
    "ReportOutcome",
    "SECTION_IDS",
    "SECTION_TITLES",
    "assemble",
    "build_report",
    "collect",
    "fit_specs",
    "prepare_out_dir",
    "render_html",
    "render_markdown",
    "sweep_section",
    "write_report",
]
