"""Put integrated-out random effects back into a marginal model's posterior.

The ``"marginal"`` specs (:mod:`bayes_keta.models.marginal`) sample the fixed effects and
variance parameters only. For each posterior draw, :func:`complete_random_effects` draws the
subject means from their conditional normal given the draw and the data, then (daily models)
the subject-period means given the subject means. The joint posterior factorises as
``p(theta | y) p(s | theta, y) p(c | s, theta, y)``, so this is exact joint posterior sampling.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import xarray as xr

from bayes_keta.fitting.predictive import evaluate_over_draws
from bayes_keta.models.marginal import RandomEffectTerms

__all__ = ["attach_data_groups", "complete_random_effects"]


def complete_random_effects(
    posterior: xr.Dataset, model: pm.Model, terms: RandomEffectTerms, *, seed: int
) -> xr.Dataset:
    """Add exact posterior draws of the integrated-out effects to a marginal model's posterior.

    Parameters
    ----------
    posterior : xarray.Dataset
        Draws of the marginal model (dims ``chain``, ``draw``).
    model : pymc.Model
        The marginal model that produced them
        (:func:`bayes_keta.models.marginal.build_marginal`).
    terms : RandomEffectTerms
        Its terms.
    seed : int
        Seed of the conditional draws.

    Returns
    -------
    xarray.Dataset
        ``posterior`` plus ``subject_mean``, ``subject_effect`` (dims ``subject``) and
        ``cell_mean`` (dims ``cell``), as in the centred model.
    """
    wanted = [terms.fixed, terms.estimate, terms.estimate_var]
    cells = terms.cell_precision is not None
    if cells:
        wanted += [terms.cell_precision, terms.cell_weighted_sum]
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]

    def flat(name: str) -> np.ndarray:
        arr = posterior[name].to_numpy()
        return arr.reshape(n_chain * n_draw, *arr.shape[2:])

    fixed, estimate, variance, *cell_terms = (
        np.broadcast_to(a, (n_chain * n_draw, len(terms.subject_idx)))
        for a in evaluate_over_draws(wanted, model, posterior)
    )
    mu, sd_u = flat("mu")[:, None], flat("sigma_subject")[:, None]
    observed = terms.observed[None, :]
    n_subjects = int(model.dim_lengths["subject"].eval())
    member = np.eye(n_subjects)[terms.subject_idx]  # (cell, subject) indicator
    w = np.where(observed, 1.0 / variance, 0.0)
    e = np.where(observed, estimate - mu - fixed, 0.0)
    precision_u = 1.0 / sd_u**2 + w @ member
    rng = np.random.default_rng(seed)
    effect = (w * e) @ member / precision_u + rng.standard_normal(precision_u.shape) / np.sqrt(
        precision_u
    )
    subject = mu + effect

    def as_var(values: np.ndarray, dim: str) -> xr.DataArray:
        return xr.DataArray(
            values.reshape(n_chain, n_draw, -1),
            dims=("chain", "draw", dim),
            coords={dim: np.asarray(model.coords[dim])},
        )

    added = {
        "subject_mean": as_var(subject, "subject"),
        "subject_effect": as_var(effect, "subject"),
    }
    if cells:
        precision, weighted = cell_terms
        sd_v = flat("sigma_subject_period")[:, None]
        level = subject[:, terms.subject_idx] + fixed
        precision_c = 1.0 / sd_v**2 + precision
        mean_c = (level / sd_v**2 + weighted) / precision_c
        added["cell_mean"] = as_var(
            mean_c + rng.standard_normal(mean_c.shape) / np.sqrt(precision_c), "cell"
        )
    return posterior.assign(added)


def attach_data_groups(tree: xr.DataTree, model: pm.Model) -> None:
    """(Re)write ``constant_data`` and ``observed_data`` from ``model`` (the full model)."""
    from pymc.backends.arviz import (
        coords_and_dims_for_inferencedata,
        dict_to_dataset,
        find_constants,
        find_observations,
    )

    coords, dims = coords_and_dims_for_inferencedata(model)
    for group, values in (
        ("constant_data", find_constants(model)),
        ("observed_data", find_observations(model)),
    ):
        data = dict_to_dataset(
            values, inference_library=pm, coords=coords, dims=dims, sample_dims=[]
        )
        tree[group] = xr.DataTree(data)
