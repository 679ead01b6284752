"""Treatment contrasts: draws as pure functions of ``arm_mean``, a reference arm and the outcome.

Every model's posterior exposes ``arm_mean`` (dims ``chain, draw, treatment, day``): the
expected reading (daily pain) of a typical subject on each arm on each day after infusion. A
contrast is ``arm_mean[active] - arm_mean[reference]``, for every active arm against the
reference and every pair of active arms (later minus earlier in the treatment order, e.g.
``ketamine_magnesium - ketamine``). Which sign is a benefit, the thresholds and the ROPE come
from the :class:`~bayes_keta.outcome.Outcome` (default: 0-10 pain NRS, lower is better).

Functions take ``arm_mean`` as an xarray object (the DataArray, a posterior Dataset holding it,
or a DataTree with a ``posterior`` group) plus explicit keywords: ``reference`` (default: the
first treatment, which the data contract puts first) and ``outcome``. A fit result passes its
own ``datatree`` and ``reference``. The summaries of these draws (the long table, threshold
curves) are in :mod:`bayes_keta.estimands.tables`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import xarray as xr

from bayes_keta.estimands.registry import ESTIMANDS, Curves
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome

__all__ = ["ArmMean", "by_day", "contrast_draws", "contrast_pairs", "outcome_or_default"]

ArmMean = xr.DataArray | xr.Dataset | xr.DataTree


# ---------------------------------------------------------------------------------- inputs
def _arm_mean(source: Any) -> xr.DataArray:
    """``arm_mean`` (chain, draw, treatment, day) from a DataTree, posterior Dataset or array."""
    obj = source
    if isinstance(obj, xr.DataTree):
        if "posterior" not in obj.children:
            raise DataError("the DataTree has no 'posterior' group; was the model sampled?")
        obj = obj["posterior"].to_dataset()
    if isinstance(obj, xr.Dataset):
        if "arm_mean" not in obj.data_vars:
            raise DataError(
                "the posterior has no 'arm_mean' variable (dims treatment, day); every model"
                " must expose it"
            )
        obj = obj["arm_mean"]
    if not isinstance(obj, xr.DataArray):
        raise DataError(
            f"cannot find arm_mean draws in a {type(source).__name__}; give the arm_mean"
            " DataArray, a posterior Dataset or a DataTree (a fit passes fit.datatree)"
        )
    needed = {"chain", "draw", "treatment", "day"}
    if set(obj.dims) != needed:
        raise DataError(f"arm_mean must have dims {sorted(needed)}, got {list(obj.dims)}")
    return obj.transpose("chain", "draw", "treatment", "day")


def _reference(arm_mean: xr.DataArray, reference: str | None) -> str:
    treatments = [str(t) for t in arm_mean["treatment"].values]
    reference = treatments[0] if reference is None else reference
    if reference not in treatments:
        raise DataError(f"reference {reference!r} is not a treatment of arm_mean: {treatments}")
    return str(reference)


def outcome_or_default(outcome: Outcome | None) -> Outcome:
    """Return ``outcome``, or the 0-10 pain NRS when None."""
    return Outcome.nrs_0_10() if outcome is None else outcome


def contrast_pairs(treatments: Sequence[str], reference: str) -> list[tuple[str, str]]:
    """Ordered (active, reference) pairs: actives vs reference, then each pair of actives.

    Examples
    --------
    >>> contrast_pairs(["placebo", "ketamine", "ketamine_magnesium"], "placebo")
    [('ketamine', 'placebo'), ('ketamine_magnesium', 'placebo'), ('ketamine_magnesium', 'ketamine')]
    """
    actives = [t for t in treatments if t != reference]
    pairs = [(a, reference) for a in actives]
    pairs += [(b, a) for i, a in enumerate(actives) for b in actives[i + 1 :]]
    return pairs


def _contrast_coords(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    return {
        "contrast": [f"{a} - {r}" for a, r in pairs],
        "active": ("contrast", [a for a, _ in pairs]),
        "reference": ("contrast", [r for _, r in pairs]),
    }


# ---------------------------------------------------------------------------------- draws
def by_day(
    arm_mean: ArmMean, *, reference: str | None = None, outcome: Outcome | None = None
) -> xr.DataArray:
    """Daily difference curves ``arm_mean[active] - arm_mean[reference]``.

    Parameters
    ----------
    arm_mean : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (or a posterior / DataTree holding them).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        The outcome (units in the attrs; default: 0-10 pain NRS).

    Returns
    -------
    xarray.DataArray
        Named ``by_day``, dims ``(chain, draw, contrast, day)``; coords ``contrast`` (labels
        like ``"ketamine - placebo"``), ``active`` and ``reference`` along ``contrast``.

    Examples
    --------
    >>> am = xr.DataArray(np.zeros((1, 2, 2, 3)), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": [1, 2, 3]})
    >>> by_day(am).sizes["contrast"]
    1
    """
    am = _arm_mean(arm_mean)
    ref = _reference(am, reference)
    out_come = outcome_or_default(outcome)
    pairs = contrast_pairs([str(t) for t in am["treatment"].values], ref)
    if not pairs:
        raise DataError("arm_mean has a single treatment: there is nothing to contrast")
    diffs = [am.sel(treatment=a, drop=True) - am.sel(treatment=r, drop=True) for a, r in pairs]
    out = xr.concat(diffs, dim="contrast", coords="minimal", compat="override", join="exact")
    out = out.assign_coords(_contrast_coords(pairs)).transpose("chain", "draw", "contrast", "day")
    out.name = "by_day"
    out.attrs = {
        "scale": out_come.scale_name,
        "units": out_come.units_for("outcome"),
        "long_name": f"daily {out_come.noun} difference",
    }
    return out


def contrast_draws(
    arm_mean: ArmMean, *, reference: str | None = None, outcome: Outcome | None = None
) -> xr.Dataset:
    """Draws of every available scalar estimand (:data:`ESTIMANDS`) for every contrast.

    Parameters
    ----------
    arm_mean : xarray.DataArray, Dataset or DataTree
        ``arm_mean`` draws (dims chain, draw, treatment, day; days 1..D).
    reference : str, optional
        Reference arm (default: the first treatment).
    outcome : Outcome, optional
        The outcome (scale names and units; default: 0-10 pain NRS).

    Returns
    -------
    xarray.Dataset
        One variable per estimand available for D days, in registry order, dims
        ``(chain, draw, contrast)``, each with attrs ``scale`` (as written: ``nrs``, ``auc``,
        ``percent``) and ``units``. Dataset attrs: ``n_days``, ``reference``,
        ``outcome_scale`` and ``constant_over_day`` (True when ``arm_mean`` has no by-day
        information, as in the AUC model).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> am = xr.DataArray(rng.normal(5, 0.1, (2, 100, 2, 35)),
    ...                   dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 36)})
    >>> ds = contrast_draws(am)
    >>> list(ds.data_vars)[:3], ds["auc_difference"].dims
    (['mean_daily_difference', 'auc_difference', 'week_1'], ('chain', 'draw', 'contrast'))
    """
    am = _arm_mean(arm_mean)
    ref = _reference(am, reference)
    out_come = outcome_or_default(outcome)
    curve = by_day(am, reference=ref, outcome=out_come)
    days = [int(d) for d in am["day"].values]
    n_days = len(days)
    if days != list(range(1, n_days + 1)):
        raise DataError(f"arm_mean day coordinate must be 1..{n_days}, got {days[:3]}...")
    curves = Curves(arm_mean=am, by_day=curve, n_days=n_days)
    labels = {k: curve.coords[k] for k in ("contrast", "active", "reference")}
    data = {}
    for e in ESTIMANDS:
        if not e.available(n_days):
            continue
        value = e.compute(curves)
        value = value.drop_vars([c for c in value.coords if c not in value.dims])
        value = value.assign_coords(labels).transpose("chain", "draw", "contrast")
        value.attrs = {"scale": out_come.scale_label(e.scale), "units": out_come.units_for(e.scale)}
        data[e.name] = value
    ds = xr.Dataset(data)
    spread = float(np.abs(am - am.mean("day")).max())
    ds.attrs = {
        "n_days": n_days,
        "reference": ref,
        "outcome_scale": out_come.scale_name,
        "constant_over_day": bool(spread < 1e-9),
    }
    return ds
