"""Summaries of the by-day difference curves: one row per contrast x day.

The report's by-day figure and its notebook twin draw this table (posterior mean and an
equal-tailed band of :func:`~bayes_keta.estimands.contrasts.by_day` on each day), so the
figure's numbers are computed once and can be tabulated.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB

__all__ = ["by_day_summary"]


def by_day_summary(curve: xr.DataArray, *, ci_prob: float = CI_PROB) -> pd.DataFrame:
    """Posterior mean, median and equal-tailed interval of each contrast on each day.

    Parameters
    ----------
    curve : xarray.DataArray
        :func:`~bayes_keta.estimands.contrasts.by_day` draws, dims ``(chain, draw, contrast,
        day)`` with ``active`` and ``reference`` along ``contrast``.
    ci_prob : float
        Probability of the interval (default ``CI_PROB``).

    Returns
    -------
    pandas.DataFrame
        Columns ``contrast``, ``active``, ``reference``, ``day``, ``mean``, ``median``,
        ``lo95``, ``hi95`` (named after ``ci_prob``); ``attrs["units"]`` from the curve.

    Examples
    --------
    >>> curve = xr.DataArray(np.arange(8.0).reshape(1, 4, 1, 2),
    ...     dims=("chain", "draw", "contrast", "day"),
    ...     coords={"contrast": ["d - p"], "active": ("contrast", ["d"]),
    ...             "reference": ("contrast", ["p"]), "day": [1, 2]})
    >>> by_day_summary(curve)[["day", "mean"]].values.tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    label = f"{ci_prob * 100:g}"
    tail = (1.0 - ci_prob) / 2.0
    x = np.asarray(curve.transpose("contrast", "day", "chain", "draw").values, dtype=float)
    x = x.reshape(*x.shape[:2], -1)
    lo, med, hi = np.quantile(x, [tail, 0.5, 1.0 - tail], axis=-1)
    contrasts = [str(c) for c in curve["contrast"].values]
    days = [int(d) for d in curve["day"].values]
    frame = pd.DataFrame(
        {
            "contrast": np.repeat(contrasts, len(days)),
            "active": np.repeat([str(a) for a in curve["active"].values], len(days)),
            "reference": np.repeat([str(r) for r in curve["reference"].values], len(days)),
            "day": np.tile(days, len(contrasts)),
            "mean": x.mean(axis=-1).ravel(),
            "median": med.ravel(),
            f"lo{label}": lo.ravel(),
            f"hi{label}": hi.ravel(),
        }
    )
    frame.attrs = {"units": curve.attrs.get("units", ""), "ci_prob": ci_prob}
    return frame
