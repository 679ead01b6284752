"""The registry of model builders: which builder builds a spec, what the design must have.

**Adding a model variant**: write its graph function (a module like
:mod:`bayes_keta.models.gaussian`), declare a :class:`~bayes_keta.models.builder.Builder` for
it in :mod:`bayes_keta.models.variants` (what it supports, roles, capabilities, math) and
append it to :data:`BUILDERS`; ship a spec in ``models/``. Callers (fitting, report, export,
SBC) ask the builder's :class:`~bayes_keta.models.declared.Capabilities` and need no
change.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from bayes_keta.exceptions import SpecError
from bayes_keta.models.builder import Builder, BuiltModel
from bayes_keta.models.declared import Capabilities, Needs, Support
from bayes_keta.models.harms import AdverseEventBuilder
from bayes_keta.models.variants import (
    AucBuilder,
    DailyBuilder,
    HteBuilder,
    MarginalDailyBuilder,
    OrdinalBuilder,
)

if TYPE_CHECKING:
    import pymc as pm

    from bayes_keta.data.trial import Trial
    from bayes_keta.spec import ModelSpec, PriorsArg

__all__ = [
    "BUILDERS",
    "build",
    "build_model",
    "builder_for",
    "capabilities",
    "check_design",
    "suitability",
    "shipped_specs",
]

#: Every builder, in the order :func:`builder_for` asks them.
BUILDERS: tuple[Builder, ...] = (
    DailyBuilder(),
    MarginalDailyBuilder(),
    OrdinalBuilder(),
    AucBuilder(),
    AdverseEventBuilder(),
    HteBuilder(),
)


def _as_spec(spec: str | ModelSpec | Mapping[str, Any]) -> ModelSpec:
    from bayes_keta.spec import ModelSpec, load_spec

    if isinstance(spec, Mapping):
        return ModelSpec.from_structure(spec)
    return load_spec(spec)


def _find(spec: ModelSpec) -> tuple[Builder | None, Support]:
    """Return the builder of ``spec`` and ``Support(True)``, or None and why none takes it.

    The reason is the one of a builder whose kind of spec it is (e.g. the ordinal builder
    for an ordinal spec with AR(1) residuals).
    """
    reasons = []
    for builder in BUILDERS:
        verdict = builder.supports(spec)
        if verdict:
            return builder, verdict
        if builder.claims(spec):
            reasons.append(verdict.reason)
    if not reasons:
        reasons.append(
            f"no builder for outcome {spec.outcome!r}, likelihood {spec.likelihood!r},"
            f" parameterization {spec.parameterization!r}"
        )
    return None, Support(False, "; ".join(reasons))


def builder_for(spec: str | ModelSpec | Mapping[str, Any]) -> Builder:
    """Return the builder of a spec (a name, path, :class:`ModelSpec` or structure dict).

    Raises
    ------
    SpecError
        No builder supports the spec (the message says why).

    Examples
    --------
    >>> builder_for("daily").name, builder_for("daily_ordinal").name
    ('daily_marginal', 'ordinal')
    """
    spec = _as_spec(spec)
    builder, verdict = _find(spec)
    if builder is None:
        raise SpecError(f"spec {spec.source}: {verdict.reason}")
    return builder


def capabilities(spec: str | ModelSpec | Mapping[str, Any]) -> Capabilities:
    """Return what a model of ``spec`` offers (name, path, spec or structure dict).

    Examples
    --------
    >>> capabilities("auc").observed, capabilities("daily_ordinal").prior_draws
    ('auc', False)
    """
    spec = _as_spec(spec)
    return builder_for(spec).capabilities(spec)


def _categories(spec: ModelSpec | None) -> int | None:
    """Categories the spec's cutpoints prior fixes (a list of locations), or None."""
    prior = None if spec is None else spec.priors.get("cutpoints")
    mu = None if prior is None else prior.params.get("mu")
    return len(mu) + 1 if isinstance(mu, tuple) else None


def _unmet(needs: Needs, trial: Trial, spec: ModelSpec | None = None) -> str | None:
    """Why ``trial`` lacks what ``needs`` (and ``spec``'s cutpoints) ask, or None."""
    from bayes_keta.models.design import baseline_problem, integer_problem

    have = int(trial.cells["n_obs"].max()) if len(trial.cells) else 0
    need = needs.readings(trial.n_days)
    if have < need:
        one = " (one reading per period)" if trial.n_days == 1 else ""
        return (
            f"needs at least {need} readings per subject-period; trial {trial.name!r} has at"
            f" most {have}{one}"
        )
    if len(trial.periods) < needs.min_periods:
        return (
            f"carryover = true needs at least {needs.min_periods} periods; trial"
            f" {trial.name!r} has {len(trial.periods)}: with two periods the carryover is"
            " aliased with the sequence effect, so the direct effects would rest on"
            " between-subject (period-1) information alone (Freeman 1989; Senn 2002);"
            " drop carryover"
        )
    if needs.integer_outcome:
        problem = integer_problem(trial, categories=_categories(spec))
        if problem:
            return problem
    if needs.baseline:
        problem = baseline_problem(trial)
        if problem:
            return problem
    if needs.adverse_events:
        from bayes_keta.data.adverse_events import AE_COLUMN, has_adverse_events

        if not has_adverse_events(trial):
            return f"needs an {AE_COLUMN!r} column with values; trial {trial.name!r} has none"
    return None


def shipped_specs(endpoint: str = "efficacy") -> tuple[str, ...]:
    """Names of the shipped specs (``models/*.toml``) whose builder declares ``endpoint``.

    The registry tells the outcome models from the adverse-event model by their builders'
    :attr:`Capabilities.endpoint`, never by name.

    Examples
    --------
    >>> shipped_specs("harm")
    ('adverse_events',)
    >>> "adverse_events" in shipped_specs()
    False
    """
    from bayes_keta.spec import available_models, load_spec

    names = []
    for name in available_models():
        try:
            spec = load_spec(name)
        except SpecError:  # a broken spec file in the folder is not ours to report here
            continue
        if builder_for(spec).capabilities(spec).endpoint == endpoint:
            names.append(name)
    return tuple(names)


def suitability(trial: Trial, *, endpoint: str = "efficacy") -> dict[str, str | None]:
    """Each shipped spec of ``endpoint``: None when it suits the trial's design, else why not.

    What ``bayes-keta validate`` lists (:func:`bayes_keta.data.design.design_summary`'s
    ``suitability``).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=1, seed=1))
    >>> [name for name, why in suitability(trial).items() if why is None]
    ['auc']
    """
    from bayes_keta.spec import load_spec

    verdicts: dict[str, str | None] = {}
    for name in shipped_specs(endpoint):
        spec = load_spec(name)
        verdicts[name] = _unmet(builder_for(spec).needs(spec), trial, spec)
    return verdicts


def _suitable(trial: Trial, *, but: str, endpoint: str) -> list[str]:
    """Shipped specs of ``endpoint`` (other than ``but``) whose builder's needs the trial meets."""
    verdicts = suitability(trial, endpoint=endpoint)
    return [name for name, why in verdicts.items() if why is None and name != but]


def check_design(trial: Trial, spec: str | ModelSpec) -> None:
    """Refuse a spec whose builder needs more than the trial's design has.

    Parameters
    ----------
    trial : Trial
        The data.
    spec : str, Path or ModelSpec
        The model.

    Raises
    ------
    SpecError
        Naming what is missing and the shipped specs that suit the design (e.g. one reading
        per subject-period: ``models/auc.toml``).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> check_design(trial, "daily")  # passes silently
    """
    spec = _as_spec(spec)
    builder = builder_for(spec)
    problem = _unmet(builder.needs(spec), trial, spec)
    if problem is None:
        return
    others = _suitable(trial, but=spec.name, endpoint=builder.capabilities(spec).endpoint)
    if others:
        hint = "; specs that suit this design: " + ", ".join(f"models/{n}.toml" for n in others)
    else:
        hint = "; no shipped spec suits this design"
    raise SpecError(f"model {spec.name!r} ({builder.name} builder): {problem}{hint}")


def build(trial: Trial, spec: str | ModelSpec, priors: PriorsArg = None) -> BuiltModel:
    """Resolve spec and priors, check the design and build the graph (never samples).

    Parameters
    ----------
    trial : Trial
        Validated data (:func:`bayes_keta.load_trial`).
    spec : str, Path or ModelSpec
        Model name (``"daily"``), spec path, or spec.
    priors : str, Path, dict or list, optional
        Prior sets and overrides (:func:`bayes_keta.spec.resolve_priors`).

    Returns
    -------
    BuiltModel
        ``.model`` is what NUTS samples, ``.full_model`` has the observed variable
        (``.observed``), ``.capabilities`` what the builder declares.

    Raises
    ------
    SpecError
        Invalid spec or priors, or a design the spec's builder cannot use
        (:func:`check_design`).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> built = build(trial, "auc")
    >>> built.observed, built.builder.name, built.twin is not None
    ('auc', 'auc', True)
    """
    from bayes_keta.models.priors import scaled_priors
    from bayes_keta.models.scaling import prior_scaling
    from bayes_keta.spec import load_spec, resolve_priors

    spec = load_spec(spec)
    builder = builder_for(spec)
    check_design(trial, spec)
    resolved = resolve_priors(spec, priors)
    scaling = prior_scaling(trial)
    scaled = scaled_priors(spec, resolved, trial.n_days, scaling=scaling)
    return builder.build(trial, spec, scaled, priors=resolved, scaling=scaling)


def build_model(trial: Trial, spec: str | ModelSpec, priors: PriorsArg = None) -> pm.Model:
    """Build the PyMC model of a spec for a trial (never samples).

    Parameters
    ----------
    trial : Trial
        Validated data (:func:`bayes_keta.load_trial`).
    spec : str, Path or ModelSpec
        Model name (``"daily"``), spec path, or spec.
    priors : str, Path, dict or list, optional
        Prior sets and overrides (:func:`bayes_keta.spec.resolve_priors`).

    Returns
    -------
    pymc.Model
        With coords ``subject``, ``period``, ``treatment``, ``day``, ``active``; posterior
        variables ``arm_mean`` (treatment, day), ``treatment_effect`` (active) and the
        variance parameters; the observed variable of the builder's capabilities (``pain``,
        ``auc``). For ``parameterization = "marginal"`` this is the observation-level model
        (random effects as parameters); :func:`build` also gives the collapsed one that NUTS
        samples.

    Raises
    ------
    SpecError
        Invalid spec or priors, or a spec the data cannot support.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> model = build_model(trial, "daily")
    >>> model.named_vars_to_dims["arm_mean"], [rv.name for rv in model.observed_RVs]
    (('treatment', 'day'), ['pain'])
    """
    return build(trial, spec, priors).full_model
