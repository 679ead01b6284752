"""Every spec builds, honours the model contract, and has a finite log density and gradient."""

from __future__ import annotations

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.fitting import set_prior_values
from bayes_keta.models import build, build_model
from bayes_keta.spec import load_spec

SPECS = ("auc", "daily", "daily_ar1", "daily_decay", "daily_ordinal")
PRIOR_SETS = ("skeptical", "neutral", "enthusiastic")


@pytest.fixture(scope="module")
def gappy_trial() -> bk.Trial:
    """6 subjects x 3 periods x 7 days, 15% missing days (AR(1) gaps, AUC imputation)."""
    frame = bk.simulate_trial(
        n_subjects=6, n_days=7, seed=3, effects={"ketamine": -1.0}, missing_rate=0.15
    )
    return bk.load_trial(frame, name="gappy")


def _finite_at_initial_point(model, *, priors=None, spec=None, n_days=None):
    point = model.initial_point()
    # FAST_COMPILE: same graph, quicker to compile (finiteness, not speed, is checked here)
    logp = model.compile_logp(mode="FAST_COMPILE")
    dlogp = model.compile_dlogp(mode="FAST_COMPILE")
    values = [(logp(point), dlogp(point))]
    for prior_set in priors or ():
        set_prior_values(model, spec, prior_set, n_days=n_days)
        values.append((logp(point), dlogp(point)))
    for lp, grad in values:
        assert np.isfinite(lp)
        assert np.all(np.isfinite(grad))
    return values


@pytest.mark.parametrize("name", SPECS)
def test_spec_builds_with_contract_and_prior_sets(name, gappy_trial):
    spec = load_spec(name)
    model = build_model(gappy_trial, spec)
    dims = model.named_vars_to_dims
    assert dims["arm_mean"] == ("treatment", "day")
    assert dims["treatment_effect"] == ("active",)
    assert list(model.coords["treatment"]) == list(gappy_trial.treatments)
    assert list(model.coords["day"]) == list(range(1, 8))
    observed = "auc" if name == "auc" else "pain"
    assert [rv.name for rv in model.observed_RVs] == [observed]
    variances = {"sigma_subject"}
    variances |= {"cutpoints"} if name == "daily_ordinal" else {"sigma"}
    variances |= {"sigma_subject_period"} if name != "auc" else set()
    variances |= {"phi"} if name == "daily_ar1" else set()
    variances |= {"effect_sustained", "effect_transient", "tau"} if name == "daily_decay" else set()
    assert variances <= set(model.named_vars)
    values = _finite_at_initial_point(model, priors=PRIOR_SETS, spec=spec, n_days=7)
    # the prior values are data: the enthusiastic prior moves the log density
    assert values[0][0] != values[-1][0]
    built = build(gappy_trial, spec)
    if spec.parameterization == "marginal":
        # NUTS samples the collapsed model: same parameters minus the random effects
        sampled = {rv.name for rv in built.model.free_RVs}
        full = {rv.name for rv in built.full_model.free_RVs}
        assert full - sampled == {"subject_mean"} | ({"cell_mean"} if name != "auc" else set())
        assert not built.model.observed_RVs
        _finite_at_initial_point(built.model, priors=PRIOR_SETS, spec=spec, n_days=7)
    else:
        assert built.model is built.full_model


@pytest.mark.parametrize(
    ("name", "options"),
    [
        ("daily", {"carryover": True}),
        ("daily", {"baseline": True}),
        ("daily", {"likelihood": "student_t"}),
        ("daily", {"period": "reference", "parameterization": "noncentred"}),
        ("daily_decay", {"carryover": True, "baseline": True, "likelihood": "student_t"}),
        ("daily_ar1", {"carryover": True, "baseline": True, "likelihood": "student_t"}),
        ("daily_ar1", {"carryover": True, "baseline": True}),  # marginal, with both options
        ("auc", {"carryover": True, "baseline": True, "likelihood": "student_t"}),
        ("daily_ordinal", {"carryover": True, "baseline": True, "period": "reference"}),
    ],
)
def test_options_build_finite(name, options, gappy_trial):
    built = build(gappy_trial, load_spec(name, **options))
    names = set(built.model.named_vars)
    assert ("carryover_effect" in names) == options.get("carryover", False)
    assert ("baseline_slope" in names) == options.get("baseline", False)
    assert ("nu" in names) == (options.get("likelihood") == "student_t")
    _finite_at_initial_point(built.model)


def test_auc_drops_sparse_cells(gappy_trial):
    frame = gappy_trial.data.copy()
    sparse = (frame["subject"] == frame["subject"].iloc[0]) & (frame["period"] == 1)
    frame.loc[sparse & (frame["day"] > 2), "pain"] = np.nan
    trial = bk.load_trial(frame, name="sparse")
    built = build(trial, "auc")
    assert len(built.model.coords["cell"]) == len(trial.cells) - 1
    assert any("dropped subject" in note for note in built.notes)
    auc = built.model["auc_data"].get_value()
    expected = 7 * trial.cells["mean_pain"].to_numpy()[1:]
    np.testing.assert_allclose(auc, expected)


def test_arm_mean_of_typical_subject_daily(gappy_trial):
    model = build_model(gappy_trial, "daily")
    point = {"mu": 5.0, "treatment_effect": np.array([-1.0, 0.5]), "period_effect": np.zeros(3)}
    fn = model.compile_fn(model["arm_mean"], inputs=[model[k] for k in point])
    arm = fn(point)
    np.testing.assert_allclose(arm[:, 0], [5.0, 4.0, 5.5])
    np.testing.assert_allclose(arm, np.repeat(arm[:, :1], 7, axis=1))


@pytest.mark.parametrize("residual", ["iid", "ar1"])
def test_marginal_likelihood_is_the_exact_integral(gappy_trial, residual):
    """The collapsed likelihood equals each subject's multivariate normal density of its days
    (AR(1): stationary within a subject-period, corr phi^|t - t'| across the gaps)."""
    from scipy.stats import multivariate_normal

    spec = load_spec("daily_ar1" if residual == "ar1" else "daily", parameterization="marginal")
    model = build(gappy_trial, spec).model
    point = model.initial_point()
    rng = np.random.default_rng(4)
    point = {k: v + rng.normal(0.0, 0.5, size=np.shape(v)) for k, v in point.items()}
    names = ["mu", "period_effect", "treatment_effect", "sigma_subject"]
    names += ["sigma_subject_period", "sigma"] + (["phi"] if residual == "ar1" else [])
    outputs = model.replace_rvs_by_values([model[n] for n in [*names, "pain_marginal"]])
    *draws, potential = model.compile_fn(outputs)(point)
    values = dict(zip(names, draws, strict=True))
    phi = float(values.get("phi", 0.0))
    assert residual == "iid" or abs(phi) > 0.05  # a real autocorrelation is tested

    data = gappy_trial.data.dropna(subset=["pain"])
    effect = dict(zip(gappy_trial.actives, values["treatment_effect"], strict=True))
    effect[gappy_trial.reference] = 0.0
    period = dict(zip(gappy_trial.periods, values["period_effect"], strict=True))
    expected = 0.0
    for _, rows in data.groupby("subject"):
        mean = values["mu"] + rows["period"].map(period) + rows["treatment"].map(effect)
        same_cell = rows["period"].to_numpy()[:, None] == rows["period"].to_numpy()[None, :]
        lag = np.abs(rows["day"].to_numpy()[:, None] - rows["day"].to_numpy()[None, :])
        residual_cov = values["sigma"] ** 2 * np.where(same_cell, phi**lag, 0.0)
        cov = (
            values["sigma_subject"] ** 2
            + values["sigma_subject_period"] ** 2 * same_cell
            + residual_cov
        )
        expected += multivariate_normal(mean.to_numpy(), cov).logpdf(rows["pain"].to_numpy())
    assert float(potential) == pytest.approx(expected, rel=1e-10)


def test_marginal_auc_likelihood_is_the_exact_integral(gappy_trial):
    """AUC spec, subject means integrated out: each subject's AUCs are jointly normal."""
    from scipy.stats import multivariate_normal

    model = build(gappy_trial, load_spec("auc", parameterization="marginal")).model
    point = model.initial_point()
    rng = np.random.default_rng(5)
    point = {k: v + rng.normal(0.0, 0.5, size=np.shape(v)) for k, v in point.items()}
    names = ["mu", "period_effect", "treatment_effect", "sigma_subject", "sigma"]
    outputs = model.replace_rvs_by_values([model[n] for n in [*names, "auc_marginal"]])
    *draws, potential = model.compile_fn(outputs)(point)
    v = dict(zip(names, draws, strict=True))
    auc = model["auc_data"].get_value()
    subject = model["cell_subject_idx"].get_value()
    effect = np.r_[0.0, v["treatment_effect"]][model["cell_treatment_idx"].get_value()]
    mean = v["mu"] + v["period_effect"][model["cell_period_idx"].get_value()] + effect
    expected = 0.0
    for i in np.unique(subject):
        mine = subject == i
        cov = v["sigma_subject"] ** 2 + v["sigma"] ** 2 * np.eye(mine.sum())
        expected += multivariate_normal(mean[mine], cov).logpdf(auc[mine])
    assert float(potential) == pytest.approx(expected, rel=1e-10)
