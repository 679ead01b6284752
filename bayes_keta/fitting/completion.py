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
from bayes_keta.models import BuiltModel
from bayes_keta.models.marginal import RandomEffectTerms

__all__ = [
    "SUBJECT_LOGLIK_GROUP",
    "attach_data_groups",
    "complete_marginal",
    "complete_random_effects",
    "complete_tree",
]

#: DataTree group of a marginal fit holding each subject's log-likelihood with every random
#: effect integrated out (dims chain, draw, subject; variable named after the observed one):
#: the pointwise terms of a leave-one-subject-out PSIS-LOO. Apart from ``log_likelihood`` so
#: that per-reading LOO and power-scaling read what they always did.
SUBJECT_LOGLIK_GROUP: str = "log_likelihood_subject"


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
        ``cell_mean`` (dims ``cell``), as in the centred model; with individual effects
        (``terms.cell_active``) also ``individual_deviation`` and ``individual_effect``
        (dims ``subject``, ``active``).
    """
    return complete_marginal(posterior, model, terms, seed=seed)[0]


def complete_marginal(
    posterior: xr.Dataset, model: pm.Model, terms: RandomEffectTerms, *, seed: int
) -> tuple[xr.Dataset, xr.DataArray | None]:
    """:func:`complete_random_effects`, and each subject's marginal log-likelihood.

    Returns
    -------
    tuple
        ``(posterior, subject_loglik)``: the completed posterior, and the log-likelihood of
        each subject's data with every random effect integrated out, dims ``(chain, draw,
        subject)`` (None when the terms do not offer it).
    """
    wanted = [terms.fixed, terms.estimate, terms.estimate_var]
    cells = terms.cell_precision is not None
    if cells:
        wanted += [terms.cell_precision, terms.cell_weighted_sum]
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    n_cells = len(terms.subject_idx)
    values = evaluate_over_draws(wanted, model, posterior)
    per_subject = None
    if terms.subject_loglik is not None:  # its own call: the terms above stay bit for bit
        [per_subject] = evaluate_over_draws([terms.subject_loglik], model, posterior)
    fixed, estimate, variance, *cell_terms = (
        np.broadcast_to(a, (n_chain * n_draw, n_cells)) for a in values
    )
    rng = np.random.default_rng(seed)
    draws = _Draws(posterior, model)
    if terms.cell_active is not None:
        subject, added = _individual(draws, terms, fixed, estimate, variance, rng)
    else:
        subject, added = _subjects(draws, terms, fixed, estimate, variance, rng)
    if cells:
        precision, weighted = cell_terms
        sd_v = draws.flat("sigma_subject_period")[:, None]
        level = subject[:, terms.subject_idx] + fixed + added.pop("_cell_shift", 0.0)
        precision_c = 1.0 / sd_v**2 + precision
        mean_c = (level / sd_v**2 + weighted) / precision_c
        added["cell_mean"] = draws.var(
            mean_c + rng.standard_normal(mean_c.shape) / np.sqrt(precision_c), ("cell",)
        )
    loglik = None if per_subject is None else draws.var(per_subject, ("subject",))
    return posterior.assign(added), loglik


def complete_tree(tree: xr.DataTree, built: BuiltModel, observed: str, *, seed: int) -> None:
    """Complete a marginal fit's DataTree in place (what :meth:`Fitter.complete` needs).

    The posterior gets the integrated-out effects (:func:`complete_marginal`), the data groups
    are the observation-level twin's (:func:`attach_data_groups`), and each subject's marginal
    log-likelihood goes into :data:`SUBJECT_LOGLIK_GROUP` (variable ``observed``) when the
    model offers it.
    """
    posterior, per_subject = complete_marginal(
        tree["posterior"].to_dataset(), built.model, built.random_effects, seed=seed
    )
    tree["posterior"] = xr.DataTree(posterior)
    attach_data_groups(tree, built.full_model)
    if per_subject is not None:
        tree[SUBJECT_LOGLIK_GROUP] = xr.DataTree(xr.Dataset({observed: per_subject}))


class _Draws:
    """Flattened draws of a posterior, and labelled arrays back in its shape."""

    def __init__(self, posterior: xr.Dataset, model: pm.Model) -> None:
        self.posterior, self.model = posterior, model
        self.shape = (posterior.sizes["chain"], posterior.sizes["draw"])

    def flat(self, name: str) -> np.ndarray:
        arr = self.posterior[name].to_numpy()
        return arr.reshape(self.shape[0] * self.shape[1], *arr.shape[2:])

    def var(self, values: np.ndarray, dims: tuple[str, ...]) -> xr.DataArray:
        coords = {d: self.posterior[d].to_numpy() for d in ("chain", "draw")}
        return xr.DataArray(
            values.reshape(*self.shape, *values.shape[1:]),
            dims=("chain", "draw", *dims),
            coords=coords | {d: np.asarray(self.model.coords[d]) for d in dims},
        )


def _subjects(draws: _Draws, terms, fixed, estimate, variance, rng) -> tuple:
    """Subject means given the draw and the data (random intercept only)."""
    mu, sd_u = draws.flat("mu")[:, None], draws.flat("sigma_subject")[:, None]
    observed = terms.observed[None, :]
    n_subjects = len(draws.model.coords["subject"])
    member = np.eye(n_subjects)[terms.subject_idx]  # (cell, subject) indicator
    w = np.where(observed, 1.0 / variance, 0.0)
    e = np.where(observed, estimate - mu - fixed, 0.0)
    precision_u = 1.0 / sd_u**2 + w @ member
    effect = (w * e) @ member / precision_u + rng.standard_normal(precision_u.shape) / np.sqrt(
        precision_u
    )
    subject = mu + effect
    added = {
        "subject_mean": draws.var(subject, ("subject",)),
        "subject_effect": draws.var(effect, ("subject",)),
    }
    return subject, added


def _individual(draws: _Draws, terms, fixed, estimate, variance, rng) -> tuple:
    r"""Subject means and individual effects jointly, given the draw and the data.

    :math:`\eta_i = (u_i, b_i) = L_C \xi_i` with :math:`\xi_i \sim N(0, I)` a priori
    (:mod:`bayes_keta.models.hte`); given the cell estimates, :math:`\xi_i \sim
    N((I + G_i)^{-1} g_i, (I + G_i)^{-1})`: exact, and stable however small tau.
    """
    mu = draws.flat("mu")
    n_subjects = len(draws.model.coords["subject"])
    tau = draws.flat("sigma_individual")  # (N, K)
    n, k = tau.shape
    chol = draws.flat("individual_corr") if k >= 2 else np.ones((n, 1, 1))
    low = np.zeros((n, 1 + k, 1 + k))
    low[:, 0, 0] = draws.flat("sigma_subject")
    low[:, 1:, 1:] = tau[:, :, None] * chol
    design = np.zeros((len(terms.subject_idx), 1 + k))  # U: intercept, active one-hot
    design[:, 0] = 1.0
    on = terms.cell_active >= 0
    design[np.flatnonzero(on), 1 + terms.cell_active[on]] = 1.0
    member = np.eye(n_subjects)[terms.subject_idx]
    observed = terms.observed[None, :]
    w = np.where(observed, 1.0 / variance, 0.0)
    e = np.where(observed, estimate - mu[:, None] - fixed, 0.0)
    gram = np.einsum("nc,cs,cq,cr->nsqr", w, member, design, design)
    h = np.einsum("nc,cs,cq->nsq", w * e, member, design)
    core = np.eye(1 + k) + np.einsum("npj,nspr,nrk->nsjk", low, gram, low)
    g = np.einsum("npj,nsp->nsj", low, h)
    factor = np.linalg.cholesky(core)
    z = rng.standard_normal(g.shape)
    xi = np.linalg.solve(core, g[..., None])[..., 0]
    xi += np.linalg.solve(np.swapaxes(factor, -1, -2), z[..., None])[..., 0]
    eta = np.einsum("npq,nsq->nsp", low, xi)
    effect, deviation = eta[..., 0], eta[..., 1:]
    subject = mu[:, None] + effect
    padded = np.concatenate([np.zeros((n, n_subjects, 1)), deviation], axis=-1)
    added = {
        "subject_mean": draws.var(subject, ("subject",)),
        "subject_effect": draws.var(effect, ("subject",)),
        "individual_deviation": draws.var(deviation, ("subject", "active")),
        "individual_effect": draws.var(
            draws.flat("treatment_effect")[:, None, :] + deviation, ("subject", "active")
        ),
        "_cell_shift": padded[:, terms.subject_idx, 1 + terms.cell_active],
    }
    return subject, added


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
