"""Estimands on fixed fake posteriors with known answers (no sampling)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit, fake_tree

from bayes_keta import constants
from bayes_keta.estimands import (
    by_day,
    contrast_draws,
    contrast_pairs,
    contrast_table,
    summarize_contrasts,
    summarize_draws,
    threshold_curve,
)
from bayes_keta.exceptions import DataError

LABELS = [
    "ketamine - placebo",
    "ketamine_magnesium - placebo",
    "ketamine_magnesium - ketamine",
]


def test_contrast_pairs_actives_vs_reference_then_pairs_of_actives():
    pairs = contrast_pairs(["placebo", "ketamine", "ketamine_magnesium"], "placebo")
    assert pairs == [
        ("ketamine", "placebo"),
        ("ketamine_magnesium", "placebo"),
        ("ketamine_magnesium", "ketamine"),
    ]
    assert contrast_pairs(["a", "b"], "b") == [("a", "b")]


def test_contrast_draws_exact_values_on_known_posterior():
    tree = fake_tree(slope=0.02, n_draws=200, seed=3)
    post = tree["posterior"]
    eff = post["treatment_effect"]
    ds = contrast_draws(tree)
    assert list(ds["contrast"].values) == LABELS
    assert list(ds["active"].values) == ["ketamine", "ketamine_magnesium", "ketamine_magnesium"]
    assert list(ds["reference"].values) == ["placebo", "placebo", "ketamine"]
    assert set(ds.data_vars) == {
        "mean_daily_difference",
        "auc_difference",
        "week_1",
        "day_7",
        "day_15",
        "day_21",
        "day_28",
        "relative_change_pct",
    }
    for name in ds.data_vars:
        assert ds[name].dims == ("chain", "draw", "contrast")
    k = eff.sel(active="ketamine").values
    km = eff.sel(active="ketamine_magnesium").values
    mdd = ds["mean_daily_difference"]
    np.testing.assert_allclose(mdd.sel(contrast=LABELS[0]), k, atol=1e-12)
    np.testing.assert_allclose(mdd.sel(contrast=LABELS[1]), km, atol=1e-12)
    np.testing.assert_allclose(mdd.sel(contrast=LABELS[2]), km - k, atol=1e-12)
    np.testing.assert_allclose(ds["auc_difference"], 35 * mdd, atol=1e-10)
    # slope 0.02 per day around day 18 on both actives; cancels in the active-active contrast
    np.testing.assert_allclose(ds["day_7"].sel(contrast=LABELS[0]), k + 0.02 * (7 - 18))
    np.testing.assert_allclose(ds["day_28"].sel(contrast=LABELS[1]), km + 0.02 * (28 - 18))
    np.testing.assert_allclose(ds["week_1"].sel(contrast=LABELS[0]), k + 0.02 * (4 - 18))
    np.testing.assert_allclose(ds["day_21"].sel(contrast=LABELS[2]), km - k, atol=1e-12)
    placebo = post["intercept"].values
    np.testing.assert_allclose(
        ds["relative_change_pct"].sel(contrast=LABELS[0]), 100 * k / placebo, rtol=1e-10
    )
    np.testing.assert_allclose(
        ds["relative_change_pct"].sel(contrast=LABELS[2]),
        100 * (km - k) / (placebo + k),
        rtol=1e-10,
    )
    assert ds.attrs["n_days"] == 35 and ds.attrs["reference"] == "placebo"
    assert ds.attrs["constant_over_day"] is False
    assert ds["auc_difference"].attrs["scale"] == "auc"


def test_by_day_curve_dims_and_values():
    tree = fake_tree(slope=-0.01, n_draws=50)
    curve = by_day(tree)
    assert curve.name == "by_day"
    assert curve.dims == ("chain", "draw", "contrast", "day")
    am = tree["posterior"]["arm_mean"]
    np.testing.assert_allclose(
        curve.sel(contrast="ketamine - placebo"),
        am.sel(treatment="ketamine") - am.sel(treatment="placebo"),
    )


def test_secondary_days_beyond_follow_up_are_skipped():
    ds = contrast_draws(fake_tree(n_days=10, n_draws=20))
    assert "day_7" in ds and "week_1" in ds
    assert not {"day_15", "day_21", "day_28"} & set(ds.data_vars)
    assert ds.attrs["n_days"] == 10
    np.testing.assert_allclose(ds["auc_difference"], 10 * ds["mean_daily_difference"])
    short = contrast_draws(fake_tree(n_days=5, n_draws=20))
    assert "week_1" not in short and "day_7" not in short


def test_summarize_draws_exact():
    s = summarize_draws([-3.0, -1.5, -0.5, 0.5, 2.0], thresholds=[0.5, 1.0, 2.0], rope=1.0)
    assert s["mean"] == pytest.approx(-0.5)
    assert s["median"] == -0.5
    assert s["p_benefit"] == pytest.approx(0.6)
    assert s["p_beyond"] == {0.5: pytest.approx(0.4), 1.0: pytest.approx(0.4), 2.0: 0.2}
    assert s["p_rope"] == pytest.approx(0.4)
    assert s["sd"] == pytest.approx(np.std([-3.0, -1.5, -0.5, 0.5, 2.0], ddof=1))
    assert summarize_draws([1.0, 2.0])["p_rope"] is None
    with pytest.raises(ValueError):
        summarize_draws([])


def test_contrast_table_matches_draws_and_thresholds():
    tree = fake_tree(effects={"ketamine": -1.0, "ketamine_magnesium": -2.0}, seed=5)
    table = contrast_table(tree)
    ds = contrast_draws(tree)
    assert list(table.columns) == [
        "active",
        "reference",
        "contrast",
        "estimand",
        "scale",
        "mean",
        "sd",
        "median",
        "lo95",
        "hi95",
        "p_benefit",
        "p_beyond",
        "p_rope",
    ]
    assert len(table) == 3 * 8
    assert table["contrast"].unique().tolist() == LABELS
    row = table.query("contrast == 'ketamine - placebo' and estimand == 'mean_daily_difference'")
    row = row.iloc[0]
    x = ds["mean_daily_difference"].sel(contrast=LABELS[0]).values.ravel()
    assert row["mean"] == pytest.approx(x.mean()) and row["mean"] == pytest.approx(-1.0, abs=0.05)
    assert row["lo95"] == pytest.approx(np.quantile(x, 0.025))
    assert row["hi95"] == pytest.approx(np.quantile(x, 0.975))
    assert row["p_benefit"] == pytest.approx(np.mean(x < 0))
    assert list(row["p_beyond"]) == list(constants.NRS_THRESHOLDS)
    assert row["p_beyond"][1.0] == pytest.approx(np.mean(x < -1.0))
    assert 0.4 < row["p_beyond"][1.0] < 0.6  # effect -1 exactly at the threshold
    assert row["p_rope"] == pytest.approx(np.mean(np.abs(x) < constants.ROPE_NRS))
    auc = table.query("contrast == 'ketamine - placebo' and estimand == 'auc_difference'")
    auc = auc.iloc[0]
    assert auc["scale"] == "auc"
    assert list(auc["p_beyond"]) == list(constants.auc_thresholds(35))
    assert auc["p_beyond"][35.0] == pytest.approx(row["p_beyond"][1.0])
    assert auc["mean"] == pytest.approx(35 * row["mean"])
    rel = table.query("estimand == 'relative_change_pct'").iloc[0]
    assert rel["scale"] == "percent" and list(rel["p_beyond"]) == [30.0]
    assert np.isnan(rel["p_rope"])
    assert rel["mean"] == pytest.approx(-20.0, abs=1.5)  # -1 on 5 points
    magnesium = table.query(
        "contrast == 'ketamine_magnesium - ketamine' and estimand == 'mean_daily_difference'"
    ).iloc[0]
    assert magnesium["mean"] == pytest.approx(-1.0, abs=0.05)


def test_contrast_table_wrong_estimand_and_subset():
    tree = fake_tree(n_draws=20)
    sub = contrast_table(tree, estimands=["auc_difference"])
    assert set(sub["estimand"]) == {"auc_difference"}
    with pytest.raises(ValueError, match="unknown"):
        contrast_table(tree, estimands=["nope"])


def test_threshold_curve_long_and_monotone():
    tree = fake_tree(seed=2)
    curve = threshold_curve(tree)
    assert list(curve.columns) == [
        "active",
        "reference",
        "contrast",
        "estimand",
        "scale",
        "threshold",
        "p_beyond",
    ]
    assert len(curve) == 3 * 61
    table = contrast_table(tree).set_index(["contrast", "estimand"])
    for contrast, part in curve.groupby("contrast"):
        p = part["p_beyond"].to_numpy()
        assert np.all(np.diff(p) <= 0)
        assert p[0] == pytest.approx(table.loc[(contrast, "mean_daily_difference"), "p_benefit"])
    auc = threshold_curve(tree, estimands="auc_difference")
    assert auc["threshold"].max() == pytest.approx(3 * 35)
    np.testing.assert_allclose(auc["p_beyond"], curve["p_beyond"])


def test_reference_override_and_from_fit(fixed_trial):
    tree = fake_tree(n_days=7, n_draws=50)
    ds = contrast_draws(tree, reference="ketamine")
    assert list(ds["contrast"].values) == [
        "placebo - ketamine",
        "ketamine_magnesium - ketamine",
        "ketamine_magnesium - placebo",
    ]
    fit = fake_fit(fixed_trial, tree)
    assert fit.contrasts()["reference"].iloc[0] == "placebo"
    with pytest.raises(DataError, match="reference"):
        contrast_draws(tree, reference="aspirin")


def test_bad_inputs_raise_data_error():
    tree = fake_tree(n_draws=10)
    with pytest.raises(DataError, match="arm_mean"):
        contrast_draws(tree["posterior"].to_dataset().drop_vars("arm_mean"))
    with pytest.raises(DataError, match="dims"):
        contrast_draws(tree["posterior"]["arm_mean"].isel(day=0))
    with pytest.raises(DataError):
        contrast_draws(xr.DataTree())
    with pytest.raises(DataError):
        contrast_draws(pd.DataFrame())


def test_contrast_summary_text_follows_numbers():
    tree = fake_tree(effects={"ketamine": -1.2, "ketamine_magnesium": 0.0}, seed=4)
    summary = summarize_contrasts(tree, synthetic=True)
    row = summary.table.query(
        "contrast == 'ketamine - placebo' and estimand == 'mean_daily_difference'"
    ).iloc[0]
    pct = f"{100 * row['p_beyond'][1.0]:.0f}%"
    assert (
        "Probability that ketamine reduces mean daily pain by more than 1 point vs placebo:"
        f" {pct}." in summary.text
    )
    assert "SYNTHETIC DATA" in summary.text
    assert summary.synthetic and summary.n_days == 35
    assert "constant over the days after infusion" in summary.text  # slope 0: constant over day
    real = summarize_contrasts(fake_tree(slope=0.01, n_draws=50), synthetic=False)
    assert "SYNTHETIC" not in real.text and "constant over the days after infusion" not in real.text
    fit = SimpleNamespace(datatree=tree, trial=SimpleNamespace(synthetic=True, reference="placebo"))
    assert summarize_contrasts(fit).synthetic


def test_percent_formatting_never_prints_false_certainty():
    from bayes_keta.estimands import format_probability

    assert [format_probability(p) for p in (0.0, 0.005, 0.0099, 0.01, 0.5, 0.99, 0.995, 1.0)] == [
        "<1%",
        "<1%",
        "<1%",
        "1%",
        "50%",
        "99%",
        ">99%",
        ">99%",
    ]


def test_extreme_probabilities_never_print_zero_or_hundred():
    tree = fake_tree(effects={"ketamine": -5.0, "ketamine_magnesium": 3.0}, noise_sd=0.01)
    text = summarize_contrasts(tree).text
    assert ">99%" in text and "<1%" in text
    assert " 0%." not in text and " 100%." not in text
