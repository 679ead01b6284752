"""Vectorised pointwise log-likelihood and posterior predictive over all posterior draws.

PyMC's ``compute_log_likelihood`` and ``sample_posterior_predictive`` call a compiled
function once per draw (4000 Python-level calls for 4 x 1000 draws). Here the model graph is
vectorised over a leading draw dimension (``pytensor.graph.replace.vectorize_graph``) and
evaluated in one call: same distributions, same numbers up to RNG streams, a fraction of the
time.

These functions run once per fit, vectorised over the draws, so NumPy speed is all they need:
they are compiled in :func:`postprocess_mode` (PyTensor's Python linker: each op runs its
NumPy implementation) rather than PyTensor's default numba mode, whose first use in a process
with empty caches numba-compiles every op of the graph (a first ``daily`` fit's ``complete``:
29-52 s with numba, 3-5 s here, on a busy 2-core machine; ``benchmarks/README.md``). The
sampler's log density is not affected (nutpie still compiles it with numba), so the posterior
draws of the sampled variables are bit for bit the same. Derived values (random effects put
back, log-likelihood, predictive and prior draws) use the same random streams; they can
differ from numba's in the last bits (PyTensor compiles numba code with ``fastmath`` by
default), within 1e-12 (tests/test_postprocess_mode.py).
"""

from __future__ import annotations

import functools

import numpy as np
import pymc as pm
import pytensor
import pytensor.tensor as pt
import xarray as xr
from pymc.model.transform.conditioning import remove_value_transforms
from pymc.pytensorf import compile as compile_pymc
from pytensor.compile.mode import Mode
from pytensor.graph.replace import vectorize_graph
from pytensor.graph.rewriting.db import RewriteDatabaseQuery

__all__ = [
    "add_log_likelihood",
    "add_posterior_predictive",
    "add_prior_draws",
    "evaluate_over_draws",
    "postprocess_mode",
]


@functools.cache
def postprocess_mode() -> Mode:
    """PyTensor mode of the one-off post-processing functions: NumPy ops, no compile step.

    The Python linker with the usual ``fast_run`` rewrites (canonicalisation, numerical
    stabilisation, specialisation), except elementwise fusion: a fused ``Composite`` has no
    NumPy implementation and would run element by element in Python. Nothing is compiled, so
    the first call in a fresh process costs what a later one does.

    Returns
    -------
    pytensor.compile.mode.Mode

    Examples
    --------
    >>> import pytensor
    >>> import pytensor.tensor as pt
    >>> x = pt.vector("x")
    >>> fn = pytensor.function([x], pt.exp(x) + 1.0, mode=postprocess_mode())
    >>> fn([0.0, 1.0]).round(3).tolist()
    [2.0, 3.718]
    """
    return Mode(
        linker="py",
        optimizer=RewriteDatabaseQuery(include=["fast_run"], exclude=["fusion"]),
    )


def _batched_inputs(variables) -> dict:
    return {
        v: pt.tensor(f"{v.name}__draws", shape=(None, *v.type.shape), dtype=v.dtype)
        for v in variables
    }


def _flat_draws(posterior: xr.Dataset, variables, names) -> list[np.ndarray]:
    out = []
    for var, name in zip(variables, names, strict=True):
        arr = posterior[name].to_numpy()
        out.append(arr.reshape(-1, *arr.shape[2:]).astype(var.dtype))
    return out


def evaluate_over_draws(outputs, model: pm.Model, posterior: xr.Dataset) -> list[np.ndarray]:
    """Evaluate tensors of ``model``'s free variables at every posterior draw, in one call.

    Returns one array per output with a leading ``chain * draw`` dimension (outputs that do
    not depend on the draws come back without it).
    """
    free = list(model.free_RVs)
    batched = _batched_inputs(free)
    vectorized = vectorize_graph(list(outputs), replace=batched)
    fn = pytensor.function(
        list(batched.values()), vectorized, on_unused_input="ignore", mode=postprocess_mode()
    )
    values = fn(*_flat_draws(posterior, free, [rv.name for rv in free]))
    return [np.asarray(v) for v in values]


def _as_group(values: np.ndarray, posterior: xr.Dataset, model: pm.Model, name: str) -> xr.DataTree:
    n_chain, n_draw = posterior.sizes["chain"], posterior.sizes["draw"]
    dims = list(model.named_vars_to_dims.get(name, ()))
    array = values.reshape(n_chain, n_draw, *values.shape[1:])
    coords = {d: np.asarray(model.coords[d]) for d in dims}
    coords.update(chain=posterior["chain"].to_numpy(), draw=posterior["draw"].to_numpy())
    data = xr.DataArray(array, dims=["chain", "draw", *dims], coords=coords)
    return xr.DataTree(xr.Dataset({name: data}, attrs={"sample_dims": '["chain", "draw"]'}))


def add_log_likelihood(tree: xr.DataTree, model: pm.Model, name: str) -> None:
    """Add the ``log_likelihood`` group: pointwise log density of observed ``name``."""
    umodel = remove_value_transforms(model)
    values = [umodel.rvs_to_values[rv] for rv in umodel.free_RVs]
    [logp] = umodel.logp(vars=[umodel[name]], sum=False)
    batched = _batched_inputs(values)
    [vlogp] = vectorize_graph([logp], replace=batched)
    fn = pytensor.function(
        list(batched.values()), vlogp, on_unused_input="ignore", mode=postprocess_mode()
    )
    posterior = tree["posterior"].to_dataset()
    names = [rv.name for rv in umodel.free_RVs]
    result = fn(*_flat_draws(posterior, values, names))
    tree["log_likelihood"] = _as_group(np.asarray(result), posterior, model, name)


def add_posterior_predictive(tree: xr.DataTree, model: pm.Model, name: str, *, seed: int) -> None:
    """Add the ``posterior_predictive`` group: one replicate of ``name`` per posterior draw."""
    free = list(model.free_RVs)
    batched = _batched_inputs(free)
    [vrv] = vectorize_graph([model[name]], replace=batched)
    fn = compile_pymc(
        list(batched.values()),
        vrv,
        random_seed=seed,
        on_unused_input="ignore",
        mode=postprocess_mode(),
    )
    posterior = tree["posterior"].to_dataset()
    result = fn(*_flat_draws(posterior, free, [rv.name for rv in free]))
    tree["posterior_predictive"] = _as_group(np.asarray(result), posterior, model, name)


def add_prior_draws(tree: xr.DataTree, model: pm.Model, *, draws: int, seed: int) -> None:
    """Add the ``prior`` and ``prior_predictive`` groups: ``draws`` forward draws of ``model``."""
    prior = pm.sample_prior_predictive(
        draws=draws, model=model, random_seed=seed, compile_kwargs={"mode": postprocess_mode()}
    )
    for group in ("prior", "prior_predictive"):
        tree[group] = xr.DataTree(prior[group].to_dataset())
