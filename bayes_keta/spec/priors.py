"""Prior objects: a distribution family plus numeric parameters, serialisable as TOML/JSON.

A :class:`Prior` is pure data (no PyMC). The model builders turn it into a random variable
whose numeric parameters are ``pm.Data`` (see :mod:`bayes_keta.models.priors`), so the same
compiled model can be refitted with other prior *values*; the *family* (``dist``) is part of
the graph structure. Families, their parameters and checks come from the one table
:data:`bayes_keta.spec.families.FAMILIES`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bayes_keta.exceptions import SpecError
from bayes_keta.spec.families import FAMILIES, Number, family

__all__ = ["DISTRIBUTIONS", "POSITIVE_FAMILIES", "Prior"]

#: Supported families and their parameters (PyMC names), in a fixed order (a view of
#: :data:`~bayes_keta.spec.families.FAMILIES`).
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {name: f.params for name, f in FAMILIES.items()}

#: Families with positive support (allowed for standard deviations, ``tau``, ``nu``).
POSITIVE_FAMILIES: frozenset[str] = frozenset(n for n, f in FAMILIES.items() if f.positive)


@dataclass(frozen=True)
class Prior:
    """A prior: a family name and its numeric parameters.

    Parameters
    ----------
    dist : str
        Family, one of :data:`DISTRIBUTIONS` (``normal``, ``halfnormal``, ``lognormal``...).
    params : mapping of str to float or tuple of float
        The family's parameters, PyMC names (``mu``, ``sigma``, ``lam``...).

    Examples
    --------
    >>> Prior.from_dict({"dist": "normal", "mu": 0, "sigma": 2}, role="treatment_effect")
    Prior(dist='normal', params={'mu': 0.0, 'sigma': 2.0})
    """

    dist: str
    params: Mapping[str, Number] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any], *, role: str, aliases: bool = False) -> Prior:
        """Validate a ``{dist = ..., <param> = ...}`` table into a :class:`Prior`.

        ``aliases=True`` also accepts the older parameter spellings of the family table
        (``mean``/``sd``...), as the published reanalysis's prior files use.

        Raises
        ------
        SpecError
            Unknown family, missing or unknown parameters, non-numeric or invalid values.
        """
        if isinstance(entry, Prior):
            return entry
        if not isinstance(entry, Mapping):
            raise SpecError(f"prior {role!r} must be a table like {{dist = 'normal', ...}}")
        where = f"prior {role!r}"
        fam = family(entry.get("dist"), where=where)
        given = {k: v for k, v in entry.items() if k != "dist"}
        return cls(dist=fam.name, params=fam.check(given, where=where, aliases=aliases))

    def to_dict(self) -> dict[str, Any]:
        """Plain ``{"dist": ..., <param>: ...}`` dict (TOML/JSON-serialisable)."""
        out: dict[str, Any] = {"dist": self.dist}
        for k, v in self.params.items():
            out[k] = list(v) if isinstance(v, tuple) else v
        return out

    def merged(self, partial: Mapping[str, Any], *, role: str) -> Prior:
        """Override some parameter values; a ``dist`` key replaces the whole prior.

        Examples
        --------
        >>> p = Prior.from_dict({"dist": "halfnormal", "sigma": 2}, role="sigma_subject")
        >>> p.merged({"sigma": 5}, role="sigma_subject").params["sigma"]
        5.0
        """
        if isinstance(partial, Prior):
            return partial
        if not isinstance(partial, Mapping):
            raise SpecError(f"prior override {role!r} must be a table, got {partial!r}")
        if "dist" in partial:
            return Prior.from_dict(partial, role=role)
        return Prior.from_dict({**self.to_dict(), **partial}, role=role)

    def scaled(self, factor: float) -> Prior:
        """Return the same prior for ``factor * X`` (``factor > 0``; the family table's rule).

        Used to express priors written in daily NRS points on a model's own scale (AUC:
        ``n_days`` points per NRS point; ordinal: logit units per NRS point).
        """
        if factor == 1.0:
            return self
        return Prior(dist=self.dist, params=FAMILIES[self.dist].scaled(self.params, factor))

    def describe(self) -> str:
        """Short human text, e.g. ``normal(mu=0, sigma=2)``."""
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return f"{self.dist}({args})"


def _fmt(value: Number) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}"
