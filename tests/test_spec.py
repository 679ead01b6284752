"""Model specs and prior sets: loading, precedence, and the errors users can cause."""

from __future__ import annotations

from pathlib import Path

import pytest

import bayes_keta as bk
from bayes_keta.exceptions import SpecError
from bayes_keta.models import build
from bayes_keta.spec import (
    ModelSpec,
    Prior,
    available_models,
    available_prior_sets,
    load_prior_set,
    load_spec,
    models_dir,
    resolve_priors,
)

SPECS = ("auc", "daily", "daily_ar1", "daily_decay", "daily_ordinal")


def test_shipped_specs_and_prior_sets():
    assert set(SPECS) <= set(available_models())
    assert {"skeptical", "neutral", "enthusiastic"} <= set(available_prior_sets())


@pytest.mark.parametrize("name", SPECS)
def test_every_spec_loads_with_hash_and_text(name):
    spec = load_spec(name)
    assert spec.name == name
    assert len(spec.sha256) == 64
    assert "[priors]" in spec.text
    assert set(spec.roles) <= set(spec.priors)


def test_prior_sets_follow_spiegelhalter():
    skeptical = resolve_priors(load_spec("daily"), "skeptical")["treatment_effect"]
    enthusiastic = resolve_priors(load_spec("daily"), "enthusiastic")["treatment_effect"]
    assert skeptical.params == pytest.approx({"mu": 0.0, "sigma": 1 / 1.645}, abs=1e-3)
    assert enthusiastic.params == pytest.approx({"mu": -1.0, "sigma": 1 / 1.645}, abs=1e-3)


def test_precedence_user_over_set_over_spec():
    spec = load_spec("daily")
    priors = resolve_priors(
        spec, [{"treatment_effect": {"sigma": 0.1}}, "skeptical", {"sigma_subject": {"sigma": 5}}]
    )
    assert priors["treatment_effect"].params == {"mu": 0.0, "sigma": 0.1}  # user beats set
    assert priors["sigma_subject"] == Prior("halfnormal", {"sigma": 5.0})  # family kept
    assert priors["intercept"] == spec.priors["intercept"]  # spec default


def test_override_with_dist_replaces_family():
    priors = resolve_priors(load_spec("daily"), {"sigma": {"dist": "exponential", "lam": 1}})
    assert priors["sigma"] == Prior("exponential", {"lam": 1.0})


def test_with_options_adds_roles():
    spec = load_spec("daily", carryover=True, baseline=True, likelihood="student_t")
    assert {"carryover_effect", "baseline_slope", "nu"} <= set(spec.roles)
    assert spec.sha256 != load_spec("daily").sha256


def test_auc_scales_priors_by_n_days():
    from bayes_keta.models.priors import scaled_priors

    spec = load_spec("auc")
    scaled = scaled_priors(spec, resolve_priors(spec, "skeptical"), 35)
    assert scaled["treatment_effect"].params["sigma"] == pytest.approx(35 / 1.645, rel=1e-3)


# ---------------------------------------------------------------------------------- errors
def test_unknown_model_name():
    with pytest.raises(SpecError, match="unknown model 'dialy'.*available: adverse_events, auc"):
        load_spec("dialy")


def test_unknown_prior_set_name():
    with pytest.raises(SpecError, match="unknown prior set 'skeptic'.*skeptical"):
        resolve_priors(load_spec("daily"), "skeptic")


@pytest.mark.parametrize(
    "given", ["neutral", "neutral.toml", "models/priors/neutral.toml", "./neutral.toml", "ABS"]
)
def test_prior_set_by_name_file_name_or_path_from_any_directory(given, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # not the repository: relative paths do not exist here
    shipped = models_dir() / "priors" / "neutral.toml"
    given = str(shipped) if given == "ABS" else given
    spec = load_spec("daily")
    assert load_prior_set(given) == load_prior_set(shipped)
    assert resolve_priors(spec, given) == resolve_priors(spec, "neutral")
    assert resolve_priors(spec, "neutral") != spec.priors  # the set changes something


def test_an_existing_file_wins_and_unknown_names_list_the_sets(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "neutral.toml").write_text(
        'name = "my_neutral"\n[priors]\ntreatment_effect = {dist = "normal", mu = 0, sigma = 9}\n'
    )
    assert load_prior_set("neutral.toml")[0] == "my_neutral"  # the file here, not the shipped
    assert load_prior_set("neutral")[0] != "my_neutral"  # a bare name is a shipped set
    for bad in ("neutrl.toml", "elsewhere/neutral.toml", str(tmp_path / "no" / "neutral.toml")):
        with pytest.raises(SpecError, match="unknown prior set.*available: enthusiastic, neutral"):
            load_prior_set(bad)
    assert load_spec("daily.toml").sha256 == load_spec("models/daily.toml").sha256


def test_unknown_dist():
    with pytest.raises(SpecError, match="unknown dist 'gaussian'"):
        resolve_priors(load_spec("daily"), {"sigma": {"dist": "gaussian", "sigma": 1}})


def test_prior_for_missing_parameter():
    with pytest.raises(SpecError, match="'phi', a parameter model 'daily' does not have"):
        resolve_priors(load_spec("daily"), {"phi": {"dist": "uniform", "lower": -1, "upper": 1}})


def test_prior_set_for_missing_parameter(tmp_path: Path):
    path = tmp_path / "mine.toml"
    path.write_text('[priors]\ncutpoints = { dist = "normal", mu = 0, sigma = 1 }\n')
    with pytest.raises(SpecError, match="'cutpoints', a parameter model 'daily' does not"):
        resolve_priors(load_spec("daily"), path)


def test_bad_prior_values():
    with pytest.raises(SpecError, match="sigma must be > 0"):
        resolve_priors(load_spec("daily"), {"sigma": {"sigma": -1}})
    with pytest.raises(SpecError, match="needs a positive family"):
        resolve_priors(load_spec("daily"), {"sigma": {"dist": "normal", "mu": 0, "sigma": 1}})
    with pytest.raises(SpecError, match=r"needs exactly \['mu', 'sigma'\]"):
        resolve_priors(load_spec("daily"), {"intercept": {"dist": "normal", "mu": 0}})


def test_unknown_option_and_bad_values():
    with pytest.raises(SpecError, match="unknown spec option"):
        load_spec("daily", carry_over=True)
    with pytest.raises(SpecError, match="likelihood = 'poisson'"):
        load_spec("daily", likelihood="poisson")
    with pytest.raises(SpecError, match="no AR\\(1\\) residual option"):
        load_spec("daily_ordinal", residual="ar1")


def test_spec_file_errors(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("name = 'x'\noutcome = \n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(bad)
    unknown = tmp_path / "unknown.toml"
    text = load_spec("daily").text.replace('name = "daily"', 'name = "x"\ncolour = "red"')
    unknown.write_text(text)
    with pytest.raises(SpecError, match=r"unknown key\(s\) \['colour'\]"):
        load_spec(unknown)
    missing = tmp_path / "missing.toml"
    missing.write_text(load_spec("daily").text.replace("sigma = { dist", "# sigma = {"))
    with pytest.raises(SpecError, match=r"must write out a prior for \['sigma'\]"):
        load_spec(missing)


def test_baseline_without_baseline_pain(fixed_trial):
    frame = fixed_trial.data.drop(columns=["baseline_pain"])
    trial = bk.load_trial(frame, name="no_baseline")
    with pytest.raises(SpecError, match="baseline = true needs a complete 'baseline_pain'"):
        build(trial, load_spec("daily", baseline=True))


def test_ordinal_needs_integer_pain(fixed_trial):
    frame = fixed_trial.data.copy()
    frame.loc[0, "pain"] = 4.5
    trial = bk.load_trial(frame, name="half_points")
    with pytest.raises(SpecError, match="integer pain scores 0..10.*e.g. 4.5"):
        build(trial, "daily_ordinal")


def test_sampler_defaults_are_not_model_structure(tmp_path: Path):
    ordinal = load_spec("daily_ordinal")
    assert ordinal.sampler_defaults == {"mass_matrix": "low_rank"}
    assert load_spec("daily").sampler_defaults == {}
    assert "mass_matrix" not in ordinal.structure()
    assert ordinal.with_options(carryover=True).sampler_defaults == ordinal.sampler_defaults
    # a structure read back from an older fit carries it at the top level: moved to [sampler]
    old = {**ordinal.structure(), "mass_matrix": "low_rank"}
    assert ModelSpec.from_structure(old).sampler_defaults == {"mass_matrix": "low_rank"}
    text = ordinal.text.split("[sampler]")[0]
    top = tmp_path / "top.toml"
    top.write_text(text.replace('name = "daily_ordinal"', 'name = "x"\nmass_matrix = "low_rank"'))
    with pytest.raises(SpecError, match=r"mass_matrix is a sampler setting.*\[sampler\] table"):
        load_spec(top)
    for table, needle in (
        ("[sampler]\nmass_matrix = 'dense'\n", "is not one of"),
        ("[sampler]\nstep_size = 0.1\n", r"unknown setting\(s\) \['step_size'\]"),
    ):
        bad = tmp_path / "bad.toml"
        bad.write_text(text + table)
        with pytest.raises(SpecError, match=needle):
            load_spec(bad)
