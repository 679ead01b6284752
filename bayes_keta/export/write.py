"""Write an export directory: validate everything, write to a staging folder, publish at once.

See :mod:`bayes_keta.export` for the files. Every CSV starts with its header row (no comment
lines: ``pandas.read_csv(path)`` and R's ``read.csv(path)`` read it with their defaults). What
must travel with every row is in columns of every table (``data_name``, ``data_sha256``,
``synthetic``, ``model``). The full provenance is in the netCDF attrs (the fit's record, plus
``export_provenance``), the Parquet schema metadata (keys ``bayes_keta.provenance``,
``bayes_keta.export``, ``bayes_keta.columns``, ``bayes_keta.schema``), ``summary.json``'s own
``provenance`` block, and ``export.json``, the JSON sidecar of the CSV files
(:mod:`bayes_keta.export.manifest`).
"""

from __future__ import annotations

import json
import math
import warnings
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import xarray as xr

from bayes_keta.exceptions import OutputError
from bayes_keta.export.adverse_events import (
    AE_DRAWS_FILE,
    AE_POSTERIOR_FILE,
    adverse_event_draws,
    adverse_event_meta_rows,
    check_same_data,
)
from bayes_keta.export.draws import fit_standardizer, tidy_draws
from bayes_keta.export.manifest import (
    DRAWS_COLUMN_DOCS,
    EXPORT_FILES,
    ZARR_FILE,
    build_manifest,
    export_record,
    file_entry,
)
from bayes_keta.export.meta_summary import lik_context, meta_summary
from bayes_keta.export.paired_risk import ae_flags
from bayes_keta.export.reload import Export
from bayes_keta.export.schemas import TABLE_SCHEMA_IDS, validate_manifest, validate_table
from bayes_keta.fitting.result import FitResult, as_fit
from bayes_keta.netcdf import write_netcdf
from bayes_keta.outputs import check_writable, refuse_existing, staged_folder

__all__ = ["EXPORT_FILES", "ZARR_FILE", "export_fit"]


def _targets(out: Path, *, zarr: bool, harm: bool = False) -> list[str]:
    return [
        *EXPORT_FILES,
        *([ZARR_FILE] if zarr else []),
        *([AE_POSTERIOR_FILE, AE_DRAWS_FILE] if harm else []),
    ]


def _check_out(
    out: Path, origin: Path | None, *, force: bool, zarr: bool, harm: bool = False
) -> None:
    if origin is not None and Path(origin).resolve() == out.resolve():
        raise OutputError(f"export into a directory other than the fit itself ({out})")
    refuse_existing([out / n for n in _targets(out, zarr=zarr, harm=harm)], force=force)
    check_writable(out)
    if zarr:
        try:
            import zarr as _zarr  # noqa: F401
        except ImportError:
            raise OutputError(
                "--zarr needs the zarr package, which is not installed (pip install zarr);"
                " posterior.nc holds the same DataTree"
            ) from None


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


def _adverse_events(given: FitResult | str | Path | None, fit: FitResult) -> FitResult | None:
    """Return the adverse-event fit to export with ``fit`` (given, or saved beside its dir)."""
    if given is None:
        folder = None if fit.origin is None else Path(fit.origin) / "adverse_events"
        if folder is None or not (folder / "posterior.nc").exists():
            return None
        given = folder
    harm = as_fit(given)
    check_same_data(fit, harm)
    return harm


def export_fit(
    source: FitResult | str | Path,
    out_dir: str | Path,
    *,
    force: bool = False,
    zarr: bool = False,
    command: str | None = None,
    adverse_events: FitResult | str | Path | None = None,
) -> Export:
    """Export a fit: posterior, tidy draws, meta-analysis summary, summary.json, manifest.

    Parameters
    ----------
    source : FitResult or str/Path of a fit directory
        The fit (a directory written by ``bayes-keta fit`` / ``FitResult.save``).
    out_dir : str or Path
        Export directory (created; must not be the fit directory).
    force : bool
        Replace existing export files in ``out_dir``.
    zarr : bool
        Also write ``posterior.zarr`` (needs the zarr package).
    command : str, optional
        Command line recorded in the provenance (default ``sys.argv``).
    adverse_events : FitResult or str/Path of a fit directory, optional
        The adverse-event fit of the same data (default: the one saved beside a fit
        directory, ``FIT_DIR/adverse_events``): adds ``adverse_events.nc``,
        ``adverse_event_draws.csv`` and the ``ae_risk_difference`` rows of
        ``meta_summary.csv`` (:mod:`bayes_keta.export.adverse_events`).

    Returns
    -------
    Export
        The exported fit, tables, summary and manifest (``path`` = ``out_dir``).

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
        _check_out(out, Path(source), force=force, zarr=zarr)
    fit = as_fit(source)
    harm = _adverse_events(adverse_events, fit)
    _check_out(out, fit.origin, force=force, zarr=zarr, harm=harm is not None)
    summary = fit.summary()  # validated against its schema
    draws = validate_table(tidy_draws(fit), "draws")
    meta = meta_summary(fit, draws=draws)
    ae_draws = None
    if harm is not None:
        ae_draws = validate_table(adverse_event_draws(harm), "draws", where=AE_DRAWS_FILE)
        ae_rows = adverse_event_meta_rows(ae_draws, flags=ae_flags(harm))
        meta = pd.concat([meta, ae_rows], ignore_index=True)
    meta = validate_table(meta, "meta_summary")
    _check_summary_matches(summary, meta)
    n_days = int(fit.datatree["posterior"]["arm_mean"].sizes["day"])
    record = export_record(fit.origin, command)
    manifest = build_manifest(
        fit, record, summary, lik_context(fit, draws), fit_standardizer(fit, n_days)
    )
    tree = _tree_for_export(fit.datatree, record)
    schema_text = resources.files("bayes_keta").joinpath("schemas/summary.schema.json").read_text()
    rows = {"draws.csv": len(draws), "draws.parquet": len(draws), "meta_summary.csv": len(meta)}
    schemas = {
        "draws.csv": TABLE_SCHEMA_IDS["draws"],
        "draws.parquet": TABLE_SCHEMA_IDS["draws"],
        "meta_summary.csv": TABLE_SCHEMA_IDS["meta_summary"],
        "summary.json": summary["schema"],
        AE_DRAWS_FILE: TABLE_SCHEMA_IDS["draws"],
    }
    if ae_draws is not None:
        rows[AE_DRAWS_FILE] = len(ae_draws)
        manifest["columns"][AE_DRAWS_FILE.removesuffix(".csv")] = DRAWS_COLUMN_DOCS
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
            if harm is not None and ae_draws is not None:
                write_netcdf(harm.datatree, tmp / AE_POSTERIOR_FILE)
                _write_csv(ae_draws, tmp / AE_DRAWS_FILE)
            (tmp / "summary.json").write_text(
                json.dumps(summary, indent=2, allow_nan=False) + "\n", encoding="utf-8"
            )
            (tmp / "summary.schema.json").write_text(schema_text, encoding="utf-8")
            for name in _targets(out, zarr=zarr, harm=harm is not None):
                if name != "export.json":
                    entry = file_entry(tmp / name, schema=schemas.get(name), rows=rows.get(name))
                    manifest["files"][name] = entry
            validate_manifest(manifest)
            (tmp / "export.json").write_text(
                json.dumps(manifest, indent=2, allow_nan=False) + "\n", encoding="utf-8"
            )
    except OutputError:
        raise
    except OSError as err:
        raise OutputError(f"cannot write the export to {out}: {err}") from err
    exported = FitResult(tree, fit.record, fit.trial, origin=out)
    return Export(
        path=out, fit=exported, draws=draws, meta_summary=meta, summary=summary, manifest=manifest
    )
