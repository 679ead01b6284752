"""Cross-row checks of the data contract (:mod:`bayes_keta.data.contract`)."""

from __future__ import annotations

import pandas as pd

from bayes_keta.data.messages import capped as _capped
from bayes_keta.data.messages import rows_text as _rows
from bayes_keta.data.messages import values_text as _values

__all__ = ["check_structure"]


def check_structure(frame: pd.DataFrame, bad_rows: pd.Series, *, replicated: bool) -> list[str]:
    """Cross-row checks of the data contract on the rows whose keys parsed.

    Duplicated (subject, period, day); more than one treatment within a subject-period; a
    treatment repeated over a subject's periods (unless ``replicated``); ``baseline_pain`` not
    constant within a subject-period; ``sequence`` not constant within a subject.

    Parameters
    ----------
    frame : pandas.DataFrame
        The typed frame, indexed by 1-based data row.
    bad_rows : pandas.Series of bool
        Rows whose keys did not parse (left out of these checks).
    replicated : bool
        Whether a subject may receive a treatment in several periods.

    Returns
    -------
    list of str
        One message per kind of problem, naming the rows.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"subject": ["S1", "S1"], "period": [1, 2], "day": [1, 1],
    ...                       "treatment": ["A", "A"]}, index=[1, 2])
    >>> check_structure(frame, pd.Series(False, index=frame.index), replicated=True)
    []
    >>> check_structure(frame, pd.Series(False, index=frame.index), replicated=False)[0][:60]
    "same treatment in two periods: subject S1 gets 'A' in period"
    """
    problems: list[str] = []
    ok = frame.loc[~bad_rows]
    if ok.empty:
        return problems

    dup = ok.duplicated(["subject", "period", "day"], keep=False)
    if dup.any():
        groups = ok.loc[dup].groupby(["subject", "period", "day"], sort=False).groups
        items = [
            f"subject {s} period {p} day {d} at {_rows(idx)}" for (s, p, d), idx in groups.items()
        ]
        problems.append(f"duplicated (subject, period, day): {_capped(items)}")

    per_cell = ok.groupby(["subject", "period"], sort=False)
    mixed = per_cell["treatment"].nunique()
    items = []
    for s, p in mixed.index[mixed > 1]:
        rows = ok.index[(ok["subject"] == s) & (ok["period"] == p)]
        labels = sorted(ok.loc[rows, "treatment"].unique())
        items.append(f"subject {s} period {p} has {labels} at {_rows(rows)}")
    if items:
        problems.append(f"more than one treatment within a subject-period: {_capped(items)}")

    first = per_cell["treatment"].first().reset_index()
    first = first.loc[first.set_index(["subject", "period"]).index.isin(mixed.index[mixed == 1])]
    repeated = first.groupby(["subject", "treatment"], sort=False)["period"].agg(list)
    items = [
        f"subject {s} gets {t!r} in periods {sorted(int(x) for x in periods)}"
        for (s, t), periods in repeated.items()
        if len(periods) > 1
    ]
    if items and not replicated:
        problems.append(
            f"same treatment in two periods: {_capped(items)} (a replicated crossover or"
            " N-of-1 series: declare replicated = true in the design file, or"
            " load_trial(..., replicated=True))"
        )

    if "baseline_pain" in ok:
        spread = per_cell["baseline_pain"].nunique(dropna=False)
        items = []
        for s, p in spread.index[spread > 1]:
            rows = ok.index[(ok["subject"] == s) & (ok["period"] == p)]
            values = ok.loc[rows, "baseline_pain"].unique()
            items.append(f"subject {s} period {p} has {_values(values)} at {_rows(rows)}")
        if items:
            problems.append(f"baseline_pain not constant within a subject-period: {_capped(items)}")

    if "sequence" in ok:
        spread = ok.groupby("subject", sort=False)["sequence"].nunique(dropna=False)
        items = []
        for s in spread.index[spread > 1]:
            rows = ok.index[ok["subject"] == s]
            values = ok.loc[rows, "sequence"].unique()
            items.append(f"subject {s} has {_values(values)}")
        if items:
            problems.append(f"sequence not constant within a subject: {_capped(items)}")
    return problems
