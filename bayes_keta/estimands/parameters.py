"""Posterior summaries of model parameters reported as such (carryover, heterogeneity SDs).

Contrasts are functions of ``arm_mean`` (:mod:`~bayes_keta.estimands.contrasts`); a few model
parameters are clinical answers in their own right: the first-order carryover of each active
treatment (``carryover_effect``, dims ``active``) is reported when a spec estimates it. Values
are on the model's own scale (outcome units per reading for the daily specs, units x days for
the AUC spec, logits for the ordinal one): the caller states the scale.
"""

from __future__ import annotations

import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.core import CI_LABEL, summarize_draws

__all__ = ["carryover_table", "parameter_table"]

#: Columns of :func:`parameter_table` (after the label column).
SUMMARY_COLUMNS: tuple[str, ...] = ("mean", "sd", f"lo{CI_LABEL}", f"hi{CI_LABEL}")


def _posterior(source: xr.DataTree | xr.Dataset) -> xr.Dataset:
    if isinstance(source, xr.DataTree):
        return source["posterior"].to_dataset() if "posterior" in source.children else xr.Dataset()
    return source


def parameter_table(
    source: xr.DataTree | xr.Dataset,
    name: str,
    *,
    dim: str,
    label: str,
    ci_prob: float = CI_PROB,
) -> pd.DataFrame:
    """One row per label of ``dim``: posterior mean, sd and equal-tailed interval of ``name``.

    Parameters
    ----------
    source : xarray.DataTree or Dataset
        A fit's DataTree (its ``posterior`` group) or a posterior Dataset.
    name : str
        Posterior variable with dims ``(chain, draw, dim)``.
    dim : str
        Its labelled dimension.
    label : str
        Name of the label column of the table.
    ci_prob : float
        Probability of the interval.

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``mean``, ``sd``, ``lo95``, ``hi95``; no rows when ``name`` is not
        in the posterior.

    Examples
    --------
    >>> import numpy as np
    >>> draws = np.stack([np.zeros(400), np.linspace(-1, 1, 400)], axis=-1)[None]
    >>> ds = xr.Dataset({"c": (("chain", "draw", "active"), draws)},
    ...                 coords={"active": ["a", "b"]})
    >>> parameter_table(ds, "c", dim="active", label="treatment")["treatment"].tolist()
    ['a', 'b']
    """
    posterior = _posterior(source)
    columns = [label, *SUMMARY_COLUMNS]
    if name not in posterior.data_vars:
        return pd.DataFrame(columns=columns)
    var = posterior[name].transpose("chain", "draw", dim)
    rows = []
    for value in var[dim].values:
        s = summarize_draws(var.sel({dim: value}).to_numpy(), ci_prob=ci_prob)
        rows.append([str(value), s["mean"], s["sd"], s["lo"], s["hi"]])
    return pd.DataFrame(rows, columns=columns)


def carryover_table(source: xr.DataTree | xr.Dataset, *, ci_prob: float = CI_PROB) -> pd.DataFrame:
    """First-order carryover of each active treatment (``carryover_effect``), one row each.

    The effect, in the period after a period on that treatment, on the model's scale; no rows
    when the spec has no carryover term.

    Examples
    --------
    >>> import numpy as np
    >>> ds = xr.Dataset({"mu": (("chain", "draw"), np.zeros((1, 5)))})
    >>> carryover_table(ds).empty
    True
    """
    return parameter_table(
        source, "carryover_effect", dim="active", label="treatment", ci_prob=ci_prob
    )
