"""Heterogeneity estimands on fixed fake posteriors: known answers, words, record, comparison."""

from __future__ import annotations

import json

import jsonschema
import numpy as np
import pytest
from scipy.stats import norm

import bayes_keta as bk
from bayes_keta.estimands import compare_heterogeneity, heterogeneity
from bayes_keta.estimands.heterogeneity import predictive_quantiles, responder_share
from bayes_keta.exceptions import DataError
from bayes_keta.outcome import Outcome
from bayes_keta.summary import load_schema
from tests.fake_fits import fake_fit, fake_tree
from tests.fake_hte import fake_hte_tree


def test_responder_share_and_predictive_have_their_closed_forms() -> None:
    hte = heterogeneity(fake_hte_tree(effect=(-1.0, -0.5), tau=(1.0, 0.4)))
    rows = hte.responders.set_index(["treatment", "threshold"])
    for arm, eff, tau in (("ketamine", -1.0, 1.0), ("ketamine_magnesium", -0.5, 0.4)):
        for t in (0.0, 0.5, 1.0, 2.0):
            want = norm.cdf((-eff - t) / tau)
            row = rows.loc[(arm, t)]
            assert row["mean"] == pytest.approx(want, abs=1e-12)
            assert row["lo95"] == pytest.approx(want) and row["hi95"] == pytest.approx(want)
    new = hte.predictive.set_index("treatment").loc["ketamine"]
    assert new["mean"] == pytest.approx(-1.0)
    assert (new["lo95"], new["hi95"]) == pytest.approx((-1.0 - 1.95996, -1.0 + 1.95996), abs=1e-4)
    assert new["p_benefit"] == pytest.approx(norm.cdf(1.0))
    assert new["p_beyond_1"] == pytest.approx(0.5) and new["p_beyond_2"] == pytest.approx(
        norm.cdf(-1.0)
    )
    curve = hte.curve[hte.curve["treatment"] == "ketamine"]
    assert curve["threshold"].iloc[0] == 0.0 and curve["mean"].is_monotonic_decreasing


def test_higher_is_better_flips_the_direction() -> None:
    higher = Outcome(better="higher", preset=None)
    hte = heterogeneity(fake_hte_tree(effect=(1.0,), tau=(1.0,)), outcome=higher)
    rows = hte.responders.set_index("threshold")
    assert rows.loc[0.0, "mean"] == pytest.approx(norm.cdf(1.0))
    assert responder_share(np.array([1.0]), np.array([1.0]), 0.0, benefit_sign=1)[0] == (
        pytest.approx(norm.cdf(1.0))
    )
    assert "higher pain" in hte.text


def test_mixture_quantiles_invert_the_mixture_cdf() -> None:
    rng = np.random.default_rng(1)
    effect, tau = rng.normal(-1, 0.5, 3000), np.abs(rng.normal(0.8, 0.2, 3000))
    q = predictive_quantiles(effect, tau, [0.1, 0.5, 0.9])
    draws = effect + tau * rng.standard_normal(effect.size)
    np.testing.assert_allclose(q, np.quantile(draws, [0.1, 0.5, 0.9]), atol=0.06)
    cdf = [norm.cdf((x - effect) / tau).mean() for x in q]
    np.testing.assert_allclose(cdf, [0.1, 0.5, 0.9], atol=1e-9)


def test_individual_rows_are_each_patients_own_effect() -> None:
    hte = heterogeneity(fake_hte_tree(effect=(-1.0, -0.5), noise=0.2, n_subjects=6))
    rows = hte.individual.set_index(["subject", "treatment"])
    assert len(rows) == 12
    first = rows.loc[("S1", "ketamine")]  # offset -1: own effect -2
    assert first["mean"] == pytest.approx(-2.0, abs=0.03)
    assert first["sd"] == pytest.approx(0.2, rel=0.1)
    assert first["p_beyond_1"] > 0.99 and first["p_beyond_2"] == pytest.approx(0.5, abs=0.06)
    last = rows.loc[("S6", "ketamine_magnesium")]  # +1: own effect +0.5, a harm
    assert last["p_benefit"] < 0.01
    assert {"p_beyond_0.5", "p_beyond_1", "p_beyond_2"} <= set(hte.individual.columns)


def test_identification_reads_the_design() -> None:
    standard = heterogeneity(fake_hte_tree(replicated=False)).identification
    assert standard.identified_by == "variance comparison and prior"
    assert standard.replicated_subjects == 0 and standard.n_subjects == 6
    assert "standard crossover" in standard.text and "Senn 2016" in standard.text
    replicated = heterogeneity(fake_hte_tree(replicated=True)).identification
    assert replicated.identified_by == "replication" and replicated.replicated_subjects == 6


def test_tau_beside_its_prior_and_the_verdict() -> None:
    tree = fake_hte_tree(effect=(-1.0,), tau=(1.0,))
    informed = heterogeneity(tree).tau.iloc[0]
    assert informed["sd_ratio"] == pytest.approx(0.0) and not informed["prior_dominated"]
    assert informed["prior_mean"] == pytest.approx(np.sqrt(2 / np.pi), rel=0.05)
    # a posterior that is the prior again: the verdict says so
    post = tree["posterior"].to_dataset()
    prior = tree["prior"]["sigma_individual"].to_numpy()[0, :800]
    post["sigma_individual"] = (("chain", "draw", "active"), prior.reshape(2, 400, 1))
    tree["posterior"] = post
    vague = heterogeneity(tree)
    assert vague.tau.iloc[0]["sd_ratio"] == pytest.approx(1.0, abs=0.1)
    assert vague.tau.iloc[0]["prior_dominated"]
    assert "stays close to its prior" in vague.text
    # without prior draws: no verdict, said so
    del tree["prior"]
    unknown = heterogeneity(tree)
    assert unknown.tau.iloc[0]["prior_dominated"] is None
    assert "no prior draws" in unknown.text


def test_summary_block_matches_the_schema() -> None:
    record = heterogeneity(fake_hte_tree()).to_dict()
    schema = load_schema()
    jsonschema.validate(record, {"$ref": "#/$defs/heterogeneity", "$defs": schema["$defs"]})
    json.dumps(record, allow_nan=False)
    assert record["identified_by"] == "variance comparison and prior"
    assert [r["treatment"] for r in record["tau"]] == ["ketamine", "ketamine_magnesium"]
    assert record["individual"][0]["p_beyond"] == pytest.approx(
        {"0.5": 1.0, "1.0": 1.0, "2.0": 0.5}, abs=0.06
    )
    assert {r["threshold"] for r in record["responders"]} == {0.0, 0.5, 1.0, 2.0}
    assert record["correlation"][0]["pair"] == "ketamine_magnesium~ketamine"
    bad = dict(record, identified_by="guesswork")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, {"$ref": "#/$defs/heterogeneity", "$defs": schema["$defs"]})


def test_summary_json_has_the_block_only_for_individual_effects(fixed_trial) -> None:
    tree = fake_hte_tree(n_subjects=fixed_trial.n_subjects)
    fit = fake_fit(fixed_trial, tree, spec="daily_hte")
    summary = fit.summary()
    assert summary["heterogeneity"]["n_subjects"] == fixed_trial.n_subjects
    assert "heterogeneity" not in fake_fit(fixed_trial, fake_tree(n_days=7)).summary()


def test_not_an_individual_effects_fit() -> None:
    with pytest.raises(DataError, match="no individual effects in this fit"):
        heterogeneity(fake_tree(n_days=3))


def test_comparison_says_when_the_data_cannot_tell() -> None:
    rng = np.random.default_rng(2)
    base = rng.normal(-100, 0.3, (2, 400, 6))
    same = compare_heterogeneity(
        fake_hte_tree(subject_loglik=base),
        fake_hte_tree(subject_loglik=base + rng.normal(0, 0.05, base.shape)),
        names=("daily", "daily_hte"),
        tau=heterogeneity(fake_hte_tree()),
    )
    assert same.told_apart is False and same.better is None
    assert "cannot tell the common-effect model 'daily'" in same.text
    assert "tau (ketamine)" in same.text
    subject = same.table.set_index("level").loc["subject"]
    assert subject["n"] == 6 and abs(subject["elpd_diff"]) < 1
    assert same.table.set_index("level").loc["reading", "n"] == 0  # no pointwise group here

    apart = compare_heterogeneity(
        fake_hte_tree(subject_loglik=base),
        fake_hte_tree(subject_loglik=base + 3.0),
        names=("daily", "daily_hte"),
    )
    assert apart.told_apart and apart.better == "daily_hte"
    assert apart.table.iloc[0]["elpd_diff"] == pytest.approx(18.0, abs=0.5)
    assert "The data prefer 'daily_hte'" in apart.text

    missing = compare_heterogeneity(fake_hte_tree(), fake_hte_tree())
    assert missing.told_apart is None and "No leave-one-subject-out LOO" in missing.text


def test_public_api() -> None:
    assert bk.heterogeneity is heterogeneity and bk.compare_heterogeneity is compare_heterogeneity
    assert {"heterogeneity", "compare_heterogeneity", "HeterogeneityResult"} <= set(bk.__all__)


def test_figures_are_drawn_on_the_axes_given() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from bayes_keta.plots.heterogeneity import (
        plot_individual_effects,
        plot_responder_curve,
        plot_tau_prior_posterior,
    )

    hte = heterogeneity(fake_hte_tree())
    fig, axes = plt.subplots(1, 3)
    try:
        for ax, plot in zip(
            axes,
            (plot_individual_effects, plot_responder_curve, plot_tau_prior_posterior),
            strict=True,
        ):
            assert plot(hte, ax=ax) is ax
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
            assert "points" in ax.get_xlabel()  # units from the outcome
        # caterpillar: one row per patient and arm, thresholds at -0.5, -1, -2 (lower is better)
        assert len(axes[0].get_yticks()) == 12
        xs = {round(line.get_xdata()[0], 6) for line in axes[0].get_lines() if line.get_ls() == ":"}
        assert xs == {-0.5, -1.0, -2.0}
        assert [t.get_text() for t in axes[2].get_legend().get_texts()][:2] == [
            "ketamine: posterior",
            "ketamine: prior",
        ]
    finally:
        plt.close(fig)


def test_assurance_refuses_a_fit_with_individual_effects(fixed_trial) -> None:
    from bayes_keta.exceptions import SpecError
    from bayes_keta.planning.prior import design_prior_from_fit

    fit = fake_fit(fixed_trial, fake_hte_tree(n_subjects=fixed_trial.n_subjects), spec="daily_hte")
    with pytest.raises(SpecError, match="individual treatment effects"):
        design_prior_from_fit(fit)
