"""The individual-effects model (daily_hte): spec, builder, exact marginal density, completion.

No sampling: the integrated-out log density is held against a brute-force multivariate normal
of each subject's observed days, and the conditional draws of the effects against the exact
conditional normal computed the long way.
"""

from __future__ import annotations

import numpy as np
import pytest
import scipy.stats as st
import xarray as xr

import bayes_keta as bk
from bayes_keta.exceptions import SpecError
from bayes_keta.fitting.completion import complete_marginal
from bayes_keta.models import build, builder_for, capabilities
from bayes_keta.spec import load_spec

TWO = ("placebo", "ketamine")


@pytest.fixture(scope="module")
def nof1_trial() -> bk.Trial:
    """N-of-1 series, 3 arms, 2 cycles (6 periods), missing days and a drop-out."""
    frame = bk.simulate_trial(
        n_subjects=5,
        n_days=4,
        seed=3,
        effects={"ketamine": -1.0},
        missing_rate=0.2,
        cycles=2,
        individual_sd=1.0,
    )
    frame = frame[~((frame["subject"] == "S2") & (frame["period"] >= 5))]
    return bk.load_trial(frame, replicated=True, name="nof1")


@pytest.fixture(scope="module")
def two_arm_trial() -> bk.Trial:
    frame = bk.simulate_trial(n_subjects=4, n_days=3, seed=4, treatments=TWO, cycles=3)
    return bk.load_trial(frame, treatments=TWO, replicated=True)


def _point(model, seed: int) -> dict:
    rng = np.random.default_rng(seed)
    point = model.initial_point()
    return {k: v + rng.normal(0.0, 0.4, np.shape(v)) for k, v in sorted(point.items())}


def _values(model, point: dict, names: list[str]) -> list[np.ndarray]:
    outs = model.replace_rvs_by_values([model[n] for n in names])
    return model.compile_fn(outs, inputs=model.value_vars, on_unused_input="ignore")(point)


def _brute_force(trial: bk.Trial, p: dict) -> tuple[float, dict[str, float]]:
    """Log density of the observed days, every random effect integrated out, the long way."""
    obs, cells = trial.observations, trial.cells.set_index("cell_idx")
    sigma_b = np.diag(p["tau"]) @ p["corr"] @ np.diag(p["tau"])
    total, by_subject = 0.0, {}
    for subject in trial.subjects:
        rows = obs[obs["subject"] == subject]
        cell = rows["cell_idx"].to_numpy()
        arm = cells.loc[cell, "treatment_idx"].to_numpy()
        period = cells.loc[cell, "period_idx"].to_numpy()
        mean = p["mu"] + p["period"][period] + np.r_[0.0, p["effect"]][arm]
        z = np.zeros((len(rows), len(p["tau"])))
        z[arm > 0, arm[arm > 0] - 1] = 1.0
        cov = (
            p["su"] ** 2
            + p["sv"] ** 2 * (cell[:, None] == cell[None, :])
            + z @ sigma_b @ z.T
            + p["s"] ** 2 * np.eye(len(rows))
        )
        by_subject[subject] = st.multivariate_normal(mean, cov).logpdf(rows["pain"].to_numpy())
        total += by_subject[subject]
    return total, by_subject


NAMES = [
    "mu",
    "period_effect",
    "treatment_effect",
    "sigma_subject",
    "sigma_subject_period",
    "sigma",
    "sigma_individual",
]


def _params(model, point, n_active: int) -> dict:
    names = NAMES + (["individual_corr"] if n_active > 1 else [])
    mu, period, effect, su, sv, s, tau, *chol = _values(model, point, names)
    corr = chol[0] @ chol[0].T if chol else np.ones((1, 1))
    return {
        "mu": mu,
        "period": period,
        "effect": effect,
        "su": su,
        "sv": sv,
        "s": s,
        "tau": tau,
        "corr": corr,
    }


# ---------------------------------------------------------------------------------- spec
def test_spec_builder_and_capabilities() -> None:
    spec = load_spec("daily_hte")
    assert spec.individual_effects and spec.structure()["individual_effects"] is True
    assert "individual_effects" not in load_spec("daily").structure()  # other hashes unchanged
    assert builder_for(spec).name == "daily_hte"
    caps = capabilities(spec)
    assert caps.individual_effects and caps.loo == "pointwise" and caps.prior_draws
    assert not capabilities("daily").individual_effects
    assert {"sigma_individual", "individual_correlation"} <= set(spec.roles)
    text = builder_for(spec).math(spec, bk.models.MathContext(n_days=7, treatments=TWO))
    assert "b[i,k(i,p)]" in text and "diag(τ)·R·diag(τ)" in text


@pytest.mark.parametrize(
    ("options", "needle"),
    [
        ({"effect": "decay"}, "constant effect and iid residuals"),
        ({"residual": "ar1"}, "constant effect and iid residuals"),
        ({"likelihood": "student_t", "parameterization": "centred"}, "likelihood normal"),
        ({"parameterization": "noncentred"}, "marginal or centred"),
        ({"outcome": "auc"}, "no builder"),
    ],
)
def test_unsupported_options_are_refused(options, needle) -> None:
    with pytest.raises(SpecError, match=needle):
        load_spec("daily_hte", **options)


def test_correlation_prior_must_be_lkj(tmp_path) -> None:
    text = (bk.spec.models_dir() / "daily_hte.toml").read_text()
    bad = tmp_path / "bad.toml"
    bad.write_text(
        text.replace('{ dist = "lkj", eta = 2.0 }', '{ dist = "normal", mu = 0, sigma = 1 }')
    )
    with pytest.raises(SpecError, match="'individual_correlation' needs the lkj family"):
        load_spec(bad)
    bad.write_text(
        text.replace(
            'sigma = { dist = "halfnormal", sigma = 2.0 }', 'sigma = { dist = "lkj", eta = 1.0 }'
        )
    )
    with pytest.raises(SpecError, match="needs a positive family|lkj family is for"):
        load_spec(bad)


# ------------------------------------------------------------------------------- density
@pytest.mark.parametrize("which", ["three_arms", "two_arms"])
def test_marginal_density_is_the_exact_multivariate_normal(which, nof1_trial, two_arm_trial):
    trial = nof1_trial if which == "three_arms" else two_arm_trial
    built = build(trial, "daily_hte")
    model, n_active = built.model, len(trial.actives)
    for seed in (1, 2):
        point = _point(model, seed)
        p = _params(model, point, n_active)
        total, by_subject = _brute_force(trial, p)
        potential = model.replace_rvs_by_values([model["pain_marginal"]])[0]
        got = model.compile_fn(potential, inputs=model.value_vars, on_unused_input="ignore")
        assert got(point) == pytest.approx(total, rel=1e-10)
        per = model.replace_rvs_by_values([built.random_effects.subject_loglik])[0]
        per = model.compile_fn(per, inputs=model.value_vars, on_unused_input="ignore")(point)
        np.testing.assert_allclose(per, [by_subject[s] for s in trial.subjects], rtol=1e-10)
    assert np.isfinite(model.compile_dlogp()(point)).all()


def test_daily_marginal_offers_the_subject_loglik_too(fixed_trial):
    built = build(fixed_trial, "daily")
    model = built.model
    point = _point(model, 3)
    potential = model.replace_rvs_by_values([model["pain_marginal"]])[0]
    per = model.replace_rvs_by_values([built.random_effects.subject_loglik])[0]
    fn = model.compile_fn([potential, per], inputs=model.value_vars, on_unused_input="ignore")
    total, per_subject = fn(point)
    assert per_subject.shape == (fixed_trial.n_subjects,)
    assert per_subject.sum() == pytest.approx(total, rel=1e-10)


def test_twin_is_the_observation_level_model(nof1_trial):
    built = build(nof1_trial, "daily_hte")
    twin = built.twin
    names = {rv.name for rv in twin.free_RVs}
    assert {"subject_mean", "individual_deviation", "cell_mean", "individual_corr"} <= names
    assert twin.named_vars_to_dims["individual_effect"] == ("subject", "active")
    assert twin.named_vars_to_dims["individual_correlation"] == ("active_pair",)
    assert list(twin.coords["active_pair"]) == ["ketamine_magnesium~ketamine"]
    assert [rv.name for rv in twin.observed_RVs] == ["pain"]
    assert np.isfinite(twin.compile_logp()(twin.initial_point()))


# ---------------------------------------------------------------------------- completion
def test_completion_draws_the_exact_conditional_of_the_effects(nof1_trial):
    """Fixed parameters, many draws: the completed effects match the exact conditional."""
    trial = nof1_trial
    built = build(trial, "daily_hte")
    model = built.model
    point = _point(model, 5)
    p = _params(model, point, len(trial.actives))
    n = 6000
    chol = np.linalg.cholesky(p["corr"])
    values = {
        "mu": p["mu"],
        "period_effect": p["period"],
        "treatment_effect": p["effect"],
        "sigma_subject": p["su"],
        "sigma_subject_period": p["sv"],
        "sigma": p["s"],
        "sigma_individual": p["tau"],
        "individual_corr": chol,
    }
    dims = {"period_effect": ["period"], "treatment_effect": ["active"]}
    dims |= {"sigma_individual": ["active"], "individual_corr": ["active", "active_col"]}
    posterior = xr.Dataset(
        {
            k: (["chain", "draw", *dims.get(k, [])], np.broadcast_to(v, (1, n, *np.shape(v))))
            for k, v in values.items()
        },
        coords={"chain": [0], "draw": np.arange(n)} | {d: list(v) for d, v in model.coords.items()},
    )
    completed, loglik = complete_marginal(posterior, model, built.random_effects, seed=1)
    total, by_subject = _brute_force(trial, p)
    np.testing.assert_allclose(
        loglik.isel(chain=0, draw=0), [by_subject[s] for s in trial.subjects]
    )

    # exact conditional of (u_i, b_i) given subject i's days: Gaussian conditioning
    subject = "S2"  # the drop-out: fewer periods
    obs, cells = trial.observations, trial.cells.set_index("cell_idx")
    rows = obs[obs["subject"] == subject]
    cell = rows["cell_idx"].to_numpy()
    arm = cells.loc[cell, "treatment_idx"].to_numpy()
    period = cells.loc[cell, "period_idx"].to_numpy()
    k = len(trial.actives)
    prior = np.zeros((1 + k, 1 + k))
    prior[0, 0] = p["su"] ** 2
    prior[1:, 1:] = np.diag(p["tau"]) @ p["corr"] @ np.diag(p["tau"])
    u = np.zeros((len(rows), 1 + k))
    u[:, 0] = 1.0
    u[arm > 0, arm[arm > 0]] = 1.0
    noise = p["sv"] ** 2 * (cell[:, None] == cell[None, :]) + p["s"] ** 2 * np.eye(len(rows))
    cov_y = u @ prior @ u.T + noise
    mean_y = p["mu"] + p["period"][period] + np.r_[0.0, p["effect"]][arm]
    gain = prior @ u.T @ np.linalg.inv(cov_y)
    want_mean = gain @ (rows["pain"].to_numpy() - mean_y)
    want_cov = prior - gain @ u @ prior
    got = np.column_stack(
        [
            completed["subject_effect"].sel(subject=subject).to_numpy().ravel(),
            completed["individual_deviation"].sel(subject=subject).to_numpy().reshape(n, k),
        ]
    )
    se = np.sqrt(np.diag(want_cov) / n)
    assert np.all(np.abs(got.mean(axis=0) - want_mean) < 4.5 * se)
    np.testing.assert_allclose(np.cov(got.T), want_cov, rtol=0.12, atol=0.01)
    effect = completed["individual_effect"] - completed["individual_deviation"]
    np.testing.assert_allclose(effect.isel(chain=0, draw=0, subject=0), p["effect"])
    assert completed["cell_mean"].sizes["cell"] == len(trial.cells)


def test_spec_suggests_its_sampler_settings(tmp_path) -> None:
    from bayes_keta.fitting import SamplerSettings

    spec = load_spec("daily_hte")
    assert spec.sampler_defaults == {"mass_matrix": "low_rank", "target_accept": 0.95}
    run = SamplerSettings().resolved(suggested_mass_matrix="low_rank", suggested_target_accept=0.95)
    assert (run.mass_matrix, run.target_accept) == ("low_rank", 0.95)
    mine = SamplerSettings(target_accept=0.9).resolved(suggested_target_accept=0.95)
    assert mine.target_accept == 0.9  # the caller's setting wins
    assert SamplerSettings().resolved().target_accept is None  # the sampler's default
    text = (bk.spec.models_dir() / "daily_hte.toml").read_text()
    bad = tmp_path / "bad.toml"
    for value, needle in (("1.5", r"must be in \(0, 1\)"), ('"high"', "must be a number")):
        bad.write_text(text.replace("target_accept = 0.95", f"target_accept = {value}"))
        with pytest.raises(SpecError, match=needle):
            load_spec(bad)
