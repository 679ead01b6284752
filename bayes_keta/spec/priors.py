"""Prior objects: a distribution family plus numeric parameters, serialisable as TOML/JSON.

A :class:`Prior` is pure data (no PyMC). The model builders turn it into a random variable
whose numeric parameters are ``pm.Data`` (see :mod:`bayes_keta.models.priors`), so the same
compiled model can be refitted with other prior *values*; the *family* (``dist``) is part of
the graph structure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bayes_keta.exceptions import SpecError

__all__ = ["DISTRIBUTIONS", "POSITIVE_PARAMS", "Prior"]

#: Supported families and their parameters (PyMC names), in a fixed order.
DISTRIBUTIONS: dict[str, tuple[str, ...]] = {
    "normal": ("mu", "sigma"),
    "student_t": ("nu", "mu", "sigma"),
    "halfnormal": ("sigma",),
    "halfstudent_t": ("nu", "sigma"),
    "halfcauchy": ("beta",),
    "exponential": ("lam",),
    "lognormal": ("mu", "sigma"),
    "gamma": ("alpha", "beta"),
    "uniform": ("lower", "upper"),
}

#: Families with positive support (allowed for standard deviations, ``tau``, ``nu``).
POSITIVE_FAMILIES: frozenset[str] = frozenset(
    {"halfnormal", "halfstudent_t", "halfcauchy", "exponential", "lognormal", "gamma"}
)

#: Parameters that must be strictly positive.
POSITIVE_PARAMS: frozenset[str] = frozenset({"sigma", "nu", "beta", "lam", "alpha"})

Number = float | tuple[float, ...]


def _number(value: Any, where: str) -> Number:
    if isinstance(value, bool):
        raise SpecError(f"{where} must be a number, got {value!r}")
    if isinstance(value, int | float):
        if not math.isfinite(value):
            raise SpecError(f"{where} must be finite, got {value!r}")
        return float(value)
    if isinstance(value, list | tuple) and value:
        return tuple(float(_number(v, where)) for v in value)
    raise SpecError(f"{where} must be a number or a non-empty list of numbers, got {value!r}")


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
    def from_dict(cls, entry: Mapping[str, Any], *, role: str) -> Prior:
        """Validate a ``{dist = ..., <param> = ...}`` table into a :class:`Prior`.

        Raises
        ------
        SpecError
            Unknown family, missing or unknown parameters, non-numeric or invalid values.
        """
        if isinstance(entry, Prior):
            return entry
        if not isinstance(entry, Mapping):
            raise SpecError(f"prior {role!r} must be a table like {{dist = 'normal', ...}}")
        dist = entry.get("dist")
        if dist not in DISTRIBUTIONS:
            raise SpecError(
                f"prior {role!r}: unknown dist {dist!r}; known: {', '.join(DISTRIBUTIONS)}"
            )
        names = DISTRIBUTIONS[dist]
        given = {k: v for k, v in entry.items() if k != "dist"}
        missing = [n for n in names if n not in given]
        unknown = sorted(set(given) - set(names))
        if missing or unknown:
            raise SpecError(
                f"prior {role!r} ({dist}) needs exactly {list(names)};"
                f" missing {missing}, unknown {unknown}"
            )
        params = {n: _number(given[n], f"prior {role!r} parameter {n!r}") for n in names}
        for name in POSITIVE_PARAMS.intersection(params):
            values = params[name] if isinstance(params[name], tuple) else (params[name],)
            if min(values) <= 0:
                raise SpecError(f"prior {role!r}: {name} must be > 0, got {params[name]}")
        if dist == "uniform" and not params["lower"] < params["upper"]:
            raise SpecError(f"prior {role!r}: uniform needs lower < upper")
        return cls(dist=dist, params=params)

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
        """Return the same prior for ``factor * X`` (location/scale families only).

        Used to express priors written in daily NRS points on a model's own scale (AUC:
        ``n_days`` points per NRS point; ordinal: logit units per NRS point).
        """
        if factor == 1.0:
            return self
        p = dict(self.params)
        if self.dist in ("normal", "student_t", "lognormal"):
            if self.dist == "lognormal":
                p["mu"] = _shift(p["mu"], math.log(factor))
            else:
                p["mu"] = _mul(p["mu"], factor)
                p["sigma"] = _mul(p["sigma"], factor)
        elif self.dist in ("halfnormal", "halfstudent_t"):
            p["sigma"] = _mul(p["sigma"], factor)
        elif self.dist == "halfcauchy":
            p["beta"] = _mul(p["beta"], factor)
        elif self.dist == "exponential":
            p["lam"] = _mul(p["lam"], 1.0 / factor)
        elif self.dist == "gamma":
            p["beta"] = _mul(p["beta"], 1.0 / factor)
        elif self.dist == "uniform":
            p["lower"], p["upper"] = _mul(p["lower"], factor), _mul(p["upper"], factor)
        return Prior(dist=self.dist, params=p)

    def describe(self) -> str:
        """Short human text, e.g. ``normal(mu=0, sigma=2)``."""
        args = ", ".join(f"{k}={_fmt(v)}" for k, v in self.params.items())
        return f"{self.dist}({args})"


def _mul(value: Number, factor: float) -> Number:
    return tuple(v * factor for v in value) if isinstance(value, tuple) else value * factor


def _shift(value: Number, offset: float) -> Number:
    return tuple(v + offset for v in value) if isinstance(value, tuple) else value + offset


def _fmt(value: Number) -> str:
    if isinstance(value, tuple):
        return "[" + ", ".join(f"{v:g}" for v in value) + "]"
    return f"{value:g}"
