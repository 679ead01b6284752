"""Recovery of known individual effects with real NUTS (slow), and honesty in a standard design.

* A series of N-of-1 trials (16 patients, 3 randomised pairs of periods, known own effects):
  the mean effect, tau, the responder share at 1 point and at least 80% of the patients' own
  effects inside their 95% intervals; identified by replication.
* The embedded KETAPAIN-like trial (a standard 3x3 crossover simulated with no effect and no
  heterogeneity): the gate passes, tau's posterior stays close to its prior and the text says
  the estimate rests on the variance comparison and the prior; the common-effect model cannot
  be told apart from it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

import bayes_keta as bk

pytestmark = pytest.mark.slow

TWO = ("placebo", "ketamine")
EFFECT, TAU = -1.0, 1.0


@pytest.fixture(scope="module")
def nof1() -> tuple[bk.Trial, pd.Series]:
    frame = bk.simulate_trial(
        n_subjects=16,
        n_days=14,
        seed=5,
        treatments=TWO,
        cycles=3,
        effects={"ketamine": EFFECT},
        individual_sd=TAU,
        mu=5.0,
        sd_subject=1.2,
        sd_period=0.8,
        sd_residual=1.0,
        phi=0.3,
    )
    truth = pd.Series({s: e["ketamine"] for s, e in frame.attrs["individual_effects"].items()})
    return bk.load_trial(frame, treatments=TWO, replicated=True, name="nof1"), truth


def test_nof1_series_recovers_the_individual_effects(nof1) -> None:
    trial, truth = nof1
    fit = bk.fit(trial, "daily_hte", draws=1000, tune=1000, chains=2, seed=7)
    assert fit.verdict.divergences == 0
    hte = bk.heterogeneity(fit)
    assert hte.identification.identified_by == "replication"
    assert hte.identification.replicated_subjects == 16

    effect = fit.datatree.posterior["treatment_effect"].sel(active="ketamine").to_numpy()
    lo, hi = np.quantile(effect, [0.025, 0.975])
    assert lo < EFFECT < hi and lo < truth.mean() < hi
    tau = hte.tau.iloc[0]
    assert tau["lo95"] < TAU < tau["hi95"] and not tau["prior_dominated"]

    share = hte.responders.set_index("threshold").loc[1.0]
    population = norm.cdf((-EFFECT - 1.0) / TAU)  # 0.5
    assert share["lo95"] < population < share["hi95"]
    assert share["lo95"] < (truth < -1.0).mean() < share["hi95"]

    own = hte.individual.set_index("subject").loc[truth.index]
    inside = (truth >= own["lo95"]) & (truth <= own["hi95"])
    assert inside.mean() >= 0.8, inside
    # the shrunken estimates track the truth
    assert np.corrcoef(own["mean"], truth)[0, 1] > 0.6

    summary = fit.summary()["heterogeneity"]
    assert summary["identified_by"] == "replication" and len(summary["individual"]) == 16


def test_standard_crossover_without_heterogeneity_stays_near_the_prior() -> None:
    trial = bk.ketapain_synthetic()  # 20 x 3 x 35 days, simulated with no effect, tau = 0
    hte_fit = bk.fit(trial, "daily_hte", draws=1000, tune=1000, chains=4, seed=3)
    assert hte_fit.verdict.passed, hte_fit.verdict.text
    hte = bk.heterogeneity(hte_fit)
    assert hte.identification.identified_by == "variance comparison and prior"
    assert hte.tau["prior_dominated"].all(), hte.tau
    assert "stays close to its prior" in hte.text and "standard crossover" in hte.text
    record = hte_fit.summary()["heterogeneity"]
    assert record["identified_by"] == "variance comparison and prior"
    assert all(row["prior_dominated"] for row in record["tau"])

    common = bk.fit(trial, "daily", draws=500, tune=500, chains=2, seed=3)
    comparison = bk.compare_heterogeneity(common, hte_fit, tau=hte)
    assert comparison.told_apart is False
    assert "cannot tell the common-effect model 'daily'" in comparison.text
    levels = comparison.table.set_index("level")
    assert levels.loc["subject", "n"] == 20 and levels.loc["reading", "n"] == trial.n_observations
