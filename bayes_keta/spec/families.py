"""The one table of prior families: name, parameters, support, PyMC constructor, checks.

Every place that needs to know a family reads :data:`FAMILIES`: prior validation
(:class:`bayes_keta.spec.Prior`), the model graph (:func:`bayes_keta.models.priors.prior_rv`
takes ``getattr(pymc, family.pymc)``), the report's prior table (``family.label``) and the
summary-level reanalysis (:class:`bayes_keta.published.Prior`). **Adding a family is one
entry here** (plus its distribution object in :mod:`bayes_keta.published.dists` if the
published reanalysis should offer it; see there).

Parameters carry PyMC's names and a *kind*, from which the checks and the rescaling follow:

``location``
    real; ``factor * X`` multiplies it (mirroring negates it).
``scale``
    > 0; multiplied by ``|factor|``.
``rate``
    > 0; multiplied by ``1 / factor``.
``shape``
    > 0; unchanged.
``log_location``
    real; ``log(factor)`` is added (a log-normal's ``mu``).
``bound``
    real; multiplied by ``factor`` (``lower < upper`` is checked).
``weights``
    > 0, one per mixture component; normalised to sum to 1.

A value is a number or, for a family whose parameters are per component (``vector``), a
non-empty list; other families accept a list too (e.g. ten cutpoint locations), and the roles
that need scalars say so (:mod:`bayes_keta.spec.spec`). PyMC is not imported here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bayes_keta.exceptions import SpecError

__all__ = ["FAMILIES", "Family", "Number", "family"]

Number = float | tuple[float, ...]

_POSITIVE_KINDS = frozenset({"scale", "rate", "shape", "weights"})


@dataclass(frozen=True)
class Family:
    """A prior family: its parameters (PyMC names, fixed order) and what they mean.

    Attributes
    ----------
    name : str
        Family name as written in specs and prior files (``"normal"``).
    kinds : mapping of str to str
        Each parameter (in order) and its kind (see the module docstring).
    support : {"real", "positive", "interval", "correlation"}
        Support of the distribution (positive families are allowed for SDs, ``tau``, ``nu``;
        ``correlation``: correlation matrices, the LKJ prior of correlated random effects,
        whose dimension ``n`` the model gives).
    pymc : str
        Name of the PyMC distribution class (``"Normal"``); keyword arguments are the
        parameter names.
    label : str
        Display name (``"Normal"``).
    vector : bool
        Parameters are lists, one value per component (mixtures).
    aliases : mapping of str to str
        Other accepted spellings of parameter names (older prior files), to the PyMC name.

    Examples
    --------
    >>> FAMILIES["gamma"].params, FAMILIES["gamma"].positive
    (('alpha', 'beta'), True)
    """

    name: str
    kinds: Mapping[str, str]
    support: str
    pymc: str
    label: str
    vector: bool = False
    aliases: Mapping[str, str] = field(default_factory=dict)

    @property
    def params(self) -> tuple[str, ...]:
        """Parameter names, in order."""
        return tuple(self.kinds)

    @property
    def positive(self) -> bool:
        """Whether the support is the positive reals."""
        return self.support == "positive"

    def check(
        self, raw: Mapping[str, Any], *, where: str, aliases: bool = False
    ) -> dict[str, Number]:
        """Validate a ``{param: value}`` mapping into numbers.

        Parameters
        ----------
        raw : mapping
            Parameter values (no family key).
        where : str
            Start of error messages, e.g. ``"prior 'sigma'"``.
        aliases : bool
            Accept the :attr:`aliases` spellings too (the published reanalysis's files).

        Returns
        -------
        dict
            ``{param: float or tuple of float}`` in the family's order (mixture weights
            normalised).

        Raises
        ------
        SpecError
            Missing or unknown parameters, non-numeric or non-finite values, non-positive
            values where the kind needs > 0, ``lower >= upper``, mixture lists of unequal
            length.

        Examples
        --------
        >>> FAMILIES["normal"].check({"mean": 0, "sd": 2}, where="prior 'x'", aliases=True)
        {'mu': 0.0, 'sigma': 2.0}
        """
        names = self.aliases if aliases else {}
        given = {names.get(k, k): v for k, v in raw.items()}
        missing = [n for n in self.params if n not in given]
        unknown = sorted(set(given) - set(self.params))
        if missing or unknown:
            raise SpecError(
                f"{where} ({self.name}) needs exactly {list(self.params)};"
                f" missing {missing}, unknown {unknown}"
            )
        values = {n: _number(given[n], f"{where} parameter {n!r}") for n in self.params}
        for name, kind in self.kinds.items():
            value = values[name]
            if kind in _POSITIVE_KINDS and min(_seq(value)) <= 0:
                raise SpecError(f"{where}: {name} must be > 0, got {value}")
        if self.vector:
            lengths = {len(v) if isinstance(v, tuple) else 0 for v in values.values()}
            if 0 in lengths:
                raise SpecError(f"{where}: {', '.join(self.params)} must be non-empty lists")
            if len(lengths) != 1:
                raise SpecError(f"{where}: {', '.join(self.params)} must have the same length")
        bounds = [n for n, k in self.kinds.items() if k == "bound"]
        if len(bounds) == 2 and not values[bounds[0]] < values[bounds[1]]:
            raise SpecError(f"{where}: {self.name} needs {bounds[0]} < {bounds[1]}")
        for name, kind in self.kinds.items():
            if kind == "weights":
                total = sum(_seq(values[name]))
                values[name] = tuple(w / total for w in _seq(values[name]))
        return values

    def scaled(self, params: Mapping[str, Number], factor: float) -> dict[str, Number]:
        """Parameters of the same family for ``factor * X`` (``factor > 0``).

        Examples
        --------
        >>> FAMILIES["exponential"].scaled({"lam": 2.0}, 4.0)
        {'lam': 0.5}
        """
        out = dict(params)
        for name, kind in self.kinds.items():
            if kind in ("location", "scale", "bound"):
                out[name] = _mul(out[name], factor)
            elif kind == "rate":
                out[name] = _mul(out[name], 1.0 / factor)
            elif kind == "log_location":
                out[name] = _shift(out[name], math.log(factor))
        return out

    def mirrored(self, params: Mapping[str, Number]) -> dict[str, Number]:
        """Parameters for ``-X`` (families of real support made of locations and scales).

        Raises
        ------
        SpecError
            A family for which ``-X`` is not of the same family.

        Examples
        --------
        >>> FAMILIES["student_t"].mirrored({"nu": 3.0, "mu": -0.5, "sigma": 1.0})
        {'nu': 3.0, 'mu': 0.5, 'sigma': 1.0}
        """
        kinds = set(self.kinds.values())
        if self.support != "real" or not kinds <= {"location", "scale", "shape", "weights"}:
            raise SpecError(f"a {self.name} prior cannot be mirrored (-X is not {self.name})")
        out = dict(params)
        for name, kind in self.kinds.items():
            if kind == "location":
                out[name] = _negated(out[name])
        return out


#: The prior families, by name (the order lists them in messages).
FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (
        Family(
            "normal",
            {"mu": "location", "sigma": "scale"},
            "real",
            "Normal",
            "Normal",
            aliases={"mean": "mu", "sd": "sigma"},
        ),
        Family(
            "student_t",
            {"nu": "shape", "mu": "location", "sigma": "scale"},
            "real",
            "StudentT",
            "StudentT",
        ),
        Family("halfnormal", {"sigma": "scale"}, "positive", "HalfNormal", "HalfNormal"),
        Family(
            "halfstudent_t",
            {"nu": "shape", "sigma": "scale"},
            "positive",
            "HalfStudentT",
            "HalfStudentT",
        ),
        Family("halfcauchy", {"beta": "scale"}, "positive", "HalfCauchy", "HalfCauchy"),
        Family("exponential", {"lam": "rate"}, "positive", "Exponential", "Exponential"),
        Family(
            "lognormal",
            {"mu": "log_location", "sigma": "shape"},
            "positive",
            "LogNormal",
            "LogNormal",
        ),
        Family("gamma", {"alpha": "shape", "beta": "rate"}, "positive", "Gamma", "Gamma"),
        Family("uniform", {"lower": "bound", "upper": "bound"}, "interval", "Uniform", "Uniform"),
        Family("lkj", {"eta": "shape"}, "correlation", "LKJCorr", "LKJ"),
        Family(
            "mixture",
            {"w": "weights", "mu": "location", "sigma": "scale"},
            "real",
            "NormalMixture",
            "NormalMixture",
            vector=True,
            aliases={"weights": "w", "means": "mu", "sds": "sigma"},
        ),
    )
}


def family(name: Any, *, where: str, key: str = "dist") -> Family:
    """Return the family called ``name`` (``key`` names the field in error messages).

    Raises
    ------
    SpecError
        Unknown family (the message lists the known ones).

    Examples
    --------
    >>> family("uniform", where="prior 'phi'").support
    'interval'
    """
    if name not in FAMILIES:
        raise SpecError(f"{where}: unknown {key} {name!r}; known: {', '.join(FAMILIES)}")
    return FAMILIES[name]


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


def _seq(value: Number) -> tuple[float, ...]:
    return value if isinstance(value, tuple) else (value,)


def _mul(value: Number, factor: float) -> Number:
    return tuple(v * factor for v in value) if isinstance(value, tuple) else value * factor


def _negated(value: Number) -> Number:
    """``-value`` (``+ 0.0``: no negative zero in tables)."""
    return tuple(-v + 0.0 for v in value) if isinstance(value, tuple) else -value + 0.0


def _shift(value: Number, offset: float) -> Number:
    return tuple(v + offset for v in value) if isinstance(value, tuple) else value + offset
