"""Sweep tables and files: per-point summaries, the long table, the Dataset, text, writing.

Table scheme (``sweep.csv`` / ``sweep.parquet``): one row per setting x contrast x estimand,
for the estimands on the outcome's scale or its AUC (:data:`SWEEP_ESTIMANDS`:
``mean_daily_difference``, ``auc_difference``, ``week_1``, ``day_7`` ... ``day_28``; the
relative-change estimand is left out). Everything follows the trial's declared outcome
(:class:`bayes_keta.Outcome`): ``mean``, ``lo95`` and ``hi95`` are on the estimand's own scale
(column ``scale``: the outcome's scale label, ``nrs`` points on the 0-10 NRS, or ``auc``), and
the threshold columns ``p_beyond_<t>`` are named by the outcome's declared thresholds ``t``
(:func:`threshold_columns`: ``p_beyond_0.5``, ``p_beyond_1``, ``p_beyond_2`` on the 0-10 NRS;
``p_beyond_10``, ``p_beyond_13``, ``p_beyond_20`` on a 0-100 mm VAS), the same numbers as
:func:`bayes_keta.contrast_table`: ``P(benefit beyond t)`` on outcome rows and beyond
``n_days * t`` on the AUC row (the matching threshold) -- the same event as for the mean daily
difference, so one column set serves every row. ``p_rope`` is the probability inside the
outcome's ROPE (NaN when it declares none).

The prior columns (``prior_effect``, ``prior_effect_mu``, ``prior_effect_sigma``) give the
setting's treatment-effect prior **on the outcome's scale**: the grid and the prior sets are
written in 0-10 NRS points and put on the outcome's scale by the rule every fit uses
(:mod:`bayes_keta.models.scaling`: x10 on a 0-100 VAS); ``sweep.json`` keeps both.

Per setting, ``method`` says how its numbers were obtained (``fit``: NUTS under its own
priors, the base setting or every setting with ``refit_all``; ``reweighted``: the base fit's
draws reweighted by PSIS; ``refit``: NUTS because reweighting was not reliable enough),
``pareto_k`` and ``reweight_ess`` the Pareto k and the effective draws after reweighting (NaN
where not computed; for a refit, the values that caused it).

``sweep.nc`` holds the same numbers as an xarray Dataset with dims ``setting``, ``contrast``,
``estimand`` (and ``threshold`` for ``p_beyond``, in outcome units), per-setting diagnostics and
prior parameters as variables along ``setting``, and provenance in its attrs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.estimands import CI_LABEL, ESTIMANDS, beyond_column, contrast_table
from bayes_keta.exceptions import OutputError
from bayes_keta.outcome import Outcome
from bayes_keta.outputs import check_writable, refuse_existing, staged_folder
from bayes_keta.provenance import as_attrs
from bayes_keta.sweep.text import sweep_text

__all__ = [
    "DIAGNOSTIC_COLUMNS",
    "METHOD_COLUMNS",
    "OUTPUT_FILES",
    "PRIOR_COLUMNS",
    "SWEEP_ESTIMANDS",
    "SWEEP_OUTCOME",
    "SweepResult",
    "THRESHOLD_COLUMNS",
    "check_sweep_outputs",
    "sweep_thresholds",
    "threshold_columns",
    "summarize_point",
    "sweep_dataset",
    "sweep_table",
    "sweep_text",
]

#: The default outcome of a sweep's table (the 0-10 pain NRS); a sweep uses its trial's.
SWEEP_OUTCOME = Outcome.nrs_0_10()
#: Estimands a sweep reports: those on the outcome's scale or its AUC (not the percent one).
SWEEP_ESTIMANDS: tuple[str, ...] = tuple(e.name for e in ESTIMANDS if e.scale != "percent")
#: ``p_beyond_<t>`` columns on the 0-10 NRS (``t`` in daily points); another outcome's are
#: :func:`threshold_columns`.
THRESHOLD_COLUMNS: tuple[str, ...] = tuple(beyond_column(t) for t in SWEEP_OUTCOME.thresholds)
#: Per-setting prior columns.
PRIOR_COLUMNS: tuple[str, ...] = (
    "kind",
    "prior_set",
    "prior_effect",
    "prior_effect_mu",
    "prior_effect_sigma",
    "hyper_scale",
)
#: Per-setting diagnostics columns.
DIAGNOSTIC_COLUMNS: tuple[str, ...] = ("passed", "max_rhat", "min_ess_bulk", "divergences")
#: Per-setting columns of how the numbers were obtained (see the module docstring).
METHOD_COLUMNS: tuple[str, ...] = ("method", "pareto_k", "reweight_ess")
_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
#: Output files of :meth:`SweepResult.save`, by role.
OUTPUT_FILES: dict[str, str] = {
    "csv": "sweep.csv",
    "parquet": "sweep.parquet",
    "netcdf": "sweep.nc",
    "json": "sweep.json",
    "heatmap": "sweep_heatmap.png",
    "tornado": "sweep_tornado.png",
}


def threshold_columns(outcome: Outcome | None = None) -> tuple[str, ...]:
    """``p_beyond_<t>`` columns of a sweep on ``outcome`` (default: the 0-10 NRS).

    Examples
    --------
    >>> threshold_columns(Outcome.vas_0_100())
    ('p_beyond_10', 'p_beyond_13', 'p_beyond_20')
    """
    return tuple(beyond_column(t) for t in (outcome or SWEEP_OUTCOME).thresholds)


def sweep_thresholds(table: pd.DataFrame) -> tuple[str, ...]:
    """Return the ``p_beyond_<t>`` columns a sweep table has (any outcome), in order.

    Examples
    --------
    >>> sweep_thresholds(pd.DataFrame(columns=["mean", "p_beyond_10", "p_beyond_13"]))
    ('p_beyond_10', 'p_beyond_13')
    """
    return tuple(c for c in table.columns if c.startswith("p_beyond_"))


# ------------------------------------------------------------------------------ one setting
def summarize_point(
    posterior: xr.Dataset, *, reference: str, outcome: Outcome | None = None
) -> list[dict[str, Any]]:
    """Rows (contrast x estimand) summarising one grid point's posterior.

    Parameters
    ----------
    posterior : xarray.Dataset
        Posterior with ``arm_mean`` (chain, draw, treatment, day).
    reference : str
        Reference arm.
    outcome : Outcome, optional
        Direction of benefit, thresholds, ROPE and scale label (default: the 0-10 NRS).

    Returns
    -------
    list of dict
        Keys ``contrast``, ``active``, ``reference``, ``estimand``, ``scale``, ``mean``,
        ``lo95``, ``hi95``, ``p_benefit``, :func:`threshold_columns` and ``p_rope``.

    Examples
    --------
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> am[:, :, 1] -= np.array([0.25, 0.75, 1.5, 2.5])[None, :, None]
    >>> rows = summarize_point(xr.Dataset({"arm_mean": am}), reference="placebo")
    >>> rows[0]["estimand"], rows[0]["p_beyond_1"], rows[1]["p_beyond_1"]
    ('mean_daily_difference', 0.5, 0.5)
    """
    outcome = outcome or SWEEP_OUTCOME
    table = contrast_table(posterior, reference=reference, outcome=outcome)
    table = table[table["estimand"].isin(SWEEP_ESTIMANDS)]
    columns = ["contrast", "active", "reference", "estimand", "scale", "mean", _LO, _HI]
    beyond = threshold_columns(outcome)
    return table[[*columns, "p_benefit", *beyond, "p_rope"]].to_dict("records")


# ----------------------------------------------------------------------------- whole sweep
def sweep_table(
    points: Sequence[Mapping[str, Any]], *, outcome: Outcome | None = None
) -> pd.DataFrame:
    """Long table from per-point records (``setting``, ``rows``, ``prior``, ``diagnostics``).

    Column order: ``setting``, :data:`PRIOR_COLUMNS`, ``contrast``, ``active``,
    ``reference``, ``estimand``, ``scale``, ``mean``, ``lo95``, ``hi95``, ``p_benefit``,
    :func:`threshold_columns` of ``outcome`` (default: the 0-10 NRS), ``p_rope``,
    :data:`DIAGNOSTIC_COLUMNS`, :data:`METHOD_COLUMNS`, ``seed``. Points without a
    ``method`` are NUTS fits (``fit``).
    """
    records = []
    for point in points:
        meta = {"setting": point["setting"], **point["prior"]}
        diag = {k: point["diagnostics"][k] for k in DIAGNOSTIC_COLUMNS}
        how = {
            "method": point.get("method", "fit"),
            "pareto_k": float(point.get("pareto_k", math.nan)),
            "reweight_ess": float(point.get("reweight_ess", math.nan)),
        }
        for row in point["rows"]:
            records.append({**meta, **row, **diag, **how, "seed": point["seed"]})
    columns = [
        "setting",
        *PRIOR_COLUMNS,
        "contrast",
        "active",
        "reference",
        "estimand",
        "scale",
        "mean",
        _LO,
        _HI,
        "p_benefit",
        *threshold_columns(outcome),
        "p_rope",
        *DIAGNOSTIC_COLUMNS,
        *METHOD_COLUMNS,
        "seed",
    ]
    table = pd.DataFrame.from_records(records, columns=columns)
    table["passed"] = table["passed"].astype(bool)
    table["divergences"] = table["divergences"].astype("Int64")
    return table


def sweep_dataset(
    table: pd.DataFrame,
    *,
    attrs: Mapping[str, Any] | None = None,
    outcome: Outcome | None = None,
) -> xr.Dataset:
    """Turn the sweep table into a Dataset with dims ``setting``, ``contrast``, ``estimand``.

    ``p_beyond`` has an extra ``threshold`` dim (the outcome's declared thresholds, outcome
    units; default outcome: the 0-10 NRS); per-setting prior and diagnostics columns become
    variables along ``setting``; ``active``, ``reference`` and ``scale`` are coordinates.
    ``attrs`` (provenance) are stored as strings.
    """
    outcome = outcome or SWEEP_OUTCOME
    settings = list(dict.fromkeys(table["setting"]))
    contrasts = list(dict.fromkeys(table["contrast"]))
    estimands = list(dict.fromkeys(table["estimand"]))
    index = pd.MultiIndex.from_product(
        [settings, contrasts, estimands], names=["setting", "contrast", "estimand"]
    )
    full = table.set_index(["setting", "contrast", "estimand"]).reindex(index)
    shape = (len(settings), len(contrasts), len(estimands))
    dims = ("setting", "contrast", "estimand")
    data: dict[str, Any] = {
        name: (dims, full[name].to_numpy(float).reshape(shape))
        for name in ("mean", _LO, _HI, "p_benefit", "p_rope")
        if name in full.columns
    }
    columns = threshold_columns(outcome)
    beyond = np.stack([full[c].to_numpy(float).reshape(shape) for c in columns], -1)
    data["p_beyond"] = ((*dims, "threshold"), beyond)
    per_setting = table.drop_duplicates("setting").set_index("setting").loc[settings]
    for col in (*PRIOR_COLUMNS, *DIAGNOSTIC_COLUMNS, *METHOD_COLUMNS, "seed"):
        if col not in per_setting.columns:  # tables written before the column existed
            continue
        values = per_setting[col]
        if col == "divergences":
            values = values.astype(float)  # NaN when not recorded
        elif col in ("kind", "prior_set", "prior_effect", "method"):
            values = values.astype(str)
        data[col] = ("setting", values.to_numpy())
    pairs = table.drop_duplicates("contrast").set_index("contrast").loc[contrasts]
    scales = table.drop_duplicates("estimand").set_index("estimand").loc[estimands, "scale"]
    ds = xr.Dataset(
        data,
        coords={
            "setting": settings,
            "contrast": contrasts,
            "estimand": estimands,
            "threshold": list(outcome.thresholds),
            "active": ("contrast", pairs["active"].to_numpy(str)),
            "reference": ("contrast", pairs["reference"].to_numpy(str)),
            "scale": ("estimand", scales.to_numpy(str)),
        },
    )
    ds["threshold"].attrs = {
        "units": f"{outcome.units} ({outcome.label}); AUC rows use n_days x threshold",
    }
    ds["p_beyond"].attrs = {"long_name": "P(difference < -threshold) (benefit beyond it)"}
    ds.attrs = as_attrs(attrs or {})
    return ds


# ---------------------------------------------------------------------------------- results
def check_sweep_outputs(out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
    """Paths of a sweep's outputs in ``out_dir``; refuse existing ones and unwritable folders.

    Raises
    ------
    OutputError
        An output exists and ``force`` is False, or ``out_dir`` cannot be written
        (:func:`bayes_keta.outputs.check_writable`).

    Examples
    --------
    >>> import tempfile
    >>> sorted(check_sweep_outputs(tempfile.mkdtemp() + "/new"))[:3]
    ['csv', 'heatmap', 'json']
    """
    out = Path(out_dir)
    paths = {role: out / name for role, name in OUTPUT_FILES.items()}
    refuse_existing(paths.values(), force=force)
    check_writable(out)
    return paths


@dataclass(frozen=True)
class SweepResult:
    """Result of :func:`bayes_keta.prior_sweep`.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per setting x contrast x estimand (scheme in :mod:`bayes_keta.sweep.output`).
    dataset : xarray.Dataset
        The same with dims ``setting``, ``contrast``, ``estimand`` (+ ``threshold``).
    text : str
        Plain-language summary.
    provenance : dict
        :func:`bayes_keta.provenance.provenance_record` plus the grid, the method
        (``method``: reweighting thresholds), the outcome and the prior scaling, every
        setting's record, timings.
    outcome : Outcome
        The trial's outcome: units, direction, thresholds and ROPE of every number.
    """

    table: pd.DataFrame = field(repr=False)
    dataset: xr.Dataset = field(repr=False)
    text: str = field(repr=False)
    provenance: Mapping[str, Any] = field(repr=False)
    outcome: Outcome = field(default_factory=Outcome.nrs_0_10, repr=False)

    def __repr__(self) -> str:
        n = self.dataset.sizes.get("setting", 0)
        failed = int((~self.dataset["passed"].astype(bool)).sum())
        return (
            f"<SweepResult {self.provenance.get('spec_name')!r}: {n} settings,"
            f" {failed} failing diagnostics>"
        )

    def __str__(self) -> str:
        return self.text

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: settings, failures and the headline per setting."""
        from bayes_keta.cards import html_card

        n = self.dataset.sizes.get("setting", 0)
        failed = int((~self.dataset["passed"].astype(bool)).sum())
        rows = self.table[self.table["estimand"] == SWEEP_ESTIMANDS[0]]
        beyond = sweep_thresholds(rows)
        shown = rows[["setting", "contrast", "mean", _LO, _HI, "p_benefit", *beyond]]
        return html_card(
            f"Prior sweep of {self.provenance.get('spec_name')!r}: {n} settings",
            verdict=failed == 0,
            verdict_text="" if failed == 0 else f"diagnostics FAILED in {failed} setting(s)",
            table=shown.round(3),
            caption=f"{SWEEP_ESTIMANDS[0]} ({self.outcome.units}) per prior setting and contrast.",
            max_rows=10,
        )

    @property
    def methods(self) -> pd.DataFrame:
        """How each setting's numbers were obtained: one row per setting.

        Columns ``setting``, ``method`` (``fit``, ``reweighted``, ``refit``), ``pareto_k``,
        ``reweight_ess`` and ``reason`` (why a setting was refitted).
        """
        records = self.provenance.get("settings") or []
        columns = ["setting", *METHOD_COLUMNS, "reason"]
        if records and all("method" in r for r in records):
            return pd.DataFrame([{c: r.get(c) for c in columns} for r in records])
        per = self.table.drop_duplicates("setting")
        return per.reindex(columns=columns).reset_index(drop=True)

    def plot_heatmap(self, **kwargs: Any):
        """Heatmap of P(beyond the middle threshold) over the centre x scale grid."""
        from bayes_keta.sweep.plots import plot_heatmap

        return plot_heatmap(self, **kwargs)

    def plot_tornado(self, **kwargs: Any):
        """Forest/tornado plot of each setting's posterior mean and interval (see :mod:`.plots`)."""
        from bayes_keta.sweep.plots import plot_tornado

        return plot_tornado(self, **kwargs)

    def save(self, out_dir: str | Path, *, force: bool = False) -> dict[str, Path]:
        """Write ``sweep.csv``, ``.parquet``, ``.nc``, ``.json`` and the two plots.

        The heatmap is skipped when the grid has no centre x scale points.

        Raises
        ------
        OutputError
            An output exists and ``force`` is False, or writing fails.
        """
        import matplotlib.pyplot as plt

        from bayes_keta.sweep.plots import has_effect_grid

        paths = check_sweep_outputs(out_dir, force=force)
        record = {**self.provenance, "columns": list(self.table.columns)}
        text = json.dumps(_json_safe(record), indent=2, sort_keys=True) + "\n"
        figures = {"tornado": self.plot_tornado}
        if has_effect_grid(self.table) and self.outcome.thresholds:
            figures["heatmap"] = self.plot_heatmap
        else:
            paths.pop("heatmap")
        try:
            with staged_folder(out_dir, force=force) as tmp:
                staged = {role: tmp / path.name for role, path in paths.items()}
                self.table.to_csv(staged["csv"], index=False)
                self.table.to_parquet(staged["parquet"], index=False)
                self.dataset.to_netcdf(staged["netcdf"], engine="h5netcdf")
                staged["json"].write_text(text, encoding="utf-8")
                for role, plot in figures.items():
                    fig = plot()
                    fig.savefig(staged[role], format="png", dpi=120)
                    plt.close(fig)
        except (ValueError, TypeError) as err:
            raise OutputError(f"cannot write the sweep outputs in {out_dir}: {err}") from err
        return paths


def _json_safe(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _json_safe(value.item())
    return value
