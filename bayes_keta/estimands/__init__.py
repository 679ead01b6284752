"""Estimands: what the workbench reports about treatment contrasts, declared once.

``registry`` declares every estimand (adding one is one entry in
:data:`~bayes_keta.estimands.registry.ESTIMANDS`); ``core`` summarises draws (NumPy only);
``contrasts`` computes the draws from ``arm_mean``; ``tables`` the long table and threshold
curves; ``curves`` the by-day bands; ``text`` words them; ``heterogeneity`` (with
``heterogeneity_record`` and ``heterogeneity_compare``) the individual-response estimands of
models with individual effects. The outcome (direction of benefit, thresholds, ROPE, units) is a
:class:`bayes_keta.outcome.Outcome`.
"""

from bayes_keta.estimands.contrasts import by_day, contrast_draws, contrast_pairs
from bayes_keta.estimands.core import (
    CI_LABEL,
    format_probability,
    format_threshold,
    summarize_draws,
)
from bayes_keta.estimands.curves import by_day_summary
from bayes_keta.estimands.heterogeneity import HeterogeneityResult, heterogeneity
from bayes_keta.estimands.heterogeneity_compare import (
    HeterogeneityComparison,
    compare_heterogeneity,
)
from bayes_keta.estimands.parameters import carryover_table, parameter_table
from bayes_keta.estimands.registry import (
    ESTIMANDS,
    Curves,
    Estimand,
    estimand,
    estimand_names,
    scale_labels,
)
from bayes_keta.estimands.tables import (
    beyond_by_row,
    beyond_column,
    contrast_table,
    threshold_curve,
)
from bayes_keta.estimands.text import ContrastSummary, summarize_contrasts

__all__ = [
    "CI_LABEL",
    "ESTIMANDS",
    "ContrastSummary",
    "Curves",
    "Estimand",
    "HeterogeneityComparison",
    "HeterogeneityResult",
    "beyond_by_row",
    "beyond_column",
    "by_day",
    "by_day_summary",
    "carryover_table",
    "compare_heterogeneity",
    "contrast_draws",
    "contrast_pairs",
    "contrast_table",
    "estimand",
    "estimand_names",
    "format_probability",
    "format_threshold",
    "heterogeneity",
    "parameter_table",
    "scale_labels",
    "summarize_contrasts",
    "summarize_draws",
    "threshold_curve",
]
