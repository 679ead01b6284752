"""Write an export directory: validate everything, write to a staging folder, publish at once.

See :mod:`bayes_keta.export` for the files. Every CSV starts with its header row (no comment
lines: ``pandas.read_csv(path)`` and R's ``read.csv(path)`` read it with their defaults). What
must travel with every row is in columns of every table (``data_name``, ``data_sha256``,
``synthetic``, ``model``). The full provenance is in the netCDF attrs (the fit's, plus
``export_provenance``), the Parquet schema metadata (keys ``bayes_keta.provenance``,
``bayes_keta.export``, ``bayes_keta.columns``, ``bayes_keta.schema``), ``summary.json``'s own
``provenance`` block, and ``export.json``, the JSON sidecar of the CSV files (sha256 of every
file, provenance, column definitions).
"""

from __future__ import annotations

import hashlib
import json
import math
import sys
import warnings
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

from bayes_keta.estimands import estimand_names
from bayes_keta.exceptions import OutputError
from bayes_keta.export.draws import SMD_ESTIMAND, tidy_draws, view_standardizer
from bayes_keta.export.meta_summary import HI, LO, _lik_context, meta_summary
from bayes_keta.export.reload import ExportedFit
from bayes_keta.export.schemas import (
    EXPORT_SCHEMA_ID,
    TABLE_SCHEMA_IDS,
    validate_manifest,
    validate_table,
)
from bayes_keta.export.source import FitView, fit_view
from bayes_keta.netcdf import write_netcdf
from bayes_keta.outputs import check_writable, refuse_existing, staged_folder
from bayes_keta.provenance import package_versions
from bayes_keta.summary import validate_summary

__all__ = ["EXPORT_FILES", "ZARR_FILE", "export_fit"]

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
    " bayes_keta.by_day(bayes_keta.read_export(DIR).datatree)"
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
}

DATA_COLUMN_DOCS = {
    "data_name": "name of the data set fitted (the same on every row)",
    "data_sha256": "sha256 of the validated data table (the same on every row)",
    "synthetic": "True: SYNTHETIC data (simulated subjects, not patients)",
    "model": "name of the model spec",
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
    " out); empty when lik_reason is given",
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
    " otherwise the lik columns are empty and lik_reason says why."
)


def _sha256(path: Path) -> str:
    if path.is_dir():
        digest = hashlib.sha256()
        for sub in sorted(p for p in path.rglob("*") if p.is_file()):
            digest.update(f"{sub.relative_to(path).as_posix()}\0{_sha256(sub)}\n".encode())
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


def _targets(out: Path, *, zarr: bool) -> list[str]:
    return [*EXPORT_FILES, *([ZARR_FILE] if zarr else [])]


def _check_out(out: Path, origin: str, *, force: bool, zarr: bool) -> None:
    if origin != "python" and Path(origin).resolve() == out.resolve():
        raise OutputError(f"export into a directory other than the fit itself ({out})")
    refuse_existing([out / n for n in _targets(out, zarr=zarr)], force=force)
    check_writable(out)
    if zarr:
        try:
            import zarr as _zarr  # noqa: F401
        except ImportError:
            raise OutputError(
                "--zarr needs the zarr package, which is not installed (pip install zarr);"
                " posterior.nc holds the same DataTree"
            ) from None


def _export_record(view: FitView, command: str | None) -> dict[str, Any]:
    return {
        "schema": EXPORT_SCHEMA_ID,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command or " ".join(sys.argv) or "python API",
        "source": view.origin,
        "bayes_keta": package_versions().get("bayes_keta", "absent"),
    }


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a plain CSV: the header row first, no comment lines, LF line ends."""
    with path.open("w", encoding="utf-8", newline="") as fh:
        table.to_csv(fh, index=False, lineterminator="\n")


def _write_parquet(table: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    arrow = pa.Table.from_pandas(table, preserve_index=False)
    extra = {
        f"bayes_keta.{k}".encode(): json.dumps(v, sort_keys=True).encode() for k, v in meta.items()
    }
    arrow = arrow.replace_schema_metadata({**(arrow.schema.metadata or {}), **extra})
    pq.write_table(arrow, path)


def _write_zarr(tree: xr.DataTree, path: Path) -> None:
    with warnings.catch_warnings():
        # zarr 3 warns that consolidated metadata is not part of the v3 spec; xarray reads it.
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        tree.to_zarr(path, mode="w-")


def _tree_for_export(tree: xr.DataTree, record: dict[str, Any]) -> xr.DataTree:
    out = tree.copy()
    out.attrs = {**tree.attrs, "export_provenance": json.dumps(record, sort_keys=True)}
    return out


def _check_summary_matches(summary: dict[str, Any], meta: pd.DataFrame) -> None:
    table = meta.set_index(["active", "reference", "estimand"])
    for item in summary["contrasts"]:
        key = (item["active"], item["reference"], item["estimand"])
        if key not in table.index or item["mean"] is None:
            continue
        mine = float(table.loc[key, "estimate"])
        if not math.isclose(mine, item["mean"], rel_tol=1e-6, abs_tol=1e-9):
            raise OutputError(
                f"summary.json and the posterior do not belong together ({key}: {mine:.6g} vs"
                f" {item['mean']:.6g})"
            )


def _manifest(
    view: FitView, record: dict[str, Any], summary: dict[str, Any], ctx: dict[str, Any], std: Any
) -> dict[str, Any]:
    data = summary["data"]
    prior = ctx["prior"]
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
        "provenance": json.loads(json.dumps(view.provenance, default=str)),
        "columns": {"draws": DRAWS_COLUMN_DOCS, "meta_summary": META_COLUMN_DOCS},
        "smd": {
            "estimand": SMD_ESTIMAND,
            "definition": std.definition or None,
            "reason": std.reason,
        },
        "likelihood_only": {
            "method": LIK_METHOD,
            "available": ctx["lik"] is not None,
            "reason": ctx["reason"],
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


def export_fit(
    source: Any,
    out_dir: str | Path,
    *,
    force: bool = False,
    zarr: bool = False,
    command: str | None = None,
) -> ExportedFit:
    """Export a fit: posterior, tidy draws, meta-analysis summary, summary.json, manifest.

    Parameters
    ----------
    source : FitResult, SavedFit or str/Path of a fit directory
        The fit (a directory written by ``bayes-keta fit`` / ``FitResult.save``).
    out_dir : str or Path
        Export directory (created; must not be the fit directory).
    force : bool
        Replace existing export files in ``out_dir``.
    zarr : bool
        Also write ``posterior.zarr`` (needs the zarr package).
    command : str, optional
        Command line recorded in the provenance (default ``sys.argv``).

    Returns
    -------
    ExportedFit
        The exported tables, DataTree, summary and manifest (``path`` = ``out_dir``).

    Raises
    ------
    OutputError
        Existing files without ``force``, zarr missing, a table or summary that breaks its
        schema, or a write failure. Nothing is left half-written.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> exported = bk.export_fit("reports/latest/fits/daily", "exports/daily")  # doctest: +SKIP
    >>> sorted(exported.manifest["files"])  # doctest: +SKIP
    ['draws.csv', 'draws.parquet', 'meta_summary.csv', 'posterior.nc', 'summary.json', ...]
    """
    out = Path(out_dir)
    if isinstance(source, str | Path):  # refuse before reading the fit
        _check_out(out, str(source), force=force, zarr=zarr)
    view = fit_view(source)
    _check_out(out, view.origin, force=force, zarr=zarr)
    if view.record is None:
        raise OutputError(
            "exporting needs the fit's summary.json: export a FitResult or a saved fit directory"
        )
    summary = view.record
    validate_summary(summary)
    draws = validate_table(tidy_draws(view), "draws")
    meta = validate_table(meta_summary(view, draws=draws), "meta_summary")
    _check_summary_matches(summary, meta)
    n_days = int(view.datatree["posterior"]["arm_mean"].sizes["day"])
    std = view_standardizer(view, n_days)
    ctx = _lik_context(view, draws)
    record = _export_record(view, command)
    manifest = _manifest(view, record, summary, ctx, std)
    tree = _tree_for_export(view.datatree, record)
    schema_text = resources.files("bayes_keta").joinpath("schemas/summary.schema.json").read_text()
    names = _targets(out, zarr=zarr)
    rows = {"draws.csv": len(draws), "draws.parquet": len(draws), "meta_summary.csv": len(meta)}
    schemas = {
        "draws.csv": TABLE_SCHEMA_IDS["draws"],
        "draws.parquet": TABLE_SCHEMA_IDS["draws"],
        "meta_summary.csv": TABLE_SCHEMA_IDS["meta_summary"],
        "summary.json": summary["schema"],
    }
    try:
        with staged_folder(out, force=force, replace_dirs=(ZARR_FILE,)) as tmp:
            write_netcdf(tree, tmp / "posterior.nc")
            if zarr:
                _write_zarr(tree, tmp / ZARR_FILE)
            _write_csv(draws, tmp / "draws.csv")
            _write_parquet(
                draws,
                tmp / "draws.parquet",
                {
                    "provenance": manifest["provenance"],
                    "export": record,
                    "columns": DRAWS_COLUMN_DOCS,
                    "schema": TABLE_SCHEMA_IDS["draws"],
                },
            )
            _write_csv(meta, tmp / "meta_summary.csv")
            (tmp / "summary.json").write_text(
                json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
            )
            (tmp / "summary.schema.json").write_text(schema_text, encoding="utf-8")
            for name in names:
                if name == "export.json":
                    continue
                entry = {
                    "sha256": _sha256(tmp / name),
                    "bytes": _size(tmp / name),
                    "format": _format(name),
                    "description": _DESCRIPTIONS[name],
                }
                if name in schemas:
                    entry["schema"] = schemas[name]
                if name in rows:
                    entry["rows"] = rows[name]
                manifest["files"][name] = entry
            validate_manifest(manifest)
            (tmp / "export.json").write_text(
                json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8"
            )
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(f"cannot write the export to {out}: {err}") from err
    return ExportedFit(
        path=out, datatree=tree, draws=draws, meta_summary=meta, summary=summary, manifest=manifest
    )


def _format(name: str) -> str:
    return {
        ".nc": "netCDF4 (HDF5) DataTree",
        ".zarr": "zarr DataTree",
        ".csv": "CSV, header row first (provenance in export.json)",
        ".parquet": "Parquet (provenance in schema metadata)",
        ".json": "JSON",
    }[Path(name).suffix]
