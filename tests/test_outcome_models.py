"""Models on a declared outcome: the prior-scaling rule, what a design needs, missing-data
handling, the record and summary.json (builds only; no sampling)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from fake_fits import fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.fitting import FitRecord
from bayes_keta.models import build, check_design
from bayes_keta.models.registry import suitability
from bayes_keta.models.scaling import PriorScaling, prior_scaling, prior_scaling_for
from bayes_keta.outcome import Outcome
from bayes_keta.spec import Prior, load_spec, resolve_priors
from bayes_keta.summary import build_summary, schema_errors

BP = {"label": "SBP", "units": "mmHg", "better": "lower", "thresholds": [2, 5], "rope": 2}


def _trial(n_days=4, *, outcome=None, treatments=("P", "D"), **options):
    frame = bk.simulate_trial(n_subjects=8, n_days=n_days, treatments=treatments, seed=2, **options)
    return bk.load_trial(frame, treatments=list(treatments), outcome=outcome)


@pytest.fixture(scope="module")
def vas_trial():
    frame = bk.simulate_trial(
        n_subjects=8, n_days=4, treatments=("P", "D", "E"), seed=2, mu=50, bounds=(0, 100)
    )
    return bk.load_trial(frame, treatments="P,D,E", outcome="vas_0_100")


@pytest.fixture(scope="module")
def bp_trial():
    frame = bk.simulate_trial(
        n_subjects=8,
        n_days=4,
        treatments=("P", "D", "E"),
        seed=2,
        mu=120,
        sd_subject=12,
        sd_residual=6,
        bounds=(None, None),
        integer=False,
    )
    return bk.load_trial(frame, treatments="P,D,E", outcome=BP)


# ------------------------------------------------------------------------------ prior scaling
def test_the_nrs_keeps_every_prior():
    assert prior_scaling(bk.ketapain_synthetic()).is_identity
    spec = load_spec("daily")
    built = build(bk.ketapain_synthetic(), spec, "enthusiastic")
    assert built.scaled == built.priors  # factor 1, centre 5, no flip
    assert built.fact_notes[0].startswith("missing data:") and len(built.fact_notes) == 1


def test_a_bounded_outcome_scales_by_its_range(vas_trial):
    scaling = prior_scaling(vas_trial)
    assert (scaling.rule, scaling.factor, scaling.centre, scaling.flip) == (
        "range",
        10.0,
        50.0,
        False,
    )
    built = build(vas_trial, "daily", "skeptical")
    written = resolve_priors(load_spec("daily"), "skeptical")
    assert built.priors == written  # the record keeps them as written
    assert built.scaled["intercept"].params == {"mu": 50.0, "sigma": 25.0}
    assert built.scaled["treatment_effect"].params["sigma"] == pytest.approx(6.08)
    assert built.scaled["sigma"].params["sigma"] == pytest.approx(20.0)
    assert "range / 10 = 10" in built.scaling.text and built.scaling.text in built.fact_notes
    # the AUC builder's own scale comes after: x n_days on top of x 10
    auc = build(vas_trial, "auc")
    assert auc.scaled["treatment_effect"].params["sigma"] == pytest.approx(2.0 * 10 * 4)
    assert auc.scaled["intercept"].params["mu"] == pytest.approx(50.0 * 4)


def test_an_unbounded_outcome_scales_by_the_spread_of_its_readings(bp_trial):
    readings = bp_trial.observations["pain"].to_numpy()
    scaling = prior_scaling(bp_trial)
    assert scaling.rule == "data_sd"
    assert scaling.factor == pytest.approx(4 * readings.std(ddof=1) / 10)
    assert scaling.centre == pytest.approx(readings.mean())
    built = build(bp_trial, "daily")
    assert built.scaled["intercept"].params["mu"] == pytest.approx(readings.mean())
    assert built.scaled["treatment_effect"].params["sigma"] == pytest.approx(2 * scaling.factor)
    assert f"SD {readings.std(ddof=1):.4g} mmHg" in scaling.text
    with pytest.raises(DataError, match="no spread"):
        prior_scaling_for(Outcome.from_table(BP), np.array([120.0, 120.0]))


def test_higher_is_better_mirrors_the_treatment_priors_only():
    higher = prior_scaling_for(Outcome.from_table({"preset": "nrs_0_10", "better": "higher"}))
    assert higher.flip and higher.factor == 1.0
    enthusiastic = resolve_priors(load_spec("daily", carryover=True), "enthusiastic")
    scaled = higher.apply_all(enthusiastic)
    assert scaled["treatment_effect"].params == {"mu": 1.0, "sigma": 0.608}
    assert scaled["intercept"] == enthusiastic["intercept"]
    assert scaled["carryover_effect"] == enthusiastic["carryover_effect"]  # mu 0: mirrored to 0
    slope = Prior("normal", {"mu": 0.5, "sigma": 1.0})
    assert PriorScaling("range", 10.0, 50.0, True, "").apply("baseline_slope", slope) == slope
    assert PriorScaling.from_dict({}) == PriorScaling.identity()
    assert PriorScaling.from_dict(higher.to_dict()) == higher


# --------------------------------------------------------------------------------- needs
def test_day_level_specs_are_refused_with_one_reading_per_period():
    trial = _trial(n_days=1)
    for name in ("daily", "daily_ar1", "daily_decay", "daily_ordinal"):
        with pytest.raises(SpecError) as err:
            check_design(trial, name)
        message = str(err.value)
        assert "one reading per period" in message
        assert message.endswith("specs that suit this design: models/auc.toml")
    check_design(trial, "auc")
    assert [n for n, why in suitability(trial).items() if why is None] == ["auc"]


def test_carryover_needs_three_periods():
    two = _trial(n_days=3)
    with pytest.raises(SpecError, match="carryover = true needs at least 3 periods.*aliased"):
        check_design(two, load_spec("daily", carryover=True))
    with pytest.raises(SpecError, match="carryover = true needs at least 3 periods"):
        check_design(two, load_spec("auc", carryover=True))
    check_design(_trial(n_days=3, treatments=("P", "D", "E")), load_spec("daily", carryover=True))


def test_ordinal_needs_an_integer_outcome_with_a_small_declared_range(vas_trial, bp_trial):
    with pytest.raises(SpecError, match="small declared range .* has 101"):
        check_design(vas_trial, "daily_ordinal")
    with pytest.raises(SpecError, match="declared integer bounds; 'SBP' has none"):
        check_design(bp_trial, "daily_ordinal")
    half = _trial(outcome={"preset": "nrs_0_10"}).data.copy()
    half.loc[0, "pain"] = 4.5
    with pytest.raises(SpecError, match="integer pain scores 0..10.*e.g. 4.5"):
        check_design(bk.load_trial(half, treatments="P,D"), "daily_ordinal")
    assert "daily_ordinal" not in [n for n, w in suitability(vas_trial).items() if w is None]


def test_a_small_integer_scale_needs_its_own_cutpoints():
    frame = bk.simulate_trial(
        n_subjects=8, n_days=4, treatments=("P", "D"), seed=2, mu=2, sd_subject=1, bounds=(0, 4)
    )
    outcome = {"label": "Sleep", "units": "points", "lower": 0, "upper": 4, "better": "higher"}
    trial = bk.load_trial(frame, treatments="P,D", outcome=outcome)
    with pytest.raises(SpecError, match="has 10 cutpoints .* write a spec with 4 cutpoints"):
        check_design(trial, "daily_ordinal")
    spec = load_spec("daily_ordinal")
    four = Prior("normal", {"mu": (-2.25, -0.75, 0.75, 2.25), "sigma": 2.0})
    custom = replace(spec, priors={**spec.priors, "cutpoints": four})
    check_design(trial, custom)
    built = build(trial, custom)
    assert built.model.coords["threshold"] == ("0|1", "1|2", "2|3", "3|4")


# ---------------------------------------------------------------------- missing-data handling
def test_builders_declare_their_missing_data_handling_with_counts(synthetic_trial):
    cells = synthetic_trial.cells
    missing = int(synthetic_trial.data["pain"].isna().sum())
    daily = build(synthetic_trial, "daily").missing_data
    assert daily["handling"] == "observed_only"
    assert daily["n_readings_missing"] == missing
    assert daily["n_readings_observed"] == synthetic_trial.n_observations
    auc = build(synthetic_trial, "auc").missing_data
    assert auc["handling"] == "auc_cell_mean" and auc["weights"] == "equal"
    assert auc["n_cells_used"] + auc["n_cells_dropped"] == len(cells)
    assert auc["n_readings_filled"] == missing  # no cell dropped: every gap filled
    assert f"{missing} readings filled" in auc["text"]


def test_auc_drops_and_counts_subject_periods_below_half_their_readings():
    frame = bk.simulate_trial(n_subjects=6, n_days=6, seed=1, missing_rate=0.0)
    thin = (frame["subject"] == "S1") & (frame["period"] == 2) & (frame["day"] > 2)
    frame.loc[thin, "pain"] = np.nan  # 2 of 6 observed < 3 needed
    built = build(bk.load_trial(frame), "auc")
    m = built.missing_data
    assert m["n_cells_dropped"] == 1 and m["dropped"][0]["subject"] == "S1"
    assert m["dropped"][0]["n_obs"] == 2 and m["min_observed"] == 3
    assert "fewer than 3 of 6 readings observed are dropped (1 of 18)" in m["text"]


# ------------------------------------------------------------------------ record and summary
def test_record_and_summary_carry_outcome_scaling_missing_data_and_carryover(vas_trial):
    spec = load_spec("daily", carryover=True)
    tree = fake_tree(
        n_days=vas_trial.n_days,
        treatments=vas_trial.treatments,
        effects={"D": -12.0, "E": -3.0},
        placebo=50.0,
    )
    rng = np.random.default_rng(1)
    draws = rng.normal([1.5, -0.5], 0.2, size=(4, 500, 2))
    tree["posterior"] = (
        tree["posterior"].to_dataset().assign(carryover_effect=(("chain", "draw", "active"), draws))
    )
    fit = fake_fit(vas_trial, tree, spec=spec)
    built = build(vas_trial, spec)
    record = FitRecord.from_dict(
        {
            **fit.record.to_dict(),
            "prior_scaling": built.scaling.to_dict(),
            "missing_data": built.missing_data,
        }
    )
    assert FitRecord.from_dict(record.to_dict()) == record
    tree.attrs.update(record.to_attrs())
    fit = bk.FitResult(tree, record, vas_trial)
    summary = build_summary(fit)
    assert schema_errors(summary) == []
    outcome = summary["outcome"]
    assert (outcome["units"], outcome["lower"], outcome["upper"], outcome["scale"]) == (
        "mm",
        0.0,
        100.0,
        "vas",
    )
    assert outcome["thresholds"] == [10.0, 13.0, 20.0] and outcome["rope"] == 5.0
    assert outcome["prior_scaling"]["factor"] == 10.0
    rows = {r["treatment"]: r for r in summary["carryover"]}
    assert set(rows) == {"D", "E"} and rows["D"]["scale"] == "vas"
    assert rows["D"]["mean"] == pytest.approx(draws[..., 0].mean())
    assert rows["E"]["ci95"][0] < rows["E"]["mean"] < rows["E"]["ci95"][1]
    assert summary["missing_data"]["handling"] == "observed_only"
    assert {c["scale"] for c in summary["contrasts"]} == {"vas", "auc", "percent"}
    keys = {k for c in summary["contrasts"] if c["scale"] == "vas" for k in c["p_beyond"]}
    assert keys == {"10.0", "13.0", "20.0"}
    plain = fake_tree(n_days=4, treatments=("P", "D", "E"), effects={"D": 0.0, "E": 0.0})
    no_carry = build_summary(fake_fit(vas_trial, plain))
    assert no_carry["carryover"] == [] and no_carry["outcome"]["prior_scaling"]["factor"] == 1.0


def test_higher_is_better_words_benefit_as_an_increase():
    outcome = Outcome.from_table({"preset": "nrs_0_10", "better": "higher", "noun": "relief"})
    frame = bk.simulate_trial(n_subjects=6, n_days=3, treatments=("P", "D"), seed=1)
    trial = bk.load_trial(frame, treatments="P,D", outcome=outcome)
    fit = fake_fit(trial, fake_tree(n_days=3, treatments=("P", "D"), effects={"D": 1.0}))
    table = fit.contrasts()
    row = table[table.estimand == "mean_daily_difference"].iloc[0]
    assert row.p_benefit > 0.99  # +1 point of relief: a benefit when higher is better
    text = fit.contrast_summary().text
    assert "increases mean daily relief" in text and "positive = more relief" in text
    contrasts = pd.DataFrame(build_summary(fit)["contrasts"])
    assert (contrasts.loc[contrasts.estimand == "mean_daily_difference", "mean"] > 0).all()


def test_math_text_follows_the_outcome_and_one_reading():
    from bayes_keta.models import MathContext, builder_for

    relief = Outcome.from_table({"preset": "nrs_0_10", "better": "higher", "noun": "relief"})
    one = MathContext(n_days=1, treatments=("P", "D"), outcome=relief)
    text = builder_for("auc").math(load_spec("auc"), one)
    assert "one reading per period (t = 1)" in text and "the reading itself" in text
    assert "positive = more relief" in text and "1 days" not in text
    small = Outcome.from_table({"units": "points", "lower": 1, "upper": 5, "better": "lower"})
    ordinal = builder_for("daily_ordinal").math(
        load_spec("daily_ordinal"), MathContext(n_days=7, treatments=("P", "D"), outcome=small)
    )
    assert "∈ {1, ..., 5}" in ordinal and "c = 1..4" in ordinal and "outcome's scale" in ordinal
    nrs = builder_for("daily").math(load_spec("daily"), MathContext(7, ("P", "D")))
    assert "day t = 1..7 after the infusion" in nrs and "negative = less pain" in nrs
