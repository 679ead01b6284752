"""Reweighting one posterior to other priors (no sampling): densities, PSIS, weighted rows.

The sampled checks (reweighted settings agree with refits, far settings are refitted, the
thresholds are honoured) are in tests/test_sweep.py (slow tier).
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
import xarray as xr

from bayes_keta.estimands import contrast_draws
from bayes_keta.models import build
from bayes_keta.models.priors import prior_data_values, scaled_priors
from bayes_keta.spec import load_spec, resolve_priors
from bayes_keta.sweep.output import (
    SWEEP_ESTIMANDS,
    SWEEP_OUTCOME,
    THRESHOLD_COLUMNS,
    summarize_point,
)
from bayes_keta.sweep.reweight import PriorDensity, WeightedRows, psis, weighted_summary

DIMS = ("chain", "draw")


def _fake_posterior(built, rng, n_chains=2, n_draws=300) -> xr.Dataset:
    """Draws of every free variable of a built model within its support (not a posterior)."""
    data = {}
    for rv in built.model.free_RVs:
        dims = built.model.named_vars_to_dims.get(rv.name, ())
        shape = tuple(len(built.model.coords[d]) for d in dims)
        x = rng.normal(0.0, 1.0, (n_chains, n_draws, *shape))
        if rv.name.startswith("sigma"):
            x = np.abs(x) + 0.1
        if rv.name == "period_effect":
            x = x - x.mean(axis=-1, keepdims=True)  # zero-sum support
        data[rv.name] = ((*DIMS, *dims), x)
    return xr.Dataset(data)


@pytest.fixture(scope="module")
def daily(fixed_trial):
    built = build(fixed_trial, "daily")
    return built, PriorDensity(built.model), _fake_posterior(built, np.random.default_rng(3))


def _values(trial, sources):
    spec = load_spec("daily")
    return prior_data_values(scaled_priors(spec, resolve_priors(spec, sources), trial.n_days))


def test_density_covers_every_prior_bearing_parameter(daily):
    built, density, _ = daily
    assert set(density.variables) == {
        "mu", "period_effect", "treatment_effect", "sigma_subject", "sigma_subject_period",
        "sigma",
    }  # fmt: skip
    # the sum-to-zero period effects read only the prior's sigma (the model has no mu for them)
    expected = set(prior_data_values(built.scaled)) - {"prior__period_effect__mu"}
    assert set(density.parameters) == expected


def test_log_prior_ratio_is_the_ratio_of_the_changed_families(daily, fixed_trial):
    """Changing the effect prior and the variance scales: the ratio is scipy's, draw by draw."""
    built, density, post = daily
    setting = {
        "treatment_effect": {"mu": -1.0, "sigma": 0.5},
        "sigma": {"sigma": 4.0},
        "sigma_subject": {"sigma": 1.25},
    }
    ratio = density(post, _values(fixed_trial, setting)) - density(post, _values(fixed_trial, None))
    effect = post["treatment_effect"].to_numpy()
    expected = (st.norm(-1.0, 0.5).logpdf(effect) - st.norm(0.0, 2.0).logpdf(effect)).sum(-1)
    for name, old, new in (("sigma", 2.0, 4.0), ("sigma_subject", 2.5, 1.25)):
        x = post[name].to_numpy()
        expected += st.halfnorm(scale=new).logpdf(x) - st.halfnorm(scale=old).logpdf(x)
    assert ratio.shape == effect.shape[:2]
    np.testing.assert_allclose(ratio, expected, rtol=1e-10, atol=1e-10)


def test_density_of_the_base_values_equals_the_models_own(daily, fixed_trial):
    built, density, post = daily
    np.testing.assert_array_equal(density(post, {}), density(post, prior_data_values(built.scaled)))


# ------------------------------------------------------------------------------------ PSIS
def test_psis_recovers_a_shifted_gaussian_within_monte_carlo_error():
    rng = np.random.default_rng(11)
    theta = rng.normal(0.0, 1.0, (4, 1000))
    target = st.norm(0.4, 0.8)
    rw = psis(target.logpdf(theta) - st.norm(0.0, 1.0).logpdf(theta))
    assert rw.pareto_k < 0.7
    assert 0 < rw.ess < theta.size
    mean = float((rw.weights * theta).sum())
    assert abs(mean - 0.4) < 4 * 0.8 / np.sqrt(rw.ess)
    np.testing.assert_allclose(rw.weights.sum(), 1.0)


def test_psis_flags_a_target_far_from_the_draws():
    theta = np.random.default_rng(12).normal(0.0, 1.0, (4, 1000))
    rw = psis(st.norm(3.0, 0.3).logpdf(theta) - st.norm(0.0, 1.0).logpdf(theta))
    assert rw.pareto_k > 0.7
    assert not rw.reliable(k_max=0.7, min_ess=0.0)
    assert rw.reliable(k_max=rw.pareto_k + 0.1, min_ess=0.0)  # the threshold given is used


def test_psis_of_equal_priors_keeps_the_draws_as_they_are():
    rw = psis(np.full((2, 50), 0.3), r_eff=0.5)
    assert np.isnan(rw.pareto_k) and rw.ess == pytest.approx(50.0)
    np.testing.assert_allclose(rw.weights, 1 / 100)
    assert rw.reliable(k_max=0.7, min_ess=50.0) and not rw.reliable(k_max=0.7, min_ess=51.0)


def test_psis_of_draws_outside_the_support_is_unreliable():
    rw = psis(np.full((2, 50), -np.inf))
    assert rw.pareto_k == np.inf and rw.ess == 0.0
    assert not rw.reliable(k_max=1e9, min_ess=0.0)


# --------------------------------------------------------------------------- weighted rows
def test_weighted_rows_under_equal_weights_are_the_unweighted_summary(synthetic_trial):
    """Same estimands, same labels, same means and probabilities as ``summarize_point``."""
    rng = np.random.default_rng(5)
    treatments = list(synthetic_trial.treatments)
    am = rng.normal(5.0, 0.4, (2, 400, len(treatments), synthetic_trial.n_days))
    posterior = xr.Dataset(
        {
            "arm_mean": (
                ("chain", "draw", "treatment", "day"),
                am,
                {},
            )
        },
        coords={"treatment": treatments, "day": np.arange(1, synthetic_trial.n_days + 1)},
    )
    rows = WeightedRows(
        posterior,
        reference=synthetic_trial.reference,
        outcome=SWEEP_OUTCOME,
        estimands=SWEEP_ESTIMANDS,
        columns=THRESHOLD_COLUMNS,
    )(np.full((2, 400), 1 / 800))
    plain = summarize_point(posterior, reference=synthetic_trial.reference)
    assert [(r["contrast"], r["estimand"], r["scale"]) for r in rows] == [
        (r["contrast"], r["estimand"], r["scale"]) for r in plain
    ]
    for key in ("mean", "p_benefit", *THRESHOLD_COLUMNS):
        np.testing.assert_allclose([r[key] for r in rows], [r[key] for r in plain], atol=1e-12)
    draws = contrast_draws(posterior, reference=synthetic_trial.reference, outcome=SWEEP_OUTCOME)
    for row in rows:  # equal weights: the inverted-CDF quantiles of the draws themselves
        x = draws[row["estimand"]].sel(contrast=row["contrast"]).to_numpy().ravel()
        lo, hi = np.quantile(x, [0.025, 0.975], method="inverted_cdf")
        assert (row["lo95"], row["hi95"]) == (lo, hi)


def test_weighted_summary_moves_with_the_weights():
    x = np.array([-2.0, -1.0, 0.5, 1.0])
    heavy_benefit = weighted_summary(x, np.array([0.7, 0.1, 0.1, 0.1]), thresholds=(1.5,))
    heavy_harm = weighted_summary(x, np.array([0.1, 0.1, 0.1, 0.7]), thresholds=(1.5,))
    assert heavy_benefit["p_benefit"] == pytest.approx(0.8)
    assert heavy_harm["p_benefit"] == pytest.approx(0.2)
    assert heavy_benefit["p_beyond"][1.5] == pytest.approx(0.7)
    assert heavy_benefit["mean"] < heavy_harm["mean"]


@pytest.mark.parametrize("spec", ["daily", "daily_decay", "daily_ar1", "daily_ordinal", "auc"])
def test_every_shipped_spec_has_a_finite_prior_density(fixed_trial, spec):
    """Prior-bearing variables only: centred random effects (their SD a variable) cancel."""
    import pymc as pm

    built = build(fixed_trial, spec)
    density = PriorDensity(built.model)
    assert set(density.variables) <= {rv.name for rv in built.model.free_RVs}
    assert {"treatment_effect", "effect_sustained"} & set(density.variables)
    assert not {"subject_mean", "cell_mean", "subject_z", "cell_z"} & set(density.variables)
    rvs = [built.model[v] for v in density.variables]
    draws = pm.draw(rvs, draws=4, random_seed=2)
    post = xr.Dataset(
        {
            v: ((*DIMS, *(f"{v}_{i}" for i in range(x.ndim - 1))), x[None])
            for v, x in zip(density.variables, draws, strict=True)
        }
    )
    assert np.isfinite(density(post, {})).all()


def test_a_prior_that_depends_on_another_variable_is_refused():
    import pymc as pm

    with pm.Model() as model:
        x = pm.Normal("x", mu=pm.Data("prior__x__mu", 0.0), sigma=1.0)
        pm.Normal("y", mu=x, sigma=pm.Data("prior__y__sigma", 1.0))
    with pytest.raises(ValueError, match="'y' depends on other random variables"):
        PriorDensity(model)
