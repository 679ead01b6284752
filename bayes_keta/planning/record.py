"""The assurance record (``assurance.json``): settings, method, provenance; schema-checked.

Schema ``bayes_keta.assurance/1`` (:data:`SCHEMA_FILE`, JSON Schema 2020-12) is checked
before anything is written (:func:`validate_record`). Keys: ``schema``, ``provenance`` (the
workbench's provenance record: versions, command, created), ``fit`` (where the design prior
came from: fit folder, data name, hash, synthetic flag, spec name and hash), ``design_prior``
(kind, draws and a summary of the effects and variance components), ``designs``, ``outcome``,
``analysis`` (prior, method text), ``rules``, ``run`` (sizes, sims, seed and its rule,
chunk, tasks, scheduler, workers, timings), ``results`` (the rows of ``assurance.csv``),
``exact`` (the ``--exact`` check, or null) and ``columns`` (what each CSV column means).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.estimands import CI_LABEL
from bayes_keta.exceptions import OutputError
from bayes_keta.outcome import Outcome
from bayes_keta.planning.analyse import within_plan
from bayes_keta.planning.prior import DesignPrior
from bayes_keta.planning.tasks import TaskSetup
from bayes_keta.provenance import provenance_record
from bayes_keta.spec import PriorsArg

__all__ = ["COLUMNS", "SCHEMA_FILE", "SCHEMA_ID", "build_record", "json_safe", "validate_record"]

SCHEMA_ID = "bayes_keta.assurance/1"
SCHEMA_FILE = "assurance.schema.json"

#: What each column of ``assurance.csv`` holds.
COLUMNS: dict[str, str] = {
    "n": "subjects in the next trial",
    "active": "active treatment of the contrast",
    "reference": "reference (control) treatment",
    "assurance": "fraction of simulated trials that met the rule",
    f"lo{CI_LABEL}": f"lower end of the {CI_LABEL}% Clopper-Pearson Monte Carlo interval",
    f"hi{CI_LABEL}": f"upper end of the {CI_LABEL}% Clopper-Pearson Monte Carlo interval",
    "rule": "'beyond': P(benefit > threshold) > prob; 'benefit': the preset P(benefit) > 0.975",
    "threshold": "size of the benefit (outcome units; direction from the outcome)",
    "prob": "posterior probability the rule needs",
    "successes": "simulated trials that met the rule",
    "sims": "simulated trials",
    "mean_posterior_prob": "mean over the simulated trials of the rule's posterior probability",
    "design": "future design (kind and sequences x periods)",
    "design_prior": "'posterior' (one draw per trial) or 'point' (posterior means)",
}


def build_record(
    *,
    prior: DesignPrior,
    setup: TaskSetup,
    outcome: Outcome,
    run: Mapping[str, Any],
    table: pd.DataFrame,
    exact: pd.DataFrame | None,
    exact_settings: Mapping[str, int],
    analysis_priors: PriorsArg,
    command: str | None,
) -> dict[str, Any]:
    """Assemble the JSON record of an assurance run (see the module docstring)."""
    from bayes_keta.planning import analyse, simulate

    designs = []
    for design in setup.designs:
        entry = design.to_dict()
        entry["per_n"] = [
            {
                "n": n,
                "subjects_per_sequence": design.counts(n).tolist(),
                "residual_df": plan.df,
                "contrast_se_per_unit_sd": np.sqrt(np.diag(plan.contrast_cov)).tolist(),
            }
            for n in run["sizes"]
            for plan in [within_plan(design, n)]
        ]
        designs.append(entry)
    record = {
        "schema": SCHEMA_ID,
        "provenance": provenance_record(command=command),
        "fit": dict(prior.source),
        "design_prior": prior.summary(),
        "designs": designs,
        "outcome": outcome.to_dict(),
        "analysis": {
            "prior": setup.prior.to_dict(),
            "priors_given": analysis_priors if analysis_priors is None else str(analysis_priors),
            "method": analyse.METHOD,
            "simulation": simulate.METHOD,
        },
        "rules": [r.to_dict() | {"text": r.text(outcome.units)} for r in setup.rules],
        "run": dict(run),
        "results": table.to_dict("records"),
        "exact": None if exact is None else _exact_summary(exact, exact_settings),
        "columns": COLUMNS,
    }
    return json_safe(record)


def validate_record(record: Mapping[str, Any]) -> None:
    """Raise :class:`OutputError` listing every schema violation of an assurance record.

    Examples
    --------
    >>> validate_record({"schema": "x"})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    bayes_keta.exceptions.OutputError: invalid assurance record: <root>: 'provenance' is ...
    """
    import jsonschema

    schema = json.loads(
        resources.files("bayes_keta").joinpath(f"schemas/{SCHEMA_FILE}").read_text(encoding="utf-8")
    )
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(record), key=lambda e: list(e.absolute_path))
    if errors:
        shown = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]
        raise OutputError("invalid assurance record: " + "; ".join(shown[:5]))


def json_safe(value: Any) -> Any:
    """Plain JSON values: NumPy scalars unwrapped, NaN and infinities as null.

    Examples
    --------
    >>> json_safe({"a": np.float64(0.5), "b": [float("nan")]})
    {'a': 0.5, 'b': [None]}
    """
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        return json_safe(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _exact_summary(exact: pd.DataFrame, settings: Mapping[str, int]) -> dict[str, Any]:
    rows = []
    keys = ["n", "active", "reference", "rule", "threshold", "prob"]
    for key, group in exact.groupby(keys, sort=False):
        diff = (group["p_fast"] - group["p_exact"]).abs()
        rows.append(
            dict(zip(keys, key, strict=True))
            | {
                "sims": len(group),
                "assurance_fast": float(group["success_fast"].mean()),
                "assurance_exact": float(group["success_exact"].mean()),
                "discordant": int((group["success_fast"] != group["success_exact"]).sum()),
                "mean_abs_prob_diff": float(diff.mean()),
                "max_abs_prob_diff": float(diff.max()),
            }
        )
    return {
        "settings": dict(settings),
        "clipped_fraction": float(exact["clipped"].mean()),
        "fits_failing_diagnostics": int((~exact["passed"].astype(bool)).sum()),
        "summary": rows,
        "note": (
            "the same simulated readings analysed fast (within-subject, closed form) and with"
            " full NUTS (bayes_keta.fit, the fitted spec, the same analysis priors); readings"
            " outside the outcome's bounds are clipped (clipped_fraction) for both"
        ),
    }
