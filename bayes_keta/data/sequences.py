"""Declared treatment sequences against the actual order of treatments over the periods.

The optional ``sequence`` column names each subject's sequence. It is refused only where it
**provably** contradicts the treatments the subject's rows give in each period. Three
encodings are recognised, tried in this order for each subject:

1. **Treatment labels joined by one separator** (``D1-D2-P``, ``P, D1, D2``,
   ``placebo/ketamine/ketamine_magnesium``, ``A -> B -> C``) or run together with none
   (``CBA`` for labels ``A``, ``B``, ``C``), with one label per period of the trial. Read with
   the declared labels (exact spelling) and compared period by period.
2. **Codes, one per period**: one character each (``PKM``, as :func:`bayes_keta.simulate_trial`
   writes for the default labels) or codes joined by one separator (``p-k-m``). Which treatment
   a code stands for is not declared; it is read from the data: the treatment most subjects
   get where they declare that code. A subject whose code stands for another treatment is
   refused (a tie refuses every subject using the code: the data cannot say which is right).
3. **Anything else** (a group number ``1``..``6``, ``seq A``, a code of the wrong length) is a
   **group name**: subjects of one group must get the same treatment in each period (the
   treatment most of them get; a subject that differs is refused).

Periods are the trial's periods in ascending order: the i-th label or code is the treatment of
the i-th period. A subject with absent periods (a drop-out) is compared on the periods it has.
Subjects whose sequence is missing, not constant, or who have more than one treatment in a
period (refused elsewhere) are skipped here.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence

import pandas as pd

from bayes_keta.data.messages import capped, rows_text

__all__ = ["check_sequences", "decode_sequence"]

_SEPARATOR = re.compile(r"[^0-9A-Za-z]+")
_MAX_PARSES = 8


def _label_parses(text: str, labels: Sequence[str], sep: str) -> list[tuple[str, ...]]:
    """Every way (up to a few) to read ``text`` as labels joined by ``sep``."""
    found: list[tuple[str, ...]] = []

    def walk(pos: int, acc: tuple[str, ...]) -> None:
        for label in labels:
            if len(found) >= _MAX_PARSES or not text.startswith(label, pos):
                continue
            end = pos + len(label)
            if end == len(text):
                found.append((*acc, label))
            elif text.startswith(sep, end):
                walk(end + len(sep), (*acc, label))

    walk(0, ())
    return found


def decode_sequence(
    text: str, labels: Sequence[str], n_periods: int
) -> tuple[str, list[tuple[str, ...]]]:
    """Read a declared sequence (see the module docstring for the encodings).

    Parameters
    ----------
    text : str
        The declared sequence.
    labels : sequence of str
        The trial's treatment labels.
    n_periods : int
        Number of periods of the trial.

    Returns
    -------
    tuple
        ``(kind, readings)``: ``("labels", [orders of labels])``, ``("codes", [codes])``
        or ``("group", [])``; each reading has one entry per period.

    Examples
    --------
    >>> decode_sequence("D1-D2-P", ["P", "D1", "D2"], 3)
    ('labels', [('D1', 'D2', 'P')])
    >>> decode_sequence("PKM", ["placebo", "ketamine", "ketamine_magnesium"], 3)
    ('codes', [('P', 'K', 'M')])
    >>> decode_sequence("4", ["P", "D1", "D2"], 3), decode_sequence("KKP", ["P", "K1", "K2"], 3)
    (('group', []), ('group', []))
    """
    text = text.strip()
    separators = [""] + sorted(set(_SEPARATOR.findall(text)), key=len, reverse=True)
    by_length = sorted(labels, key=len, reverse=True)
    readings = [
        parse
        for sep in separators
        for parse in _label_parses(text, by_length, sep)
        if len(parse) == n_periods
    ]
    if readings:
        return "labels", list(dict.fromkeys(readings))
    found = set(_SEPARATOR.findall(text))
    if not found:
        codes = tuple(text)
    elif len(found) == 1:
        codes = tuple(_SEPARATOR.split(text))
    else:
        codes = ()
    # one code per treatment: a code repeated within a sequence cannot stand for one treatment
    if len(codes) == n_periods and all(codes) and len(set(codes)) == len(codes):
        return "codes", [codes]
    return "group", []


def _orders(ok: pd.DataFrame) -> pd.DataFrame:
    """Return one row per subject with a usable declared sequence: periods, treatments."""
    cells = ok.drop_duplicates(["subject", "period", "treatment"])
    single = cells.groupby(["subject", "period"], sort=False)["treatment"].transform("size") == 1
    cells = cells.loc[single]
    per_subject = ok.groupby("subject", sort=False)["sequence"].agg(
        lambda s: s.iloc[0] if s.notna().all() and s.nunique() == 1 else None
    )
    cells = cells.loc[cells["subject"].map(per_subject).notna()].sort_values(["period"])
    first_rows = ok.reset_index().groupby(["subject", "period"], sort=False)["index"].min()
    out = cells.groupby("subject", sort=False).agg(
        periods=("period", list), treatments=("treatment", list)
    )
    out = out.reindex([s for s in ok["subject"].unique() if s in out.index])  # file order
    out["sequence"] = out.index.map(per_subject)
    out["rows"] = [
        [int(first_rows.loc[(s, p)]) for p in periods]
        for s, periods in zip(out.index, out["periods"], strict=True)
    ]
    return out


def _majority(pairs: list[tuple[Hashable, str]]) -> dict[Hashable, str | None]:
    """Return the treatment most often given for each key (None when tied)."""
    counts: dict[Hashable, Counter] = {}
    for key, label in pairs:
        counts.setdefault(key, Counter())[label] += 1
    out: dict[Hashable, str | None] = {}
    for key, counter in counts.items():
        (best, n), *rest = counter.most_common()
        out[key] = None if rest and rest[0][1] == n else best
    return out


def check_sequences(ok: pd.DataFrame, *, labels: Sequence[str]) -> list[str]:
    """List the problems of the declared ``sequence`` column (none when consistent).

    Parameters
    ----------
    ok : pandas.DataFrame
        Rows whose keys parsed (``subject``, ``period``, ``treatment``, ``sequence``), index =
        0-based data row.
    labels : sequence of str
        The trial's treatment labels.

    Returns
    -------
    list of str
        At most one problem line naming every inconsistent subject (capped), its declared
        sequence, its actual order and the first row of each of its periods.

    Examples
    --------
    >>> df = pd.DataFrame({"subject": ["1", "1", "2", "2"], "period": [1, 2, 1, 2],
    ...                    "treatment": ["A", "B", "A", "B"], "sequence": ["AB", "AB", "BA", "BA"]})
    >>> check_sequences(df, labels=["A", "B"])[0]  # doctest: +NORMALIZE_WHITESPACE
    "declared sequence does not match the order of treatments over the periods: subject 2
    declares 'BA' but has A, B in periods 1, 2 (rows 3, 4)"
    """
    if "sequence" not in ok or ok["sequence"].isna().all():
        return []
    orders = _orders(ok)
    all_periods = sorted(int(p) for p in ok["period"].unique())
    position = {p: i for i, p in enumerate(all_periods)}
    decoded = {
        s: decode_sequence(str(seq), labels, len(all_periods))
        for s, seq in orders["sequence"].items()
    }
    pairs: list[tuple[Hashable, str]] = []
    for s, row in orders.iterrows():
        kind, readings = decoded[s]
        for p, t in zip(row["periods"], row["treatments"], strict=True):
            if kind == "codes":
                pairs.append((("code", readings[0][position[p]]), t))
            elif kind == "group":
                pairs.append((("group", row["sequence"], p), t))
    majority = _majority(pairs)
    items = []
    for s, row in orders.iterrows():
        why = _mismatch(row, decoded[s], position, majority)
        if why is None:
            continue
        periods = ", ".join(str(p) for p in row["periods"])
        items.append(
            f"subject {s} declares {row['sequence']!r} but has"
            f" {', '.join(row['treatments'])} in periods {periods} ({rows_text(row['rows'])})"
            + (f" ({why})" if why else "")
        )
    if not items:
        return []
    return [
        "declared sequence does not match the order of treatments over the periods: "
        + capped(items)
    ]


def _mismatch(
    row: pd.Series,
    decoded: tuple[str, list[tuple[str, ...]]],
    position: dict[int, int],
    majority: dict[Hashable, str | None],
) -> str | None:
    """Why a subject's declared sequence contradicts its treatments ('' = plainly; None: ok)."""
    kind, readings = decoded
    actual = list(zip(row["periods"], row["treatments"], strict=True))
    if kind == "labels":
        fits = any(all(order[position[p]] == t for p, t in actual) for order in readings)
        return None if fits else ""
    for p, t in actual:
        if kind == "codes":
            code = readings[0][position[p]]
            want = majority[("code", code)]
            if want is None:
                return f"the data give code {code!r} to more than one treatment equally often"
            if want != t:
                return f"elsewhere {code!r} stands for {want}"
        else:
            want = majority[("group", row["sequence"], p)]
            if want is None:
                return f"subjects of sequence {row['sequence']!r} differ in period {p}"
            if want != t:
                return f"most subjects of sequence {row['sequence']!r} have {want} in period {p}"
    return None
