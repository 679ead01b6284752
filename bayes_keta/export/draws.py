"""Tidy (long) draws of every contrast and scalar estimand: one row per draw.

Columns of ``draws.csv`` / ``draws.parquet`` (:data:`DRAWS_COLUMNS`):

===========  ==========================================================================
chain        chain index (int)
draw         draw index within the chain (int)
contrast     ``"<active> - <reference>"``
active       active arm of the contrast
reference    reference arm of the contrast
estimand     ``mean_daily_difference``, ``auc_difference``, ``week_1``, ``day_7`` ...
             ``day_28``, ``relative_change_pct`` (see :mod:`bayes_keta.estimands`) and
             ``smd`` (``mean_daily_difference`` / standardizer, see
             :mod:`bayes_keta.export.standardizer`)
scale        ``nrs`` (NRS points), ``auc`` (pain score-days), ``percent``, ``smd``
value        the draw (active - reference: negative = less pain = benefit)
data_name    name of the data set fitted (:data:`DATA_COLUMNS`: on every row, so that a
data_sha256  row copied, filtered or concatenated with other trials' rows keeps where it
synthetic    came from): its name, the sha256 of its validated table, whether it is
model        SYNTHETIC (simulated subjects, not patients), and the model spec's name
===========  ==========================================================================

Rows are sorted by contrast, estimand (reporting order), chain, draw. Scalar estimands only:
the by-day difference curves stay in ``posterior.nc`` (``bayes_keta.by_day(tree)`` rebuilds
them) so that the tidy file keeps one value per draw, contrast and estimand.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.estimands import contrast_draws, estimand_names
from bayes_keta.export.source import FitView, fit_view
from bayes_keta.export.standardizer import Standardizer, smd_standardizer

__all__ = [
    "DATA_COLUMNS",
    "DRAWS_COLUMNS",
    "SMD_ESTIMAND",
    "data_columns",
    "estimand_draws",
    "tidy_draws",
    "view_standardizer",
    "with_data_columns",
]

#: Provenance columns on every row of every exported table (last, in this order).
DATA_COLUMNS: tuple[str, ...] = ("data_name", "data_sha256", "synthetic", "model")

#: Column order of the tidy draws table.
DRAWS_COLUMNS: tuple[str, ...] = (
    "chain",
    "draw",
    "contrast",
    "active",
    "reference",
    "estimand",
    "scale",
    "value",
    *DATA_COLUMNS,
)

#: Name (and scale) of the standardized-mean-difference estimand.
SMD_ESTIMAND: str = "smd"


def view_standardizer(view: FitView, n_days: int) -> Standardizer:
    """Return the SMD standardizer of a fit view (see :func:`smd_standardizer`)."""
    observed = view.provenance.get("observed_variable")
    return smd_standardizer(
        view.datatree,
        n_days=n_days,
        spec=view.spec,
        observed=observed if isinstance(observed, str) else None,
    )


def data_columns(view: FitView) -> dict[str, Any]:
    """Values of :data:`DATA_COLUMNS` for a fit: from its ``summary.json``, else its attrs.

    Unknown values (a bare DataTree without provenance attrs) are ``None``; an export refuses
    them (its schema requires every data column).

    Examples
    --------
    >>> am = xr.DataArray(np.zeros((1, 2, 2, 3)), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": [1, 2, 3]})
    >>> tree = xr.DataTree(xr.Dataset(attrs={"data_name": "mine", "data_synthetic": "false"}))
    >>> tree["posterior"] = xr.Dataset({"arm_mean": am})
    >>> data_columns(fit_view(tree))
    {'data_name': 'mine', 'data_sha256': None, 'synthetic': False, 'model': None}
    """
    data = (view.record or {}).get("data") or {}
    model = (view.record or {}).get("model") or {}
    attrs = view.provenance
    synthetic = data.get("synthetic", attrs.get("data_synthetic"))
    if isinstance(synthetic, str):  # attrs written as text
        synthetic = {"true": True, "false": False}.get(synthetic.strip().lower())
    return {
        "data_name": data.get("name", attrs.get("data_name")),
        "data_sha256": data.get("sha256", attrs.get("data_sha256")),
        "synthetic": None if synthetic is None else bool(synthetic),
        "model": model.get("name", attrs.get("spec_name")),
    }


def with_data_columns(table: pd.DataFrame, view: FitView) -> pd.DataFrame:
    """Append the :data:`DATA_COLUMNS` of ``view`` to ``table`` (same value on every row).

    Examples
    --------
    >>> view = FitView(xr.DataTree(), None, {}, {}, {"data_synthetic": True}, None, "python")
    >>> with_data_columns(pd.DataFrame({"value": [0.1, 0.2]}), view)["synthetic"].tolist()
    [True, True]
    """
    n = len(table)
    columns: dict[str, Any] = {}
    for name, value in data_columns(view).items():
        if name == "synthetic" and value is None:
            columns[name] = pd.array([pd.NA] * n, dtype="boolean")
        elif name == "synthetic":
            columns[name] = np.full(n, value, dtype=bool)
        else:
            columns[name] = np.full(n, None if value is None else str(value), dtype=object)
    out = table.assign(**columns)
    out.attrs = dict(table.attrs)
    return out


def estimand_draws(source: Any, *, reference: str | None = None, smd: bool = True) -> xr.Dataset:
    """Draws of every scalar estimand, plus ``smd`` when the standardizer is defined.

    Parameters
    ----------
    source : FitResult, SavedFit, fit directory, DataTree or FitView
        The fit.
    reference : str, optional
        Reference arm (default: the fit's).
    smd : bool
        Add the ``smd`` variable (``mean_daily_difference / standardizer``).

    Returns
    -------
    xarray.Dataset
        :func:`bayes_keta.contrast_draws` output (dims ``chain, draw, contrast``), plus
        ``smd`` (attrs ``scale="smd"``, ``standardizer``) when defined; dataset attrs add
        ``smd_reason`` when it is not.
    """
    view = fit_view(source, reference=reference)
    ds = contrast_draws(view.datatree, reference=view.reference)
    if not smd:
        return ds
    std = view_standardizer(view, int(ds.attrs["n_days"]))
    if std.draws is None:
        ds.attrs["smd_reason"] = std.reason or "undefined"
        return ds
    value = ds["mean_daily_difference"] / std.draws
    value.attrs = {"scale": SMD_ESTIMAND, "units": "SD units", "standardizer": std.definition}
    return ds.assign({SMD_ESTIMAND: value.transpose("chain", "draw", "contrast")})


def _long(ds: xr.Dataset) -> pd.DataFrame:
    names = [n for n in (*estimand_names(), SMD_ESTIMAND) if n in ds.data_vars]
    chains = ds["chain"].to_numpy().astype(np.int64)
    draws = ds["draw"].to_numpy().astype(np.int64)
    chain_col = np.repeat(chains, draws.size)
    draw_col = np.tile(draws, chains.size)
    n = chain_col.size
    parts = []
    for i, contrast in enumerate(ds["contrast"].to_numpy()):
        active = str(ds["active"].to_numpy()[i])
        ref = str(ds["reference"].to_numpy()[i])
        for name in names:
            values = ds[name].transpose("chain", "draw", "contrast").to_numpy()[:, :, i]
            parts.append(
                pd.DataFrame(
                    {
                        "chain": chain_col,
                        "draw": draw_col,
                        "contrast": np.full(n, str(contrast), dtype=object),
                        "active": np.full(n, active, dtype=object),
                        "reference": np.full(n, ref, dtype=object),
                        "estimand": np.full(n, name, dtype=object),
                        "scale": np.full(n, ds[name].attrs["scale"], dtype=object),
                        "value": values.reshape(-1).astype(np.float64),
                    }
                )
            )
    table = pd.concat(parts, ignore_index=True)
    for col in ("contrast", "active", "reference", "estimand", "scale"):
        table[col] = table[col].astype(str)
    return table


def tidy_draws(source: Any, *, reference: str | None = None, smd: bool = True) -> pd.DataFrame:
    """Long table of the draws of every contrast and scalar estimand.

    Parameters
    ----------
    source : FitResult, SavedFit, fit directory, DataTree or FitView
        The fit (anything with ``arm_mean`` draws in its posterior).
    reference : str, optional
        Reference arm (default: the fit's, else the first treatment).
    smd : bool
        Include the ``smd`` rows (when the model defines the standardizer).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`DRAWS_COLUMNS` (see the module docstring; the :data:`DATA_COLUMNS`
        are ``None`` when the fit carries no provenance); ``attrs["n_days"]``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> am = xr.DataArray(rng.normal(5, 0.1, (2, 50, 2, 35)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 36)})
    >>> table = tidy_draws(xr.DataTree.from_dict({"posterior": xr.Dataset({"arm_mean": am})}))
    >>> table.columns.tolist()[5:9], len(table) == 2 * 50 * 8
    (['estimand', 'scale', 'value', 'data_name'], True)
    """
    view = fit_view(source, reference=reference)
    ds = estimand_draws(view, smd=smd)
    table = _long(ds)
    table.attrs = {"n_days": int(ds.attrs["n_days"])}
    return with_data_columns(table, view).loc[:, list(DRAWS_COLUMNS)]
