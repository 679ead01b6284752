"""How data-contract messages name rows and values (shared by the validator's checks)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

__all__ = ["MAX_LISTED", "capped", "rows_text", "show_value", "values_text"]

#: Longest list of rows, values or items a message shows before "and N more".
MAX_LISTED = 10


def rows_text(positions: Iterable[int]) -> str:
    """Render 0-based positions as 1-based row numbers, capped.

    Examples
    --------
    >>> rows_text([4, 16])
    'rows 5, 17'
    >>> rows_text(range(12))
    'rows 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 and 2 more'
    """
    rows = sorted(int(p) + 1 for p in positions)
    shown = ", ".join(str(r) for r in rows[:MAX_LISTED])
    more = f" and {len(rows) - MAX_LISTED} more" if len(rows) > MAX_LISTED else ""
    return f"row{'s' if len(rows) > 1 else ''} {shown}{more}"


def values_text(values: Iterable) -> str:
    """Render distinct offending values, capped.

    Examples
    --------
    >>> values_text(["x", 1.5, "x", None])
    "'x', 1.5, missing"
    """
    distinct = list(dict.fromkeys(show_value(v) for v in values))
    shown = ", ".join(distinct[:MAX_LISTED])
    more = f" and {len(distinct) - MAX_LISTED} more" if len(distinct) > MAX_LISTED else ""
    return f"{shown}{more}"


def show_value(value: object) -> str:
    """Render one value as the user would recognise it: numbers plainly, text quoted."""
    if isinstance(value, str):
        return repr(value)
    if value is None or (isinstance(value, float | np.floating) and np.isnan(value)):
        return "missing"
    if isinstance(value, int | float | np.integer | np.floating):
        return f"{float(value):g}"
    return repr(value)


def capped(items: Sequence[str]) -> str:
    """Join message items with '; ', capped.

    Examples
    --------
    >>> capped(["a", "b"])
    'a; b'
    """
    shown = "; ".join(items[:MAX_LISTED])
    more = f"; and {len(items) - MAX_LISTED} more" if len(items) > MAX_LISTED else ""
    return shown + more
