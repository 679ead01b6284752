"""The fit record: what produced a fit, written once into its DataTree and read back from there.

A :class:`FitRecord` (schema :data:`RECORD_SCHEMA`) holds the data set's identity, the model
spec (name, hash, structure, TOML text), the priors applied, the sampler settings and what
happened when sampling, notes, package versions, time and command. It is the ONLY reader and
writer of a fit's DataTree attrs: :meth:`FitRecord.to_attrs` stores it as one JSON string
under :data:`RECORD_ATTR` plus a few flat human-readable keys (:data:`FLAT_ATTRS`, written
from it and never read back); :meth:`FitRecord.from_attrs` reads the JSON only. Everything
else (``summary.json``, exports, reports) is a view of the record and the draws.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bayes_keta.exceptions import BayesKetaError, OutputError
from bayes_keta.fitting.settings import SamplerSettings
from bayes_keta.outcome import Outcome
from bayes_keta.provenance import package_versions

if TYPE_CHECKING:
    from bayes_keta.spec import ModelSpec

__all__ = [
    "FLAT_ATTRS",
    "RECORD_ATTR",
    "RECORD_SCHEMA",
    "DataRecord",
    "FitRecord",
    "ModelRecord",
    "SamplerRecord",
]

#: Schema id of the record; bump the suffix on any incompatible change.
RECORD_SCHEMA = "bayes_keta.fit/1"
#: DataTree attribute holding the record (JSON).
RECORD_ATTR = "bayes_keta_record"
#: Flat attributes written from the record for people and other tools (never read back).
FLAT_ATTRS: tuple[str, ...] = ("data_name", "data_sha256", "synthetic", "spec_name", "seed")
#: Fields of a FitRecord held as plain JSON values.
_JSON_FIELDS = ("priors", "priors_model_scale", "prior_sources", "versions", "prior_scaling")
#: Attributes written by the provenance dicts of fits made before the record existed.
_OLD_ATTRS = ("data_sha256", "spec_sha256", "spec_toml")


def _plain(value: Any) -> Any:
    """JSON round trip: tuples become lists, keys strings (what from_dict gives back)."""
    return json.loads(json.dumps(value, default=str))


@dataclass(frozen=True)
class DataRecord:
    """Identity and shape of the data fitted, and the outcome its estimands are judged on.

    ``outcome`` is :meth:`bayes_keta.outcome.Outcome.to_dict` of the trial's outcome (records
    written before it existed read as the 0-10 pain NRS); ``flagship`` marks the embedded
    KETAPAIN-like trial.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> rec = DataRecord.from_trial(bk.ketapain_synthetic())
    >>> rec.synthetic, rec.n_days, rec.reference
    (True, 35, 'placebo')
    """

    name: str
    sha256: str
    synthetic: bool
    source: str
    n_subjects: int
    n_observations: int
    n_days: int
    treatments: tuple[str, ...]
    reference: str
    outcome: dict[str, Any] = field(default_factory=lambda: Outcome.nrs_0_10().to_dict())
    flagship: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "treatments", tuple(str(t) for t in self.treatments))
        object.__setattr__(self, "outcome", _plain(dict(self.outcome)))

    @classmethod
    def from_trial(cls, trial: Any) -> DataRecord:
        """Record of a :class:`bayes_keta.Trial`."""
        return cls(
            name=str(trial.name),
            sha256=str(trial.sha256),
            synthetic=bool(trial.synthetic),
            source=str(trial.source),
            n_subjects=int(trial.n_subjects),
            n_observations=int(trial.n_observations),
            n_days=int(trial.n_days),
            treatments=tuple(str(t) for t in trial.treatments),
            reference=str(trial.reference),
            outcome=trial.outcome.to_dict(),
            flagship=bool(trial.flagship),
        )


@dataclass(frozen=True)
class ModelRecord:
    """The model spec fitted.

    Attributes
    ----------
    name, sha256 : str
        Spec name and hash (:attr:`bayes_keta.spec.ModelSpec.sha256`).
    spec : dict
        :meth:`bayes_keta.spec.ModelSpec.to_dict`: structure, description and default priors
        (the spec is rebuilt from it).
    toml : str
        The spec file's text as read.
    source : str
        Where the spec was read from.
    builder : str or None
        The model builder that built the graph, when known.
    """

    name: str
    sha256: str
    spec: dict[str, Any]
    toml: str = ""
    source: str = "<dict>"
    builder: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "spec", _plain(dict(self.spec)))

    @property
    def structure(self) -> dict[str, Any]:
        """Structural choices (everything but description and priors)."""
        return {k: v for k, v in self.spec.items() if k not in ("description", "priors")}

    @property
    def description(self) -> str:
        """The spec's description."""
        return str(self.spec.get("description", ""))

    def to_spec(self) -> ModelSpec:
        """Rebuild the :class:`~bayes_keta.spec.ModelSpec` fitted from :attr:`spec`.

        Raises
        ------
        OutputError
            The record's spec does not fit this version's ModelSpec.
        """
        from bayes_keta.spec import ModelSpec, Prior

        values = {k: v for k, v in self.spec.items() if k not in ("priors", "sampler")}
        sampler = dict(self.spec.get("sampler", {}))
        if "mass_matrix" in values:  # records of fits made before [sampler] existed
            sampler["mass_matrix"] = values.pop("mass_matrix")
        try:
            priors = {
                role: Prior.from_dict(entry, role=role)
                for role, entry in self.spec.get("priors", {}).items()
            }
            return ModelSpec(
                **values,
                priors=priors,
                sampler_defaults=sampler,
                source=self.source,
                text=self.toml,
            )
        except (TypeError, ValueError, BayesKetaError) as err:
            raise OutputError(
                f"cannot rebuild spec {self.name!r} from the fit record: {err}"
            ) from err

    @classmethod
    def from_spec(cls, spec: Any, *, builder: str | None = None) -> ModelRecord:
        """Record of a :class:`bayes_keta.spec.ModelSpec`."""
        return cls(
            name=spec.name,
            sha256=spec.sha256,
            spec=spec.to_dict(),
            toml=spec.text,
            source=str(spec.source),
            builder=builder,
        )


@dataclass(frozen=True)
class SamplerRecord:
    """How the posterior was sampled: the settings, and what happened.

    Attributes
    ----------
    settings : SamplerSettings
        As run (``cores``, ``mass_matrix`` and the seed filled in).
    used : str
        The sampler that ran (``"pymc"`` after a fallback from nutpie).
    cache_hit : bool
        Whether the compiled model came from the compile cache.
    compile_seconds, sample_seconds : float
        Timings.
    compile : str or None
        nutpie's compile: ``"lean"`` or why nutpie's stock compile was used (None: PyMC).
    fallback_reason : str or None
        Why nutpie was not used when asked for.
    graph_key : str or None
        Hash of the compiled graph's structure.
    """

    settings: SamplerSettings
    used: str
    cache_hit: bool = False
    compile_seconds: float = 0.0
    sample_seconds: float = 0.0
    compile: str | None = None
    fallback_reason: str | None = None
    graph_key: str | None = None

    def __post_init__(self) -> None:
        for name in ("compile_seconds", "sample_seconds"):  # milliseconds are plenty
            object.__setattr__(self, name, round(float(getattr(self, name)), 3))

    def to_dict(self) -> dict[str, Any]:
        """Flat dict (the keys a fit's ``sampler`` provenance has always had, plus more)."""
        s = self.settings
        return {
            "sampler": self.used,
            "requested_sampler": s.sampler,
            "draws": s.draws,
            "tune": s.tune,
            "chains": s.chains,
            "cores": s.cores,
            "seed": s.seed,
            "mass_matrix": s.mass_matrix,
            "progressbar": s.progressbar,
            "target_accept": s.target_accept,
            "compile_cache_hit": self.cache_hit,
            "compile_seconds": self.compile_seconds,
            "sample_seconds": self.sample_seconds,
            "fallback_reason": self.fallback_reason,
            "compile": self.compile,
            "graph_key": self.graph_key,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SamplerRecord:
        """Rebuild from :meth:`to_dict`."""
        v = dict(values)
        settings = SamplerSettings(
            sampler=v["requested_sampler"],
            draws=int(v["draws"]),
            tune=int(v["tune"]),
            chains=int(v["chains"]),
            cores=v.get("cores"),
            seed=int(v["seed"]),
            mass_matrix=v.get("mass_matrix"),
            progressbar=bool(v.get("progressbar", False)),
            target_accept=v.get("target_accept"),
        )
        return cls(
            settings=settings,
            used=str(v["sampler"]),
            cache_hit=bool(v.get("compile_cache_hit", False)),
            compile_seconds=float(v.get("compile_seconds", 0.0)),
            sample_seconds=float(v.get("sample_seconds", 0.0)),
            compile=v.get("compile"),
            fallback_reason=v.get("fallback_reason"),
            graph_key=v.get("graph_key"),
        )


@dataclass(frozen=True)
class FitRecord:
    """Everything that produced a fit (see the module docstring).

    Attributes
    ----------
    data, model : DataRecord, ModelRecord
        The data set and the model spec.
    priors : dict
        Resolved priors applied, by role, as dicts (daily NRS points, before outcome scaling).
    priors_model_scale : dict
        The same on the model's own scale (what the graph's ``prior__*`` data hold).
    sampler : SamplerRecord
        Settings and what happened.
    prior_sources : any
        What was asked for (prior set names, override dicts), JSON-able.
    notes : tuple of str
        Facts about the build and fit (AUC cells dropped, missing data, prior scaling...).
    prior_scaling, missing_data : dict
        Prior scaling to the outcome and missing-data handling (counts); empty when older.
    observed_variable : str
        Name of the observed variable (``pain``, ``auc``).
    versions : dict
        Python and package versions.
    created, command : str, str or None
        UTC time (ISO 8601) and the command line that produced it.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> from bayes_keta.spec import load_spec
    >>> spec = load_spec("daily")
    >>> rec = FitRecord(
    ...     data=DataRecord.from_trial(bk.ketapain_synthetic()),
    ...     model=ModelRecord.from_spec(spec),
    ...     priors={r: p.to_dict() for r, p in spec.priors.items()},
    ...     sampler=SamplerRecord(SamplerSettings(seed=3), used="nutpie"),
    ... )
    >>> attrs = rec.to_attrs()
    >>> attrs["spec_name"], attrs["seed"], FitRecord.from_attrs(attrs) == rec
    ('daily', '3', True)
    """

    data: DataRecord
    model: ModelRecord
    priors: dict[str, Any]
    sampler: SamplerRecord
    priors_model_scale: dict[str, Any] = field(default_factory=dict)
    prior_sources: Any = None
    notes: tuple[str, ...] = ()
    observed_variable: str = "pain"
    prior_scaling: dict[str, Any] = field(default_factory=dict)
    missing_data: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, str] = field(default_factory=package_versions)
    created: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))
    command: str | None = field(default_factory=lambda: " ".join(sys.argv))

    def __post_init__(self) -> None:
        for name in (*_JSON_FIELDS, "missing_data"):
            object.__setattr__(self, name, _plain(getattr(self, name)))
        object.__setattr__(self, "notes", tuple(str(n) for n in self.notes))

    # ------------------------------------------------------------------------ (de)serialise
    def to_dict(self) -> dict[str, Any]:
        """JSON-able nested dict (with ``schema``)."""
        return {
            "schema": RECORD_SCHEMA,
            "data": {**self.data.__dict__, "treatments": list(self.data.treatments)},
            "model": dict(self.model.__dict__),
            "priors": self.priors,
            "priors_model_scale": self.priors_model_scale,
            "prior_sources": self.prior_sources,
            "sampler": self.sampler.to_dict(),
            "notes": list(self.notes),
            "observed_variable": self.observed_variable,
            "prior_scaling": self.prior_scaling,
            "missing_data": self.missing_data,
            "versions": self.versions,
            "created": self.created,
            "command": self.command,
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> FitRecord:
        """Rebuild from :meth:`to_dict` (:class:`OutputError` for another schema)."""
        schema = values.get("schema")
        if schema != RECORD_SCHEMA:
            raise OutputError(f"fit record schema {schema!r} is not {RECORD_SCHEMA!r}")
        try:
            return cls(
                data=DataRecord(**values["data"]),
                model=ModelRecord(**values["model"]),
                priors=values["priors"],
                priors_model_scale=values.get("priors_model_scale", {}),
                prior_sources=values.get("prior_sources"),
                sampler=SamplerRecord.from_dict(values["sampler"]),
                notes=tuple(values.get("notes", ())),
                observed_variable=values.get("observed_variable", "pain"),
                prior_scaling=values.get("prior_scaling", {}),
                missing_data=values.get("missing_data", {}),
                versions=values.get("versions", {}),
                created=values["created"],
                command=values.get("command"),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise OutputError(f"malformed fit record ({type(err).__name__}: {err})") from err

    def to_attrs(self) -> dict[str, str]:
        """DataTree attrs: the record as JSON under :data:`RECORD_ATTR`, plus flat keys."""
        return {
            RECORD_ATTR: json.dumps(self.to_dict(), sort_keys=True, allow_nan=False),
            "data_name": self.data.name,
            "data_sha256": self.data.sha256,
            "synthetic": "true" if self.data.synthetic else "false",
            "spec_name": self.model.name,
            "seed": str(self.sampler.settings.seed),
        }

    @classmethod
    def from_attrs(cls, attrs: Mapping[str, Any]) -> FitRecord:
        """Read the record from DataTree attrs (the JSON only).

        Raises
        ------
        OutputError
            No record (a fit saved before the record existed, or not a fit), or a malformed
            one.
        """
        text = attrs.get(RECORD_ATTR)
        if text is None:
            if any(key in attrs for key in _OLD_ATTRS):
                raise OutputError(
                    f"this fit predates the fit record ({RECORD_SCHEMA}): it was saved by an"
                    " older bayes_keta; refit it (same data, spec and seed give the same draws)"
                )
            raise OutputError(f"not a bayes_keta fit: the DataTree has no {RECORD_ATTR!r} attr")
        try:
            values = json.loads(str(text))
        except json.JSONDecodeError as err:
            raise OutputError(f"malformed fit record: {err}") from err
        return cls.from_dict(values)

    # ------------------------------------------------------------------------------- views
    def with_command(self, command: str | None) -> FitRecord:
        """Return a copy with another command line (None: unchanged)."""
        return self if command is None else replace(self, command=command)

    def provenance(self) -> dict[str, Any]:
        """Flat provenance dict (the keys exports and readers of old fits know).

        ``data_name``, ``data_sha256``, ``data_synthetic``, ``data_source``, ``spec_name``,
        ``spec_sha256``, ``spec`` (structure and default priors), ``spec_toml``, ``priors``,
        ``prior_sources``, ``sampler``, ``model_notes``, ``observed_variable``,
        ``priors_model_scale``, ``versions``, ``created``, ``command``, ``schema``.
        """
        return {
            "schema": RECORD_SCHEMA,
            "created": self.created,
            "versions": self.versions,
            "command": self.command,
            "data_name": self.data.name,
            "data_sha256": self.data.sha256,
            "data_synthetic": self.data.synthetic,
            "data_source": self.data.source,
            "spec_name": self.model.name,
            "spec_sha256": self.model.sha256,
            "spec": self.model.spec,
            "spec_toml": self.model.toml,
            "priors": self.priors,
            "prior_sources": self.prior_sources,
            "sampler": self.sampler.to_dict(),
            "model_notes": list(self.notes),
            "observed_variable": self.observed_variable,
            "priors_model_scale": self.priors_model_scale,
        }
