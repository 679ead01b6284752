"""Prior grids for sensitivity sweeps: TOML parsing, the default grid, expansion to settings.

A grid file (``models/grids/*.toml``; the shipped ``default.toml`` is commented key by key)::

    name = "default"
    description = "..."
    include_default = true         # the spec's own priors, setting "default" (reference row)
    sets = ["skeptical", "neutral", "enthusiastic"]   # named prior sets (or TOML paths)

    [effect]                       # treatment-effect prior: centre x scale, daily NRS points
    centres = [-1.0, -0.5, 0.0]    # prior mean (negative = less pain = benefit)
    scales = [0.5, 1.0, 2.0]       # prior SD

    [hyper]                        # variance hyperpriors: scale multipliers
    parameters = ["sigma_subject", "sigma_subject_period", "sigma"]
    multipliers = [0.5, 2.0]       # x1 is the default setting itself
    cross = false                  # true: every effect point at every multiplier

    [[settings]]                   # optional explicit settings
    name = "wide_residual"
    priors = { sigma = { sigma = 4.0 } }   # overrides (precedence as in ``fit``)

Expanding a grid against a spec (:meth:`SweepGrid.settings`) gives one :class:`SweepSetting`
per prior setting, each a list of prior sources applied on top of the caller's base priors
(precedence: setting > base > spec default). The effect grid changes only the centre and
scale of the spec's own treatment-effect family, and the multipliers only the scale of each
variance prior, so every setting shares one compiled graph (prior values are ``pm.Data``).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bayes_keta.exceptions import SpecError
from bayes_keta.spec import ModelSpec, PriorsArg, load_prior_set, models_dir, resolve_priors

__all__ = [
    "DEFAULT_GRID",
    "HYPER_ROLES",
    "SweepGrid",
    "SweepSetting",
    "default_grid",
    "grids_dir",
    "load_grid",
    "setting_seed",
]

#: Variance hyperpriors whose scale a grid may multiply.
HYPER_ROLES: tuple[str, ...] = ("sigma_subject", "sigma_subject_period", "sigma")

#: Name of the shipped default grid (``models/grids/default.toml``).
DEFAULT_GRID = "default"

_TOP_KEYS = ("name", "description", "include_default", "sets", "effect", "hyper", "settings")
_EFFECT_KEYS = ("centres", "scales")
_HYPER_KEYS = ("parameters", "multipliers", "cross")
_SETTING_KEYS = ("name", "priors", "sets")


def grids_dir() -> Path:
    """Directory of the shipped grids: ``models_dir()/grids``."""
    return models_dir() / "grids"


@dataclass(frozen=True)
class SweepSetting:
    """One prior setting of a sweep.

    Attributes
    ----------
    name : str
        Unique label (``default``, ``effect_mu-1_sd0.5``, ``hyper_x2``, ``skeptical``...).
    kind : str
        ``default``, ``effect``, ``hyper``, ``set`` or ``custom``.
    priors : tuple
        Prior sources (set names/paths, override dicts) applied after the base priors.
    effect_mu, effect_sigma : float
        Centre and scale of the grid's treatment-effect prior (NaN outside the effect grid).
    hyper_scale : float
        Multiplier of the variance hyperprior scales (1 when unchanged).
    prior_set : str
        Named prior set of the setting ('' when none).
    """

    name: str
    kind: str
    priors: tuple[Any, ...] = ()
    effect_mu: float = math.nan
    effect_sigma: float = math.nan
    hyper_scale: float = 1.0
    prior_set: str = ""

    def sources(self, base: PriorsArg = None) -> list[Any]:
        """Prior sources for :func:`bayes_keta.spec.resolve_priors`: base, then the setting."""
        return [*_as_list(base), *self.priors]


@dataclass(frozen=True)
class SweepGrid:
    """A validated sweep grid (see the module docstring for the TOML schema).

    Examples
    --------
    >>> grid = default_grid()
    >>> grid.sets, grid.centres, grid.scales, grid.multipliers
    (('skeptical', 'neutral', 'enthusiastic'), (-1.0, -0.5, 0.0), (0.5, 1.0, 2.0), (0.5, 2.0))
    """

    name: str
    description: str = ""
    include_default: bool = True
    sets: tuple[str, ...] = ()
    centres: tuple[float, ...] = ()
    scales: tuple[float, ...] = ()
    hyper_parameters: tuple[str, ...] = HYPER_ROLES
    multipliers: tuple[float, ...] = ()
    cross: bool = False
    custom: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    source: str = field(default="<dict>", repr=False)

    def to_dict(self) -> dict[str, Any]:
        """Plain dict in the TOML schema (JSON-serialisable; provenance)."""
        return {
            "name": self.name,
            "description": self.description,
            "include_default": self.include_default,
            "sets": list(self.sets),
            "effect": {"centres": list(self.centres), "scales": list(self.scales)},
            "hyper": {
                "parameters": list(self.hyper_parameters),
                "multipliers": list(self.multipliers),
                "cross": self.cross,
            },
            "settings": [{"name": n, "priors": list(p)} for n, p in self.custom],
            "source": self.source,
        }

    def settings(self, spec: ModelSpec, *, base: PriorsArg = None) -> tuple[SweepSetting, ...]:
        """Expand the grid into prior settings for ``spec`` (validated against it).

        Parameters
        ----------
        spec : ModelSpec
            The model the sweep fits.
        base : str, Path, dict or list, optional
            Prior sources every setting starts from (below the setting in precedence).

        Returns
        -------
        tuple of SweepSetting
            ``default`` (if included), the effect grid (hyper x1), the hyper multipliers (at
            the base effect prior, or crossed with the effect grid), the named sets, the
            custom settings; names unique.

        Raises
        ------
        SpecError
            A prior names a parameter the spec lacks, an unknown set, or duplicate names.

        Examples
        --------
        >>> from bayes_keta.spec import load_spec
        >>> [s.name for s in default_grid().settings(load_spec("daily"))][:3]
        ['default', 'effect_mu-1_sd0.5', 'effect_mu-1_sd1']
        """
        resolved = resolve_priors(spec, base)
        hyper_roles = [r for r in self.hyper_parameters if r in spec.roles]
        if self.multipliers and not hyper_roles:
            raise SpecError(
                f"grid {self.name!r}: model {spec.name!r} has none of the hyper parameters"
                f" {list(self.hyper_parameters)}; its parameters: {', '.join(spec.roles)}"
            )

        def hyper(m: float) -> dict[str, Any]:
            return {r: resolved[r].scaled(m).to_dict() for r in hyper_roles}

        out: list[SweepSetting] = []
        if self.include_default:
            out.append(SweepSetting("default", "default"))
        effect_points = [(c, s) for c in self.centres for s in self.scales]
        for m in (1.0, *self.multipliers) if self.cross else (1.0,):
            for c, s in effect_points:
                priors: dict[str, Any] = {"treatment_effect": {"mu": c, "sigma": s}}
                name = f"effect_mu{c:g}_sd{s:g}"
                if m != 1.0:
                    priors.update(hyper(m))
                    name += f"_hyper_x{m:g}"
                out.append(SweepSetting(name, "effect", (priors,), c, s, m))
        if not self.cross:
            for m in self.multipliers:
                out.append(SweepSetting(f"hyper_x{m:g}", "hyper", (hyper(m),), hyper_scale=m))
        for label in self.sets:
            set_name, _ = load_prior_set(label)
            out.append(SweepSetting(set_name, "set", (label,), prior_set=set_name))
        for name, sources in self.custom:
            sets = [s for s in sources if isinstance(s, str)]
            out.append(SweepSetting(name, "custom", sources, prior_set="+".join(sets)))
        names = [s.name for s in out]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise SpecError(f"grid {self.name!r}: duplicate setting names {dup}")
        if not out:
            raise SpecError(f"grid {self.name!r} has no settings")
        for setting in out:  # every prior valid for this spec, before any sampling
            resolve_priors(spec, setting.sources(base))
        return tuple(out)


def setting_seed(seed: int, name: str) -> int:
    """Seed of one grid point, from the base seed and the setting name only.

    Independent of the order or place settings run in, so a dask run equals a serial one.

    Examples
    --------
    >>> setting_seed(1, "default") == setting_seed(1, "default") != setting_seed(2, "default")
    True
    """
    digest = hashlib.sha256(f"{int(seed)}:{name}".encode()).digest()
    return int.from_bytes(digest[:4], "little") & 0x7FFFFFFF


def default_grid() -> SweepGrid:
    """Load the shipped default grid (``models/grids/default.toml``; 15 settings on daily)."""
    return load_grid(DEFAULT_GRID)


def load_grid(grid: str | Path | Mapping[str, Any] | SweepGrid | None = None) -> SweepGrid:
    """Read and validate a sweep grid.

    Parameters
    ----------
    grid : str, Path, mapping or SweepGrid, optional
        A grid name in ``models/grids`` (default ``"default"``), a TOML path, a dict in the
        TOML schema, or a grid (passed through).

    Returns
    -------
    SweepGrid

    Raises
    ------
    SpecError
        Unknown name or key (the message lists the valid ones), unknown hyper parameter,
        non-numeric or non-positive values, unreadable TOML.

    Examples
    --------
    >>> load_grid({"name": "tiny", "effect": {"centres": [0], "scales": [1]}}).centres
    (0.0,)
    >>> load_grid({"name": "x", "hyper": {"parameters": ["sigma_day"]}})
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    bayes_keta.exceptions.SpecError: grid 'x': unknown hyper parameter(s) ['sigma_day']; ...
    """
    if isinstance(grid, SweepGrid):
        return grid
    if grid is None:
        grid = DEFAULT_GRID
    if isinstance(grid, Mapping):
        return _parse(grid, source="<dict>", default_name="grid")
    path = Path(grid)
    if path.suffix != ".toml" and not path.exists():
        path = grids_dir() / f"{grid}.toml"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in grids_dir().glob("*.toml")))
            raise SpecError(
                f"unknown grid {str(grid)!r}; available: {known} (or give a path to a .toml)"
            )
    try:
        raw = tomllib.loads(path.read_text())
    except OSError as err:
        raise SpecError(f"cannot read grid {path}: {err.strerror}") from err
    except tomllib.TOMLDecodeError as err:
        raise SpecError(f"grid {path} is not valid TOML: {err}") from err
    return _parse(raw, source=str(path), default_name=path.stem)


# ------------------------------------------------------------------------------- validation
def _parse(raw: Mapping[str, Any], *, source: str, default_name: str) -> SweepGrid:
    name = str(raw.get("name", default_name))
    where = f"grid {name!r}"
    _known(raw, _TOP_KEYS, where)
    effect = _table(raw, "effect", _EFFECT_KEYS, where)
    hyper = _table(raw, "hyper", _HYPER_KEYS, where)
    centres = _numbers(effect.get("centres", ()), f"{where}: effect.centres")
    scales = _numbers(effect.get("scales", ()), f"{where}: effect.scales", positive=True)
    if bool(centres) != bool(scales):
        raise SpecError(f"{where}: [effect] needs both centres and scales (or neither)")
    params = hyper.get("parameters", list(HYPER_ROLES))
    if not isinstance(params, list) or not all(isinstance(p, str) for p in params) or not params:
        raise SpecError(f"{where}: hyper.parameters must be a non-empty list of names")
    unknown = [p for p in params if p not in HYPER_ROLES]
    if unknown:
        raise SpecError(
            f"{where}: unknown hyper parameter(s) {unknown}; valid: {', '.join(HYPER_ROLES)}"
        )
    multipliers = _numbers(hyper.get("multipliers", ()), f"{where}: hyper.multipliers", True)
    multipliers = tuple(m for m in multipliers if m != 1.0)
    cross = hyper.get("cross", False)
    include_default = raw.get("include_default", True)
    for key, value in (("hyper.cross", cross), ("include_default", include_default)):
        if not isinstance(value, bool):
            raise SpecError(f"{where}: {key} must be true or false, got {value!r}")
    sets = raw.get("sets", [])
    if not isinstance(sets, list) or not all(isinstance(s, str) for s in sets):
        raise SpecError(f"{where}: sets must be a list of prior-set names or paths")
    for label in sets:
        load_prior_set(label)
    return SweepGrid(
        name=name,
        description=str(raw.get("description", "")).strip(),
        include_default=include_default,
        sets=tuple(sets),
        centres=centres,
        scales=scales,
        hyper_parameters=tuple(params),
        multipliers=multipliers,
        cross=cross,
        custom=_custom(raw.get("settings", []), where),
        source=source,
    )


def _known(raw: Mapping[str, Any], keys: Sequence[str], where: str) -> None:
    unknown = sorted(set(raw) - set(keys))
    if unknown:
        raise SpecError(f"{where}: unknown key(s) {unknown}; valid: {', '.join(keys)}")


def _table(raw: Mapping[str, Any], key: str, keys: Sequence[str], where: str) -> Mapping:
    table = raw.get(key, {})
    if not isinstance(table, Mapping):
        raise SpecError(f"{where}: [{key}] must be a table")
    _known(table, keys, f"{where} [{key}]")
    return table


def _numbers(values: Any, where: str, positive: bool = False) -> tuple[float, ...]:
    if not isinstance(values, list | tuple):
        raise SpecError(f"{where} must be a list of numbers, got {values!r}")
    out = []
    for v in values:
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
            raise SpecError(f"{where} must hold finite numbers, got {v!r}")
        if positive and v <= 0:
            raise SpecError(f"{where} must be > 0, got {v!r}")
        out.append(float(v))
    if len(set(out)) != len(out):
        raise SpecError(f"{where} has repeated values {out}")
    return tuple(out)


def _custom(entries: Any, where: str) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    if not isinstance(entries, list):
        raise SpecError(f"{where}: [[settings]] must be an array of tables")
    out = []
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise SpecError(f"{where}: each [[settings]] needs a name")
        _known(entry, _SETTING_KEYS, f"{where} setting {entry['name']!r}")
        sets = entry.get("sets", [])
        priors = entry.get("priors", {})
        if not isinstance(sets, list) or not isinstance(priors, Mapping):
            raise SpecError(f"{where} setting {entry['name']!r}: sets is a list, priors a table")
        if not sets and not priors:
            raise SpecError(f"{where} setting {entry['name']!r}: give sets and/or priors")
        sources = tuple([*sets, *([dict(priors)] if priors else [])])
        out.append((entry["name"], sources))
    return tuple(out)


def _as_list(priors: PriorsArg) -> list[Any]:
    if priors is None:
        return []
    if isinstance(priors, str | Path | Mapping):
        return [priors]
    return list(priors)
