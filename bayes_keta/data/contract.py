"""The data contract: what a crossover data set must look like, and the validator.

Format
------
Long format, **one row per subject x period x reading** (a reading is a diary day for the
0-10 pain NRS), in a CSV (``.csv``, ``.tsv``, ``.txt``)
or Parquet (``.parquet``, ``.pq``) file, or a pandas DataFrame. Excel (``.xlsx``) needs
``openpyxl`` and SPSS (``.sav``) needs ``pyreadstat``; SAS (``.sas7bdat``, ``.xpt``) and Stata
(``.dta``) are read by pandas itself.

Required columns

``subject``
    Subject identifier (string or integer; stored as a string, sorted naturally: numerically
    when every label is an integer, alphabetically otherwise).
``period``
    Period number, a positive integer 1..P.
``treatment``
    Treatment label, one of the declared labels (default ``placebo``, ``ketamine``,
    ``ketamine_magnesium``; reference ``placebo``).
``day``
    The reading number within the period, a positive integer 1..D (days since the period's
    infusion for a daily diary; any reading index otherwise). ``n_days`` is the largest. May be
    omitted when every subject-period has exactly one row (one reading per period: day 1).
``pain`` (or the outcome's declared ``column``)
    The reading: by default daily pain on the 0-10 numeric rating scale (decimals allowed).
    May be missing (empty, ``NA``): missing readings are accepted, as are absent rows.

Optional columns

``sequence``
    Treatment sequence of the subject; constant within a subject, and consistent with the
    treatments its rows give in each period (checked by :mod:`bayes_keta.data.sequences`).
    Accepted encodings: the treatment labels in period order joined by one separator
    (``D1-D2-P``, ``P, D1, D2``, ``placebo/ketamine/ketamine_magnesium``) or run together
    (``CBA`` for labels ``A``, ``B``, ``C``); one code per period (``PKM``, ``p-k-m``), a code
    standing for the treatment most subjects get where they declare it; anything else is a
    group name (``1``..``6``), whose subjects must share one order. Only what provably
    contradicts the rows is refused.
``baseline_pain``
    Pre-treatment reading of that subject-period on the outcome's scale (within its bounds);
    constant within a subject-period.
``adverse_event``
    1 if the subject reported at least one adverse event in that period, else 0; one value
    per subject-period (constant within it; missing allowed). A design file may name another
    column (``adverse_event = "any_ae"``). See :mod:`bayes_keta.data.adverse_events`.

Other columns are ignored (and listed in the trial's notes).

The outcome
-----------
What the readings are (:class:`bayes_keta.outcome.Outcome`): the 0-10 pain NRS unless the
design file's ``[outcome]`` table, ``load_trial(outcome=...)`` or the CLI's ``--outcome-*``
flags declare another (:mod:`bayes_keta.outcome_table`). Its ``column`` names the column
holding the readings (the validated frame keeps them under ``pain`` whatever that column,
so every later step reads one name); readings and ``baseline_pain`` outside its declared
bounds are refused (an unbounded outcome has none).

Treatment labels and reference
------------------------------
Declared with ``treatments=`` / ``reference=`` keyword arguments, CLI flags
``--treatments P,D1,D2 --reference P``, or a small TOML design file (``--design design.toml``)::

    treatments = ["P", "D1", "D2"]
    reference = "P"

Precedence: explicit arguments > design file > defaults (:data:`bayes_keta.constants.
DEFAULT_TREATMENTS`, :data:`~bayes_keta.constants.DEFAULT_REFERENCE`).

Replicated designs
------------------
By default a subject may receive each treatment in one period only (a standard crossover).
Replicated crossovers (ABAB, ABBA) and series of N-of-1 trials give a subject the same
treatment in several periods: declare them with ``replicated = true`` in the design file or
``load_trial(..., replicated=True)`` (the argument takes precedence); the
design summary then reports the periods per treatment per subject.

Refused (``DataError``, every problem found listed in one message)
------------------------------------------------------------------
Missing required columns (the message lists them and the columns found); no data rows;
missing subject or treatment; period or day not a positive integer; the reading or
baseline_pain not numeric, not finite or outside the outcome's declared bounds; unknown
treatment labels (the allowed ones are listed); duplicated (subject, period, day); more than
one treatment within a subject-period; a subject given the same treatment in two periods
(unless the design is declared replicated: see above); baseline_pain, adverse_event or
sequence not constant where it must be; adverse_event other than 0 or 1; a declared sequence
that contradicts the order of treatments over the subject's periods (the message names the
subject, its declared and actual order and the first row of each period); a reference label
that is not among the treatments, or that no row uses. Rows are named by their **1-based data
row number, header excluded** (in a CSV with a header, file line = row + 1).

Accepted (reported in notes, never repaired)
--------------------------------------------
Missing readings, absent rows, subjects who dropped out after some periods (absent
periods, or later periods whose rows have no value), declared active treatments no row
uses, extra columns, subject-periods without an adverse_event value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from bayes_keta.data.adverse_events import AE_COLUMN, check_adverse_events
from bayes_keta.data.labels import read_design, resolve_labels, resolve_outcome
from bayes_keta.data.messages import rows_text as _rows
from bayes_keta.data.messages import values_text as _values
from bayes_keta.data.sequences import check_sequences
from bayes_keta.data.structure import check_structure
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome

__all__ = [
    "REQUIRED_COLUMNS",
    "OPTIONAL_COLUMNS",
    "ROW_CONVENTION",
    "resolve_labels",
    "resolve_outcome",
    "read_design",
    "validate_frame",
]

REQUIRED_COLUMNS: tuple[str, ...] = ("subject", "period", "treatment", "day", "pain")
OPTIONAL_COLUMNS: tuple[str, ...] = ("sequence", "baseline_pain", AE_COLUMN)
ROW_CONVENTION = "rows are 1-based data rows, header excluded: CSV file line = row + 1"


# ---------------------------------------------------------------------------- cell parsing
def _is_blank(series: pd.Series) -> pd.Series:
    """Flag values that are missing or empty / whitespace strings."""
    text = series.astype(object)
    return series.isna() | text.map(lambda v: isinstance(v, str) and not v.strip())


def _as_text(series: pd.Series) -> pd.Series:
    """Labels as strings; integer-valued floats (1.0, from typed files) become '1'."""

    def one(v: object) -> object:
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return None
        if isinstance(v, float | np.floating) and float(v).is_integer():
            return str(int(v))
        return str(v).strip()

    return series.astype(object).map(one)


def _as_number(series: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse numbers; return (values as float, mask of present-but-not-numeric cells)."""
    blank = _is_blank(series)
    text = series.astype(object).map(lambda v: v.strip() if isinstance(v, str) else v)
    numbers = pd.to_numeric(text.where(~blank, np.nan), errors="coerce").astype(float)
    return numbers, ~blank & numbers.isna()


def _natural_key(labels: pd.Series) -> pd.Series:
    """Sort key for subjects: numeric when every label is an integer, else the label."""
    as_int = pd.to_numeric(labels, errors="coerce")
    if as_int.notna().all() and (as_int == as_int.round()).all():
        return as_int
    return labels


# ------------------------------------------------------------------------------- validator
def validate_frame(
    raw: pd.DataFrame,
    *,
    treatments: Sequence[str],
    reference: str,
    origin: str = "data",
    outcome: Outcome | None = None,
    replicated: bool = False,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Validate a long frame against the data contract.

    Parameters
    ----------
    raw : pandas.DataFrame
        The frame as read (any dtypes; row order is the file's).
    treatments : sequence of str
        Allowed treatment labels.
    reference : str
        Reference label (must be among ``treatments``).
    origin : str
        What to call the data in messages (a path or ``"DataFrame"``).
    outcome : Outcome, optional
        What the readings are: their column and bounds (default: the 0-10 pain NRS).
    replicated : bool
        Accept a subject given the same treatment in several periods (replicated crossover,
        N-of-1 series); refused otherwise.

    Returns
    -------
    tuple
        ``(frame, notes)``: the validated frame (typed, sorted by subject, period, day) and the
        facts reported without refusing (drop-outs, missing days, ignored columns...).

    Raises
    ------
    DataError
        Listing every problem found, with 1-based data row numbers (header excluded).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"subject": [1, 1], "period": [1, 2], "day": [1, 1],
    ...                    "treatment": ["placebo", "ketamine"], "pain": [5, None]})
    >>> frame, notes = validate_frame(df, treatments=("placebo", "ketamine"),
    ...                               reference="placebo")
    >>> frame["pain"].isna().sum()
    np.int64(1)
    """
    if reference not in treatments:
        raise DataError(f"reference {reference!r} is not among the treatments {list(treatments)}")
    outcome = Outcome.nrs_0_10() if outcome is None else outcome
    value_col = outcome.column
    required = tuple(value_col if c == "pain" else c for c in REQUIRED_COLUMNS)
    columns = [str(c) for c in raw.columns]
    notes: list[str] = []
    if "day" not in columns and _one_row_per_period(raw, columns):
        raw = raw.assign(day=1)
        columns.append("day")
        notes.append("no 'day' column: one reading per subject-period (day = 1)")
    missing = [c for c in required if c not in columns]
    if missing:
        hint = (
            f" (the outcome's column is {value_col!r}: declare another with [outcome] column)"
            if value_col in missing
            else ""
        )
        raise DataError(
            f"{origin}: missing required column{'s' if len(missing) > 1 else ''} {missing};"
            f" columns found: {columns}. Required: {list(required)};"
            f" optional: {list(OPTIONAL_COLUMNS)}{hint}."
        )
    duplicated_cols = sorted({c for c in columns if columns.count(c) > 1})
    if duplicated_cols:
        raise DataError(f"{origin}: duplicated column names {duplicated_cols}")
    if len(raw) == 0:
        raise DataError(f"{origin}: no data rows (a header only?)")

    raw = raw.reset_index(drop=True)
    raw.columns = columns
    problems: list[str] = []
    extra = [c for c in columns if c not in required + OPTIONAL_COLUMNS]
    if extra:
        notes.append(f"ignored columns: {extra}")

    frame = pd.DataFrame(index=raw.index)
    bad_rows = pd.Series(False, index=raw.index)  # rows whose keys cannot be trusted

    for col in ("subject", "treatment"):
        blank = _is_blank(raw[col])
        frame[col] = _as_text(raw[col])
        if blank.any():
            problems.append(f"{col} is missing at {_rows(raw.index[blank])}")
            bad_rows |= blank

    for col in ("period", "day"):
        numbers, not_numeric = _as_number(raw[col])
        ok = numbers.notna() & np.isfinite(numbers) & (numbers >= 1) & (numbers == numbers.round())
        bad = ~ok
        if bad.any():
            problems.append(
                f"{col} is not a positive integer at {_rows(raw.index[bad])}"
                f" (values {_values(raw[col][bad])})"
            )
            bad_rows |= bad
        frame[col] = numbers.where(ok, 0).astype("int64")

    low, high = outcome.bounds
    for col, name in ((value_col, "pain"), ("baseline_pain", "baseline_pain")):
        if col not in raw:
            continue
        numbers, not_numeric = _as_number(raw[col])
        if not_numeric.any():
            problems.append(
                f"{col} is not numeric at {_rows(raw.index[not_numeric])}"
                f" (values {_values(raw[col][not_numeric])})"
            )
        infinite = numbers.notna() & ~np.isfinite(numbers)
        out = numbers.notna() & ~infinite & ~((numbers >= low) & (numbers <= high))
        if infinite.any():
            problems.append(
                f"{col} is not finite at {_rows(raw.index[infinite])}"
                f" (values {_values(numbers[infinite])})"
            )
        if out.any():
            problems.append(
                f"{col} is outside {_bounds_text(outcome)} at {_rows(raw.index[out])}"
                f" (values {_values(numbers[out])}), the bounds of {outcome.label}"
            )
        frame[name] = numbers

    unknown = frame["treatment"].notna() & ~frame["treatment"].isin(list(treatments))
    if unknown.any():
        problems.append(
            f"unknown treatment labels {_values(frame['treatment'][unknown])}"
            f" at {_rows(raw.index[unknown])}; allowed labels: {list(treatments)}"
            " (declare others with treatments=/--treatments/--design)"
        )
        bad_rows |= unknown

    if "sequence" in raw:
        frame["sequence"] = _as_text(raw["sequence"])

    if AE_COLUMN in raw:
        values, ae_problems, ae_notes = check_adverse_events(raw[AE_COLUMN], frame, ~bad_rows)
        frame[AE_COLUMN] = values
        problems += ae_problems
        notes += ae_notes

    problems += check_structure(frame, bad_rows, replicated=replicated)
    problems += check_sequences(frame.loc[~bad_rows], labels=treatments)

    if problems:
        raise DataError(
            f"{origin} breaks the data contract ({len(problems)} problem"
            f"{'s' if len(problems) > 1 else ''}; {ROW_CONVENTION}):\n  - "
            + "\n  - ".join(problems)
        )

    if not (frame["treatment"] == reference).any():
        raise DataError(f"{origin}: no row uses the reference treatment {reference!r}")
    unused = [t for t in treatments if not (frame["treatment"] == t).any()]
    if unused:
        notes.append(f"declared treatments no row uses: {unused}")

    frame = _sorted(frame)
    notes += _completeness_notes(frame, outcome)
    return frame, tuple(notes)


def _one_row_per_period(raw: pd.DataFrame, columns: list[str]) -> bool:
    """Whether the rows are one per (subject, period): then ``day`` may be omitted."""
    if not {"subject", "period"} <= set(columns) or len(raw) == 0:
        return False
    keys = pd.DataFrame({c: _as_text(raw[c]) for c in ("subject", "period")})
    return not keys.duplicated().any()


def _bounds_text(outcome: Outcome) -> str:
    """``0..10``, ``>= 0`` or ``<= 300`` (the declared bounds)."""
    if outcome.bounded:
        return f"{outcome.lower:g}..{outcome.upper:g}"
    if outcome.lower is not None:
        return f">= {outcome.lower:g}"
    return f"<= {outcome.upper:g}"


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    """Type the columns and sort by subject (natural order), period, day."""
    frame = frame.copy()
    frame["subject"] = frame["subject"].astype(str)
    frame["treatment"] = frame["treatment"].astype(str)
    if "sequence" in frame and frame["sequence"].notna().all():
        frame["sequence"] = frame["sequence"].astype(str)
    frame["_key"] = _natural_key(frame["subject"])
    frame = frame.sort_values(["_key", "period", "day"], kind="stable").drop(columns="_key")
    order = ["subject", "period", "treatment", "day", "pain"]
    order += [c for c in ("sequence", "baseline_pain", AE_COLUMN) if c in frame]
    return frame[order].reset_index(drop=True)


def _completeness_notes(frame: pd.DataFrame, outcome: Outcome) -> list[str]:
    """Facts about completeness: drop-outs, absent readings, missing values."""
    notes: list[str] = []
    periods = sorted(frame["period"].unique())
    n_days = int(frame["day"].max())
    by_subject = frame.groupby("subject", sort=False)["period"].unique()
    with_pain = frame.loc[frame["pain"].notna()].groupby("subject", sort=False)["period"].max()
    for subject, have in by_subject.items():
        lacking = sorted(set(periods) - set(int(p) for p in have))
        if lacking:
            notes.append(
                f"drop-out: subject {subject} has no data for period"
                f"{'s' if len(lacking) > 1 else ''} {', '.join(str(p) for p in lacking)}"
            )
        empty = sorted(int(p) for p in have if p > with_pain.get(subject, 0))
        if empty:
            notes.append(
                f"drop-out: subject {subject} has rows but no {outcome.noun} value in period"
                f"{'s' if len(empty) > 1 else ''} {', '.join(str(p) for p in empty)}"
            )
    n_cells = frame.groupby(["subject", "period"]).ngroups
    absent = n_cells * n_days - len(frame)
    what = "diary day" if outcome.reading == "day" else outcome.reading
    if absent:
        notes.append(
            f"{absent} {what}(s) absent (no row) out of {n_cells * n_days} expected"
            f" ({n_cells} subject-periods x {n_days} {outcome.reading}s)"
        )
    n_missing = int(frame["pain"].isna().sum())
    if n_missing:
        notes.append(f"{n_missing} row(s) with missing {outcome.noun}")
    return notes
