"""`bayes-keta export`: files, schemas, provenance, round trip, meta hand-off, likelihood-only.

Fast tests use fixed fake posteriors (no sampling); the ``slow`` ones use two small real fits
(2 chains x 300 draws, daily.toml on the embedded SYNTHETIC trial), sharing one compile.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.cli import main
from bayes_keta.exceptions import OutputError
from bayes_keta.export import EXPORT_FILES, export_fit, meta_summary, read_export, tidy_draws
from bayes_keta.export import write as export_write
from bayes_keta.export.likelihood import NormalEffects, gaussian_division
from bayes_keta.export.manifest import table_provenance
from bayes_keta.fitting import FitResult
from bayes_keta.summary import load_schema, validate_summary

KEY = ("ketamine", "placebo", "mean_daily_difference")


def _fake_fit(trial, *, effect: str = "constant", prior: dict | None = None, **kw) -> FitResult:
    tree = fake_tree(n_days=trial.n_days, n_chains=2, n_draws=200, seed=3, **kw)
    rng = np.random.default_rng(4)
    post = tree["posterior"].to_dataset()
    shape = (post.sizes["chain"], post.sizes["draw"])
    post["sigma_subject"] = (("chain", "draw"), 2.0 + 0.1 * rng.standard_normal(shape))
    post["sigma_subject_period"] = (("chain", "draw"), 1.5 + 0.1 * rng.standard_normal(shape))
    tree["posterior"] = xr.DataTree(post)
    spec = {"constant": "daily", "decay": "daily_decay"}[effect]  # only the structure matters
    priors = {"treatment_effect": prior or {"dist": "normal", "mu": 0.0, "sigma": 2.0}}
    return fake_fit(trial, tree, spec=spec, priors=priors)


def _sha(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ------------------------------------------------------------------------------- fast tier
def test_gaussian_division_recovers_a_correlated_likelihood():
    prior = NormalEffects(("a", "b"), np.array([-1.0, 0.5]), np.diag([0.5**2, 0.8**2]))
    lik_cov = np.array([[0.3, 0.15], [0.15, 0.3]])  # shared reference: correlated
    lik_mean = np.array([0.2, -0.4])
    p_post = np.linalg.inv(prior.cov) + np.linalg.inv(lik_cov)
    post_cov = np.linalg.inv(p_post)
    post_mean = post_cov @ (
        np.linalg.solve(prior.cov, prior.mean) + np.linalg.solve(lik_cov, lik_mean)
    )
    lik, reason = gaussian_division(NormalEffects(("a", "b"), post_mean, post_cov), prior)
    assert reason is None
    np.testing.assert_allclose(lik.mean, lik_mean, atol=1e-12)
    np.testing.assert_allclose(lik.cov, lik_cov, atol=1e-12)
    wide = NormalEffects(("a", "b"), post_mean, 4 * prior.cov)
    assert gaussian_division(wide, prior)[0] is None


def test_tidy_draws_match_contrast_draws_and_smd_definition(synthetic_trial):
    fit = _fake_fit(synthetic_trial)
    table = tidy_draws(fit)
    assert list(table.columns) == list(bk.export.DRAWS_COLUMNS)
    data = table[["data_name", "data_sha256", "synthetic", "model"]].drop_duplicates()
    assert data.to_dict("records") == [
        {
            "data_name": synthetic_trial.name,
            "data_sha256": synthetic_trial.sha256,
            "synthetic": True,
            "model": "daily",
        }
    ]
    ds = fit.contrast_draws()
    n = 2 * 200
    assert len(table) == n * ds.sizes["contrast"] * (len(ds.data_vars) + 1)
    sub = table[(table.contrast == "ketamine - placebo") & (table.estimand == "auc_difference")]
    expected = ds["auc_difference"].sel(contrast="ketamine - placebo").to_numpy().ravel()
    np.testing.assert_array_equal(sub["value"].to_numpy(), expected)
    post = fit.datatree["posterior"]
    sd = np.sqrt(post.sigma_subject**2 + post.sigma_subject_period**2 + post.sigma**2 / 35)
    smd = table[(table.contrast == "ketamine - placebo") & (table.estimand == "smd")]
    mdd = ds["mean_daily_difference"].sel(contrast="ketamine - placebo")
    np.testing.assert_allclose(smd["value"].to_numpy(), (mdd / sd).to_numpy().ravel())
    assert set(smd["scale"]) == {"smd"}


def test_meta_summary_says_why_likelihood_is_missing(synthetic_trial):
    table = meta_summary(_fake_fit(synthetic_trial)).set_index(["active", "reference", "estimand"])
    assert np.isfinite(table.loc[KEY, "lik_estimate"]) and pd.isna(table.loc[KEY, "lik_reason"])
    rel = table.loc[("ketamine", "placebo", "relative_change_pct")]
    assert np.isnan(rel["lik_estimate"]) and "ratio" in rel["lik_reason"]
    smd = table.loc[("ketamine", "placebo", "smd")]
    assert "sigma_subject^2" in smd["standardizer"] and smd["standardizer_estimate"] > 0
    t_prior = {"dist": "student_t", "nu": 3.0, "mu": 0.0, "sigma": 2.0}
    row = meta_summary(_fake_fit(synthetic_trial, prior=t_prior)).iloc[0]
    assert np.isnan(row["lik_estimate"]) and "not normal" in row["lik_reason"]
    row = meta_summary(_fake_fit(synthetic_trial, effect="decay")).iloc[0]
    assert np.isnan(row["lik_estimate"]) and "decay" in row["lik_reason"]
    tight = {"dist": "normal", "mu": 0.0, "sigma": 0.05}  # tighter than the posterior
    row = meta_summary(_fake_fit(synthetic_trial, prior=tight)).iloc[0]
    assert np.isnan(row["lik_estimate"]) and "not narrower" in row["lik_reason"]


def test_export_refuses_overwrite_and_never_half_writes(synthetic_trial, tmp_path, monkeypatch):
    fit = _fake_fit(synthetic_trial)
    out = tmp_path / "exp"
    export_fit(fit, out)
    before = {n: _sha(out / n) for n in EXPORT_FILES}
    with pytest.raises(OutputError, match="refusing to overwrite") as err:
        export_fit(fit, out)
    assert err.value.exit_code == 6

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(export_write, "_write_parquet", broken)
    with pytest.raises(OutputError, match="disk full"):
        export_fit(fit, out, force=True)
    assert {n: _sha(out / n) for n in EXPORT_FILES} == before  # old export intact
    with pytest.raises(OutputError, match="disk full"):
        export_fit(fit, tmp_path / "new")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["exp"]  # no temp dirs, no half export
    monkeypatch.undo()
    export_fit(fit, out, force=True)
    assert read_export(out).manifest["files"].keys() == before.keys() - {"export.json"}


def test_exported_csvs_are_plain_tables(synthetic_trial, tmp_path):
    # a non-synthetic copy whose name has the old comment character
    real_trial = dataclasses.replace(synthetic_trial, name="trial#2", synthetic=False)
    for trial, out in ((synthetic_trial, tmp_path / "syn"), (real_trial, tmp_path / "real")):
        exported = export_fit(_fake_fit(trial), out)
        for name, columns, table, number, schema in (
            ("draws.csv", bk.export.DRAWS_COLUMNS, exported.draws, "value", "draws/2"),
            (
                "meta_summary.csv",
                bk.export.META_COLUMNS,
                exported.meta_summary,
                "se",
                "meta_summary/2",
            ),
        ):
            first = (out / name).read_text(encoding="utf-8").splitlines()[0]
            assert first == ",".join(columns)  # what R's read.csv(header = TRUE) takes
            plain = pd.read_csv(out / name)  # pandas defaults
            assert list(plain.columns) == list(columns) and len(plain) == len(table)
            np.testing.assert_array_equal(plain[number], table[number])
            assert set(plain["data_name"]) == {trial.name}
            assert set(plain["data_sha256"]) == {trial.sha256}
            assert plain["synthetic"].dtype == bool and set(plain["synthetic"]) == {trial.synthetic}
            sidecar = table_provenance(out / name)  # from export.json
            assert sidecar["schema"] == f"bayes_keta.{schema}"
            assert sidecar["export"]["schema"] == "bayes_keta.export/1"
            assert set(sidecar["columns"]) == set(columns)
        assert read_export(out).draws["synthetic"].eq(trial.synthetic).all()
    inputs = bk.read_meta_inputs(
        [tmp_path / "syn" / "meta_summary.csv", tmp_path / "real" / "meta_summary.csv"],
        estimand="mean_daily_difference",
        active="ketamine",
        reference="placebo",
    )
    assert inputs.table["trial"].tolist() == [
        f"{synthetic_trial.name}/daily [SYNTHETIC]",
        "trial#2/daily",
    ]
    assert sum("SYNTHETIC DATA" in note for note in inputs.notes) == 1


def test_meta_reads_an_export_table_without_data_columns_from_its_sidecar(
    synthetic_trial, tmp_path
):
    out = tmp_path / "exp"
    export_fit(_fake_fit(synthetic_trial), out)
    bare = pd.read_csv(out / "meta_summary.csv").drop(columns=["data_name", "synthetic", "model"])
    bare.to_csv(out / "meta_summary.csv", index=False)  # an export.json still lists it
    pick = {"estimand": "smd", "active": "ketamine", "reference": "placebo"}
    inputs = bk.read_meta_inputs([out / "meta_summary.csv"], **pick)
    # the model's name comes from the provenance in export.json
    assert inputs.table.loc[0, "trial"] == f"{synthetic_trial.name}/daily [SYNTHETIC]"
    assert any("SYNTHETIC DATA" in note for note in inputs.notes)
    (out / "export.json").unlink()  # nothing says where it came from: the directory's name
    assert bk.read_meta_inputs([out / "meta_summary.csv"], **pick).table.loc[0, "trial"] == "exp"


def test_zarr_needs_zarr_and_modified_files_are_detected(synthetic_trial, tmp_path, monkeypatch):
    fit = _fake_fit(synthetic_trial)
    monkeypatch.setitem(sys.modules, "zarr", None)
    with pytest.raises(OutputError, match="zarr package"):
        export_fit(fit, tmp_path / "z", zarr=True)
    assert not (tmp_path / "z").exists()
    monkeypatch.undo()
    out = tmp_path / "exp"
    export_fit(fit, out)
    path = out / "meta_summary.csv"
    path.write_text(path.read_text().replace("ketamine,placebo", "ketamine,PLACEBO", 1))
    with pytest.raises(OutputError, match="meta_summary.csv does not match its sha256"):
        read_export(out)


# ------------------------------------------------------------------------ real fits (slow)
@pytest.fixture(scope="module")
def real(tmp_path_factory):
    """A vague-prior and a tight-prior fit (one compile), the first saved and exported by CLI."""
    from bayes_keta.fitting import fit

    trial = bk.ketapain_synthetic()
    opts = {"draws": 300, "tune": 300, "chains": 2, "prior_draws": 300}
    vague = fit(trial, "daily", **opts)
    tight = fit(trial, "daily", priors={"treatment_effect": {"mu": -0.75, "sigma": 0.35}}, **opts)
    root = tmp_path_factory.mktemp("export")
    vague.save(root / "fit")
    code = main(["export", str(root / "fit"), "--out", str(root / "exp")])
    assert code == 0
    return {"vague": vague, "tight": tight, "fit_dir": root / "fit", "out": root / "exp"}


@pytest.mark.slow
def test_export_files_schemas_and_provenance(real):
    out = real["out"]
    assert sorted(p.name for p in out.iterdir()) == sorted(EXPORT_FILES)
    manifest = json.loads((out / "export.json").read_text())
    for name, entry in manifest["files"].items():
        assert _sha(out / name) == entry["sha256"], name
    data_sha = real["vague"].trial.sha256
    assert manifest["data"]["sha256"] == data_sha and manifest["data"]["synthetic"] is True
    assert manifest["command"].startswith("bayes-keta export")
    for name in ("draws.csv", "meta_summary.csv"):
        table = pd.read_csv(out / name)
        assert set(table["data_sha256"]) == {data_sha} and table["synthetic"].all()
        assert table_provenance(out / name)["provenance"]["data_sha256"] == data_sha
    meta = table_provenance(out / "draws.parquet")
    assert meta["provenance"]["data_sha256"] == data_sha and meta["schema"] == "bayes_keta.draws/2"
    tree = xr.open_datatree(out / "posterior.nc", engine="h5netcdf")
    assert tree.attrs["data_sha256"] == data_sha and "export_provenance" in tree.attrs
    assert set(real["vague"].datatree.children) <= set(tree.children)
    validate_summary(json.loads((out / "summary.json").read_text()))
    assert json.loads((out / "summary.schema.json").read_text()) == load_schema()


@pytest.mark.slow
def test_round_trip_gives_the_same_numbers(real):
    exported = read_export(real["out"])
    assert isinstance(exported.fit, FitResult) and exported.fit.record == real["vague"].record
    recomputed = tidy_draws(exported.fit)
    pd.testing.assert_frame_equal(recomputed, exported.draws, check_dtype=False, check_exact=True)
    again = meta_summary(exported.fit, draws=exported.draws)
    pd.testing.assert_frame_equal(again, exported.meta_summary, rtol=1e-12)
    direct = meta_summary(real["vague"]).set_index(["active", "reference", "estimand"])
    table = exported.meta_summary.set_index(["active", "reference", "estimand"])
    np.testing.assert_allclose(table["estimate"], direct["estimate"], rtol=1e-12)
    stored = {
        (c["active"], c["reference"], c["estimand"]): c["mean"]
        for c in exported.summary["contrasts"]
    }
    assert table.loc[KEY, "estimate"] == pytest.approx(stored[KEY], rel=1e-9)


@pytest.mark.slow
def test_meta_analysis_reads_the_export(real):
    path = real["out"] / "meta_summary.csv"
    inputs = bk.read_meta_inputs(
        [path], estimand="mean_daily_difference", active="ketamine", reference="placebo"
    )
    row = pd.read_csv(path).set_index(["active", "reference", "estimand"]).loc[KEY]
    assert inputs.k == 1 and inputs.scale == "nrs"
    assert inputs.table.loc[0, "basis"] == "likelihood-only"
    assert inputs.table.loc[0, "estimate"] == pytest.approx(row["lik_estimate"])
    # labelled by data set and model, and the synthetic origin travels with it
    assert inputs.table.loc[0, "trial"] == "ketapain_synthetic/daily [SYNTHETIC]"
    smd = bk.read_meta_inputs([path], estimand="smd", active="ketamine", reference="placebo")
    assert smd.scale == "smd"


@pytest.mark.slow
def test_likelihood_only_undoes_a_tight_prior(real):
    vague = meta_summary(real["vague"]).set_index(["active", "reference", "estimand"])
    tight = meta_summary(real["tight"]).set_index(["active", "reference", "estimand"])
    for key in (KEY, ("ketamine_magnesium", "placebo", "mean_daily_difference")):
        shrunk = abs(tight.loc[key, "estimate"] - vague.loc[key, "estimate"])
        undone = abs(tight.loc[key, "lik_estimate"] - vague.loc[key, "estimate"])
        assert shrunk > 0.3 and undone < 0.5 * shrunk, key
        assert tight.loc[key, "lik_se"] == pytest.approx(vague.loc[key, "lik_se"], rel=0.25)
        assert tight.loc[key, "se"] < vague.loc[key, "se"] < vague.loc[key, "lik_se"]


@pytest.mark.slow
def test_cli_refuses_to_overwrite_an_export(real, capsys):
    before = _sha(real["out"] / "meta_summary.csv")
    code = main(["export", str(real["fit_dir"]), "--out", str(real["out"])])
    assert code == 6
    assert "refusing to overwrite" in capsys.readouterr().err
    assert _sha(real["out"] / "meta_summary.csv") == before


def test_meta_summary_uses_the_priors_on_the_outcomes_scale():
    """A VAS fit: the treatment-effect prior in the record is written for the NRS (sd 2); the
    likelihood-only approximation divides by it on the VAS (sd 20 mm, the record's scaling)."""
    frame = bk.simulate_trial(n_subjects=6, n_days=7, seed=1, mu=50, bounds=(0, 100))
    trial = bk.load_trial(frame, outcome="vas_0_100")
    fit = _fake_fit(trial, effects={"ketamine": -10.0, "ketamine_magnesium": -5.0}, placebo=50)
    scaling = {"rule": "range", "factor": 10.0, "centre": 50.0, "flip": False, "text": "x10"}
    record = dataclasses.replace(fit.record, prior_scaling=scaling)
    fit.datatree.attrs.update(record.to_attrs())
    table = meta_summary(FitResult(fit.datatree, record, trial))
    row = table.set_index(["active", "reference", "estimand"]).loc[KEY]
    assert row["scale"] == "vas" and row["prior_se"] == pytest.approx(20.0)
    assert np.isfinite(row["lik_estimate"]) and pd.isna(row["lik_reason"])
