"""Real published crossovers on their own scales, against REML mixed models (statsmodels).

* Senn's migraine trial (Cross-over Trials in Clinical Research, 2nd ed. 2002): pain on a
  0-100 VAS, one reading per period (3 treatments, 3 periods, 33 subjects, 6 missing):
  ``auc.toml`` against ``vas ~ treatment + period + (1 | subject)``.
* Jones & Kenward's systolic blood pressure (Design and Analysis of Cross-Over Trials, 3rd ed.
  2014): mmHg, unbounded, eight post-dose readings per period (hours 15..140 mapped to reading
  1..8; the two pre-dose readings are left out, not used as a baseline): ``daily.toml`` against
  ``sbp ~ treatment + period + (1 | subject) + (1 | subject:period)``. Treatment A is taken as
  the reference (the data do not name a placebo).

The files are read from ``$BAYES_KETA_REAL_DATA`` or ``<repo>/../shared/data/real`` (never
copied into the project); the tests skip, saying so, when they are absent. The agreement is
checked with wide treatment and period priors (10 reference points: 100 mm on the VAS), so
that the comparison is of likelihoods, not of the default priors' shrinkage (about 9% on the
migraine effects, whose SE is 0.3 of the default prior SD); the default-prior fits must pass
the gate and report ``p_beyond`` at the declared thresholds.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import pandas as pd
import pytest

import bayes_keta as bk

ROOT = Path(__file__).resolve().parents[1]
REAL = Path(os.environ.get("BAYES_KETA_REAL_DATA") or ROOT.parent / "shared" / "data" / "real")
MIGRAINE = REAL / "migraine_senn2002.csv"
PRESSURE = REAL / "blood_pressure_jones_kenward.csv"
WIDE = {"treatment_effect": {"sigma": 10.0}, "period_effect": {"sigma": 10.0}}
SAMPLING = {"draws": 1000, "tune": 1000, "chains": 4, "seed": 20200701}
BP_OUTCOME = {
    "column": "sbp",
    "label": "Systolic blood pressure",
    "units": "mmHg",
    "better": "lower",
    "thresholds": [2, 5, 10],
    "rope": 2,
    "reading": "reading",
}


def _need(path: Path) -> Path:
    if not path.is_file():
        pytest.skip(f"{path} not available (set BAYES_KETA_REAL_DATA to the real-data folder)")
    return path


def migraine() -> bk.Trial:
    raw = pd.read_csv(_need(MIGRAINE))  # no day column: one reading per period
    outcome = {"preset": "vas_0_100", "column": "vas", "reading": "period"}
    return bk.load_trial(raw, treatments="P,D1,D2", reference="P", outcome=outcome)


def pressure() -> bk.Trial:
    raw = pd.read_csv(_need(PRESSURE))
    post = raw[raw["hours"] > 0].rename(columns={"blood pressure": "sbp"})
    post = post.assign(day=post.groupby(["subject", "period"])["hours"].rank().astype(int))
    columns = ["subject", "period", "treatment", "day", "sbp", "sequence"]
    return bk.load_trial(post[columns], treatments="A,B,C", outcome=BP_OUTCOME, name="bp")


def _reml(trial: bk.Trial, *, cells: bool) -> pd.DataFrame:
    """REML estimates and SEs of each active arm vs the reference (outcome units)."""
    import statsmodels.formula.api as smf

    obs = trial.observations.assign(cell=lambda d: d["subject"] + ":" + d["period"].astype(str))
    formula = f"pain ~ C(treatment, Treatment({trial.reference!r})) + C(period)"
    extra = {"vc_formula": {"cell": "0 + C(cell)"}, "re_formula": "1"} if cells else {}
    with warnings.catch_warnings():  # the migraine subject variance sits on its boundary
        warnings.simplefilter("ignore")
        fitted = smf.mixedlm(formula, obs, groups=obs["subject"], **extra).fit(reml=True)
    rows = []
    for arm in trial.actives:
        name = f"C(treatment, Treatment({trial.reference!r}))[T.{arm}]"
        rows.append({"active": arm, "reml": fitted.params[name], "se": fitted.bse[name]})
    return pd.DataFrame(rows).set_index("active")


def _agreement(fit: bk.FitResult, reml: pd.DataFrame) -> pd.DataFrame:
    table = fit.contrasts()
    mean = table[(table.estimand == "mean_daily_difference") & (table.reference == fit.reference)]
    out = reml.join(mean.set_index("active")["mean"])
    return out.assign(z=(out["mean"] - out["reml"]) / out["se"])


def _gate_and_thresholds(fit: bk.FitResult, thresholds: tuple[float, ...]) -> None:
    assert fit.diagnostics().passed, fit.diagnostics().text
    summary = fit.summary()
    scale = fit.outcome.scale_name
    rows = [c for c in summary["contrasts"] if c["scale"] == scale]
    assert rows and all(list(c["p_beyond"]) == [f"{t:.1f}" for t in thresholds] for c in rows)
    assert summary["outcome"]["thresholds"] == list(thresholds)


def test_migraine_loads_on_its_own_scale_and_suits_only_the_auc():
    trial = migraine()
    assert trial.n_days == 1 and trial.outcome.units == "mm"
    assert int(trial.data["pain"].isna().sum()) == 6
    assert trial.data["pain"].max() > 10  # not rescaled to 0-10
    design = bk.design_summary(trial).design
    assert design.name == "3x3 Williams" and design.one_reading
    with pytest.raises(bk.SpecError, match="specs that suit this design: models/auc.toml"):
        bk.fit(trial, "daily", draws=10, tune=10, chains=1)


@pytest.mark.slow
def test_migraine_auc_agrees_with_reml_in_mm():
    trial = migraine()
    reml = _reml(trial, cells=False)
    wide = bk.fit(trial, "auc", priors=WIDE, **SAMPLING)
    agreement = _agreement(wide, reml)
    assert (agreement["z"].abs() < 0.25).all(), agreement
    default = bk.fit(trial, "auc", **SAMPLING)
    _gate_and_thresholds(default, (10.0, 13.0, 20.0))
    assert wide.diagnostics().passed
    assert default.record.prior_scaling["factor"] == 10.0
    assert default.record.missing_data["n_cells_dropped"] == 6


@pytest.mark.slow
def test_blood_pressure_daily_agrees_with_reml_in_mmhg():
    trial = pressure()
    assert trial.n_days == 8 and not trial.outcome.bounded
    reml = _reml(trial, cells=True)
    wide = bk.fit(trial, "daily", priors=WIDE, **SAMPLING)
    agreement = _agreement(wide, reml)
    assert (agreement["z"].abs() < 0.25).all(), agreement
    default = bk.fit(trial, "daily", **SAMPLING)
    assert (_agreement(default, reml)["z"].abs() < 0.25).all()
    _gate_and_thresholds(default, (2.0, 5.0, 10.0))
    assert default.record.prior_scaling["rule"] == "data_sd"
