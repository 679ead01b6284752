"""Real (small) NUTS fits: known effects are recovered, a REML LMM agrees, seeds reproduce,
and prior values are data (refits reuse the compiled sampler).

Trials are simulated with :func:`bayes_keta.simulate_trial` (AR(1) daily noise, rounding to
0..10). The daily-model trials have no missing day so they share one shape, hence one compiled
sampler (the cache is keyed by graph structure and data shapes); the other specs' trials keep
3% missing days (AR(1) gaps, AUC imputation). Fits use 2 chains x 500 draws.
"""

from __future__ import annotations

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.fitting import FitRecord, cache_info, fit, set_prior_values
from bayes_keta.spec import load_spec

pytestmark = pytest.mark.slow

FAST = {"draws": 500, "tune": 500, "chains": 2, "prior_draws": 50}


def _trial(effects, *, n_subjects=24, n_days=35, seed=11, missing=0.0, name="sim") -> bk.Trial:
    frame = bk.simulate_trial(
        n_subjects=n_subjects, n_days=n_days, effects=effects, seed=seed, missing_rate=missing
    )
    return bk.load_trial(frame, name=name)


@pytest.fixture(scope="module")
def benefit_trial() -> bk.Trial:
    return _trial({"ketamine": -1.5}, name="benefit")


@pytest.fixture(scope="module")
def null_trial() -> bk.Trial:
    return _trial({}, seed=12, name="null")


@pytest.fixture(scope="module")
def benefit_fit(benefit_trial):
    return fit(benefit_trial, "daily", **FAST)


def _draws(result, name, label=None):
    arr = result.datatree.posterior[name]
    if label is not None:
        arr = arr.sel(active=label)
    return arr.to_numpy().ravel()


def test_daily_recovers_benefit(benefit_fit):
    ket = _draws(benefit_fit, "treatment_effect", "ketamine")
    low, high = np.quantile(ket, [0.025, 0.975])
    assert low < -1.5 < high
    assert (ket < 0).mean() > 0.99
    mag = _draws(benefit_fit, "treatment_effect", "ketamine_magnesium")
    assert np.quantile(mag, 0.025) < 0 < np.quantile(mag, 0.975)


def test_fit_result_contract(benefit_fit, benefit_trial):
    tree = benefit_fit.datatree
    for group in (
        "posterior",
        "prior",
        "prior_predictive",
        "posterior_predictive",
        "log_likelihood",
        "observed_data",
        "sample_stats",
    ):
        assert group in tree.children, group
    assert tree.posterior["arm_mean"].dims == ("chain", "draw", "treatment", "day")
    assert tree.log_likelihood["pain"].shape == (2, 500, benefit_trial.n_observations)
    assert tree.posterior_predictive["pain"].shape == (2, 500, benefit_trial.n_observations)
    attrs = tree.attrs
    assert attrs["data_sha256"] == benefit_trial.sha256 and attrs["spec_name"] == "daily"
    assert all(isinstance(v, str) for v in attrs.values())
    record = FitRecord.from_attrs(attrs)  # the one place the fit's facts are read from
    assert record == benefit_fit.record
    assert record.data.sha256 == benefit_trial.sha256
    assert record.model.toml.startswith("# daily.toml")
    assert record.sampler.settings.seed == 20200701 and attrs["seed"] == "20200701"
    # the lean compile passed its check against PyTensor (no silent fallback to nutpie's own)
    assert record.sampler.compile == "lean"
    # arm_mean contrast equals the treatment effect for the constant-effect model
    diff = tree.posterior["arm_mean"].sel(treatment="ketamine", day=7) - tree.posterior[
        "arm_mean"
    ].sel(treatment="placebo", day=7)
    np.testing.assert_allclose(diff, tree.posterior["treatment_effect"].sel(active="ketamine"))


def test_daily_null_effect(null_trial, benefit_fit):
    result = fit(null_trial, "daily", **FAST)
    # same shapes as the benefit trial, fitted first in this process: no recompilation
    assert result.record.sampler.cache_hit
    for label in ("ketamine", "ketamine_magnesium"):
        draws = _draws(result, "treatment_effect", label)
        assert (draws < -1).mean() < 0.1
        assert np.quantile(draws, 0.025) < 0 < np.quantile(draws, 0.975)


def test_daily_matches_reml_lmm(benefit_trial):
    import statsmodels.formula.api as smf

    obs = benefit_trial.observations.copy()
    obs["treatment"] = obs["treatment"].astype(str)
    lmm = smf.mixedlm(
        "pain ~ C(treatment, Treatment('placebo')) + C(period)",
        obs,
        groups="subject",
        vc_formula={"subject_period": "0 + C(period)"},
    ).fit(reml=True)
    # near-flat effect prior, so the comparison is likelihood to likelihood
    result = fit(benefit_trial, "daily", priors={"treatment_effect": {"sigma": 20.0}}, **FAST)
    for label in ("ketamine", "ketamine_magnesium"):
        reml = lmm.params[f"C(treatment, Treatment('placebo'))[T.{label}]"]
        bayes = _draws(result, "treatment_effect", label).mean()
        assert abs(bayes - reml) < 0.1, (label, bayes, reml)


@pytest.mark.parametrize("name", ["daily", "daily_ar1", "auc"])
def test_marginal_and_centred_agree(benefit_trial, name):
    """One model sampled two ways: the collapsed fit (random effects integrated out, then drawn
    from their conditional) and the centred one agree within Monte Carlo error, random effects
    included."""
    import arviz as az

    marginal = fit(benefit_trial, name, **FAST)
    assert marginal.spec.parameterization == "marginal"
    centred = fit(benefit_trial, load_spec(name, parameterization="centred"), **FAST)
    names = ["treatment_effect", "sigma", "sigma_subject", "subject_mean"]
    names += ["cell_mean"] if name != "auc" else []  # AUC: one value per cell, no cell effect
    z_scores = []
    for var in names:
        a, b = marginal.datatree.posterior[var], centred.datatree.posterior[var]
        ess_a = az.ess(a.to_dataset(), method="bulk")[var]
        ess_b = az.ess(b.to_dataset(), method="bulk")[var]
        mcse = np.sqrt(a.var(("chain", "draw")) / ess_a + b.var(("chain", "draw")) / ess_b)
        diff = a.mean(("chain", "draw")) - b.mean(("chain", "draw"))
        z_scores.append(np.ravel(diff / mcse))
    z = np.concatenate(z_scores)  # 2 + 1 + 1 + 24 (+ 72) posterior means
    assert np.abs(z).max() < 4.5
    assert abs(z.mean()) < 0.5 and 0.5 < z.std() < 1.6  # MC noise, not a systematic shift
    # the recovered effects are the centred model's: e.g. the spread of subject means
    spread = [
        f.datatree.posterior["subject_mean"].std("subject").mean() for f in (marginal, centred)
    ]
    assert float(spread[0]) == pytest.approx(float(spread[1]), rel=0.05)


def test_same_seed_identical_posterior(benefit_trial, benefit_fit):
    again = fit(benefit_trial, "daily", **FAST)
    assert again.record.sampler.cache_hit
    for name in ("treatment_effect", "sigma", "arm_mean", "subject_mean", "cell_mean"):
        np.testing.assert_array_equal(
            again.datatree.posterior[name].to_numpy(), benefit_fit.datatree.posterior[name]
        )
    np.testing.assert_array_equal(
        again.datatree.posterior_predictive["pain"],
        benefit_fit.datatree.posterior_predictive["pain"],
    )


def test_prior_values_are_data(benefit_trial, benefit_fit):
    before = cache_info()["hits"]
    tight = fit(
        benefit_trial, "daily", priors={"treatment_effect": {"mu": 2.0, "sigma": 0.01}}, **FAST
    )
    assert tight.record.sampler.cache_hit
    assert cache_info()["hits"] == before + 1
    assert _draws(tight, "treatment_effect", "ketamine").mean() == pytest.approx(2.0, abs=0.03)
    skeptical = fit(benefit_trial, "daily", priors="skeptical", **FAST)
    assert skeptical.record.sampler.cache_hit
    # shrunk towards 0 relative to the default prior, but still a benefit
    shrunk = _draws(skeptical, "treatment_effect", "ketamine").mean()
    assert _draws(benefit_fit, "treatment_effect", "ketamine").mean() < shrunk < 0


def test_set_prior_values_on_compiled_nutpie_model(benefit_trial, benefit_fit):
    import nutpie

    from bayes_keta.fitting.cache import compiled_for, graph_key
    from bayes_keta.models import build

    built = build(benefit_trial, "daily")
    # the compiled sampler the benefit fit left in the cache (no second compilation)
    compiled, hit, _ = compiled_for(built.model, graph_key(built.model, built.spec, built.scaled))
    assert hit
    tight = set_prior_values(
        compiled, "daily", {"treatment_effect": {"mu": -4.0, "sigma": 0.01}}, n_days=35
    )
    tree = nutpie.sample(tight, draws=200, tune=300, chains=1, seed=1, progress_bar=False)
    assert float(tree.posterior["treatment_effect"].mean()) == pytest.approx(-4.0, abs=0.03)


def test_decay_recovers_week_one_effect():
    trial = _trial({"ketamine": {"transient": -2.0, "tau": 3.0}}, seed=21, name="week1")
    result = fit(trial, "daily_decay", **FAST)
    arm = result.datatree.posterior["arm_mean"]
    contrast = (arm.sel(treatment="ketamine") - arm.sel(treatment="placebo")).to_numpy()
    week1 = contrast[..., :7].mean(axis=-1).ravel()
    later = contrast[..., 14:].mean(axis=-1).ravel()
    # the first week differs clearly from the rest of the follow-up (a within-period contrast,
    # precise) and the transient part is clearly negative...
    assert (week1 - later < 0).mean() > 0.99
    assert (_draws(result, "effect_transient", "ketamine") < 0).mean() > 0.99
    # ...the week-1 contrast vs placebo covers its true value (-0.91; its between-period level
    # is uncertain with 24 subjects, SD ~0.4) and leans to benefit...
    truth = bk.data.simulate.effect_curve({"transient": -2.0, "tau": 3.0}, np.arange(1, 8)).mean()
    assert np.quantile(week1, 0.025) < truth < np.quantile(week1, 0.975)
    assert (week1 < 0).mean() > 0.8
    # ...and the 35-day mean effect (true -0.2) is not a clear effect
    mean35 = _draws(result, "treatment_effect", "ketamine")
    assert np.quantile(mean35, 0.025) < 0 < np.quantile(mean35, 0.975)


@pytest.mark.parametrize("name", ["daily_ordinal", "daily_ar1", "auc"])
def test_other_specs_recover_sign_of_strong_effect(name):
    trial = _trial(
        {"ketamine": -2.5}, n_subjects=12, n_days=21, seed=31, missing=0.03, name="strong"
    )
    result = fit(trial, name, **FAST)
    ket = _draws(result, "treatment_effect", "ketamine")
    assert (ket < 0).mean() > 0.975
    arm = result.datatree.posterior["arm_mean"]
    diff = (arm.sel(treatment="ketamine") - arm.sel(treatment="placebo")).mean(("chain", "draw"))
    assert float(diff.mean()) < -1.0  # on the daily NRS scale, whatever the model's own scale
    if name == "daily_ordinal":
        # guards the low-rank mass matrix: with a diagonal one the cutpoints mixed badly
        gate = result.diagnostics()
        assert gate.divergences == 0 and gate.max_rhat < 1.05, gate.text
        # forward sampling cannot honour the ordered cutpoints: no (wrong) prior draws kept
        assert "prior" not in result.datatree.children
        assert any("ordered cutpoints" in note for note in result.notes)


def test_pymc_fallback_when_nutpie_fails(monkeypatch, fixed_trial):
    import bayes_keta.fitting.runner as runner

    def broken(*args, **kwargs):
        raise ImportError("nutpie missing")

    monkeypatch.setattr(runner, "compiled_for", broken)
    with pytest.warns(RuntimeWarning, match="nutpie unavailable"):
        result = fit(fixed_trial, "daily", draws=100, tune=100, chains=2, prior_draws=20)
    assert result.record.sampler.used == "pymc"
    assert result.record.sampler.settings.sampler == "nutpie"
    assert "nutpie missing" in result.record.sampler.fallback_reason
    assert result.datatree.log_likelihood["pain"].shape[:2] == (2, 100)
