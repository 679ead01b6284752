"""Estimands on fixed fake posteriors with known answers (no sampling)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit, fake_tree

from bayes_keta import constants
from bayes_keta.estimands import (
    ESTIMANDS,
    beyond_by_row,
    by_day,
    contrast_draws,
    contrast_pairs,
    contrast_table,
    estimand,
    estimand_names,
    format_probability,
    format_threshold,
    scale_labels,
    summarize_contrasts,
    summarize_draws,
    threshold_curve,
)
from bayes_keta.estimands.text import PROBABILITY_LINES, VALUE_LINES
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome
from bayes_keta.summary import contrast_records, load_schema

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
        "p_beyond_0.5",
        "p_beyond_1",
        "p_beyond_2",
        "p_beyond_30pct",
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
    assert table.attrs["thresholds"]["nrs"] == {
        f"p_beyond_{t:g}": t for t in constants.NRS_THRESHOLDS
    }
    assert row["p_beyond_1"] == pytest.approx(np.mean(x < -1.0))
    assert 0.4 < row["p_beyond_1"] < 0.6  # effect -1 exactly at the threshold
    assert np.isnan(row["p_beyond_30pct"])
    assert row["p_rope"] == pytest.approx(np.mean(np.abs(x) < constants.ROPE_NRS))
    auc = table.query("contrast == 'ketamine - placebo' and estimand == 'auc_difference'")
    auc = auc.iloc[0]
    assert auc["scale"] == "auc"
    assert list(table.attrs["thresholds"]["auc"].values()) == list(constants.auc_thresholds(35))
    y = ds["auc_difference"].sel(contrast=LABELS[0]).values.ravel()
    assert auc["p_beyond_1"] == pytest.approx(np.mean(y < -35.0))
    assert auc["p_beyond_1"] == pytest.approx(row["p_beyond_1"])
    assert auc["mean"] == pytest.approx(35 * row["mean"])
    rel = table.query("estimand == 'relative_change_pct'").iloc[0]
    assert rel["scale"] == "percent" and table.attrs["thresholds"]["percent"] == {
        "p_beyond_30pct": 30.0
    }
    z = ds["relative_change_pct"].sel(contrast=LABELS[0]).values.ravel()
    assert rel["p_beyond_30pct"] == pytest.approx(np.mean(z < -30.0))
    assert rel[["p_beyond_0.5", "p_beyond_1", "p_beyond_2"]].isna().all()
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


def test_reference_override_and_default(fixed_trial):
    tree = fake_tree(n_days=7, n_draws=50)
    ds = contrast_draws(tree, reference="ketamine")
    assert list(ds["contrast"].values) == [
        "placebo - ketamine",
        "ketamine_magnesium - ketamine",
        "ketamine_magnesium - placebo",
    ]
    # the default is the first treatment (the data contract puts the reference first)
    assert contrast_table(tree)["reference"].iloc[0] == "placebo"
    with pytest.raises(DataError, match="reference"):
        contrast_draws(tree, reference="aspirin")
    # no duck typing: a fit object passes its datatree and reference explicitly
    fit = fake_fit(fixed_trial, tree)
    with pytest.raises(DataError, match="datatree"):
        contrast_table(fit)
    assert fit.contrasts()["reference"].iloc[0] == "placebo"


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
    pct = f"{100 * row['p_beyond_1']:.0f}%"
    assert (
        "Probability that ketamine reduces mean daily pain by more than 1 point vs placebo:"
        f" {pct}." in summary.text
    )
    assert "SYNTHETIC DATA" in summary.text
    assert summary.synthetic and summary.n_days == 35
    assert "constant over the days of a period" in summary.text  # slope 0: constant over day
    real = summarize_contrasts(fake_tree(slope=0.01, n_draws=50), synthetic=False)
    assert "SYNTHETIC" not in real.text and "constant over the days of a period" not in real.text
    assert not summarize_contrasts(tree).synthetic  # explicit, never read from the tree


def test_percent_formatting_never_prints_false_certainty():
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


# ------------------------------------------------------------------ the flat p_beyond columns
def test_flat_columns_hold_the_core_summary_on_each_rows_own_scale():
    """beyond_by_row reads back exactly what summarize_draws gives at each row's thresholds."""
    tree = fake_tree(effects={"ketamine": -1.0, "ketamine_magnesium": -2.0}, n_days=10, seed=8)
    ds = contrast_draws(tree)
    table = contrast_table(ds)
    outcome = Outcome.nrs_0_10()
    for row, beyond in zip(table.to_dict("records"), beyond_by_row(table), strict=True):
        kind = estimand(row["estimand"]).scale
        core = summarize_draws(
            ds[row["estimand"]].sel(contrast=row["contrast"]).values,
            thresholds=outcome.thresholds_for(kind, 10),
        )
        assert beyond == core["p_beyond"]
    with pytest.raises(ValueError, match="attrs"):
        beyond_by_row(pd.DataFrame(table.to_dict("records")))


def test_higher_is_better_outcome_flips_benefit_and_wording():
    tree = fake_tree(effects={"ketamine": 1.0, "ketamine_magnesium": -0.5}, seed=6, n_draws=200)
    function = Outcome(
        column="function", scale_name="fn", label="Function (0-10)", noun="function",
        better="higher", auc_units=None, sources=("a made-up scale",), preset=None,
    )  # fmt: skip
    lower = contrast_table(tree)
    higher = contrast_table(tree, outcome=function)
    x = contrast_draws(tree)["mean_daily_difference"].sel(contrast=LABELS[0]).values
    row = higher.iloc[0]
    assert row["scale"] == "fn" and row["p_benefit"] == pytest.approx(np.mean(x > 0))
    assert row["p_beyond_1"] == pytest.approx(np.mean(x > 1.0))
    assert row["p_benefit"] == pytest.approx(1 - lower.iloc[0]["p_benefit"])  # no ties
    pd.testing.assert_series_equal(lower["mean"], higher["mean"])
    text = summarize_contrasts(tree, outcome=function).text
    assert "positive = more function" in text and "ketamine increases mean daily function" in text
    assert "points x days" in text and "pain" not in text.lower().replace("pain score", "")
    assert "more than 30% higher" in text


# -------------------------------------------------------------------------------- the text
def test_failed_gate_comes_first_and_single_reading_wording():
    tree = fake_tree(n_days=1, n_draws=50)
    text = summarize_contrasts(tree, gate_failures=["max R-hat 1.08 > 1.01"]).text
    first = text.splitlines()[0]
    assert first.startswith("DIAGNOSTICS FAILED: do not interpret") and "1.08" in first
    assert "days 1-1" not in text and "over the single reading of each period" in text
    assert "over days 1-35" in summarize_contrasts(fake_tree(n_draws=50)).text
    assert summarize_contrasts(tree, gate_failures=("x",)).gate_failures == ("x",)
    assert not summarize_contrasts(tree).text.startswith("DIAGNOSTICS")


def test_relative_threshold_is_worded_as_a_ratio_of_arm_means():
    text = summarize_contrasts(fake_tree(n_draws=50)).text
    assert "more than 30% lower than on placebo (a ratio of the arm means)" in text
    assert "between-arm ratio of mean daily pain" in text and "within-patient" in text
    assert "relative reduction of more than 30%" not in text


# ------------------------------------------------- the registry: contract tests per estimand
@pytest.mark.parametrize("entry", ESTIMANDS, ids=[e.name for e in ESTIMANDS])
def test_every_estimand_keeps_the_contract(entry):
    outcome = Outcome.nrs_0_10()
    for n_days in (1, 5, 10, 35):
        tree = fake_tree(n_days=n_days, n_draws=20, seed=n_days)
        ds = contrast_draws(tree)
        table = contrast_table(ds)
        rows = table[table["estimand"] == entry.name]
        if not entry.available(n_days):
            assert entry.name not in ds and rows.empty
            continue
        assert ds[entry.name].dims == ("chain", "draw", "contrast")
        assert ds[entry.name].sizes == {"chain": 4, "draw": 20, "contrast": 3}
        assert ds[entry.name].attrs["scale"] == outcome.scale_label(entry.scale)
        assert np.isfinite(ds[entry.name].values).all()
        assert rows["contrast"].tolist() == LABELS
        records = contrast_records(table)
        assert sum(r["estimand"] == entry.name for r in records) == 3
        record = next(r for r in records if r["estimand"] == entry.name)
        expected = {format_threshold(t) for t in outcome.thresholds_for(entry.scale, n_days)}
        assert set(record["p_beyond"]) == expected
        lines = summarize_contrasts(tree).text.splitlines()
        block = lines[lines.index("ketamine vs placebo:") + 1 :]
        block = block[: block.index("")]
        first = rows.iloc[0]
        if entry.name in VALUE_LINES:  # its value (mean) is written
            digits = ".2f" if entry.scale == "outcome" else ".1f"
            assert any(f" {first['mean']:{digits}} " in line for line in block)
        if entry.name in PROBABILITY_LINES:  # each threshold with its probability
            beyond = beyond_by_row(table)[int(rows.index[0])]
            for t, p in beyond.items():
                want = f"{t:g}"
                assert any(want in x and f"{format_probability(p)}." in x for x in block)
        # table-only estimands are declared so (in_text=False) and have no sentences
        assert entry.in_text == (entry.name in {*VALUE_LINES, *PROBABILITY_LINES})
    assert entry.available(35)  # every estimand exists for the trial's own follow-up


def test_text_builders_cover_exactly_the_in_text_estimands():
    in_text = {e.name for e in ESTIMANDS if e.in_text}
    assert {*VALUE_LINES, *PROBABILITY_LINES} == in_text
    text = summarize_contrasts(fake_tree(n_draws=50)).text
    assert "Mean daily pain difference" in text  # mean_daily_difference
    assert "AUC difference" in text  # auc_difference
    assert "more than 30% lower" in text  # relative_change_pct


def test_registry_names_are_unique_and_lookup_refuses_unknown():
    names = estimand_names()
    assert len(set(names)) == len(names) == len(ESTIMANDS)
    assert estimand("auc_difference").scale == "auc"
    with pytest.raises(ValueError, match="unknown estimand"):
        estimand("vibes")


def test_summary_schema_enums_match_the_registry():
    contrast = load_schema()["$defs"]["contrast"]["properties"]
    assert contrast["estimand"]["enum"] == list(estimand_names())
    pattern = re.compile(contrast["scale"]["pattern"])
    for outcome in (Outcome.nrs_0_10(), Outcome.vas_0_100()):
        assert all(pattern.fullmatch(s) for s in scale_labels(outcome).values())
    assert set(scale_labels().values()) <= set(contrast["scale"]["examples"])


def test_carryover_table_summarises_each_active_arm():
    from bayes_keta.estimands import carryover_table

    rng = np.random.default_rng(3)
    draws = rng.normal([0.5, -1.0], 0.1, size=(2, 500, 2))
    tree = xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset(
                {"carryover_effect": (("chain", "draw", "active"), draws)},
                coords={"active": ["ketamine", "ketamine_magnesium"]},
            )
        }
    )
    table = carryover_table(tree)
    assert table["treatment"].tolist() == ["ketamine", "ketamine_magnesium"]
    np.testing.assert_allclose(table["mean"], draws.reshape(-1, 2).mean(axis=0))
    assert (table["lo95"] < table["mean"]).all() and (table["mean"] < table["hi95"]).all()
    assert carryover_table(xr.DataTree.from_dict({"posterior": xr.Dataset()})).empty
