"""Harm estimands and benefit-risk on fixed fake posteriors (no sampling).

The joint probabilities are checked against a direct Monte Carlo computation from the same
draws (paired chain by chain, draw by draw) and against the product of the marginals (the two
posteriors are independent); summary.json blocks against the schema; the pair of
fits saved together is reopened and checked.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_ae_tree, fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.data.adverse_events import adverse_event_cells
from bayes_keta.estimands.harms import (
    arm_risk_table,
    net_benefit_draws,
    pair_draws,
    quadrants,
    risk_contrast_draws,
    risk_contrast_table,
)
from bayes_keta.exceptions import DataError, OutputError, SpecError
from bayes_keta.fitting.completion import attach_data_groups
from bayes_keta.harms import (
    AE_FOLDER,
    benefit_risk,
    load_adverse_events,
    save_with_adverse_events,
)
from bayes_keta.summary import schema_errors, validate_summary

THRESHOLD, MARGIN = 1.0, 0.1


@pytest.fixture(scope="module")
def efficacy(synthetic_trial):
    tree = fake_tree(
        n_days=synthetic_trial.n_days, effects={"ketamine": -1.2, "ketamine_magnesium": -0.3}
    )
    post = tree["posterior"].to_dataset()  # the SDs an export standardizes by
    post["sigma_subject"] = post["sigma"] * 0 + 2.0
    post["sigma_subject_period"] = post["sigma"] * 0 + 1.5
    tree["posterior"] = xr.DataTree(post)
    return fake_fit(synthetic_trial, tree)


@pytest.fixture(scope="module")
def harm(synthetic_trial):
    fit = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    attach_data_groups(fit.datatree, fit.model)  # constant_data/observed_data, as a real fit
    return fit


@pytest.fixture(scope="module")
def result(efficacy, harm):
    return benefit_risk(efficacy, harm, harm_weights=[0.0, 5.0])


def _direct(efficacy, harm, active: str):
    """Benefit and risk-difference draws computed by hand, flattened chain-major."""
    arm = efficacy.datatree.posterior["arm_mean"].values  # chain, draw, treatment, day
    labels = list(efficacy.datatree.posterior["treatment"].values)
    k = labels.index(active)
    benefit = -(arm[:, :, k, :] - arm[:, :, 0, :]).mean(axis=-1).ravel()
    risk = harm.datatree.posterior["ae_risk"].values
    rd = (risk[:, :, k] - risk[:, :, 0]).ravel()
    return benefit, rd


def test_arm_and_contrast_tables_are_the_draws(harm):
    draws = harm.datatree.posterior["ae_risk"]
    arms = arm_risk_table(harm.datatree).set_index("treatment")
    for t in draws["treatment"].values:
        x = draws.sel(treatment=t).values.ravel()
        assert arms.loc[t, "mean"] == pytest.approx(x.mean())
        assert arms.loc[t, "lo95"] == pytest.approx(np.quantile(x, 0.025))
    table = risk_contrast_table(harm.datatree).set_index(["active", "measure"])
    rd = (draws.sel(treatment="ketamine") - draws.sel(treatment="placebo")).values.ravel()
    rr = (draws.sel(treatment="ketamine") / draws.sel(treatment="placebo")).values.ravel()
    assert table.loc[("ketamine", "risk_difference"), "mean"] == pytest.approx(rd.mean())
    assert table.loc[("ketamine", "risk_ratio"), "median"] == pytest.approx(np.median(rr))
    assert table.loc[("ketamine", "risk_ratio"), "p_harm"] == pytest.approx(np.mean(rd > 0))
    assert set(table["reference"]) == {"placebo"}


def test_joint_probability_equals_a_direct_monte_carlo_computation(efficacy, harm, result):
    joint = result.joint.set_index(["active", "threshold", "ae_margin"])
    for active in ("ketamine", "ketamine_magnesium"):
        benefit, rd = _direct(efficacy, harm, active)
        for t in result.thresholds:
            for m in result.margins:
                direct = np.mean([b > t and h < m for b, h in zip(benefit, rd, strict=True)])
                assert joint.loc[(active, t, m), "p_joint"] == direct
                assert joint.loc[(active, t, m), "p_benefit_beyond"] == np.mean(benefit > t)
                assert joint.loc[(active, t, m), "p_risk_below"] == np.mean(rd < m)
    # The two models share no parameter, so their joint posterior is the product of the
    # marginals (README) and pairing the i-th draws samples it: P(joint) = P(benefit) x
    # P(risk below) up to Monte Carlo error. For independent indicators X, Y over n draws,
    # mean(XY) - mean(X) mean(Y) is a sample covariance with sd ~ sqrt(pX qX pY qY / n);
    # 4.5 sd keeps the 40 cells' overall false-alarm rate near 1e-4 (Bonferroni), and one
    # draw's worth (1 / n) covers the rare cells, where a count is too small to be normal.
    pb, pr = joint["p_benefit_beyond"], joint["p_risk_below"]
    n = result.n_draws
    tolerance = 4.5 * np.sqrt(pb * (1 - pb) * pr * (1 - pr) / n) + 1.0 / n
    assert len(joint) == 40 and (abs(joint["p_joint"] - pb * pr) <= tolerance).all()
    # the check has power: draws paired by rank (fully dependent) break it
    benefit, rd = _direct(efficacy, harm, "ketamine")
    b, h = np.sort(benefit) > THRESHOLD, np.sort(rd)[::-1] < MARGIN
    sd = np.sqrt(b.mean() * (1 - b.mean()) * h.mean() * (1 - h.mean()) / n)
    assert abs(np.mean(b & h) - b.mean() * h.mean()) > 4.5 * sd + 1.0 / n


def test_quadrants_and_net_benefit(efficacy, harm, result):
    plane = result.plane.set_index("active")
    cols = ["benefit_acceptable", "benefit_harm", "no_benefit_acceptable", "no_benefit_harm"]
    assert np.allclose(plane[cols].sum(axis=1), 1.0)
    benefit, rd = _direct(efficacy, harm, "ketamine")
    assert plane.loc["ketamine", "benefit_harm"] == np.mean((benefit > THRESHOLD) & (rd >= MARGIN))
    assert (
        quadrants(benefit, rd, threshold=THRESHOLD, margin=MARGIN)
        == plane.loc["ketamine", cols].to_dict()
    )
    net = result.net_benefit.set_index(["active", "harm_weight"])
    assert net.loc[("ketamine", 0.0), "mean"] == pytest.approx(benefit.mean())
    assert net.loc[("ketamine", 5.0), "mean"] == pytest.approx((benefit - 5.0 * rd).mean())
    assert net.loc[("ketamine", 5.0), "p_positive"] == np.mean(benefit - 5.0 * rd > 0)
    assert result.user_weight and result.weights == (0.0, 5.0)


def test_defaults_thresholds_margins_and_weights(efficacy, harm):
    default = benefit_risk(efficacy, harm)
    assert default.thresholds == (0.0, 0.5, 1.0, 2.0) and default.threshold == THRESHOLD
    assert default.margin == MARGIN and MARGIN in default.margins
    assert not default.user_weight and default.weights == bk.constants.HARM_WEIGHTS
    assert default.n_draws == 4 * 500 and default.passed


def test_pairing_refuses_what_cannot_be_paired(efficacy, harm, synthetic_trial, fixed_trial):
    with pytest.raises(SpecError, match="efficacy fit first"):
        benefit_risk(harm, efficacy)
    short = fake_fit(synthetic_trial, fake_ae_tree(n_draws=200), spec="adverse_events")
    with pytest.raises(DataError, match="4 chains x 500 draws and the adverse-event fit 4 x 200"):
        benefit_risk(efficacy, short)
    other = fake_fit(fixed_trial, fake_ae_tree(), spec="adverse_events")
    with pytest.raises(DataError, match="different data"):
        benefit_risk(efficacy, other)
    with pytest.raises(SpecError, match="harm weight must be a finite number >= 0"):
        benefit_risk(efficacy, harm, harm_weights=[-1.0])
    with pytest.raises(SpecError, match="ae margin must be a number in \\(-1, 1\\]"):
        benefit_risk(efficacy, harm, margins=[1.5])
    b = efficacy.contrast_draws()["mean_daily_difference"]
    with pytest.raises(DataError, match="no contrast in common"):
        pair_draws(
            b.sel(contrast=["ketamine_magnesium - ketamine"]),
            risk_contrast_draws(harm.datatree)["risk_difference"],
        )


def test_net_benefit_draws_have_a_weight_dim(result):
    net = net_benefit_draws(result.benefit, result.risk_difference, weights=[0.0, 2.0])
    assert net.dims == ("sample", "contrast", "weight")
    assert np.array_equal(net.sel(weight=0.0).values, result.benefit.values)


def test_text_words_the_numbers_and_the_failures(efficacy, synthetic_trial, result):
    text = result.text
    assert "ketamine: adverse events in" in text and "P(more adverse events)" in text
    assert "SYNTHETIC DATA" in text and "FAILED" not in text
    stuck = fake_fit(synthetic_trial, fake_ae_tree(stuck=True), spec="adverse_events")
    failed = benefit_risk(efficacy, stuck)
    assert failed.text.startswith("ADVERSE-EVENT DIAGNOSTICS FAILED") and not failed.passed


# ------------------------------------------------------------------------------ summary.json
def test_summary_blocks_are_valid_and_optional(efficacy, harm, result):
    plain = efficacy.summary()
    assert "benefit_risk" not in plain and "adverse_events" not in plain
    from bayes_keta.summary import build_summary

    summary = build_summary(efficacy, blocks=result.summary_blocks())
    block = summary["benefit_risk"]
    assert block["benefit_sign"] == -1 and block["n_draws"] == 2000
    assert "share no parameter" in block["pairing"]
    assert len(block["rows"]) == len(result.joint) and block["net_benefit"]["user_weight"]
    arms = {r["treatment"]: r for r in summary["adverse_events"]["arms"]}
    assert arms["placebo"]["mean"] == pytest.approx(
        float(harm.datatree.posterior["ae_risk"].sel(treatment="placebo").mean())
    )
    broken = json.loads(json.dumps(summary))
    broken["benefit_risk"]["rows"][0]["p_joint"] = 1.5
    assert any("p_joint" in e or "benefit_risk" in e for e in schema_errors(broken))


def test_the_adverse_event_fit_has_its_own_summary(harm):
    summary = harm.summary()
    validate_summary(summary)
    assert summary["contrasts"] == [] and summary["model"]["name"] == "adverse_events"
    measures = {(c["active"], c["measure"]) for c in summary["adverse_events"]["contrasts"]}
    assert ("ketamine_magnesium", "risk_ratio") in measures
    without = {k: v for k, v in summary.items() if k != "adverse_events"}
    assert any("adverse_events" in e for e in schema_errors(without))


def test_an_efficacy_summary_still_needs_contrasts(efficacy):
    summary = efficacy.summary()
    assert any("contrasts" in e for e in schema_errors({**summary, "contrasts": []}))


# ---------------------------------------------------------------------------------- on disk
def test_the_pair_is_saved_together_and_reopened(efficacy, harm, result, tmp_path):
    out = tmp_path / "fit"
    paths = save_with_adverse_events(efficacy, harm, out, result=result, command="pytest")
    assert paths["adverse_events_summary"] == out / AE_FOLDER / "summary.json"
    summary = json.loads((out / "summary.json").read_text())
    assert {"adverse_events", "benefit_risk"} <= set(summary)
    again = load_adverse_events(out)
    assert again is not None and again.record.model.name == "adverse_events"
    assert bk.load_fit(out).record.model.name == efficacy.record.model.name
    assert load_adverse_events(tmp_path) is None
    with pytest.raises(OutputError, match="exist"):
        save_with_adverse_events(efficacy, harm, out, result=result)


def test_a_mismatched_adverse_event_summary_is_caught(harm, tmp_path):
    out = tmp_path / "ae"
    harm.save(out)
    summary = json.loads((out / "summary.json").read_text())
    summary["adverse_events"]["arms"][0]["mean"] = 0.5
    (out / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(OutputError, match="do not belong together.*ae_risk of placebo"):
        bk.load_fit(out)


# ----------------------------------------------------------------------------------- export
def test_the_export_carries_the_adverse_event_draws(
    efficacy, harm, result, synthetic_trial, tmp_path
):
    from bayes_keta.export import export_fit, read_export
    from bayes_keta.meta.inputs import read_meta_inputs

    fit_dir = tmp_path / "fit"
    save_with_adverse_events(efficacy, harm, fit_dir, result=result)
    exported = export_fit(fit_dir, tmp_path / "export")
    files = exported.manifest["files"]
    assert {"adverse_events.nc", "adverse_event_draws.csv"} <= set(files)
    ae = pd.read_csv(tmp_path / "export" / "adverse_event_draws.csv")
    assert set(ae["estimand"]) == {"ae_risk_difference", "ae_risk_ratio"}
    assert (
        set(ae["model"]) == {"adverse_events"}
        and len(ae) == files["adverse_event_draws.csv"]["rows"]
    )
    risk = harm.datatree.posterior["ae_risk"]
    rd = (risk.sel(treatment="ketamine") - risk.sel(treatment="placebo")).values.ravel()
    got = ae.query("estimand == 'ae_risk_difference' and active == 'ketamine'")["value"]
    assert np.allclose(got.to_numpy(), rd)
    meta = exported.meta_summary.set_index(["active", "estimand"])
    row = meta.loc[("ketamine", "ae_risk_difference")]
    assert row["model"] == "adverse_events" and row["scale"] == "risk_difference"
    assert row["estimate"] == pytest.approx(rd.mean())
    # lik columns: the paired risk difference of the trial's own flags (read back from the
    # saved fit's constant_data), by hand: each patient's ketamine flag minus placebo flag
    flags = adverse_event_cells(synthetic_trial).pivot(
        index="subject", columns="treatment", values="adverse_event"
    )
    d = (flags["ketamine"] - flags["placebo"]).to_numpy()
    assert row["lik_estimate"] == pytest.approx(d.mean())
    assert row["lik_se"] == pytest.approx(np.sqrt(np.mean(d**2) - d.mean() ** 2) / np.sqrt(d.size))
    assert pd.isna(row["lik_reason"]) and f"n = {d.size} pairs" in row["approx"]
    assert set(meta.xs("mean_daily_difference", level="estimand")["model"]) == {"daily"}
    again = read_export(tmp_path / "export")  # every sha256 checked, tables revalidated
    assert len(again.meta_summary) == len(exported.meta_summary)
    pooled = read_meta_inputs(
        [tmp_path / "export" / "meta_summary.csv"],
        estimand="ae_risk_difference",
        active="ketamine",
        reference="placebo",
    )
    assert pooled.scale == "risk_difference" and pooled.k == 1
    # meta pools the trial's data, not its posterior: no fallback to estimate/se
    assert pooled.table.loc[0, "basis"] == "likelihood-only"
    assert pooled.table.loc[0, "estimate"] == pytest.approx(row["lik_estimate"])
    assert pooled.table.loc[0, "se"] == pytest.approx(row["lik_se"])
    assert not any("posterior summary" in note for note in pooled.notes)


def test_an_export_refuses_an_adverse_event_fit_of_other_data(efficacy, fixed_trial, tmp_path):
    from bayes_keta.export import export_fit

    other = fake_fit(fixed_trial, fake_ae_tree(), spec="adverse_events")
    with pytest.raises(OutputError, match="other data than the fit exported"):
        export_fit(efficacy, tmp_path / "x", adverse_events=other)
    plain = export_fit(efficacy, tmp_path / "plain")  # no adverse-event fit: as before
    assert "adverse_event_draws.csv" not in plain.manifest["files"]
