"""Text about a declared outcome says what it is, not 0-10 daily pain: the design summary of
weekly readings, the LOO caveat of a discrete likelihood, and the prior sweep, which follows
the outcome and refuses only one whose priors cannot be scaled, before sampling (no sampling
here)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import DataError
from bayes_keta.report.loo import LooResult, loo_comparison

QOL = {
    "column": "qol",
    "label": "Quality of life (0-100)",
    "noun": "quality of life",
    "units": "points",
    "lower": 0,
    "upper": 100,
    "better": "higher",
    "reading": "week",
    "thresholds": [5, 10],
}


def _qol_frame(*, seed=4):
    frame = bk.simulate_trial(
        n_subjects=24, n_days=14, seed=seed, missing_rate=0.0, mu=60, bounds=(0, 100),
        sd_subject=15, sd_residual=8,
    )  # fmt: skip
    late = np.random.default_rng(0).random(len(frame)) < (frame["day"] - 1) / 20
    frame.loc[late, "pain"] = np.nan  # later weeks missing more often
    return frame.rename(columns={"pain": "qol"})


def test_design_summary_of_weekly_readings_speaks_of_weeks():
    summary = bk.design_summary(bk.load_trial(_qol_frame(), outcome=QOL))
    (warning,) = summary.warnings
    assert warning.startswith("WARNING: completion depends on the week (from ")
    assert "% on week 1 to " in warning and "well-completed weeks" in warning
    text = summary.text
    assert "mean quality of life" in text and "Missing readings by week" in text
    for wrong in ("pain", "on day ", "the day", " days", "NRS"):
        assert wrong not in text, wrong


def _loo(name, shift, *, discrete, rng):
    import arviz_stats as azs
    import xarray as xr

    tree = xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"mu": (("chain", "draw"), rng.normal(size=(2, 100)))}),
            "log_likelihood": xr.Dataset(
                {"pain": (("chain", "draw", "obs"), rng.normal(-1.5 - shift, 0.1, (2, 100, 30)))}
            ),
            "observed_data": xr.Dataset({"pain": (("obs",), rng.normal(size=30))}),
        }
    )
    return LooResult(name, "pain", 30, azs.loo(tree, var_name="pain"), 0, discrete=discrete)


@pytest.mark.parametrize(
    ("outcome", "words"),
    [
        (None, "outside the outcome's bounds 0-10,"),
        (bk.Outcome.vas_0_100(), "outside the outcome's bounds 0-100,"),
        (bk.Outcome(lower=0.0, upper=None, preset=None), "beyond the recorded scores,"),
    ],
)
def test_loo_caveat_of_a_discrete_likelihood_names_the_outcomes_bounds(outcome, words):
    rng = np.random.default_rng(0)
    results = {
        "daily": _loo("daily", 0.0, discrete=False, rng=rng),
        "daily_ordinal": _loo("daily_ordinal", 0.1, discrete=True, rng=rng),
    }
    table, notes = loo_comparison(results, outcome=outcome)
    assert list(table.index) == ["daily", "daily_ordinal"]
    (caveat,) = [n for n in notes if n.startswith("Caveat")]
    assert words in caveat
    if outcome is not None:
        assert "0-10," not in caveat


def test_a_prior_sweep_refuses_only_an_outcome_it_cannot_scale_before_sampling(tmp_path, capsys):
    from bayes_keta.sweep.outcome import check_sweep_outcome

    frame = bk.simulate_trial(n_subjects=6, n_days=3, seed=1, mu=50, bounds=(0, 100))
    vas = bk.load_trial(frame, outcome="vas_0_100")
    assert check_sweep_outcome(vas).factor == 10.0  # a VAS is swept, on its own scale
    nrs = frame.assign(pain=(frame["pain"] / 10).round()).drop(columns="baseline_pain")
    relabelled = bk.load_trial(nrs.rename(columns={"pain": "score"}), outcome={"column": "score"})
    assert check_sweep_outcome(relabelled).is_identity  # the NRS under another name
    flat = nrs.assign(pain=4.0)  # no bounds and no spread: nothing to scale the priors by
    outcome = bk.Outcome(scale_name="x", label="X", units="u", lower=None, upper=None,
                         preset=None)  # fmt: skip
    with pytest.raises(DataError, match="cannot scale the priors to 'X'"):
        bk.prior_sweep(bk.load_trial(flat, outcome=outcome), "daily", scheduler="serial")
    data = tmp_path / "flat.csv"
    flat.to_csv(data, index=False)
    design = tmp_path / "design.toml"
    toml = '[outcome]\nlabel = "X"\nunits = "u"\nbetter = "lower"\nthresholds = [1]\n'
    design.write_text(toml, encoding="utf-8")
    out = tmp_path / "report"
    args = ["report", str(data), "--design", str(design), "--with-sweep", "default"]
    code = main([*args, "--out", str(out)])
    assert code == 3 and "cannot scale the priors" in capsys.readouterr().err
    assert not Path(out).exists() or not any(Path(out).rglob("*.nc"))  # nothing was fitted


def test_report_words_weekly_readings_per_reading_not_daily():
    import dataclasses

    from fake_fits import fake_fit

    from bayes_keta.report import assemble, collect, render_html

    weekly = bk.Outcome(
        scale_name="qol", label="Quality of life", noun="quality of life", units="units",
        lower=None, upper=None, better="higher", thresholds=(5.0, 10.0), rope=2.0,
        reading="week", auc_units=None, sources=(), preset=None,
    )  # fmt: skip
    trial = dataclasses.replace(bk.ketapain_synthetic(), outcome=weekly, flagship=False)
    fits = {"daily": fake_fit(trial, effects={"ketamine": 3.0, "ketamine_magnesium": 1.0})}
    data = collect(trial, fits, main="daily", command="pytest", adverse_events=False)
    html = render_html(assemble(data))
    assert "the per-reading ones (units) times the readings per period" in html
    assert "the daily ones" not in html


def test_contrast_text_of_a_constant_effect_speaks_of_the_outcomes_readings():
    from fake_fits import fake_tree

    from bayes_keta.estimands.text import summarize_contrasts

    weekly = bk.Outcome.from_table({**QOL, "column": "pain"})
    text = summarize_contrasts(fake_tree(n_days=8), outcome=weekly).text
    assert "constant over the weeks of a period (arm_mean does not vary by week)" in text
    assert "infusion" not in text and "single-week estimands" in text


def test_fit_prints_benefit_columns_and_readings_of_a_higher_is_better_weekly_outcome(
    tmp_path, monkeypatch, capsys
):
    from fake_fits import fake_cli_sampling, fake_fit, fake_tree

    def run(options):
        trial = options["trial"]
        effects = {t: 3.0 for t in trial.actives}
        tree = fake_tree(n_days=trial.n_days, treatments=trial.treatments, effects=effects)
        return fake_fit(trial, tree, spec=options["spec"])

    fake_cli_sampling(monkeypatch, run)
    data = tmp_path / "qol.csv"
    _qol_frame().drop(columns="adverse_event", errors="ignore").to_csv(data, index=False)
    design = tmp_path / "design.toml"
    lines = [f"{k} = {v!r}".replace("'", '"') for k, v in QOL.items()]
    design.write_text("[outcome]\n" + "\n".join(lines) + "\n", encoding="utf-8")
    args = ["fit", str(data), "--design", str(design), "--model", "daily"]
    assert main([*args, "--out", str(tmp_path / "fit")]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if line.startswith("contrast"))
    assert header.split()[-3:] == ["P(>0)", "P(>", "t)"]  # benefit is an increase
    assert "constant over the weeks of a period" in out and "over days" not in out
    row = next(line for line in out.splitlines() if "mean_daily_difference" in line)
    assert row.split()[-3] == "1.00"  # P(benefit) of a +3 effect
