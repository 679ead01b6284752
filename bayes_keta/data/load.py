"""``load_trial``: read (or take) a table, validate it against the contract, build a Trial."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path

import pandas as pd

from bayes_keta.data.adverse_events import use_adverse_event_column
from bayes_keta.data.contract import read_design, resolve_labels, resolve_outcome, validate_frame
from bayes_keta.data.io import read_table
from bayes_keta.data.labels import OutcomeArg
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
    outcome: OutcomeArg = None,
    adverse_event: str | None = None,
    replicated: bool | None = None,
) -> Trial:
    """Load and validate a crossover trial (see :mod:`bayes_keta.data.contract`).

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
        TOML file declaring ``treatments``, ``reference``, ``replicated`` and an ``[outcome]`` table
        (arguments take precedence).
    outcome : Outcome, str, mapping, optional
        What the readings are: an :class:`~bayes_keta.outcome.Outcome`, a preset name
        (``"vas_0_100"``) or ``[outcome]`` keys laid over the design file's table
        (:func:`bayes_keta.data.labels.resolve_outcome`). Default: the design file's, else
        the 0-10 pain NRS.
    adverse_event : str, optional
        Name of the column of adverse-event flags when it is not ``adverse_event`` (default:
        the design file's ``adverse_event`` key, else ``adverse_event``).
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
    SpecError
        An invalid ``[outcome]`` declaration (the message names the key).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> trial.n_subjects, trial.n_days, trial.synthetic
    (6, 7, True)
    >>> import pandas as pd
    >>> df = pd.DataFrame({"subject": [1, 1, 2, 2], "period": [1, 2, 1, 2],
    ...                    "treatment": ["A", "B", "B", "A"], "vas": [40, 20, 35, 50]})
    >>> migraine = load_trial(df, treatments="A,B", outcome={"preset": "vas_0_100",
    ...                                                       "column": "vas"})
    >>> migraine.n_days, migraine.outcome.units, migraine.data["pain"].tolist()
    (1, 'mm', [40.0, 20.0, 35.0, 50.0])
    """
    labels, ref = resolve_labels(treatments, reference, design=design)
    declared = resolve_outcome(outcome, design=design)
    if source is None:
        from bayes_keta.data.embedded import ketapain_synthetic

        trial = ketapain_synthetic()
        if (labels, ref) != (trial.treatments, trial.reference):
            raise DataError(
                f"the embedded synthetic trial uses the default labels {list(trial.treatments)}"
                f" (reference {trial.reference!r}); pass a data file to use {list(labels)}"
            )
        if declared != trial.outcome:
            raise DataError(
                "the embedded synthetic trial is daily pain on the 0-10 NRS; pass a data file"
                f" to use the outcome {declared.label!r}"
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
    if adverse_event is None and design is not None:
        adverse_event = read_design(design).get("adverse_event")
    if replicated is None:
        replicated = bool(read_design(design).get("replicated", False)) if design else False
    raw = use_adverse_event_column(raw, adverse_event, origin=origin)
    frame, notes = validate_frame(
        raw,
        treatments=labels,
        reference=ref,
        origin=origin,
        outcome=declared,
        replicated=replicated,
    )
    generator = raw.attrs.get("source")
    if origin == "DataFrame":
        source_text = str(generator or "DataFrame")
    else:
        source_text = f"{origin} ({generator})" if generator else origin
    n_days = int(frame["day"].max())
    if n_days == 1 and declared.reading == "day":
        # one reading per period: a contrast is "pain", not "mean daily pain"
        declared = replace(declared, reading="period")
    return Trial(
        data=frame,
        treatments=labels,
        reference=ref,
        name=name or default_name,
        synthetic=bool(raw.attrs.get("synthetic", False)),
        source=source_text,
        n_days=n_days,
        notes=notes,
        outcome=declared,
    )
