"""Harm estimands: adverse-event risks and contrasts, and benefit-risk from paired draws.

Pure functions of draws (no fit, no model):

* ``ae_risk`` (dims ``chain, draw, treatment``) is what the adverse-event model's posterior
  exposes (:mod:`bayes_keta.models.adverse_events`): the population-averaged probability of at
  least one adverse event in a period on each arm. :func:`arm_risk_table` summarises it.
* :func:`risk_contrast_draws` / :func:`risk_contrast_table`: risk difference
  ``ae_risk[active] - ae_risk[reference]`` and risk ratio for each active arm vs the reference;
  ``p_harm`` = P(risk difference > 0) = P(more adverse events on the active arm).
* Benefit-risk (:func:`pair_draws`, :func:`benefit_risk_table`, :func:`net_benefit_table`):
  ``benefit = benefit_sign x mean daily difference`` (outcome units, > 0 = benefit) of the
  efficacy fit and the risk difference of the adverse-event fit, paired draw by draw. The two
  models share no parameter, so their joint posterior is the product of the two and pairing
  the i-th draw of one with the i-th draw of the other samples it (both fitted to the same
  subjects). ``p_joint(t, m) = P(benefit > t AND risk difference < m)``; net benefit
  ``benefit - w x risk difference`` for a weight ``w`` (outcome units per unit of risk).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands.core import CI_LABEL
from bayes_keta.exceptions import DataError

__all__ = [
    "AE_RISK",
    "MEASURES",
    "ae_risk",
    "arm_risk_table",
    "benefit_risk_table",
    "joint_probability",
    "net_benefit_draws",
    "net_benefit_table",
    "pair_draws",
    "quadrants",
    "risk_contrast_draws",
    "risk_contrast_table",
]

#: The posterior variable of the population-averaged adverse-event risk per arm.
AE_RISK = "ae_risk"
#: The risk contrasts, in reporting order (variables of :func:`risk_contrast_draws`).
MEASURES: tuple[str, ...] = ("risk_difference", "risk_ratio")

LO, HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


def ae_risk(source: Any) -> xr.DataArray:
    """``ae_risk`` draws (chain, draw, treatment) from a DataTree, posterior or DataArray.

    Raises
    ------
    DataError
        No ``ae_risk`` (not an adverse-event fit) or wrong dims.

    Examples
    --------
    >>> da = xr.DataArray(np.full((1, 2, 2), 0.2), dims=("chain", "draw", "treatment"),
    ...                   coords={"treatment": ["placebo", "drug"]}, name="ae_risk")
    >>> ae_risk(da.to_dataset()).sizes["treatment"]
    2
    """
    obj = source
    if isinstance(obj, xr.DataTree):
        if "posterior" not in obj.children:
            raise DataError("the DataTree has no 'posterior' group")
        obj = obj["posterior"].to_dataset()
    if isinstance(obj, xr.Dataset):
        if AE_RISK not in obj.data_vars:
            raise DataError(
                f"the posterior has no {AE_RISK!r} variable: not an adverse-event fit"
                " (models/adverse_events.toml)"
            )
        obj = obj[AE_RISK]
    if not isinstance(obj, xr.DataArray) or set(obj.dims) != {"chain", "draw", "treatment"}:
        raise DataError(f"{AE_RISK} must have dims chain, draw, treatment")
    return obj.transpose("chain", "draw", "treatment")


def _interval(x: np.ndarray, ci_prob: float) -> tuple[float, float, float]:
    tail = (1.0 - ci_prob) / 2.0
    lo, median, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
    return float(lo), float(median), float(hi)


def _summary(x: np.ndarray, ci_prob: float) -> dict[str, float]:
    x = np.asarray(x, dtype=float).ravel()
    lo, median, hi = _interval(x, ci_prob)
    sd = float(np.std(x, ddof=1)) if x.size > 1 else 0.0
    return {"mean": float(np.mean(x)), "sd": sd, "median": median, LO: lo, HI: hi}


def arm_risk_table(source: Any, *, ci_prob: float = CI_PROB) -> pd.DataFrame:
    """Probability of at least one adverse event in a period, per arm.

    Returns
    -------
    pandas.DataFrame
        Columns ``treatment``, ``mean``, ``sd``, ``median``, ``lo95``, ``hi95``.

    Examples
    --------
    >>> da = xr.DataArray(np.array([[[0.1, 0.3], [0.2, 0.5]]]), dims=("chain", "draw",
    ...                   "treatment"), coords={"treatment": ["placebo", "drug"]})
    >>> arm_risk_table(da)["mean"].round(2).tolist()
    [0.15, 0.4]
    """
    risk = ae_risk(source)
    rows = [
        {"treatment": str(t), **_summary(risk.sel(treatment=t).values, ci_prob)}
        for t in risk["treatment"].values
    ]
    return pd.DataFrame(rows)


def risk_contrast_draws(source: Any, *, reference: str | None = None) -> xr.Dataset:
    """Risk difference and risk ratio of each active arm vs the reference, per draw.

    Returns
    -------
    xarray.Dataset
        ``risk_difference`` and ``risk_ratio``, dims ``(chain, draw, contrast)``, coords
        ``contrast`` (``"ketamine - placebo"``), ``active`` and ``reference``.

    Examples
    --------
    >>> da = xr.DataArray(np.array([[[0.1, 0.3], [0.2, 0.5]]]), dims=("chain", "draw",
    ...                   "treatment"), coords={"treatment": ["placebo", "drug"]})
    >>> risk_contrast_draws(da)["risk_difference"].values.round(2).tolist()
    [[[0.2], [0.3]]]
    """
    risk = ae_risk(source)
    labels = [str(t) for t in risk["treatment"].values]
    ref = labels[0] if reference is None else reference
    if ref not in labels:
        raise DataError(f"reference {ref!r} is not a treatment of {AE_RISK}: {labels}")
    actives = [t for t in labels if t != ref]
    if not actives:
        raise DataError(f"{AE_RISK} has a single treatment: there is nothing to contrast")
    base = risk.sel(treatment=ref, drop=True)
    act = risk.sel(treatment=actives).rename(treatment="contrast")
    coords = {
        "contrast": [f"{a} - {ref}" for a in actives],
        "active": ("contrast", actives),
        "reference": ("contrast", [ref] * len(actives)),
    }
    diff = (act - base).assign_coords(coords)
    ratio = (act / base).assign_coords(coords)
    ds = xr.Dataset({"risk_difference": diff, "risk_ratio": ratio})
    ds.attrs = {"reference": ref}
    return ds.transpose("chain", "draw", "contrast")


def risk_contrast_table(
    source: Any, *, reference: str | None = None, ci_prob: float = CI_PROB
) -> pd.DataFrame:
    """Risk differences and ratios vs the reference, with P(harm).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``contrast``, ``measure`` (``risk_difference``,
        ``risk_ratio``), ``mean``, ``sd``, ``median``, ``lo95``, ``hi95``, ``p_harm``
        (P(risk difference > 0), the same event as P(risk ratio > 1)).

    Examples
    --------
    >>> da = xr.DataArray(np.array([[[0.1, 0.3], [0.2, 0.1]]]), dims=("chain", "draw",
    ...                   "treatment"), coords={"treatment": ["placebo", "drug"]})
    >>> risk_contrast_table(da)[["measure", "p_harm"]].values.tolist()
    [['risk_difference', 0.5], ['risk_ratio', 0.5]]
    """
    draws = risk_contrast_draws(source, reference=reference)
    rows = []
    for label in draws["contrast"].values:
        one = draws.sel(contrast=label)
        harm = float(np.mean(one["risk_difference"].values > 0))
        for measure in MEASURES:
            rows.append(
                {
                    "active": str(one["active"].values),
                    "reference": str(one["reference"].values),
                    "contrast": str(label),
                    "measure": measure,
                    **_summary(one[measure].values, ci_prob),
                    "p_harm": harm,
                }
            )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------- benefit-risk
def pair_draws(benefit: xr.DataArray, harm: xr.DataArray) -> tuple[xr.DataArray, xr.DataArray]:
    """Pair the draws of two independent posteriors position by position.

    Parameters
    ----------
    benefit, harm : xarray.DataArray
        Dims ``(chain, draw, contrast)`` each: benefit (outcome units, > 0 = benefit) and
        risk difference, from two fits with the same chains and draws. Their contrasts are
        matched by label (the harm side has the actives vs the reference).

    Returns
    -------
    tuple of xarray.DataArray
        Both with dims ``(sample, contrast)`` (``sample`` = chain x draw in order), on the
        contrasts they share.

    Raises
    ------
    DataError
        Different numbers of chains or draws, or no contrast in common.

    Examples
    --------
    >>> b = xr.DataArray(np.ones((2, 3, 1)), dims=("chain", "draw", "contrast"),
    ...                  coords={"contrast": ["d - p"]})
    >>> pair_draws(b, 0.1 * b)[1].dims
    ('sample', 'contrast')
    """
    shape_b = (benefit.sizes.get("chain"), benefit.sizes.get("draw"))
    shape_h = (harm.sizes.get("chain"), harm.sizes.get("draw"))
    if shape_b != shape_h:
        raise DataError(
            f"the efficacy fit has {shape_b[0]} chains x {shape_b[1]} draws and the adverse-event"
            f" fit {shape_h[0]} x {shape_h[1]}: fit both with the same chains and draws to pair"
            " their draws"
        )
    shared = [c for c in benefit["contrast"].values if c in set(harm["contrast"].values)]
    if not shared:
        raise DataError("the efficacy and adverse-event fits have no contrast in common")

    def flat(da: xr.DataArray) -> xr.DataArray:
        da = da.sel(contrast=shared).transpose("chain", "draw", "contrast")
        da = da.drop_vars([c for c in ("chain", "draw") if c in da.coords])
        return da.stack(sample=("chain", "draw")).reset_index("sample", drop=True).T

    return flat(benefit), flat(harm)


def joint_probability(
    benefit: np.ndarray, risk_difference: np.ndarray, *, threshold: float, margin: float
) -> float:
    """P(benefit > threshold AND risk difference < margin) from paired draws.

    Examples
    --------
    >>> joint_probability(np.array([2.0, 0.5, 2.0]), np.array([0.05, 0.0, 0.3]),
    ...                   threshold=1.0, margin=0.1)
    0.3333333333333333
    """
    b = np.asarray(benefit, dtype=float)
    h = np.asarray(risk_difference, dtype=float)
    if b.shape != h.shape:
        raise DataError(f"paired draws must have one shape, got {b.shape} and {h.shape}")
    return float(np.mean((b > threshold) & (h < margin)))


def quadrants(
    benefit: np.ndarray, risk_difference: np.ndarray, *, threshold: float, margin: float
) -> dict[str, float]:
    """Probabilities of the four quadrants of the benefit-risk plane at (threshold, margin).

    Keys: ``benefit_acceptable`` (benefit > t, risk difference < m; = the joint
    probability), ``benefit_harm`` (benefit > t, risk difference >= m),
    ``no_benefit_acceptable`` and ``no_benefit_harm``; they sum to 1.

    Examples
    --------
    >>> q = quadrants(np.array([2.0, 0.5]), np.array([0.0, 0.5]), threshold=1.0, margin=0.1)
    >>> q["benefit_acceptable"], q["no_benefit_harm"]
    (0.5, 0.5)
    """
    b = np.asarray(benefit, dtype=float) > threshold
    h = np.asarray(risk_difference, dtype=float) < margin
    return {
        "benefit_acceptable": float(np.mean(b & h)),
        "benefit_harm": float(np.mean(b & ~h)),
        "no_benefit_acceptable": float(np.mean(~b & h)),
        "no_benefit_harm": float(np.mean(~b & ~h)),
    }


def _labels(da: xr.DataArray, label: Any) -> tuple[str, str]:
    one = da.sel(contrast=label)
    return str(one["active"].values), str(one["reference"].values)


def benefit_risk_table(
    benefit: xr.DataArray,
    risk_difference: xr.DataArray,
    *,
    thresholds: Iterable[float],
    margins: Iterable[float],
) -> pd.DataFrame:
    """P(benefit beyond each threshold AND excess risk below each margin), per contrast.

    Parameters
    ----------
    benefit, risk_difference : xarray.DataArray
        Paired draws, dims ``(sample, contrast)`` (:func:`pair_draws`); ``risk_difference``
        carries the ``active`` and ``reference`` coords.
    thresholds, margins : iterable of float
        Benefit thresholds (outcome units) and margins of risk difference (probability).

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``threshold``, ``ae_margin``, ``p_joint``, and the
        two marginal probabilities ``p_benefit_beyond`` and ``p_risk_below``.
    """
    rows = []
    for label in risk_difference["contrast"].values:
        active, reference = _labels(risk_difference, label)
        b = benefit.sel(contrast=label).values
        h = risk_difference.sel(contrast=label).values
        for t in thresholds:
            for m in margins:
                rows.append(
                    {
                        "active": active,
                        "reference": reference,
                        "threshold": float(t),
                        "ae_margin": float(m),
                        "p_joint": joint_probability(b, h, threshold=float(t), margin=float(m)),
                        "p_benefit_beyond": float(np.mean(b > float(t))),
                        "p_risk_below": float(np.mean(h < float(m))),
                    }
                )
    return pd.DataFrame(rows)


def net_benefit_draws(
    benefit: xr.DataArray, risk_difference: xr.DataArray, *, weights: Sequence[float]
) -> xr.DataArray:
    """Net benefit ``benefit - w x risk difference`` per paired draw, for each weight ``w``.

    Examples
    --------
    >>> b = xr.DataArray([[1.0]], dims=("sample", "contrast"), coords={"contrast": ["d - p"]})
    >>> net_benefit_draws(b, 0.2 + 0 * b, weights=[0.0, 5.0]).values.ravel().tolist()
    [1.0, 0.0]
    """
    w = xr.DataArray(np.asarray(weights, dtype=float), dims="weight")
    w = w.assign_coords(weight=w.values)
    out = benefit - w * risk_difference
    out.name = "net_benefit"
    return out.transpose("sample", "contrast", "weight")


def net_benefit_table(
    benefit: xr.DataArray,
    risk_difference: xr.DataArray,
    *,
    weights: Sequence[float],
    ci_prob: float = CI_PROB,
) -> pd.DataFrame:
    """Posterior summary of the net benefit for each contrast and weight.

    Returns
    -------
    pandas.DataFrame
        Columns ``active``, ``reference``, ``harm_weight``, ``mean``, ``sd``, ``median``,
        ``lo95``, ``hi95``, ``p_positive`` (P(net benefit > 0)).
    """
    net = net_benefit_draws(benefit, risk_difference, weights=weights)
    rows = []
    for label in risk_difference["contrast"].values:
        active, reference = _labels(risk_difference, label)
        for w in net["weight"].values:
            x = net.sel(contrast=label, weight=w).values
            rows.append(
                {
                    "active": active,
                    "reference": reference,
                    "harm_weight": float(w),
                    **_summary(x, ci_prob),
                    "p_positive": float(np.mean(x > 0)),
                }
            )
    return pd.DataFrame(rows)
