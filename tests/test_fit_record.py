"""The fit record and the one fit type, on fake posteriors (no sampling).

A FitRecord is written once into the DataTree attrs and read back only from there; a
FitResult saved, reloaded or exported is the same object as the fresh one.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from fake_fits import fake_fit, fake_tree

import bayes_keta as bk
from bayes_keta.diagnostics import diagnose, diagnose_arrays
from bayes_keta.exceptions import DataError, OutputError, SpecError
from bayes_keta.fitting import FitRecord, FitResult, SamplerSettings, load_fit
from bayes_keta.fitting.record import RECORD_ATTR, RECORD_SCHEMA
from bayes_keta.fitting.result import as_fit
from bayes_keta.netcdf import write_netcdf
from bayes_keta.provenance import as_attrs, provenance_record
from bayes_keta.spec import load_spec


@pytest.fixture(scope="module")
def fit(synthetic_trial) -> FitResult:
    return fake_fit(synthetic_trial, fake_tree(seed=8, n_draws=200), spec="daily_ordinal")


# ------------------------------------------------------------------------------- the record
def test_record_round_trips_through_dict_attrs_and_netcdf(fit, tmp_path):
    record = fit.record
    assert FitRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
    attrs = record.to_attrs()
    assert all(isinstance(v, str) for v in attrs.values())
    assert FitRecord.from_attrs(attrs) == record
    write_netcdf(fit.datatree, tmp_path / "p.nc")
    with xr.open_datatree(tmp_path / "p.nc", engine="h5netcdf") as handle:
        reread = FitRecord.from_attrs(handle.load().attrs)
    assert reread == record
    # tuples (ordinal cutpoint means) and prior objects come back as the same plain values
    assert reread.model.to_spec() == load_spec("daily_ordinal")
    assert reread.sampler.settings == SamplerSettings(draws=500, tune=500, chains=4, seed=1)


def test_flat_attrs_are_written_from_the_record_and_never_read(fit):
    attrs = fit.record.to_attrs()
    assert attrs["data_name"] == "ketapain_synthetic" and attrs["synthetic"] == "true"
    assert attrs["spec_name"] == "daily_ordinal" and attrs["seed"] == "1"
    edited = {**attrs, "data_name": "something else", "seed": "99"}
    assert FitRecord.from_attrs(edited).data.name == "ketapain_synthetic"
    assert FitRecord.from_attrs(edited).sampler.settings.seed == 1


def test_trees_without_a_record_are_refused(synthetic_trial, tmp_path):
    old = provenance_record(trial=synthetic_trial, spec=load_spec("daily"), sampler={"seed": 1})
    tree = fake_tree(n_draws=20)
    tree.attrs = as_attrs(old)  # what fits saved before the record carried
    with pytest.raises(OutputError, match="predates the fit record"):
        FitResult.from_tree(tree)
    with pytest.raises(OutputError, match="not a bayes_keta fit"):
        FitResult.from_tree(fake_tree(n_draws=20))
    bad = {RECORD_ATTR: json.dumps({"schema": "bayes_keta.fit/0"})}
    with pytest.raises(OutputError, match=RECORD_SCHEMA):
        FitRecord.from_attrs(bad)
    with pytest.raises(OutputError, match="malformed"):
        FitRecord.from_attrs({RECORD_ATTR: json.dumps({"schema": RECORD_SCHEMA, "data": {}})})
    # an old saved fit: posterior.nc without a record, beside a valid summary.json
    saved = fake_fit(synthetic_trial, fake_tree(seed=3, n_draws=50))
    saved.save(tmp_path / "fit")
    write_netcdf(tree, tmp_path / "old.nc")
    (tmp_path / "old.nc").replace(tmp_path / "fit" / "posterior.nc")
    with pytest.raises(OutputError, match="predates the fit record"):
        load_fit(tmp_path / "fit")


def test_flat_provenance_keeps_the_keys_readers_know(fit):
    prov = fit.record.provenance()
    old = provenance_record(trial=fit.trial, spec=fit.spec, priors={}, sampler={}, extra={})
    assert set(old) - {"schema"} <= set(prov)
    assert prov["data_sha256"] == fit.trial.sha256 and prov["spec_name"] == "daily_ordinal"
    assert prov["sampler"]["seed"] == 1 and prov["sampler"]["sampler"] == "fake"


# ------------------------------------------------------------------------ the one fit type
def test_saved_and_reloaded_fit_is_the_same_fit(fit, tmp_path):
    fit.save(tmp_path / "fit", command="bayes-keta fit --model daily_ordinal")
    loaded = load_fit(tmp_path / "fit")
    assert isinstance(loaded, FitResult) and loaded.trial is None
    assert loaded.origin == tmp_path / "fit"
    assert loaded.record == fit.record.with_command("bayes-keta fit --model daily_ordinal")
    pd.testing.assert_frame_equal(loaded.contrasts(), fit.contrasts(), check_exact=True)
    xr.testing.assert_identical(loaded.by_day(), fit.by_day())
    assert loaded.spec == fit.spec and loaded.priors == fit.priors
    assert (loaded.reference, loaded.synthetic, loaded.data_name) == (
        "placebo",
        True,
        "ketapain_synthetic",
    )
    assert loaded.model is None  # no trial at hand: nothing to build the graph from
    assert loaded.summary() == json.loads((tmp_path / "fit" / "summary.json").read_text())
    assert "SYNTHETIC 'ketapain_synthetic'" in repr(loaded) and "diagnostics passed" in repr(loaded)
    assert as_fit(tmp_path / "fit").record == loaded.record
    assert as_fit(loaded.datatree).record == loaded.record
    with pytest.raises(OutputError, match="cannot use a dict as a fit"):
        as_fit({"posterior": None})


def test_load_checks_the_files_belong_together(synthetic_trial, tmp_path):
    fake_fit(synthetic_trial, fake_tree(seed=1, n_draws=50)).save(tmp_path / "a")
    fake_fit(synthetic_trial, fake_tree(seed=1, n_draws=50), spec="daily_decay").save(
        tmp_path / "b"
    )
    (tmp_path / "a" / "summary.json").replace(tmp_path / "b" / "summary.json")
    with pytest.raises(OutputError, match="fitted with spec"):
        load_fit(tmp_path / "b")
    other = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=35, seed=2), name="other")
    fake_fit(other, fake_tree(seed=1, n_draws=50)).save(tmp_path / "c")
    (tmp_path / "c" / "summary.json").write_text((tmp_path / "b" / "summary.json").read_text())
    with pytest.raises(OutputError, match="fitted to data"):
        load_fit(tmp_path / "c")


def test_a_fit_refuses_a_trial_it_was_not_fitted_to(fit, fixed_trial):
    with pytest.raises(DataError, match="is not the data this fit was made from"):
        FitResult(fit.datatree, fit.record, fixed_trial)


def test_reload_keeps_the_gate_it_was_saved_with(fit, tmp_path):
    strict = fit.diagnostics(ess_min=5000)
    assert not strict.passed and fit.diagnostics().passed
    fit.save(tmp_path / "fit", diagnostics=strict)
    loaded = load_fit(tmp_path / "fit")
    assert not loaded.verdict.passed and loaded.diagnostics().passed  # default gate on request
    assert loaded.summary()["diagnostics"] == strict.to_dict()


# ---------------------------------------------------------------------- settings and gate
def test_sampler_settings_use_the_shared_rules():
    assert SamplerSettings().validate().sampler == "nutpie"
    for bad, needle in [
        ({"sampler": "stan"}, "unknown sampler 'stan'"),
        ({"tune": 0}, "tune must be an integer >= 1"),
        ({"cores": 0}, "cores must be an integer >= 1"),
        ({"mass_matrix": "dense"}, "mass_matrix must be one of"),
        ({"target_accept": 1.5}, "target_accept must be a number in (0, 1)"),
        ({"seed": -1}, "seed must be an integer in 0.."),
    ]:
        with pytest.raises(SpecError) as err:
            SamplerSettings(**bad).validate()
        assert needle in str(err.value)
    resolved = SamplerSettings(chains=3).resolved(suggested_mass_matrix="low_rank")
    assert resolved.mass_matrix == "low_rank" and 1 <= resolved.cores <= 3
    assert (
        SamplerSettings(mass_matrix="diag").resolved(suggested_mass_matrix="low_rank").mass_matrix
        == "diag"
    )
    with pytest.raises(SpecError, match="unknown sampler setting"):
        SamplerSettings.from_dict({"draws": 10, "warmup": 5})


def test_one_diagnose_array_entry_agrees_with_the_tree_gate():
    tree = fake_tree(seed=12, n_draws=300)
    post = tree["posterior"].to_dataset()
    gated = diagnose(tree, var_names=["intercept", "sigma"])
    arrays = diagnose_arrays(
        {name: post[name].to_numpy() for name in ("intercept", "sigma")},
        diverging=tree["sample_stats"]["diverging"].to_numpy(),
    )
    assert arrays.max_rhat == pytest.approx(gated.max_rhat, rel=1e-12)
    assert arrays.min_ess_bulk == pytest.approx(gated.min_ess_bulk, rel=1e-12)
    assert arrays.divergences == gated.divergences == 0
    assert diagnose_arrays({"x": np.random.default_rng(1).normal(size=(2, 50))}).divergences is None
    with pytest.raises(DataError, match="needs a DataTree"):
        diagnose(fake_fit(bk.ketapain_synthetic(), fake_tree(n_draws=20)))


def test_data_record_carries_the_outcome_and_the_flagship_flag(fixed_trial, synthetic_trial):
    from bayes_keta.fitting.record import DataRecord
    from bayes_keta.outcome import Outcome

    own = DataRecord.from_trial(fixed_trial)
    embedded = DataRecord.from_trial(synthetic_trial)
    assert (own.flagship, embedded.flagship) == (False, True)
    assert Outcome.from_dict(own.outcome) == fixed_trial.outcome == Outcome.nrs_0_10()
    # records written before the outcome existed read as the 0-10 NRS, not the flagship
    old = {k: v for k, v in own.__dict__.items() if k not in ("outcome", "flagship")}
    assert DataRecord(**old).outcome == Outcome.nrs_0_10().to_dict()
    assert DataRecord(**old).flagship is False
