"""Reading and writing tables by file extension, with clear errors instead of tracebacks.

Supported: CSV (``.csv``, ``.txt``), TSV (``.tsv``), Parquet (``.parquet``, ``.pq``), SAS
(``.sas7bdat``, ``.xpt``) and Stata (``.dta``) natively; Excel (``.xlsx``, ``.xls``) when
``openpyxl`` is installed; SPSS (``.sav``, ``.zsav``) when ``pyreadstat`` is installed.
Text tables are read as strings so that the validator sees the cells exactly as written.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd

from bayes_keta.exceptions import DataError, OutputError
from bayes_keta.outputs import atomic_write, refuse_existing

__all__ = ["READERS", "WRITERS", "read_table", "write_table"]

#: Extension -> reader kind.
READERS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".xlsx": "excel",
    ".xls": "excel",
    ".sav": "spss",
    ".zsav": "spss",
    ".sas7bdat": "sas",
    ".xpt": "sas",
    ".dta": "stata",
}

#: Extension -> writer kind.
WRITERS: dict[str, str] = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}

_NEEDS = {"excel": "openpyxl", "spss": "pyreadstat"}


def read_table(path: str | Path) -> pd.DataFrame:
    r"""Read a data table from a file, choosing the reader by extension.

    Parameters
    ----------
    path : str or Path
        File to read.

    Returns
    -------
    pandas.DataFrame
        The table as read; text formats keep every cell as a string (missing as NaN).

    Raises
    ------
    DataError
        Nonexistent path, a directory, unknown extension, a reader package not installed,
        an empty, binary or otherwise unreadable file.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> _ = p.write_text("subject,pain\n1,5\n")
    >>> read_table(p).to_dict("list")
    {'subject': ['1'], 'pain': ['5']}
    """
    path = Path(path)
    if not path.exists():
        raise DataError(f"data file {str(path)!r} does not exist")
    if not path.is_file():
        raise DataError(f"{str(path)!r} is not a file")
    kind = READERS.get(path.suffix.lower())
    if kind is None:
        raise DataError(
            f"{str(path)!r}: unknown file type {path.suffix or '(no extension)'!r};"
            f" supported extensions: {', '.join(READERS)}"
        )
    package = _NEEDS.get(kind)
    if package and importlib.util.find_spec(package) is None:
        raise DataError(
            f"{str(path)!r}: reading {path.suffix} files needs the {package!r} package;"
            f" install it (pip install {package}) or save the data as CSV or Parquet"
        )
    if path.stat().st_size == 0:
        raise DataError(f"{str(path)!r} is empty")
    if kind in ("csv", "tsv"):
        return _read_text(path, sep="\t" if kind == "tsv" else ",")
    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        if kind == "excel":
            return pd.read_excel(path, dtype=str)
        if kind == "spss":
            return pd.read_spss(path)
        if kind == "sas":
            return pd.read_sas(path)
        return pd.read_stata(path)
    except Exception as err:  # readers raise many types on junk input
        raise DataError(
            f"{str(path)!r} is not a readable {kind} table ({type(err).__name__}: {err})"
        ) from None


def _read_text(path: Path, *, sep: str) -> pd.DataFrame:
    head = path.read_bytes()[:8192]
    if b"\x00" in head:
        raise DataError(f"{str(path)!r} is binary, not a text table")
    try:
        return pd.read_csv(path, sep=sep, dtype=str, encoding="utf-8-sig", skipinitialspace=True)
    except UnicodeDecodeError:
        raise DataError(f"{str(path)!r} is not UTF-8 text; re-save it as UTF-8 CSV") from None
    except pd.errors.EmptyDataError:
        raise DataError(f"{str(path)!r} has no columns (empty table)") from None
    except (pd.errors.ParserError, ValueError) as err:
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise DataError(f"{str(path)!r} is not a well-formed table: {message}") from None


def write_table(frame: pd.DataFrame, path: str | Path, *, force: bool = False) -> Path:
    r"""Write a table as CSV or Parquet (by extension), refusing to overwrite unless forced.

    The file appears only when complete (:func:`bayes_keta.outputs.atomic_write`).

    CSV numbers are written with ``%.10g`` (integers without a trailing ``.0``; missing as an
    empty cell). Parquet keeps ``frame.attrs`` (e.g. the synthetic marker).

    Parameters
    ----------
    frame : pandas.DataFrame
        Table to write.
    path : str or Path
        Output file, ``.csv``, ``.parquet`` or ``.pq``.
    force : bool
        Overwrite an existing file.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputError
        Unknown extension, existing file without ``force``, or an unwritable location.

    Examples
    --------
    >>> import pathlib, tempfile, pandas as pd
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.csv"
    >>> write_table(pd.DataFrame({"day": [1, 2], "pain": [5.0, None]}), p).read_text()
    'day,pain\n1,5\n2,\n'
    """
    path = Path(path)
    kind = WRITERS.get(path.suffix.lower())
    if kind is None:
        raise OutputError(
            f"{str(path)!r}: cannot write {path.suffix or '(no extension)'!r} files;"
            f" use one of {', '.join(WRITERS)}"
        )
    refuse_existing([path], force=force)

    def write(tmp: Path) -> None:
        if kind == "csv":
            frame.to_csv(tmp, index=False, float_format="%.10g", lineterminator="\n")
        else:
            frame.to_parquet(tmp, index=False)

    return atomic_write(path, write)
