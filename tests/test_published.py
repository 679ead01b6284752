"""Summary-level reanalysis of the published KETAPAIN estimates (bayes_keta.published).

Reference numbers: the published effect sizes of Pickering et al., Anesthesiology
2020;133:154-164 (abstract), embedded in bayes_keta/data/files/ketapain_published.toml.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from bayes_keta.cli import main
from bayes_keta.constants import SMD_THRESHOLDS
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.published import (
    Prior,
    enthusiastic_prior,
    parse_prior_spec,
    read_estimates,
    read_priors_toml,
    reanalyse_published,
    skeptical_prior,
)
from bayes_keta.published.estimates import Z95, published_estimates

PUBLISHED = [  # (active, reference, estimate, lo95, hi95), transcribed from the abstract
    ("ketamine", "placebo", -0.2, -0.6, 0.3),
    ("placebo", "ketamine_magnesium", 0.2, -0.3, 0.6),
    ("ketamine", "ketamine_magnesium", -0.4, -0.8, 0.1),
]
#: The default readings: the second row's sign contradicts the arm means (187 vs 196) and the
#: other rows, so by default it is read as placebo - ketamine_magnesium = -0.2 [-0.6, 0.3].
DEFAULT = [
    PUBLISHED[0],
    ("placebo", "ketamine_magnesium", -0.2, -0.6, 0.3),
    PUBLISHED[2],
]


@pytest.fixture(scope="module")
def default_result():
    return reanalyse_published()


def _row(
    table: pd.DataFrame, active: str, reference: str, prior: str, *, reading: str | None = None
) -> pd.Series:
    """The row of a contrast and prior: its default reading unless ``reading`` is given."""
    sel = table[(table.active == active) & (table.reference == reference) & (table.prior == prior)]
    sel = sel[sel.default] if reading is None else sel[sel.reading == reading]
    assert len(sel) == 1
    return sel.iloc[0]


# ----------------------------------------------------------------------------- golden numbers


@pytest.mark.parametrize(
    ("active", "reference", "est", "lo", "hi", "reading"),
    [(*row, None) for row in DEFAULT] + [(*PUBLISHED[1], "as_printed")],
)
def test_vague_prior_reproduces_published_cis_to_their_rounding(
    default_result, active, reference, est, lo, hi, reading
):
    r = _row(default_result.table, active, reference, "vague", reading=reading)
    # Published numbers carry one decimal: the true values lie within +/- 0.05 of them. Each
    # reproduced end (and the posterior mean) must fall inside that rounding band and round
    # to the published digit. The default likelihood centre keeps a margin (<= 0.034).
    assert abs(r.post_lo95 - lo) <= 0.034
    assert abs(r.post_hi95 - hi) <= 0.034
    assert abs(r.post_mean - est) <= 0.034
    assert round(r.post_lo95, 1) == lo
    assert round(r.post_hi95, 1) == hi
    assert round(r.post_mean, 1) == est
    # The SE is the mean half-width of the published CI; the estimate column is as published.
    assert r.se == pytest.approx((hi - lo) / (2 * Z95))
    assert r.estimate == est
    assert r.published_lo95 == lo and r.published_hi95 == hi


@pytest.mark.parametrize(("active", "reference", "est", "lo", "hi"), DEFAULT)
def test_centre_published_keeps_estimate_and_lands_on_the_rounding_edge(
    active, reference, est, lo, hi
):
    res = reanalyse_published(centre="published")
    r = _row(res.table, active, reference, "vague")
    assert r.lik_mean == est
    assert r.post_mean == pytest.approx(est, abs=1e-3)
    # Asymmetry 0.1 split evenly: each end 0.05 (+ the vague prior's ~1e-4 pull) away.
    assert abs(r.post_lo95 - lo) == pytest.approx(0.05, abs=1e-3)
    assert abs(r.post_hi95 - hi) == pytest.approx(0.05, abs=1e-3)


def test_fitted_centre_is_closer_to_the_published_p_values(default_result):
    # The two-sided P values (not used by the method) imply |centre| = se * z(1 - P/2); the
    # fitted centres are closer to them overall than the published point estimates.
    p_values = {
        ("ketamine", "placebo"): 0.425,
        ("placebo", "ketamine_magnesium"): 0.445,
        ("ketamine", "ketamine_magnesium"): 0.119,
    }
    err_fit = err_pub = 0.0
    for (active, reference), p in p_values.items():
        r = _row(default_result.table, active, reference, "vague")
        implied = r.se * stats.norm.ppf(1 - p / 2)
        err_fit += abs(abs(r.lik_mean) - implied)
        err_pub += abs(abs(r.estimate) - implied)
    assert err_fit < err_pub


def test_table_layout(default_result):
    tab = default_result.table
    assert len(tab) == 4 * 3  # three contrasts, the inconsistent one in two readings
    for col in (
        "active",
        "reference",
        "reading",
        "inconsistent",
        "default",
        "published_estimate",
        "scale",
        "prior",
        "prior_mean",
        "prior_sd",
        "post_mean",
        "post_lo95",
        "post_hi95",
        "p_benefit",
        "published_lo95",
        "published_hi95",
    ):
        assert col in tab.columns
    assert [f"p_beyond_{t:g}" for t in SMD_THRESHOLDS] == [
        c for c in tab.columns if c.startswith("p_beyond_")
    ]
    assert set(tab.prior) == {"vague", "skeptical", "enthusiastic"}
    assert (tab.method == "closed_form").all()
    assert "ASSUMPTION" in default_result.text


# ----------------------------------------------------------------------------- prior families


@pytest.mark.parametrize("design", [-0.5, -0.3, -1.0])
def test_prior_calibration(design):
    skep = skeptical_prior(design).dist
    enth = enthusiastic_prior(design).dist
    # Skeptical: centred on 0, P(effect beyond the design hypothesis) = 5%.
    assert skep.mean == 0.0
    assert float(skep.cdf(design)) == pytest.approx(0.05, abs=1e-12)
    # Enthusiastic: centred on the design hypothesis, P(no benefit) = 5%.
    assert enth.mean == design
    assert 1 - float(enth.cdf(0.0)) == pytest.approx(0.05, abs=1e-12)


def test_enthusiastic_prior_calibrated_in_table_for_both_orientations(default_result):
    # In the published orientation the prior probability of "no benefit" of the favoured arm
    # is 5% whether the favoured arm is the row's active (rows 1, 3) or reference (row 2).
    for active, reference, *_ in PUBLISHED:
        r = _row(default_result.table, active, reference, "enthusiastic")
        sign = 1 if r.favoured == active else -1
        prior = stats.norm(r.prior_mean, r.prior_sd)
        p_no_benefit = prior.sf(0.0) if sign == 1 else prior.cdf(0.0)
        assert p_no_benefit == pytest.approx(0.05, abs=1e-9)


def test_skeptical_prior_shrinks_toward_zero(default_result):
    tab = default_result.table
    for active, reference, est, *_ in DEFAULT:
        vague = _row(tab, active, reference, "vague")
        skep = _row(tab, active, reference, "skeptical")
        assert np.sign(skep.post_mean) == np.sign(est)
        assert abs(skep.post_mean) < abs(vague.post_mean) - 0.03
        assert skep.post_hi95 - skep.post_lo95 < vague.post_hi95 - vague.post_lo95
        assert abs(skep.p_benefit - 0.5) < abs(vague.p_benefit - 0.5)


def test_orientation_rule(default_result):
    tab = default_result.table
    row2 = _row(tab, "placebo", "ketamine_magnesium", "vague")
    assert row2.favoured == "ketamine_magnesium"
    # benefit of ketamine/magnesium = a positive effect (placebo - KMg > 0): the default
    # reading (the arm means') has it negative, the row as printed positive.
    assert row2.lik_mean < 0
    assert row2.p_benefit == pytest.approx(stats.norm.cdf(row2.lik_mean / row2.se), abs=2e-3)
    printed = _row(tab, "placebo", "ketamine_magnesium", "vague", reading="as_printed")
    assert printed.lik_mean == pytest.approx(-row2.lik_mean)
    assert printed.p_benefit == pytest.approx(1 - row2.p_benefit, abs=1e-9)
    row1 = _row(tab, "ketamine", "placebo", "vague")
    assert row1.favoured == "ketamine"
    assert row1.p_benefit == pytest.approx(stats.norm.cdf(-row1.lik_mean / row1.se), abs=2e-3)
    # Enthusiastic priors point toward the favoured arm's benefit in row orientation.
    assert _row(tab, "placebo", "ketamine_magnesium", "enthusiastic").prior_mean == 0.5
    assert _row(tab, "ketamine", "placebo", "enthusiastic").prior_mean == -0.5
    # p_beyond decreases with the threshold.
    p = row1[[f"p_beyond_{t:g}" for t in SMD_THRESHOLDS]].to_numpy(float)
    assert np.all(np.diff(p) < 0) and p[0] < row1.p_benefit


def test_design_effect_changes_skeptical_prior():
    res = reanalyse_published(design_effect=-0.8)
    r = _row(res.table, "ketamine", "placebo", "skeptical")
    assert r.prior_sd == pytest.approx(0.8 / stats.norm.ppf(0.95))


# ----------------------------------------------------------------------------- closed form vs MC


def test_mixture_closed_form_matches_quadrature():
    prior = parse_prior_spec("mix=mixture(0.6:0:0.1,0.4:-0.5:0.2)")
    res = reanalyse_published(priors=[prior], include_defaults=False)
    r = _row(res.table, "ketamine", "placebo", "mix")
    y, se = r.lik_mean, r.se
    dens = lambda t: prior.dist.pdf(t) * stats.norm.pdf(y, t, se)  # noqa: E731
    z = integrate.quad(dens, -5, 5, points=[0, -0.5])[0]
    mean = integrate.quad(lambda t: t * dens(t), -5, 5, points=[0, -0.5])[0] / z
    p_ben = integrate.quad(dens, -5, 0, points=[-0.5])[0] / z
    assert r.post_mean == pytest.approx(mean, abs=1e-6)
    assert r.p_benefit == pytest.approx(p_ben, abs=1e-6)


@pytest.mark.slow
def test_pymc_path_agrees_with_closed_form_on_normal_prior():
    prior = Prior("normal_check", "normal", {"mean": 0.0, "sd": 0.3})
    kw = dict(priors=[prior], include_defaults=False)
    exact = reanalyse_published(**kw).table
    mc = reanalyse_published(**kw, method="pymc", seed=11).table
    assert (mc.method == "pymc").all() and (exact.method == "closed_form").all()
    for i in range(len(exact)):
        e, m = exact.iloc[i], mc.iloc[i]
        assert abs(m.post_mean - e.post_mean) < 4 * m.mcse_mean + 1e-3
        assert m.post_sd == pytest.approx(e.post_sd, rel=0.05)
        assert m.post_lo95 == pytest.approx(e.post_lo95, abs=0.03)
        assert m.post_hi95 == pytest.approx(e.post_hi95, abs=0.03)
        for col in ("p_benefit", "p_beyond_0.2", "p_beyond_0.5"):
            assert m[col] == pytest.approx(e[col], abs=0.025)


@pytest.mark.slow
def test_student_t_prior_by_pymc_matches_quadrature():
    prior = parse_prior_spec("t3=student_t(3, 0, 0.2)")
    res = reanalyse_published(priors=[prior], include_defaults=False, seed=5)
    tab = res.table
    assert (tab.method == "pymc").all()
    assert "t3" in res.datatrees
    for active, reference, est, *_ in PUBLISHED:
        r = _row(tab, active, reference, "t3")
        s = 1 if r.favoured == active else -1
        y = s * r.lik_mean

        def dens(t, y=y, se=r.se):
            return stats.t.pdf(t, 3, 0, 0.2) * stats.norm.pdf(y, t, se)

        z = integrate.quad(dens, -10, 10)[0]
        mean = s * integrate.quad(lambda t, f=dens: t * f(t), -10, 10)[0] / z
        p_ben = integrate.quad(dens, -10, 0)[0] / z
        assert abs(r.post_mean - mean) < 4 * r.mcse_mean + 1e-3
        assert r.p_benefit == pytest.approx(p_ben, abs=0.025)
        # A prior centred on 0 shrinks toward zero.
        assert abs(r.post_mean) < abs(est)


# ----------------------------------------------------------------------------- inputs and specs


def test_user_csv_with_se_and_favoured(tmp_path):
    path = tmp_path / "est.csv"
    path.write_text(
        "# a comment line\n"
        "active,reference,scale,estimate,lo95,hi95,se,favoured\n"
        "drug,placebo,smd,-0.3,,,0.15,\n"
        "drug_a,drug_b,smd,0.1,-0.2,0.4,,drug_b\n"
    )
    est = read_estimates(path)
    assert est.se.tolist() == pytest.approx([0.15, 0.6 / (2 * Z95)])
    assert est.se_source.tolist() == ["se", "ci"]
    assert est.favoured.tolist() == ["drug", "drug_b"] and est.sign.tolist() == [1, -1]
    res = reanalyse_published(path)
    r = _row(res.table, "drug_a", "drug_b", "vague")
    assert r.p_benefit == pytest.approx(stats.norm.cdf(0.1 / r.se), abs=2e-3)


def test_bad_csv_names_rows(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(
        "active,reference,scale,estimate,lo95,hi95\n"
        "a,placebo,smd,-0.2,-0.6,0.3\n"
        "b,placebo,smd,abc,-0.6,0.3\n"
        "c,placebo,smd,-0.2,0.3,-0.6\n"
        "d,d,smd,0.9,-0.6,0.3\n"
    )
    with pytest.raises(DataError) as err:
        read_estimates(path)
    msg = str(err.value)
    assert "row 2" in msg and "row 3" in msg and "row 4" in msg and "row 1" not in msg


def test_mixed_scales_and_missing_columns_refused(tmp_path):
    df = pd.DataFrame(
        {
            "active": ["a", "b"],
            "reference": ["p", "p"],
            "scale": ["smd", "nrs"],
            "estimate": [0.1, 0.2],
            "se": [0.1, 0.1],
        }
    )
    with pytest.raises(DataError, match="mix scales"):
        read_estimates(df)
    with pytest.raises(DataError, match="se"):
        read_estimates(df.drop(columns="se"))


def test_non_smd_scale_needs_design_effect():
    df = pd.DataFrame(
        {
            "active": ["a"],
            "reference": ["placebo"],
            "scale": ["nrs"],
            "estimate": [-1.0],
            "se": [0.4],
        }
    )
    with pytest.raises(SpecError, match="design"):
        reanalyse_published(df)
    res = reanalyse_published(df, design_effect=-1.0)
    assert [c for c in res.table.columns if c.startswith("p_beyond_")] == [
        "p_beyond_0.5",
        "p_beyond_1",
        "p_beyond_2",
    ]


@pytest.mark.parametrize(
    "spec",
    [
        "x=normal(0)",
        "x=normal(0,-1)",
        "x=cauchy(0,1)",
        "1x=normal(0,1)",
        "nonsense",
        "m=mixture(0.5:0:1,0.5:1)",
        "t=student_t(0,0,1)",
    ],
)
def test_bad_prior_spec(spec):
    with pytest.raises(SpecError):
        parse_prior_spec(spec)


def test_priors_toml(tmp_path):
    good = tmp_path / "p.toml"
    good.write_text(
        '[[prior]]\nname = "wide"\nfamily = "normal"\nmean = 0\nsd = 1\n'
        '[[prior]]\nname = "mix"\nfamily = "mixture"\nweights = [1, 3]\nmeans = [0, -0.5]\n'
        "sds = [0.1, 0.2]\n"
    )
    priors = read_priors_toml(good)
    assert [p.name for p in priors] == ["wide", "mix"]
    assert priors[1].params["w"] == (0.25, 0.75)
    for text in (
        '[[prior]]\nname = "x"\nfamily = "normal"\nmean = 0\n',  # missing sd
        '[[prior]]\nname = "x"\nfamily = "normal"\nmean = 0\nsd = 1\nextra = 2\n',
        "prior = 3\n",
        "not toml [[[",
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text)
        with pytest.raises(SpecError):
            read_priors_toml(bad)
    with pytest.raises(SpecError, match="reserved"):
        reanalyse_published(priors=[Prior("vague", "normal", {"mean": 0, "sd": 1})])


# ----------------------------------------------------------------------------- plot and CLI


def test_plot_returns_figure(default_result):
    import bayes_keta as bk
    from bayes_keta.plots.style import WIDTH

    fig = default_result.plot(priors=["vague", "skeptical"])
    assert len(fig.axes) == 4 * 2  # the inconsistent contrast in both readings
    assert fig.get_size_inches()[0] == WIDTH  # the page's width, like every figure
    titles = [ax.get_title() for ax in fig.axes[:2]]
    assert titles == ["prior: vague", "prior: skeptical"]
    assert all(ax.get_xlabel() for ax in fig.axes[-2:])  # the bottom row is labelled
    assert bk.plots.published_reanalysis(default_result, priors=["vague"]).axes
    with pytest.raises(SpecError):
        default_result.plot(priors=["nope"])


def test_cli_writes_outputs_and_refuses_overwrite(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["published", "--out", str(out), "--prior", "wide=normal(0,1)"]) == 0
    tab = pd.read_csv(out / "published_reanalysis.csv")
    assert len(tab) == 4 * 4 and "wide" in set(tab.prior)
    assert (out / "published_reanalysis.png").stat().st_size > 1000
    prov = json.loads((out / "published_reanalysis.json").read_text())
    assert prov["versions"]["bayes_keta"] and len(prov["inputs_hash"]) == 64
    assert [p["name"] for p in prov["settings"]["priors"]][-1] == "wide"
    assert prov["created"]
    # No overwrite without --force: OutputError -> exit code 6, files untouched.
    before = (out / "published_reanalysis.csv").read_bytes()
    assert main(["published", "--out", str(out)]) == 6
    assert "OutputError" in capsys.readouterr().err
    assert (out / "published_reanalysis.csv").read_bytes() == before
    assert main(["published", "--out", str(out), "--force"]) == 0
    assert len(pd.read_csv(out / "published_reanalysis.csv")) == 12


def test_cli_bad_inputs_exit_codes(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("active,reference,scale,estimate,se\na,placebo,smd,x,0.1\n")
    assert main(["published", "--data", str(bad), "--out", str(tmp_path / "o1")]) == 3
    assert "row 1" in capsys.readouterr().err
    assert main(["published", "--prior", "bad", "--out", str(tmp_path / "o2")]) == 4
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


@pytest.mark.slow
def test_sampled_prior_draws_are_those_before_the_one_runner():
    """Golden numbers recorded from main at 4f59205, when the reanalysis called pm.sample
    itself (nutpie through PyMC; its threads may move the last digits: rel 1e-9). The rows
    are given as printed (as then): the embedded default now reads one of them flipped.
    Recorded again when the compiles left numba's fastmath (``fitting.runner.exact_float_math``):
    the numbers moved by up to 2e-8 relative."""
    prior = parse_prior_spec("t3=student_t(3, 0, 0.2)")
    res = reanalyse_published(
        published_estimates(), priors=[prior], include_defaults=False, seed=5, draws=500
    )
    assert res.table["post_mean"].tolist() == pytest.approx(
        [-0.07500459008535104, 0.07717233341787397, -0.17915722159049], rel=1e-9
    )
    assert res.table["mcse_mean"].tolist() == pytest.approx(
        [0.0041517017897661716, 0.004524774703374037, 0.004382231233602971], rel=1e-9
    )


# ----------------------------------------------------------------------------- orientation


def test_inconsistent_row_is_flagged_with_both_readings(default_result):
    tab = default_result.table
    flagged = tab[tab.inconsistent]
    assert set(zip(flagged.active, flagged.reference, strict=True)) == {
        ("placebo", "ketamine_magnesium")
    }
    assert set(flagged.reading) == {"arm_means", "as_printed"}
    assert (flagged.published_estimate == 0.2).all()
    assert set(flagged.loc[flagged.default, "reading"]) == {"arm_means"}
    assert (tab.loc[~tab.inconsistent, "reading"] == "published").all()
    # the arm means (published AUC) and the other two rows agree on the default's sign
    check = next(c for c in default_result.orientation if not c.consistent)
    assert check.arm_difference == 187.0 - 196.0
    assert check.implied == pytest.approx(-0.2)  # (P - K) + (K - KM) = 0.2 - 0.4
    assert np.sign(check.implied) == np.sign(check.arm_difference) == -np.sign(check.estimate)
    text = default_result.text
    assert "INCONSISTENT" in text and "DEFAULT reading" in text and "as printed" in text
    assert any("arm means" in n and "-0.2" in n for n in default_result.notes)


def test_consistent_rows_and_user_data_are_not_flagged():
    from bayes_keta.published.orientation import check_orientation

    rows = pd.DataFrame({"active": ["a"], "reference": ["b"], "estimate": [-0.3]})
    assert check_orientation(rows, {"a": 1.0, "b": 2.0})[0].consistent
    assert not check_orientation(rows, {"a": 3.0, "b": 2.0})[0].consistent
    assert check_orientation(rows, {"a": 1.0}) == ()  # no arm mean: nothing to check
    res = reanalyse_published(published_estimates())  # rows given: read as given
    assert not res.table.inconsistent.any() and (res.table.reading == "published").all()


def test_cli_flags_the_inconsistent_row_in_csv_json_and_text(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["published", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "INCONSISTENT" in printed and "DEFAULT reading" in printed
    tab = pd.read_csv(out / "published_reanalysis.csv")
    flagged = tab[tab.inconsistent]
    assert set(flagged.reading) == {"arm_means", "as_printed"} and len(flagged) == 2 * 3
    prov = json.loads((out / "published_reanalysis.json").read_text())
    (row,) = prov["settings"]["inconsistent_rows"]
    assert (row["active"], row["reference"], row["as_printed"]) == (
        "placebo",
        "ketamine_magnesium",
        0.2,
    )
    assert row["default_reading"] == -0.2 and row["default"] == "arm_means"


def test_percent_scale_is_labelled_a_between_arm_ratio():
    from bayes_keta.published.scales import scale_info

    assert "between-arm ratio" in scale_info("percent").label
    df = pd.DataFrame(
        {
            "active": ["a"],
            "reference": ["placebo"],
            "scale": ["percent"],
            "estimate": [-20.0],
            "se": [10.0],
        }
    )
    res = reanalyse_published(df, design_effect=-30.0)
    assert any("not IMMPACT's within-patient" in n for n in res.notes)
