r"""Draw SBC datasets from a built model's prior: parameters, then data given them.

Step 1: ``pm.sample_prior_predictive`` draws every free and deterministic variable of the model
(its own generative graph). Step 2: data are drawn *given* those parameters:

* iid likelihoods (Gaussian daily, AUC, ordinal): the observed variable's own random graph,
  vectorised over the parameter draws (``pytensor.graph.replace.vectorize_graph``), i.e. one
  replicate per prior draw, exactly as a posterior predictive would be drawn;
* AR(1) residuals (``daily_ar1``): the model's likelihood is written as conditionals given the
  *observed* previous day (``pain_data``), so its forward graph is not a generator of new
  series. The mean :math:`m_{ipt}` is taken from the model's own graph (the observed
  variable's location with ``phi`` set to 0, where the conditional mean reduces to the mean),
  and the residual is generated here from the stationary AR(1) process over the observed days
  of each subject-period, gaps included: :math:`e_{first} \sim N(0, \sigma)`,
  :math:`e_t = \phi^g e_{t-g} + \sigma\sqrt{1 - \phi^{2g}}\, z_t`. SBC then checks the model's
  exact-likelihood claim against an independent generator.

Constrained priors (the ordinal cutpoints are ``Normal`` with an ``ordered`` transform) are not
respected by forward sampling, which draws independent normals. The model's prior is those
normals *conditioned on being ordered* (the log density is the same, restricted to the ordered
set), so draws that are not ordered are rejected: exact draws from the model's prior.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pymc.pytensorf import compile as compile_pymc
from pytensor.graph.replace import vectorize_graph

from bayes_keta.data.trial import Trial
from bayes_keta.models import BuiltModel
from bayes_keta.models.design import obs_design

__all__ = ["PriorDatasets", "observed_names", "prior_datasets"]

_MAX_BATCHES = 50


@dataclass(frozen=True)
class PriorDatasets:
    """Simulated datasets and the parameter values that generated them.

    Attributes
    ----------
    prior : xarray.Dataset
        Free and deterministic variables, dims ``(draw, ...)`` (one draw per simulation).
    data : numpy.ndarray
        Simulated observations, shape ``(n_sims, n_obs)``, dtype of the model's data.
    observed : str
        Name of the observed variable (``pain`` or ``auc``).
    data_name : str
        Name of the ``pm.Data`` holding it (``pain_data`` or ``auc_data``).
    acceptance : float
        Fraction of prior draws kept (1 unless a constrained prior needed rejection).
    """

    prior: xr.Dataset
    data: np.ndarray
    observed: str
    data_name: str
    acceptance: float


def observed_names(built: BuiltModel) -> tuple[str, str]:
    """Observed variable and its ``pm.Data``: ``(auc, auc_data)`` or ``(pain, pain_data)``."""
    return built.observed, built.capabilities.data_name


def _batched(variables) -> dict:
    return {
        v: pt.tensor(f"{v.name}__draws", shape=(None, *v.type.shape), dtype=v.dtype)
        for v in variables
    }


def _flat(prior: xr.Dataset, variables) -> list[np.ndarray]:
    return [prior[v.name].to_numpy().astype(v.dtype) for v in variables]


def _accepted(prior: xr.Dataset) -> np.ndarray:
    """Draws satisfying the model's constraints (ordered cutpoints)."""
    keep = np.ones(prior.sizes["draw"], dtype=bool)
    if "cutpoints" in prior:
        cut = prior["cutpoints"].to_numpy()
        keep &= np.all(np.diff(cut, axis=-1) > 0, axis=-1)
    return keep


def _draw_parameters(model: pm.Model, n_sims: int, rng: np.random.Generator) -> tuple:
    names = [v.name for v in model.free_RVs + model.deterministics]
    kept, drawn = [], 0
    batch = n_sims
    for _ in range(_MAX_BATCHES):
        tree = pm.sample_prior_predictive(
            draws=batch,
            model=model,
            var_names=names,
            random_seed=int(rng.integers(2**31)),
        )
        prior = tree["prior"].to_dataset().squeeze("chain", drop=True)
        drawn += batch
        keep = _accepted(prior)
        kept.append(prior.isel(draw=np.flatnonzero(keep)))
        if sum(k.sizes["draw"] for k in kept) >= n_sims:
            break
        rate = max(keep.mean(), 1.0 / batch)
        batch = int(min(20 * n_sims, np.ceil(1.5 * n_sims / rate)))
    else:
        raise RuntimeError(f"prior rejection kept too few draws ({drawn} drawn)")
    prior = xr.concat(kept, dim="draw").isel(draw=slice(0, n_sims))
    prior = prior.assign_coords(draw=np.arange(n_sims))
    return prior, sum(k.sizes["draw"] for k in kept) / drawn


def _forward(model: pm.Model, prior: xr.Dataset, name: str, seed: int) -> np.ndarray:
    """One draw of the observed variable's random graph per parameter draw."""
    free = list(model.free_RVs)
    batched = _batched(free)
    [out] = vectorize_graph([model[name]], replace=batched)
    fn = compile_pymc(list(batched.values()), out, random_seed=seed, on_unused_input="ignore")
    return np.asarray(fn(*_flat(prior, free)))


def _ar1_mean(model: pm.Model, prior: xr.Dataset, name: str) -> np.ndarray:
    """Location of the observed variable with ``phi = 0`` (the AR(1) model's mean)."""
    rv = model[name]
    location = rv.owner.op.dist_params(rv.owner)[0]
    free = [v for v in model.free_RVs if v.name != "phi"]
    batched = _batched(free)
    replace = {**batched, model["phi"]: pt.constant(0.0, dtype=model["phi"].dtype)}
    [out] = vectorize_graph([location], replace=replace)
    fn = pytensor.function(list(batched.values()), out, on_unused_input="ignore")
    return np.asarray(fn(*_flat(prior, free)))


def ar1_residuals(
    phi: np.ndarray, sigma: np.ndarray, prev: np.ndarray, gap: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Stationary AR(1) residuals over observed days (gaps via ``phi ** gap``).

    Parameters
    ----------
    phi, sigma : numpy.ndarray
        One value per simulation, shape ``(n_sims,)``.
    prev, gap : numpy.ndarray
        Per observation: row of the previous observed day of the same cell (-1 for the first)
        and days since it (:class:`bayes_keta.models.design.ObsDesign`).
    rng : numpy.random.Generator
        Random numbers.

    Returns
    -------
    numpy.ndarray
        Shape ``(n_sims, n_obs)``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> prev = np.r_[-1, np.arange(1999)]
    >>> e = ar1_residuals(np.array([0.6]), np.array([2.0]), prev, np.ones(2000, int), rng)
    >>> round(float(e.std()), 1), round(float(np.corrcoef(e[0, 1:], e[0, :-1])[0, 1]), 1)
    (2.0, 0.6)
    """
    z = rng.standard_normal((len(phi), len(prev)))
    e = np.empty_like(z)
    for j, (p, g) in enumerate(zip(prev, gap, strict=True)):
        if p < 0:
            e[:, j] = sigma * z[:, j]
        else:
            rho = phi**g
            e[:, j] = rho * e[:, p] + sigma * np.sqrt(1.0 - rho**2) * z[:, j]
    return e


def prior_datasets(built: BuiltModel, trial: Trial, *, n_sims: int, seed: int) -> PriorDatasets:
    """Draw ``n_sims`` parameter sets from the prior and one dataset given each.

    Parameters
    ----------
    built : BuiltModel
        The model built on the trial whose design (subjects, sequences, missing days) the
        simulated data keep (:func:`bayes_keta.models.build`).
    trial : Trial
        That trial.
    n_sims : int
        Number of datasets.
    seed : int
        Seed: the same arguments give the same draws.

    Returns
    -------
    PriorDatasets
    """
    rng = np.random.default_rng(seed)
    model = built.full_model  # the model with the observed variable (marginal: its twin)
    observed, data_name = observed_names(built)
    prior, acceptance = _draw_parameters(model, n_sims, rng)
    dtype = model[data_name].get_value().dtype
    if built.spec.residual == "ar1":
        obs = obs_design(trial)
        mean = _ar1_mean(model, prior, observed)
        resid = ar1_residuals(
            prior["phi"].to_numpy(), prior["sigma"].to_numpy(), obs.prev, obs.gap, rng
        )
        data = mean + resid
    else:
        data = _forward(model, prior, observed, seed=int(rng.integers(2**31)))
    return PriorDatasets(
        prior=prior,
        data=np.asarray(data).astype(dtype),
        observed=observed,
        data_name=data_name,
        acceptance=float(acceptance),
    )
