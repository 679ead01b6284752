"""Read an ``[outcome]`` table (design file or CLI flags) into an outcome.

The table of a design file (``--design``, ``load_trial(design=...)``); the CLI's
``--outcome-*`` flags fill the same keys (and win over the file)::

    [outcome]
    preset = "vas_0_100"     # optional: start from a preset (then override its keys)
    column = "pain"          # the column holding the outcome (default "pain")
    label = "Systolic blood pressure"
    units = "mmHg"
    lower = 0                # optional bounds: omit both for an unbounded outcome
    upper = 300
    better = "lower"         # or "higher": which direction is benefit
    thresholds = [2, 5, 10]  # clinically meaningful differences, in units
    rope = 2                 # half-width of the region of practical equivalence, in units

Optional too: ``noun`` (what sentences call it, default: the label), ``reading`` (what one
reading covers, default ``"day"``: the ``day`` column is the reading number within the
period), ``scale`` (the short written name, default ``"outcome"``), ``relative_thresholds``
(percent of a between-arm ratio of means; none by default for a declared outcome),
``sources`` and ``auc_units``. Without ``preset``, a table that sets any of the scale keys
(``units``, bounds, ``better``, ``thresholds``, ``rope``, ``relative_thresholds``) declares a
new outcome and must give ``units`` and ``better``; a table with only ``column`` / ``label`` /
``noun`` / ``reading`` / ``scale`` keeps the 0-10 NRS. Overriding a scale key of a preset
makes it a declared outcome (``preset`` None), and declared thresholds or ROPE add
:data:`USER_SOURCE` to the sources. Every problem is a :class:`SpecError` naming the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from bayes_keta.exceptions import SpecError
from bayes_keta.outcome import PRESETS, Outcome

__all__ = ["OUTCOME_KEYS", "USER_SOURCE", "outcome_from_table"]

#: Source recorded for decision rules declared by the user.
USER_SOURCE = "declared by the user (the design file's [outcome] table or --outcome-* flags)"

#: ``[outcome]`` key -> :class:`Outcome` field (``preset`` picks a preset first).
OUTCOME_KEYS: dict[str, str] = {
    "column": "column",
    "label": "label",
    "units": "units",
    "lower": "lower",
    "upper": "upper",
    "better": "better",
    "thresholds": "thresholds",
    "rope": "rope",
    "noun": "noun",
    "reading": "reading",
    "scale": "scale_name",
    "relative_thresholds": "relative_thresholds_pct",
    "sources": "sources",
    "auc_units": "auc_units",
}
#: Keys that change how a reading is judged (a preset overridden on one is no longer it).
_RULE_KEYS = frozenset(
    {"units", "lower", "upper", "better", "thresholds", "rope", "relative_thresholds"}
)
_TEXT_KEYS = ("column", "label", "units", "noun", "reading", "scale", "auc_units")
_NUMBER_KEYS = ("lower", "upper", "rope")
_LIST_KEYS = ("thresholds", "relative_thresholds")


def outcome_from_table(table: Mapping[str, Any], *, where: str = "[outcome]") -> Outcome:
    """Read an ``[outcome]`` table (:meth:`bayes_keta.outcome.Outcome.from_table`).

    Raises
    ------
    SpecError
        An unknown key, a value of the wrong type, a declared outcome without ``units`` or
        ``better``, or an invalid outcome; the message names the key.

    Examples
    --------
    >>> outcome_from_table({"preset": "vas_0_100", "thresholds": [15]}).sources[-1][:11]
    'declared by'
    """
    values = _parse_table(table, where)
    preset = values.pop("preset", None)
    if preset is None and not _RULE_KEYS & set(table):
        base = Outcome.nrs_0_10()
    elif preset is not None:
        try:
            base = Outcome.preset_named(preset)
        except SpecError as err:
            raise SpecError(f"{where}: preset: {err}") from None
    else:
        missing = [k for k in ("units", "better") if k not in table]
        if missing:
            raise SpecError(
                f"{where}: a declared outcome needs {' and '.join(missing)}"
                f" (or preset = one of {', '.join(PRESETS)})"
            )
        base = _custom(values)
    changes = {OUTCOME_KEYS[k]: v for k, v in values.items()}
    if _RULE_KEYS & set(table) and base.preset is not None:
        changes.setdefault("preset", None)
    if {"thresholds", "rope", "relative_thresholds"} & set(table) and "sources" not in table:
        changes["sources"] = (*([] if base.preset is None else base.sources), USER_SOURCE)
    try:
        return replace(base, **changes)
    except SpecError as err:
        raise SpecError(f"{where}: {err}") from None


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _parse_table(table: Mapping[str, Any], where: str) -> dict[str, Any]:
    """Check the keys and value types of an ``[outcome]`` table; values as Outcome wants them."""
    if not isinstance(table, Mapping):
        raise SpecError(f"{where} must be a table (key = value lines)")
    unknown = sorted(set(table) - set(OUTCOME_KEYS) - {"preset"})
    if unknown:
        raise SpecError(
            f"{where}: unknown key(s) {unknown}; known: preset, {', '.join(OUTCOME_KEYS)}"
        )
    out: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("preset", *_TEXT_KEYS):
            if not isinstance(value, str) or not value.strip():
                raise SpecError(f"{where}: {key} must be a non-empty string, got {value!r}")
            out[key] = value.strip()
        elif key in _NUMBER_KEYS:
            if not _is_number(value):
                raise SpecError(f"{where}: {key} must be a finite number, got {value!r}")
            out[key] = float(value)
        elif key == "better":
            if value not in ("lower", "higher"):
                raise SpecError(f'{where}: better must be "lower" or "higher", got {value!r}')
            out[key] = value
        elif key in _LIST_KEYS:
            items = [value] if _is_number(value) else value
            if not isinstance(items, list | tuple) or not all(_is_number(v) for v in items):
                raise SpecError(f"{where}: {key} must be a list of numbers, got {value!r}")
            out[key] = tuple(sorted(float(v) for v in items))
        else:  # sources
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list | tuple) or not all(isinstance(v, str) for v in items):
                raise SpecError(f"{where}: sources must be a list of strings, got {value!r}")
            out[key] = tuple(items)
    return out


def _custom(values: Mapping[str, Any]) -> Outcome:
    """Return the defaults of a declared outcome (before its own keys are applied)."""
    column = values.get("column", "pain")
    units = values["units"]
    label = values.get("label", f"{column.replace('_', ' ').capitalize()} ({units})")
    noun = values.get("noun", label.split(" (")[0])
    noun = noun[:1].lower() + noun[1:] if noun[1:2].islower() or len(noun) == 1 else noun
    return Outcome(
        column=column,
        scale_name="outcome",
        label=label,
        noun=noun,
        units=units,
        lower=None,
        upper=None,
        better=values["better"],
        thresholds=(),
        rope=None,
        relative_thresholds_pct=(),
        auc_units=None,
        sources=(),
        preset=None,
    )


def describe_outcome(outcome: Outcome) -> str:
    """One line saying what ``outcome`` is (:meth:`bayes_keta.outcome.Outcome.describe`)."""
    lo, hi = outcome.lower, outcome.upper
    if outcome.bounded:
        bounds = f"{lo:g}-{hi:g}"
    elif lo is not None or hi is not None:
        bounds = f">= {lo:g}" if lo is not None else f"<= {hi:g}"
    else:
        bounds = "unbounded"
    parts = [f"{outcome.label}: {outcome.units}, {bounds}, {outcome.better} is better"]
    if outcome.thresholds:
        shown = ", ".join(f"{t:g}" for t in outcome.thresholds)
        parts.append(f"thresholds {shown} {outcome.units}")
    else:
        parts.append("no thresholds declared")
    if outcome.rope is not None:
        parts.append(f"ROPE +/-{outcome.rope:g} {outcome.units}")
    text = "; ".join(parts)
    return text + (f" (preset {outcome.preset})" if outcome.preset else " (declared)")
