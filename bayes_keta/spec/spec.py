"""Model specifications: read, validate and resolve ``models/*.toml`` and prior sets.

A spec TOML is flat (every key commented in the shipped files)::

    name = "daily"              # model name (file stem by convention)
    description = "..."         # one paragraph for reports
    outcome = "daily"           # "daily" (one row per diary day) | "auc" (one per subject-period)
                                # | "adverse_event" (the harm model, models/adverse_events.toml)
    likelihood = "normal"       # "normal" | "student_t" | "ordinal" | "bernoulli" (adverse events)
    effect = "constant"         # "constant" | "decay" (a + b exp(-(t-1)/tau))
    residual = "iid"            # "iid" | "ar1" (AR(1) within a subject-period)
    period = "sum_to_zero"      # "sum_to_zero" | "reference" (period 1 = 0)
    parameterization = "centred"  # random effects "centred" | "noncentred" | "marginal"
                                  # (integrated out: normal likelihood only)
    carryover = false           # first-order carryover of the previous period's treatment
    baseline = false            # centred baseline_pain covariate
    individual_effects = false  # subject-by-treatment random effects (heterogeneity of the
                                # treatment effect; models/daily_hte.toml)
    min_observed_fraction = 0.5 # auc only: drop cells with fewer observed days than this
    latent_scale = 1.5          # ordinal only: logit units per NRS point for NRS-unit priors

    [priors]                    # one entry per parameter role, e.g.
    treatment_effect = {dist = "normal", mu = 0, sigma = 2}

    [sampler]                   # optional: default sampler settings the spec suggests
    mass_matrix = "low_rank"    # "diag" | "low_rank" (nutpie's low-rank modified adaptation)
    target_accept = 0.95        # step-size adaptation target in (0, 1) (sampler default 0.8)

The ``[sampler]`` table is not part of the model (not in :meth:`ModelSpec.structure`, nor in
the compiled graph): it is :attr:`ModelSpec.sampler_defaults`, the default a fit uses unless
the caller sets the sampler setting itself. A top-level ``mass_matrix`` key (older specs) is
refused with a message pointing at ``[sampler]``; a *structure* read back from an older fit
(:meth:`ModelSpec.from_structure`) has it moved there.

Prior sets and the precedence of priors: :mod:`bayes_keta.spec.resolve`; what each prior role
may be: :mod:`bayes_keta.spec.roles`; the prior families: :mod:`bayes_keta.spec.families`.

Names and files: a spec or prior set is given by name, with or without ``.toml`` (``daily``,
``neutral.toml``), by its path in the repository (``models/priors/neutral.toml``, found from any
working directory), or as any TOML file path (absolute or relative); an existing file wins
over a shipped one of the same name (:func:`bayes_keta.spec.files.find_toml`).

Priors are written in **daily NRS points** in every spec and prior set. Roles measured on the
outcome scale (:data:`OUTCOME_SCALED`) are multiplied by the spec's outcome scale before they
enter the graph: ``n_days`` for the AUC spec (pain score-days per daily point) and
``latent_scale`` for the ordinal spec (logit units per point); 1 otherwise. The adverse-event
spec (``outcome = "adverse_event"``, ``models/adverse_events.toml``) writes its priors on the
log-odds scale: its outcome scale is 1 and they are never rescaled to the outcome's units.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from bayes_keta.exceptions import SpecError
from bayes_keta.spec.files import available_models, find_toml, models_dir, read_toml
from bayes_keta.spec.priors import Prior
from bayes_keta.spec.roles import check_prior

__all__ = ["ModelSpec", "load_spec"]

_CHOICES: dict[str, tuple[str, ...]] = {
    "outcome": ("daily", "auc", "adverse_event"),
    "likelihood": ("normal", "student_t", "ordinal", "bernoulli"),
    "effect": ("constant", "decay"),
    "residual": ("iid", "ar1"),
    "period": ("sum_to_zero", "reference"),
    "parameterization": ("centred", "noncentred", "marginal"),
}
#: Sampler settings a spec may suggest in its ``[sampler]`` table, and their values.
_SAMPLER_CHOICES: dict[str, tuple[str, ...]] = {"mass_matrix": ("diag", "low_rank")}
#: Numeric sampler settings a spec may suggest, with their open interval.
_SAMPLER_NUMBERS: dict[str, tuple[float, float]] = {"target_accept": (0.0, 1.0)}
_FLAGS = ("carryover", "baseline", "individual_effects")
_NUMBERS = {"min_observed_fraction": 0.5, "latent_scale": 1.5}
_KEYS = {"name", "description", "priors", "sampler", *_CHOICES, *_FLAGS, *_NUMBERS}


@dataclass(frozen=True)
class ModelSpec:
    """A validated model specification (see the module docstring for the TOML schema).

    Attributes
    ----------
    name, description : str
        Model name and description.
    outcome, likelihood, effect, residual, period, parameterization : str
        Structural choices.
    carryover, baseline : bool
        Options.
    individual_effects : bool
        Subject-by-treatment random effects: each subject's own effect of each active
        treatment (in :meth:`structure` only when true, so other specs' hashes are unchanged).
    min_observed_fraction, latent_scale : float
        AUC cell-dropping threshold; ordinal logit units per NRS point.
    priors : dict of str to Prior
        The spec's default priors (in daily NRS points), by role.
    sampler_defaults : dict
        Sampler settings the spec suggests (its ``[sampler]`` table, e.g.
        ``{"mass_matrix": "low_rank"}``); the caller's settings override them.
    source : str
        Path the spec was read from (or ``"<dict>"``).
    text : str
        The TOML text as read (provenance).
    """

    name: str
    description: str
    outcome: str
    likelihood: str
    effect: str
    residual: str
    period: str
    parameterization: str
    carryover: bool
    baseline: bool
    min_observed_fraction: float
    latent_scale: float
    priors: Mapping[str, Prior] = field(repr=False)
    sampler_defaults: Mapping[str, Any] = field(default_factory=dict)
    source: str = field(default="<dict>", repr=False)
    text: str = field(default="", repr=False)
    individual_effects: bool = False

    # ------------------------------------------------------------------------------- roles
    @property
    def roles(self) -> tuple[str, ...]:
        """Parameter roles (prior names) this spec, with its options, has (its builder's)."""
        return _builder(self).roles(self)

    def outcome_scale(self, n_days: int) -> float:
        """Factor taking daily-NRS-point priors of :data:`OUTCOME_SCALED` roles to model units.

        ``n_days`` for the AUC model, ``latent_scale`` for the ordinal one, else 1 (the
        builder's :meth:`~bayes_keta.models.builder.Builder.outcome_scale`).
        """
        return _builder(self).outcome_scale(self, n_days)

    @classmethod
    def from_structure(
        cls, structure: Mapping[str, Any], *, source: str = "<structure>"
    ) -> ModelSpec:
        """Validate a :meth:`structure` dict (e.g. read back from a fit) into a spec without priors.

        Raises
        ------
        SpecError
            Unknown keys or values, or a structure no model builder supports.

        Examples
        --------
        >>> ModelSpec.from_structure(load_spec("auc").structure()).outcome
        'auc'
        >>> ModelSpec.from_structure({"name": "old", "mass_matrix": "low_rank",
        ...                           "outcome": "daily", "likelihood": "normal"}).sampler_defaults
        {'mass_matrix': 'low_rank'}
        """
        raw = {k: v for k, v in structure.items() if k not in ("description", "priors")}
        if "mass_matrix" in raw:  # structures of older fits: a sampler setting now
            raw["sampler"] = {**raw.get("sampler", {}), "mass_matrix": raw.pop("mass_matrix")}
        return _structural(raw, source=source, text="")

    # --------------------------------------------------------------------------- structure
    def structure(self) -> dict[str, Any]:
        """JSON-able structural description (everything but the prior values)."""
        return {
            "name": self.name,
            "outcome": self.outcome,
            "likelihood": self.likelihood,
            "effect": self.effect,
            "residual": self.residual,
            "period": self.period,
            "parameterization": self.parameterization,
            "carryover": self.carryover,
            "baseline": self.baseline,
            "min_observed_fraction": self.min_observed_fraction,
            "latent_scale": self.latent_scale,
            **({"individual_effects": True} if self.individual_effects else {}),
        }

    def to_dict(self) -> dict[str, Any]:
        """Structure plus default priors and sampler defaults (JSON-serialisable)."""
        return {
            **self.structure(),
            "description": self.description,
            "priors": {k: self.priors[k].to_dict() for k in sorted(self.priors)},
            "sampler": dict(self.sampler_defaults),
        }

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of :meth:`to_dict` (the spec hash)."""
        blob = json.dumps(self.to_dict(), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()

    def with_options(self, **options: Any) -> ModelSpec:
        """Return a copy with options changed (``carryover``, ``baseline``, ``likelihood``...).

        A ``"marginal"`` spec given an option the closed form cannot take (Student-t
        likelihood) becomes ``"centred"`` unless ``parameterization`` is
        among the options.

        Raises
        ------
        SpecError
            Unknown option, invalid value, or a newly needed prior the spec does not declare.

        Examples
        --------
        >>> spec = load_spec("daily").with_options(carryover=True)
        >>> "carryover_effect" in spec.roles
        True
        >>> load_spec("daily").with_options(likelihood="student_t").parameterization
        'centred'
        """
        unknown = sorted(set(options) - (_KEYS - {"name", "description", "priors"}))
        if unknown:
            raise SpecError(f"unknown spec option(s) {unknown}")
        merged = {
            **self.structure(),
            "description": self.description,
            "sampler": dict(self.sampler_defaults),
            **options,
        }
        centred = {**merged, "parameterization": "centred"}
        if (
            "parameterization" not in options
            and merged.get("parameterization") == "marginal"
            and not _supported(merged)
            and _supported(centred)
        ):
            merged = centred
        return _validated(merged, self.priors, source=self.source, text=self.text)


def _builder(spec: ModelSpec) -> Any:
    """Return the spec's model builder (it declares roles and scales; no PyMC loaded)."""
    from bayes_keta.models.registry import builder_for

    return builder_for(spec)


def _supported(raw: Mapping[str, Any]) -> bool:
    """Whether a structure is valid and some model builder supports it."""
    try:
        _structural(raw, source="<options>", text="")
    except SpecError:
        return False
    return True


def _structural(raw: Mapping[str, Any], *, source: str, text: str) -> ModelSpec:
    """Validate the structural keys of a spec (not its priors); its builder must support it."""
    where = f"spec {source}"
    if "mass_matrix" in raw:
        raise SpecError(
            f"{where}: mass_matrix is a sampler setting, not part of the model: write it in a"
            f" [sampler] table (mass_matrix = {raw['mass_matrix']!r})"
        )
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; known: {sorted(_KEYS)}")
    values: dict[str, Any] = {}
    for key, choices in _CHOICES.items():
        default = {
            "residual": "iid",
            "effect": "constant",
            "period": "sum_to_zero",
            "parameterization": "centred",
        }.get(key)
        value = raw.get(key, default)
        if value not in choices:
            raise SpecError(f"{where}: {key} = {value!r} is not one of {list(choices)}")
        values[key] = value
    for key in _FLAGS:
        value = raw.get(key, False)
        if not isinstance(value, bool):
            raise SpecError(f"{where}: {key} must be true or false, got {value!r}")
        values[key] = value
    for key, default in _NUMBERS.items():
        value = raw.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            raise SpecError(f"{where}: {key} must be a positive number, got {value!r}")
        values[key] = float(value)
    if values["min_observed_fraction"] > 1:
        raise SpecError(f"{where}: min_observed_fraction must be <= 1")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SpecError(f"{where}: 'name' (a non-empty string) is required")
    spec = ModelSpec(
        name=name,
        description=str(raw.get("description", "")).strip(),
        priors={},
        sampler_defaults=_sampler_defaults(raw.get("sampler", {}), where),
        source=source,
        text=text,
        **values,
    )
    _builder(spec)  # SpecError when no builder supports the structure (the message says why)
    return spec


def _sampler_defaults(table: Any, where: str) -> dict[str, str]:
    """Validate a spec's ``[sampler]`` table (known settings, allowed values)."""
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: [sampler] must be a table")
    known = {*_SAMPLER_CHOICES, *_SAMPLER_NUMBERS}
    unknown = sorted(set(table) - known)
    if unknown:
        raise SpecError(
            f"{where}: [sampler] has unknown setting(s) {unknown}; known: {sorted(known)}"
        )
    for key, value in table.items():
        if key in _SAMPLER_NUMBERS:
            low, high = _SAMPLER_NUMBERS[key]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise SpecError(f"{where}: [sampler] {key} must be a number, got {value!r}")
            if not low < value < high:
                raise SpecError(f"{where}: [sampler] {key} must be in ({low:g}, {high:g})")
            continue
        if value not in _SAMPLER_CHOICES[key]:
            raise SpecError(
                f"{where}: [sampler] {key} = {value!r} is not one of {list(_SAMPLER_CHOICES[key])}"
            )
    return dict(table)


def _validated(
    raw: Mapping[str, Any], priors: Mapping[str, Any], *, source: str, text: str
) -> ModelSpec:
    spec = _structural(raw, source=source, text=text)
    where = f"spec {source}"
    parsed = {role: Prior.from_dict(entry, role=role) for role, entry in priors.items()}
    builder = _builder(spec)
    allowed = set(spec.roles) | builder.optional_roles(spec)
    extra = sorted(set(parsed) - allowed)
    if extra:
        raise SpecError(f"{where}: [priors] names parameters the model does not have: {extra}")
    missing = sorted(set(spec.roles) - set(parsed))
    if missing:
        raise SpecError(f"{where}: [priors] must write out a prior for {missing}")
    for role, prior in parsed.items():
        check_prior(role, prior, spec, where)
    return replace(spec, priors=parsed)


def load_spec(spec: str | Path | ModelSpec, **options: Any) -> ModelSpec:
    """Load and validate a model spec by name (``"daily"``), path, or pass one through.

    Parameters
    ----------
    spec : str, Path or ModelSpec
        A name in :func:`models_dir` (``daily``, ``daily_decay``, ``daily_ar1``, ``auc``,
        ``daily_ordinal``, ``daily_hte``), a path to a TOML file, or an existing spec.
    **options
        Option overrides (``carryover=True``, ``baseline=True``, ``likelihood="student_t"``).

    Returns
    -------
    ModelSpec

    Raises
    ------
    SpecError
        Unknown name, unreadable or invalid TOML, invalid fields or priors.

    Examples
    --------
    >>> load_spec("daily").likelihood
    'normal'
    """
    if isinstance(spec, ModelSpec):
        return spec.with_options(**options) if options else spec
    path = find_toml(spec, models_dir(), ("models",))
    if path is None:
        raise SpecError(
            f"unknown model {str(spec)!r} (no such file, nor a shipped spec); available:"
            f" {', '.join(available_models())} (or give a path to a .toml spec)"
        )
    raw, text = read_toml(path, "model spec")
    priors = raw.get("priors", {})
    if not isinstance(priors, Mapping):
        raise SpecError(f"spec {path}: [priors] must be a table")
    loaded = _validated(raw, priors, source=str(path), text=text)
    return loaded.with_options(**options) if options else loaded
