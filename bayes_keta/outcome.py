"""The outcome a trial measures: its scale, which direction is benefit, and its decision rules.

An :class:`Outcome` is the context every estimand, table and sentence reads: what one reading
is (a daily pain score), its units and bounds, whether lower or higher is better, and the
clinically meaningful thresholds and region of practical equivalence (ROPE) on the outcome's
own scale. Estimands live on three kinds of scale (see :mod:`bayes_keta.estimands`):

``"outcome"``
    per-reading units (e.g. NRS points); thresholds :attr:`Outcome.thresholds`, ROPE
    :attr:`Outcome.rope`.
``"auc"``
    area under the by-reading curve, ``units x readings`` (e.g. pain score-days): thresholds
    and ROPE times the number of readings ``D`` (a d-unit daily difference over D days is
    ``D x d``).
``"percent"``
    relative change of the arm means: thresholds :attr:`Outcome.relative_thresholds_pct`, no
    ROPE.

Tables and files write the ``"outcome"`` kind under the outcome's own short name
(:attr:`Outcome.scale_name`, ``"nrs"`` for the 0-10 pain NRS), so that summary.json, exports
and sweeps read exactly as before outcomes were configurable; :meth:`Outcome.scale_label`
maps a kind to that written name and every helper accepts either.

Only the 0-10 pain NRS preset exists (:meth:`Outcome.nrs_0_10`, the defaults of
:mod:`bayes_keta.constants`). Other presets (a 0-100 VAS...) and reading outcomes from a
design file are planned: they are new classmethods / :meth:`Outcome.from_dict` input, nothing
else here changes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from bayes_keta.constants import (
    NRS_THRESHOLDS,
    PAIN_MAX,
    PAIN_MIN,
    RELATIVE_THRESHOLD_PCT,
    ROPE_NRS,
)
from bayes_keta.exceptions import SpecError

__all__ = ["SCALE_KINDS", "Outcome"]

#: The kinds of scale an estimand can live on, in reporting order.
SCALE_KINDS: tuple[str, ...] = ("outcome", "auc", "percent")

_NRS_SOURCES: tuple[str, ...] = (
    "Farrar JT et al. Pain 2001;94:149-158 (about 1 point minimally, about 2 points or 30%"
    " much improved)",
    "Dworkin RH et al. (IMMPACT) J Pain 2008;9:105-121 (>= 30% moderately important)",
)


@dataclass(frozen=True)
class Outcome:
    """What a reading measures and how a difference in it is judged.

    The defaults are the 0-10 pain NRS of KETAPAIN (:meth:`nrs_0_10`).

    Attributes
    ----------
    column : str
        Column of the data table holding the readings.
    scale_name : str
        Short name of the outcome scale written in tables and files (column ``scale``).
    label : str
        Axis and table label.
    noun : str
        What is measured, as written in sentences ("reduces mean daily pain").
    units : str
        Units of one reading (plural), e.g. ``"points"``.
    lower, upper : float
        Bounds of the scale.
    better : {"lower", "higher"}
        Direction of benefit.
    thresholds : tuple of float
        Clinically meaningful differences (magnitudes, in ``units``), ascending.
    rope : float or None
        Half-width of the region of practical equivalence (``units``); None: no ROPE.
    relative_thresholds_pct : tuple of float
        Meaningful relative differences of the arm means (percent), ascending.
    reading : str
        What one reading covers (``"day"``): AUC units are ``<units> x <reading>s``.
    auc_units : str or None
        Units of the AUC scale when they have a usual name ("pain score-days"); None: derived.
    sources : tuple of str
        Where the thresholds come from (written into summary.json and the text).
    preset : str or None
        Name of the preset this outcome came from (None: built by hand).

    Examples
    --------
    >>> nrs = Outcome.nrs_0_10()
    >>> nrs.benefit_sign, nrs.thresholds_for("auc", 35), nrs.rope_for("nrs", 35)
    (-1, (17.5, 35.0, 70.0), 0.5)
    >>> Outcome.from_dict(nrs.to_dict()) == nrs
    True
    """

    column: str = "pain"
    scale_name: str = "nrs"
    label: str = "Pain intensity (0-10 NRS)"
    noun: str = "pain"
    units: str = "points"
    lower: float = PAIN_MIN
    upper: float = PAIN_MAX
    better: Literal["lower", "higher"] = "lower"
    thresholds: tuple[float, ...] = NRS_THRESHOLDS
    rope: float | None = ROPE_NRS
    relative_thresholds_pct: tuple[float, ...] = (RELATIVE_THRESHOLD_PCT,)
    reading: str = "day"
    auc_units: str | None = "pain score-days"
    sources: tuple[str, ...] = _NRS_SOURCES
    preset: str | None = "nrs_0_10"

    def __post_init__(self) -> None:
        for name in ("thresholds", "relative_thresholds_pct", "sources"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        object.__setattr__(self, "thresholds", tuple(float(t) for t in self.thresholds))
        object.__setattr__(
            self, "relative_thresholds_pct", tuple(float(t) for t in self.relative_thresholds_pct)
        )
        problems = []
        if self.better not in ("lower", "higher"):
            problems.append(f"better must be 'lower' or 'higher', got {self.better!r}")
        if not float(self.lower) < float(self.upper):
            problems.append(f"lower ({self.lower:g}) must be below upper ({self.upper:g})")
        for name in ("thresholds", "relative_thresholds_pct"):
            values = getattr(self, name)
            if any(not t >= 0 for t in values) or list(values) != sorted(set(values)):
                problems.append(f"{name} must be distinct, ascending and >= 0, got {values}")
        if self.rope is not None and not float(self.rope) > 0:
            problems.append(f"rope must be > 0 or None, got {self.rope}")
        if self.scale_name in ("auc", "percent", "outcome", ""):
            problems.append(f"scale_name {self.scale_name!r} is reserved; name the scale")
        if problems:
            raise SpecError("invalid outcome: " + "; ".join(problems))

    # ---------------------------------------------------------------------------- presets
    @classmethod
    def nrs_0_10(cls) -> Outcome:
        """Daily pain on the 0-10 numeric rating scale; lower is better.

        Thresholds 0.5, 1 and 2 points of mean daily pain and 30% relative; ROPE +/-0.5
        point (:mod:`bayes_keta.constants`). Farrar JT et al., Pain 2001;94:149-158: about
        1 point (~15%) matched "minimally improved", about 2 points or ~30% "much improved";
        Dworkin RH et al. (IMMPACT), J Pain 2008;9:105-121: >= 30% moderately important.

        Examples
        --------
        >>> Outcome.nrs_0_10().label
        'Pain intensity (0-10 NRS)'
        """
        return cls()

    # --------------------------------------------------------------------------- scales
    @property
    def benefit_sign(self) -> int:
        """-1 when lower is better, +1 when higher is: benefit is ``benefit_sign * diff > 0``.

        Examples
        --------
        >>> Outcome.nrs_0_10().benefit_sign
        -1
        """
        return -1 if self.better == "lower" else 1

    def kind(self, scale: str) -> str:
        """Kind of a scale (``"outcome"``, ``"auc"``, ``"percent"``) from a kind or a label.

        Examples
        --------
        >>> Outcome.nrs_0_10().kind("nrs"), Outcome.nrs_0_10().kind("auc")
        ('outcome', 'auc')
        """
        if scale == self.scale_name:
            return "outcome"
        if scale in SCALE_KINDS:
            return scale
        raise ValueError(
            f"unknown scale {scale!r}; expected one of {[self.scale_name, *SCALE_KINDS[1:]]}"
        )

    def scale_label(self, scale: str) -> str:
        """Name a scale is written under in tables and files (``"outcome"`` -> ``"nrs"``).

        Examples
        --------
        >>> Outcome.nrs_0_10().scale_label("outcome"), Outcome.nrs_0_10().scale_label("auc")
        ('nrs', 'auc')
        """
        kind = self.kind(scale)
        return self.scale_name if kind == "outcome" else kind

    def units_for(self, scale: str) -> str:
        """Units of a scale (kind or label).

        Examples
        --------
        >>> [Outcome.nrs_0_10().units_for(s) for s in ("outcome", "auc", "percent")]
        ['points', 'pain score-days', 'percent']
        """
        kind = self.kind(scale)
        if kind == "outcome":
            return self.units
        if kind == "auc":
            return self.auc_units or f"{self.units} x {self.reading}s"
        return "percent"

    def thresholds_for(self, scale: str, n_days: int) -> tuple[float, ...]:
        """Benefit thresholds on a scale's own units (AUC: ``n_days x t``).

        Examples
        --------
        >>> Outcome.nrs_0_10().thresholds_for("percent", 35)
        (30.0,)
        """
        kind = self.kind(scale)
        if kind == "outcome":
            return self.thresholds
        if kind == "auc":
            return tuple(float(n_days * t) for t in self.thresholds)
        return self.relative_thresholds_pct

    def rope_for(self, scale: str, n_days: int) -> float | None:
        """ROPE half-width on a scale's own units (AUC: ``n_days x rope``; percent: None).

        Examples
        --------
        >>> nrs = Outcome.nrs_0_10()
        >>> nrs.rope_for("outcome", 35), nrs.rope_for("auc", 35), nrs.rope_for("percent", 35)
        (0.5, 17.5, None)
        """
        kind = self.kind(scale)
        if kind == "percent" or self.rope is None:
            return None
        return float(self.rope) if kind == "outcome" else float(self.rope * n_days)

    def decision_rules(self, n_days: int) -> dict[str, Any]:
        """Thresholds and ROPE of every scale (by written label) and their sources.

        The ``thresholds``, ``rope`` and ``sources`` entries of summary.json's ``estimands``.

        Examples
        --------
        >>> Outcome.nrs_0_10().decision_rules(35)["rope"]
        {'nrs': 0.5, 'auc': 17.5, 'percent': None}
        """
        labels = [self.scale_label(kind) for kind in SCALE_KINDS]
        return {
            "thresholds": {s: list(self.thresholds_for(s, n_days)) for s in labels},
            "rope": {s: self.rope_for(s, n_days) for s in labels},
            "sources": list(self.sources),
        }

    # ---------------------------------------------------------------------------- records
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able record (tuples as lists).

        Examples
        --------
        >>> Outcome.nrs_0_10().to_dict()["better"]
        'lower'
        """
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, record: Mapping[str, Any]) -> Outcome:
        """Rebuild from :meth:`to_dict` output; unknown keys are a :class:`SpecError`.

        Missing keys take the defaults (the 0-10 NRS).

        Examples
        --------
        >>> Outcome.from_dict({"better": "higher", "preset": None}).benefit_sign
        1
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(record) - known)
        if unknown:
            raise SpecError(f"unknown outcome field(s) {unknown}; known: {sorted(known)}")
        return cls(**dict(record))
