"""What the fit layer knows of the adverse-event (harm) model.

Which fits are harm fits, and the ``adverse_events`` block of ``summary.json`` (a view of the
fit's ``ae_risk`` draws).

Benefit-risk, which pairs an efficacy fit with a harm fit, is :mod:`bayes_keta.harms`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from bayes_keta.estimands import CI_LABEL
from bayes_keta.estimands.harms import arm_risk_table, risk_contrast_table
from bayes_keta.models import capabilities

if TYPE_CHECKING:
    from bayes_keta.diagnostics import Diagnostics
    from bayes_keta.fitting.result import FitResult

__all__ = ["adverse_events_block", "adverse_events_mismatch", "is_harm_fit"]

LO, HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"


def is_harm_fit(fit: FitResult) -> bool:
    """Whether a fit is of a harm model (its builder declares ``endpoint = "harm"``)."""
    return capabilities(fit.record.model.structure).endpoint == "harm"


def _num(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


def _prob(x: Any) -> float:
    """Clip a probability into [0, 1] against float round-off (for the schema)."""
    return min(1.0, max(0.0, float(x)))


def adverse_events_block(
    fit: FitResult, *, diagnostics: Diagnostics | None = None
) -> dict[str, Any]:
    """Return the ``adverse_events`` block of ``summary.json`` from an adverse-event fit.

    Parameters
    ----------
    fit : FitResult
        A fit of a harm spec (``models/adverse_events.toml``).
    diagnostics : Diagnostics, optional
        Its gate verdict (default: :attr:`FitResult.verdict`).

    Returns
    -------
    dict
        ``model``, ``spec_hash``, ``diagnostics_passed`` (and ``failures``), ``arms`` rows
        ``{treatment, mean, sd, median, ci95}`` and ``contrasts`` rows ``{active, reference,
        measure, mean, sd, median, ci95, p_harm}``.
    """
    verdict = diagnostics if diagnostics is not None else fit.verdict
    tree = fit.datatree
    arms = [
        {
            "treatment": str(row["treatment"]),
            "mean": _prob(row["mean"]),
            "sd": max(0.0, float(row["sd"])),
            "median": _prob(row["median"]),
            f"ci{CI_LABEL}": [_prob(row[LO]), _prob(row[HI])],
        }
        for row in arm_risk_table(tree).to_dict("records")
    ]
    contrasts = [
        {
            "active": str(row["active"]),
            "reference": str(row["reference"]),
            "measure": str(row["measure"]),
            "mean": _num(row["mean"]),
            "sd": _num(row["sd"]),
            "median": _num(row["median"]),
            f"ci{CI_LABEL}": [_num(row[LO]), _num(row[HI])],
            "p_harm": _prob(row["p_harm"]),
        }
        for row in risk_contrast_table(tree, reference=fit.reference).to_dict("records")
    ]
    block: dict[str, Any] = {
        "model": fit.record.model.name,
        "spec_hash": fit.record.model.sha256,
        "diagnostics_passed": bool(verdict.passed),
        "arms": arms,
        "contrasts": contrasts,
    }
    if not verdict.passed:
        block["failures"] = [str(f) for f in verdict.failures]
    return block


def adverse_events_mismatch(fit: FitResult, block: dict[str, Any]) -> str | None:
    """Why a summary's ``adverse_events`` arms are not the fit's draws (None: they are)."""
    stored = {row["treatment"]: row["mean"] for row in block.get("arms", [])}
    if not stored:
        return "summary.json has no adverse_events arms"
    for row in arm_risk_table(fit.datatree).to_dict("records"):
        mine, value = float(row["mean"]), stored.get(str(row["treatment"]))
        if value is None or not math.isclose(mine, value, rel_tol=1e-6, abs_tol=1e-9):
            return f"ae_risk of {row['treatment']}: {mine:.6g} vs {value}"
    return None
