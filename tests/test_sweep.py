"""Prior-sensitivity sweeps: grid parsing (no sampling) and tiny real sweeps (slow)."""

from __future__ import annotations

import json

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import xarray as xr
from dask_cluster import real_dask_cluster

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import OutputError, SpecError
from bayes_keta.fitting import cache_info
from bayes_keta.spec import load_spec
from bayes_keta.sweep import SWEEP_ESTIMANDS, THRESHOLD_COLUMNS, load_grid, setting_seed
from bayes_keta.sweep.output import OUTPUT_FILES

# ------------------------------------------------------------------------------ grid parsing


def test_default_grid_has_the_documented_settings():
    settings = load_grid().settings(load_spec("daily"))
    names = [s.name for s in settings]
    assert len(settings) >= 9
    assert len(names) == len(set(names)) == 15
    kinds = pd.Series([s.kind for s in settings]).value_counts().to_dict()
    assert kinds == {"default": 1, "effect": 9, "hyper": 2, "set": 3}
    assert {"skeptical", "neutral", "enthusiastic", "hyper_x0.5", "hyper_x2"} <= set(names)


def test_grid_applies_to_other_specs_and_skips_missing_hyper_roles():
    spec = load_spec("daily").with_options(likelihood="student_t")
    assert len(load_grid().settings(spec)) == 15
    hyper = [s for s in load_grid().settings(spec) if s.name == "hyper_x2"][0]
    assert hyper.priors[0]["sigma_subject"]["sigma"] == pytest.approx(5.0)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"hyper": {"parameters": ["sigma_day"]}}, "valid: sigma_subject, sigma_subject_period"),
        ({"efect": {}}, "valid: name, description"),
        ({"effect": {"centres": [0], "scale": [1]}}, "valid: centres, scales"),
        ({"effect": {"centres": [0], "scales": [-1]}}, "must be > 0"),
        ({"effect": {"centres": [0]}}, "needs both centres and scales"),
        ({"sets": ["optimistic"]}, "unknown prior set"),
    ],
)
def test_bad_grids_are_refused_with_the_valid_names(raw, message):
    with pytest.raises(SpecError, match=message):
        load_grid({"name": "bad", **raw})


def test_custom_setting_naming_an_unknown_parameter_is_refused():
    grid = load_grid({"name": "c", "settings": [{"name": "x", "priors": {"tau": {"lam": 1}}}]})
    with pytest.raises(SpecError, match="does not have; its parameters"):
        grid.settings(load_spec("daily"))


def test_unknown_grid_name_and_bad_scheduler_are_refused(fixed_trial):
    with pytest.raises(SpecError, match="unknown grid 'nope'; available: default"):
        load_grid("nope")
    with pytest.raises(SpecError, match="scheduler must be"):
        bk.prior_sweep(fixed_trial, "daily", scheduler="threads", draws=5, tune=5)


def test_setting_seeds_depend_only_on_base_seed_and_name():
    assert setting_seed(7, "skeptical") == setting_seed(7, "skeptical")
    assert len({setting_seed(7, n) for n in ("a", "b", "c")}) == 3
    assert setting_seed(7, "a") != setting_seed(8, "a")


def test_cli_refuses_existing_outputs_before_sampling(tmp_path):
    (tmp_path / "sweep.csv").write_text("keep me")
    code = main(["sweep", "--out", str(tmp_path), "--draws", "5"])
    assert code == OutputError.exit_code
    assert (tmp_path / "sweep.csv").read_text() == "keep me"


# ----------------------------------------------------------------------------- real sweeps
#: 4 settings: default, tight enthusiastic / tight skeptical effect priors, variance scales x2.
TINY_GRID = """
name = "tiny"
[effect]
centres = [-1.0, 0.0]
scales = [0.1]
[hyper]
multipliers = [2.0]
"""
SAMPLING = ["--draws", "100", "--tune", "100", "--chains", "2", "--seed", "11", "--min-ess", "20"]


@pytest.mark.slow
def test_tiny_sweep_end_to_end(tmp_path, synthetic_trial):
    """One compile for the whole check (a single test keeps xdist from compiling twice)."""
    grid = tmp_path / "tiny.toml"
    grid.write_text(TINY_GRID)
    out = tmp_path / "out"
    before = cache_info()
    args = ["sweep", "--grid", str(grid), "--out", str(out), "--scheduler", "serial"]
    assert main([*args, *SAMPLING, "--no-progress"]) == 0
    after = cache_info()
    _check_files(out)
    _check_compiled_once(before, after, pd.read_csv(out / "sweep.csv"))
    _check_enthusiastic_beats_skeptical(pd.read_csv(out / "sweep.csv"))
    _check_local_dask_equals_serial(out, grid, synthetic_trial)


def _check_files(out):
    """All files, with the documented columns."""
    for name in OUTPUT_FILES.values():
        assert (out / name).stat().st_size > 0, name
    table = pd.read_csv(out / "sweep.csv")
    expected = {
        "setting", "kind", "prior_set", "prior_effect_mu", "prior_effect_sigma", "hyper_scale",
        "active", "reference", "estimand", "mean", "lo95", "hi95", "p_benefit",
        *THRESHOLD_COLUMNS, "passed", "max_rhat", "min_ess_bulk", "divergences", "method",
        "pareto_k", "reweight_ess",
    }  # fmt: skip
    assert expected <= set(table.columns)
    assert list(THRESHOLD_COLUMNS) == ["p_beyond_0.5", "p_beyond_1", "p_beyond_2"]
    assert table["setting"].nunique() == 4 and table["contrast"].nunique() == 3
    assert len(table) == 4 * 3 * len(SWEEP_ESTIMANDS)
    pd.testing.assert_frame_equal(
        pd.read_parquet(out / "sweep.parquet")[["mean", "p_beyond_1"]],
        table[["mean", "p_beyond_1"]],
    )
    # AUC rows use n_days x t: the same event as the mean daily difference beyond t.
    md = table[table["estimand"] == "mean_daily_difference"].reset_index(drop=True)
    auc = table[table["estimand"] == "auc_difference"].reset_index(drop=True)
    np.testing.assert_allclose(auc[list(THRESHOLD_COLUMNS)], md[list(THRESHOLD_COLUMNS)])
    np.testing.assert_allclose(auc["mean"], 35 * md["mean"])
    ds = xr.open_dataset(out / "sweep.nc", engine="h5netcdf")
    assert ds["mean"].dims == ("setting", "contrast", "estimand")
    assert ds["p_beyond"].dims == ("setting", "contrast", "estimand", "threshold")
    assert json.loads(ds.attrs["sampler"])["scheduler"] == "serial"
    record = json.loads((out / "sweep.json").read_text())
    assert record["grid"]["name"] == "tiny" and record["data_synthetic"] is True
    assert record["command"].startswith("bayes-keta sweep --model daily")
    assert [s["setting"] for s in record["settings"]] == list(ds["setting"].values)
    # how each setting was obtained: the default fitted, the others reweighted or refitted
    methods = table.drop_duplicates("setting").set_index("setting")["method"]
    assert methods["default"] == "fit"
    assert set(methods) <= {"fit", "reweighted", "refit"}
    assert record["method"]["name"] == "psis" and record["method"]["min_ess"] == 20
    assert list(ds["method"].values) == list(methods)
    for s in record["settings"]:
        if s["method"] == "refit":
            assert "Pareto k" in s["reason"] or "effective draws" in s["reason"]


def _check_compiled_once(before, after, table):
    fits = int((table.drop_duplicates("setting")["method"] != "reweighted").sum())
    assert after["misses"] - before["misses"] <= 1  # 0 if another test compiled it already
    assert after["hits"] - before["hits"] >= fits  # every NUTS fit reused the compiled model


def _check_enthusiastic_beats_skeptical(table):
    """A tight prior at -1 point moves P(beyond 1 point) up vs a tight prior at 0."""
    md = table[(table["estimand"] == "mean_daily_difference") & (table["reference"] == "placebo")]
    p = md.pivot(index="contrast", columns="setting", values="p_beyond_1")
    assert (p["effect_mu-1_sd0.1"] > p["effect_mu0_sd0.1"] + 0.1).all()
    means = md.pivot(index="contrast", columns="setting", values="mean")
    assert (means["effect_mu-1_sd0.1"] < means["effect_mu0_sd0.1"]).all()


def _check_local_dask_equals_serial(out, grid, trial):
    """Same seeds, same numbers, whatever the schedule (per-setting seeds from names)."""
    result = bk.prior_sweep(
        trial,
        "daily",
        grid=grid,
        draws=100,
        tune=100,
        chains=2,
        seed=11,
        scheduler="local",
        workers=2,
        min_ess=20,
        progress=False,
    )
    assert isinstance(result, bk.SweepResult)
    serial = pd.read_parquet(out / "sweep.parquet")
    numbers = [
        "mean", "lo95", "hi95", "p_benefit", *THRESHOLD_COLUMNS, "max_rhat", "seed", "method",
        "pareto_k", "reweight_ess",
    ]  # fmt: skip
    pd.testing.assert_frame_equal(result.table[numbers], serial[numbers], check_exact=True)
    assert result.provenance["sampler"]["scheduler"] == "local"
    assert "SYNTHETIC DATA" in result.text
    assert len(result.plot_heatmap().axes) == 3 + 1  # a panel per contrast plus the colour bar
    assert len(result.plot_tornado().axes) == 3
    plt.close("all")


# ------------------------------------------------------------------- reweighting vs refits
#: Near the default prior (reweighted), variance scales x2 (reweighted), and an effect prior
#: far from what the data say (fixed_trial: ketamine - placebo about -0.5 point): refitted.
RW_GRID = {
    "name": "rw",
    "hyper": {"multipliers": [2.0]},
    "settings": [
        {"name": "near", "priors": {"treatment_effect": {"mu": -0.5, "sigma": 1.5}}},
        {"name": "far", "priors": {"treatment_effect": {"mu": 2.0, "sigma": 0.25}}},
    ],
}
RW_SAMPLING = {"draws": 500, "tune": 500, "chains": 2, "scheduler": "serial", "progress": False}


@pytest.mark.slow
def test_reweighted_settings_agree_with_refits_and_far_ones_are_refitted(fixed_trial):
    swept = bk.prior_sweep(fixed_trial, "daily", grid=RW_GRID, seed=3, min_ess=100, **RW_SAMPLING)
    methods = swept.methods.set_index("setting")
    assert methods.loc["default", "method"] == "fit"
    assert methods.loc[["near", "hyper_x2"], "method"].tolist() == ["reweighted"] * 2
    assert (methods.loc[["near", "hyper_x2"], "pareto_k"] <= 0.7).all()
    assert methods.loc["far", "method"] == "refit"
    assert methods.loc["far", "pareto_k"] > 0.7
    assert methods.loc["far", "reason"].startswith("Pareto k")
    assert "Refitted with NUTS because reweighting was not reliable enough: far" in swept.text

    # every setting refitted with NUTS under other seeds: the reweighted rows agree within
    # Monte Carlo error (4 standard errors of the difference of two independent estimates)
    refits = bk.prior_sweep(fixed_trial, "daily", grid=RW_GRID, seed=4, refit_all=True,
                            **RW_SAMPLING)  # fmt: skip
    assert set(refits.table["method"]) == {"fit"}
    rw = swept.table.set_index(["setting", "contrast", "estimand"])
    fit = refits.table.set_index(["setting", "contrast", "estimand"])
    rows = [(s, c, "mean_daily_difference") for s in ("near", "hyper_x2")
            for c in rw.loc[s].index.get_level_values(0).unique()]  # fmt: skip
    for key in rows:
        a, b = rw.loc[key], fit.loc[key]
        inv_ess = 1 / a["reweight_ess"] + 1 / b["min_ess_bulk"]
        sd = (b["hi95"] - b["lo95"]) / 3.92
        assert abs(a["mean"] - b["mean"]) < 4 * sd * np.sqrt(inv_ess), key
        p = (a["p_benefit"] + b["p_benefit"]) / 2
        assert abs(a["p_benefit"] - b["p_benefit"]) < 4 * np.sqrt(p * (1 - p) * inv_ess) + 0.01
    # the far prior pulls the effect towards +2: the refit shows it (a reweighting could not)
    far = rw.loc[("far", "ketamine - placebo", "mean_daily_difference")]
    default = rw.loc[("default", "ketamine - placebo", "mean_daily_difference")]
    assert far["mean"] > default["mean"] + 1.0


@pytest.mark.slow
def test_reweighting_thresholds_are_honoured(fixed_trial):
    from bayes_keta.sweep import run_base

    spec = load_spec("daily")
    settings = load_grid(RW_GRID).settings(spec)
    options = {"draws": 300, "tune": 300, "chains": 2, "cores": 1, "seed": 5}
    strict = run_base(fixed_trial, spec, settings, min_ess=1.0, **options)
    far = next(r for r in strict["refit"] if r["setting"] == "far")
    assert far["pareto_k"] > 0.7 and strict["base"]["k_max"] == 0.7
    # a k_max above the far setting's k: it is reweighted instead (same base draws, same k)
    loose = run_base(fixed_trial, spec, settings, min_ess=1.0, k_max=far["pareto_k"] + 0.1,
                     **options)  # fmt: skip
    assert [r["setting"] for r in loose["refit"]] == []
    by_name = {p["setting"]: p for p in loose["points"]}
    assert by_name["far"]["method"] == "reweighted"
    assert by_name["far"]["pareto_k"] == far["pareto_k"]
    # more effective draws asked than any reweighting keeps: every setting but the base refits
    greedy = run_base(fixed_trial, spec, settings, min_ess=10_000.0, **options)
    assert sorted(r["setting"] for r in greedy["refit"]) == ["far", "hyper_x2", "near"]
    assert all("effective draws" in r["reason"] or "Pareto k" in r["reason"]
               for r in greedy["refit"])  # fmt: skip
    assert [p["setting"] for p in greedy["points"]] == ["default"]


# ------------------------------------------------------------- a real cluster (issue 19.3)


@pytest.fixture
def dask_cluster(tmp_path):
    """A real ``dask scheduler`` and two ``dask worker`` processes on 127.0.0.1."""
    with real_dask_cluster(tmp_path, workers=2) as address:
        yield address


@pytest.mark.slow
def test_worker_processes_give_the_serial_and_local_numbers_bit_for_bit(fixed_trial, dask_cluster):
    """Settings fitted on worker processes, in whatever order they land, equal the serial run.

    Both ways: every setting fitted with NUTS (the settings share two worker processes, so a
    setting may run first in a fresh process or after others), and the base fit reweighted
    (the base fit and its reweighting on a worker, the refit of ``far`` on another).
    """
    kw = {"grid": RW_GRID, "draws": 100, "tune": 100, "chains": 2, "seed": 9, "progress": False}
    columns = [
        "setting", "contrast", "estimand", "mean", "lo95", "hi95", "p_benefit",
        *THRESHOLD_COLUMNS, "max_rhat", "min_ess_bulk", "divergences", "method", "pareto_k",
        "reweight_ess", "seed",
    ]  # fmt: skip
    for options in ({"refit_all": True}, {"min_ess": 20}):
        remote = bk.prior_sweep(fixed_trial, "daily", scheduler=dask_cluster, **options, **kw)
        assert remote.provenance["sampler"]["scheduler"] == dask_cluster
        for scheduler in ("serial", "local"):
            other = bk.prior_sweep(fixed_trial, "daily", scheduler=scheduler, **options, **kw)
            pd.testing.assert_frame_equal(
                remote.table[columns], other.table[columns], check_exact=True
            )
    assert set(remote.table["method"]) == {"fit", "reweighted", "refit"}
