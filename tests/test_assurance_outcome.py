"""Assurance of a fit of a non-NRS outcome (no sampling): the next trial is simulated and
analysed on the fit's outcome, with the analysis priors on its scale (fake fits, and a faked
NUTS fit for ``--exact``)."""

from __future__ import annotations

import numpy as np
import pytest
from fake_fits import fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.fitting import FitRecord
from bayes_keta.models.scaling import prior_scaling
from bayes_keta.planning import design_prior_from_fit
from bayes_keta.planning.record import validate_record
from bayes_keta.spec import load_spec, resolve_priors

BP = {"column": "sbp", "label": "SBP", "units": "mmHg", "better": "lower", "thresholds": [2, 5]}
RUN = dict(n=[12], design="2x2", sims=200, scheduler="serial")


def _trial(outcome, *, mu, bounds, integer=True):
    frame = bk.simulate_trial(
        n_subjects=12, n_days=4, treatments=("P", "D"), seed=2, mu=mu, bounds=bounds,
        integer=integer, sd_subject=2.44 * mu / 5, sd_residual=1.2 * mu / 5,
    )  # fmt: skip
    if isinstance(outcome, dict) and "column" in outcome:
        frame = frame.rename(columns={"pain": outcome["column"]})
    return bk.load_trial(frame, treatments="P,D", outcome=outcome)


def _fit(trial, *, effect, level, sd):
    """A fake ``daily`` fit of ``trial`` whose record carries the trial's prior scaling."""
    tree = fake_tree(
        n_days=trial.n_days,
        treatments=("P", "D"),
        effects={"D": effect},
        placebo=level,
        noise_sd=0.3 * sd,
    )
    post = tree["posterior"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    post["sigma"] = (("chain", "draw"), np.full(shape, sd))
    post["sigma_subject"] = (("chain", "draw"), np.full(shape, 4 * sd))
    post["sigma_subject_period"] = (("chain", "draw"), np.full(shape, sd))
    post["period_effect"] = (("chain", "draw", "period"), np.zeros((*shape, 2)))
    tree["posterior"] = post
    fit = fake_fit(trial, tree)
    scaling = prior_scaling(trial).to_dict()
    record = FitRecord.from_dict({**fit.record.to_dict(), "prior_scaling": scaling})
    tree.attrs.update(record.to_attrs())
    return bk.FitResult(tree, record, trial)


@pytest.fixture(scope="module")
def vas_fit():
    return _fit(_trial("vas_0_100", mu=50, bounds=(0, 100)), effect=-10.0, level=50.0, sd=10.0)


@pytest.fixture(scope="module")
def nrs_fit():
    return _fit(_trial(None, mu=5, bounds=(0, 10)), effect=-1.0, level=5.0, sd=1.0)


def test_a_vas_fit_is_planned_in_mm_with_its_priors_scaled(vas_fit, nrs_fit):
    prior = design_prior_from_fit(vas_fit)
    assert prior.outcome == bk.Outcome.vas_0_100() and prior.scaling.factor == 10.0
    vas = bk.assurance(vas_fit, **RUN)
    nrs = bk.assurance(nrs_fit, **RUN)
    validate_record(vas.record)
    assert vas.outcome.units == "mm" and vas.record["outcome"]["upper"] == 100.0
    spec_sigma = resolve_priors(load_spec("daily"), None)["treatment_effect"].params["sigma"]
    assert nrs.record["analysis"]["prior"]["sigma"] == spec_sigma
    assert vas.record["analysis"]["prior"]["sigma"] == pytest.approx(10 * spec_sigma)
    assert "x the outcome's range / 10 = 10" in vas.record["analysis"]["prior"]["description"]
    assert vas.record["rules"][0]["text"].endswith("mm) > 0.9")
    # the same trial in tenths: a 10 mm benefit is as likely as a 1 point one
    benefit = [r.table.set_index("rule").loc["benefit", "assurance"] for r in (vas, nrs)]
    assert benefit[0] == pytest.approx(benefit[1])


def test_higher_is_better_mirrors_the_analysis_prior():
    relief = {"preset": "nrs_0_10", "better": "higher", "noun": "relief"}
    fit = _fit(_trial(relief, mu=5, bounds=(0, 10)), effect=1.0, level=5.0, sd=1.0)
    written = resolve_priors(load_spec("daily"), "enthusiastic")["treatment_effect"].params
    got = bk.assurance(fit, analysis_priors="enthusiastic", **RUN).record["analysis"]["prior"]
    assert written["mu"] < 0 and got["mu"] == pytest.approx(-written["mu"])
    assert got["sigma"] == pytest.approx(written["sigma"])


def test_exact_check_reads_the_simulated_trial_as_the_fits_outcome(monkeypatch):
    """An unbounded outcome in its own column: the NUTS analysis (faked) gets that trial."""
    trial = _trial(BP, mu=120, bounds=(None, None), integer=False)
    fit = _fit(trial, effect=-5.0, level=120.0, sd=6.0)
    seen = []

    def fake_nuts(trial, spec, **_options):
        seen.append(trial)
        return _fit(trial, effect=-5.0, level=120.0, sd=6.0)

    monkeypatch.setattr("bayes_keta.fitting.pipeline.fit", fake_nuts)
    res = bk.assurance(fit, exact=1, **RUN)
    assert [t.outcome.column for t in seen] == ["sbp"] and seen[0].outcome.units == "mmHg"
    assert seen[0].data["pain"].max() > 100  # no 0-10 clipping of the simulated readings
    assert res.exact["clipped"].eq(0.0).all()


def test_the_default_threshold_is_one_nrs_point_on_the_fits_scale(vas_fit, nrs_fit):
    """Without --threshold a VAS fit asks for 10 mm, an NRS fit for 1 point (prior scaling)."""
    vas, nrs = bk.assurance(vas_fit, **RUN), bk.assurance(nrs_fit, **RUN)
    assert [r["threshold"] for r in vas.record["rules"]] == [10.0, 0.0]
    assert [r["threshold"] for r in nrs.record["rules"]] == [1.0, 0.0]
    beyond = [r.table.set_index("rule").iloc[0]["assurance"] for r in (vas, nrs)]
    assert beyond[0] == pytest.approx(beyond[1])  # the same trial in tenths
    assert bk.assurance(vas_fit, threshold=1.0, **RUN).record["rules"][0]["threshold"] == 1.0
