"""The outcome a trial measures: its scale, which direction is benefit, and its decision rules.

An :class:`Outcome` is the context every estimand, table and sentence reads: what one reading
is (a daily pain score, a blood pressure), its units and (optional) bounds, whether lower or
higher is better, and the clinically meaningful thresholds and region of practical
equivalence (ROPE) on the outcome's own scale. Estimands live on three kinds of scale (see
:mod:`bayes_keta.estimands`):

``"outcome"``
    per-reading units (e.g. NRS points, mm, mmHg); thresholds :attr:`Outcome.thresholds`,
    ROPE :attr:`Outcome.rope`.
``"auc"``
    area under the by-reading curve, ``units x readings`` (e.g. pain score-days): thresholds
    and ROPE times the number of readings ``D`` (a d-unit difference over D readings is
    ``D x d``).
``"percent"``
    relative change of the arm means: thresholds :attr:`Outcome.relative_thresholds_pct`, no
    ROPE. A between-arm ratio of means, not a within-patient change.

Tables and files write the ``"outcome"`` kind under the outcome's short name
(:attr:`Outcome.scale_name`: ``"nrs"``, ``"vas"``...; :meth:`Outcome.scale_label`), so files of
the 0-10 NRS read as before outcomes were configurable.

Presets :meth:`Outcome.nrs_0_10` (the default) and :meth:`Outcome.vas_0_100`; any other
outcome is declared in a design file's ``[outcome]`` table or by ``--outcome-*`` flags
(:mod:`bayes_keta.outcome_table`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Literal

from bayes_keta.constants import (
    NRS_SOURCES,
    NRS_THRESHOLDS,
    PAIN_MAX,
    PAIN_MIN,
    RELATIVE_THRESHOLD_PCT,
    ROPE_NRS,
    VAS_ROPE,
    VAS_SOURCES,
    VAS_THRESHOLDS,
)
from bayes_keta.exceptions import SpecError

#: Adjective of a reading's time span (``"day"`` -> ``"daily"``).
_PER_READING = {"day": "daily", "week": "weekly", "month": "monthly", "hour": "hourly"}

__all__ = ["PRESETS", "SCALE_KINDS", "Outcome"]

#: The kinds of scale an estimand can live on, in reporting order.
SCALE_KINDS: tuple[str, ...] = ("outcome", "auc", "percent")


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
    lower, upper : float or None
        Bounds of the scale (None: unbounded on that side); readings outside are refused.
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
        Name of the preset this outcome came from (None: declared or built by hand).

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
    lower: float | None = PAIN_MIN
    upper: float | None = PAIN_MAX
    better: Literal["lower", "higher"] = "lower"
    thresholds: tuple[float, ...] = NRS_THRESHOLDS
    rope: float | None = ROPE_NRS
    relative_thresholds_pct: tuple[float, ...] = (RELATIVE_THRESHOLD_PCT,)
    reading: str = "day"
    auc_units: str | None = "pain score-days"
    sources: tuple[str, ...] = NRS_SOURCES
    preset: str | None = "nrs_0_10"

    def __post_init__(self) -> None:
        for name in ("thresholds", "relative_thresholds_pct"):
            object.__setattr__(self, name, tuple(float(t) for t in getattr(self, name)))
        object.__setattr__(self, "sources", tuple(str(s) for s in self.sources))
        for name in ("lower", "upper", "rope"):
            value = getattr(self, name)
            object.__setattr__(self, name, None if value is None else float(value))
        problems = []
        if self.better not in ("lower", "higher"):
            problems.append(f"better must be 'lower' or 'higher', got {self.better!r}")
        for name in ("lower", "upper"):
            value = getattr(self, name)
            if value is not None and not math.isfinite(value):
                problems.append(f"{name} must be finite or omitted, got {value}")
        if self.bounded and not self.lower < self.upper:  # type: ignore[operator]
            problems.append(f"lower ({self.lower:g}) must be below upper ({self.upper:g})")
        for name in ("thresholds", "relative_thresholds_pct"):
            values = getattr(self, name)
            if any(not t >= 0 for t in values) or list(values) != sorted(set(values)):
                problems.append(f"{name} must be distinct, ascending and >= 0, got {values}")
        if self.rope is not None and not self.rope > 0:
            problems.append(f"rope must be > 0 or None, got {self.rope}")
        if self.bounded:
            width = self.upper - self.lower  # type: ignore[operator]
            too_big = [t for t in self.thresholds if t >= width]
            if too_big:
                problems.append(f"thresholds {too_big} are not below the range {width:g}")
            if self.rope is not None and self.rope >= width:
                problems.append(f"rope ({self.rope:g}) is not below the range {width:g}")
        if self.scale_name in ("auc", "percent", "logit", ""):
            problems.append(f"scale_name {self.scale_name!r} is reserved; name the scale")
        elif not re.fullmatch(r"[a-z][a-z0-9_]*", self.scale_name):
            problems.append(f"scale_name {self.scale_name!r}: lower-case letters, digits, _")
        for name in ("column", "units", "reading", "label", "noun"):
            if not str(getattr(self, name)).strip():
                problems.append(f"{name} must be a non-empty string")
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
        These are within-patient changes; as between-arm thresholds they are a convention,
        and the 30% is applied to a between-arm ratio of means (not a responder rate).

        Examples
        --------
        >>> Outcome.nrs_0_10().label
        'Pain intensity (0-10 NRS)'
        """
        return cls()

    @classmethod
    def vas_0_100(cls) -> Outcome:
        """Pain on a 100 mm visual analogue scale (0-100); lower is better.

        Thresholds 10, 13 and 20 mm and 30% relative; ROPE +/-5 mm. Their sources, and which
        are conventions, are written beside :data:`bayes_keta.constants.VAS_THRESHOLDS`
        (10 mm: Myles 2017; 13 mm: Todd 1996, Gallagher 2001; 20 mm and the ROPE: Farrar's
        NRS anchors times 10). Declare your own in ``[outcome]`` when your field has better.

        Examples
        --------
        >>> vas = Outcome.vas_0_100()
        >>> vas.units, vas.thresholds, vas.rope_for("auc", 1)
        ('mm', (10.0, 13.0, 20.0), 5.0)
        """
        return cls(
            scale_name="vas",
            label="Pain intensity (0-100 mm VAS)",
            units="mm",
            lower=0.0,
            upper=100.0,
            thresholds=VAS_THRESHOLDS,
            rope=VAS_ROPE,
            auc_units=None,
            sources=VAS_SOURCES,
            preset="vas_0_100",
        )

    @classmethod
    def preset_named(cls, name: str) -> Outcome:
        """Return a preset by name (:data:`PRESETS`).

        Raises
        ------
        SpecError
            Unknown name (the message lists the presets).

        Examples
        --------
        >>> Outcome.preset_named("vas_0_100").scale_name
        'vas'
        """
        if name not in PRESETS:
            raise SpecError(f"unknown outcome preset {name!r}; presets: {', '.join(PRESETS)}")
        return getattr(cls, name)()

    @classmethod
    def from_table(cls, table: Mapping[str, Any], *, where: str = "[outcome]") -> Outcome:
        """Read an ``[outcome]`` table (see the module docstring for its keys).

        Parameters
        ----------
        table : mapping
            The table as parsed from TOML (or built from CLI flags).
        where : str
            What to call the table in messages (e.g. the design file and table).

        Raises
        ------
        SpecError
            An unknown key, a value of the wrong type, a custom outcome without ``units`` or
            ``better``, or an invalid outcome; the message names the key.

        Examples
        --------
        >>> bp = Outcome.from_table({"label": "Systolic blood pressure", "units": "mmHg",
        ...                          "better": "lower", "thresholds": [2, 5, 10], "rope": 2})
        >>> bp.bounded, bp.noun, bp.thresholds_for("auc", 8)
        (False, 'systolic blood pressure', (16.0, 40.0, 80.0))
        >>> Outcome.from_table({"preset": "vas_0_100", "column": "vas"}).preset
        'vas_0_100'
        """
        from bayes_keta.outcome_table import outcome_from_table

        return outcome_from_table(table, where=where)

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

    @property
    def bounded(self) -> bool:
        """Whether both bounds are declared.

        Examples
        --------
        >>> Outcome.nrs_0_10().bounded, Outcome(lower=None, upper=None, preset=None).bounded
        (True, False)
        """
        return self.lower is not None and self.upper is not None

    @property
    def bounds(self) -> tuple[float, float]:
        """``(lower, upper)`` with an omitted bound as -inf / +inf (for clipping).

        Examples
        --------
        >>> Outcome(lower=0.0, upper=None, preset=None).bounds
        (0.0, inf)
        """
        lo = -math.inf if self.lower is None else self.lower
        return lo, math.inf if self.upper is None else self.upper

    @property
    def range_text(self) -> str | None:
        """``"0-10"`` for a bounded outcome, None otherwise.

        Examples
        --------
        >>> Outcome.vas_0_100().range_text
        '0-100'
        """
        return f"{self.lower:g}-{self.upper:g}" if self.bounded else None

    def describe(self) -> str:
        """One line saying what the outcome is and how differences are judged.

        Examples
        --------
        >>> Outcome.vas_0_100().describe().split("; ")[:2]
        ['Pain intensity (0-100 mm VAS): mm, 0-100, lower is better', 'thresholds 10, 13, 20 mm']
        """
        from bayes_keta.outcome_table import describe_outcome

        return describe_outcome(self)

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

    @property
    def per_reading(self) -> str:
        """Adjective of one reading: ``"daily"``; ``""`` with one reading per period."""
        if self.reading == "period":
            return ""
        return _PER_READING.get(self.reading, f"per-{self.reading}")

    @property
    def quantity(self) -> str:
        """What a contrast compares: ``"mean daily pain"``, or the noun for one-reading periods.

        >>> Outcome.nrs_0_10().quantity, Outcome(reading="period").quantity
        ('mean daily pain', 'pain')
        """
        per = self.per_reading
        return f"mean {per} {self.noun}" if per else self.noun

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

        >>> Outcome.nrs_0_10().decision_rules(35)["rope"]
        {'nrs': 0.5, 'auc': 17.5, 'percent': None}
        """
        labels = [self.scale_label(kind) for kind in SCALE_KINDS]
        thresholds = {s: list(self.thresholds_for(s, n_days)) for s in labels}
        rope = {s: self.rope_for(s, n_days) for s in labels}
        return {"thresholds": thresholds, "rope": rope, "sources": list(self.sources)}

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


#: The presets by name (``preset = "..."`` in ``[outcome]``, ``--outcome-preset``).
PRESETS: tuple[str, ...] = ("nrs_0_10", "vas_0_100")
