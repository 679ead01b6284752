"""The optional ``adverse_event`` column of the data contract, and its subject-period table.

``adverse_event`` is 1 when the subject reported at least one adverse event in that period and
0 when not, written on the subject-period's rows (one value per subject-period, repeated on
its diary rows). Checked by :func:`check_adverse_events` (called by
:func:`bayes_keta.data.contract.validate_frame`):

* values are 0 or 1 (``0.0``/``1.0`` accepted), or missing (empty, ``NA``);
* the values given within one subject-period agree (refused otherwise, naming the rows);
* a subject-period whose rows are all blank has no adverse-event record (left out of the
  adverse-event model, reported in the notes); one whose value is given on some rows only
  takes that value (reported in the notes).

A design file may name another column (``adverse_event = "any_ae"``; or
``load_trial(..., adverse_event="any_ae")``): :func:`use_adverse_event_column` renames it
before validation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bayes_keta.data.messages import capped, rows_text, values_text
from bayes_keta.exceptions import DataError

__all__ = [
    "AE_COLUMN",
    "adverse_event_cells",
    "check_adverse_events",
    "has_adverse_events",
    "use_adverse_event_column",
]

#: Name of the column in the data contract (and in :attr:`bayes_keta.Trial.data`).
AE_COLUMN = "adverse_event"


def _parse(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Values as float (NaN where blank) and the mask of present values that are not 0/1."""
    text = series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    blank = series.isna() | text.map(lambda v: isinstance(v, str) and not v)
    numbers = pd.to_numeric(text.where(~blank, np.nan), errors="coerce").astype(float)
    bad = ~blank & ~numbers.isin([0.0, 1.0])
    return numbers.where(~bad), bad


def check_adverse_events(
    column: pd.Series, keys: pd.DataFrame, usable: pd.Series
) -> tuple[pd.Series, list[str], list[str]]:
    """Parse and check the ``adverse_event`` column.

    Parameters
    ----------
    column : pandas.Series
        The column as read (row order of the file).
    keys : pandas.DataFrame
        ``subject`` and ``period`` of each row (parsed), same index.
    usable : pandas.Series
        Rows whose keys parsed (the constancy check looks at these only).

    Returns
    -------
    tuple
        ``(values, problems, notes)``: the values as float (0, 1, NaN), the contract
        breaches (messages naming 1-based rows) and the facts reported without refusing.

    Examples
    --------
    >>> keys = pd.DataFrame({"subject": ["1", "1", "1"], "period": [1, 1, 2]})
    >>> values, problems, notes = check_adverse_events(
    ...     pd.Series([0, 1, "yes"]), keys, pd.Series([True, True, True]))
    >>> problems[0]
    "adverse_event is not 0 or 1 at row 3 (values 'yes')"
    >>> problems[1]
    'adverse_event not constant within a subject-period: subject 1 period 1 has 0, 1 at rows 1, 2'
    """
    values, bad = _parse(column)
    problems: list[str] = []
    notes: list[str] = []
    if bad.any():
        problems.append(
            f"{AE_COLUMN} is not 0 or 1 at {rows_text(column.index[bad])}"
            f" (values {values_text(column[bad])})"
        )
    frame = keys.loc[usable, ["subject", "period"]].assign(ae=values[usable])
    cells = frame.groupby(["subject", "period"], sort=False)["ae"]
    spread = cells.nunique(dropna=True)
    items = []
    for s, p in spread.index[spread > 1]:
        rows = frame.index[(frame["subject"] == s) & (frame["period"] == p)]
        items.append(f"subject {s} period {p} has {values_text(values[rows])} at {rows_text(rows)}")
    if items:
        problems.append(f"{AE_COLUMN} not constant within a subject-period: {capped(items)}")
    given = cells.count()
    size = cells.size()
    missing = given.index[given == 0]
    partial = given.index[(given > 0) & (given < size)]
    if len(missing):
        shown = ", ".join(f"subject {s} period {p}" for s, p in list(missing)[:3])
        notes.append(
            f"{AE_COLUMN} missing for {len(missing)} subject-period(s) (e.g. {shown}): left out"
            " of the adverse-event model"
        )
    if len(partial):
        shown = ", ".join(f"subject {s} period {p}" for s, p in list(partial)[:3])
        notes.append(
            f"{AE_COLUMN} given on some rows only of {len(partial)} subject-period(s) (e.g."
            f" {shown}): the value given applies to the subject-period"
        )
    return values, problems, notes


def use_adverse_event_column(raw: pd.DataFrame, column: str | None, *, origin: str) -> pd.DataFrame:
    """Rename a design file's adverse-event column to ``adverse_event`` (a copy when renamed).

    Raises
    ------
    DataError
        The named column is absent, or the data also have an ``adverse_event`` column.

    Examples
    --------
    >>> raw = pd.DataFrame({"subject": [1], "any_ae": [0]})
    >>> list(use_adverse_event_column(raw, "any_ae", origin="x").columns)
    ['subject', 'adverse_event']
    """
    if column is None or column == AE_COLUMN:
        return raw
    columns = [str(c) for c in raw.columns]
    if column not in columns:
        raise DataError(
            f"{origin}: the adverse-event column {column!r} named by the design is not in the"
            f" data; columns found: {columns}"
        )
    if AE_COLUMN in columns:
        raise DataError(
            f"{origin}: the design names {column!r} as the adverse-event column, but the data"
            f" also have a column {AE_COLUMN!r}: rename or drop one of them"
        )
    return raw.rename(columns={column: AE_COLUMN})


def has_adverse_events(trial: object) -> bool:
    """Whether a trial has an ``adverse_event`` column with at least one recorded value.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> has_adverse_events(bk.ketapain_synthetic())
    True
    """
    data = trial.data  # type: ignore[attr-defined]
    return AE_COLUMN in data and bool(data[AE_COLUMN].notna().any())


def adverse_event_cells(trial: object) -> pd.DataFrame:
    """One row per subject-period with a recorded adverse-event value.

    Returns
    -------
    pandas.DataFrame
        Columns of :attr:`bayes_keta.Trial.cells` (``subject``, ``period``, ``treatment``,
        ``subject_idx``, ``period_idx``, ``treatment_idx``, ...) plus ``adverse_event`` (int
        0/1); subject-periods without a recorded value are left out.

    Raises
    ------
    DataError
        The trial has no adverse-event values.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> cells = adverse_event_cells(bk.ketapain_synthetic())
    >>> len(cells), sorted(cells["adverse_event"].unique().tolist())
    (60, [0, 1])
    """
    if not has_adverse_events(trial):
        raise DataError(
            f"trial {trial.name!r} has no {AE_COLUMN!r} values"  # type: ignore[attr-defined]
        )
    data = trial.data  # type: ignore[attr-defined]
    per_cell = data.groupby(["subject", "period"], sort=False)[AE_COLUMN].first()
    cells = trial.cells.merge(  # type: ignore[attr-defined]
        per_cell.rename(AE_COLUMN).reset_index(), on=["subject", "period"], how="left"
    )
    cells = cells.loc[cells[AE_COLUMN].notna()].reset_index(drop=True)
    cells[AE_COLUMN] = cells[AE_COLUMN].astype(int)
    return cells
