"""Trial-level inputs of the meta-analysis: one estimate and standard error per trial.

Two file layouts are read (lines starting with ``#`` are comments; other ``#`` characters are
data):

* **Trial table**: ``trial, estimate`` and either ``se`` or ``lo95, hi95``, plus ``scale``
  (or the ``scale`` option); optional ``active``, ``reference`` (used to filter when the
  options are given) and any other columns (ignored). One row per trial.
* **bayes_keta export** (``meta_summary.csv`` written by ``bayes-keta export``): columns
  ``active, reference, estimand, scale, estimate, se, lo95, hi95`` and, when available,
  likelihood-only approximation columns ``lik_estimate, lik_se``. One file = one trial (or
  one row per trial when it has a ``trial`` column, e.g. several exports concatenated); the
  row is chosen with ``estimand``/``active``/``reference``. The likelihood-only columns are
  **preferred** when present: the posterior summary already contains the trial's own prior,
  and pooling it would count that prior once per trial. The trial's label is its ``trial``
  column if any, else ``<data_name>/<model>`` from the row's ``data_name`` and ``model``
  columns (from the ``export.json`` beside the file when the columns are absent), else the
  parent directory's name (for files named ``meta_summary.csv``), else the file stem. A row
  whose ``synthetic`` column (or sidecar) says True is labelled ``[SYNTHETIC]`` and noted.

Effects are ``active - reference``; negative = the active arm did better. Rows on different
scales are refused.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from bayes_keta.exceptions import DataError

__all__ = ["MetaInputs", "read_meta_inputs", "meta_inputs_from_frame", "Z95"]

#: Normal quantile of the *input* 95% CI columns (``lo95``/``hi95`` are 95% by definition).
Z95: float = 1.959963984540054

_EXPORT_COLUMNS = {"active", "reference", "estimand", "scale", "estimate"}


@dataclass(frozen=True)
class MetaInputs:
    """Validated trial-level estimates on one scale.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per trial: ``trial``, ``estimate``, ``se``, ``scale``, ``basis``
        (``"estimate"``, ``"likelihood-only"``), ``source``.
    scale : str
        The common effect scale.
    notes : tuple of str
        What was chosen and why (shown in the analysis text).
    """

    table: pd.DataFrame
    scale: str
    notes: tuple[str, ...] = ()

    @property
    def k(self) -> int:
        """Number of trials."""
        return len(self.table)


def _num(value: object) -> float:
    try:
        out = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return float("nan")
    return out


def _se_from_row(rec: dict, est_col: str, se_col: str) -> tuple[float, float, str | None]:
    est = _num(rec.get(est_col))
    se = _num(rec.get(se_col))
    if not math.isfinite(est):
        return est, se, f"{est_col} {rec.get(est_col)!r} is not a finite number"
    if math.isfinite(se):
        return est, se, None if se > 0 else f"{se_col} must be > 0, got {se:g}"
    lo, hi = _num(rec.get("lo95")), _num(rec.get("hi95"))
    if math.isfinite(lo) and math.isfinite(hi):
        if not lo < est < hi:
            return est, se, f"need lo95 < estimate < hi95, got {lo:g}, {est:g}, {hi:g}"
        return est, (hi - lo) / (2 * Z95), None
    return est, se, "needs a positive se or finite lo95/hi95"


def meta_inputs_from_frame(
    frame: pd.DataFrame,
    *,
    scale: str | None = None,
    active: str | None = None,
    reference: str | None = None,
    source: str = "table",
) -> MetaInputs:
    """Validate a trial table (see the module docstring) into :class:`MetaInputs`.

    Examples
    --------
    >>> df = pd.DataFrame({"trial": ["A", "B"], "estimate": [-0.3, -0.1], "se": [0.2, 0.1]})
    >>> meta_inputs_from_frame(df, scale="smd").k
    2
    """
    df = frame.copy()
    df.columns = [str(c).strip().lower() for c in df.columns]
    if "quantity" in df.columns and "lik_estimate" not in df.columns:
        raise DataError(
            f"{source}: looks like a meta-analysis *output* (has 'quantity'), not an input"
        )
    missing = [c for c in ("trial", "estimate") if c not in df.columns]
    if missing:
        raise DataError(f"{source}: missing column(s) {missing}")
    if "se" not in df.columns and not {"lo95", "hi95"} <= set(df.columns):
        raise DataError(f"{source}: needs 'se' or both 'lo95' and 'hi95'")
    for col, want in (("active", active), ("reference", reference)):
        if want is not None and col in df.columns:
            df = df[df[col].astype(str).str.strip() == want]
    if df.empty:
        raise DataError(f"{source}: no rows left (active={active!r}, reference={reference!r})")
    if "scale" not in df.columns:
        if scale is None:
            raise DataError(f"{source}: no 'scale' column; give the scale option")
        df["scale"] = scale
    rows, problems = [], []
    for i, rec in enumerate(df.to_dict("records"), start=1):
        est, se, issue = _se_from_row(rec, "estimate", "se")
        trial = str(rec.get("trial") or "").strip()
        if not trial or trial == "nan":
            issue = "empty trial label" if issue is None else f"empty trial label; {issue}"
        if issue:
            problems.append(f"row {i} ({trial or '?'}): {issue}")
            continue
        rows.append(
            {
                "trial": trial,
                "estimate": est,
                "se": se,
                "scale": str(rec["scale"]).strip().lower(),
                "basis": "estimate",
                "source": source,
            }
        )
    if problems:
        raise DataError(
            f"{source}: bad row(s) (data rows numbered from 1):\n  " + "\n  ".join(problems)
        )
    return _finish(pd.DataFrame(rows), scale, ())


def _truthy(value: object) -> bool:
    """Return True for ``True`` and the texts ``true``/``1``/``yes`` (any case)."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    return str(value).strip().lower() in {"true", "1", "yes"}


def _sidecar_facts(path: Path) -> dict[str, object]:
    """Return the data facts in the ``export.json`` beside ``path`` (empty if none).

    Used for exports whose table lacks the ``data_name``/``synthetic``/``model`` columns;
    the manifest must list ``path``'s file name.
    """
    try:
        manifest = json.loads((path.parent / "export.json").read_text(encoding="utf-8"))
        if path.name not in manifest["files"]:
            return {}
        data = manifest["data"]
        model = manifest.get("provenance", {}).get("spec_name")
        facts: dict[str, object] = {"data_name": data["name"], "synthetic": data["synthetic"]}
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError):
        return {}
    if model:
        facts["model"] = model
    return facts


def _row_facts(rec: dict, sidecar: dict[str, object]) -> tuple[str | None, bool]:
    """``(label, synthetic)`` of an export row from its data columns, else the sidecar."""
    name = rec.get("data_name", sidecar.get("data_name"))
    model = rec.get("model", sidecar.get("model"))
    synthetic = _truthy(rec.get("synthetic", sidecar.get("synthetic", False)))
    if name is None or pd.isna(name) or not str(name).strip():
        return None, synthetic
    label = str(name).strip()
    if model is not None and not pd.isna(model) and str(model).strip():
        label = f"{label}/{str(model).strip()}"
    return label, synthetic


def _why_no_lik(rec: dict, *, has_lik: bool, prefer: bool) -> str:
    """Why an export row's likelihood-only columns were not used (its ``lik_reason`` if any).

    Examples
    --------
    >>> _why_no_lik({"lik_reason": "a ratio"}, has_lik=True, prefer=True)
    'likelihood-only columns empty: a ratio'
    """
    if not prefer:
        return "likelihood-only columns not preferred"
    if not has_lik:
        return "no likelihood-only columns"
    reason = rec.get("lik_reason")
    if reason is None or pd.isna(reason) or not str(reason).strip():
        return "likelihood-only columns empty"
    return f"likelihood-only columns empty: {str(reason).strip()}"


def _read_export(
    path: Path,
    df: pd.DataFrame,
    *,
    estimand: str | None,
    active: str | None,
    reference: str | None,
    prefer_likelihood: bool,
) -> tuple[list[dict], list[str]]:
    sel = df
    for col, want in (("estimand", estimand), ("active", active), ("reference", reference)):
        if want is not None:
            sel = sel[sel[col].astype(str).str.strip() == want]
    has_trial = "trial" in df.columns
    per_trial = sel["trial"].astype(str).duplicated().any() if has_trial else len(sel) > 1
    if sel.empty or per_trial:
        combos = sorted(
            {
                f"--estimand {e} --active {a} --reference {r}"
                for e, a, r in df[["estimand", "active", "reference"]].astype(str).values
            }
        )
        raise DataError(
            f"{path}: {len(sel)} rows match (estimand={estimand!r}, active={active!r},"
            f" reference={reference!r}) where one per trial is needed; choose one of:\n  "
            + "\n  ".join(combos)
        )
    has_lik = {"lik_estimate", "lik_se"} <= set(df.columns)
    sidecar = {} if {"data_name", "synthetic"} <= set(df.columns) else _sidecar_facts(path)
    rows, notes, problems = [], [], []
    for rec in sel.to_dict("records"):
        label, synthetic = _row_facts(rec, sidecar)
        if has_trial:
            trial = str(rec["trial"]).strip()
        elif label is not None:  # a bayes_keta export: its data set and model
            trial = label
        elif path.name == "meta_summary.csv" and path.resolve().parent.name:
            trial = path.resolve().parent.name
        else:
            trial = path.stem
        if synthetic:
            trial = f"{trial} [SYNTHETIC]"
            notes.append(f"{trial}: SYNTHETIC DATA (simulated subjects, not patients)")
        use_lik = (
            prefer_likelihood
            and has_lik
            and math.isfinite(_num(rec.get("lik_estimate")))
            and math.isfinite(_num(rec.get("lik_se")))
        )
        est_col, se_col = ("lik_estimate", "lik_se") if use_lik else ("estimate", "se")
        est, se, issue = _se_from_row(rec, est_col, se_col)
        if issue:
            problems.append(f"{trial}: {issue}")
            continue
        notes.append(
            f"{trial}: used the likelihood-only columns lik_estimate/lik_se of {path.name}"
            " (avoids counting the trial's own prior in the pooling)"
            if use_lik
            else f"{trial}: used the posterior summary estimate/se of {path.name}"
            f" ({_why_no_lik(rec, has_lik=has_lik, prefer=prefer_likelihood)}): the trial's"
            " own prior is part of its input"
        )
        rows.append(
            {
                "trial": trial,
                "estimate": est,
                "se": se,
                "scale": str(rec["scale"]).strip().lower(),
                "basis": "likelihood-only" if use_lik else "estimate",
                "source": str(path),
            }
        )
    if problems:
        raise DataError(f"{path}: bad row(s):\n  " + "\n  ".join(problems))
    return rows, notes


def _read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV input, dropping whole lines that start with ``#`` (comments)."""
    text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is not part of a name
    kept = [line for line in text.splitlines(keepends=True) if not line.lstrip().startswith("#")]
    labels = {c: str for c in ("trial", "data_name", "data_sha256", "model")}  # text as is
    return pd.read_csv(io.StringIO("".join(kept)), skipinitialspace=True, dtype=labels)


def _finish(table: pd.DataFrame, scale: str | None, notes: Iterable[str]) -> MetaInputs:
    scales = sorted(table["scale"].unique())
    if len(scales) > 1:
        per = table.groupby("scale")["trial"].apply(list).to_dict()
        raise DataError(f"inputs mix scales {per}; a meta-analysis needs one scale")
    if scale is not None and scales[0] != scale.strip().lower():
        raise DataError(f"inputs are on scale {scales[0]!r}, not the requested {scale!r}")
    dup = table["trial"][table["trial"].duplicated()].tolist()
    if dup:
        raise DataError(f"duplicated trial label(s) {sorted(set(dup))}; labels must be unique")
    if not np.all(np.isfinite(table[["estimate", "se"]].to_numpy())):
        raise DataError("non-finite estimate or se")
    return MetaInputs(table.reset_index(drop=True), scales[0], tuple(notes))


def read_meta_inputs(
    paths: str | Path | Sequence[str | Path],
    *,
    scale: str | None = None,
    estimand: str | None = None,
    active: str | None = None,
    reference: str | None = None,
    prefer_likelihood: bool = True,
) -> MetaInputs:
    """Read trial tables and/or ``bayes_keta`` exports into one :class:`MetaInputs`.

    Parameters
    ----------
    paths : path or sequence of paths
        CSV files, in either layout of the module docstring.
    scale : str, optional
        Required scale (and the scale of trial tables without a ``scale`` column).
    estimand, active, reference : str, optional
        Select the row of each export file (and filter trial tables by active/reference).
    prefer_likelihood : bool
        Use ``lik_estimate``/``lik_se`` of exports when present (default True).

    Returns
    -------
    MetaInputs

    Raises
    ------
    DataError
        Unreadable file, bad rows (named), ambiguous export rows, mixed scales, duplicated
        trial labels.

    Examples
    --------
    >>> from importlib import resources
    >>> path = resources.files("bayes_keta.data") / "files/meta_example_illustrative.csv"
    >>> read_meta_inputs([path]).scale
    'smd'
    """
    if isinstance(paths, str | Path):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise DataError("no input files")
    rows: list[dict] = []
    notes: list[str] = []
    frames: list[pd.DataFrame] = []
    for path in paths:
        try:
            df = _read_csv(path)
        except FileNotFoundError:
            raise DataError(f"input file not found: {path}") from None
        except OSError as err:
            raise DataError(f"cannot read {path}: {err.strerror or err}") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DataError(f"cannot parse {path}: {err}") from None
        df.columns = [str(c).strip().lower() for c in df.columns]
        if _EXPORT_COLUMNS <= set(df.columns):
            new_rows, new_notes = _read_export(
                path,
                df,
                estimand=estimand,
                active=active,
                reference=reference,
                prefer_likelihood=prefer_likelihood,
            )
            rows += new_rows
            notes += new_notes
        else:
            frames.append(
                meta_inputs_from_frame(
                    df, scale=scale, active=active, reference=reference, source=str(path)
                ).table
            )
    parts = ([pd.DataFrame(rows)] if rows else []) + frames
    table = pd.concat(parts, ignore_index=True)
    return _finish(table, scale, notes)
