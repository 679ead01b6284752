"""``meta_summary.csv``: one row per contrast x estimand, shaped for meta-analysis.

Columns (:data:`META_COLUMNS`; ``lo95``/``hi95`` are named after ``CI_PROB``):

======================  ===================================================================
active, reference       the arms; effect = active - reference (negative = less pain)
estimand, scale         as in ``draws.csv`` (``smd`` rows: estimand ``smd``, scale ``smd``)
estimate, se            normal approximation of the posterior: mean and SD of the draws
lo95, hi95              equal-tailed 95% credible interval (quantiles of the draws)
lik_estimate, lik_se    normal approximation of the LIKELIHOOD ALONE (the trial's own prior
                        divided out, :mod:`bayes_keta.export.likelihood`; on the
                        ``ae_risk_difference`` rows the paired risk difference of the observed
                        flags, :mod:`bayes_keta.export.paired_risk`); empty when
                        ``lik_reason`` says why not
approx                  how the approximations were made
lik_reason              why the likelihood-only columns are empty (empty when they are not)
contrast                ``"<active> - <reference>"``
median                  posterior median
t_df                    Student-t degrees of freedom matching the draws' excess kurtosis g2
                        (moment fit, 4 + 6 / g2); ``inf`` when g2 is not clearly positive
                        (below 2 standard errors, sqrt(24 / n)): the normal is adequate
n_draws                 number of posterior draws summarised
prior_estimate,         the normal prior this row's estimand receives from the resolved
prior_se                ``treatment_effect`` prior (empty when not normal)
standardizer            ``smd`` rows: definition of the SMD denominator
standardizer_estimate   ``smd`` rows: posterior mean of the standardizer (NRS points)
data_name, data_sha256  as in ``draws.csv``: the data set (name, sha256), whether it is
synthetic, model        SYNTHETIC, and the model spec, on every row
======================  ===================================================================

Likelihood-only rows: an estimand qualifies when its prior is the normal ``treatment_effect``
prior mapped linearly: a ``constant`` effect model (from the spec; else checked against the
``prior`` group's draws), an estimand whose draws equal ``f x mean_daily_difference`` draw by
draw (f = 1 on the NRS scale, D on the AUC scale), and a normal prior. ``relative_change_pct``
(a ratio) never qualifies. ``smd`` rows divide the NRS likelihood by the standardizer's
posterior mean and add its uncertainty by the delta method:
``lik_se^2 = sL^2 / S^2 + mL^2 var(S) / S^4`` (the standardizer is driven by the data; its
own priors are vague).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import CI_LABEL, contrast_draws
from bayes_keta.export.draws import (
    DATA_COLUMNS,
    SMD_ESTIMAND,
    fit_standardizer,
    tidy_draws,
    with_data_columns,
)
from bayes_keta.export.likelihood import (
    NormalEffects,
    contrast_vector,
    effect_prior,
    gaussian_division,
    prior_draws_agree,
)
from bayes_keta.export.standardizer import capabilities_of
from bayes_keta.fitting.result import FitResult, as_fit

__all__ = ["META_COLUMNS", "lik_context", "meta_summary", "moment_t_df"]

LO, HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"

#: Column order of ``meta_summary.csv``.
META_COLUMNS: tuple[str, ...] = (
    "active",
    "reference",
    "estimand",
    "scale",
    "estimate",
    "se",
    LO,
    HI,
    "lik_estimate",
    "lik_se",
    "approx",
    "lik_reason",
    "contrast",
    "median",
    "t_df",
    "n_draws",
    "prior_estimate",
    "prior_se",
    "standardizer",
    "standardizer_estimate",
    *DATA_COLUMNS,
)

_POSTERIOR = "posterior: normal moments (mean, sd) of the draws"
_LIK = "lik: joint Gaussian division of the posterior by the normal treatment_effect prior"
_LIK_SMD = _LIK + ", divided by the mean standardizer (delta method for its uncertainty)"
_FACTORS = {"nrs": "1", "auc": "n_days"}


def moment_t_df(x: np.ndarray) -> float:
    """Student-t degrees of freedom matching the excess kurtosis of draws (inf if not heavy).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> moment_t_df(rng.normal(size=4000))
    inf
    >>> 4 < moment_t_df(rng.standard_t(8, size=200_000)) < 12
    True
    """
    x = np.asarray(x, dtype=float).ravel()
    d = x - x.mean()
    m2 = np.mean(d**2)
    if x.size < 8 or m2 == 0:
        return float("inf")
    g2 = np.mean(d**4) / m2**2 - 3.0
    if g2 <= 2.0 * np.sqrt(24.0 / x.size):
        return float("inf")
    return float(4.0 + 6.0 / g2)


def _model_arms(fit: FitResult) -> tuple[str, tuple[str, ...]]:
    post = fit.datatree["posterior"]
    treatments = [str(t) for t in post["arm_mean"]["treatment"].values]
    if "active" in post.coords:
        actives = tuple(str(a) for a in post["active"].values)
        ref = [t for t in treatments if t not in actives]
        if len(ref) == 1:
            return ref[0], actives
    return treatments[0], tuple(treatments[1:])


def _base_effects(draws: pd.DataFrame, model_ref: str, actives: tuple[str, ...]) -> np.ndarray:
    """Draws (n, K-1) of each active arm vs the model reference, from the tidy table."""
    rows = draws[draws["estimand"] == "mean_daily_difference"]
    columns = []
    for arm in actives:
        direct = rows[(rows["active"] == arm) & (rows["reference"] == model_ref)]
        flipped = rows[(rows["active"] == model_ref) & (rows["reference"] == arm)]
        if len(direct):
            columns.append(direct["value"].to_numpy())
        elif len(flipped):
            columns.append(-flipped["value"].to_numpy())
        else:
            raise ValueError(f"no mean_daily_difference draws relate {arm} to {model_ref}")
    return np.column_stack(columns)


def _structure_reason(fit: FitResult, prior: NormalEffects, model_ref: str) -> str | None:
    """Why the estimands' prior is not the treatment_effect prior (None: it is)."""
    spec = fit.record.model.structure
    caps = capabilities_of(spec)
    if caps is not None and caps.latent:
        return f"{caps.builder} model: NRS-scale contrasts are non-linear in the latent effects"
    if caps is not None and caps.time_varying_effect:
        return (
            f"{spec.get('effect')} effect: the treatment_effect prior is on the sustained part,"
            " so the prior of the mean daily difference is not that normal"
        )
    tree = fit.datatree
    has_prior = "prior" in tree.children and "arm_mean" in tree["prior"].data_vars
    if has_prior:
        ds = contrast_draws(tree["prior"].to_dataset(), reference=model_ref)
        table = ds["mean_daily_difference"]
        cols = [
            table.sel(contrast=f"{a} - {model_ref}").to_numpy().reshape(-1) for a in prior.actives
        ]
        ok, reason = prior_draws_agree(np.column_stack(cols), prior)
        if not ok:
            return reason
    elif not spec:
        return "model structure unknown and no prior draws: cannot check the estimands' prior"
    return None


def lik_context(fit: FitResult, draws: pd.DataFrame) -> dict[str, Any]:
    """Prior and likelihood of the effect vector, or the reason they are unavailable.

    Returns
    -------
    dict
        ``actives``, ``prior`` (NormalEffects or None), ``lik`` (NormalEffects or None) and
        ``reason`` (why ``lik`` is None).
    """
    model_ref, actives = _model_arms(fit)
    prior, reason = effect_prior(_outcome_priors(fit), actives)
    lik = None
    if prior is not None:
        reason = _structure_reason(fit, prior, model_ref)
    if prior is not None and reason is None:
        x = _base_effects(draws, model_ref, actives)
        post = NormalEffects(actives, x.mean(axis=0), np.atleast_2d(np.cov(x, rowvar=False)))
        lik, reason = gaussian_division(post, prior)
    return {"actives": actives, "prior": prior, "lik": lik, "reason": reason}


def _outcome_priors(fit: FitResult) -> dict[str, Any]:
    """Return the fit's priors in the outcome's units (the record's prior scaling applied)."""
    from bayes_keta.models.scaling import PriorScaling
    from bayes_keta.spec import Prior

    scaling = PriorScaling.from_dict(fit.record.prior_scaling)
    return {
        role: scaling.apply(role, Prior.from_dict(entry, role=role)).to_dict()
        for role, entry in fit.record.priors.items()
    }


def _linear_factor(
    sub: pd.DataFrame, base: np.ndarray, scale: str, n_days: int, *, outcome_scale: str = "nrs"
) -> float | None:
    """Return f with draws == f x mean_daily_difference draw by draw (None: not linear)."""
    f = {outcome_scale: 1.0, "auc": float(n_days)}.get(scale)  # the outcome's own scale: 1
    if f is None or base.shape != sub["value"].shape:
        return None
    values = sub["value"].to_numpy()
    tol = 1e-9 * (1.0 + np.max(np.abs(values)))
    return f if np.max(np.abs(values - f * base)) <= tol else None


def _row_lik(
    ctx: dict[str, Any], key: tuple[str, str, str, str], factor: float | None, std: Any
) -> dict[str, Any]:
    active, ref, estimand, scale = key
    out = {"prior_estimate": np.nan, "prior_se": np.nan, "lik_estimate": np.nan, "lik_se": np.nan}
    prior, lik = ctx["prior"], ctx["lik"]
    c = contrast_vector(active, ref, ctx["actives"])
    if estimand == SMD_ESTIMAND:
        out["approx"] = f"{_POSTERIOR}; {_LIK_SMD}"
        if lik is None:
            return out | {"lik_reason": ctx["reason"]}
        s = std.draws.to_numpy().ravel()
        s_mean, s_var = float(np.mean(s)), float(np.var(s, ddof=1))
        m, sd = lik.contrast(c)
        se = np.sqrt(sd**2 / s_mean**2 + m**2 * s_var / s_mean**4)
        return out | {"lik_estimate": m / s_mean, "lik_se": float(se), "lik_reason": np.nan}
    out["approx"] = f"{_POSTERIOR}; {_LIK}"
    if factor is None:
        why = (
            "non-linear estimand (a ratio): its prior is not normal"
            if scale == "percent"
            else "estimand is not a fixed multiple of the mean daily difference (by-day effect)"
        )
        return out | {"lik_reason": why}
    if prior is not None:
        m0, s0 = prior.contrast(c)
        out |= {"prior_estimate": factor * m0, "prior_se": factor * s0}
    if lik is None:
        return out | {"lik_reason": ctx["reason"]}
    m, sd = lik.contrast(c)
    return out | {"lik_estimate": factor * m, "lik_se": factor * sd, "lik_reason": np.nan}


def meta_summary(
    source: FitResult | str | Path | xr.DataTree,
    *,
    reference: str | None = None,
    draws: pd.DataFrame | None = None,
    ci_prob: float = CI_PROB,
) -> pd.DataFrame:
    """Meta-analysis shaped summary of every contrast and estimand (see the module docstring).

    Parameters
    ----------
    source : FitResult, fit directory or a fit's DataTree
        The fit (its priors, structure and standardizer come from its record).
    reference : str, optional
        Reference arm (default: the fit's).
    draws : pandas.DataFrame, optional
        Tidy draws to summarise (default: :func:`bayes_keta.tidy_draws` of ``source``; e.g.
        an export's reloaded ``draws``).
    ci_prob : float
        Probability of the credible interval (default ``CI_PROB``; columns ``lo95``/``hi95``
        keep their names).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`META_COLUMNS`, one row per contrast x estimand in draws order.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> table = bk.meta_summary("reports/latest/fits/daily")  # doctest: +SKIP
    >>> table.query("estimand == 'mean_daily_difference'")[["estimate", "lik_estimate"]]
    ... # doctest: +SKIP
    """
    fit = as_fit(source)
    if draws is None:
        draws = tidy_draws(fit, reference=reference)
    n_days = int(fit.datatree["posterior"]["arm_mean"].sizes["day"])
    std = fit_standardizer(fit, n_days)
    ctx = lik_context(fit, draws)
    tail = (1.0 - ci_prob) / 2.0
    keys = ["active", "reference", "estimand", "scale"]
    mean_daily = {
        (a, r): g["value"].to_numpy()
        for (a, r), g in draws[draws["estimand"] == "mean_daily_difference"].groupby(
            ["active", "reference"], sort=False
        )
    }
    rows = []
    for key, sub in draws.groupby(keys, sort=False):
        x = sub["value"].to_numpy(dtype=float)
        lo, med, hi = np.quantile(x, [tail, 0.5, 1.0 - tail])
        base = mean_daily.get(key[:2], np.empty(0))
        factor = _linear_factor(sub, base, key[3], n_days, outcome_scale=fit.outcome.scale_name)
        row = dict(zip(keys, key, strict=True))
        row |= {
            "estimate": float(np.mean(x)),
            "se": float(np.std(x, ddof=1)),
            LO: float(lo),
            HI: float(hi),
            "contrast": str(sub["contrast"].iloc[0]),
            "median": float(med),
            "t_df": moment_t_df(x),
            "n_draws": int(x.size),
            "standardizer": std.definition if key[2] == SMD_ESTIMAND else np.nan,
            "standardizer_estimate": (
                float(std.draws.mean()) if key[2] == SMD_ESTIMAND else np.nan
            ),
        }
        row |= _row_lik(ctx, key, factor, std)
        rows.append(row)
    table = with_data_columns(pd.DataFrame(rows), fit).loc[:, list(META_COLUMNS)]
    table.attrs = {"n_days": n_days, "ci_prob": ci_prob}
    return table
