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
     "outcome": {"label", "units", "lower", "upper", "better", "thresholds", "rope", "scale",
                 "prior_scaling": {"rule", "factor", "centre", "flip", "text"}, ...},
     "carryover": [{"treatment", "mean", "sd", "ci95": [lo, hi], "scale"}, ...],
     "missing_data": {"handling", "text", "n_readings_missing", ...},
     "heterogeneity": {...}  (only for specs with individual effects: tau, responders,
                              individual, predictive, identified_by; see the schema),
     "provenance": {"bayes_keta", "pymc", "arviz", "created", "command", "data_sha256", ...}}

``outcome`` is the declared outcome (:class:`bayes_keta.outcome.Outcome`) with the rule that
put the priors on its scale; ``carryover`` has one row per active arm when the spec has a
carryover term (none otherwise), on the model's scale (``scale``: the outcome's own, ``auc``
or ``logit``); ``missing_data`` says how the model handled missing readings, with counts.

Optional blocks: ``adverse_events`` (arms: P(at least one adverse event in a period) per arm;
contrasts: risk differences and ratios with ``p_harm``) and ``benefit_risk`` (P(benefit beyond
a threshold AND excess adverse-event risk below a margin), net benefit), present when an
adverse-event model was fitted beside the efficacy model (:mod:`bayes_keta.harms`); the
adverse-event fit's own summary has ``adverse_events`` and no ``contrasts``.

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
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import (
    CI_LABEL,
    beyond_by_row,
    carryover_table,
    contrast_table,
    format_threshold,
    heterogeneity,
)
from bayes_keta.exceptions import OutputError
from bayes_keta.fitting.harms import adverse_events_block, is_harm_fit
from bayes_keta.outputs import atomic_write, refuse_existing

if TYPE_CHECKING:
    from bayes_keta.diagnostics import Diagnostics
    from bayes_keta.fitting.result import FitResult

__all__ = [
    "SCHEMA_ID",
    "build_summary",
    "carryover_records",
    "contrast_records",
    "load_schema",
    "outcome_record",
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
#: summary.json provenance key -> package (as :func:`bayes_keta.provenance.package_versions`).
_VERSIONS = {
    "bayes_keta": "bayes_keta",
    "pymc": "pymc",
    "arviz": "arviz",
    "arviz_base": "arviz-base",
    "arviz_stats": "arviz-stats",
    "nutpie": "nutpie",
    "numpy": "numpy",
    "xarray": "xarray",
    "python": "python",
}


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


def outcome_record(fit: FitResult) -> dict[str, Any]:
    """Return the ``outcome`` object of summary.json: the outcome and its prior-scaling rule.

    The fit record's ``prior_scaling`` (empty in fits made before it: the 0-10 NRS's
    identity) as :meth:`bayes_keta.models.scaling.PriorScaling.to_dict`.
    """
    from bayes_keta.models.scaling import PriorScaling

    outcome = fit.outcome
    record = outcome.to_dict()
    scale = record.pop("scale_name")
    return {
        "label": record.pop("label"),
        "units": record.pop("units"),
        "lower": record.pop("lower"),
        "upper": record.pop("upper"),
        "better": record.pop("better"),
        "thresholds": record.pop("thresholds"),
        "rope": record.pop("rope"),
        "scale": scale,
        **record,
        "prior_scaling": PriorScaling.from_dict(fit.record.prior_scaling).to_dict(),
    }


def carryover_records(fit: FitResult) -> list[dict[str, Any]]:
    """Return the ``carryover`` rows of summary.json (none without a carryover term).

    ``scale`` is the model's: the outcome's written name for the daily specs, ``auc`` for the
    AUC spec (units x readings), ``logit`` for the ordinal one.
    """
    from bayes_keta.models import capabilities

    table = carryover_table(fit.datatree)
    if table.empty:
        return []
    kind = capabilities(fit.spec).scale
    scale = {"auc": "auc", "logit": "logit"}.get(kind, fit.outcome.scale_label("outcome"))
    return [
        {
            "treatment": str(row["treatment"]),
            "mean": _stat(row["mean"]),
            "sd": _stat(row["sd"]),
            f"ci{CI_LABEL}": [_stat(row[f"lo{CI_LABEL}"]), _stat(row[f"hi{CI_LABEL}"])],
            "scale": scale,
        }
        for row in table.to_dict(orient="records")
    ]


def build_summary(
    fit: FitResult,
    *,
    command: str | None = None,
    diagnostics: Diagnostics | None = None,
    created: str | None = None,
    blocks: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Build (and validate) the summary.json record of a fit: a view of its record and draws.

    Parameters
    ----------
    fit : FitResult
        The fit (fresh, reloaded or exported alike: everything but the draws comes from
        ``fit.record``).
    command : str, optional
        Command line that produced the fit (default: the record's, else ``"python API"``).
    diagnostics : Diagnostics, optional
        Precomputed gate verdict (default: :attr:`FitResult.verdict`).
    created : str, optional
        ISO timestamp (default: the record's).
    blocks : mapping, optional
        Optional blocks computed from other fits, added as they are (validated by the
        schema): ``adverse_events`` and ``benefit_risk``
        (:meth:`bayes_keta.harms.BenefitRiskResult.summary_blocks`). An adverse-event fit
        (a harm model) gets its own ``adverse_events`` block and no ``contrasts``.

    Returns
    -------
    dict
        Valid against :func:`load_schema`.

    Raises
    ------
    OutputError
        When the record would not match the schema.
    """
    record = fit.record
    data, spec, run = record.data, record.model, record.sampler
    diag = diagnostics if diagnostics is not None else fit.verdict
    outcome = fit.outcome
    harm = is_harm_fit(fit)
    if harm:  # adverse events: no outcome contrasts; its estimands are its own block
        n_days, constant, records = int(data.n_days), True, []
    else:
        draws = fit.contrast_draws()
        n_days, constant = int(draws.attrs["n_days"]), bool(draws.attrs["constant_over_day"])
        records = contrast_records(contrast_table(draws, outcome=outcome))
    flat = run.to_dict()
    seed = _int_or_none(flat["seed"])
    sampler = {
        "name": str(flat.pop("sampler")),
        "draws": int(flat.pop("draws")),
        "tune": int(flat.pop("tune")),
        "chains": int(flat.pop("chains")),
        "seed": seed,
    }
    flat.pop("seed")
    sampler.update({k: _jsonable(v) for k, v in flat.items()})
    model: dict[str, Any] = {
        "name": spec.name,
        "spec": spec.toml,
        "spec_hash": spec.sha256,
        "structure": _jsonable(spec.structure),
    }
    versions = record.versions
    summary = {
        "schema": SCHEMA_ID,
        "data": {
            "name": data.name,
            "sha256": data.sha256,
            "synthetic": bool(data.synthetic),
            "n_subjects": int(data.n_subjects),
            "n_observations": int(data.n_observations),
            "n_days": int(data.n_days),
            "treatments": list(data.treatments),
            "reference": data.reference,
            "source": data.source,
        },
        "model": model,
        "priors": _jsonable(record.priors),
        "sampler": sampler,
        "diagnostics": diag.to_dict(),
        "estimands": {
            "ci_prob": float(CI_PROB),
            "n_days": n_days,
            "constant_over_day": constant,
            **({} if harm else outcome.decision_rules(n_days)),
        },
        "contrasts": records,
        "outcome": outcome_record(fit),
        "carryover": [] if harm else carryover_records(fit),
        "missing_data": _jsonable(record.missing_data),
        **_heterogeneity(fit),
        "provenance": {
            **{key: str(versions.get(name, "unknown")) for key, name in _VERSIONS.items()},
            "created": created or record.created,
            "command": command or record.command or "python API",
            "data_sha256": data.sha256,
            "spec_hash": spec.sha256,
            "seed": seed,
        },
    }
    if harm:
        summary["adverse_events"] = adverse_events_block(fit, diagnostics=diag)
    summary.update(blocks or {})
    validate_summary(summary)
    return summary


def _heterogeneity(fit: FitResult) -> dict[str, Any]:
    """``{"heterogeneity": block}`` for a spec with individual effects, else ``{}``."""
    from bayes_keta.models import capabilities

    if not capabilities(fit.spec).individual_effects:
        return {}
    return {"heterogeneity": heterogeneity(fit).to_dict()}


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
