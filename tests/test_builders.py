"""Contract battery over every model builder and every shipped spec (no sampling).

In the style of scikit-learn's ``parametrize_with_checks``: each case (a spec, with options) is
built on a small trial and must keep every promise its builder declares: the graph has a
finite log density and gradient, exposes ``arm_mean`` (treatment, day), observes the declared
variable, has one prior datum per declared role, and its math names its likelihood; prior
draws are faithful exactly when declared so, and the LOO kind matches the graph. A new
builder without a case here fails :func:`test_every_builder_and_shipped_spec_has_a_case`.
"""

from __future__ import annotations

import numpy as np
import pymc as pm
import pytest

import bayes_keta as bk
from bayes_keta.exceptions import SpecError
from bayes_keta.models import BUILDERS, MathContext, build, builder_for, capabilities
from bayes_keta.models.priors import data_name
from bayes_keta.spec import OUTCOME_SCALED, available_models, load_spec

#: Every shipped spec, plus options that reach the builders no shipped spec uses.
CASES: list[tuple[str, dict]] = [(name, {}) for name in available_models()] + [
    ("daily", {"parameterization": "centred"}),
    ("daily", {"likelihood": "student_t", "carryover": True}),
    ("daily_ar1", {"parameterization": "noncentred", "baseline": True}),
    ("daily_decay", {"likelihood": "student_t"}),
    ("auc", {"parameterization": "centred", "likelihood": "student_t"}),
    ("daily_ordinal", {"period": "reference"}),
]
IDS = [name + "".join(f"|{k}={v}" for k, v in sorted(o.items())) for name, o in CASES]

#: A token of each likelihood that its math text must contain.
LIKELIHOOD_WORD = {
    "normal": "Normal(",
    "student_t": "StudentT(ν",
    "ordinal": "logistic(",
    "bernoulli": "Bernoulli(",
}
#: The observed quantity each observed variable's math names.
OBSERVED_WORD = {"pain": "pain[i,p,t]", "auc": "AUC[i,p]", "adverse_event": "AE[i,p]"}


@pytest.fixture(scope="module")
def trial() -> bk.Trial:
    frame = bk.simulate_trial(
        n_subjects=6, n_days=7, seed=3, effects={"ketamine": -1.0}, missing_rate=0.15
    )
    return bk.load_trial(frame, name="contract")


def test_every_builder_and_shipped_spec_has_a_case():
    used = {builder_for(load_spec(n, **o)).name for n, o in CASES}
    assert used == {b.name for b in BUILDERS}
    assert set(available_models()) <= {n for n, o in CASES if not o}


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
def test_builder_contract(name, options, trial):
    spec = load_spec(name, **options)
    builder = builder_for(spec)
    caps = builder.capabilities(spec)
    assert builder.supports(spec)
    built = build(trial, spec)
    assert built.builder is builder and built.capabilities == caps == capabilities(spec)

    # finite log density and gradient at the initial point, of every graph the build returns
    for model in {id(m): m for m in (built.model, built.full_model)}.values():
        point = model.initial_point()
        assert np.isfinite(model.compile_logp(mode="FAST_COMPILE")(point))
        assert np.all(np.isfinite(model.compile_dlogp(mode="FAST_COMPILE")(point)))

    full = built.full_model
    assert list(full.coords["treatment"]) == list(trial.treatments)
    if caps.endpoint == "harm":
        # the harm contract: the population-averaged risk per arm, no outcome estimands
        assert full.named_vars_to_dims["ae_risk"] == ("treatment",)
        assert "arm_mean" not in full.named_vars
    else:
        # the estimand contract: arm_mean (treatment, day) on the trial's coords
        assert caps.endpoint == "efficacy"
        assert full.named_vars_to_dims["arm_mean"] == ("treatment", "day")
        assert list(full.coords["day"]) == list(range(1, trial.n_days + 1))
        assert built.model.named_vars_to_dims["arm_mean"] == ("treatment", "day")

    # the declared observed variable, and its data
    assert [rv.name for rv in full.observed_RVs] == [caps.observed] == [built.observed]
    assert caps.data_name in {v.name for v in full.data_vars}

    # roles == declared priors == the prior data in the graph
    assert caps.roles == spec.roles == builder.roles(spec)
    assert set(built.priors) == set(caps.roles) == set(built.scaled)
    in_graph = {v.name.split("__")[1] for v in full.data_vars if v.name.startswith("prior__")}
    assert in_graph == set(caps.roles)
    for datum in (v.name for v in full.data_vars if v.name.startswith("prior__")):
        _, role, param = datum.split("__")
        assert datum == data_name(role, param) and param in built.scaled[role].params
    scale = builder.outcome_scale(spec, trial.n_days)
    for role, prior in built.priors.items():
        expected = prior.scaled(scale) if role in OUTCOME_SCALED else prior
        assert built.scaled[role] == expected

    # the math names the likelihood and the observed quantity
    text = builder.math(spec, MathContext(n_days=trial.n_days, treatments=trial.treatments))
    assert LIKELIHOOD_WORD[spec.likelihood] in text
    assert OBSERVED_WORD[caps.observed] in text

    # the LOO kind says what the graph's pointwise log-likelihood is over
    data = {v.name for v in full.data_vars}
    assert (caps.loo == "conditional") == ("obs_prev" in data)  # AR(1): given the previous day
    assert (caps.loo == "cell") == (full.named_vars_to_dims[caps.observed] == ("cell",))
    readings = {"pointwise": 2, "conditional": 2, "cell": 1}[caps.loo]
    assert caps.needs.min_readings_per_period == (0 if caps.needs.adverse_events else readings)
    assert caps.needs.baseline == spec.baseline


@pytest.mark.parametrize(("name", "options"), CASES, ids=IDS)
def test_prior_draws_only_when_declared_possible(name, options, trial):
    """Forward prior draws are this model's prior exactly when the builder says so."""
    built = build(trial, load_spec(name, **options))
    draws = pm.sample_prior_predictive(draws=200, model=built.full_model, random_seed=1)
    prior = draws["prior"].to_dataset()
    if built.capabilities.prior_draws:
        assert np.all(np.isfinite(draws["prior_predictive"][built.observed].values))
    if "cutpoints" in prior:  # the ordered transform: forward draws ignore it
        ordered = np.all(np.diff(prior["cutpoints"].values, axis=-1) > 0, axis=-1).mean()
        assert built.capabilities.prior_draws == (ordered == 1.0)
        assert ordered < 0.5


def test_unsupported_structures_say_why():
    with pytest.raises(SpecError, match="ordinal likelihood has no AR\\(1\\)"):
        load_spec("daily_ordinal", residual="ar1")
    with pytest.raises(SpecError, match="outcome 'auc' needs likelihood normal/student_t"):
        load_spec("auc", effect="decay")
    with pytest.raises(SpecError, match="'marginal' integrates the random effects out"):
        load_spec("daily", likelihood="student_t", parameterization="marginal")
    # asked implicitly, the closed form falls back to centred
    assert load_spec("auc", likelihood="student_t").parameterization == "centred"


def test_capabilities_read_structures_of_saved_fits():
    ordinal = load_spec("daily_ordinal")
    assert capabilities(ordinal.structure()) == capabilities(ordinal)
    assert capabilities({**load_spec("daily_decay").structure()}).time_varying_effect


# ------------------------------------------------------------------------- design checks
def _one_reading_per_period() -> bk.Trial:
    frame = bk.simulate_trial(n_subjects=6, n_days=1, seed=3, missing_rate=0.0)
    return bk.load_trial(frame, name="one_reading")


def test_check_design_refuses_daily_models_with_one_reading_per_period():
    sparse = _one_reading_per_period()
    for name in ("daily", "daily_ar1", "daily_decay", "daily_ordinal"):
        with pytest.raises(SpecError) as err:
            build(sparse, name)
        message = str(err.value)
        assert "needs at least 2 readings per subject-period" in message
        assert "'one_reading' has at most 1" in message
        assert message.endswith("specs that suit this design: models/auc.toml")
    assert build(sparse, "auc").observed == "auc"  # the AUC needs one reading


def test_check_design_counts_the_days_the_auc_imputes_from(trial):
    """Seven diary days with one observed: too few for the AUC's imputation (4 of 7) too."""
    frame = trial.data.copy()
    frame.loc[frame["day"] > 1, "pain"] = np.nan
    sparse = bk.load_trial(frame, name="one_observed")
    with pytest.raises(SpecError, match="auc builder.*at least 4 readings.*no shipped spec"):
        build(sparse, "auc")


def test_check_design_names_the_specs_that_suit(trial):
    frame = trial.data.copy()
    frame.loc[frame["pain"].notna().idxmax(), "pain"] = 4.5
    half = bk.load_trial(frame, name="half_points")
    with pytest.raises(SpecError, match="integer pain scores 0..10.*e.g. 4.5") as err:
        build(half, "daily_ordinal")
    assert "models/daily.toml" in str(err.value) and "daily_ordinal.toml" not in str(err.value)


def test_cli_refuses_the_design_with_exit_4(tmp_path, capsys):
    from bayes_keta.cli import main

    path = tmp_path / "one.csv"
    _one_reading_per_period().data.to_csv(path, index=False)
    code = main(["fit", str(path), "--model", "daily", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == SpecError.exit_code == 4
    assert "readings per subject-period" in err and "models/auc.toml" in err
    assert "Traceback" not in err and not (tmp_path / "out").exists()
