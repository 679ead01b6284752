"""Bayesian random-effects meta-analysis (bayes_keta.meta) against classical references.

Reference data set: the 13 BCG vaccine trials (Colditz GA et al., JAMA 1994;271:698-702), as
distributed with R's metafor (``dat.bcg``; Viechtbauer W, J Stat Softw 2010;36(3)). Effect:
log risk ratio of tuberculosis, vaccinated vs not (negative = vaccine protects). Classical
results computed below (and as printed by metafor): inverse-variance fixed effect -0.4303
(se 0.0405); DerSimonian-Laird tau^2 = 0.3088 (tau = 0.556), pooled -0.7141 (se 0.1787).
"""

from __future__ import annotations

import json
from importlib import resources

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from bayes_keta.cli import main
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.meta import meta_analysis, meta_inputs_from_frame, read_meta_inputs

BCG = [  # trial, vaccinated TB+, vaccinated TB-, control TB+, control TB-
    ("Aronson 1948", 4, 119, 11, 128),
    ("Ferguson & Simes 1949", 6, 300, 29, 274),
    ("Rosenthal 1960", 3, 228, 11, 209),
    ("Hart & Sutherland 1977", 62, 13536, 248, 12619),
    ("Frimodt-Moller 1973", 33, 5036, 47, 5761),
    ("Stein & Aronson 1953", 180, 1361, 372, 1079),
    ("Vandiviere 1973", 8, 2537, 10, 619),
    ("TPT Madras 1980", 505, 87886, 499, 87892),
    ("Coetzee & Berjak 1968", 29, 7470, 45, 7232),
    ("Rosenthal 1961", 17, 1699, 65, 1600),
    ("Comstock 1974", 186, 50448, 141, 27197),
    ("Comstock & Webster 1969", 5, 2493, 3, 2338),
    ("Comstock 1976", 27, 16886, 29, 17825),
]


def _bcg() -> pd.DataFrame:
    t = pd.DataFrame(BCG, columns=["trial", "tpos", "tneg", "cpos", "cneg"])
    y = np.log((t.tpos / (t.tpos + t.tneg)) / (t.cpos / (t.cpos + t.cneg)))
    v = 1 / t.tpos - 1 / (t.tpos + t.tneg) + 1 / t.cpos - 1 / (t.cpos + t.cneg)
    return pd.DataFrame({"trial": t.trial, "estimate": y, "se": np.sqrt(v), "scale": "log_rr"})


def _fixed_effect(y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    w = 1 / se**2
    return float((w * y).sum() / w.sum()), float(np.sqrt(1 / w.sum()))


def _dersimonian_laird(y: np.ndarray, se: np.ndarray) -> tuple[float, float]:
    w = 1 / se**2
    fe = (w * y).sum() / w.sum()
    q = (w * (y - fe) ** 2).sum()
    tau2 = max(0.0, (q - (len(y) - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    ws = 1 / (se**2 + tau2)
    return float((ws * y).sum() / ws.sum()), float(np.sqrt(tau2))


def test_classical_references_match_published_metafor_numbers():
    df = _bcg()
    fe, fe_se = _fixed_effect(df.estimate.to_numpy(), df.se.to_numpy())
    mu, tau = _dersimonian_laird(df.estimate.to_numpy(), df.se.to_numpy())
    assert fe == pytest.approx(-0.4303, abs=1e-4) and fe_se == pytest.approx(0.0405, abs=1e-4)
    assert mu == pytest.approx(-0.7141, abs=1e-4) and tau**2 == pytest.approx(0.3088, abs=1e-4)


@pytest.mark.slow
def test_common_effect_equals_inverse_variance_pooling():
    df = _bcg()
    fe, fe_se = _fixed_effect(df.estimate.to_numpy(), df.se.to_numpy())
    res = meta_analysis(df, tau_prior="fixed0", seed=3)
    pooled = res.table.set_index("quantity").loc["pooled"]
    # Normal(0, 10) prior on mu moves the mean by ~fe * (fe_se/10)^2 ~ 1e-5: MC error dominates.
    assert abs(pooled["mean"] - fe) < 4 * pooled["mcse_mean"] + 1e-4
    assert pooled["sd"] == pytest.approx(fe_se, rel=0.05)
    assert "tau" not in set(res.table.quantity)
    assert res.passed


@pytest.mark.slow
def test_random_effects_close_to_dersimonian_laird():
    df = _bcg()
    mu_dl, tau_dl = _dersimonian_laird(df.estimate.to_numpy(), df.se.to_numpy())
    res = meta_analysis(df, tau_prior="half_normal", tau_scale=1.0, seed=1)
    assert res.passed, res.diagnostics
    tab = res.table.set_index("quantity")
    # Pooled effect: the Bayesian posterior median integrates over tau and so is not the DL
    # point estimate, but with k = 13 they agree to well under the pooled SE (0.18): within
    # 0.05 on the log scale.
    assert abs(tab.loc["pooled", "median"] - mu_dl) < 0.05
    # Tau: DL is a moment estimator, the posterior of tau is right-skewed; with a weak
    # HalfNormal(1) prior its median sits within +/- 25% of DL (here ~0.59 vs 0.556), and DL
    # lies inside the 95% interval.
    assert 0.75 * tau_dl < tab.loc["tau", "median"] < 1.25 * tau_dl
    assert tab.loc["tau", "lo95"] < tau_dl < tab.loc["tau", "hi95"]
    # Prediction interval is wider than the pooled interval; trial effects shrink to mu.
    assert tab.loc["prediction", "hi95"] - tab.loc["prediction", "lo95"] > 2 * (
        tab.loc["pooled", "hi95"] - tab.loc["pooled", "lo95"]
    )
    trials = res.table[res.table.quantity == "trial"]
    dist_in = (trials.input_estimate - tab.loc["pooled", "mean"]).abs()
    dist_out = (trials["mean"] - tab.loc["pooled", "mean"]).abs()
    assert (dist_out <= dist_in + 1e-9).all()
    assert tab.loc["pooled", "p_benefit"] > 0.99
    assert "log_rr" in res.text


@pytest.mark.slow
def test_half_cauchy_and_scale_defaults_on_example():
    path = resources.files("bayes_keta.data") / "files/meta_example_illustrative.csv"
    inputs = read_meta_inputs([path])
    assert inputs.scale == "smd" and inputs.k == 5
    res = meta_analysis(inputs, tau_prior="half_cauchy", seed=2, draws=1000)
    assert res.settings["tau_scale"] == 0.5  # SMD default (Roever et al. 2021)
    assert res.settings["tau_prior_label"] == "HalfCauchy(0.5)"
    assert [c for c in res.table.columns if c.startswith("p_beyond_")] == [
        "p_beyond_0.2",
        "p_beyond_0.5",
        "p_beyond_0.8",
    ]
    fig = res.plot_forest()
    assert len(fig.axes) == 1
    assert res.datatree.posterior["theta"].dims == ("chain", "draw", "trial")


# ----------------------------------------------------------------------------- inputs
def test_shipped_example_is_a_plain_table_marked_fabricated_on_every_row():
    path = resources.files("bayes_keta.data") / "files/meta_example_illustrative.csv"
    table = pd.read_csv(path)  # pandas defaults: the header row comes first
    assert list(table.columns) == [
        "trial", "active", "reference", "scale", "estimate", "lo95", "hi95", "note"
    ]  # fmt: skip
    assert len(table) == 5 and table["note"].str.contains("FABRICATED").all()


def _export(path, rows):
    cols = [
        "active",
        "reference",
        "estimand",
        "scale",
        "estimate",
        "se",
        "lo95",
        "hi95",
        "lik_estimate",
        "lik_se",
    ]
    pd.DataFrame(rows, columns=cols).to_csv(path, index=False)


def test_reads_exports_preferring_likelihood_columns(tmp_path):
    for name, lik in (("trialA", -0.8), ("trialB", -0.2)):
        (tmp_path / name).mkdir()
        _export(
            tmp_path / name / "meta_summary.csv",
            [
                (
                    "ketamine",
                    "placebo",
                    "mean_daily_difference",
                    "nrs",
                    -0.5,
                    0.3,
                    -1.1,
                    0.1,
                    lik,
                    0.4,
                ),
                ("ketamine", "placebo", "auc_difference", "auc", -17.0, 9.0, -35, 1, -20.0, 10.0),
            ],
        )
    paths = [tmp_path / "trialA" / "meta_summary.csv", tmp_path / "trialB" / "meta_summary.csv"]
    with pytest.raises(DataError, match="--estimand"):
        read_meta_inputs(paths)
    inp = read_meta_inputs(
        paths, estimand="mean_daily_difference", active="ketamine", reference="placebo"
    )
    assert inp.table.trial.tolist() == ["trialA", "trialB"]
    assert inp.table.estimate.tolist() == [-0.8, -0.2] and inp.table.se.tolist() == [0.4, 0.4]
    assert (inp.table.basis == "likelihood-only").all()
    assert any("likelihood-only" in n for n in inp.notes)
    post = read_meta_inputs(paths, estimand="mean_daily_difference", prefer_likelihood=False)
    assert post.table.estimate.tolist() == [-0.5, -0.5]


def test_mixing_scales_refused(tmp_path):
    (tmp_path / "t.csv").write_text("trial,estimate,se,scale\nA,-0.2,0.1,smd\n")
    (tmp_path / "u.csv").write_text("trial,estimate,se,scale\nB,-1.0,0.3,nrs\n")
    with pytest.raises(DataError, match="mix scales"):
        read_meta_inputs([tmp_path / "t.csv", tmp_path / "u.csv"])
    with pytest.raises(DataError, match="not the requested"):
        read_meta_inputs([tmp_path / "t.csv"], scale="nrs")


def test_bad_rows_named_and_duplicates(tmp_path):
    df = pd.DataFrame(
        {
            "trial": ["A", "B", "C"],
            "estimate": [-0.2, "x", 0.1],
            "se": [0.1, 0.1, -1.0],
            "scale": "smd",
        }
    )
    with pytest.raises(DataError) as err:
        meta_inputs_from_frame(df)
    assert "row 2 (B)" in str(err.value) and "row 3 (C)" in str(err.value)
    dup = pd.DataFrame({"trial": ["A", "A"], "estimate": [0.1, 0.2], "se": [0.1, 0.1]})
    with pytest.raises(DataError, match="duplicated"):
        meta_inputs_from_frame(dup, scale="smd")


def test_spec_errors():
    df = pd.DataFrame({"trial": ["A", "B"], "estimate": [0.1, 0.2], "se": [0.1, 0.1]})
    inp = meta_inputs_from_frame(df, scale="furlongs")
    with pytest.raises(SpecError, match="tau_scale"):
        meta_analysis(inp)
    with pytest.raises(SpecError, match="tau_prior"):
        meta_analysis(meta_inputs_from_frame(df, scale="smd"), tau_prior="uniform")
    with pytest.raises(SpecError, match="at least 2"):
        meta_analysis(meta_inputs_from_frame(df.iloc[:1], scale="smd"))


# ----------------------------------------------------------------------------- CLI


@pytest.mark.slow
def test_cli_writes_outputs_and_refuses_overwrite(tmp_path, capsys):
    out = tmp_path / "m"
    args = ["meta", "--example", "--draws", "500", "--tune", "500", "--out", str(out)]
    assert main(args) == 0
    summary = pd.read_csv(out / "meta_summary.csv")
    assert summary.quantity.tolist()[:3] == ["pooled", "tau", "prediction"]
    assert (summary.quantity == "trial").sum() == 5
    dt = xr.open_datatree(out / "meta_posterior.nc")
    assert "bayes_keta_provenance" in dt.attrs and "mu" in dt.posterior
    prov = json.loads((out / "meta_summary.json").read_text())
    assert prov["settings"]["tau_prior"] == "half_normal" and prov["inputs_sha256"]
    assert (out / "forest.png").stat().st_size > 1000
    assert main(args) == 6
    assert "OutputError" in capsys.readouterr().err
    # Our own output is not an input.
    assert main(["meta", str(out / "meta_summary.csv"), "--out", str(tmp_path / "x")]) == 3


@pytest.mark.slow
def test_meta_draws_are_those_before_the_one_runner():
    """Golden numbers recorded from main at 4f59205, when meta_analysis called pm.sample
    itself; the one sampler runner must give the same draws (nutpie's threads may move the
    last digits: rel 1e-9). Recorded again when the compiles left numba's fastmath
    (``fitting.runner.exact_float_math``): the means moved by up to 5e-9 relative."""
    df = pd.DataFrame(
        {
            "trial": ["A", "B", "C", "D"],
            "estimate": [-0.4, -0.1, -0.3, -0.6],
            "se": [0.2, 0.15, 0.25, 0.3],
            "scale": "smd",
        }
    )
    res = meta_analysis(df, seed=1, draws=500, tune=500)
    assert res.table["mean"].tolist() == pytest.approx(
        [
            -0.303918319801024,
            0.22135286588158032,
            -0.31498438257409117,
            -0.34107458795545326,
            -0.19296224370255607,
            -0.2916513795483013,
            -0.39343382685215633,
        ],
        rel=1e-9,
    )
    assert res.table["rhat"].iloc[:2].tolist() == pytest.approx(
        [1.0144975568737218, 1.0224021090840643], rel=1e-9
    )
    assert not res.passed and res.settings["divergences"] == 0
