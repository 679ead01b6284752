"""What the section modules share: number formats, labels from the outcome, collapsing.

Formatting only (no computing): every number comes from the
:class:`~bayes_keta.report.data.ReportData` a section is given.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import ESTIMANDS, format_probability
from bayes_keta.outcome import Outcome
from bayes_keta.report.blocks import Block, Details, Section, Table

__all__ = [
    "CI",
    "HI",
    "LO",
    "TIME_WINDOW_ESTIMANDS",
    "beyond_columns",
    "collapsed",
    "pct",
    "per_reading",
    "section",
    "units_of_scale",
]

#: The interval's probability as written in headers ("95").
CI = f"{CI_PROB * 100:g}"
LO, HI = f"lo{CI}", f"hi{CI}"
#: Estimands over a window or a single day of the period: what a model whose effect is
#: constant over the days cannot estimate apart from the mean daily difference.
TIME_WINDOW_ESTIMANDS: tuple[str, ...] = tuple(
    e.name for e in ESTIMANDS if e.scale == "outcome" and e.name != "mean_daily_difference"
)
#: Tables with more rows than this are collapsed under a summary line.
LONG_TABLE_ROWS: int = 10


def pct(p: float | None) -> str:
    """One probability format for the whole report: the estimands' own ("n/a" for None)."""
    return "n/a" if p is None else format_probability(float(p))


def per_reading(outcome: Outcome) -> str:
    """Return the adjective of one reading: "daily" for a reading per day.

    Examples
    --------
    >>> per_reading(Outcome.nrs_0_10())
    'daily'
    """
    return outcome.per_reading


def units_of_scale(outcome: Outcome, scale: str) -> str:
    """Units of a model's scale (:data:`bayes_keta.models.declared.SCALES`) or a table's.

    Examples
    --------
    >>> units_of_scale(Outcome.nrs_0_10(), "logit")
    'logits'
    """
    if scale == "logit":
        return "logits"
    if scale in ("nrs", "outcome", outcome.scale_name):
        return outcome.units
    try:
        return outcome.units_for(scale)
    except ValueError:
        return outcome.units


def beyond_columns(table: pd.DataFrame, scale: str) -> dict[str, float]:
    """``{p_beyond column: threshold on the scale}`` of a contrast table's rows on ``scale``."""
    return dict(table.attrs.get("thresholds", {}).get(scale, {}))


def section(sid: str, title: str, blocks: Sequence[Block], *, lead: str, level: int = 2) -> Section:
    """Make a :class:`Section` whose first sentence (``lead``) says what it shows."""
    return Section(id=sid, title=title, blocks=tuple(blocks), level=level, lead=lead)


def collapsed(table: Table, summary: str, *, open_rows: int = LONG_TABLE_ROWS) -> Any:
    """Return the table itself when short, else the table collapsed under ``summary``."""
    if len(table.rows) <= open_rows:
        return table
    return Details(f"{summary} ({len(table.rows)} rows)", (table,))
