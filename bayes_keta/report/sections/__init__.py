"""The report's sections: one module per section, each ``ReportData -> Section``.

The order is the registry's (:data:`~bayes_keta.report.sections.registry.SECTIONS`); adding a
section is one module here and one line there. Sections select and word what
:func:`bayes_keta.report.collect.collect` computed; figures come from :mod:`bayes_keta.plots`.
"""

from bayes_keta.report.sections.banners import banners
from bayes_keta.report.sections.registry import SECTION_IDS, SECTIONS, SectionEntry, assemble

__all__ = ["SECTIONS", "SECTION_IDS", "SectionEntry", "assemble", "banners"]
