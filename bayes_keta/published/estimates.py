"""Inputs of the summary-level reanalysis: published estimates, read and validated.

:func:`read_estimates` turns a CSV or frame of published contrasts into the likelihood
inputs (centre ``lik_mean``, ``se``, favoured arm, sign); the choice of centre and of the
favoured arm is explained in :mod:`bayes_keta.published.reanalysis`. :func:`embedded_rows`
and :func:`read_rows` give KETAPAIN's embedded rows, a row whose sign contradicts the arm
means in both readings (:mod:`bayes_keta.published.orientation`).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from scipy import stats

from bayes_keta.constants import DEFAULT_REFERENCE
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.published.orientation import OrientationCheck, check_orientation, read_both_ways

__all__ = ["Z95", "embedded_rows", "published_estimates", "read_estimates", "read_rows"]

#: Normal quantile of the *input* 95% CI columns (``lo95``/``hi95`` are 95% by definition).
Z95: float = float(stats.norm.ppf(0.975))


def published_estimates() -> pd.DataFrame:
    """Return the embedded KETAPAIN effect sizes as an estimates table (as published).

    Examples
    --------
    >>> published_estimates()[["active", "reference"]].iloc[0].tolist()
    ['ketamine', 'placebo']
    """
    from bayes_keta.data.published import ketapain_published

    return ketapain_published().contrasts[
        ["active", "reference", "scale", "estimate", "lo95", "hi95"]
    ]


def _num(value: Any) -> float:
    """Parse a cell: NaN when empty/missing; +inf when present but not a number.

    Every check below treats a non-finite value as invalid and a NaN as "not given", so a
    malformed cell is reported rather than silently treated as missing.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan if pd.isna(value) else math.inf


def read_estimates(
    source: str | Path | pd.DataFrame,
    *,
    reference_label: str = DEFAULT_REFERENCE,
    centre: Literal["fit", "published"] = "fit",
) -> pd.DataFrame:
    """Read and validate summary estimates; derive the SE and the favoured arm of each row.

    Parameters
    ----------
    source : str, Path or pandas.DataFrame
        CSV path (lines starting with ``#`` are comments) or a frame with columns ``active``,
        ``reference``, ``scale``, ``estimate`` and either ``lo95`` + ``hi95`` or ``se``
        (both allowed; ``se`` then wins), optionally ``favoured``.
    reference_label : str
        Label of the placebo/control arm, used by the default favoured-arm rule.
    centre : {"fit", "published"}
        Centre of the normal likelihood for rows given by a CI (see
        :mod:`bayes_keta.published.reanalysis`).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``scale``, ``estimate``, ``lik_mean`` (centre of
        the likelihood), ``se``, ``se_source`` (``"se"`` or ``"ci"``), ``lo95``, ``hi95``,
        ``favoured``, ``sign`` (+1 when the favoured arm is ``active``, -1 when it is
        ``reference``).

    Raises
    ------
    DataError
        Naming every bad row (data rows numbered from 1), or when rows mix scales.

    Examples
    --------
    >>> df = pd.DataFrame({"active": ["a"], "reference": ["placebo"], "scale": ["smd"],
    ...                    "estimate": [-0.3], "se": [0.1]})
    >>> read_estimates(df)["favoured"].tolist()
    ['a']
    """
    if isinstance(source, pd.DataFrame):
        raw, where = source.copy(), "estimates table"
    else:
        path = Path(source)
        where = str(path)
        try:
            raw = pd.read_csv(path, comment="#", dtype=str, skipinitialspace=True)
        except FileNotFoundError:
            raise DataError(f"estimates file not found: {path}") from None
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
            raise DataError(f"cannot parse estimates CSV {path}: {err}") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    missing = [c for c in ("active", "reference", "scale", "estimate") if c not in raw.columns]
    if missing:
        raise DataError(f"{where}: missing column(s) {missing}")
    if "se" not in raw.columns and not {"lo95", "hi95"} <= set(raw.columns):
        raise DataError(f"{where}: needs a 'se' column or both 'lo95' and 'hi95'")
    if raw.empty:
        raise DataError(f"{where}: no rows")
    if centre not in ("fit", "published"):
        raise SpecError(f"centre must be 'fit' or 'published', got {centre!r}")

    rows, problems = [], []
    for i, rec in enumerate(raw.to_dict("records"), start=1):
        issues: list[str] = []
        active = str(rec.get("active") or "").strip()
        reference = str(rec.get("reference") or "").strip()
        scale = str(rec.get("scale") or "").strip().lower()
        if not active or active == "nan" or not reference or reference == "nan":
            issues.append("empty active/reference")
        elif active == reference:
            issues.append(f"active and reference are both {active!r}")
        if not scale or scale == "nan":
            issues.append("empty scale")
        est, se = _num(rec.get("estimate")), _num(rec.get("se"))
        lo, hi = _num(rec.get("lo95")), _num(rec.get("hi95"))
        if not math.isfinite(est):
            issues.append(f"estimate {rec.get('estimate')!r} is not a finite number")
        has_ci = not (math.isnan(lo) and math.isnan(hi))
        if has_ci and not (math.isfinite(lo) and math.isfinite(hi)):
            issues.append("lo95/hi95 must both be finite numbers")
        elif has_ci and lo >= hi:
            issues.append(f"lo95 {lo:g} is not below hi95 {hi:g}")
        elif has_ci and math.isfinite(est) and not lo <= est <= hi:
            issues.append(f"estimate {est:g} lies outside [{lo:g}, {hi:g}]")
        if not math.isnan(se) and not (math.isfinite(se) and se > 0):
            issues.append(f"se {rec.get('se')!r} must be a positive number")
        if math.isnan(se) and not has_ci:
            issues.append("neither se nor lo95/hi95 given")
        favoured = str(rec.get("favoured") or "").strip()
        if favoured in ("", "nan"):
            favoured = _default_favoured(active, reference, reference_label)
        elif favoured not in (active, reference):
            issues.append(f"favoured {favoured!r} is neither {active!r} nor {reference!r}")
        if issues:
            problems.append(f"row {i}: " + "; ".join(issues))
            continue
        ok_se = math.isfinite(se)
        rows.append(
            {
                "active": active,
                "reference": reference,
                "scale": scale,
                "estimate": est,
                "lik_mean": est if ok_se or centre == "published" else (est + lo + hi) / 3,
                "se": se if ok_se else (hi - lo) / (2 * Z95),
                "se_source": "se" if ok_se else "ci",
                "lo95": lo if has_ci else math.nan,
                "hi95": hi if has_ci else math.nan,
                "favoured": favoured,
                "sign": 1 if favoured == active else -1,
            }
        )
    if problems:
        raise DataError(
            f"{where}: bad row(s) (data rows numbered from 1):\n  " + "\n  ".join(problems)
        )
    out = pd.DataFrame(rows)
    if out["scale"].nunique() > 1:
        raise DataError(f"{where}: rows mix scales {sorted(out['scale'].unique())}; use one scale")
    dup = out.duplicated(["active", "reference"], keep=False)
    if dup.any():
        which = sorted({f"{a} vs {r}" for a, r in out.loc[dup, ["active", "reference"]].values})
        raise DataError(f"{where}: duplicated contrast(s) {which}")
    return out


def _default_favoured(active: str, reference: str, reference_label: str) -> str:
    if active == reference_label and reference != reference_label:
        return reference
    return active


def embedded_rows() -> tuple[pd.DataFrame, tuple[OrientationCheck, ...]]:
    """Return KETAPAIN's published rows, flagged ones in both readings (arm means first).

    Returns
    -------
    rows : pandas.DataFrame
        The published rows with ``published_estimate``, ``reading``, ``inconsistent`` and
        ``default`` (see :func:`bayes_keta.published.orientation.read_both_ways`).
    checks : tuple of OrientationCheck
        One orientation check per published row.

    Examples
    --------
    >>> rows, checks = embedded_rows()
    >>> rows["reading"].tolist()
    ['published', 'arm_means', 'as_printed', 'published']
    >>> [c.consistent for c in checks]
    [True, False, True]
    """
    from bayes_keta.data.published import ketapain_published

    pub = ketapain_published()
    rows = published_estimates()
    checks = check_orientation(
        rows, dict(zip(pub.arms["treatment"], pub.arms["auc_mean"], strict=True))
    )
    return read_both_ways(rows, checks), checks


def read_rows(rows: pd.DataFrame, **options: Any) -> pd.DataFrame:
    """:func:`read_estimates` of the default rows, then of the alternative readings, joined.

    Parameters
    ----------
    rows : pandas.DataFrame
        Rows as :func:`embedded_rows` returns them.
    **options
        Passed to :func:`read_estimates` (``reference_label``, ``centre``).

    Returns
    -------
    pandas.DataFrame
        The validated estimates, default readings first, with the reading columns kept.

    Examples
    --------
    >>> rows, _ = embedded_rows()
    >>> read_rows(rows)[["reading", "default"]].values.tolist()
    [['published', True], ['arm_means', True], ['published', True], ['as_printed', False]]
    """
    extra = ["published_estimate", "reading", "inconsistent", "default"]
    parts = [
        read_estimates(part.drop(columns=extra).reset_index(drop=True), **options).assign(
            **{c: part[c].to_numpy() for c in extra}
        )
        for part in (rows[rows["default"]], rows[~rows["default"]])
        if len(part)
    ]
    return pd.concat(parts, ignore_index=True)
