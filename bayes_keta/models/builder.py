r"""The model-builder protocol and the one type every builder returns.

A :class:`Builder` declares, for the specs it supports, everything callers would otherwise
infer from names or flags: the prior roles, the outcome scale of the priors, the
:class:`~bayes_keta.models.declared.Capabilities` (observed variable, LOO kind,
time-varying effect, whether prior draws are faithful, what the design needs) and the model
in math; and it builds the graph. The concrete builders are in
:mod:`bayes_keta.models.variants`, registered in :mod:`bayes_keta.models.registry`.

No PyMC at import: a spec can be validated (its roles asked) without loading PyMC; the graph
modules are imported when a graph is built.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, ClassVar

from bayes_keta.models.declared import Capabilities, MathContext, Needs, Support

if TYPE_CHECKING:
    import pymc as pm

    from bayes_keta.data.trial import Trial
    from bayes_keta.models.marginal import RandomEffectTerms
    from bayes_keta.models.scaling import PriorScaling
    from bayes_keta.spec import ModelSpec, Prior

__all__ = ["Builder", "BuiltModel", "Graph"]

#: What a builder's graph function returns: ``(model, notes, terms)`` (``terms`` is None
#: unless random effects were integrated out).
Graph = tuple[Any, tuple[str, ...], Any]

#: Roles a spec may declare a default prior for although its options leave them unused.
_OPTION_ROLES: frozenset[str] = frozenset({"carryover_effect", "baseline_slope"})


@dataclass(frozen=True)
class BuiltModel:
    """A built model with what fitting and provenance need (every builder returns one).

    Attributes
    ----------
    model : pymc.Model
        The graph NUTS samples.
    spec : ModelSpec
        The spec it was built from.
    priors : dict of str to Prior
        Resolved priors as written (reference 0-10 NRS points, before any scaling).
    scaled : dict of str to Prior
        The same on the model's own scale (what the ``prior__*`` data hold): the outcome's
        rule (:attr:`scaling`), then the builder's scale.
    builder : Builder
        The builder that built it.
    capabilities : Capabilities
        What it offers (observed variable, LOO kind, prior draws...).
    notes : tuple of str
        Facts about the build (e.g. AUC cells dropped).
    twin : pymc.Model or None
        ``parameterization = "marginal"`` only: the same model with the random effects as
        parameters (centred) and the observed days as an observed variable, for the prior,
        the posterior predictive and the pointwise log-likelihood.
    random_effects : RandomEffectTerms or None
        ``parameterization = "marginal"`` only: what puts the integrated-out effects back
        (:func:`bayes_keta.fitting.completion.complete_random_effects`).
    scaling : PriorScaling or None
        How the written priors were put on the outcome's scale (None: unchanged).
    missing_data : dict
        How the model handles missing readings, with counts (:meth:`Builder.missing_data`).
    """

    model: pm.Model
    spec: ModelSpec
    priors: dict[str, Prior]
    scaled: dict[str, Prior]
    builder: Builder
    capabilities: Capabilities
    notes: tuple[str, ...] = ()
    twin: pm.Model | None = None
    random_effects: RandomEffectTerms | None = None
    scaling: PriorScaling | None = None
    missing_data: dict[str, Any] = field(default_factory=dict)

    @property
    def full_model(self) -> pm.Model:
        """The model with an observed variable: ``twin`` if there is one, else ``model``."""
        return self.twin if self.twin is not None else self.model

    @property
    def fact_notes(self) -> tuple[str, ...]:
        """Notes a fit records about this build: missing-data handling, prior scaling."""
        notes = [str(self.missing_data["text"])] if self.missing_data.get("text") else []
        if self.scaling is not None and not self.scaling.is_identity:
            notes.append(self.scaling.text)
        return tuple(notes)

    @property
    def observed(self) -> str:
        """Name of the observed variable of :attr:`full_model` (``pain`` or ``auc``)."""
        return self.capabilities.observed


class Builder(ABC):
    """A family of model variants: what it supports and declares, and how it builds.

    Subclasses set :attr:`name` and implement :meth:`claims`, :meth:`own_roles`,
    :meth:`capabilities`, :meth:`model_lines` and :meth:`graph`; they may narrow
    :meth:`supports`.
    """

    #: Builder name (shown in messages and recorded with a fit).
    name: ClassVar[str] = ""

    def __repr__(self) -> str:
        return f"<builder {self.name!r}>"

    # ------------------------------------------------------------------ what it supports
    @abstractmethod
    def claims(self, spec: ModelSpec) -> bool:
        """Whether a spec is of this builder's kind (outcome, likelihood, parameterisation)."""

    def supports(self, spec: ModelSpec) -> Support:
        """Whether the builder builds ``spec`` (with every option); the reason when not."""
        return Support(True) if self.claims(spec) else Support(False, f"not a {self.name} spec")

    # ------------------------------------------------------------------------- declarations
    @abstractmethod
    def own_roles(self, spec: ModelSpec) -> set[str]:
        """Roles of this builder's likelihood and variance structure (see :meth:`roles`)."""

    def roles(self, spec: ModelSpec) -> tuple[str, ...]:
        """Prior roles (parameter names of ``[priors]``) the spec has, sorted."""
        roles = {"treatment_effect", "period_effect", "sigma_subject", *self.own_roles(spec)}
        if spec.effect == "decay":
            roles |= {"effect_transient", "tau"}
        if spec.carryover:
            roles.add("carryover_effect")
        if spec.baseline:
            roles.add("baseline_slope")
        return tuple(sorted(roles))

    def optional_roles(self, spec: ModelSpec) -> frozenset[str]:
        """Roles a spec may declare although unused (priors of options that are off)."""
        return _OPTION_ROLES

    def outcome_scale(self, spec: ModelSpec, n_days: int) -> float:
        """Factor taking daily-NRS-point priors of outcome-scale roles to the model's units."""
        return 1.0

    @abstractmethod
    def capabilities(self, spec: ModelSpec) -> Capabilities:
        """Return what a model of ``spec`` offers (see :class:`Capabilities`)."""

    def needs(self, spec: ModelSpec) -> Needs:
        """Return what the design must have (``capabilities(spec).needs``)."""
        return self.capabilities(spec).needs

    def missing_data(self, trial: Trial, spec: ModelSpec) -> dict[str, Any]:
        """How the model handles missing readings, with counts (a fit record's ``missing_data``).

        The daily-level models use every observed reading and leave the missing ones out of
        the likelihood (valid when they are missing at random given the model); the AUC
        builder overrides this.
        """
        from bayes_keta.models.design import missing_readings

        return missing_readings(trial)

    # ------------------------------------------------------------------------------- math
    def math(self, spec: ModelSpec, context: MathContext) -> str:
        """Write the generative model in plain mathematical notation (Unicode, no LaTeX)."""
        from bayes_keta.models import math_text

        return "\n".join(
            [
                *math_text.header(context),
                *self.model_lines(spec, context),
                *math_text.footer(spec, context),
            ]
        )

    @abstractmethod
    def model_lines(self, spec: ModelSpec, context: MathContext) -> list[str]:
        """Return the builder's own lines of :meth:`math` (between indices and periods)."""

    # ------------------------------------------------------------------------------ build
    @abstractmethod
    def graph(self, trial: Trial, spec: ModelSpec, scaled: Mapping[str, Prior]) -> Graph:
        """Build the PyMC graph: ``(model, notes, terms)``."""

    def build(
        self,
        trial: Trial,
        spec: ModelSpec,
        scaled: Mapping[str, Prior],
        *,
        priors: Mapping[str, Prior] | None = None,
        scaling: PriorScaling | None = None,
    ) -> BuiltModel:
        """Build ``spec`` on ``trial`` with priors already on the model's scale.

        Parameters
        ----------
        trial : Trial
            The data.
        spec : ModelSpec
            A spec this builder supports.
        scaled : mapping of str to Prior
            Resolved priors on the model's scale
            (:func:`bayes_keta.models.priors.scaled_priors`).
        priors : mapping of str to Prior, optional
            The same as declared (daily NRS points), for provenance; default ``scaled``.
        scaling : PriorScaling, optional
            The outcome's prior-scaling rule that was applied (provenance).

        Returns
        -------
        BuiltModel
            With the observation-level ``twin`` when the random effects were integrated out.
        """
        from bayes_keta.models.registry import builder_for

        model, notes, terms = self.graph(trial, spec, scaled)
        twin = None
        if terms is not None:  # the same model with the random effects as (centred) parameters
            centred = replace(spec, parameterization="centred")
            twin = builder_for(centred).graph(trial, centred, scaled)[0]
        return BuiltModel(
            model,
            spec,
            dict(priors if priors is not None else scaled),
            dict(scaled),
            builder=self,
            capabilities=self.capabilities(spec),
            notes=notes,
            twin=twin,
            random_effects=terms,
            scaling=scaling,
            missing_data=self.missing_data(trial, spec),
        )
