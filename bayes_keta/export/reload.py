"""Reopen an export directory: check every file's sha256, validate, return tables + DataTree."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import xarray as xr

from bayes_keta.exceptions import OutputError
from bayes_keta.export.schemas import validate_manifest, validate_table
from bayes_keta.export.source import decode_attrs
from bayes_keta.summary import read_summary

__all__ = ["ExportedFit", "read_export", "table_provenance"]

_META_TEXT = (
    "active",
    "reference",
    "estimand",
    "scale",
    "approx",
    "lik_reason",
    "contrast",
    "standardizer",
)


@dataclass(frozen=True)
class ExportedFit:
    """An export: the DataTree, the tables, the fit summary and the manifest.

    Attributes
    ----------
    path : Path or None
        The export directory.
    datatree : xarray.DataTree
        ``posterior.nc`` (fit provenance attrs plus ``export_provenance``).
    draws : pandas.DataFrame
        ``draws.parquet`` (columns :data:`bayes_keta.export.DRAWS_COLUMNS`).
    meta_summary : pandas.DataFrame
        ``meta_summary.csv`` (columns :data:`bayes_keta.export.META_COLUMNS`).
    summary : dict
        ``summary.json`` (validated).
    manifest : dict
        ``export.json`` (validated).
    """

    path: Path | None
    datatree: xr.DataTree = field(repr=False)
    draws: pd.DataFrame = field(repr=False)
    meta_summary: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)

    @property
    def record(self) -> dict[str, Any]:
        """The fit's summary.json record (as :class:`bayes_keta.SavedFit` names it)."""
        return self.summary

    @property
    def provenance(self) -> dict[str, Any]:
        """The fit's provenance (DataTree attrs, JSON values decoded)."""
        return decode_attrs(self.datatree.attrs)


def table_provenance(path: str | Path) -> dict[str, Any] | list[str]:
    """Provenance stored inside a table: Parquet schema metadata, or a CSV's ``#`` header.

    Returns
    -------
    dict or list of str
        Parquet: ``{"provenance": ..., "export": ..., "columns": ..., "schema": ...}``
        (decoded JSON); CSV: the header lines without their ``# ``.
    """
    path = Path(path)
    if path.suffix == ".parquet":
        meta = pq.read_schema(path).metadata or {}
        prefix = b"bayes_keta."
        found = {k: v for k, v in meta.items() if k.startswith(prefix)}
        return {k[len(prefix) :].decode(): json.loads(v) for k, v in found.items()}
    lines = []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if not line.startswith("#"):
                break
            lines.append(line[1:].strip())
    return lines


def _check_files(out: Path, manifest: dict[str, Any]) -> None:
    from bayes_keta.export.write import _sha256

    for name, entry in manifest["files"].items():
        path = out / name
        if not path.exists():
            raise OutputError(f"{out}: {name} listed in export.json is missing")
        if _sha256(path) != entry["sha256"]:
            raise OutputError(f"{out}: {name} does not match its sha256 in export.json (modified?)")


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    if list(a.columns) != list(b.columns) or len(a) != len(b):
        return False
    for col in a.columns:
        x, y = a[col].to_numpy(), b[col].to_numpy()
        if x.dtype.kind in "fiu" and y.dtype.kind in "fiu":
            if not np.array_equal(x.astype(float), y.astype(float), equal_nan=True):
                return False
        elif list(map(str, x)) != list(map(str, y)):
            return False
    return True


def _read_meta(path: Path) -> pd.DataFrame:
    table = pd.read_csv(path, comment="#", dtype={c: "str" for c in _META_TEXT})
    table["n_draws"] = table["n_draws"].astype("int64")
    for col in table.columns:
        if col not in _META_TEXT and col != "n_draws":
            table[col] = table[col].astype("float64")
    return table


def read_export(path: str | Path, *, check: bool = True) -> ExportedFit:
    """Reopen an export written by :func:`bayes_keta.export_fit` / ``bayes-keta export``.

    Parameters
    ----------
    path : str or Path
        The export directory.
    check : bool
        Check every file's sha256 against ``export.json``, that ``draws.csv`` equals
        ``draws.parquet``, and that the data hashes of all files agree.

    Returns
    -------
    ExportedFit

    Raises
    ------
    OutputError
        Missing, modified or invalid files, or files that do not belong together.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> exported = bk.read_export("exports/daily")  # doctest: +SKIP
    >>> exported.meta_summary.query("estimand == 'smd'")  # doctest: +SKIP
    """
    out = Path(path)
    try:
        manifest = json.loads((out / "export.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OutputError(f"no export.json in {out}: not an export directory") from None
    except (OSError, json.JSONDecodeError) as err:
        raise OutputError(f"cannot read {out / 'export.json'}: {err}") from err
    validate_manifest(manifest)
    if check:
        _check_files(out, manifest)
    try:
        with xr.open_datatree(out / "posterior.nc", engine="h5netcdf") as handle:
            tree = handle.load()
        draws = pq.read_table(out / "draws.parquet").to_pandas()
        meta = _read_meta(out / "meta_summary.csv")
    except (OSError, ValueError) as err:
        raise OutputError(f"cannot read the export in {out}: {err}") from err
    draws = validate_table(draws, "draws", where=str(out / "draws.parquet"))
    meta = validate_table(meta, "meta_summary", where=str(out / "meta_summary.csv"))
    summary = read_summary(out / "summary.json")
    if check:
        if not _same_table(pd.read_csv(out / "draws.csv", comment="#"), draws):
            raise OutputError(f"{out}: draws.csv and draws.parquet differ")
        hashes = {
            "export.json": manifest["data"]["sha256"],
            "summary.json": summary["data"]["sha256"],
            "posterior.nc": str(tree.attrs.get("data_sha256", manifest["data"]["sha256"])),
        }
        if len(set(hashes.values())) > 1:
            raise OutputError(f"{out}: files describe different data sets: {hashes}")
    return ExportedFit(
        path=out, datatree=tree, draws=draws, meta_summary=meta, summary=summary, manifest=manifest
    )
