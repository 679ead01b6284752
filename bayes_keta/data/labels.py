"""Treatment labels, reference and outcome of a trial: arguments, a TOML design file, defaults.

See :mod:`bayes_keta.data.contract` ("Treatment labels and reference", "The outcome") and
:mod:`bayes_keta.outcome_table` (the ``[outcome]`` table).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from bayes_keta.constants import DEFAULT_REFERENCE, DEFAULT_TREATMENTS
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome

__all__ = ["OutcomeArg", "read_design", "resolve_labels", "resolve_outcome"]

#: What ``load_trial(outcome=...)`` takes: an Outcome, a preset name, or ``[outcome]`` keys.
OutcomeArg = Outcome | str | Mapping[str, Any] | None
_DESIGN_KEYS = ("treatments", "reference", "adverse_event", "replicated", "outcome")


def read_design(path: str | Path) -> dict:
    r"""Read a TOML design file: ``treatments``, ``reference``, ``replicated``, ``[outcome]``.

    Parameters
    ----------
    path : str or Path
        TOML file with ``treatments = [...]`` and optionally ``reference = "..."``,
        ``replicated = true`` (subjects may receive a treatment in several periods),
        ``adverse_event = "column"`` (the column holding the adverse-event flags, when not
        called ``adverse_event``) and an ``[outcome]`` table (:mod:`bayes_keta.outcome_table`;
        its keys are checked when the outcome is resolved, :func:`resolve_outcome`).

    Returns
    -------
    dict
        Keys ``treatments`` (tuple of str or None), ``reference`` (str or None) and
        ``outcome`` (the ``[outcome]`` table as a dict, or None); ``adverse_event`` (str)
        when the file names that column; ``replicated`` (bool) when the file declares it.

    Raises
    ------
    DataError
        If the file is absent, not TOML, has unknown keys or values of the wrong type.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "design.toml"
    >>> _ = p.write_text('treatments = ["P", "D1", "D2"]\nreference = "P"\n')
    >>> read_design(p)
    {'treatments': ('P', 'D1', 'D2'), 'reference': 'P', 'outcome': None}
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"design file {str(path)!r} does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"design file {str(path)!r} is not valid TOML: {err}") from None
    unknown = sorted(set(raw) - set(_DESIGN_KEYS))
    if unknown:
        raise DataError(
            f"design file {str(path)!r} has unknown keys {unknown}; allowed: treatments,"
            " reference, replicated, adverse_event and an [outcome] table"
        )
    outcome = raw.get("outcome")
    if outcome is not None and not isinstance(outcome, dict):
        raise DataError(f"design file {str(path)!r}: 'outcome' must be an [outcome] table")
    treatments = raw.get("treatments")
    reference = raw.get("reference")
    if treatments is not None and (
        not isinstance(treatments, list) or not all(isinstance(t, str) for t in treatments)
    ):
        raise DataError(f"design file {str(path)!r}: 'treatments' must be a list of strings")
    if reference is not None and not isinstance(reference, str):
        raise DataError(f"design file {str(path)!r}: 'reference' must be a string")
    design = {
        "treatments": tuple(treatments) if treatments is not None else None,
        "reference": reference,
        "outcome": outcome,
    }
    adverse_event = raw.get("adverse_event")
    if adverse_event is not None:
        if not isinstance(adverse_event, str) or not adverse_event:
            raise DataError(
                f"design file {str(path)!r}: 'adverse_event' must name a column (a string)"
            )
        design["adverse_event"] = adverse_event
    if "replicated" in raw:
        if not isinstance(raw["replicated"], bool):
            raise DataError(f"design file {str(path)!r}: 'replicated' must be true or false")
        design["replicated"] = raw["replicated"]
    return design


def resolve_labels(
    treatments: Iterable[str] | str | None = None,
    reference: str | None = None,
    *,
    design: str | Path | None = None,
) -> tuple[tuple[str, ...], str]:
    """Resolve the treatment labels and reference (arguments > design file > defaults).

    Parameters
    ----------
    treatments : iterable of str, or str, optional
        Treatment labels; a string is split on commas (``"P,D1,D2"``).
    reference : str, optional
        Reference label; defaults to the design file's, else ``placebo`` for the default
        labels, else the first label.
    design : str or Path, optional
        TOML design file (see :func:`read_design`).

    Returns
    -------
    tuple
        ``(treatments, reference)`` with the reference first in ``treatments``.

    Raises
    ------
    DataError
        Empty or duplicated labels, or a reference that is not among the treatments.

    Examples
    --------
    >>> resolve_labels()
    (('placebo', 'ketamine', 'ketamine_magnesium'), 'placebo')
    >>> resolve_labels("D1,D2,P", "P")
    (('P', 'D1', 'D2'), 'P')
    """
    from_file = read_design(design) if design is not None else {}
    if isinstance(treatments, str):
        treatments = [t.strip() for t in treatments.split(",")]
    if treatments is None:
        treatments = from_file.get("treatments")
    if reference is None:
        reference = from_file.get("reference")
    if treatments is None:
        labels = DEFAULT_TREATMENTS
        reference = DEFAULT_REFERENCE if reference is None else reference
    else:
        labels = tuple(str(t) for t in treatments)
    if not labels or any(not t for t in labels):
        raise DataError(f"treatment labels must be non-empty strings, got {list(labels)}")
    duplicated = sorted({t for t in labels if labels.count(t) > 1})
    if duplicated:
        raise DataError(f"treatment labels are duplicated: {duplicated}")
    if reference is None:
        reference = labels[0]
    if reference not in labels:
        raise DataError(f"reference {reference!r} is not among the treatments {list(labels)}")
    return (reference, *(t for t in labels if t != reference)), reference


def resolve_outcome(outcome: OutcomeArg = None, *, design: str | Path | None = None) -> Outcome:
    """Resolve the trial's outcome (argument > the design file's ``[outcome]`` > 0-10 NRS).

    Parameters
    ----------
    outcome : Outcome, str, mapping or None
        An :class:`~bayes_keta.outcome.Outcome` (used as is), a preset name (``"vas_0_100"``),
        or ``[outcome]`` keys (e.g. from the CLI's ``--outcome-*`` flags), which are laid over
        the design file's table (the given keys win; a preset name counts as ``preset``).
    design : str or Path, optional
        TOML design file (see :func:`read_design`).

    Returns
    -------
    Outcome

    Raises
    ------
    SpecError
        An invalid ``[outcome]`` table or preset (the message names the key).
    DataError
        An unreadable design file.

    Examples
    --------
    >>> resolve_outcome().preset, resolve_outcome("vas_0_100").units
    ('nrs_0_10', 'mm')
    >>> resolve_outcome({"units": "mmHg", "better": "lower"}).bounded
    False
    """
    if isinstance(outcome, Outcome):
        return outcome
    table = read_design(design)["outcome"] if design is not None else None
    where = f"design file {str(design)!r} [outcome]" if table else "outcome"
    if isinstance(outcome, str):
        outcome = {"preset": outcome}
    if outcome is not None:
        where = f"{where} with the given outcome keys" if table else "outcome"
        table = {**(table or {}), **dict(outcome)}
    return Outcome.nrs_0_10() if table is None else Outcome.from_table(table, where=where)
