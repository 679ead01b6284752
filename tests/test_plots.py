"""bk.plots: every figure function on stored fake posteriors (no sampling).

Each returns an Axes (or, for the arviz_plots diagnostics, a Figure) with a title and labelled
axes; labels and units come from the outcome (a declared mmHg outcome never reads "points" or
"pain"); one colour per treatment across figures.
"""

from __future__ import annotations

import dataclasses

import matplotlib
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit

import bayes_keta as bk
from bayes_keta.models import capabilities
from bayes_keta.outcome import Outcome
from bayes_keta.report.ppc import posterior_predictive_checks

matplotlib.use("Agg")

MMHG = Outcome(
    column="pain",
    scale_name="sbp",
    label="Systolic blood pressure (mmHg)",
    noun="systolic blood pressure",
    units="mmHg",
    lower=50.0,
    upper=250.0,
    thresholds=(2.0, 5.0, 10.0),
    rope=2.0,
    auc_units=None,
    reading="reading",
    sources=("test",),
    preset=None,
)


@pytest.fixture(scope="module")
def trial():
    return bk.ketapain_synthetic()


@pytest.fixture(scope="module")
def fit(trial):
    return fake_fit(trial, effects={"ketamine": -1.0, "ketamine_magnesium": -0.4}, slope=-0.02)


@pytest.fixture(scope="module")
def mmhg_fit(trial):
    return fake_fit(
        dataclasses.replace(trial, outcome=MMHG),
        effects={"ketamine": -4.0, "ketamine_magnesium": -1.0},
        noise_sd=1.0,
    )


@pytest.fixture(scope="module")
def ppc(trial, fit):
    """Predictive checks on a fake posterior predictive: the observed scores plus noise."""
    y = trial.observations["pain"].to_numpy(float)
    rng = np.random.default_rng(0)
    rep = y[None, None, :] + rng.normal(0.0, 1.0, (2, 50, len(y)))
    tree = fit.datatree.copy()
    tree["posterior_predictive"] = xr.Dataset({"pain": (("chain", "draw", "obs"), rep)})
    tree["observed_data"] = xr.Dataset({"pain": (("obs",), y)})
    return posterior_predictive_checks(tree, trial, capabilities=capabilities("daily"))


def _labelled(ax) -> str:
    """Title and axis labels of an Axes (each must be there); returns them joined."""
    title, x, y = ax.get_title(), ax.get_xlabel(), ax.get_ylabel()
    assert title and x and y, (title, x, y)
    return " | ".join((title, x, y))


def _texts(ax) -> str:
    labels = [t.get_text() for t in ax.get_yticklabels() + ax.get_xticklabels()]
    return " ".join([_labelled(ax), *labels, *(t.get_text() for t in ax.texts)])


def test_every_public_figure_is_tested():
    tested = {
        "headline_contrasts",
        "threshold_curves",
        "by_day_effects",
        "observed_curves",
        "completion_by_day",
        "model_forest",
        "prior_sweep",
        "ppc_scores",
        "ppc_auc",
        "ppc_by_day",
        "rank",
        "energy",
        "meta_forest",
        "assurance_curve",
        "benefit_risk_plane",  # tests/test_plots_benefit_risk.py
        "joint_probability_curves",  # tests/test_plots_benefit_risk.py
        "individual_effects",  # tests/test_heterogeneity*.py
        "responder_curve",
        "tau_prior_posterior",
        "published_reanalysis",  # tests/test_published.py
    }
    figures = {n for n in bk.plots.__all__ if callable(getattr(bk.plots, n))}
    helpers = {"observed_means", "plot_assurance", "treatment_colours"}
    assert figures - helpers == tested


def test_headline_writes_the_table_probabilities_and_favours(fit):
    from matplotlib.axes import Axes

    ax = bk.plots.headline_contrasts(fit)
    assert isinstance(ax, Axes)
    text = _texts(ax) + " ".join(t.get_text() for a in ax.figure.axes for t in a.get_yticklabels())
    table = fit.contrasts(estimands=["mean_daily_difference"])
    first = table.iloc[0]
    assert f"P(benefit) {bk.estimands.format_probability(first['p_benefit'])}" in text
    assert "favours ketamine" in text and "favours placebo" in text
    assert "points" in ax.get_xlabel() and "pain" in ax.get_xlabel()
    assert ax.figure.get_size_inches()[0] >= 10  # full content width


def test_labels_follow_a_declared_outcome(mmhg_fit):
    text = " ".join(
        _texts(ax)
        for ax in (
            bk.plots.headline_contrasts(mmhg_fit),
            bk.plots.threshold_curves(mmhg_fit),
            bk.plots.by_day_effects(mmhg_fit),
        )
    )
    assert "mmHg" in text
    assert "points" not in text and "pain" not in text
    # the declared thresholds are the dotted/dashed lines
    ax = bk.plots.headline_contrasts(mmhg_fit)
    xs = {round(float(line.get_xdata()[0]), 6) for line in ax.get_lines() if line.get_ls() == "--"}
    assert xs == {-2.0, -5.0, -10.0}


def test_higher_is_better_flips_the_favoured_side(trial):
    up = dataclasses.replace(MMHG, better="higher")
    fit = fake_fit(dataclasses.replace(trial, outcome=up))
    ax = bk.plots.headline_contrasts(fit)
    left = [t.get_text() for t in ax.texts if t.get_text().startswith("\u2190")]
    assert left[0] == "\u2190 favours placebo"


def test_threshold_by_day_observed_and_forest(fit, trial):
    for ax in (
        bk.plots.threshold_curves(fit.threshold_curve(), outcome=fit.outcome),
        bk.plots.by_day_effects(fit.by_day(), outcome=fit.outcome),
        bk.plots.by_day_effects(bk.estimands.by_day_summary(fit.by_day())),
        bk.plots.observed_curves(trial),
    ):
        _labelled(ax)
    table = fit.contrasts(estimands=["mean_daily_difference"])
    rows = pd.concat([table.assign(model=m) for m in ("daily", "auc")])
    ax = bk.plots.model_forest(rows, outcome=fit.outcome)
    text = _texts(ax)
    assert "favours ketamine" in text and "daily" in text and "auc" in text


def test_completion_by_day_draws_percent_observed_per_arm():
    """Fixed counts: each arm's line is 100 x observed / expected; one colour per arm."""
    table = pd.DataFrame(
        {
            "treatment": ["placebo"] * 4 + ["ketamine"] * 4,
            "day": [1, 2, 3, 4] * 2,
            "expected": [20] * 4 + [10] * 4,
            "observed": [20, 18, 15, 12, 10, 10, 9, 5],
        }
    )
    ax = bk.plots.completion_by_day(table, outcome=MMHG)
    text = _labelled(ax)
    assert "reading within the period" in text and "% of expected" in text
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert lines["placebo"].get_ydata().tolist() == [100.0, 90.0, 75.0, 60.0]
    assert lines["ketamine"].get_ydata().tolist() == [100.0, 100.0, 90.0, 50.0]
    colours = bk.plots.treatment_colours(["placebo", "ketamine"])
    assert {k: v.get_color() for k, v in lines.items()} == colours
    overall = bk.plots.completion_by_day(table.drop(columns="treatment").iloc[:4])
    assert [line.get_label() for line in overall.get_lines()] == ["all arms"]


def test_one_colour_per_treatment_across_figures(fit, trial):
    colours = bk.plots.treatment_colours(trial.treatments)
    curves = bk.plots.threshold_curves(fit)
    observed = bk.plots.observed_curves(trial)
    by_label = {line.get_label(): line.get_color() for line in curves.get_lines()}
    assert by_label["ketamine vs placebo"] == colours["ketamine"]
    arms = {line.get_label(): line.get_color() for line in observed.get_lines()}
    assert arms == {t: colours[t] for t in trial.treatments}


def test_prior_sweep_from_a_table(fit):
    table = fit.contrasts()
    table = table[table["estimand"] != "relative_change_pct"]
    rows = pd.concat(
        [table.assign(setting=s, passed=s != "bad") for s in ("default", "skeptical", "bad")]
    )
    ax = bk.plots.prior_sweep(rows, outcome=fit.outcome)
    text = _texts(ax)
    assert "skeptical" in text and "points" in text
    assert any(line.get_marker() == "X" for line in ax.get_lines())  # the failed setting
    with pytest.raises(ValueError, match="estimand"):
        bk.plots.prior_sweep(rows, estimand="nope")


def test_ppc_figures(ppc, fit):
    for draw in (bk.plots.ppc_scores, bk.plots.ppc_auc, bk.plots.ppc_by_day):
        _labelled(draw(ppc, outcome=fit.outcome))
    assert "pain score-days" in bk.plots.ppc_auc(ppc).get_xlabel()
    no_scores = dataclasses.replace(ppc, scores=None, by_day=None)
    with pytest.raises(ValueError, match="score"):
        bk.plots.ppc_scores(no_scores)
    with pytest.raises(ValueError, match="by-day"):
        bk.plots.ppc_by_day(no_scores)


def test_diagnostic_figures(fit):
    from matplotlib.figure import Figure

    for fig in (bk.plots.rank(fit, ["intercept", "treatment_effect"]), bk.plots.energy(fit)):
        assert isinstance(fig, Figure)
        assert fig.get_suptitle()
        assert any(a.get_xlabel() for a in fig.axes)


def test_meta_forest_and_assurance_curve():
    from types import SimpleNamespace

    table = pd.DataFrame(
        {
            "quantity": ["pooled", "tau", "prediction", "trial", "trial"],
            "trial": ["", "", "", "A", "B"],
            "input_estimate": [np.nan, np.nan, np.nan, -0.5, -0.2],
            "input_se": [np.nan, np.nan, np.nan, 0.2, 0.3],
            "mean": [-0.4, 0.2, -0.4, -0.45, -0.3],
            "lo95": [-0.8, 0.0, -1.2, -0.8, -0.7],
            "hi95": [0.0, 0.6, 0.4, -0.1, 0.1],
        }
    )
    result = SimpleNamespace(
        table=table,
        inputs=SimpleNamespace(scale="smd"),
        settings={"model": "random effects", "tau_prior_label": "HalfNormal(0.5)"},
    )
    ax = bk.plots.meta_forest(result)
    assert "pooled effect" in _texts(ax) and ax.get_title()
    assurance = pd.DataFrame(
        {
            "n": [12, 24],
            "active": "ketamine",
            "reference": "placebo",
            "assurance": [0.3, 0.6],
            "lo95": [0.2, 0.5],
            "hi95": [0.4, 0.7],
            "rule": "beyond",
            "threshold": 1.0,
            "prob": 0.9,
        }
    )
    ax = bk.plots.assurance_curve(assurance)
    assert ax.get_title().startswith("Assurance") and ax.get_xlabel() and ax.get_ylabel()
    assert bk.plot_assurance is bk.plots.assurance_curve
