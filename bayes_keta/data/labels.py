"""Treatment labels and reference of a trial: arguments, a TOML design file, or the defaults.

See :mod:`bayes_keta.data.contract` ("Treatment labels and reference").
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path

from bayes_keta.constants import DEFAULT_REFERENCE, DEFAULT_TREATMENTS
from bayes_keta.exceptions import DataError

__all__ = ["read_design", "resolve_labels"]


def read_design(path: str | Path) -> dict:
    r"""Read a TOML design file declaring ``treatments``, ``reference`` (and ``replicated``).

    Parameters
    ----------
    path : str or Path
        TOML file with ``treatments = [...]`` and optionally ``reference = "..."`` and
        ``replicated = true`` (subjects may receive a treatment in several periods).

    Returns
    -------
    dict
        Keys ``treatments`` (tuple of str) and ``reference`` (str or None), and
        ``replicated`` (bool) when the file declares it.

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
    {'treatments': ('P', 'D1', 'D2'), 'reference': 'P'}
    """
    path = Path(path)
    if not path.is_file():
        raise DataError(f"design file {str(path)!r} does not exist")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise DataError(f"design file {str(path)!r} is not valid TOML: {err}") from None
    unknown = sorted(set(raw) - {"treatments", "reference", "replicated"})
    if unknown:
        raise DataError(
            f"design file {str(path)!r} has unknown keys {unknown}; allowed: treatments,"
            " reference, replicated"
        )
    treatments = raw.get("treatments")
    reference = raw.get("reference")
    if treatments is not None and (
        not isinstance(treatments, list) or not all(isinstance(t, str) for t in treatments)
    ):
        raise DataError(f"design file {str(path)!r}: 'treatments' must be a list of strings")
    if reference is not None and not isinstance(reference, str):
        raise DataError(f"design file {str(path)!r}: 'reference' must be a string")
    out = {
        "treatments": tuple(treatments) if treatments is not None else None,
        "reference": reference,
    }
    if "replicated" in raw:
        if not isinstance(raw["replicated"], bool):
            raise DataError(f"design file {str(path)!r}: 'replicated' must be true or false")
        out["replicated"] = raw["replicated"]
    return out


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
