"""Reopen an export directory: check every file's sha256, validate, return the fit + tables."""

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
from bayes_keta.export.manifest import check_files
from bayes_keta.export.schemas import validate_manifest, validate_table
from bayes_keta.fitting.result import FitResult
from bayes_keta.summary import read_summary

__all__ = ["Export", "read_export"]

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
class Export:
    """An export reopened: the fit, the tables, the fit's summary and the manifest.

    Attributes
    ----------
    path : Path or None
        The export directory.
    fit : FitResult
        ``posterior.nc`` reopened as a fit (its record, plus ``export_provenance`` in the
        DataTree attrs).
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
    fit: FitResult = field(repr=False)
    draws: pd.DataFrame = field(repr=False)
    meta_summary: pd.DataFrame = field(repr=False)
    summary: dict[str, Any] = field(repr=False)
    manifest: dict[str, Any] = field(repr=False)

    @property
    def provenance(self) -> dict[str, Any]:
        """The fit's provenance (:meth:`bayes_keta.fitting.FitRecord.provenance`)."""
        return self.fit.record.provenance()


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


def read_export(path: str | Path, *, check: bool = True) -> Export:
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
    Export
        ``.fit`` is the exported fit (a :class:`~bayes_keta.fitting.result.FitResult`).

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
        check_files(out, manifest)
    try:
        with xr.open_datatree(out / "posterior.nc", engine="h5netcdf") as handle:
            tree = handle.load()
        draws = pq.read_table(out / "draws.parquet").to_pandas()
        meta = _read_table_csv(out / "meta_summary.csv")
    except (OSError, ValueError) as err:
        raise OutputError(f"cannot read the export in {out}: {err}") from err
    try:
        fit = FitResult.from_tree(tree, origin=out)
    except OutputError as err:
        raise OutputError(f"{out / 'posterior.nc'}: {err}") from err
    draws = validate_table(draws, "draws", where=str(out / "draws.parquet"))
    meta = validate_table(meta, "meta_summary", where=str(out / "meta_summary.csv"))
    summary = read_summary(out / "summary.json")
    if check:
        if not _same_table(_read_table_csv(out / "draws.csv"), draws):
            raise OutputError(f"{out}: draws.csv and draws.parquet differ")
        hashes = {
            "export.json": manifest["data"]["sha256"],
            "summary.json": summary["data"]["sha256"],
            "posterior.nc": fit.record.data.sha256,
            "draws.parquet": str(draws["data_sha256"].iloc[0]),
            "meta_summary.csv": str(meta["data_sha256"].iloc[0]),
        }
        if len(set(hashes.values())) > 1:
            raise OutputError(f"{out}: files describe different data sets: {hashes}")
    return Export(
        path=out, fit=fit, draws=draws, meta_summary=meta, summary=summary, manifest=manifest
    )
