"""Provenance helpers: package versions, machine facts, and records of non-fit results.

A fit's provenance is its :class:`bayes_keta.fitting.FitRecord` (written once into the
DataTree attrs). :func:`provenance_record` builds the flat JSON-able record of other results
(prior sweeps); :func:`as_attrs` turns one into string attributes for an xarray object (and so
for every netCDF file written from it).
"""

from __future__ import annotations

import json
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

__all__ = ["PROVENANCE_SCHEMA", "as_attrs", "package_versions", "provenance_record"]

#: Schema tag written with every record; bump when keys change meaning.
PROVENANCE_SCHEMA = "bayes_keta.provenance/1"

_PACKAGES = (
    "bayes_keta",
    "pymc",
    "pytensor",
    "nutpie",
    "arviz",
    "arviz-base",
    "arviz-stats",
    "numpy",
    "scipy",
    "pandas",
    "xarray",
)


def package_versions() -> dict[str, str]:
    """Versions of Python and of the packages a fit depends on (``"absent"`` if missing).

    Examples
    --------
    >>> "pymc" in package_versions()
    True
    """
    out = {"python": platform.python_version()}
    for name in _PACKAGES:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "absent"
    return out


def provenance_record(
    *,
    trial: Any = None,
    spec: Any = None,
    priors: Mapping[str, Any] | None = None,
    prior_sources: Any = None,
    sampler: Mapping[str, Any] | None = None,
    command: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Provenance of a result as a JSON-able dict.

    Parameters
    ----------
    trial : Trial, optional
        Gives ``data_name``, ``data_sha256``, ``data_synthetic``, ``data_source``.
    spec : ModelSpec, optional
        Gives ``spec_name``, ``spec_sha256``, ``spec`` (resolved structure and default
        priors) and ``spec_toml`` (the file's text).
    priors : mapping of str to Prior, optional
        Resolved priors actually applied (daily NRS points).
    prior_sources : any, optional
        What the user asked for (set names, override dicts), as given.
    sampler : mapping, optional
        Sampler name and settings (draws, tune, chains, seed...).
    command : str, optional
        Command line, when run from the CLI (defaults to ``sys.argv`` joined).
    extra : mapping, optional
        More keys (notes, timings).

    Returns
    -------
    dict
        Keys described above plus ``schema``, ``created`` (UTC ISO time) and ``versions``.
    """
    record: dict[str, Any] = {
        "schema": PROVENANCE_SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "versions": package_versions(),
        "command": command if command is not None else " ".join(sys.argv),
    }
    if trial is not None:
        record.update(
            data_name=trial.name,
            data_sha256=trial.sha256,
            data_synthetic=bool(trial.synthetic),
            data_source=trial.source,
        )
    if spec is not None:
        record.update(
            spec_name=spec.name,
            spec_sha256=spec.sha256,
            spec=spec.to_dict(),
            spec_toml=spec.text,
        )
    if priors is not None:
        record["priors"] = {k: _to_dict(v) for k, v in sorted(priors.items())}
    if prior_sources is not None:
        record["prior_sources"] = _jsonable(prior_sources)
    if sampler is not None:
        record["sampler"] = _jsonable(dict(sampler))
    if extra:
        record.update(_jsonable(dict(extra)))
    return record


def as_attrs(record: Mapping[str, Any]) -> dict[str, str]:
    """Turn a record into DataTree attributes: strings as is, everything else as JSON.

    Examples
    --------
    >>> as_attrs({"a": "x", "b": {"c": 1}})
    {'a': 'x', 'b': '{"c": 1}'}
    """
    return {
        k: v if isinstance(v, str) else json.dumps(v, sort_keys=True) for k, v in record.items()
    }


def _to_dict(value: Any) -> Any:
    return value.to_dict() if hasattr(value, "to_dict") else _jsonable(value)


def _jsonable(value: Any) -> Any:
    """Best-effort conversion to JSON-able values (paths and objects become strings)."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def machine_info(
    packages: Sequence[str] = _PACKAGES, *, missing: str | None = None
) -> dict[str, Any]:
    """Cores, CPU model, platform, Python and package versions of this machine.

    Parameters
    ----------
    packages : sequence of str
        Distribution names whose versions are recorded.
    missing : str or None
        Value recorded for a package that is not installed.

    Examples
    --------
    >>> sorted(machine_info(["numpy"]))
    ['cores', 'cpu', 'platform', 'python', 'versions']
    """
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for name in packages:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = missing
    return {
        "cores": os.cpu_count(),
        "cpu": cpu,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
    }
