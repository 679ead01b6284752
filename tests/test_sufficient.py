"""Marginal daily models from per-cell sufficient statistics: exact, and following data swaps.

No sampling. The statistics are held against sums computed the long way; the collapsed
likelihood of a time-varying effect (the day-indexed sums) against each subject's
multivariate normal density; and a model whose readings are swapped (SBC, assurance) against
a model built on those readings.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest
from scipy.stats import multivariate_normal

import bayes_keta as bk
from bayes_keta.models import build
from bayes_keta.models.design import obs_design
from bayes_keta.models.marginal import cell_layout
from bayes_keta.spec import load_spec, models_dir


@pytest.fixture(scope="module")
def gappy_trial() -> bk.Trial:
    """6 subjects x 3 periods x 7 days, 20% missing days (gaps of several lengths)."""
    frame = bk.simulate_trial(
        n_subjects=6, n_days=7, seed=8, effects={"ketamine": -1.0}, missing_rate=0.2
    )
    return bk.load_trial(frame, name="gappy")


def _potential(model, names, *, seed: int):
    point = model.initial_point()
    rng = np.random.default_rng(seed)
    point = {k: v + rng.normal(0.0, 0.5, size=np.shape(v)) for k, v in point.items()}
    outputs = model.replace_rvs_by_values([model[n] for n in [*names, "pain_marginal"]])
    *draws, potential = model.compile_fn(outputs)(point)
    return dict(zip(names, draws, strict=True)), float(potential)


@pytest.mark.parametrize("residual", ["iid", "ar1"])
def test_statistics_are_the_sums_of_the_readings(gappy_trial, residual):
    spec = load_spec("daily_ar1" if residual == "ar1" else "daily_decay")
    obs = obs_design(gappy_trial)
    n_cells = int(obs.cell_idx.max()) + 1
    layout = cell_layout(obs, n_cells, gappy_trial.n_days, spec)
    y = obs.pain
    stats = layout.statistics(y)
    for c in range(n_cells):
        mine = np.flatnonzero(obs.cell_idx == c)
        assert stats["cell_n_obs"][c] == len(mine)
        if residual == "iid":
            assert stats["cell_pain_sum"][c] == pytest.approx(y[mine].sum())
            assert stats["cell_pain_sumsq"][c] == pytest.approx((y[mine] ** 2).sum())
            row = np.zeros(gappy_trial.n_days)
            row[obs.day_idx[mine]] = y[mine]
            np.testing.assert_array_equal(stats["cell_day_pain"][c], row)
            continue
        days = obs.day_idx[mine]
        assert stats["cell_pain_first"][c] == y[mine[0]]
        for j, g in enumerate(stats["gap_length"]):
            after = [k for k in range(1, len(mine)) if days[k] - days[k - 1] == g]
            now, before = y[mine[after]], y[mine[[k - 1 for k in after]]]
            assert stats["cell_gap_n"][c, j] == len(after)
            assert stats["cell_gap_cross"][c, j] == pytest.approx((now * before).sum())
            assert stats["cell_gap_sumsq_prev"][c, j] == pytest.approx((before**2).sum())
    if residual == "ar1":
        assert len(stats["gap_length"]) >= 2  # gaps of more than one length are tested


def _decay_spec(residual: str, folder):
    if residual == "iid":
        return load_spec("daily_decay")
    text = (models_dir() / "daily_decay.toml").read_text(encoding="utf-8")
    assert text.count('residual = "iid"') == 1 and text.rstrip().endswith("}")  # [priors] last
    text = text.replace('residual = "iid"', 'residual = "ar1"')
    path = folder / "daily_decay_ar1.toml"
    path.write_text(text + '\nphi = { dist = "uniform", lower = -1.0, upper = 1.0 }\n')
    return load_spec(path)


@pytest.mark.parametrize("residual", ["iid", "ar1"])
def test_time_varying_effect_likelihood_is_the_exact_integral(gappy_trial, residual, tmp_path):
    """Decay curve: each subject's exact density, from the day-indexed sums (iid) or from
    every reading (AR(1), :func:`bayes_keta.models.marginal.within_readings`)."""
    model = build(gappy_trial, _decay_spec(residual, tmp_path)).model
    names = ["mu", "period_effect", "arm_mean", "sigma_subject", "sigma_subject_period"]
    names += ["sigma"] + (["phi"] if residual == "ar1" else [])
    values, potential = _potential(model, names, seed=6)
    phi = float(values.get("phi", 0.0))
    assert residual == "iid" or abs(phi) > 0.05
    curve = values["arm_mean"] - values["mu"] - values["period_effect"].mean()  # delta_k(t)
    assert np.ptp(curve[1:], axis=1).min() > 0.01  # a real time-varying effect is tested
    treatments = {t: i for i, t in enumerate(gappy_trial.treatments)}
    period = dict(zip(gappy_trial.periods, values["period_effect"], strict=True))
    expected = 0.0
    for _, rows in gappy_trial.data.dropna(subset=["pain"]).groupby("subject"):
        k = rows["treatment"].map(treatments).to_numpy()
        mean = values["mu"] + rows["period"].map(period).to_numpy() + curve[k, rows["day"] - 1]
        same_cell = rows["period"].to_numpy()[:, None] == rows["period"].to_numpy()[None, :]
        lag = np.abs(rows["day"].to_numpy()[:, None] - rows["day"].to_numpy()[None, :])
        cov = (
            values["sigma_subject"] ** 2
            + values["sigma_subject_period"] ** 2 * same_cell
            + values["sigma"] ** 2 * np.where(same_cell, phi**lag, 0.0)
        )
        expected += multivariate_normal(mean, cov).logpdf(rows["pain"].to_numpy())
    assert potential == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", ["daily", "daily_decay", "daily_ar1", "daily_hte"])
def test_swapped_readings_give_the_model_built_on_them(gappy_trial, name):
    def shifted(y):
        return np.round(0.7 * y + 1.3 + np.sin(y), 3)

    built = build(gappy_trial, load_spec(name))
    y = built.model["pain_data"].get_value()
    values = shifted(y)
    pm.set_data({"pain_data": values, **built.random_effects.statistics(values)}, built.model)
    frame = gappy_trial.data.copy()
    frame["pain"] = shifted(frame["pain"].to_numpy())
    fresh = build(bk.load_trial(frame, name="shifted"), load_spec(name)).model
    names = ["mu", "sigma"]
    assert _potential(built.model, names, seed=2)[1] == pytest.approx(
        _potential(fresh, names, seed=2)[1], rel=1e-12
    )
    assert _potential(built.model, names, seed=2)[1] != pytest.approx(
        _potential(build(gappy_trial, load_spec(name)).model, names, seed=2)[1], rel=1e-6
    )
