"""The one-off post-processing functions run in PyTensor's Python linker, at numba's numbers.

``bayes_keta.fitting.predictive.postprocess_mode`` keeps the random effects put back, the
pointwise log-likelihood, the posterior predictive and the prior draws out of numba (whose
first use in a process compiles every op: most of a first fit's ``complete``). The fast tests
check the mode and the values it computes against SciPy; the slow one fits the same draws with
both modes and holds every derived array to rounding (numba compiles with ``fastmath``).
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
import scipy.stats as st
import xarray as xr
from pytensor.link.basic import PerformLinker

from bayes_keta.fitting import fit, predictive

DERIVED = ("posterior", "posterior_predictive", "log_likelihood", "prior", "prior_predictive")


def _toy_tree(mu: np.ndarray, sigma: np.ndarray) -> tuple[pm.Model, xr.DataTree]:
    with pm.Model(coords={"obs": range(3)}) as model:
        m = pm.Normal("m")
        s = pm.HalfNormal("s")
        pm.Normal("y", m, s, observed=np.array([0.5, -1.0, 2.0]), dims="obs")
    posterior = xr.Dataset(
        {"m": (("chain", "draw"), mu), "s": (("chain", "draw"), sigma)},
        coords={"chain": [0, 1], "draw": range(mu.shape[1])},
    )
    return model, xr.DataTree.from_dict({"posterior": posterior})


def test_the_mode_runs_numpy_implementations_with_the_stabilising_rewrites():
    mode = predictive.postprocess_mode()
    assert isinstance(mode.linker, PerformLinker)
    query = mode.provided_optimizer
    assert "fast_run" in query.include
    assert "fusion" in query.exclude


def test_log_likelihood_and_predictive_in_the_mode_are_the_model_s():
    rng = np.random.default_rng(0)
    mu, sigma = rng.normal(size=(2, 4)), rng.uniform(0.5, 2.0, size=(2, 4))
    model, tree = _toy_tree(mu, sigma)
    predictive.add_log_likelihood(tree, model, "y")
    y = np.array([0.5, -1.0, 2.0])
    want = st.norm.logpdf(y, mu[..., None], sigma[..., None])
    np.testing.assert_allclose(tree["log_likelihood"]["y"].to_numpy(), want, rtol=1e-12)
    predictive.add_posterior_predictive(tree, model, "y", seed=3)
    again = tree.copy()
    predictive.add_posterior_predictive(again, model, "y", seed=3)
    draws = tree["posterior_predictive"]["y"]
    assert draws.dims == ("chain", "draw", "obs")
    np.testing.assert_array_equal(draws, again["posterior_predictive"]["y"])
    predictive.add_prior_draws(tree, model, draws=5, seed=1)
    assert tree["prior_predictive"]["y"].shape == (1, 5, 3)


@pytest.mark.slow
def test_derived_draws_equal_numba_mode_s_up_to_rounding(fixed_trial, monkeypatch):
    options = {"draws": 100, "tune": 100, "chains": 2, "prior_draws": 20, "seed": 2}
    ours = fit(fixed_trial, "daily", **options).datatree
    monkeypatch.setattr(predictive, "postprocess_mode", lambda: None)  # PyTensor's default
    numba = fit(fixed_trial, "daily", **options).datatree
    completed = {"subject_mean", "subject_effect", "cell_mean"}  # put back after sampling
    sampled = set(numba["posterior"].data_vars) - completed
    assert {"mu", "treatment_effect", "sigma"} <= sampled
    for name in sampled:  # the sampler is untouched: bit for bit
        np.testing.assert_array_equal(ours["posterior"][name], numba["posterior"][name])
    for group in DERIVED:
        for name, values in numba[group].data_vars.items():
            np.testing.assert_allclose(
                ours[group][name], values, rtol=1e-12, atol=1e-12, err_msg=f"{group}/{name}"
            )
