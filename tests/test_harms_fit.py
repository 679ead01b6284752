"""The adverse-event model with real NUTS: recovery of known risks, the quadrature, and a real
`bayes-keta fit` whose joint probabilities are recomputed by hand from the saved draws."""

from __future__ import annotations

import json

import numpy as np
import pymc as pm
import pytest
from scipy import integrate, special, stats

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.harms import fit_adverse_events, load_adverse_events
from bayes_keta.models import build

RISKS = {"placebo": 0.1, "ketamine": 0.3, "ketamine_magnesium": 0.5}


def test_ae_risk_integrates_the_subject_effect_out():
    """ae_risk of the graph = the period average of the integral over the subject effect,
    computed here by adaptive quadrature (SciPy) at prior draws (no sampling)."""
    trial = bk.load_trial(bk.simulate_trial(n_subjects=8, n_days=2, seed=3))
    model = build(trial, "adverse_events").full_model
    prior = pm.sample_prior_predictive(draws=12, model=model, random_seed=2)["prior"]
    for i in range(12):
        draw = prior.isel(chain=0, draw=i)
        sd = float(draw["sigma_subject"])
        effects = np.r_[0.0, draw["treatment_effect"].values]
        for k, effect in enumerate(effects):
            values = []
            for period in draw["period_effect"].values:
                eta = float(draw["mu"]) + float(period) + effect

                def f(z, eta=eta, sd=sd):
                    return special.expit(eta + sd * z) * stats.norm.pdf(z)

                values.append(integrate.quad(f, -np.inf, np.inf, epsabs=1e-12)[0])
            assert sd < 4  # where the quadrature is good to 1e-6 (constants.AE_QUADRATURE_NODES)
            assert float(draw["ae_risk"].values[k]) == pytest.approx(np.mean(values), abs=1e-6)


@pytest.mark.slow
def test_known_adverse_event_risks_are_recovered():
    """120 simulated patients with population-averaged risks 10/30/50%: every 95% interval
    (arms and risk differences) covers the truth, the gate passes."""
    frame = bk.simulate_trial(n_subjects=120, n_days=2, seed=11, adverse_event_risks=RISKS)
    trial = bk.load_trial(frame)
    fit = fit_adverse_events(trial, draws=1000, tune=1000, chains=4, seed=3)
    assert fit.verdict.passed, fit.verdict.text
    summary = fit.summary()["adverse_events"]
    for row in summary["arms"]:
        lo, hi = row["ci95"]
        assert lo < RISKS[row["treatment"]] < hi, row
        assert abs(row["mean"] - RISKS[row["treatment"]]) < 0.1
    for row in summary["contrasts"]:
        if row["measure"] == "risk_difference":
            truth = RISKS[row["active"]] - RISKS[row["reference"]]
            assert row["ci95"][0] < truth < row["ci95"][1], row
            assert row["p_harm"] > 0.99  # both actives are clearly more harmful
    # the same subjects as an efficacy model would have
    assert list(fit.datatree.posterior["subject_effect"]["subject"].values) == list(trial.subjects)


@pytest.mark.slow
def test_a_real_fit_pairs_the_saved_draws(tmp_path, capsys):
    """`bayes-keta fit` with adverse events; P(joint) recomputed from the two posterior.nc."""
    frame = bk.simulate_trial(
        n_subjects=12, n_days=7, seed=4, effects={"ketamine": -1.5}, missing_rate=0.0
    )
    data = tmp_path / "trial.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "fit"
    argv = ["fit", str(data), "--out", str(out), "--draws", "300", "--tune", "300"]
    assert main([*argv, "--chains", "2", "--harm-weight", "4"]) == 0
    assert "Adverse events (adverse_events)" in capsys.readouterr().out
    efficacy, harm = bk.load_fit(out), load_adverse_events(out)
    assert harm is not None and harm.settings.seed == efficacy.settings.seed
    arm = efficacy.datatree.posterior["arm_mean"]
    risk = harm.datatree.posterior["ae_risk"]
    assert arm.sizes["chain"] == risk.sizes["chain"] and arm.sizes["draw"] == risk.sizes["draw"]
    summary = json.loads((out / "summary.json").read_text())
    rows = summary["benefit_risk"]["rows"]
    for active in ("ketamine", "ketamine_magnesium"):
        benefit = -(arm.sel(treatment=active) - arm.sel(treatment="placebo")).mean("day")
        rd = risk.sel(treatment=active) - risk.sel(treatment="placebo")
        b, h = benefit.values.ravel(), rd.values.ravel()  # chain-major, paired by position
        for row in (r for r in rows if r["active"] == active):
            direct = np.mean((b > row["threshold"]) & (h < row["ae_margin"]))
            assert row["p_joint"] == pytest.approx(direct, abs=1e-12)
        net = [r for r in summary["benefit_risk"]["net_benefit"]["rows"] if r["active"] == active]
        assert net[0]["harm_weight"] == 4.0
        assert net[0]["mean"] == pytest.approx(np.mean(b - 4.0 * h))
