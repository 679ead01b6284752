"""Model graphs: build only (never sample). One builder module per likelihood family."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import pymc as pm

from bayes_keta.data.trial import Trial
from bayes_keta.spec import ModelSpec, Prior, PriorsArg, load_spec, resolve_priors

if TYPE_CHECKING:
    from bayes_keta.models.marginal import RandomEffectTerms

__all__ = ["BuiltModel", "build", "build_model"]


@dataclass(frozen=True)
class BuiltModel:
    """A built model with what fitting and provenance need.

    Attributes
    ----------
    model : pymc.Model
        The graph.
    spec : ModelSpec
        The spec it was built from.
    priors : dict of str to Prior
        Resolved priors in daily NRS points (as declared, before outcome scaling).
    scaled : dict of str to Prior
        The same on the model's own scale (what the ``prior__*`` data hold).
    notes : tuple of str
        Facts about the build (e.g. AUC cells dropped).
    twin : pymc.Model or None
        ``parameterization = "marginal"`` only: the same model with the random effects as
        parameters (centred) and the observed days as an observed variable, for the prior,
        the posterior predictive and the pointwise log-likelihood.
    random_effects : RandomEffectTerms or None
        ``parameterization = "marginal"`` only: what puts the integrated-out effects back
        (:func:`bayes_keta.fitting.completion.complete_random_effects`).
    """

    model: pm.Model
    spec: ModelSpec
    priors: dict[str, Prior]
    scaled: dict[str, Prior]
    notes: tuple[str, ...] = ()
    twin: pm.Model | None = None
    random_effects: RandomEffectTerms | None = None

    @property
    def full_model(self) -> pm.Model:
        """The model with an observed variable: ``twin`` if there is one, else ``model``."""
        return self.twin if self.twin is not None else self.model


def build(trial: Trial, spec: str | ModelSpec, priors: PriorsArg = None) -> BuiltModel:
    """Resolve spec and priors and build the graph (see :func:`build_model`)."""
    from bayes_keta.models.priors import scaled_priors

    spec = load_spec(spec)
    resolved = resolve_priors(spec, priors)
    scaled = scaled_priors(spec, resolved, trial.n_days)
    model, notes, terms = _graph(trial, spec, scaled)
    twin = None
    if terms is not None:  # the same model with the random effects as (centred) parameters
        twin, _, _ = _graph(trial, replace(spec, parameterization="centred"), scaled)
    return BuiltModel(model, spec, resolved, scaled, notes, twin=twin, random_effects=terms)


def _graph(
    trial: Trial, spec: ModelSpec, scaled: dict[str, Prior]
) -> tuple[pm.Model, tuple[str, ...], RandomEffectTerms | None]:
    """Build with the spec's likelihood family's builder: ``(model, notes, terms)``."""
    if spec.outcome == "auc":
        from bayes_keta.models.auc import build_auc

        return build_auc(trial, spec, scaled)
    if spec.likelihood == "ordinal":
        from bayes_keta.models.ordinal import build_ordinal

        return build_ordinal(trial, spec, scaled), (), None
    if spec.parameterization == "marginal":
        from bayes_keta.models.marginal import build_marginal

        model, terms = build_marginal(trial, spec, scaled)
        return model, (), terms
    from bayes_keta.models.gaussian import build_daily

    return build_daily(trial, spec, scaled), (), None


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
        variance parameters; observed ``pain`` (``auc`` for the AUC spec). For
        ``parameterization = "marginal"`` this is the observation-level model (random effects
        as parameters); :func:`build` also gives the collapsed one that NUTS samples.

    Raises
    ------
    SpecError
        Invalid spec or priors, or a spec the data cannot support.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> model = build_model(trial, "daily")
    >>> model.named_vars_to_dims["arm_mean"], model["arm_mean"].eval().shape
    (('treatment', 'day'), (3, 7))
    """
    return build(trial, spec, priors).full_model
