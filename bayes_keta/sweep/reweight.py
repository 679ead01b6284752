r"""Importance reweighting of one posterior to other priors (PSIS), and its weighted summaries.

Settings of a sweep differ only in prior values, so the posterior under setting :math:`s` is
the base posterior times the ratio of the priors:

.. math::

    p_s(\theta \mid y) \propto p(y \mid \theta)\, p_s(\theta)
    = p_0(\theta \mid y)\, \frac{p_s(\theta)}{p_0(\theta)} .

Each base draw :math:`\theta_i` gets the log weight
:math:`\log p_s(\theta_i) - \log p_0(\theta_i)`, evaluated on the sampled parameters that carry
a prior (the free random variables whose distribution reads a ``prior__<role>__<param>``
data value: :class:`PriorDensity`), on their own support (the Jacobians of the sampler's
transforms cancel in the ratio). Pareto smoothing (PSIS, Vehtari et al. 2024, JMLR
25(72):1-58; ``arviz_stats``' ``psislw``) stabilises the largest weights and gives the Pareto
:math:`\hat k` that says whether the reweighting can be trusted: :math:`\hat k \le 0.7` and
enough effective draws (:func:`psis`), else the setting is refitted
(:mod:`bayes_keta.sweep.run`). Unnormalised priors (an ordered transform, a truncation) are
fine: the weights are self-normalised, so constant factors cancel.

:class:`WeightedRows` summarises the weighted draws into the rows of
:func:`bayes_keta.sweep.output.summarize_point` (weighted mean, equal-tailed interval from the
weighted quantiles, weighted probabilities).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import CI_LABEL, contrast_draws, estimand
from bayes_keta.outcome import Outcome

__all__ = ["PriorDensity", "Reweighting", "WeightedRows", "psis", "weighted_summary"]

_PRIOR_DATA = "prior__"
_SAMPLE_DIMS = ("chain", "draw")


class PriorDensity:
    """Log prior density of a model's sampled parameters, as a function of prior values.

    Built once per graph structure from a :class:`pymc.Model` whose prior parameters are
    ``pm.Data`` named ``prior__<role>__<param>`` (:mod:`bayes_keta.models.priors`): the
    variables whose own distribution reads them (random effects whose SD is a prior-bearing
    variable are left out: their conditional density is the same under every setting and
    cancels in the ratio). Evaluated on posterior draws for any values of those parameters
    (same families and shapes), with no new compile. The function is compiled in PyTensor's
    ``FAST_COMPILE`` mode (Python implementations, no C or numba compile: milliseconds).

    Attributes
    ----------
    variables : tuple of str
        The free random variables that carry a prior (as named in the posterior).
    parameters : tuple of str
        The ``prior__*`` data names the density reads.

    Raises
    ------
    ValueError
        A prior-bearing variable's distribution also depends on another random variable.

    Examples
    --------
    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Data("prior__effect__mu", 0.0)
    ...     x = pm.Normal("x", mu=mu, sigma=1.0)
    >>> density = PriorDensity(model)
    >>> draws = xr.Dataset({"x": (("chain", "draw"), [[0.0, 1.0]])})
    >>> ratio = density(draws, {"prior__effect__mu": 1.0}) - density(draws, {})
    >>> ratio.round(3).tolist()  # log N(x; 1, 1) - log N(x; 0, 1) = x - 1/2
    [[-0.5, 0.5]]
    """

    def __init__(self, model: Any) -> None:
        import pytensor
        import pytensor.tensor as pt
        from pymc import logp
        from pytensor.compile.sharedvalue import SharedVariable
        from pytensor.graph.replace import graph_replace
        from pytensor.graph.traversal import ancestors

        values, terms, shared = [], [], {}
        rvs = list(model.basic_RVs)
        for rv in model.free_RVs:
            others = [v for v in rvs if v is not rv]
            prior = [  # prior data read by rv's own distribution (not through another variable)
                v
                for v in ancestors(rv.owner.inputs, blockers=others)
                if isinstance(v, SharedVariable) and str(v.name or "").startswith(_PRIOR_DATA)
            ]
            if not prior:
                continue
            value = pt.tensor(rv.name, dtype=rv.dtype, shape=(None, *rv.type.shape))
            term = logp(rv, value)  # elementwise over the leading draw axis
            if set(ancestors([term])) & set(others):
                raise ValueError(
                    f"the prior of {rv.name!r} depends on other random variables; its density"
                    " cannot be evaluated from its prior values alone"
                )
            if term.ndim > 1:
                term = term.sum(axis=tuple(range(1, term.ndim)))
            values.append(value)
            terms.append(term)
            shared.update({v.name: v for v in prior})
        self.variables: tuple[str, ...] = tuple(v.name for v in values)
        self.parameters: tuple[str, ...] = tuple(sorted(shared))
        self._defaults = {name: np.asarray(shared[name].get_value()) for name in self.parameters}
        inputs = {
            shared[n]: pt.tensor(n, dtype=shared[n].dtype, shape=shared[n].type.shape)
            for n in self.parameters
        }
        total = graph_replace(pt.add(*terms), inputs, strict=False) if terms else None
        self._fn = (
            None
            if total is None
            else pytensor.function(
                [*values, *inputs.values()],
                total,
                mode="FAST_COMPILE",
                on_unused_input="ignore",
            )
        )

    def __call__(self, posterior: xr.Dataset, values: Mapping[str, Any]) -> np.ndarray:
        """Log prior density of each draw, shape ``(chain, draw)``.

        Parameters
        ----------
        posterior : xarray.Dataset
            Draws of :attr:`variables` (dims ``chain``, ``draw`` first).
        values : mapping
            Values of the ``prior__*`` parameters (model scale); missing ones keep the
            model's own.
        """
        first = posterior[self.variables[0]] if self.variables else None
        if first is None or self._fn is None:
            sizes = posterior.sizes
            return np.zeros((sizes["chain"], sizes["draw"]))
        shape = (first.sizes["chain"], first.sizes["draw"])
        draws = [_flat(posterior[name], shape) for name in self.variables]
        params = [
            np.asarray(values.get(n, self._defaults[n]), dtype=self._defaults[n].dtype)
            for n in self.parameters
        ]
        return np.asarray(self._fn(*draws, *params), dtype=float).reshape(shape)


def _flat(da: xr.DataArray, shape: tuple[int, int]) -> np.ndarray:
    """Draws with chain and draw merged into one leading axis."""
    other = [d for d in da.dims if d not in _SAMPLE_DIMS]
    values = da.transpose(*_SAMPLE_DIMS, *other).to_numpy()
    return values.reshape(shape[0] * shape[1], *values.shape[2:])


@dataclass(frozen=True)
class Reweighting:
    r"""Pareto-smoothed importance weights of one prior setting.

    Attributes
    ----------
    log_weights : numpy.ndarray
        Normalised log weights, shape ``(chain, draw)`` (``logsumexp`` 0).
    pareto_k : float
        Pareto :math:`\hat k` of the weights' right tail (NaN when every weight is equal:
        the setting's priors are the base's).
    ess : float
        Effective number of draws after reweighting: ``r_eff / sum(w**2)``.
    """

    log_weights: np.ndarray
    pareto_k: float
    ess: float

    @property
    def weights(self) -> np.ndarray:
        """The normalised weights (sum 1)."""
        return np.exp(self.log_weights)

    def reliable(self, *, k_max: float, min_ess: float) -> bool:
        """Whether the reweighted draws can stand for a refit: ``k <= k_max``, ESS enough."""
        k_ok = bool(np.isnan(self.pareto_k) or self.pareto_k <= k_max)
        return k_ok and self.ess >= min_ess


def psis(log_ratio: np.ndarray, *, r_eff: float = 1.0) -> Reweighting:
    """Pareto-smoothed importance weights from per-draw log density ratios.

    Parameters
    ----------
    log_ratio : numpy.ndarray
        ``log p_setting(theta_i) - log p_base(theta_i)``, shape ``(chain, draw)``; ``-inf``
        for draws outside the setting's support.
    r_eff : float
        Relative efficiency of the base draws (their ESS / number of draws, at most 1).

    Returns
    -------
    Reweighting

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> theta = rng.normal(0.0, 1.0, (4, 1000))  # draws of N(0, 1), reweighted to N(0.3, 1)
    >>> rw = psis(0.3 * theta - 0.045)
    >>> bool(rw.pareto_k < 0.7), round(float((rw.weights * theta).sum()), 1)
    (True, 0.3)
    >>> bool(np.isnan(psis(np.zeros((2, 50))).pareto_k))  # equal priors: the base draws as they are
    True
    """
    ratio = np.asarray(log_ratio, dtype=float)
    n = ratio.size
    finite = ratio[np.isfinite(ratio)]
    if finite.size == 0:
        return Reweighting(np.full(ratio.shape, -np.log(n)), float("inf"), 0.0)
    if finite.size == n and np.ptp(finite) <= 1e-12 * max(1.0, float(np.abs(finite).max())):
        return Reweighting(np.full(ratio.shape, -np.log(n)), float("nan"), float(n * r_eff))
    import arviz_stats  # noqa: F401  (registers the .azstats accessor)

    da = xr.DataArray(-ratio, dims=_SAMPLE_DIMS)  # arviz_stats takes -log ratios (as LOO)
    log_w, k = da.azstats.psislw(dim=list(_SAMPLE_DIMS), r_eff=min(float(r_eff), 1.0))
    log_w = log_w.transpose(*_SAMPLE_DIMS).to_numpy()
    log_w = log_w - _logsumexp(log_w)
    ess = float(min(r_eff, 1.0) / np.exp(_logsumexp(2.0 * log_w)))
    return Reweighting(log_w, float(k), ess)


def _logsumexp(x: np.ndarray) -> float:
    top = float(np.max(x))
    if not np.isfinite(top):
        return top
    return top + float(np.log(np.sum(np.exp(x - top))))


# --------------------------------------------------------------------------- weighted summary
def weighted_summary(
    draws: np.ndarray,
    weights: np.ndarray,
    *,
    thresholds: tuple[float, ...] = (),
    rope: float | None = None,
    ci_prob: float = CI_PROB,
    benefit_sign: int = -1,
) -> dict[str, Any]:
    """Weighted posterior summary of one contrast (the weighted twin of ``summarize_draws``).

    Returns
    -------
    dict
        ``mean``, ``lo``, ``hi`` (equal-tailed ``ci_prob`` interval from the weighted
        quantiles, inverted-CDF), ``p_benefit``, ``p_beyond`` (threshold -> probability),
        ``p_rope`` (``P(|diff| < rope)``; NaN without ``rope``).

    Examples
    --------
    >>> s = weighted_summary(np.array([-3.0, -1.5, -0.5, 0.5]), np.full(4, 0.25),
    ...                      thresholds=(1.0,), rope=1.0)
    >>> s["mean"], s["p_benefit"], s["p_beyond"], s["p_rope"]
    (-1.125, 0.75, {1.0: 0.5}, 0.5)
    """
    x = np.asarray(draws, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    w = w / w.sum()
    tail = (1.0 - ci_prob) / 2.0
    lo, hi = np.quantile(x, [tail, 1.0 - tail], weights=w, method="inverted_cdf")
    benefit = -x if benefit_sign < 0 else x
    return {
        "mean": float(np.sum(w * x)),
        "lo": float(lo),
        "hi": float(hi),
        "p_benefit": float(np.sum(w[benefit > 0])),
        "p_beyond": {float(t): float(np.sum(w[benefit > float(t)])) for t in thresholds},
        "p_rope": float("nan") if rope is None else float(np.sum(w[np.abs(x) < rope])),
    }


class WeightedRows:
    """Rows (contrast x estimand) of the base draws under any weights, as a point's ``rows``.

    The estimand draws are computed once from the base posterior
    (:func:`bayes_keta.estimands.contrast_draws`); each call only weighs them, so reweighting
    many settings costs one pass over the draws each. Rows have the keys of
    :func:`bayes_keta.sweep.output.summarize_point`.

    Parameters
    ----------
    posterior : xarray.Dataset
        Base posterior with ``arm_mean``.
    reference : str
        Reference arm.
    outcome : Outcome
        Direction of benefit, thresholds and ROPE (the trial's: a sweep follows its outcome).
    estimands : tuple of str
        Estimands to summarise (registry names; those the draws lack are skipped).
    columns : tuple of str
        ``p_beyond_<t>`` column names, one per outcome threshold, in order.

    Examples
    --------
    >>> am = xr.DataArray(np.zeros((1, 4, 2, 7)), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> am[0, :, 1] = np.array([-3.0, -1.5, -0.5, 0.5])[:, None]
    >>> rows = WeightedRows(xr.Dataset({"arm_mean": am}), reference="placebo",
    ...     outcome=Outcome.nrs_0_10(), estimands=("mean_daily_difference",),
    ...     columns=("p_beyond_0.5", "p_beyond_1", "p_beyond_2"))
    >>> row = rows(np.array([[0.1, 0.2, 0.3, 0.4]]))[0]
    >>> round(row["mean"], 3), round(row["p_benefit"], 3), round(row["p_beyond_1"], 3)
    (-0.55, 0.6, 0.3)
    """

    def __init__(
        self,
        posterior: xr.Dataset,
        *,
        reference: str,
        outcome: Outcome,
        estimands: tuple[str, ...],
        columns: tuple[str, ...],
    ) -> None:
        ds = contrast_draws(posterior, reference=reference, outcome=outcome)
        n_days = int(ds.attrs["n_days"])
        self._sign = outcome.benefit_sign
        self._cells: list[tuple[dict[str, Any], np.ndarray, tuple, tuple, float | None]] = []
        for contrast in ds["contrast"].values:
            sub = ds.sel(contrast=contrast)
            for name in estimands:
                if name not in ds.data_vars:
                    continue
                scale = estimand(name).scale
                own = outcome.thresholds_for(scale, n_days)
                label = {
                    "contrast": str(contrast),
                    "active": str(sub["active"].values),
                    "reference": str(sub["reference"].values),
                    "estimand": name,
                    "scale": sub[name].attrs["scale"],
                }
                values = sub[name].transpose(*_SAMPLE_DIMS).to_numpy().ravel()
                rope = outcome.rope_for(scale, n_days)
                self._cells.append((label, values, own, columns, rope))

    def __call__(self, weights: np.ndarray) -> list[dict[str, Any]]:
        """Weighted rows for normalised ``weights`` of shape ``(chain, draw)``."""
        rows = []
        for label, values, own, columns, rope in self._cells:
            s = weighted_summary(
                values, weights, thresholds=own, rope=rope, benefit_sign=self._sign
            )
            rows.append(
                {
                    **label,
                    "mean": s["mean"],
                    f"lo{CI_LABEL}": s["lo"],
                    f"hi{CI_LABEL}": s["hi"],
                    "p_benefit": s["p_benefit"],
                    **{col: s["p_beyond"][t] for col, t in zip(columns, own, strict=True)},
                    "p_rope": s["p_rope"],
                }
            )
        return rows
