"""``load_trial``: read (or take) a table, validate it against the contract, build a Trial."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from bayes_keta.data.contract import read_design, resolve_labels, validate_frame
from bayes_keta.data.io import read_table
from bayes_keta.data.trial import Trial
from bayes_keta.exceptions import DataError

__all__ = ["load_trial"]


def load_trial(
    source: str | Path | pd.DataFrame | None = None,
    *,
    treatments: Iterable[str] | str | None = None,
    reference: str | None = None,
    name: str | None = None,
    design: str | Path | None = None,
    replicated: bool | None = None,
) -> Trial:
    """Load and validate a crossover trial of daily pain (see :mod:`bayes_keta.data.contract`).

    Parameters
    ----------
    source : str, Path, pandas.DataFrame or None
        A data file (CSV, Parquet, ...), a long DataFrame, or None for the embedded
        SYNTHETIC KETAPAIN-like trial (:func:`bayes_keta.ketapain_synthetic`).
    treatments : iterable of str or comma-separated str, optional
        Allowed treatment labels (default ``placebo``, ``ketamine``, ``ketamine_magnesium``).
    reference : str, optional
        Reference label (default ``placebo`` for the default labels, else the first label).
    name : str, optional
        Name of the data set (default: the file stem, or ``"data"`` for a DataFrame).
    design : str or Path, optional
        TOML file declaring ``treatments``, ``reference`` and ``replicated`` (arguments take
        precedence).
    replicated : bool, optional
        Accept subjects given the same treatment in several periods (replicated crossovers,
        N-of-1 series); default: the design file's ``replicated``, else False (refused).

    Returns
    -------
    Trial
        The validated trial. A DataFrame made by :func:`bayes_keta.simulate_trial` (or a
        Parquet file written from one) keeps ``synthetic=True`` through ``DataFrame.attrs``.

    Raises
    ------
    DataError
        The data or the labels break the contract; the message names every problem found.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> trial.n_subjects, trial.n_days, trial.synthetic
    (6, 7, True)
    """
    labels, ref = resolve_labels(treatments, reference, design=design)
    if source is None:
        from bayes_keta.data.embedded import ketapain_synthetic

        trial = ketapain_synthetic()
        if (labels, ref) != (trial.treatments, trial.reference):
            raise DataError(
                f"the embedded synthetic trial uses the default labels {list(trial.treatments)}"
                f" (reference {trial.reference!r}); pass a data file to use {list(labels)}"
            )
        return trial if name is None else replace(trial, name=name)
    if isinstance(source, pd.DataFrame):
        raw, origin, default_name = source, "DataFrame", "data"
    elif isinstance(source, str | Path):
        raw, origin, default_name = read_table(source), str(source), Path(source).stem
    else:
        raise DataError(
            f"cannot load a trial from {type(source).__name__}; give a path or a DataFrame"
        )
    if replicated is None:
        replicated = bool(read_design(design).get("replicated", False)) if design else False
    frame, notes = validate_frame(
        raw, treatments=labels, reference=ref, origin=origin, replicated=replicated
    )
    generator = raw.attrs.get("source")
    if origin == "DataFrame":
        source_text = str(generator or "DataFrame")
    else:
        source_text = f"{origin} ({generator})" if generator else origin
    return Trial(
        data=frame,
        treatments=labels,
        reference=ref,
        name=name or default_name,
        synthetic=bool(raw.attrs.get("synthetic", False)),
        source=source_text,
        n_days=int(frame["day"].max()),
        notes=notes,
    )
