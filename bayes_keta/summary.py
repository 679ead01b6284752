"""``summary.json``: the one contract every later piece (reports, exports, sweeps) reads.

Schema ``bayes_keta.summary/1``, shipped as ``bayes_keta/schemas/summary.schema.json`` (JSON
Schema draft 2020-12). Every summary is validated before it is written::

    {"schema": "bayes_keta.summary/1",
     "data": {"name", "sha256", "synthetic", "n_subjects", "n_observations", ...},
     "model": {"name", "spec" (TOML text), "spec_hash", ...}, "priors": {role: {dist, ...}},
     "sampler": {"name", "draws", "tune", "chains", "seed", ...},
     "diagnostics": {"passed", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences",
                     "min_bfmi", "failures", ...},
     "estimands": {"ci_prob", "n_days", "thresholds", "rope", ...},
     "contrasts": [{"active", "reference", "contrast", "estimand", "scale", "mean", "sd",
                    "median", "ci95": [lo, hi], "p_benefit", "p_beyond": {"1.0": p, ...},
                    "p_rope", "rope"}, ...],
     "provenance": {"bayes_keta", "pymc", "arviz", "created", "command", "data_sha256", ...}}

``p_beyond`` maps a threshold on the estimand's own scale (formatted by
:func:`bayes_keta.estimands.format_threshold`: ``"0.5"``, ``"17.5"``, ``"30.0"``) to
P(benefit beyond it) (P(difference < -threshold) for the pain NRS); it is generated from the
contrast table's flat ``p_beyond_<t>`` columns by :func:`bayes_keta.estimands.beyond_by_row`.
Thresholds, ROPE and their sources come from the outcome
(:meth:`bayes_keta.outcome.Outcome.decision_rules`). Non-finite statistics are written as
``null``.
"""

from __future__ import annotations

import dataclasses
import json
import math
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from functools import cache
from importlib import resources
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import (
    CI_LABEL,
    beyond_by_row,
    contrast_draws,
    contrast_table,
    format_threshold,
)
from bayes_keta.exceptions import OutputError
from bayes_keta.outcome import Outcome
from bayes_keta.outputs import atomic_write, refuse_existing

__all__ = [
    "SCHEMA_ID",
    "build_summary",
    "contrast_records",
    "load_schema",
    "read_summary",
    "schema_errors",
    "validate_summary",
    "write_summary",
]

#: Value of the ``schema`` key; bump the suffix on any incompatible change.
SCHEMA_ID = "bayes_keta.summary/1"


@cache
def _schema_text() -> str:
    return resources.files("bayes_keta").joinpath("schemas/summary.schema.json").read_text()


def load_schema() -> dict[str, Any]:
    """Return the shipped JSON Schema of summary.json (draft 2020-12), a fresh copy.

    Examples
    --------
    >>> load_schema()["properties"]["schema"]["const"]
    'bayes_keta.summary/1'
    """
    return json.loads(_schema_text())


def schema_errors(summary: Mapping[str, Any]) -> list[str]:
    """Every violation of the schema, as ``"path: message"`` strings (empty when valid).

    Examples
    --------
    >>> schema_errors({"schema": "bayes_keta.summary/1"})[0]
    "<root>: 'data' is a required property"
    """
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_schema())
    errors = sorted(validator.iter_errors(summary), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '<root>'}: {e.message}" for e in errors]


def validate_summary(summary: Mapping[str, Any]) -> None:
    """Raise :class:`OutputError` listing every schema violation (None when valid).

    Also refuses values JSON cannot carry (NaN, infinity).
    """
    errors = schema_errors(summary)
    try:
        json.dumps(summary, allow_nan=False)
    except (TypeError, ValueError) as err:
        errors.append(f"<root>: not JSON-serialisable: {err}")
    if errors:
        shown = "; ".join(errors[:10]) + (
            f"; and {len(errors) - 10} more" if len(errors) > 10 else ""
        )
        raise OutputError(f"summary does not match schema {SCHEMA_ID}: {shown}")


# --------------------------------------------------------------------------------- building
def _version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def _jsonable(obj: Any) -> Any:
    """Plain JSON types from numpy scalars, tuples, dataclasses and objects with to_dict."""
    if hasattr(obj, "to_dict") and not isinstance(obj, pd.DataFrame | pd.Series):
        return _jsonable(obj.to_dict())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return _jsonable(dataclasses.asdict(obj))
    if isinstance(obj, Mapping):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset | np.ndarray):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, bool | np.bool_):
        return bool(obj)
    if isinstance(obj, int | np.integer):
        return int(obj)
    if isinstance(obj, float | np.floating):
        return _stat(obj)
    if obj is None or isinstance(obj, str):
        return obj
    if isinstance(obj, Path):
        return str(obj)
    return str(obj)


def _stat(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _int_or_none(x: Any) -> int | None:
    return None if x is None else int(x)


def contrast_records(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows of :func:`bayes_keta.contrast_table` as summary.json ``contrasts`` records.

    ``p_beyond`` (a mapping, as the schema has it) is generated from the table's flat
    ``p_beyond_<t>`` columns by :func:`bayes_keta.estimands.beyond_by_row`; ``rope`` from
    the table's ``attrs["rope"]``.
    """
    lo, hi = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
    ropes = table.attrs["rope"]
    records = []
    for row, beyond in zip(table.to_dict(orient="records"), beyond_by_row(table), strict=True):
        p_rope = row.get("p_rope")
        records.append(
            {
                "active": str(row["active"]),
                "reference": str(row["reference"]),
                "contrast": str(row["contrast"]),
                "estimand": str(row["estimand"]),
                "scale": str(row["scale"]),
                "mean": _stat(row["mean"]),
                "sd": _stat(row["sd"]),
                "median": _stat(row["median"]),
                f"ci{CI_LABEL}": [_stat(row[lo]), _stat(row[hi])],
                "p_benefit": float(row["p_benefit"]),
                "p_beyond": {format_threshold(t): p for t, p in beyond.items()},
                "p_rope": None if p_rope is None or p_rope != p_rope else float(p_rope),
                "rope": ropes[str(row["scale"])],
            }
        )
    return records


def build_summary(
    fit: Any,
    *,
    command: str | None = None,
    diagnostics: Any | None = None,
    created: str | None = None,
) -> dict[str, Any]:
    """Build (and validate) the summary.json record of a fit.

    Parameters
    ----------
    fit : FitResult-like
        Needs ``.datatree`` (posterior with ``arm_mean``, sample_stats), ``.trial``
        (:class:`bayes_keta.Trial`), ``.spec`` (``.name``, ``.text``, ``.sha256``),
        ``.priors`` (role -> prior with ``to_dict``, or plain dicts) and
        ``.sampler_settings`` (``name``, ``draws``, ``tune``, ``chains``, ``seed``...).
    command : str, optional
        Command line that produced the fit (default: the DataTree's ``command`` attribute,
        else ``"python API"``).
    diagnostics : Diagnostics, optional
        Precomputed gate verdict (default: :func:`bayes_keta.diagnose` on the DataTree).
    created : str, optional
        ISO timestamp (default: now, UTC).

    Returns
    -------
    dict
        Valid against :func:`load_schema`.

    Raises
    ------
    OutputError
        When the record would not match the schema (a bug or an incomplete fit object).
    """
    from bayes_keta.diagnostics import diagnose

    tree = fit.datatree
    trial = fit.trial
    spec = fit.spec
    settings = dict(getattr(fit, "sampler_settings", None) or {})
    diag = diagnostics if diagnostics is not None else diagnose(tree)
    outcome = Outcome.nrs_0_10()
    draws = contrast_draws(tree, reference=trial.reference, outcome=outcome)
    n_days = int(draws.attrs["n_days"])
    table = contrast_table(draws, outcome=outcome)

    spec_hash = getattr(spec, "sha256", None) or getattr(spec, "hash", None)
    structure = spec.structure() if hasattr(spec, "structure") else None
    seed = _int_or_none(settings.get("seed"))
    sampler = {
        "name": str(settings.get("name", settings.get("sampler", "unknown"))),
        "draws": int(settings["draws"]) if "draws" in settings else 0,
        "tune": int(settings["tune"]) if "tune" in settings else 0,
        "chains": int(settings["chains"]) if "chains" in settings else 0,
        "seed": seed,
    }
    sampler.update({k: _jsonable(v) for k, v in settings.items() if k not in {*sampler, "sampler"}})
    model: dict[str, Any] = {
        "name": str(spec.name),
        "spec": str(getattr(spec, "text", "") or ""),
        "spec_hash": None if spec_hash is None else str(spec_hash),
    }
    if structure is not None:
        model["structure"] = _jsonable(structure)
    summary = {
        "schema": SCHEMA_ID,
        "data": {
            "name": str(trial.name),
            "sha256": str(trial.sha256),
            "synthetic": bool(trial.synthetic),
            "n_subjects": int(trial.n_subjects),
            "n_observations": int(trial.n_observations),
            "n_days": int(trial.n_days),
            "treatments": [str(t) for t in trial.treatments],
            "reference": str(trial.reference),
            "source": str(trial.source),
        },
        "model": model,
        "priors": _jsonable(dict(getattr(fit, "priors", None) or {})),
        "sampler": sampler,
        "diagnostics": diag.to_dict(),
        "estimands": {
            "ci_prob": float(CI_PROB),
            "n_days": n_days,
            "constant_over_day": bool(draws.attrs["constant_over_day"]),
            **outcome.decision_rules(n_days),
        },
        "contrasts": contrast_records(table),
        "provenance": {
            "bayes_keta": _version("bayes_keta"),
            "pymc": _version("pymc"),
            "arviz": _version("arviz"),
            "arviz_base": _version("arviz-base"),
            "arviz_stats": _version("arviz-stats"),
            "nutpie": _version("nutpie"),
            "numpy": _version("numpy"),
            "xarray": _version("xarray"),
            "python": platform.python_version(),
            "created": created or datetime.now(UTC).isoformat(timespec="seconds"),
            "command": command or str(tree.attrs.get("command") or "python API"),
            "data_sha256": str(trial.sha256),
            "spec_hash": model["spec_hash"],
            "seed": seed,
        },
    }
    validate_summary(summary)
    return summary


# ------------------------------------------------------------------------------ reading/writing
def write_summary(summary: Mapping[str, Any], path: str | Path, *, overwrite: bool = False) -> Path:
    """Validate and write summary.json (atomically: a temporary file, then a rename).

    Raises
    ------
    OutputError
        The file exists and ``overwrite`` is False, the summary is invalid, or writing fails.
    """
    path = Path(path)
    refuse_existing([path], force=overwrite, advice="use --force / overwrite=True")
    validate_summary(summary)
    text = json.dumps(summary, indent=2, allow_nan=False) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_summary(path: str | Path) -> dict[str, Any]:
    """Read and validate a summary.json.

    Raises
    ------
    OutputError
        Missing, unreadable or invalid file.
    """
    path = Path(path)
    try:
        summary = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise OutputError(f"no summary at {path}") from err
    except (OSError, json.JSONDecodeError) as err:
        raise OutputError(f"cannot read {path}: {err}") from err
    validate_summary(summary)
    return summary
