"""Schemas of the exported files: pandera for the tables, JSON Schema for ``export.json``.

The pandera schemas (:func:`draws_schema`, :func:`meta_summary_schema`) are built on first use
so that importing :mod:`bayes_keta` does not import pandera.

Both tables end with the :data:`~bayes_keta.export.draws.DATA_COLUMNS` (``data_name``,
``data_sha256``, ``synthetic``, ``model``), required on every row and the same on every row of
one file. The CSV files are plain: the header row first, no comment lines (version 2 of the
table schemas; version 1 started with ``#`` provenance lines).

Every table is validated before it is written (and again when it is read back); a failure is
an :class:`~bayes_keta.exceptions.OutputError` naming the file and the failed checks.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.estimands import scale_labels
from bayes_keta.exceptions import OutputError
from bayes_keta.export.adverse_events import AE_ESTIMANDS
from bayes_keta.export.draws import DATA_COLUMNS, DRAWS_COLUMNS, SMD_ESTIMAND
from bayes_keta.export.meta_summary import HI, LO, META_COLUMNS

__all__ = [
    "EXPORT_SCHEMA_ID",
    "TABLE_SCHEMA_IDS",
    "draws_schema",
    "load_export_schema",
    "meta_summary_schema",
    "validate_manifest",
    "validate_table",
]

#: Value of ``export.json``'s ``schema`` key.
EXPORT_SCHEMA_ID = "bayes_keta.export/1"
#: Schema identifiers of the tables (in the manifest and the Parquet metadata).
TABLE_SCHEMA_IDS = {"draws": "bayes_keta.draws/2", "meta_summary": "bayes_keta.meta_summary/2"}

_SCALE_OF = {**scale_labels(), SMD_ESTIMAND: SMD_ESTIMAND, **AE_ESTIMANDS}


def _label_checks(pa: Any) -> list[Any]:
    return [
        pa.Check(
            lambda df: df["contrast"] == df["active"] + " - " + df["reference"],
            name="contrast == active - reference",
        ),
        pa.Check(
            lambda df: df["scale"] == df["estimand"].map(_SCALE_OF),
            name="scale matches estimand",
        ),
    ]


def _text(pa: Any, **kw: Any) -> Any:
    return pa.Column(str, checks=pa.Check.str_length(min_value=1), **kw)


def _data_columns(pa: Any, *, one_model: bool = True) -> dict[str, Any]:
    """Columns of :data:`DATA_COLUMNS`: required, and one value per file.

    ``one_model=False``: ``model`` may differ by row (``meta_summary.csv``, whose adverse-event
    rows come from the adverse-event model).
    """
    one = pa.Check(lambda s: s.nunique(dropna=False) <= 1, name="same on every row")
    model = [pa.Check.str_length(min_value=1), *([one] if one_model else [])]
    columns = {
        "data_name": pa.Column(str, [pa.Check.str_length(min_value=1), one]),
        "data_sha256": pa.Column(str, [pa.Check.str_matches(r"^[0-9a-f]{64}$"), one]),
        "synthetic": pa.Column(bool, one),
        "model": pa.Column(str, model),
    }
    assert tuple(columns) == DATA_COLUMNS
    return columns


@cache
def draws_schema() -> Any:
    """Return the pandera schema of ``draws.csv`` / ``draws.parquet`` (built on first use)."""
    import pandera.pandas as pa

    schema = pa.DataFrameSchema(
        {
            "chain": pa.Column(np.int64, pa.Check.ge(0)),
            "draw": pa.Column(np.int64, pa.Check.ge(0)),
            "contrast": _text(pa),
            "active": _text(pa),
            "reference": _text(pa),
            "estimand": pa.Column(str, pa.Check.isin(sorted(_SCALE_OF))),
            "scale": pa.Column(str, pa.Check.isin(sorted(set(_SCALE_OF.values())))),
            "value": pa.Column(np.float64, pa.Check(np.isfinite, name="finite")),
            **_data_columns(pa),
        },
        checks=_label_checks(pa),
        strict=True,
        ordered=True,
        unique=["chain", "draw", "contrast", "estimand"],
        name=TABLE_SCHEMA_IDS["draws"],
        description="Tidy posterior draws of every contrast x scalar estimand.",
    )
    assert tuple(schema.columns) == DRAWS_COLUMNS
    return schema


@cache
def meta_summary_schema() -> Any:
    """Return the pandera schema of ``meta_summary.csv`` (built on first use)."""
    import pandera.pandas as pa

    finite = pa.Check(np.isfinite, name="finite")
    nullable = {"dtype": np.float64, "nullable": True}
    schema = pa.DataFrameSchema(
        {
            "active": _text(pa),
            "reference": _text(pa),
            "estimand": pa.Column(str, pa.Check.isin(sorted(_SCALE_OF))),
            "scale": pa.Column(str, pa.Check.isin(sorted(set(_SCALE_OF.values())))),
            "estimate": pa.Column(np.float64, finite),
            "se": pa.Column(np.float64, [finite, pa.Check.ge(0)]),
            LO: pa.Column(np.float64, finite),
            HI: pa.Column(np.float64, finite),
            "lik_estimate": pa.Column(**nullable),
            "lik_se": pa.Column(checks=pa.Check.gt(0), **nullable),
            "approx": _text(pa),
            "lik_reason": pa.Column(str, nullable=True),
            "contrast": _text(pa),
            "median": pa.Column(np.float64, finite),
            "t_df": pa.Column(np.float64, pa.Check.gt(4)),
            "n_draws": pa.Column(np.int64, pa.Check.gt(0)),
            "prior_estimate": pa.Column(**nullable),
            "prior_se": pa.Column(checks=pa.Check.gt(0), **nullable),
            "standardizer": pa.Column(str, nullable=True),
            "standardizer_estimate": pa.Column(checks=pa.Check.gt(0), **nullable),
            **_data_columns(pa, one_model=False),
        },
        checks=[
            *_label_checks(pa),
            pa.Check(
                lambda df: (df[LO] <= df["median"]) & (df["median"] <= df[HI]),
                name="lo95 <= median <= hi95",
            ),
            pa.Check(
                lambda df: df["lik_estimate"].isna() == df["lik_reason"].notna(),
                name="lik_reason given exactly when the likelihood columns are empty",
            ),
            pa.Check(
                lambda df: df["lik_estimate"].isna() == df["lik_se"].isna(),
                name="lik_estimate and lik_se both given or both empty",
            ),
            pa.Check(
                lambda df: (df["estimand"] == SMD_ESTIMAND) == df["standardizer"].notna(),
                name="standardizer given exactly on smd rows",
            ),
        ],
        strict=True,
        ordered=True,
        unique=["active", "reference", "estimand"],
        name=TABLE_SCHEMA_IDS["meta_summary"],
        description="Meta-analysis shaped summary, one row per contrast x estimand.",
    )
    assert tuple(schema.columns) == META_COLUMNS
    return schema


_SCHEMAS = {"draws": draws_schema, "meta_summary": meta_summary_schema}


def validate_table(table: pd.DataFrame, kind: str, *, where: str = "") -> pd.DataFrame:
    """Validate a table against its schema (``kind``: ``"draws"`` or ``"meta_summary"``).

    Raises
    ------
    OutputError
        Listing the failed checks (up to ten).

    Examples
    --------
    >>> validate_table(pd.DataFrame({"x": [1]}), "draws")
    Traceback (most recent call last):
    ...
    bayes_keta.exceptions.OutputError: draws table does not match schema bayes_keta.draws/2: ...
    """
    import pandera.errors

    schema = _SCHEMAS[kind]()
    try:
        return schema.validate(table, lazy=True)
    except (pandera.errors.SchemaErrors, pandera.errors.SchemaError) as err:
        cases = getattr(err, "failure_cases", None)
        if isinstance(cases, pd.DataFrame) and len(cases):
            shown = "; ".join(
                f"{r.get('column')}: {r.get('check')} ({r.get('failure_case')})"
                for r in cases.head(10).to_dict("records")
            )
        else:
            shown = str(err).splitlines()[0]
        label = f"{where}: " if where else ""
        raise OutputError(
            f"{label}{kind} table does not match schema {schema.name}: {shown}"
        ) from None


@cache
def _export_schema_text() -> str:
    return resources.files("bayes_keta").joinpath("schemas/export.schema.json").read_text()


def load_export_schema() -> dict[str, Any]:
    """Return the JSON Schema of ``export.json`` (draft 2020-12), a fresh copy.

    Examples
    --------
    >>> load_export_schema()["properties"]["schema"]["const"]
    'bayes_keta.export/1'
    """
    return json.loads(_export_schema_text())


def validate_manifest(manifest: dict[str, Any]) -> None:
    """Raise :class:`OutputError` if ``export.json`` content breaks its schema."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(load_export_schema())
    errors = sorted(validator.iter_errors(manifest), key=lambda e: list(e.absolute_path))
    messages = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
    try:
        json.dumps(manifest, allow_nan=False)
    except (TypeError, ValueError) as err:
        messages.append(f"<root>: not JSON-serialisable: {err}")
    if messages:
        raise OutputError(
            f"export.json does not match schema {EXPORT_SCHEMA_ID}: " + "; ".join(messages[:10])
        )
