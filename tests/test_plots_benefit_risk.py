"""The benefit-risk figures on fixed fake posteriors: titled, labelled, drawing the result."""

from __future__ import annotations

import matplotlib
import pytest
from fake_fits import fake_ae_tree, fake_fit

from bayes_keta.estimands import format_probability
from bayes_keta.harms import benefit_risk
from bayes_keta.plots.benefit_risk import benefit_risk_plane, joint_probability_curves

matplotlib.use("Agg")


@pytest.fixture(scope="module")
def result(synthetic_trial):
    efficacy = fake_fit(synthetic_trial, effects={"ketamine": -1.2, "ketamine_magnesium": -0.3})
    harm = fake_fit(synthetic_trial, fake_ae_tree(), spec="adverse_events")
    return benefit_risk(efficacy, harm)


def test_the_plane_shows_draws_lines_and_quadrant_probabilities(result):
    ax = benefit_risk_plane(result)
    assert ax.get_title() and "points" in ax.get_xlabel() and "adverse-event" in ax.get_ylabel()
    assert [c.get_label() for c in ax.collections] == ["ketamine", "ketamine_magnesium"]
    xs = {tuple(line.get_xdata()) for line in ax.lines}
    assert (result.threshold, result.threshold) in xs
    texts = [t.get_text() for t in ax.texts]
    row = result.plane.set_index("active").loc["ketamine"]
    assert f"ketamine: {format_probability(row['benefit_acceptable'])}" in "\n".join(texts)
    assert len(texts) == 4


def test_the_curves_show_every_arm_and_threshold(result):
    ax = joint_probability_curves(result)
    assert ax.get_title() and "percentage points" in ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.get_lines()) == 2 * len(result.thresholds) + 1  # + the margin marker
    first = result.curve[(result.curve["active"] == "ketamine") & (result.curve["threshold"] == 0)]
    assert list(ax.get_lines()[0].get_ydata()) == list(first["p_joint"])


def test_figures_draw_on_a_given_axes(result, tmp_path):
    from matplotlib.figure import Figure

    fig = Figure()
    left, right = fig.subplots(1, 2)
    assert benefit_risk_plane(result, ax=left) is left
    assert joint_probability_curves(result, ax=right) is right
    fig.savefig(tmp_path / "both.png")
    assert (tmp_path / "both.png").stat().st_size > 10_000
