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

#: Text columns of the exported tables (read as text whatever they look like).
_TEXT = (
    "contrast",
    "active",
    "reference",
    "estimand",
    "scale",
    "approx",
    "lik_reason",
    "standardizer",
    "data_name",
    "data_sha256",
    "model",
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


def _read_table_csv(path: str | Path) -> pd.DataFrame:
    """Read an exported CSV (``draws.csv``, ``meta_summary.csv``) with the dtypes of its schema.

    Plain ``pandas.read_csv(path)`` reads these files too; this only pins the dtypes (text
    columns stay text even when a value looks like a number, ``n_draws``/``chain``/``draw``
    are int64, other numbers float64) so the table validates against its schema.
    """
    table = pd.read_csv(
        path, dtype={c: "str" for c in _TEXT}, keep_default_na=False, na_values=[""]
    )
    for col in table.columns:
        if col in ("chain", "draw", "n_draws"):
            table[col] = table[col].astype("int64")
        elif col == "synthetic":
            table[col] = table[col].map(_parse_bool)
        elif col not in _TEXT:
            table[col] = table[col].astype("float64")
    return table


def _parse_bool(value: Any) -> Any:
    text = str(value).strip().lower()
    return {"true": True, "false": False}.get(text, value)


def read_export(path: str | Path, *, check: bool = True) -> ExportedFit:
    """Reopen an export written by :func:`bayes_keta.export_fit` / ``bayes-keta export``.

    Parameters
    ----------
    path : str or Path
        The export directory.
    check : bool
        Check every file's sha256 against ``export.json``, that ``draws.csv`` equals
        ``draws.parquet``, and that the data hashes of all files (the ``data_sha256`` column
        of the tables included) agree.

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
        meta = _read_table_csv(out / "meta_summary.csv")
    except (OSError, ValueError) as err:
        raise OutputError(f"cannot read the export in {out}: {err}") from err
    draws = validate_table(draws, "draws", where=str(out / "draws.parquet"))
    meta = validate_table(meta, "meta_summary", where=str(out / "meta_summary.csv"))
    summary = read_summary(out / "summary.json")
    if check:
        if not _same_table(_read_table_csv(out / "draws.csv"), draws):
            raise OutputError(f"{out}: draws.csv and draws.parquet differ")
        hashes = {
            "export.json": manifest["data"]["sha256"],
            "summary.json": summary["data"]["sha256"],
            "posterior.nc": str(tree.attrs.get("data_sha256", manifest["data"]["sha256"])),
            "draws.parquet": str(draws["data_sha256"].iloc[0]),
            "meta_summary.csv": str(meta["data_sha256"].iloc[0]),
        }
        if len(set(hashes.values())) > 1:
            raise OutputError(f"{out}: files describe different data sets: {hashes}")
    return ExportedFit(
        path=out, datatree=tree, draws=draws, meta_summary=meta, summary=summary, manifest=manifest
    )
