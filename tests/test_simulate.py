"""The simulator: reproducible, Williams-balanced, calibrated to the published AUCs, honest."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import bayes_keta as bk
from bayes_keta.data.design import observed_auc
from bayes_keta.data.embedded import synthetic_path, write_ketapain_synthetic
from bayes_keta.data.simulate import effect_curve
from bayes_keta.data.simulate_adverse_events import ADVERSE_EVENT_RISKS
from bayes_keta.exceptions import SpecError

N = 20  # published subjects per arm


@pytest.fixture(scope="module")
def published() -> pd.DataFrame:
    return bk.ketapain_published().arms.set_index("treatment")


def arm_auc(frame: pd.DataFrame) -> pd.DataFrame:
    auc = observed_auc(bk.load_trial(frame))
    return auc.groupby("treatment")["auc"].agg(["mean", "std"])


def test_embedded_file_is_not_stale(tmp_path):
    """Regenerating with the default seed reproduces the shipped CSV byte for byte."""
    fresh = write_ketapain_synthetic(tmp_path / "fresh.csv")
    assert fresh.read_bytes() == synthetic_path().read_bytes()


def test_same_seed_same_frame_other_seed_differs():
    a, b = bk.simulate_trial(seed=5), bk.simulate_trial(seed=5)
    pd.testing.assert_frame_equal(a, b)
    assert not a["pain"].equals(bk.simulate_trial(seed=6)["pain"])
    assert a.attrs["synthetic"] is True and "seed=5" in a.attrs["source"]


def test_contract_format_and_ranges():
    frame = bk.simulate_trial()
    assert list(frame.columns) == [
        "subject",
        "sequence",
        "period",
        "treatment",
        "day",
        "pain",
        "baseline_pain",
        "adverse_event",
    ]
    assert len(frame) == 20 * 3 * 35
    pain = frame["pain"].dropna()
    assert pain.between(0, 10).all() and (pain == pain.round()).all()
    assert frame["baseline_pain"].between(0, 10).all()
    assert 0.01 < frame["pain"].isna().mean() < 0.06  # default missing_rate 0.03


def test_williams_balance():
    frame = bk.simulate_trial(n_subjects=12, seed=11)
    per_subject = frame.drop_duplicates(["subject", "period"])
    sequences = per_subject.groupby("subject")["sequence"].first()
    assert sorted(sequences.value_counts().to_dict().items()) == [
        (s, 2) for s in ["KMP", "KPM", "MKP", "MPK", "PKM", "PMK"]
    ]
    counts = per_subject.groupby("subject")["treatment"].value_counts()
    assert (counts == 1).all() and len(counts) == 36
    # the letters spell the treatments in period order
    letters = {"P": "placebo", "K": "ketamine", "M": "ketamine_magnesium"}
    for _, rows in per_subject.groupby("subject"):
        code = rows["sequence"].iloc[0]
        assert [letters[c] for c in code] == rows.sort_values("period")["treatment"].tolist()
    # each treatment equally often in each period
    assert (pd.crosstab(per_subject["period"], per_subject["treatment"]) == 4).all().all()


def test_default_draw_uses_every_sequence(synthetic_trial):
    summary = bk.design_summary(synthetic_trial)
    assert len(summary.sequences) == 6 and min(summary.sequences.values()) >= 3


def test_embedded_draw_mirrors_the_published_arms(synthetic_trial, published):
    """The shipped trial (issue 16): each arm's AUC mean within 5 and SD within 10 pain
    score-days of the published ones, and 2, 4, 7 of 20 patients with adverse events."""
    auc = observed_auc(synthetic_trial).groupby("treatment")["auc"].agg(["mean", "std"])
    cells = synthetic_trial.data.groupby(["subject", "period"]).first()
    events = cells.groupby("treatment")["adverse_event"].agg(["sum", "count"])
    for arm, row in published.iterrows():
        assert abs(auc.loc[arm, "mean"] - row["auc_mean"]) < 5, arm
        assert abs(auc.loc[arm, "std"] - row["auc_sd"]) < 10, arm
        assert events.loc[arm, "count"] == row["n"] == N, arm
        assert events.loc[arm, "sum"] == round(row["adverse_event_pct"] / 100 * row["n"]), arm
    expected = {"placebo": 2, "ketamine": 4, "ketamine_magnesium": 7}
    assert events["sum"].to_dict() == expected
    # it is the generator's default draw (the stale-file test checks the bytes)
    assert "seed=" in synthetic_trial.source and synthetic_trial.flagship


def test_adverse_event_calibration_is_not_luck(published):
    """Averaged over 20 seeds (like the pain), each arm's share hits the published one."""
    shares = pd.concat(
        [
            bk.simulate_trial(seed=seed, n_days=2)
            .groupby(["subject", "period"])
            .first()
            .groupby("treatment")["adverse_event"]
            .mean()
            for seed in range(100, 120)
        ],
        axis=1,
    ).mean(axis=1)
    for arm, row in published.iterrows():
        target = row["adverse_event_pct"] / 100
        se = np.sqrt(target * (1 - target) / (20 * N))  # 400 subject-periods per arm
        assert abs(shares[arm] - target) < 3 * se, arm
    assert ADVERSE_EVENT_RISKS == {
        arm: row["adverse_event_pct"] / 100 for arm, row in published.iterrows()
    }


def test_adverse_events_are_population_averaged_and_clustered():
    """Large trial: per-arm shares at the targets; a subject's flags are correlated (sd 1)."""
    frame = bk.simulate_trial(n_subjects=3000, n_days=1, seed=12, missing_rate=0.0)
    flags = frame.pivot(index="subject", columns="treatment", values="adverse_event")
    for arm, target in ADVERSE_EVENT_RISKS.items():
        assert abs(flags[arm].mean() - target) < 0.025, arm
    assert flags.corr().where(~np.eye(3, dtype=bool)).stack().min() > 0.02
    none = bk.simulate_trial(n_subjects=3000, n_days=1, seed=12, adverse_event_sd=0.0)
    independent = none.pivot(index="subject", columns="treatment", values="adverse_event")
    assert abs(independent.corr().loc["placebo", "ketamine"]) < 0.05


def test_adverse_events_leave_the_pain_of_a_seed_alone():
    with_ae = bk.simulate_trial(seed=7)
    without = bk.simulate_trial(seed=7, adverse_event_risks={})
    assert "adverse_event" not in without
    pd.testing.assert_frame_equal(with_ae.drop(columns="adverse_event"), without)
    custom = bk.simulate_trial(treatments=("A", "B"), seed=7)
    assert "adverse_event" not in custom
    given = bk.simulate_trial(
        treatments=("A", "B"), seed=7, adverse_event_risks={"A": 0.5, "B": 0.5}
    )
    assert set(given["adverse_event"].unique()) <= {0, 1}


def test_calibration_is_not_luck(published):
    """Averaged over 20 seeds, the AUC mean and SD hit the pooled published values."""
    target_mean = published["auc_mean"].mean()  # 189.3: no effect, one common mean
    target_sd = float(np.sqrt((published["auc_sd"] ** 2).mean()))  # 94.1
    stats = pd.concat([arm_auc(bk.simulate_trial(seed=seed)) for seed in range(100, 120)])
    # SE of the 20-seed average of arm means ~ 94 * 0.9 / sqrt(400) ~ 4.2
    assert abs(stats["mean"].mean() - target_mean) < 9.0
    assert 0.9 < stats["std"].mean() / target_sd < 1.1
    # and each arm separately (20 draws of 20 subjects)
    for arm, rows in stats.groupby(level=0):
        assert abs(rows["mean"].mean() - target_mean) < 12.0, arm


def test_daily_scores_look_plausible():
    frame = bk.simulate_trial(n_subjects=200, seed=4, missing_rate=0.0)
    cell_sd = frame.groupby(["subject", "period"])["pain"].std()
    assert 0.7 < cell_sd.median() < 1.5  # day-to-day wobble about one NRS point
    lagged = frame.groupby(["subject", "period"])["pain"].shift()
    centred = frame["pain"] - frame.groupby(["subject", "period"])["pain"].transform("mean")
    lag_c = lagged - frame.groupby(["subject", "period"])["pain"].transform("mean")
    assert 0.3 < centred.corr(lag_c) < 0.7  # AR(1) phi = 0.6, attenuated by rounding
    cells = bk.load_trial(frame).cells
    assert cells["baseline_pain"].corr(cells["mean_pain"]) > 0.8


def test_known_constant_effect_shows_up():
    frame = bk.simulate_trial(n_subjects=240, seed=8, effects={"ketamine": -1.5})
    means = frame.groupby("treatment")["pain"].mean()
    diff = means["ketamine"] - means["placebo"]
    # clipping at 0..10 attenuates a -1.5 shift to about -1.3; SE of the contrast ~0.16
    assert -1.8 < diff < -0.9
    assert abs(means["ketamine_magnesium"] - means["placebo"]) < 0.5
    assert bk.simulate_trial(n_subjects=240, seed=8)["pain"].mean() > frame["pain"].mean()


def test_transient_effect_fades():
    effect = {"ketamine_magnesium": {"sustained": 0.0, "transient": -3.0, "tau": 3.0}}
    frame = bk.simulate_trial(n_subjects=240, seed=9, effects=effect)
    by_day = frame.groupby(["treatment", "day"])["pain"].mean().unstack(0)
    diff = by_day["ketamine_magnesium"] - by_day["placebo"]
    assert diff.loc[1:3].mean() < -1.5
    assert abs(diff.loc[20:35].mean()) < 0.4


def test_effect_curve():
    days = np.arange(1, 4)
    assert effect_curve(-1.0, days).tolist() == [-1.0, -1.0, -1.0]
    curve = effect_curve({"sustained": -0.5, "transient": -2.0, "tau": 1.0}, days)
    assert np.allclose(curve, -0.5 - 2.0 * np.exp(-(days - 1.0)))


def test_period_effects_and_dropouts():
    frame = bk.simulate_trial(n_subjects=120, seed=10, period_effects=[0.0, 0.0, 2.0])
    by_period = frame.groupby("period")["pain"].mean()
    assert by_period[3] - by_period[1] > 1.2
    dropped = bk.simulate_trial(n_subjects=24, seed=10, dropout_rate=0.5)
    per_subject = dropped.groupby("subject")["period"].nunique()
    expected = tuple(per_subject.index[per_subject < 3])
    assert 4 <= len(expected) <= 20 and set(per_subject) == {1, 2, 3}
    assert bk.design_summary(bk.load_trial(dropped)).dropouts == expected


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"effects": {"aspirin": -1.0}}, "unknown treatments ['aspirin']"),
        ({"effects": {"placebo": -1.0}}, "reference 'placebo' cannot have an effect"),
        ({"effects": {"ketamine": {"size": 1}}}, "unknown effect keys ['size']"),
        ({"effects": {"ketamine": {"tau": 0}}}, "tau must be positive"),
        ({"effects": {"ketamine": "big"}}, "must be a number or a mapping"),
        ({"missing_rate": 1.0}, "missing_rate"),
        ({"period_effects": [1.0]}, "period_effects needs 3 values"),
        ({"n_subjects": 0}, "n_subjects must be an integer >= 1, got 0"),
        ({"n_days": 2.5}, "n_days must be an integer >= 1, got 2.5"),
        ({"seed": -1}, "seed must be an integer in 0..4294967295, got -1"),
        ({"missing_rate": float("nan")}, "missing_rate must be a number in [0, 1), got nan"),
        ({"dropout_rate": 1.5}, "dropout_rate must be a number in [0, 1], got 1.5"),
        ({"effects": {"ketamine": float("inf")}}, "effect of 'ketamine' must be a finite number"),
        ({"adverse_event_risks": {"placebo": 0.1}}, "missing ['ketamine', 'ketamine_magnesium']"),
        ({"adverse_event_risks": {"x": 0.1}}, "unknown ['x']"),
        (
            {"adverse_event_risks": {"placebo": 0.1, "ketamine": 1.0, "ketamine_magnesium": 0.1}},
            "risk of 'ketamine' must be in (0, 1), got 1.0",
        ),
        ({"adverse_event_sd": -1.0}, "subject SD must be >= 0"),
    ],
)
def test_bad_settings_refused(kwargs, needle):
    with pytest.raises(SpecError) as info:
        bk.simulate_trial(**kwargs)
    assert needle in str(info.value)
