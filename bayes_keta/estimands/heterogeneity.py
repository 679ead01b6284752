r"""Heterogeneity of the treatment effect: each patient's own effect, tau, responder shares.

Pure functions of the draws of a model with individual effects (``daily_hte``:
``individual_effect`` (subject, active), ``treatment_effect`` and ``sigma_individual`` (tau,
active)). For active arm :math:`a`, with :math:`s` the outcome's benefit sign (-1 when lower
is better) and :math:`t \ge 0` a declared threshold:

``tau``
    :math:`\tau_a`, the SD of the patients' own effects around the mean effect
    :math:`\delta_a`, beside its prior (from the fit's ``prior`` group) and the ratio of their
    SDs (near 1: the data said little).
``responders``
    the share of the patient population whose own effect is a benefit beyond :math:`t`:
    under the normal random-effects model
    :math:`\pi_a(t) = \Phi((s\delta_a - t)/\tau_a)`, one value per draw: a posterior.
``individual``
    each patient's own effect :math:`\delta_a + b_{ia}` (the shrunken N-of-1 estimate):
    mean, SD, interval, P(benefit), P(benefit beyond each threshold).
``predictive``
    the effect in a new patient, :math:`N(\delta_a, \tau_a)` mixed over the posterior: mean,
    interval (the mixture's quantiles), P(benefit beyond t) (the posterior mean of
    :math:`\pi_a(t)`).

What identifies :math:`\tau` depends on the design (Senn, Stat Med 2016;35:966-977): when each
subject receives each treatment once (a standard crossover), a patient's own effect cannot be
told apart from the subject-by-period variation, and only the difference between the arms'
cell variances (and the prior) speaks to :math:`\tau`; repeated periods on a treatment
(replicated crossovers, N-of-1 series) identify it (:func:`identification`, read from the
fit's ``constant_data``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from scipy.special import ndtr

from bayes_keta.constants import CI_PROB, HTE_PRIOR_SD_RATIO
from bayes_keta.estimands.core import CI_LABEL, summarize_draws
from bayes_keta.estimands.heterogeneity_record import describe, heterogeneity_record
from bayes_keta.estimands.tables import beyond_column
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome

__all__ = [
    "IDENTIFIED_BY",
    "HeterogeneityResult",
    "Identification",
    "heterogeneity",
    "identification",
    "predictive_quantiles",
    "responder_share",
]

#: What the heterogeneity estimate rests on: repeated periods, or the variance comparison.
IDENTIFIED_BY: tuple[str, str] = ("replication", "variance comparison and prior")
_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
_TAIL = (1.0 - CI_PROB) / 2.0


@dataclass(frozen=True)
class Identification:
    """What identifies the individual effects in a fit's design.

    Attributes
    ----------
    identified_by : str
        ``"replication"`` (at least two subjects have a treatment in more than one observed
        period) or ``"variance comparison and prior"`` (:data:`IDENTIFIED_BY`).
    replicated_subjects : int
        Subjects with some treatment in more than one observed period.
    n_subjects : int
        Subjects with observed data.
    text : str
        The sentence the report and summary.json use.
    """

    identified_by: str
    replicated_subjects: int
    n_subjects: int
    text: str


def identification(tree: xr.DataTree) -> Identification:
    """Read the design's replication from a fit's ``constant_data`` (observed cells only).

    Examples
    --------
    >>> data = xr.Dataset({"cell_subject_idx": ("cell", [0, 0, 1, 1]),
    ...                    "cell_treatment_idx": ("cell", [0, 1, 1, 0]),
    ...                    "obs_cell_idx": ("obs", [0, 1, 2, 3])})
    >>> identification(xr.DataTree.from_dict({"constant_data": data})).identified_by
    'variance comparison and prior'
    """
    if "constant_data" not in tree.children:
        raise DataError("the fit has no constant_data group: its design cannot be read")
    data = tree["constant_data"].to_dataset()
    observed = np.unique(data["obs_cell_idx"].to_numpy())
    subject = data["cell_subject_idx"].to_numpy()[observed]
    arm = data["cell_treatment_idx"].to_numpy()[observed]
    pairs = pd.DataFrame({"subject": subject, "arm": arm}).value_counts()
    replicated = int(pairs[pairs > 1].index.get_level_values("subject").nunique())
    n_subjects = int(np.unique(subject).size)
    if replicated >= 2:
        text = (
            f"{replicated} of {n_subjects} patients received a treatment in more than one"
            " period (a replicated design): the repeated periods identify each patient's own"
            " effect apart from their period-to-period variation."
        )
        return Identification(IDENTIFIED_BY[0], replicated, n_subjects, text)
    text = (
        "Each patient received each treatment in one period only (a standard crossover), so a"
        " patient's own effect cannot be told apart from their period-to-period variation: the"
        " heterogeneity estimate rests on comparing the arms' variances (assuming that"
        " variation is the same on every arm) and on the prior of tau (Senn 2016)."
    )
    return Identification(IDENTIFIED_BY[1], replicated, n_subjects, text)


def responder_share(
    effect: np.ndarray, tau: np.ndarray, threshold: float, *, benefit_sign: int = -1
) -> np.ndarray:
    """Share of patients whose own effect is a benefit beyond ``threshold``, per draw.

    ``Phi((benefit_sign * effect - threshold) / tau)``: the normal random-effects model's
    population share, for draws of the mean effect and of tau (same shape).

    Examples
    --------
    >>> responder_share(np.array([-1.0]), np.array([1.0]), 1.0).round(3).tolist()
    [0.5]
    >>> responder_share(np.array([-1.0]), np.array([1e-9]), 0.5).tolist()
    [1.0]
    """
    signed = benefit_sign * np.asarray(effect, dtype=float)
    return ndtr((signed - float(threshold)) / np.asarray(tau, dtype=float))


def predictive_quantiles(
    effect: np.ndarray, tau: np.ndarray, probs: tuple[float, ...] | list[float]
) -> np.ndarray:
    """Quantiles of a new patient's effect: the normal mixture over the draws, by bisection.

    Examples
    --------
    >>> q = predictive_quantiles(np.zeros(4), np.ones(4), [0.025, 0.975])
    >>> q.round(3).tolist()
    [-1.96, 1.96]
    """
    effect, tau = np.asarray(effect, dtype=float).ravel(), np.asarray(tau, dtype=float).ravel()
    out = []
    for p in probs:
        lo, hi = float((effect - 10 * tau).min()), float((effect + 10 * tau).max())
        for _ in range(80):  # interval halves each step: far below any printed digit
            mid = 0.5 * (lo + hi)
            lo, hi = (mid, hi) if ndtr((mid - effect) / tau).mean() < p else (lo, mid)
        out.append(0.5 * (lo + hi))
    return np.array(out)


def _flat(da: xr.DataArray, *dims: str) -> np.ndarray:
    """``(chain * draw, *dims)`` values."""
    return da.transpose("chain", "draw", *dims).to_numpy().reshape(-1, *(da.sizes[d] for d in dims))


def _summary_row(values: np.ndarray) -> dict[str, float]:
    s = summarize_draws(values)
    return {"mean": s["mean"], "sd": s["sd"], _LO: s["lo"], _HI: s["hi"]}


@dataclass(frozen=True)
class HeterogeneityResult:
    """Heterogeneity estimands of one fit (see the module docstring), tables and text.

    Attributes
    ----------
    tau : pandas.DataFrame
        Per active arm: ``treatment``, ``mean``, ``sd``, ``lo95``, ``hi95``, the prior's
        ``prior_mean``, ``prior_sd``, ``prior_lo95``, ``prior_hi95`` (NaN without prior draws),
        ``sd_ratio`` (posterior SD / prior SD) and ``prior_dominated`` (``sd_ratio`` above
        :data:`~bayes_keta.constants.HTE_PRIOR_SD_RATIO`; None without prior draws).
    correlation : pandas.DataFrame
        Per pair of active arms: ``pair``, ``mean``, ``sd``, ``lo95``, ``hi95`` (no rows with
        one active arm).
    responders : pandas.DataFrame
        ``treatment``, ``threshold`` (0 = any benefit, then the declared ones), ``mean``,
        ``lo95``, ``hi95`` of the responder share.
    individual : pandas.DataFrame
        ``subject``, ``treatment``, ``mean``, ``sd``, ``lo95``, ``hi95``, ``p_benefit`` and
        ``p_beyond_<t>`` per declared threshold.
    predictive : pandas.DataFrame
        ``treatment``, ``mean``, ``lo95``, ``hi95``, ``p_benefit``, ``p_beyond_<t>``.
    curve : pandas.DataFrame
        The responder share over a grid of thresholds (``treatment``, ``threshold``,
        ``mean``, ``lo95``, ``hi95``), for the figure.
    identification : Identification
        What the estimate rests on.
    outcome : Outcome
        Direction of benefit, thresholds, units.
    tau_draws : xarray.Dataset
        ``posterior`` and, when the fit kept prior draws, ``prior_draws`` of tau (dims
        ``sample`` / ``prior_sample``, ``active``), for the prior-vs-posterior figure.
    text : str
        Plain sentences.
    reference : str
        The reference arm the effects are against.
    """

    tau: pd.DataFrame = field(repr=False)
    correlation: pd.DataFrame = field(repr=False)
    responders: pd.DataFrame = field(repr=False)
    individual: pd.DataFrame = field(repr=False)
    predictive: pd.DataFrame = field(repr=False)
    curve: pd.DataFrame = field(repr=False)
    identification: Identification
    outcome: Outcome = field(repr=False)
    tau_draws: xr.Dataset = field(repr=False)
    text: str = field(repr=False)
    reference: str = "reference"

    def to_dict(self) -> dict[str, Any]:
        """Return the ``heterogeneity`` block of summary.json (see its schema)."""
        return heterogeneity_record(self)


def heterogeneity(source: Any, *, outcome: Outcome | None = None) -> HeterogeneityResult:
    """Heterogeneity estimands of a fit with individual effects (``daily_hte``).

    Parameters
    ----------
    source : FitResult or xarray.DataTree
        A fit (its ``datatree`` and ``outcome`` are used) or a fit's DataTree (with
        ``posterior``, ``constant_data`` and, for the prior of tau, ``prior``).
    outcome : Outcome, optional
        Direction of benefit and thresholds (default: the fit's, else the 0-10 NRS).

    Returns
    -------
    HeterogeneityResult

    Raises
    ------
    DataError
        The posterior has no individual effects (not an individual-effects model).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> fit = bk.fit(trial, "daily_hte", draws=200, tune=200, chains=2)  # doctest: +SKIP
    >>> heterogeneity(fit).identification.identified_by  # doctest: +SKIP
    'variance comparison and prior'
    """
    tree = source.datatree if hasattr(source, "datatree") else source
    if outcome is None:
        outcome = getattr(source, "outcome", None) or Outcome.nrs_0_10()
    post = tree["posterior"].to_dataset() if "posterior" in tree.children else xr.Dataset()
    missing = {"individual_effect", "sigma_individual", "treatment_effect"} - set(post.data_vars)
    if missing:
        raise DataError(
            f"no individual effects in this fit (missing {sorted(missing)}): fit a spec with"
            " individual_effects = true (models/daily_hte.toml)"
        )
    prior = tree["prior"].to_dataset() if "prior" in tree.children else xr.Dataset()
    actives = [str(a) for a in post["active"].values]
    sign = outcome.benefit_sign
    effect, tau = (
        _flat(post["treatment_effect"], "active"),
        _flat(post["sigma_individual"], "active"),
    )
    tau_prior = _flat(prior["sigma_individual"], "active") if "sigma_individual" in prior else None
    thresholds = (0.0, *outcome.thresholds)
    tau_rows, responders, predictive, curve = [], [], [], []
    grid = np.linspace(0.0, 1.5 * max(thresholds[-1], 1.0), 61)
    for a, arm in enumerate(actives):
        row = {"treatment": arm, **_summary_row(tau[:, a])}
        if tau_prior is not None:
            p = _summary_row(tau_prior[:, a])
            ratio = row["sd"] / p["sd"]
            row |= {"prior_mean": p["mean"], "prior_sd": p["sd"]}
            row |= {f"prior_{_LO}": p[_LO], f"prior_{_HI}": p[_HI], "sd_ratio": ratio}
            row["prior_dominated"] = bool(ratio > HTE_PRIOR_SD_RATIO)
        else:
            row |= dict.fromkeys(["prior_mean", "prior_sd", f"prior_{_LO}", f"prior_{_HI}"], np.nan)
            row |= {"sd_ratio": np.nan, "prior_dominated": None}
        tau_rows.append(row)
        for t in thresholds:
            share = responder_share(effect[:, a], tau[:, a], t, benefit_sign=sign)
            lo, hi = np.quantile(share, [_TAIL, 1.0 - _TAIL])
            responders.append(
                {"treatment": arm, "threshold": t, "mean": share.mean(), _LO: lo, _HI: hi}
            )
        for t in grid:
            share = responder_share(effect[:, a], tau[:, a], t, benefit_sign=sign)
            lo, hi = np.quantile(share, [_TAIL, 1.0 - _TAIL])
            curve.append({"treatment": arm, "threshold": t, "mean": share.mean(), _LO: lo, _HI: hi})
        lo, hi = predictive_quantiles(effect[:, a], tau[:, a], [_TAIL, 1.0 - _TAIL])
        shares = [
            responder_share(effect[:, a], tau[:, a], t, benefit_sign=sign).mean()
            for t in thresholds
        ]
        predictive.append(
            {
                "treatment": arm,
                "mean": effect[:, a].mean(),
                _LO: lo,
                _HI: hi,
                "p_benefit": shares[0],
            }
            | {beyond_column(t): s for t, s in zip(thresholds[1:], shares[1:], strict=True)}
        )
    tables = {
        "tau": pd.DataFrame(tau_rows),
        "correlation": _correlation(post),
        "responders": pd.DataFrame(responders),
        "individual": _individual(post, outcome),
        "predictive": pd.DataFrame(predictive),
        "curve": pd.DataFrame(curve),
    }
    draws = {"posterior": (("sample", "active"), tau)}
    if tau_prior is not None:
        draws["prior_draws"] = (("prior_sample", "active"), tau_prior)
    tau_draws = xr.Dataset(draws, coords={"active": actives})
    ident = identification(tree)
    return HeterogeneityResult(
        **tables,
        identification=ident,
        outcome=outcome,
        tau_draws=tau_draws,
        text=describe(tables, ident, outcome),
        reference=_reference(source, post),
    )


def _reference(source: Any, post: xr.Dataset) -> str:
    if getattr(source, "reference", None):
        return str(source.reference)
    if "treatment" in post.coords:  # the data contract puts the reference first
        return str(post["treatment"].values[0])
    return "reference"


def _correlation(post: xr.Dataset) -> pd.DataFrame:
    columns = ["pair", "mean", "sd", _LO, _HI]
    if "individual_correlation" not in post.data_vars:
        return pd.DataFrame(columns=columns)
    values = _flat(post["individual_correlation"], "active_pair")
    pairs = [str(p) for p in post["active_pair"].values]
    return pd.DataFrame(
        [{"pair": p, **_summary_row(values[:, i])} for i, p in enumerate(pairs)], columns=columns
    )


def _individual(post: xr.Dataset, outcome: Outcome) -> pd.DataFrame:
    draws = _flat(post["individual_effect"], "subject", "active")
    rows = []
    for i, subject in enumerate(post["subject"].values):
        for a, arm in enumerate(post["active"].values):
            s = summarize_draws(
                draws[:, i, a], thresholds=outcome.thresholds, benefit_sign=outcome.benefit_sign
            )
            rows.append(
                {"subject": str(subject), "treatment": str(arm)}
                | {"mean": s["mean"], "sd": s["sd"], _LO: s["lo"], _HI: s["hi"]}
                | {"p_benefit": s["p_benefit"]}
                | {beyond_column(t): p for t, p in s["p_beyond"].items()}
            )
    return pd.DataFrame(rows)
