"""summary.json: building, schema validation, writing, and the save/load round trip (fakes)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest
from fake_fits import fake_fit, fake_tree

from bayes_keta.exceptions import OutputError
from bayes_keta.fitting import FitResult, load_fit
from bayes_keta.spec import load_spec
from bayes_keta.summary import (
    SCHEMA_ID,
    build_summary,
    load_schema,
    read_summary,
    schema_errors,
    validate_summary,
    write_summary,
)

REQUIRED = {
    "schema",
    "data",
    "model",
    "priors",
    "sampler",
    "diagnostics",
    "contrasts",
    "provenance",
}


@pytest.fixture(scope="module")
def fit21(synthetic_trial):
    return fake_fit(synthetic_trial, fake_tree(seed=21))


@pytest.fixture(scope="module")
def summary(fit21):
    return build_summary(fit21, command="bayes-keta fit --model fake")


def test_schema_is_draft_2020_12_and_self_valid():
    import jsonschema

    schema = load_schema()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_valid_summary_has_the_contract_keys(summary, synthetic_trial):
    assert schema_errors(summary) == []
    assert REQUIRED <= set(summary)
    assert summary["schema"] == SCHEMA_ID
    data = summary["data"]
    assert data["sha256"] == synthetic_trial.sha256
    assert data["synthetic"] is True
    assert data["n_subjects"] == 20
    assert data["n_observations"] == synthetic_trial.n_observations
    assert summary["model"]["spec"] == load_spec("daily").text
    shown = {k: summary["sampler"][k] for k in ("name", "draws", "tune", "chains", "seed")}
    assert shown == {"name": "fake", "draws": 500, "tune": 500, "chains": 4, "seed": 1}
    diag = summary["diagnostics"]
    assert {"passed", "max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "min_bfmi"} <= set(
        diag
    )
    assert diag["passed"] is True
    prov = summary["provenance"]
    assert {"bayes_keta", "pymc", "arviz", "created", "command"} <= set(prov)
    assert prov["command"] == "bayes-keta fit --model fake"
    json.dumps(summary, allow_nan=False)


def test_contrasts_cover_three_contrasts_by_all_estimands(summary, fit21):
    items = summary["contrasts"]
    assert len(items) == 3 * 8
    pairs = {(c["active"], c["reference"]) for c in items}
    assert pairs == {
        ("ketamine", "placebo"),
        ("ketamine_magnesium", "placebo"),
        ("ketamine_magnesium", "ketamine"),
    }
    by_key = {(c["contrast"], c["estimand"]): c for c in items}
    mdd = by_key[("ketamine - placebo", "mean_daily_difference")]
    assert set(mdd["p_beyond"]) == {"0.5", "1.0", "2.0"}
    assert by_key[("ketamine - placebo", "auc_difference")]["p_beyond"].keys() == {
        "17.5",
        "35.0",
        "70.0",
    }
    assert set(by_key[("ketamine - placebo", "relative_change_pct")]["p_beyond"]) == {"30.0"}
    assert by_key[("ketamine - placebo", "relative_change_pct")]["p_rope"] is None
    row = fit21.contrasts().iloc[0]
    assert mdd["mean"] == pytest.approx(row["mean"])
    assert mdd["ci95"] == [pytest.approx(row["lo95"]), pytest.approx(row["hi95"])]
    assert mdd["p_beyond"]["1.0"] == pytest.approx(row["p_beyond_1"])
    auc = by_key[("ketamine - placebo", "auc_difference")]
    x = fit21.datatree["posterior"]["arm_mean"]
    x = (x.sel(treatment="ketamine") - x.sel(treatment="placebo")).mean("day").values
    assert auc["p_beyond"]["35.0"] == pytest.approx(np.mean(35 * x < -35.0))
    assert auc["rope"] == 17.5 and mdd["rope"] == 0.5


def _broken(summary, mutate):
    bad = copy.deepcopy(summary)
    mutate(bad)
    return bad


@pytest.mark.parametrize(
    "mutate, where",
    [
        (lambda s: s.pop("diagnostics"), "diagnostics"),
        (lambda s: s["data"].pop("sha256"), "sha256"),
        (lambda s: s["data"].__setitem__("synthetic", "yes"), "synthetic"),
        (lambda s: s["sampler"].__setitem__("draws", 10.5), "draws"),
        (lambda s: s["contrasts"][0].__setitem__("p_benefit", 1.2), "p_benefit"),
        (lambda s: s["contrasts"][0]["p_beyond"].__setitem__("1.0", -0.1), "p_beyond"),
        (lambda s: s["contrasts"][0]["p_beyond"].__setitem__("one", 0.1), "p_beyond"),
        (lambda s: s["contrasts"][0].__setitem__("ci95", [1.0]), "ci95"),
        (lambda s: s["contrasts"][0].__setitem__("estimand", "vibes"), "estimand"),
        (lambda s: s.__setitem__("schema", "bayes_keta.summary/0"), "schema"),
        (lambda s: s.__setitem__("contrasts", []), "contrasts"),
        (lambda s: s.__setitem__("surprise", 1), "surprise"),
        (lambda s: s["diagnostics"].__setitem__("passed", False), "failures"),
    ],
)
def test_broken_summaries_fail(summary, mutate, where):
    bad = _broken(summary, mutate)
    errors = schema_errors(bad)
    assert errors, f"mutation of {where} was accepted"
    with pytest.raises(OutputError, match="does not match schema"):
        validate_summary(bad)


def test_nan_is_refused(summary):
    bad = _broken(summary, lambda s: s["contrasts"][0].__setitem__("mean", float("nan")))
    with pytest.raises(OutputError, match="JSON"):
        validate_summary(bad)


def test_failed_diagnostics_are_recorded(synthetic_trial):
    fit = fake_fit(synthetic_trial, fake_tree(stuck=True, seed=2))
    record = build_summary(fit)
    assert record["diagnostics"]["passed"] is False
    assert any("R-hat" in f for f in record["diagnostics"]["failures"])


def test_impossible_record_is_refused(synthetic_trial):
    fit = fake_fit(synthetic_trial, fake_tree(seed=3), settings={"draws": 0})
    with pytest.raises(OutputError, match="sampler/draws"):
        build_summary(fit)


def test_write_summary_refuses_to_overwrite(summary, tmp_path):
    path = tmp_path / "out" / "summary.json"
    write_summary(summary, path)
    before = path.read_bytes()
    with pytest.raises(OutputError, match="overwrite"):
        write_summary(summary, path)
    assert path.read_bytes() == before
    changed = _broken(summary, lambda s: s["provenance"].__setitem__("command", "again"))
    write_summary(changed, path, overwrite=True)
    assert read_summary(path)["provenance"]["command"] == "again"
    with pytest.raises(OutputError):
        write_summary(_broken(summary, lambda s: s.pop("data")), tmp_path / "bad.json")
    assert not (tmp_path / "bad.json").exists()


def test_save_and_load_fit_round_trip(synthetic_trial, tmp_path):
    tree = fake_tree(seed=31, slope=0.01, n_draws=200)
    fit = fake_fit(synthetic_trial, tree)
    paths = fit.save(tmp_path, command="test")
    assert paths["posterior"].exists() and paths["summary"].exists()
    with pytest.raises(OutputError, match="overwrite"):
        fit.save(tmp_path)
    loaded = load_fit(tmp_path)
    assert isinstance(loaded, FitResult) and loaded.synthetic and loaded.trial is None
    original, reloaded = fit.contrasts(), loaded.contrasts()
    np.testing.assert_allclose(reloaded["mean"], original["mean"])
    np.testing.assert_allclose(reloaded["hi95"], original["hi95"])
    assert loaded.summary() == read_summary(paths["summary"])
    assert loaded.record == fit.record.with_command("test")
    assert "SYNTHETIC DATA" in loaded.contrast_summary().text
    assert loaded.diagnostics().passed == loaded.summary()["diagnostics"]["passed"]


def test_load_fit_detects_mismatched_files(synthetic_trial, tmp_path):
    fake_fit(synthetic_trial, fake_tree(seed=1, n_draws=100)).save(tmp_path / "a")
    fake_fit(
        synthetic_trial,
        fake_tree(seed=2, n_draws=100, effects={"ketamine": 0, "ketamine_magnesium": 0}),
    ).save(tmp_path / "b")
    (tmp_path / "a" / "summary.json").replace(tmp_path / "b" / "summary.json")
    with pytest.raises(OutputError, match="do not belong together"):
        load_fit(tmp_path / "b")
    with pytest.raises(OutputError, match="no posterior.nc"):
        load_fit(tmp_path / "missing")
