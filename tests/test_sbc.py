"""Simulation-based calibration: the rank statistics, the versioned artefact, a small real run.

The artefact ``calibration/sbc_results.json`` is produced by ``make sbc`` and committed. These
tests FAIL when it shows miscalibration (rule in :mod:`bayes_keta.calibration.artefact`:
Bonferroni over every uniformity and coverage test, family-wise 5%) or when it is stale (the
spec TOMLs or model-building sources changed since it was made: rerun ``make sbc``).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.calibration import (
    SBC_SPECS,
    SBCSettings,
    check_artefact,
    coverage_test,
    rank_uniformity,
    read_artefact,
    results_record,
    run_sbc,
    sbc_hash,
    sbc_rank,
    thin,
)
from bayes_keta.calibration.prior import ar1_residuals

ARTEFACT = Path(__file__).resolve().parents[1] / "calibration" / "sbc_results.json"


# ----------------------------------------------------------------------- rank statistics
def test_thin_and_rank() -> None:
    draws = np.arange(600.0).reshape(2, 300)
    kept = thin(draws, 100)
    assert kept.shape == (100,)
    assert kept[0] == 0 and kept[50] == 300  # evenly from each chain
    assert sbc_rank(-1.0, kept) == 0 and sbc_rank(1e9, kept) == 100
    with pytest.raises(ValueError):
        thin(draws, 101)


def test_uniformity_accepts_uniform_ranks() -> None:
    rng = np.random.default_rng(0)
    p = [rank_uniformity(rng.integers(0, 101, 100), 101, seed=s).p_value for s in range(20)]
    assert min(p) > 0.001


@pytest.mark.parametrize(
    "kind",
    ["overdispersed", "underdispersed", "biased"],
)
def test_uniformity_rejects_miscalibrated_ranks(kind: str) -> None:
    # The three classic SBC failure shapes (Talts et al. 2018, fig. 3-5), 100 sims.
    rng = np.random.default_rng(1)
    if kind == "overdispersed":  # posterior too narrow: truth often outside (U shape)
        ranks = np.where(
            rng.random(100) < 0.5, rng.integers(0, 10, 100), rng.integers(91, 101, 100)
        )
    elif kind == "underdispersed":  # posterior too wide: ranks pile in the middle
        ranks = rng.integers(35, 66, 100)
    else:  # posterior biased upwards: truth ranks low
        ranks = np.minimum(rng.integers(0, 101, 100), rng.integers(0, 101, 100))
    assert rank_uniformity(ranks, 101).p_value < 0.001


def test_coverage_test_band() -> None:
    ok = coverage_test(95, 100, nominal=0.95, alpha=0.001)
    assert ok.band[0] <= 95 <= ok.band[1] and ok.p_value > 0.5
    bad = coverage_test(80, 100, nominal=0.95, alpha=0.001)
    assert bad.p_value < 0.001 and not bad.band[0] <= 80 <= bad.band[1]


def test_ar1_generator_is_stationary_with_gaps() -> None:
    rng = np.random.default_rng(2)
    n = 4000
    prev = np.r_[-1, np.arange(n - 1)]
    gap = np.where(np.arange(n) % 2 == 0, 1, 2)  # every other step skips a day
    e = ar1_residuals(np.full(1, 0.7), np.full(1, 1.5), prev, gap, rng)[0]
    assert abs(e.std() - 1.5) < 0.1
    lag = np.corrcoef(e[1:], e[:-1])[0, 1]
    expected = np.mean(0.7 ** gap[1:])  # mixes lag-1 and lag-2 correlations
    assert abs(lag - expected) < 0.05


# ------------------------------------------------------------------------- the artefact
@pytest.fixture(scope="module")
def artefact() -> dict:
    if not ARTEFACT.exists():
        pytest.fail(f"{ARTEFACT} is missing: run `make sbc`")
    return read_artefact(ARTEFACT)


def test_artefact_covers_every_spec_with_settings(artefact: dict) -> None:
    assert set(SBC_SPECS) <= set(artefact["specs"])
    assert artefact["design"]["n_subjects"] == 20 and artefact["design"]["n_days"] == 35
    for name, entry in artefact["specs"].items():
        s = entry["settings"]
        assert s["n_sims"] >= 30, name
        assert {"seed", "draws", "tune", "chains", "n_rank_draws"} <= set(s)
        assert len(entry["spec_hash"]) == 64
        for q in entry["parameters"]:
            assert len(entry["ranks"][q]) == s["n_sims"]
        assert any(q.startswith("mean_daily_difference") for q in entry["contrast_coverage"])
        assert any(q.startswith("treatment_effect") for q in entry["parameters"])
        assert any(q.startswith("sigma") for q in entry["parameters"])


def test_artefact_is_calibrated(artefact: dict) -> None:
    check = check_artefact(artefact, check_fresh=False)
    assert not check.failures, check.text


def test_artefact_is_not_stale(artefact: dict) -> None:
    check = check_artefact(artefact)
    assert not check.stale, check.text


def test_check_fails_on_miscalibrated_or_tampered_artefact(artefact: dict) -> None:
    spec = "daily"
    q = "treatment_effect[ketamine]"
    bad = copy.deepcopy(artefact)
    entry = bad["specs"][spec]
    top = entry["settings"]["n_rank_draws"]
    entry["ranks"][q] = [top if i % 2 else 0 for i in range(entry["settings"]["n_sims"])]
    stored = results_record(list(bad["specs"].values()), design=bad["design"])
    check = check_artefact(stored, check_fresh=False)
    assert any("not uniform" in f and q in f for f in check.failures)

    tampered = copy.deepcopy(artefact)
    tampered["specs"][spec]["parameters"][q]["p_uniform"] = 0.99123
    assert any("disagrees" in f for f in check_artefact(tampered, check_fresh=False).failures)

    stale = copy.deepcopy(artefact)
    stale["specs"][spec]["spec_hash"] = "0" * 64
    assert spec in check_artefact(stale).stale


def test_hash_covers_spec_and_model_sources() -> None:
    digest, files = sbc_hash("daily")
    assert files[0] == "models/daily.toml"
    assert "bayes_keta/models/gaussian.py" in files and "bayes_keta/spec/spec.py" in files
    assert sbc_hash("daily_ar1")[0] != digest


# ------------------------------------------------------------------------ a small real run
@pytest.mark.slow
def test_small_sbc_run_machinery(fixed_trial: bk.Trial, tmp_path: Path) -> None:
    from bayes_keta.fitting import clear_cache

    clear_cache()  # another test in this worker may have compiled the same structure
    settings = SBCSettings(n_sims=8, draws=100, tune=100, chains=2, n_rank_draws=50, seed=3)
    result = run_sbc("daily", settings=settings, trial=fixed_trial)
    assert result.ranks.shape[0] == 8
    assert result.ranks.to_numpy().min() >= 0 and result.ranks.to_numpy().max() <= 50
    expected = {
        "mu",
        "treatment_effect[ketamine]",
        "treatment_effect[ketamine_magnesium]",
        "sigma_subject",
        "sigma_subject_period",
        "sigma",
        "mean_daily_difference[ketamine - placebo]",
        "mean_daily_difference[ketamine_magnesium - placebo]",
        "mean_daily_difference[ketamine_magnesium - ketamine]",
    }
    assert set(result.ranks.columns) == expected == set(result.covered.columns)
    # one compile, then only the data change
    assert result.runs["cache_hit"].tolist() == [False] + [True] * 7
    # the constant-effect model's contrast vs placebo IS its treatment effect: same ranks
    np.testing.assert_array_equal(
        result.ranks["treatment_effect[ketamine]"],
        result.ranks["mean_daily_difference[ketamine - placebo]"],
    )
    record = results_record([result], design={"trial": fixed_trial.name})
    entry = record["specs"]["daily"]
    assert set(entry["parameters"]) == expected
    assert (
        0
        <= entry["contrast_coverage"]["mean_daily_difference[ketamine - placebo]"]["coverage"]
        <= 1
    )
    check = check_artefact(record, specs=("daily",))
    assert not check.stale  # fresh by construction
    from bayes_keta.calibration.plots import plot_sbc

    plot_sbc(entry, path=tmp_path / "sbc_daily.png")
    assert (tmp_path / "sbc_daily.png").stat().st_size > 10_000
