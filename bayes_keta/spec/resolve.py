"""Prior sets (``models/priors/*.toml``) and resolving a spec's priors with sets and overrides.

Prior precedence (highest first): user overrides (dicts) > named prior sets / prior files (in
the order given) > the spec's own ``[priors]``. An override without ``dist`` changes only the
values it names (e.g. ``{"sigma_subject": {"sigma": 5}}``); with ``dist`` it replaces the prior.
A prior naming a parameter the spec does not have, an unknown set name or an unknown family is a
:class:`~bayes_keta.exceptions.SpecError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from bayes_keta.exceptions import SpecError
from bayes_keta.spec.files import available_prior_sets, find_toml, models_dir, read_toml
from bayes_keta.spec.priors import Prior
from bayes_keta.spec.roles import check_prior
from bayes_keta.spec.spec import ModelSpec, load_spec  # noqa: F401 - load_spec: doctests

__all__ = ["PriorsArg", "load_prior_set", "resolve_priors"]

PriorsArg = str | Path | Mapping[str, Any] | Sequence[str | Path | Mapping[str, Any]] | None


def load_prior_set(name: str | Path) -> tuple[str, dict[str, Any]]:
    """Read a prior set (``skeptical``, ``neutral``, ``enthusiastic`` or a TOML path).

    Parameters
    ----------
    name : str or Path
        A shipped set by name, with or without ``.toml`` (``neutral``, ``neutral.toml``), its
        path in the repository (``models/priors/neutral.toml``), or any TOML file (absolute,
        or relative to the working directory). An existing file wins over a shipped set of
        the same name.

    Returns
    -------
    tuple
        ``(label, {role: entry})``; entries are validated when applied to a spec.

    Raises
    ------
    SpecError
        Unknown name (the message lists the shipped sets) or malformed file.

    Examples
    --------
    >>> load_prior_set("neutral")[0] == load_prior_set("neutral.toml")[0]
    True
    """
    path = find_toml(name, models_dir() / "priors", ("models", "priors"))
    if path is None:
        raise SpecError(
            f"unknown prior set {str(name)!r} (no such file, nor a shipped set); available:"
            f" {', '.join(available_prior_sets())} (or give a path to a .toml file)"
        )
    raw, _ = read_toml(path, "prior set")
    unknown = sorted(set(raw) - {"name", "description", "priors"})
    entries = raw.get("priors")
    if unknown or not isinstance(entries, Mapping):
        raise SpecError(f"prior set {path}: needs a [priors] table (and only name/description)")
    return str(raw.get("name", path.stem)), dict(entries)


def resolve_priors(spec: ModelSpec, priors: PriorsArg = None) -> dict[str, Prior]:
    """Apply prior sets and overrides to a spec's defaults (precedence in the module docs).

    Parameters
    ----------
    spec : ModelSpec
        The model.
    priors : str, Path, mapping, or a list of them, optional
        Prior-set names or files, and/or ``{role: {dist=..., ...}}`` overrides.

    Returns
    -------
    dict of str to Prior
        One prior per role of ``spec.roles`` (daily NRS points, before outcome scaling).

    Raises
    ------
    SpecError
        Unknown set, unknown family, or a prior for a parameter the spec does not have.

    Examples
    --------
    >>> p = resolve_priors(load_spec("daily"), ["skeptical", {"sigma": {"sigma": 1}}])
    >>> round(p["treatment_effect"].params["sigma"], 3), p["sigma"].params["sigma"]
    (0.608, 1.0)
    """
    items: list[Any]
    if priors is None:
        items = []
    elif isinstance(priors, str | Path | Mapping):
        items = [priors]
    else:
        items = list(priors)
    sets = [load_prior_set(p) for p in items if isinstance(p, str | Path)]
    overrides = [("overrides", dict(p)) for p in items if isinstance(p, Mapping)]
    odd = [p for p in items if not isinstance(p, str | Path | Mapping)]
    if odd:
        raise SpecError(f"priors must be set names, paths or dicts, got {odd!r}")
    resolved = {role: spec.priors[role] for role in spec.roles}
    for label, entries in [*sets, *overrides]:
        for role, entry in entries.items():
            if role not in resolved:
                raise SpecError(
                    f"{label}: prior for {role!r}, a parameter model {spec.name!r} does not"
                    f" have; its parameters: {', '.join(spec.roles)}"
                )
            resolved[role] = resolved[role].merged(entry, role=role)
            check_prior(role, resolved[role], spec, label)
    return resolved
