"""Assurance from a real (small) fit: the adapter, a null fit, the command line, a real Dask
cluster, and the NUTS check of the fast analysis.

One fit of the embedded SYNTHETIC trial (no treatment effect) is made per module (~10 s).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from dask_cluster import real_dask_cluster

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.planning import DesignPrior, design_prior_from_fit
from bayes_keta.planning.record import validate_record

#: Every test here reads a real fit of the embedded trial (a module fixture samples it).
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def null_fit(tmp_path_factory) -> Path:
    """A saved ``daily`` fit of the embedded synthetic trial (no effect), small draws."""
    out = tmp_path_factory.mktemp("fits") / "daily"
    fit = bk.fit(
        bk.ketapain_synthetic(),
        "daily",
        draws=250,
        tune=250,
        chains=2,
        seed=1,
        prior_draws=0,
        posterior_predictive=False,
    )
    fit.save(out)
    return out


def test_design_prior_reads_the_fit(null_fit):
    prior = design_prior_from_fit(null_fit)
    saved = bk.load_fit(null_fit)
    post = saved.datatree["posterior"]
    assert prior.treatments == tuple(saved.record.data.treatments)
    assert prior.reference == saved.record.data.reference == "placebo"
    assert prior.n_draws == 500 and prior.n_days == 35
    assert prior.spec.sha256 == saved.record.model.sha256  # spec rebuilt exactly
    effect = post["treatment_effect"].sel(active="ketamine").to_numpy().ravel()
    assert np.allclose(prior.mean_effect[:, 0], effect)
    assert np.allclose(prior.sigma, post["sigma"].to_numpy().ravel())
    # the 20 subjects of the embedded trial use all 6 orderings of the 3 treatments
    assert len(prior.sequences) == 6 and all(len(set(s)) == 3 for s in prior.sequences)
    point = prior.point()
    assert point.n_draws == 1 and point.kind == "point"
    assert point.sigma[0] == pytest.approx(prior.sigma.mean())


def test_null_fit_gives_assurance_near_zero_for_a_one_point_benefit(null_fit):
    res = bk.assurance(null_fit, n=[12, 48], threshold=1.0, prob=0.9, sims=2000, seed=2)
    beyond = res.table[res.table["rule"] == "beyond"]
    assert len(beyond) == 4
    assert (beyond["hi95"] < 0.05).all(), beyond
    # and never above the design prior's own probability of a 1-point benefit (+ MC error)
    prior = design_prior_from_fit(null_fit)
    for k, active in enumerate(prior.actives):
        ceiling = float((prior.mean_effect[:, k] < -1.0).mean())
        got = beyond.loc[beyond["active"] == active, "assurance"].max()
        assert got <= ceiling + 3 * math.sqrt(0.25 / 2000)


def test_cli_writes_validated_outputs_and_refuses_bad_input(null_fit, tmp_path, capsys):
    out = tmp_path / "assurance"
    args = ["assurance", str(null_fit), "--n", "12,24", "--sims", "300", "--out", str(out)]
    assert main([*args, "--scheduler", "serial", "--report", "--quiet"]) == 0
    text = capsys.readouterr().out
    assert "SYNTHETIC DATA" in text and "ketamine vs placebo" in text
    table = pd.read_csv(out / "assurance.csv")
    assert list(table.columns[:6]) == ["n", "active", "reference", "assurance", "lo95", "hi95"]
    assert sorted(set(table["n"])) == [12, 24] and (table["sims"] == 300).all()
    record = json.loads((out / "assurance.json").read_text())
    validate_record(record)
    assert record["fit"]["data_synthetic"] is True
    assert record["provenance"]["command"].startswith("bayes-keta assurance ")
    assert (out / "assurance.png").stat().st_size > 1000
    assert "Designing the next trial (assurance)" in (out / "assurance_report.md").read_text()
    assert 'id="assurance"' in (out / "assurance_report.html").read_text()
    # the same numbers from the API, whatever the scheduler
    again = bk.assurance(null_fit, n=[12, 24], sims=300, scheduler="local", workers=2)
    assert (again.table["successes"].to_numpy() == table["successes"].to_numpy()).all()
    assert np.allclose(again.table["hi95"], table["hi95"], rtol=1e-12)

    def refused(extra: list[str], code: int, message: str, base=args) -> None:
        try:
            got = main([*base, *extra])
        except SystemExit as exit:  # argparse usage errors
            got = exit.code
        assert got == code
        err = capsys.readouterr().err
        assert message in err, err
        assert "Traceback" not in err

    refused([], 6, "refusing to overwrite")
    new = ["assurance", str(null_fit), "--out", str(tmp_path / "x")]
    refused(["--n", "12,1"], 2, "each n must be an integer >= 2", base=new)
    refused(["--n", "12", "--prob", "1"], 2, "must be a number in (0, 1)", base=new)
    refused(["--n", "12", "--prob", "0"], 2, "must be a number in (0, 1)", base=new)
    refused(["--n", "12", "--threshold", "-1"], 2, "its direction comes from the outcome", new)
    refused(["--n", "12", "--sims", "0"], 2, "--sims", base=new)
    refused(["--n", "2"], 4, "n = 2 leaves no residual degrees of freedom", base=new)
    not_a_fit = ["assurance", str(tmp_path), "--n", "12", "--out", str(tmp_path / "y")]
    refused([], 3, "is not a fit folder", base=not_a_fit)
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and one ``dask worker`` on 127.0.0.1 (separate processes)."""
    with real_dask_cluster(tmp_path, workers=1) as address:
        yield address


def test_cluster_run_equals_local_run_exactly(null_fit, dask_cluster):
    kw = dict(n=[12, 30], sims=1200, seed=7, design="williams")
    remote = bk.assurance(null_fit, scheduler=dask_cluster, **kw)
    local = bk.assurance(null_fit, scheduler="local", **kw)
    serial = bk.assurance(null_fit, scheduler="serial", **kw)
    assert remote.record["run"]["scheduler"] == dask_cluster
    assert remote.record["run"]["tasks"] == 6  # 3 chunks of 500/500/200 per n
    for other in (local, serial):
        assert remote.table.equals(other.table)


@pytest.mark.slow
def test_fast_analysis_agrees_with_full_nuts_on_the_same_trials():
    prior = DesignPrior.from_values(
        effects={"ketamine": -0.8}, sigma=0.7, sigma_subject_period=0.5, sigma_subject=0.5,
        n_days=7,
    )  # fmt: skip
    k = 20
    res = bk.assurance(
        prior, n=12, design="2x2", threshold=0.5, prob=0.8, sims=500, exact=k, seed=3,
        scheduler="serial",
    )  # fmt: skip
    exact = res.exact
    assert len(exact) == 2 * k and exact["clipped"].max() == 0.0
    diff = (exact["p_fast"] - exact["p_exact"]).abs()
    # paired: the same readings analysed twice; NUTS's own Monte Carlo error of a posterior
    # probability from 2 x 1000 draws is at most about 0.5 / sqrt(ESS ~ 500) = 0.02
    assert diff.mean() < 0.02 and diff.max() < 0.06, exact
    beyond = exact.loc[exact["rule"] == "beyond", "p_exact"]
    assert beyond.min() < 0.7 and beyond.max() > 0.9  # trials on both sides of the rule
    for row in res.record["exact"]["summary"]:
        mc = 2 * math.sqrt(0.25 / row["sims"])
        assert abs(row["assurance_fast"] - row["assurance_exact"]) <= mc


@pytest.mark.slow
def test_cli_exact_writes_the_paired_table(null_fit, tmp_path):
    out = tmp_path / "exact"
    args = ["assurance", str(null_fit), "--n", "6", "--sims", "50", "--exact", "1"]
    assert main([*args, "--scheduler", "serial", "--out", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "assurance_exact.csv")
    assert len(table) == 2 * 2 and set(table["active"]) == {"ketamine", "ketamine_magnesium"}
    record = json.loads((out / "assurance.json").read_text())
    assert record["exact"]["summary"][0]["sims"] == 1
    assert 0.0 <= record["exact"]["clipped_fraction"] < 0.5
