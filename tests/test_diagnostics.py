"""The convergence gate on fake DataTrees with known pathologies (no sampling)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from fake_fits import fake_tree

from bayes_keta import constants
from bayes_keta.diagnostics import Diagnostics, diagnose, format_ess, format_rhat
from bayes_keta.exceptions import ConvergenceError, DataError


def _tree(**kwargs):
    """Fake posterior with a short follow-up (7 days) to keep the ArviZ summaries fast."""
    return fake_tree(n_days=7, **kwargs)


def test_well_mixed_passes():
    diag = diagnose(_tree(seed=11))
    assert isinstance(diag, Diagnostics)
    assert diag.passed, diag.text
    assert diag.failures == ()
    assert diag.max_rhat < constants.RHAT_MAX
    assert diag.min_ess_bulk > constants.ESS_MIN and diag.min_ess_tail > constants.ESS_MIN
    assert diag.divergences == 0
    assert diag.min_bfmi > constants.BFMI_MIN
    assert diag.treedepth_saturation == 0.0
    assert diag.text.startswith("DIAGNOSTICS PASSED")
    assert set(diag.checked) == {"intercept", "treatment_effect", "sigma", "arm_mean"}
    diag.raise_if_failed()  # no error


def test_table_columns_use_95_percent_intervals():
    tree = _tree(seed=1)
    table = diagnose(tree).table
    assert list(table.columns) == [
        "mean",
        "sd",
        "lo95",
        "hi95",
        "ess_bulk",
        "ess_tail",
        "r_hat",
        "mcse_mean",
        "mcse_sd",
    ]
    x = tree["posterior"]["intercept"].values.ravel()
    assert table.loc["intercept", "lo95"] == pytest.approx(np.quantile(x, 0.025), rel=1e-6)
    assert table.loc["intercept", "hi95"] == pytest.approx(np.quantile(x, 0.975), rel=1e-6)
    assert "arm_mean[placebo, 1]" in table.index


def test_stuck_chains_fail_rhat():
    diag = diagnose(_tree(stuck=True))
    assert not diag.passed
    assert diag.max_rhat > 1.5
    assert any("R-hat" in f for f in diag.failures)
    assert "DIAGNOSTICS FAILED" in diag.text
    with pytest.raises(ConvergenceError, match="R-hat"):
        diag.raise_if_failed()


def test_divergences_fail():
    diag = diagnose(_tree(divergences=3, seed=2))
    assert not diag.passed
    assert diag.divergences == 3
    assert any("3 divergent" in f for f in diag.failures)
    assert diagnose(_tree(divergences=3, seed=2), max_divergences=5).passed


def test_bad_energy_fails_bfmi():
    diag = diagnose(_tree(bad_energy=True, seed=3))
    assert not diag.passed
    assert diag.min_bfmi < constants.BFMI_MIN
    assert any("E-BFMI" in f for f in diag.failures)


def test_low_ess_fails():
    diag = diagnose(_tree(n_draws=60, n_chains=2, seed=4))
    assert not diag.passed
    assert any("ESS" in f for f in diag.failures)


def test_missing_sample_stats_is_never_a_quiet_pass():
    diag = diagnose(_tree(sample_stats=False, seed=5))
    assert not diag.passed
    assert diag.divergences is None and diag.min_bfmi is None
    assert any("sample_stats" in f for f in diag.failures)


def test_single_chain_fails():
    diag = diagnose(_tree(n_chains=1, n_draws=2000, seed=6))
    assert not diag.passed
    assert any("chain" in f for f in diag.failures)


def test_treedepth_saturation_is_a_warning():
    diag = diagnose(_tree(maxdepth=200, seed=7))
    assert diag.passed
    assert diag.treedepth_saturation == pytest.approx(200 / 2000)
    assert diag.warnings and "maximum tree depth" in diag.warnings[0]


def test_pointwise_variables_excluded_by_default_but_checkable():
    tree = _tree(pointwise=6000, n_draws=100, seed=8)
    diag = diagnose(tree, ess_min=10)
    assert "mu_obs" in diag.excluded and "mu_obs" not in diag.checked
    only = diagnose(tree, var_names=["sigma"], ess_min=10)
    assert only.checked == ("sigma",)
    with pytest.raises(DataError, match="not in the posterior"):
        diagnose(tree, var_names=["nope"])


def test_constant_quantity_is_not_a_failure_but_varying_nan_is():
    tree = _tree(seed=9)
    tree["posterior"]["fixed"] = tree["posterior"]["sigma"] * 0 + 1.0
    assert diagnose(tree).passed
    broken = tree["posterior"]["sigma"].copy()
    broken[0, 0] = np.nan
    tree["posterior"]["broken"] = broken
    diag = diagnose(tree)
    assert not diag.passed
    assert any("NaN" in f and "broken" in f for f in diag.failures)


def test_to_dict_is_json_ready():
    import json

    record = diagnose(_tree(stuck=True)).to_dict()
    json.dumps(record, allow_nan=False)
    assert record["passed"] is False and record["failures"]


def test_needs_posterior():
    import xarray as xr

    with pytest.raises(DataError):
        diagnose(xr.DataTree())
    with pytest.raises(DataError):
        diagnose(np.zeros(3))


# ------------------------------------------------------- numbers that agree with the verdict
@pytest.mark.parametrize(
    ("formatter", "threshold", "base"),
    [(format_rhat, constants.RHAT_MAX, 3), (format_ess, constants.ESS_MIN, 0)],
)
@pytest.mark.parametrize("gap", [0.3, 1e-3, 4e-4, 5e-5, 1e-7, 1e-11, 0.0])
@pytest.mark.parametrize("side", [-1, 1])
def test_shown_diagnostic_compares_with_its_threshold_as_the_value_does(
    formatter, threshold, base, gap, side
):
    value = threshold + side * gap * (1 if threshold < 10 else 100)
    shown = formatter(value)
    assert np.sign(float(shown) - threshold) == np.sign(value - threshold), (value, shown)
    assert len(shown.partition(".")[2]) >= base


def test_values_away_from_the_threshold_keep_the_usual_digits():
    assert format_rhat(1.0031) == "1.003" and format_rhat(1.2345) == "1.234"
    assert format_ess(1450.4) == "1450" and format_ess(399.6) == "399.6"
    assert format_rhat(1.0104) == "1.0104" and format_rhat(float("nan")) == "n/a"


def test_gate_text_and_failures_show_enough_digits():
    diag = diagnose(_tree(seed=11))
    worst = diag.max_rhat
    for threshold in (worst - 2e-5, worst + 2e-5):  # just below / above the worst R-hat
        gated = diagnose(_tree(seed=11), rhat_max=threshold)
        shown = float(re.search(r"max R-hat ([0-9.]+)", gated.text).group(1))
        assert (shown > threshold) == (worst > threshold) == (not gated.passed)
        if not gated.passed:
            failure = float(re.search(r"max R-hat ([0-9.]+) >", gated.failures[0]).group(1))
            assert failure > threshold
    ess = diag.min_ess_bulk
    gated = diagnose(_tree(seed=11), ess_min=ess + 0.2)  # fails by a fraction of a draw
    shown = float(re.search(r"min bulk ESS ([0-9.]+) <", " ".join(gated.failures)).group(1))
    assert not gated.passed and shown < ess + 0.2


def test_report_tables_use_the_same_formatter():
    from bayes_keta.report.blocks import Table

    frame = pd.DataFrame({"max R-hat": [1.0104, 1.003], "min bulk ESS": [399.7, 1450.2]})
    table = Table.from_frame(frame, formats={"max R-hat": format_rhat, "min bulk ESS": format_ess})
    assert table.rows == (("1.0104", "399.7"), ("1.003", "1450"))
