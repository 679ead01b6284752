"""Assurance statistics on known design priors (no sampling): power, monotonicity, analysis.

Every reference number is computed here independently of bayes_keta.planning: closed-form
contrast variances of balanced designs, the noncentral t, dense least squares with subject
dummies, and direct numerical integration of the posterior.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import bayes_keta as bk
from bayes_keta.data.sequence_orders import williams_sequences as williams_orders
from bayes_keta.exceptions import DataError, SpecError
from bayes_keta.planning import DesignPrior
from bayes_keta.planning.analyse import fit_cells, posterior_beyond, within_plan
from bayes_keta.planning.analysis_prior import AnalysisPrior, analysis_prior
from bayes_keta.planning.design import future_designs, williams_sequences
from bayes_keta.planning.simulate import simulate_readings
from bayes_keta.spec import load_spec, resolve_priors

ACTIVES = {"ketamine": -1.5, "ketamine_magnesium": -0.5}


def _ar1_mean_variance(sigma: float, phi: float, days: int) -> float:
    """Variance of the mean of ``days`` stationary AR(1) readings, by brute force."""
    lags = np.abs(np.subtract.outer(np.arange(days), np.arange(days)))
    return float((sigma**2 * phi**lags).sum() / days**2)


def _power(delta: float, sd: float, n: int, df: int, threshold: float, prob: float) -> float:
    """P(the flat-prior posterior puts > prob on benefit beyond threshold), lower is better.

    Success iff (est + t) / se < -q_prob, est ~ N(delta, 2 sd^2 / n) (balanced crossover),
    se^2 = s^2 2/n with s^2 ~ sd^2 chi2_df / df: a noncentral t with ncp (delta + t) / se_true.
    """
    se = sd * math.sqrt(2.0 / n)
    return float(stats.nct.cdf(-stats.t.ppf(prob, df), df, (delta + threshold) / se))


@pytest.mark.parametrize(
    ("design", "n", "phi"),
    [("williams", 12, 0.0), ("williams", 24, 0.6), ("2x2", 10, 0.0), ("2x2", 16, 0.4)],
)
def test_point_prior_assurance_is_the_analytical_power(design, n, phi):
    sigma_v, sigma, days = 1.0, 1.5, 10
    prior = DesignPrior.from_values(
        effects=ACTIVES, sigma=sigma, sigma_subject_period=sigma_v, phi=phi, n_days=days
    )
    sims = 4000
    res = bk.assurance(
        prior, n=n, design=design, threshold=1.0, prob=0.8, sims=sims, seed=3,
        analysis_priors="flat", scheduler="serial",
    )  # fmt: skip
    sd = math.sqrt(sigma_v**2 + _ar1_mean_variance(sigma, phi, days))
    df = 2 * n - 4 if design == "williams" else n - 2
    rows = res.table.set_index(["active", "rule"])
    checked = 0
    for active, delta in ACTIVES.items():
        for rule, threshold, prob in (("beyond", 1.0, 0.8), ("benefit", 0.0, 0.975)):
            power = _power(delta, sd, n, df, threshold, prob)
            got = rows.loc[(active, rule), "assurance"]
            mc = math.sqrt(max(power * (1 - power), 1e-4) / sims)
            assert abs(got - power) < 4 * mc, (active, rule, got, power)
            checked += 1
    assert checked == 4
    assert (res.table["design_prior"] == "point").all()


def _posterior_prior(seed: int = 0, draws: int = 2000) -> DesignPrior:
    """A design prior with uncertain effects and variance components."""
    rng = np.random.default_rng(seed)
    base = DesignPrior.from_values(effects={"ketamine": 0.0}, sigma=1.0, n_days=7)
    effect = rng.normal(-0.8, 0.4, size=(draws, 1, 1)).repeat(7, axis=2)
    return DesignPrior(
        treatments=base.treatments,
        reference=base.reference,
        n_days=7,
        effect=effect,
        level=np.full(draws, 5.0),
        period=np.zeros((draws, 3)),
        sigma_subject=np.full(draws, 1.0),
        sigma_subject_period=np.exp(rng.normal(np.log(1.0), 0.2, draws)),
        sigma=np.exp(rng.normal(np.log(1.2), 0.1, draws)),
        phi=np.zeros(draws),
        spec=base.spec,
        kind="posterior",
        source={"fit": "test", "spec_name": "daily", "posterior_draws": draws},
    )


def test_assurance_rises_with_n_towards_the_prior_probability_of_the_effect():
    prior = _posterior_prior()
    sizes = [6, 24, 96]
    res = bk.assurance(
        prior, n=sizes, threshold=0.5, prob=0.8, sims=3000, seed=11, scheduler="serial"
    )
    for rule in ("beyond", "benefit"):
        curve = res.table[res.table["rule"] == rule].set_index("n")
        assert list(curve.index) == sizes
        lo, hi = curve["lo95"].to_numpy(), curve["hi95"].to_numpy()
        assert (hi[:-1] < lo[1:]).all(), curve[["assurance", "lo95", "hi95"]]
    # it can never exceed the design prior's own probability of a benefit beyond 0.5 by more
    # than Monte Carlo error: infinite data would only recover the effect
    ceiling = float((-prior.mean_effect[:, 0] > 0.5).mean())
    top = res.table[(res.table["rule"] == "beyond") & (res.table["n"] == 96)]
    assert float(top["assurance"].iloc[0]) < ceiling + 0.03


def test_normal_prior_analysis_matches_direct_integration():
    design = future_designs("williams", treatments="PAB", reference="P", n_days=1)[0]
    plan = within_plan(design, 7)
    rng = np.random.default_rng(3)
    effect = np.where(design.cell_treatments(7) == 1, -1.0, 0.0)
    cells = rng.normal(size=(2, 7, 3)) + effect[None]
    estimate, rss = fit_cells(plan, cells)
    thresholds = [0.0, 0.5, 1.0]
    prior = AnalysisPrior("normal", mu=0.3, sigma=0.5)
    fast = posterior_beyond(plan, estimate, rss, prior=prior, sign=-1, thresholds=thresholds)
    # flat on subjects and periods, p(sigma^2) ~ 1/sigma^2: integrating sigma^2 out leaves
    # [RSS + (b - est)' V^-1 (b - est)]^(-(df + 2) / 2) times the normal prior (2 contrasts)
    inv, df, h = np.linalg.inv(plan.contrast_cov), plan.df, 0.005
    grid = np.arange(-4.0, 4.0, h) + h / 2
    b1, b2 = np.meshgrid(grid, grid, indexing="ij")
    for i in range(2):
        dev = np.stack([b1 - estimate[i, 0], b2 - estimate[i, 1]], axis=-1)
        quad = np.einsum("...i,ij,...j->...", dev, inv, dev)
        log = -(df + 2) / 2 * np.log(rss[i] + quad)
        log += stats.norm.logpdf(b1, 0.3, 0.5) + stats.norm.logpdf(b2, 0.3, 0.5)
        w = np.exp(log - log.max())
        w /= w.sum()
        for k, t in enumerate(thresholds):
            assert fast[i, 0, k] == pytest.approx(w[-b1 > t].sum(), abs=2e-4)
            assert fast[i, 1, k] == pytest.approx(w[-b2 > t].sum(), abs=2e-4)
    # a very wide normal prior gives the flat prior's Student-t
    flat = posterior_beyond(
        plan, estimate, rss, prior=AnalysisPrior("flat"), sign=-1, thresholds=thresholds
    )
    wide = AnalysisPrior("normal", mu=0.0, sigma=1e4)
    assert np.allclose(
        posterior_beyond(plan, estimate, rss, prior=wide, sign=-1, thresholds=thresholds),
        flat,
        atol=1e-4,
    )


def test_within_subject_estimates_match_least_squares_with_subject_dummies():
    design = future_designs("williams", treatments="PAB", reference="P", n_days=1)[0]
    n = 8  # unbalanced: 2 sequences get a second subject
    plan = within_plan(design, n)
    rng = np.random.default_rng(5)
    cells = rng.normal(size=(3, n, 3)) + rng.normal(size=(3, n, 1))
    estimate, rss = fit_cells(plan, cells)
    treat = design.cell_treatments(n).ravel()
    x = np.column_stack(
        [
            np.repeat(np.eye(n), 3, axis=0),
            np.tile(np.eye(3)[:, 1:], (n, 1)),
            (treat[:, None] == np.array([1, 2])).astype(float),
        ]
    )
    for i in range(3):
        coef, res, *_ = np.linalg.lstsq(x, cells[i].ravel(), rcond=None)
        assert np.allclose(estimate[i], coef[-2:])
        assert rss[i] == pytest.approx(float(res[0]))
    cov = np.linalg.inv(x.T @ x)[-2:, -2:]
    assert np.allclose(plan.contrast_cov, cov)
    assert plan.df == x.shape[0] - x.shape[1]


def test_simulated_cell_means_have_the_distribution_of_simulated_readings():
    """The fast path's sufficient statistics against means of full AR(1) readings."""
    prior = DesignPrior.from_values(
        effects={"A": -1.0}, sigma=1.2, sigma_subject_period=0.4, phi=0.6, n_days=12,
        reference="P", sigma_subject=2.0,
    )  # fmt: skip
    design = future_designs("2x2", treatments="PA", reference="P", n_days=12)[0]
    plan = within_plan(design, 6)
    rng = np.random.default_rng(8)
    estimates = []
    for _ in range(1500):
        frame, clipped = simulate_readings(prior, 0, design, 6, rng=rng, bounds=(-1e9, 1e9))
        cells = frame["pain"].to_numpy().reshape(1, 6, 2, 12).mean(axis=-1)
        estimates.append(fit_cells(plan, cells)[0][0, 0])
    estimates = np.array(estimates)
    sd = math.sqrt(float(prior.cell_variance[0]) * plan.contrast_cov[0, 0])
    assert sd == pytest.approx(math.sqrt((0.4**2 + _ar1_mean_variance(1.2, 0.6, 12)) * 2 / 6))
    assert abs(estimates.mean() + 1.0) < 4 * sd / math.sqrt(len(estimates))
    # the SD of an SD estimate from m normal draws has relative SE ~ 1 / sqrt(2 m)
    assert estimates.std() == pytest.approx(sd, rel=4 / math.sqrt(2 * len(estimates)))


def test_designs_and_allocation():
    (w,) = future_designs("williams", treatments=["p", "k", "m"], reference="p", n_days=35)
    assert sorted(w.sequences) == sorted(
        tuple(s) for s in __import__("itertools").permutations(["p", "k", "m"])
    )
    assert w.counts(14).tolist() == [3, 3, 2, 2, 2, 2]
    two = future_designs("2x2", treatments=["p", "k", "m"], reference="p", n_days=35)
    assert [d.treatments for d in two] == [("p", "k"), ("p", "m")]
    same = future_designs(
        "same", treatments=["p", "k"], reference="p", n_days=3, fitted_sequences=[("k", "p")] * 2
    )
    assert same[0].sequences == (("k", "p"),)
    with pytest.raises(SpecError, match="cannot separate"):
        within_plan(same[0], 6)  # one sequence: treatment and period are confounded
    with pytest.raises(SpecError, match="no residual degrees of freedom.*n >= 3"):
        within_plan(w, 2)
    # one Williams construction: planning's index squares are the data layer's, on indices
    for t in (2, 3, 4, 5):
        assert williams_sequences(t) == [list(r) for r in williams_orders(range(t))]
    with pytest.raises(SpecError, match="at least 2 treatments"):
        williams_sequences(1)


def test_decay_analysis_prior_matches_monte_carlo_of_the_mean_effect():
    spec = load_spec("daily_decay")
    got = analysis_prior(spec, None, n_days=35)
    priors = resolve_priors(spec)
    rng = np.random.default_rng(0)
    m = 400_000
    a = rng.normal(
        priors["treatment_effect"].params["mu"], priors["treatment_effect"].params["sigma"], m
    )  # noqa: E501
    b = rng.normal(0.0, priors["effect_transient"].params["sigma"], m)
    tau = np.exp(rng.normal(priors["tau"].params["mu"], priors["tau"].params["sigma"], m))
    fade = (1 - np.exp(-35 / tau)) / (1 - np.exp(-1 / tau)) / 35  # mean of exp(-t/tau), t<35
    mean = a + b * fade
    assert got.mu == pytest.approx(mean.mean(), abs=0.01)
    assert got.sigma == pytest.approx(mean.std(), rel=0.01)
    assert got.sigma > priors["treatment_effect"].params["sigma"]


def test_bad_input_is_refused_before_anything_runs(tmp_path):
    prior = DesignPrior.from_values(effects={"A": -1.0}, sigma=1.0, reference="P")
    run = dict(sims=10, scheduler="serial")
    with pytest.raises(SpecError, match="n must be an integer >= 2"):
        bk.assurance(prior, n=[12, 1], **run)
    for bad in (0.0, 1.0, 1.5, float("nan")):
        with pytest.raises(SpecError, match=r"prob must be a number in \(0, 1\)"):
            bk.assurance(prior, n=12, prob=bad, **run)
    with pytest.raises(SpecError, match="threshold must be >= 0.*lower pain is better"):
        bk.assurance(prior, n=12, threshold=-1.0, **run)
    higher = bk.Outcome(better="higher", preset=None)
    with pytest.raises(SpecError, match="higher pain is better"):
        bk.assurance(prior, n=12, threshold=-0.5, outcome=higher, **run)
    with pytest.raises(SpecError, match="design must be one of"):
        bk.assurance(prior, n=12, design="parallel", **run)
    with pytest.raises(SpecError, match="scheduler must be"):
        bk.assurance(prior, n=12, sims=10, scheduler="threads")
    with pytest.raises(SpecError, match="sims must be"):
        bk.assurance(prior, n=12, sims=0, scheduler="serial")
    with pytest.raises(SpecError, match="n = 2 leaves no residual"):
        bk.assurance(prior, n=2, design="2x2", **run)
    with pytest.raises(SpecError, match="needs proper analysis priors"):
        bk.assurance(prior, n=12, analysis_priors="flat", exact=1, **run)
    with pytest.raises(SpecError, match="needs a normal treatment_effect prior"):
        bk.assurance(
            prior, n=12, analysis_priors={"treatment_effect": {"dist": "student_t", "nu": 3,
                                                               "mu": 0, "sigma": 1}}, **run,
        )  # fmt: skip
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="is not a fit folder"):
        bk.assurance(tmp_path / "empty", n=12, **run)
    ordinal = DesignPrior.from_values(effects={"A": -1.0}, sigma=1.0, spec="daily")
    from bayes_keta.planning.prior import _check_supported

    _check_supported(ordinal.spec)  # daily is fine
    with pytest.raises(SpecError, match="Gaussian specs.*'ordinal'"):
        _check_supported(load_spec("daily_ordinal"))
    with pytest.raises(SpecError, match="carryover"):
        _check_supported(load_spec("daily", carryover=True))


def test_higher_is_better_outcome_flips_the_direction():
    prior = DesignPrior.from_values(effects={"A": 1.5}, sigma=1.0, reference="P")
    kw = dict(n=12, design="2x2", sims=500, scheduler="serial", analysis_priors="flat")
    lower = bk.assurance(prior, **kw).table
    higher = bk.assurance(prior, outcome=bk.Outcome(better="higher", preset=None), **kw).table
    assert lower["assurance"].max() == 0.0  # an increase is harm when lower is better
    assert higher.set_index("rule").loc["benefit", "assurance"] > 0.9


def test_record_is_valid_and_says_what_was_done():
    prior = DesignPrior.from_values(effects={"A": -1.0}, sigma=1.0, reference="P")
    res = bk.assurance(prior, n=[8, 16], design="2x2", sims=600, seed=4, scheduler="serial")
    from bayes_keta.planning.record import validate_record

    validate_record(res.record)
    run = res.record["run"]
    assert run["tasks"] == 4 and run["chunk"] == 500 and run["seed"] == 4
    assert "SeedSequence([seed, stream, n, task])" in run["seed_rule"]
    assert res.record["designs"][0]["per_n"][0]["residual_df"] == 6
    assert res.record["analysis"]["prior"]["description"] == "treatment_effect normal(0, 2)"
    assert [r["text"] for r in res.record["rules"]] == [
        "P(benefit > 1 points) > 0.9",
        "P(benefit) > 0.975",
    ]
    assert list(res.table.columns[:6]) == ["n", "active", "reference", "assurance", "lo95", "hi95"]
    again = bk.assurance(prior, n=[8, 16], design="2x2", sims=600, seed=4, scheduler="serial")
    assert again.table.equals(res.table)
    other = bk.assurance(prior, n=[8, 16], design="2x2", sims=600, seed=5, scheduler="serial")
    assert not other.table["successes"].equals(res.table["successes"])
