r"""The design prior: what a fit says about the effects and variance components of a next trial.

Assurance averages the probability of success over a *design prior* (O'Hagan, Stevens &
Campbell, Pharm Stat 2005;4:187-201). Here it is the fit's posterior: each simulated trial
takes one posterior draw (chosen at random, with replacement) of **both** the treatment
effects and the variance components, so uncertainty about either propagates;
``kind="point"`` (``--design-prior point``) replaces the draws by their posterior means
(means of the SDs, not of the variances): classical power at those values.

Everything is on the outcome's per-reading scale (the fit's outcome: daily NRS points for the
embedded trial, mm for a 0-100 VAS...); the fit's outcome and its prior scaling
(``FitRecord.prior_scaling``) travel with the design prior, so the next trial is analysed on
that scale too.
From the posterior of a Gaussian spec (``daily``, ``daily_decay``, ``daily_ar1``, ``auc``):

* effect curves :math:`\delta_k(t)` = ``arm_mean[k, t] - arm_mean[reference, t]`` (the
  contract every model honours; constant over ``t`` unless the effect decays); the mean
  effect is their average over the ``D`` readings of a period;
* ``sigma_subject``, ``sigma_subject_period``, ``sigma`` and ``phi`` (AR(1); 0 for iid);
  the AUC spec's parameters are on the AUC scale and are divided by ``D``; it has no
  subject-by-period SD (one value per cell), so its ``sigma / D`` plays that part and the
  readings of a simulated cell are all equal to its level;
* ``period_effect`` (centred) and the reference arm's level, used only to simulate full
  readings (``--exact``): they have no influence on the within-subject analysis.

The mean of a period's ``D`` readings then has residual variance
:math:`\sigma_v^2 + \sigma^2 r(\phi, D)`, :math:`r = D^{-2}\sum_{s,t}\phi^{|s-t|} =
D^{-2}[D + 2\sum_{h=1}^{D-1}(D-h)\phi^h]` (exact for stationary AR(1); :math:`1/D` for iid).

:func:`design_prior_from_fit` is the **one** place that reads a fit (through
:func:`bayes_keta.load_fit` and ``fit.datatree``): the posterior group, the ``constant_data``
group (the fitted trial's sequences, for ``--design same``) and the provenance attributes
(spec, data name and hash). Treatments come from the ``treatment`` coordinate (reference
first, by contract) and the reference is the treatment missing from the ``active``
coordinate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from bayes_keta.constants import CI_PROB
from bayes_keta.exceptions import DataError, OutputError, SpecError
from bayes_keta.models import capabilities
from bayes_keta.models.scaling import PriorScaling
from bayes_keta.outcome import Outcome
from bayes_keta.spec import ModelSpec, load_spec

__all__ = ["DesignPrior", "design_prior_from_fit", "mean_effect_draws", "residual_factor"]

_SCALARS = ("sigma_subject", "sigma_subject_period", "sigma", "phi")


def residual_factor(phi: np.ndarray | float, n_days: int) -> np.ndarray:
    r"""Variance of the mean of ``n_days`` stationary AR(1) readings, per unit variance.

    :math:`r(\phi, D) = D^{-2}\,[D + 2\sum_{h=1}^{D-1} (D-h)\,\phi^h]`; ``1/D`` when
    :math:`\phi = 0`.

    Examples
    --------
    >>> float(residual_factor(0.0, 35)) == 1 / 35
    True
    >>> round(float(residual_factor(0.6, 35)), 4)
    0.1082
    """
    phi = np.asarray(phi, dtype=float)
    lags = np.arange(1, n_days)
    terms = (n_days - lags) * phi[..., None] ** lags
    return (n_days + 2.0 * terms.sum(axis=-1)) / n_days**2


@dataclass(frozen=True)
class DesignPrior:
    """Draws of the effects and variance components a next trial is simulated from.

    Attributes
    ----------
    treatments : tuple of str
        The fitted trial's treatments, reference first.
    reference : str
        Reference label.
    n_days : int
        Readings per period in the fitted trial.
    effect : numpy.ndarray
        Effect curves vs the reference, shape ``(draws, actives, n_days)``.
    level : numpy.ndarray
        Reference arm's expected reading (typical subject, periods averaged), ``(draws,)``.
    period : numpy.ndarray
        Centred period effects of the fitted trial, ``(draws, periods)``.
    sigma_subject, sigma_subject_period, sigma, phi : numpy.ndarray
        Variance components, ``(draws,)`` each (per-reading units; ``phi`` 0 for iid).
    spec : ModelSpec
        The fitted spec (its default priors are the analysis priors of the next trial).
    sequences : tuple of tuple of str or None
        The fitted trial's sequences (subjects who completed every period), or None.
    kind : {"posterior", "point"}
        Posterior draws, or their means.
    source : dict
        Where the draws came from (fit path, data name and hash, synthetic, spec name...).
    outcome : Outcome
        The fit's outcome (units, bounds, direction of benefit; default the 0-10 NRS).
    scaling : PriorScaling
        How the fit put NRS-point priors on its outcome (the analysis priors of the next
        trial get the same; default the identity, the NRS's own).

    Examples
    --------
    >>> prior = DesignPrior.from_values(effects={"A": -1.0}, sigma=1.0, sigma_subject_period=0.5,
    ...                                 n_days=7)
    >>> prior.mean_effect.tolist(), round(float(prior.cell_variance[0]), 4)
    ([[-1.0]], 0.3929)
    """

    treatments: tuple[str, ...]
    reference: str
    n_days: int
    effect: np.ndarray = field(repr=False)
    level: np.ndarray = field(repr=False)
    period: np.ndarray = field(repr=False)
    sigma_subject: np.ndarray = field(repr=False)
    sigma_subject_period: np.ndarray = field(repr=False)
    sigma: np.ndarray = field(repr=False)
    phi: np.ndarray = field(repr=False)
    spec: ModelSpec = field(repr=False)
    sequences: tuple[tuple[str, ...], ...] | None = None
    kind: str = "posterior"
    source: Mapping[str, Any] = field(default_factory=dict, repr=False)
    outcome: Outcome = field(default_factory=Outcome.nrs_0_10, repr=False)
    scaling: PriorScaling = field(default_factory=PriorScaling.identity, repr=False)

    @property
    def actives(self) -> tuple[str, ...]:
        """Active treatments, in the order of :attr:`effect`'s second axis."""
        return tuple(t for t in self.treatments if t != self.reference)

    @property
    def n_draws(self) -> int:
        """Number of draws (1 for a point prior)."""
        return int(self.effect.shape[0])

    @property
    def mean_effect(self) -> np.ndarray:
        """Mean effect over a period's readings, ``(draws, actives)``."""
        return self.effect.mean(axis=-1)

    @property
    def cell_variance(self) -> np.ndarray:
        """Residual variance of a cell mean given subject and period, ``(draws,)``."""
        return self.sigma_subject_period**2 + self.sigma**2 * residual_factor(self.phi, self.n_days)

    def point(self) -> DesignPrior:
        """Return the posterior means as a one-draw prior (``kind="point"``: classical power)."""
        mean = {
            name: getattr(self, name).mean(axis=0, keepdims=True)
            for name in ("effect", "level", "period", *_SCALARS)
        }
        return replace(self, kind="point", **mean)

    def summary(self) -> dict[str, Any]:
        """Means and central intervals (``CI_PROB``) of what drives assurance (JSON-able)."""
        out: dict[str, Any] = {"kind": self.kind, "draws": self.n_draws}
        for k, active in enumerate(self.actives):
            out[f"mean_effect[{active}]"] = _describe(self.mean_effect[:, k])
        out["cell_sd"] = _describe(np.sqrt(self.cell_variance))
        for name in _SCALARS:
            out[name] = _describe(getattr(self, name))
        return out

    @classmethod
    def from_values(
        cls,
        *,
        effects: Mapping[str, float],
        sigma: float,
        sigma_subject_period: float = 0.0,
        sigma_subject: float = 1.0,
        phi: float = 0.0,
        level: float = 5.0,
        n_days: int = 7,
        reference: str = "placebo",
        spec: str | ModelSpec = "daily",
    ) -> DesignPrior:
        """Make a point design prior from known values (tests, what-if questions).

        ``effects`` maps each active label to its constant effect vs ``reference``.
        """
        actives = tuple(effects)
        one = np.ones(1)
        return cls(
            treatments=(reference, *actives),
            reference=reference,
            n_days=n_days,
            effect=np.array([[[effects[a]] * n_days for a in actives]], dtype=float),
            level=level * one,
            period=np.zeros((1, 1)),
            sigma_subject=sigma_subject * one,
            sigma_subject_period=sigma_subject_period * one,
            sigma=sigma * one,
            phi=phi * one,
            spec=load_spec(spec),
            kind="point",
            source={
                "fit": "values given",
                "data_name": "values given",
                "spec_name": load_spec(spec).name,
                "posterior_draws": 1,
            },
        )


def design_prior_from_fit(fit_or_dir: Any) -> DesignPrior:
    """Read the design prior of a next trial from a fit (the only reader of fits here).

    Parameters
    ----------
    fit_or_dir : str, Path or fit
        A fit folder (``bayes-keta fit --out DIR``, read with :func:`bayes_keta.load_fit`)
        or a fit object with a ``datatree`` (fresh or reloaded).

    Returns
    -------
    DesignPrior
        ``kind="posterior"``.

    Raises
    ------
    DataError
        Not a fit folder (no or unreadable ``posterior.nc`` / ``summary.json``).
    SpecError
        A spec assurance cannot simulate: only Gaussian specs (``likelihood = "normal"``)
        without carryover or baseline terms.

    Examples
    --------
    >>> design_prior_from_fit("no/such/folder")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    bayes_keta.exceptions.DataError: no/such/folder is not a fit folder ...
    """
    from bayes_keta.fitting.result import as_fit

    where = str(fit_or_dir) if isinstance(fit_or_dir, str | Path) else "<fit object>"
    try:
        fit = as_fit(fit_or_dir)
    except OutputError as err:
        raise DataError(
            f"{where} is not a fit folder ({err}); make one with"
            " `bayes-keta fit --model daily --out DIR`"
        ) from None
    tree = fit.datatree
    spec = fit.spec
    _check_supported(spec)
    post = tree["posterior"].to_dataset()
    treatments = tuple(str(t) for t in post["treatment"].values)
    reference = fit.reference
    if treatments[0] != reference:
        raise DataError(f"{where}: the reference arm {reference!r} is not the first treatment")
    actives = tuple(t for t in treatments if t != reference)
    n_days = int(post.sizes["day"])
    scale = spec.outcome_scale(n_days)

    def stacked(name: str) -> np.ndarray:
        if name not in post:
            return np.zeros(post.sizes["chain"] * post.sizes["draw"])
        var = post[name]
        rest_dims = [d for d in var.dims if d not in ("chain", "draw")]
        return var.transpose("chain", "draw", *rest_dims).to_numpy().reshape(-1, *var.shape[2:])

    arm = post["arm_mean"].transpose("chain", "draw", "treatment", "day").to_numpy()
    arm = arm.reshape(-1, len(treatments), n_days)
    effect = np.stack([arm[:, treatments.index(a)] - arm[:, 0] for a in actives], axis=1)
    period = stacked("period_effect") / scale
    period = period - period.mean(axis=1, keepdims=True)
    sigma = stacked("sigma") / scale
    sigma_sp = stacked("sigma_subject_period") / scale
    if capabilities(spec).loo == "cell":  # one value per cell: its residual is the cell-level one
        sigma_sp, sigma = sigma, np.zeros_like(sigma)
    source = {
        "fit": where,
        "data_name": fit.record.data.name,
        "data_sha256": fit.record.data.sha256,
        "data_synthetic": bool(fit.record.data.synthetic),
        "spec_name": spec.name,
        "spec_sha256": fit.record.model.sha256,
        "posterior_draws": int(arm.shape[0]),
    }
    return DesignPrior(
        treatments=treatments,
        reference=reference,
        n_days=n_days,
        effect=effect,
        level=arm[:, 0].mean(axis=1),
        period=period,
        sigma_subject=stacked("sigma_subject") / scale,
        sigma_subject_period=sigma_sp,
        sigma=sigma,
        phi=stacked("phi"),
        spec=spec,
        sequences=_fitted_sequences(tree, treatments),
        kind="posterior",
        source=source,
        outcome=fit.outcome,
        scaling=PriorScaling.from_dict(fit.record.prior_scaling),
    )


def mean_effect_draws(tree: Any, *, reference: str) -> dict[str, np.ndarray]:
    """Draws of each active arm's mean effect vs ``reference`` (per reading, over the days).

    Used on the posterior of a fresh fit of a simulated trial (``--exact``): the same
    ``arm_mean`` contract as :func:`design_prior_from_fit`.
    """
    arm = tree["posterior"]["arm_mean"].mean("day")
    ref = arm.sel(treatment=reference)
    return {
        str(t): (arm.sel(treatment=t) - ref).to_numpy().ravel()
        for t in arm["treatment"].values
        if str(t) != reference
    }


# ----------------------------------------------------------------------------------- helpers
def _check_supported(spec: ModelSpec) -> None:
    problems = []
    if spec.likelihood != "normal":
        problems.append(f"likelihood {spec.likelihood!r} (only 'normal')")
    if spec.carryover:
        problems.append("carryover terms")
    if spec.baseline:
        problems.append("a baseline covariate (its future values are unknown)")
    if spec.individual_effects:
        problems.append("individual treatment effects (the simulator of a next trial has none)")
    if problems:
        raise SpecError(
            f"assurance simulates Gaussian specs without carryover or baseline terms; the fit's"
            f" spec {spec.name!r} has {', '.join(problems)}; fit daily, daily_ar1, daily_decay"
            " or auc first"
        )


def _fitted_sequences(tree: Any, treatments: tuple[str, ...]) -> tuple[tuple[str, ...], ...] | None:
    """Sequences of subjects with every period, from ``constant_data`` (None if absent)."""
    try:
        data = tree["constant_data"].to_dataset()
        subject = data["cell_subject_idx"].to_numpy()
        period = data["cell_period_idx"].to_numpy()
        treatment = data["cell_treatment_idx"].to_numpy()
    except KeyError:
        return None
    n_periods = int(period.max()) + 1
    seqs: dict[tuple[str, ...], None] = {}
    for s in dict.fromkeys(subject.tolist()):
        rows = subject == s
        if rows.sum() != n_periods:
            continue
        order = np.argsort(period[rows])
        seqs[tuple(treatments[int(k)] for k in treatment[rows][order])] = None
    return tuple(seqs) or None


def _describe(values: np.ndarray) -> dict[str, float]:
    tail = (1.0 - CI_PROB) / 2.0
    lo, hi = np.quantile(values, [tail, 1.0 - tail])
    return {"mean": float(values.mean()), "lo": float(lo), "hi": float(hi)}
