"""A prior sweep follows the trial's outcome: a 0-100 mm VAS trial is swept in mm.

Without sampling: the reweighting's target priors are the ones a refit would build (the
outcome's prior scaling, x10 on the VAS), the table's threshold columns are the outcome's
(10, 13, 20 mm) with its ROPE, the prior columns, the text and the plots are in mm. The real
sweep of a small VAS trial (reweighted and refitted settings) is marked slow.
"""

from __future__ import annotations

import json

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import scipy.stats as st
import xarray as xr
from fake_fits import fake_tree

import bayes_keta as bk
from bayes_keta.estimands import contrast_table
from bayes_keta.models import build
from bayes_keta.models.priors import prior_data_values
from bayes_keta.spec import load_prior_set, load_spec, resolve_priors
from bayes_keta.sweep import SWEEP_ESTIMANDS, load_grid
from bayes_keta.sweep.output import (
    summarize_point,
    sweep_dataset,
    sweep_table,
    threshold_columns,
)
from bayes_keta.sweep.plots import plot_heatmap, plot_tornado
from bayes_keta.sweep.points import setting_model_priors
from bayes_keta.sweep.reweight import PriorDensity, WeightedRows
from bayes_keta.sweep.text import sweep_text

matplotlib.use("Agg")

VAS = bk.Outcome.vas_0_100()
VAS_COLUMNS = ("p_beyond_10", "p_beyond_13", "p_beyond_20")


@pytest.fixture(scope="module")
def vas_trial() -> bk.Trial:
    """A small SYNTHETIC trial on a 0-100 mm VAS: 6 subjects, 3 periods, 5 days."""
    frame = bk.simulate_trial(
        n_subjects=6,
        n_days=5,
        seed=2,
        mu=50,
        sd_subject=12.0,
        sd_period=3.0,
        sd_residual=10.0,
        bounds=(0, 100),
        effects={"ketamine": -10.0},
        missing_rate=0.0,
    )
    return bk.load_trial(frame, outcome="vas_0_100")


def _vas_posterior(trial: bk.Trial) -> xr.Dataset:
    tree = fake_tree(
        n_days=trial.n_days,
        placebo=50.0,
        effects={"ketamine": -12.0, "ketamine_magnesium": -4.0},
        noise_sd=4.0,
        n_draws=400,
    )
    return tree["posterior"].to_dataset()


# ------------------------------------------------------------------------ priors, reweighting
def test_reweighting_targets_the_priors_a_refit_of_the_setting_builds(vas_trial):
    """Every kind of grid setting: the PSIS target equals the refit's priors (x10 on the VAS)."""
    spec = load_spec("daily")
    settings = {s.name: s for s in load_grid().settings(spec)}
    for name in ("default", "effect_mu-1_sd0.5", "hyper_x2", "skeptical", "enthusiastic"):
        sources = settings[name].sources(None)
        ours = setting_model_priors(vas_trial, spec, resolve_priors(spec, sources))
        refit = build(vas_trial, spec, sources).scaled
        assert ours == refit, name
    effect = setting_model_priors(
        vas_trial, spec, resolve_priors(spec, settings["effect_mu-1_sd0.5"].sources(None))
    )["treatment_effect"]
    assert effect.params == {"mu": -10.0, "sigma": 5.0}  # the grid's NRS points x10


def test_log_prior_ratio_on_the_vas_is_that_of_the_scaled_priors(vas_trial):
    """The prior ratio the PSIS weights come from: scipy's, with the priors in mm."""
    spec = load_spec("daily")
    built = build(vas_trial, spec)
    density = PriorDensity(built.model)
    rng = np.random.default_rng(4)
    shape = (2, 200, len(built.model.coords["active"]))
    effect = rng.normal(-10.0, 8.0, shape)
    post = xr.Dataset(
        {"treatment_effect": (("chain", "draw", "active"), effect)}
        | {
            v: (("chain", "draw", *built.model.named_vars_to_dims.get(v, ())), x)
            for v, x in _support(built, rng).items()
        }
    )
    setting = {"treatment_effect": {"mu": -1.0, "sigma": 0.5}}
    target = setting_model_priors(vas_trial, spec, resolve_priors(spec, setting))
    ratio = density(post, prior_data_values(target)) - density(post, {})
    base = built.scaled["treatment_effect"].params
    expected = (
        st.norm(-10.0, 5.0).logpdf(effect) - st.norm(base["mu"], base["sigma"]).logpdf(effect)
    ).sum(-1)
    assert base["sigma"] == 10 * load_spec("daily").priors["treatment_effect"].params["sigma"]
    np.testing.assert_allclose(ratio, expected, rtol=1e-10, atol=1e-10)


def _support(built, rng) -> dict[str, np.ndarray]:
    """Draws of the other free variables within their support."""
    out = {}
    for rv in built.model.free_RVs:
        if rv.name == "treatment_effect":
            continue
        dims = built.model.named_vars_to_dims.get(rv.name, ())
        x = rng.normal(0.0, 1.0, (2, 200, *(len(built.model.coords[d]) for d in dims)))
        if rv.name.startswith("sigma"):
            x = np.abs(x) + 0.1
        if rv.name == "period_effect":
            x = x - x.mean(axis=-1, keepdims=True)
        out[rv.name] = x
    return out


# ---------------------------------------------------------------------- table, text, plots
def _point(name, rows, *, mu, sigma, kind="effect"):
    return {
        "setting": name,
        "seed": 1,
        "rows": rows,
        "prior": {
            "kind": kind,
            "prior_set": "",
            "prior_effect": f"normal({mu:g}, {sigma:g})",
            "prior_effect_mu": mu,
            "prior_effect_sigma": sigma,
            "hyper_scale": 1.0,
        },
        "diagnostics": {"passed": True, "max_rhat": 1.0, "min_ess_bulk": 800.0, "divergences": 0},
        "method": "fit",
    }


def test_rows_table_and_dataset_use_the_outcomes_thresholds_and_rope(vas_trial):
    posterior = _vas_posterior(vas_trial)
    rows = summarize_point(posterior, reference=vas_trial.reference, outcome=VAS)
    assert threshold_columns(VAS) == VAS_COLUMNS
    expected = contrast_table(posterior, reference=vas_trial.reference, outcome=VAS)
    expected = expected[expected["estimand"].isin(SWEEP_ESTIMANDS)].reset_index(drop=True)
    got = pd.DataFrame(rows)
    for column in (*VAS_COLUMNS, "p_rope", "mean", "p_benefit"):
        np.testing.assert_allclose(got[column], expected[column], err_msg=column)
    md = got[got["estimand"] == "mean_daily_difference"].set_index("contrast")
    assert md.loc["ketamine - placebo", "p_beyond_10"] > md.loc["ketamine - placebo", "p_beyond_20"]
    # the PSIS path: equal weights give the same rows, ROPE included
    weighted = WeightedRows(
        posterior,
        reference=vas_trial.reference,
        outcome=VAS,
        estimands=SWEEP_ESTIMANDS,
        columns=VAS_COLUMNS,
    )(np.full((4, 400), 1 / 1600))
    for key in (*VAS_COLUMNS, "p_rope", "mean"):
        np.testing.assert_allclose([r[key] for r in weighted], got[key], atol=1e-12)
    table = sweep_table([_point("default", rows, mu=0.0, sigma=20.0)], outcome=VAS)
    assert {*VAS_COLUMNS, "p_rope"} <= set(table.columns)
    assert not {"p_beyond_0.5", "p_beyond_1", "p_beyond_2"} & set(table.columns)
    ds = sweep_dataset(table, outcome=VAS)
    assert ds["threshold"].values.tolist() == [10.0, 13.0, 20.0]
    assert ds["threshold"].attrs["units"].startswith("mm")


def test_text_and_plots_are_in_the_outcomes_units(vas_trial):
    rows = summarize_point(_vas_posterior(vas_trial), reference=vas_trial.reference, outcome=VAS)
    points = [
        _point(f"effect_mu{mu:g}_sd{sd:g}", rows, mu=mu, sigma=sd)
        for mu in (-10.0, 0.0)
        for sd in (5.0, 20.0)
    ]
    table = sweep_table(points, outcome=VAS)
    text = sweep_text(table, synthetic=True, model="daily", data="vas", outcome=VAS)
    assert "(mm, negative = less pain)" in text and "P(<-13)" in text
    assert "P(benefit beyond 13 mm)" in text and "NRS points," not in text
    assert "Myles" in text  # the VAS thresholds' sources, not Farrar's NRS points
    heat = plot_heatmap(table, outcome=VAS)
    labels = [ax.get_xlabel() + ax.get_ylabel() for ax in heat.axes[:-1]]
    assert all("(mm)" in x and "NRS" not in x for x in labels)
    assert "13 mm" in heat.axes[-1].get_ylabel()  # the colour bar: the middle threshold
    tornado = plot_tornado(table, outcome=VAS)
    assert tornado.axes[0].get_xlabel().endswith("(mm)")
    plt.close("all")


# ------------------------------------------------------------------------------- real sweep
@pytest.mark.slow
def test_a_vas_trial_is_swept_in_mm_with_its_prior_sets_scaled(vas_trial, tmp_path):
    """A small real sweep: thresholds 10/13/20 mm, prior sets x10, PSIS on the mm scale."""
    grid = {
        "name": "vas",
        "sets": ["skeptical"],
        "hyper": {"multipliers": [2.0]},
        "settings": [
            {"name": "near", "priors": {"treatment_effect": {"mu": 0.0, "sigma": 2.2}}},
        ],
    }
    result = bk.prior_sweep(
        vas_trial,
        "daily",
        grid=grid,
        draws=200,
        tune=300,
        chains=2,
        seed=7,
        min_ess=20,
        scheduler="serial",
        progress=False,
    )
    table = result.table
    assert set(VAS_COLUMNS) <= set(table.columns) and "p_beyond_1" not in table.columns
    per = table.drop_duplicates("setting").set_index("setting")
    skeptical = load_prior_set("skeptical")[1]["treatment_effect"]
    assert per.loc["skeptical", "prior_effect_sigma"] == pytest.approx(10 * skeptical["sigma"])
    assert per.loc["near", "prior_effect_sigma"] == pytest.approx(22.0)
    # near the default prior in mm: reweighted (a target left in NRS points would not be)
    assert per.loc["near", "method"] == "reweighted" and per.loc["near", "pareto_k"] < 0.7
    record = result.provenance
    assert record["outcome"]["units"] == "mm" and record["prior_scaling"]["factor"] == 10.0
    assert "t in mm (10, 13, 20)" in record["table_scheme"]
    assert "mm" in result.text and "P(<-13)" in result.text
    md = table[(table["estimand"] == "mean_daily_difference")]
    effect = md[md["contrast"] == "ketamine - placebo"]["mean"]
    assert (effect < -3).all()  # the simulated -10 mm, in mm (not NRS points)
    paths = result.save(tmp_path / "out")
    saved = json.loads(paths["json"].read_text())
    assert saved["outcome"]["thresholds"] == [10.0, 13.0, 20.0]
    assert pd.read_csv(paths["csv"]).columns.str.startswith("p_beyond_").sum() == 3
