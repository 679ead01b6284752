"""Prior families for the summary-level reanalysis (Spiegelhalter tradition) and user priors.

Every prior is stated on the **benefit orientation** of a contrast: the effect of the
*favoured* arm minus the other arm, so that a **negative** value is a benefit of the favoured
arm (less pain). See :mod:`bayes_keta.published.reanalysis` for which arm of a row is favoured.

The three default families (Spiegelhalter, Freedman & Parmar, J R Stat Soc A 1994;157:357-416;
Goligher et al., JAMA 2018;320:2251-2259), for a design hypothesis ``D < 0``:

* ``vague``: Normal(0, vague_sd), a reference prior flat over any plausible effect.
* ``skeptical``: Normal(0, s) with ``s = |D| / z_{0.95}``, so P(effect beyond D) = 5%.
* ``enthusiastic``: Normal(D, s) with the same ``s``, so P(no benefit, effect >= 0) = 5%.

User priors (normal, Student-t, mixtures of normals) come from a TOML file or a one-line CLI
spec; a user prior may not reuse a default name. Families, parameter names and checks are
those of the workbench's one table (:data:`bayes_keta.spec.families.FAMILIES`, PyMC names);
the older spellings ``mean``/``sd`` (normal) and ``weights``/``means``/``sds`` (mixture) are
read as ``mu``/``sigma`` and ``w``/``mu``/``sigma``. :class:`Prior` here is a thin named
adapter around :class:`bayes_keta.spec.Prior` (the one prior class): it adds the name and
note the tables show and the distribution objects of the conjugate maths
(:mod:`bayes_keta.published.dists`). A family of the table becomes available here by giving
it a distribution object in ``_DIST_OBJECTS``.

TOML form (one table per prior)::

    [[prior]]
    name = "sceptical_wide"
    family = "normal"          # mu, sigma (or mean, sd)
    mu = 0.0
    sigma = 0.5

    [[prior]]
    name = "heavy_tailed"
    family = "student_t"       # nu, mu, sigma
    nu = 3
    mu = 0.0
    sigma = 0.3

    [[prior]]
    name = "null_or_moderate"
    family = "mixture"         # mixture of normals: w, mu, sigma (or weights, means, sds)
    w = [0.5, 0.5]
    mu = [0.0, -0.5]
    sigma = [0.1, 0.2]

CLI form: ``NAME=normal(MEAN,SD)``, ``NAME=student_t(NU,MU,SIGMA)``,
``NAME=mixture(W:MEAN:SD,W:MEAN:SD,...)``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scipy import stats

from bayes_keta.exceptions import SpecError
from bayes_keta.published.dists import NormalMixtureDist, StudentTDist
from bayes_keta.spec import Prior as FamilyPrior
from bayes_keta.spec.families import FAMILIES

__all__ = [
    "Prior",
    "DEFAULT_PRIOR_NAMES",
    "TAIL_PROB",
    "vague_prior",
    "skeptical_prior",
    "enthusiastic_prior",
    "spiegelhalter_priors",
    "parse_prior_spec",
    "read_priors_toml",
]

#: Names of the default families, in the order tables list them.
DEFAULT_PRIOR_NAMES: tuple[str, ...] = ("vague", "skeptical", "enthusiastic")

#: Tail probability that calibrates the skeptical and enthusiastic priors (Spiegelhalter 1994).
TAIL_PROB: float = 0.05

#: Families the summary-level reanalysis offers: the family table's entries with a
#: distribution object (benefit orientation) for the closed-form / plotting maths.
_DIST_OBJECTS: dict[str, Any] = {
    "normal": lambda p: NormalMixtureDist((1.0,), (p["mu"],), (p["sigma"],)),
    "student_t": lambda p: StudentTDist(p["nu"], p["mu"], p["sigma"]),
    "mixture": lambda p: NormalMixtureDist(p["w"], p["mu"], p["sigma"]),
}
_NAME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_\-]*$")


@dataclass(frozen=True)
class Prior:
    """A named prior on the benefit-oriented effect (negative = favoured arm does better).

    Attributes
    ----------
    name : str
        Label used in tables (``vague``, ``skeptical``, ``enthusiastic`` or the user's name).
    family : {"normal", "student_t", "mixture"}
        Distribution family (of :data:`bayes_keta.spec.families.FAMILIES`).
    params : Mapping
        The family's parameters, PyMC names: ``normal``: ``mu``, ``sigma``; ``student_t``:
        ``nu``, ``mu``, ``sigma``; ``mixture``: ``w``, ``mu``, ``sigma`` (lists; normal
        components; weights are renormalised). Older spellings are accepted (module docs).
    note : str
        Why this prior (shown in the provenance sidecar).

    Examples
    --------
    >>> p = Prior("wide", "normal", {"mean": 0.0, "sd": 1.0})
    >>> p.conjugate, p.label, p.params
    (True, 'Normal(0, 1)', {'mu': 0.0, 'sigma': 1.0})
    """

    name: str
    family: str
    params: Mapping[str, Any]
    note: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not _NAME_RE.match(self.name):
            raise SpecError(
                f"prior name {self.name!r} must start with a letter and contain only letters,"
                " digits, '_' or '-'"
            )
        if self.family not in _DIST_OBJECTS:
            raise SpecError(
                f"prior {self.name!r}: unknown family {self.family!r}"
                f" (known: {', '.join(_DIST_OBJECTS)})"
            )
        if not isinstance(self.params, Mapping):
            raise SpecError(f"prior {self.name!r}: parameters must be a mapping")
        checked = FamilyPrior.from_dict(
            {**self.params, "dist": self.family}, role=self.name, aliases=True
        )
        if not FAMILIES[self.family].vector:
            lists = [k for k, v in checked.params.items() if isinstance(v, tuple)]
            if lists:
                raise SpecError(f"prior {self.name!r}: {', '.join(lists)} must be numbers")
        object.__setattr__(self, "params", dict(checked.params))

    @property
    def prior(self) -> FamilyPrior:
        """The prior as the workbench's :class:`bayes_keta.spec.Prior` (family + values)."""
        return FamilyPrior(self.family, self.params)

    @property
    def conjugate(self) -> bool:
        """True when the posterior under a normal likelihood has closed form."""
        return isinstance(self.dist, NormalMixtureDist)

    @property
    def dist(self) -> NormalMixtureDist | StudentTDist:
        """The prior as a distribution object (benefit orientation)."""
        return _DIST_OBJECTS[self.family](self.params)

    @property
    def label(self) -> str:
        """Short human-readable form, e.g. ``Normal(0, 0.304)``."""
        p = self.params
        if self.family == "normal":
            return f"Normal({p['mu']:.3g}, {p['sigma']:.3g})"
        if self.family == "student_t":
            return f"StudentT(nu={p['nu']:.3g}, {p['mu']:.3g}, {p['sigma']:.3g})"
        parts = [
            f"{w:.3g}*N({m:.3g}, {s:.3g})"
            for w, m, s in zip(p["w"], p["mu"], p["sigma"], strict=True)
        ]
        return "Mixture(" + " + ".join(parts) + ")"

    def mirrored(self) -> Prior:
        """Return the prior of ``-effect`` (the other orientation of the contrast).

        Examples
        --------
        >>> Prior("e", "normal", {"mu": -0.5, "sigma": 0.3}).mirrored().params
        {'mu': 0.5, 'sigma': 0.3}
        """
        params = FAMILIES[self.family].mirrored(self.params)
        return Prior(self.name, self.family, params, self.note)

    def random_variable(self, name: str, *, dims: str) -> Any:
        """Add ``name ~ prior`` to the current PyMC model (the family table's constructor)."""
        import numpy as np
        import pymc as pm

        dist = getattr(pm, FAMILIES[self.family].pymc)
        values = {k: (np.asarray(v) if isinstance(v, tuple) else v) for k, v in self.params.items()}
        return dist(name, **values, dims=dims)

    def to_dict(self) -> dict[str, Any]:
        """Return a serialisable dict (inverse of :meth:`from_dict`)."""
        out: dict[str, Any] = {"name": self.name, "family": self.family}
        out.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in self.params.items()})
        if self.note:
            out["note"] = self.note
        return out

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> Prior:
        """Build a prior from a mapping with ``name``, ``family`` and the family's parameters.

        Examples
        --------
        >>> Prior.from_dict({"name": "t3", "family": "student_t", "nu": 3, "mu": 0, "sigma": 1})
        ... # doctest: +ELLIPSIS
        Prior(name='t3', family='student_t', ...)
        """
        if not isinstance(raw, Mapping):
            raise SpecError(f"a prior must be a table/mapping, got {type(raw).__name__}")
        raw = dict(raw)
        name = raw.pop("name", None)
        family = raw.pop("family", None)
        note = str(raw.pop("note", ""))
        if name is None or family is None:
            raise SpecError(f"prior {raw!r} needs a 'name' and a 'family'")
        return cls(str(name), str(family), raw, note)


def _z(tail_prob: float) -> float:
    if not 0 < tail_prob < 0.5:
        raise SpecError(f"tail probability must be in (0, 0.5), got {tail_prob}")
    return float(stats.norm.ppf(1 - tail_prob))


def _check_design(design_effect: float) -> float:
    d = float(design_effect)
    if not math.isfinite(d) or d >= 0:
        raise SpecError(
            f"design effect must be a finite negative number (benefit = less pain), got {d}"
        )
    return d


def vague_prior(sd: float = 10.0) -> Prior:
    """Vague reference prior Normal(0, sd).

    Examples
    --------
    >>> vague_prior(10.0).label
    'Normal(0, 10)'
    """
    return Prior(
        "vague", "normal", {"mu": 0.0, "sigma": sd}, "reference prior, flat over plausible effects"
    )


def skeptical_prior(design_effect: float, *, tail_prob: float = TAIL_PROB) -> Prior:
    """Skeptical prior: Normal(0, s) with P(effect beyond the design hypothesis) = ``tail_prob``.

    Parameters
    ----------
    design_effect : float
        Design hypothesis on the benefit orientation (negative).
    tail_prob : float
        Prior probability of an effect at least as large as the design hypothesis.

    Examples
    --------
    >>> p = skeptical_prior(-0.5)
    >>> round(float(p.dist.cdf(-0.5)), 3)
    0.05
    """
    d = _check_design(design_effect)
    sd = abs(d) / _z(tail_prob)
    note = f"centred on no effect; P(effect beyond design hypothesis {d:g}) = {tail_prob:g}"
    return Prior("skeptical", "normal", {"mu": 0.0, "sigma": sd}, note)


def enthusiastic_prior(design_effect: float, *, tail_prob: float = TAIL_PROB) -> Prior:
    """Enthusiastic prior: Normal(D, s) with P(no benefit, effect >= 0) = ``tail_prob``.

    Parameters
    ----------
    design_effect : float
        Design hypothesis ``D`` on the benefit orientation (negative).
    tail_prob : float
        Prior probability of no benefit.

    Examples
    --------
    >>> p = enthusiastic_prior(-0.5)
    >>> round(1 - float(p.dist.cdf(0.0)), 3)
    0.05
    """
    d = _check_design(design_effect)
    sd = abs(d) / _z(tail_prob)
    note = f"centred on the design hypothesis {d:g}; P(no benefit) = {tail_prob:g}"
    return Prior("enthusiastic", "normal", {"mu": d, "sigma": sd}, note)


def spiegelhalter_priors(
    design_effect: float, *, vague_sd: float = 10.0, tail_prob: float = TAIL_PROB
) -> tuple[Prior, Prior, Prior]:
    """Return the vague, skeptical and enthusiastic priors for a design hypothesis.

    Examples
    --------
    >>> [p.name for p in spiegelhalter_priors(-0.5)]
    ['vague', 'skeptical', 'enthusiastic']
    """
    return (
        vague_prior(vague_sd),
        skeptical_prior(design_effect, tail_prob=tail_prob),
        enthusiastic_prior(design_effect, tail_prob=tail_prob),
    )


_SPEC_RE = re.compile(r"^\s*([^=\s]+)\s*=\s*([a-z_]+)\s*\((.*)\)\s*$")


def parse_prior_spec(spec: str) -> Prior:
    """Parse a one-line CLI prior spec.

    Parameters
    ----------
    spec : str
        ``NAME=normal(MEAN,SD)``, ``NAME=student_t(NU,MU,SIGMA)`` or
        ``NAME=mixture(W:MEAN:SD,W:MEAN:SD,...)``.

    Returns
    -------
    Prior

    Examples
    --------
    >>> parse_prior_spec("t3=student_t(3, 0, 0.3)").label
    'StudentT(nu=3, 0, 0.3)'
    >>> parse_prior_spec("mix=mixture(0.5:0:0.1, 0.5:-0.5:0.2)").family
    'mixture'
    """
    match = _SPEC_RE.match(spec)
    if not match:
        raise SpecError(
            f"cannot parse prior spec {spec!r}; expected NAME=normal(MEAN,SD),"
            " NAME=student_t(NU,MU,SIGMA) or NAME=mixture(W:MEAN:SD,...)"
        )
    name, family, body = match.groups()
    args = [a.strip() for a in body.split(",") if a.strip()]
    if family == "mixture":
        comps = [a.split(":") for a in args]
        if not comps or any(len(c) != 3 for c in comps):
            raise SpecError(f"prior spec {spec!r}: mixture components must be W:MEAN:SD")
        columns = zip(*[[_cli_number(spec, v) for v in c] for c in comps], strict=True)
        params: dict[str, Any] = dict(zip(FAMILIES["mixture"].params, columns, strict=True))
    elif family in _DIST_OBJECTS:
        keys = FAMILIES[family].params
        if len(args) != len(keys):
            raise SpecError(f"prior spec {spec!r}: {family} takes {len(keys)} numbers ({keys})")
        params = {k: _cli_number(spec, a) for k, a in zip(keys, args, strict=True)}
    else:
        raise SpecError(f"prior spec {spec!r}: unknown family {family!r}")
    return Prior(name, family, params)


def _cli_number(spec: str, text: str) -> float:
    """Parse a number of a one-line prior spec."""
    try:
        return float(text)
    except ValueError:
        raise SpecError(f"prior spec {spec!r}: {text.strip()!r} is not a number") from None


def read_priors_toml(source: str | Path) -> tuple[Prior, ...]:
    r"""Read user priors from a TOML file (``[[prior]]`` tables; see the module docstring).

    Parameters
    ----------
    source : str or Path
        Path to the TOML file.

    Returns
    -------
    tuple of Prior

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "p.toml"
    >>> _ = path.write_text('[[prior]]\nname = "wide"\nfamily = "normal"\nmean = 0\nsd = 1\n')
    >>> [p.name for p in read_priors_toml(path)]
    ['wide']
    """
    path = Path(source)
    try:
        raw = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"priors file not found: {path}") from None
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"priors file {path} is not valid TOML: {err}") from None
    unknown = set(raw) - {"prior"}
    if unknown:
        raise SpecError(f"priors file {path}: unknown top-level keys {sorted(unknown)}")
    tables = raw.get("prior")
    if not isinstance(tables, list) or not tables:
        raise SpecError(f"priors file {path} has no [[prior]] tables")
    return tuple(Prior.from_dict(t) for t in tables)
