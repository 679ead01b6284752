"""The published adverse-event shares as independent binomials (summary level, no sampling)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import SpecError
from bayes_keta.published.adverse_events import APPROXIMATION, analyse_published_adverse_events

PUBLISHED = {"placebo": (2, 20), "ketamine": (4, 20), "ketamine_magnesium": (7, 20)}


def test_a_vague_prior_reproduces_the_published_proportions():
    """Haldane-like Beta(0.001, 0.001): posterior means are the published shares; a uniform
    prior's posterior mode is exactly the share."""
    vague = analyse_published_adverse_events(prior=(1e-3, 1e-3), draws=1000).arms
    published = bk.ketapain_published().arms.set_index("treatment")["adverse_event_pct"] / 100
    for row in vague.to_dict("records"):
        assert row["observed"] == published[row["active"]]
        assert row["mean"] == pytest.approx(published[row["active"]], abs=2e-4)
    uniform = analyse_published_adverse_events(prior=(1.0, 1.0), draws=1000).arms
    for row in uniform.to_dict("records"):
        x, n = PUBLISHED[row["active"]]
        a, b = 1 + x, 1 + n - x
        assert (a - 1) / (a + b - 2) == pytest.approx(x / n)  # the mode of Beta(a, b)
        assert row["mean"] == pytest.approx(a / (a + b))


def test_arm_posteriors_are_the_conjugate_betas():
    result = analyse_published_adverse_events(draws=1000)
    assert result.prior == (0.5, 0.5) == bk.constants.PUBLISHED_AE_PRIOR
    for row in result.arms.to_dict("records"):
        x, n = PUBLISHED[row["active"]]
        post = stats.beta(0.5 + x, 0.5 + n - x)
        assert (row["events"], row["n"]) == (x, n)
        assert row["mean"] == pytest.approx(post.mean())
        assert row["lo95"] == pytest.approx(post.ppf(0.025))
        assert row["hi95"] == pytest.approx(post.ppf(0.975))


def test_risk_differences_agree_with_a_direct_computation():
    result = analyse_published_adverse_events(draws=200_000, seed=3)
    table = result.table.set_index(["row", "active"])
    # P(p_active > p_placebo) by one-dimensional integration of the two Betas
    for arm in ("ketamine", "ketamine_magnesium"):
        x, n = PUBLISHED[arm]
        act, ref = stats.beta(0.5 + x, 0.5 + n - x), stats.beta(2.5, 18.5)
        grid = np.linspace(0, 1, 20001)
        exact = np.trapezoid(ref.pdf(grid) * act.sf(grid), grid)
        assert table.loc[("risk_difference", arm), "p_harm"] == pytest.approx(exact, abs=4e-3)
        assert table.loc[("risk_difference", arm), "mean"] == pytest.approx(
            act.mean() - ref.mean(), abs=2e-3
        )
        assert table.loc[("risk_ratio", arm), "reference"] == "placebo"
    assert analyse_published_adverse_events(seed=3, draws=2000).table.equals(
        analyse_published_adverse_events(seed=3, draws=2000).table
    )


def test_labelled_as_a_summary_level_approximation():
    result = analyse_published_adverse_events(draws=1000)
    assert result.notes[0] == APPROXIMATION and "ignoring the crossover pairing" in result.text
    assert result.to_dict()["notes"][0] == APPROXIMATION


def test_bad_priors_are_refused():
    with pytest.raises(SpecError, match="two positive numbers"):
        analyse_published_adverse_events(prior=(0.0, 1.0))
    with pytest.raises(SpecError, match="reference 'x' is not a published arm"):
        analyse_published_adverse_events(reference="x")


def test_cli_writes_the_adverse_event_table(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["published", "--out", str(out), "--ae-prior", "1,1"]) == 0
    table = pd.read_csv(out / "published_adverse_events.csv")
    assert list(table["row"]) == ["arm"] * 3 + ["risk_difference", "risk_ratio"] * 2
    settings = json.loads((out / "published_reanalysis.json").read_text())["settings"]
    assert settings["adverse_events"]["prior"] == {"dist": "beta", "alpha": 1.0, "beta": 1.0}
    assert "published_adverse_events.csv" in settings["outputs"]
    text = capsys.readouterr().out
    assert "Adverse events as published, Beta(1, 1) prior per arm" in text
    assert "summary-level approximation" in text
    with pytest.raises(SystemExit) as exit_:
        main(["published", "--out", str(tmp_path / "x"), "--ae-prior", "1"])
    assert exit_.value.code == 2


def test_user_estimates_have_no_adverse_events(tmp_path):
    data = tmp_path / "est.csv"
    data.write_text("active,reference,scale,estimate,se\ndrug,placebo,smd,-0.3,0.2\n")
    assert main(["published", "--data", str(data), "--out", str(tmp_path / "o")]) == 0
    assert not (tmp_path / "o" / "published_adverse_events.csv").exists()
