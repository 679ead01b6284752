"""``export.json``: the export's manifest (files, provenance, column definitions) and its checks.

Shared by the writer (:mod:`bayes_keta.export.write`) and the reader
(:mod:`bayes_keta.export.reload`): the file list and descriptions, the column documentation,
file hashing, building the manifest, checking files against it, and reading a table's
provenance (Parquet metadata, or the manifest beside a CSV).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from bayes_keta.estimands import estimand_names
from bayes_keta.exceptions import OutputError
from bayes_keta.export.draws import SMD_ESTIMAND
from bayes_keta.export.meta_summary import HI, LO
from bayes_keta.export.schemas import EXPORT_SCHEMA_ID
from bayes_keta.fitting.result import FitResult
from bayes_keta.provenance import package_versions

__all__ = [
    "BY_DAY_NOTE",
    "DATA_COLUMN_DOCS",
    "DRAWS_COLUMN_DOCS",
    "EXPORT_FILES",
    "LIK_METHOD",
    "META_COLUMN_DOCS",
    "ZARR_FILE",
    "build_manifest",
    "check_files",
    "export_record",
    "file_entry",
    "sha256_file",
    "table_provenance",
]

#: Files of every export, in writing order (``export.json`` last).
EXPORT_FILES: tuple[str, ...] = (
    "posterior.nc",
    "draws.csv",
    "draws.parquet",
    "meta_summary.csv",
    "summary.json",
    "summary.schema.json",
    "export.json",
)
#: Optional zarr copy of the posterior (a directory).
ZARR_FILE = "posterior.zarr"

BY_DAY_NOTE = (
    "draws hold scalar estimands only; the by-day difference curves are in posterior.nc:"
    " bayes_keta.read_export(DIR).fit.by_day()"
)

_DESCRIPTIONS = {
    "posterior.nc": "the whole DataTree of the fit (netCDF4/HDF5, xarray.open_datatree)",
    ZARR_FILE: "the whole DataTree of the fit (zarr store, xarray.open_datatree engine=zarr)",
    "draws.csv": "tidy draws: one row per chain x draw x contrast x estimand",
    "draws.parquet": "the same tidy draws as Parquet",
    "meta_summary.csv": "one row per contrast x estimand: posterior and likelihood-only normal"
    " approximations",
    "summary.json": "the fit's summary (schema bayes_keta.summary/1)",
    "summary.schema.json": "JSON Schema of summary.json (draft 2020-12)",
    "adverse_events.nc": "the whole DataTree of the adverse-event fit beside the fit",
    "adverse_event_draws.csv": "tidy draws of the adverse-event risk differences and ratios"
    " (the columns of draws.csv)",
}

DATA_COLUMN_DOCS = {
    "data_name": "name of the data set fitted (the same on every row)",
    "data_sha256": "sha256 of the validated data table (the same on every row)",
    "synthetic": "True: SYNTHETIC data (simulated subjects, not patients)",
    "model": "name of the model spec (meta_summary.csv: adverse_events on the rows of the"
    " adverse-event risk differences)",
}

DRAWS_COLUMN_DOCS = {
    "chain": "chain index",
    "draw": "draw index within the chain",
    "contrast": "'<active> - <reference>'",
    "active": "active arm",
    "reference": "reference arm",
    "estimand": ", ".join((*estimand_names(), SMD_ESTIMAND)),
    "scale": "nrs (NRS points), auc (pain score-days), percent, smd (SD units)",
    "value": "posterior draw of active - reference (negative = less pain = benefit)",
    **DATA_COLUMN_DOCS,
}

META_COLUMN_DOCS = {
    "active": "active arm",
    "reference": "reference arm",
    "estimand": "as in draws",
    "scale": "as in draws",
    "estimate": "posterior mean (normal approximation of the posterior)",
    "se": "posterior SD (normal approximation of the posterior)",
    LO: "lower end of the equal-tailed 95% credible interval (draw quantile)",
    HI: "upper end of the equal-tailed 95% credible interval (draw quantile)",
    "lik_estimate": "mean of the normal approximation of the likelihood alone (prior divided"
    " out; ae_risk_difference rows: the paired risk difference of the observed adverse-event"
    " flags, see approx); empty when lik_reason is given",
    "lik_se": "SD of the normal approximation of the likelihood alone",
    "approx": "how the approximations were made",
    "lik_reason": "why lik_estimate/lik_se are empty (empty otherwise)",
    "contrast": "'<active> - <reference>'",
    "median": "posterior median",
    "t_df": "Student-t df matching the draws' excess kurtosis (4 + 6/g2); inf = normal adequate",
    "n_draws": "posterior draws summarised",
    "prior_estimate": "mean of the normal prior this estimand receives (empty if not normal)",
    "prior_se": "SD of that prior",
    "standardizer": "smd rows: definition of the SMD denominator",
    "standardizer_estimate": "smd rows: posterior mean of the standardizer (NRS points)",
    **DATA_COLUMN_DOCS,
}

LIK_METHOD = (
    "Gaussian division, jointly over the treatment effects (each active arm vs the model"
    " reference): likelihood precision = posterior precision - prior precision, likelihood mean"
    " = S_L (P_1 m_1 - P_0 m_0), with the posterior's mean and covariance taken from the draws"
    " and the resolved normal treatment_effect prior (independent per active arm); contrasts"
    " are linear maps of the effects (x n_days on the AUC scale). Requires a normal prior, a"
    " constant effect, an estimand linear in the effect and a posterior narrower than the prior;"
    " otherwise the lik columns are empty and lik_reason says why. The ae_risk_difference rows"
    " (model adverse_events) are not divided: their lik columns are the paired risk difference"
    " of the observed adverse-event flags, (b - c) / n, with its Wald SE (their approx column)."
)

_FORMATS = {
    ".nc": "netCDF4 (HDF5) DataTree",
    ".zarr": "zarr DataTree",
    ".csv": "CSV, header row first (provenance in export.json)",
    ".parquet": "Parquet (provenance in schema metadata)",
    ".json": "JSON",
}


def sha256_file(path: Path) -> str:
    """SHA-256 of a file, or of a directory's files (names and hashes, sorted)."""
    if path.is_dir():
        digest = hashlib.sha256()
        for sub in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{sub.relative_to(path).as_posix()}\0{sha256_file(sub)}\n".encode())
        return digest.hexdigest()
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _size(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def file_entry(path: Path, *, schema: str | None = None, rows: int | None = None) -> dict:
    """Manifest entry of one written file: sha256, bytes, format, description (schema, rows)."""
    entry: dict[str, Any] = {
        "sha256": sha256_file(path),
        "bytes": _size(path),
        "format": _FORMATS[path.suffix],
        "description": _DESCRIPTIONS[path.name],
    }
    if schema is not None:
        entry["schema"] = schema
    if rows is not None:
        entry["rows"] = rows
    return entry


def export_record(origin: Path | None, command: str | None) -> dict[str, Any]:
    """Describe the export itself: schema, time, command, source fit, bayes_keta version."""
    return {
        "schema": EXPORT_SCHEMA_ID,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command or " ".join(sys.argv) or "python API",
        "source": "python" if origin is None else str(origin),
        "bayes_keta": package_versions().get("bayes_keta", "absent"),
    }


def build_manifest(
    fit: FitResult,
    record: dict[str, Any],
    summary: dict[str, Any],
    lik: dict[str, Any],
    std: Any,
) -> dict[str, Any]:
    """``export.json`` without its ``files`` (added as they are written).

    ``provenance`` is the fit record's flat provenance
    (:meth:`bayes_keta.fitting.FitRecord.provenance`); ``lik`` the likelihood-only context
    and ``std`` the SMD standardizer of :mod:`bayes_keta.export.meta_summary`.
    """
    data = summary["data"]
    prior = lik["prior"]
    return {
        "schema": EXPORT_SCHEMA_ID,
        "created": record["created"],
        "command": record["command"],
        "source": record["source"],
        "files": {},
        "data": {
            "name": data["name"],
            "sha256": data["sha256"],
            "synthetic": bool(data["synthetic"]),
            "reference": data.get("reference"),
        },
        "provenance": json.loads(json.dumps(fit.record.provenance(), default=str)),
        "columns": {"draws": DRAWS_COLUMN_DOCS, "meta_summary": META_COLUMN_DOCS},
        "smd": {
            "estimand": SMD_ESTIMAND,
            "definition": std.definition or None,
            "reason": std.reason,
        },
        "likelihood_only": {
            "method": LIK_METHOD,
            "available": lik["lik"] is not None,
            "reason": lik["reason"],
            "prior": None
            if prior is None
            else {
                "actives": list(prior.actives),
                "mean": prior.mean.tolist(),
                "sd": [math.sqrt(v) for v in prior.cov.diagonal()],
                "units": "daily NRS points",
            },
        },
        "by_day": BY_DAY_NOTE,
        "versions": package_versions(),
    }


def check_files(out: Path, manifest: dict[str, Any]) -> None:
    """Every file the manifest lists exists in ``out`` with its sha256 (:class:`OutputError`)."""
    for name, entry in manifest["files"].items():
        path = out / name
        if not path.exists():
            raise OutputError(f"{out}: {name} listed in export.json is missing")
        if sha256_file(path) != entry["sha256"]:
            raise OutputError(f"{out}: {name} does not match its sha256 in export.json (modified?)")


def table_provenance(path: str | Path) -> dict[str, Any]:
    """Provenance of an exported table: its Parquet metadata, or a CSV's ``export.json``.

    The CSV files hold only their header row and data (the data set's name, sha256 and
    synthetic flag and the model are columns of every row); their provenance is in the
    manifest ``export.json`` beside them, the JSON sidecar of the export.

    Returns
    -------
    dict
        ``{"provenance": ..., "export": ..., "columns": ..., "schema": ...}``: the fit's
        provenance, the export's record (schema, created, command, source, bayes_keta),
        the column definitions and the table's schema id.

    Raises
    ------
    OutputError
        A CSV without an ``export.json`` beside it that lists it.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        meta = pq.read_schema(path).metadata or {}
        prefix = b"bayes_keta."
        found = {k: v for k, v in meta.items() if k.startswith(prefix)}
        return {k[len(prefix) :].decode(): json.loads(v) for k, v in found.items()}
    sidecar = path.parent / "export.json"
    try:
        manifest = json.loads(sidecar.read_text(encoding="utf-8"))
        entry = manifest["files"][path.name]
    except (OSError, json.JSONDecodeError, KeyError, TypeError):
        raise OutputError(f"{path}: no export.json beside it that lists {path.name}") from None
    kind = path.stem if path.stem in manifest.get("columns", {}) else None
    return {
        "provenance": manifest.get("provenance", {}),
        "export": {k: manifest.get(k) for k in ("schema", "created", "command", "source")}
        | {"bayes_keta": manifest.get("versions", {}).get("bayes_keta")},
        "columns": manifest["columns"][kind] if kind else {},
        "schema": entry.get("schema"),
    }
