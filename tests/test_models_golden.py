"""Golden model graphs: the declared builders build the same graphs as before, to the bit.

``tests/golden/models.json`` holds, for every shipped spec and some option combinations on a
fixed small trial, the names of the variables, the shapes of the data, and the log density and
its gradient at a fixed point of each graph the build returns (the model NUTS samples and, for
integrated-out random effects, its observation-level twin), plus the math text of the shipped
specs. They were recorded from main (4f59205) before the builders were declared. A deliberate
change of a model changes them: re-record with ``_fingerprint`` below over :data:`CASES` (and
rerun ``make sbc``); anything else that moves them is a bug.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import bayes_keta as bk
from bayes_keta.models import MathContext, build
from bayes_keta.spec import load_spec

GOLDEN = json.loads((Path(__file__).parent / "golden" / "models.json").read_text())

CASES: list[tuple[str, dict]] = [
    ("auc", {}),
    ("daily", {}),
    ("daily_ar1", {}),
    ("daily_decay", {}),
    ("daily_ordinal", {}),
    ("daily", {"parameterization": "centred"}),
    ("daily", {"carryover": True, "baseline": True, "likelihood": "student_t"}),
    ("daily", {"period": "reference", "parameterization": "noncentred"}),
    ("daily_decay", {"carryover": True, "likelihood": "student_t"}),
    ("daily_ar1", {"carryover": True, "baseline": True}),
    ("daily_ar1", {"likelihood": "student_t"}),
    ("auc", {"likelihood": "student_t", "carryover": True}),
    (
        "daily_ordinal",
        {
            "baseline": True,
            "carryover": True,
            "period": "reference",
            "parameterization": "noncentred",
        },
    ),
]


def _key(name: str, options: dict) -> str:
    return name + (
        "|" + ",".join(f"{k}={v}" for k, v in sorted(options.items())) if options else ""
    )


@pytest.fixture(scope="module")
def trial() -> bk.Trial:
    frame = bk.simulate_trial(
        n_subjects=6, n_days=7, seed=3, effects={"ketamine": -1.0}, missing_rate=0.15
    )
    return bk.load_trial(frame, name="golden")


def _fingerprint(model) -> dict:
    point = model.initial_point()
    rng = np.random.default_rng(20240601)
    point = {
        k: np.asarray(v + rng.normal(0.0, 0.3, size=np.shape(v)), dtype=v.dtype)
        for k, v in sorted(point.items())
    }
    dlogp = np.asarray(model.compile_dlogp(mode="FAST_COMPILE")(point))
    return {
        "free": sorted(rv.name for rv in model.free_RVs),
        "observed": sorted(rv.name for rv in model.observed_RVs),
        "deterministics": sorted(v.name for v in model.deterministics),
        "potentials": sorted(v.name for v in model.potentials),
        "data": {
            v.name: list(np.shape(v.get_value()))
            for v in sorted(model.data_vars, key=lambda v: v.name)
        },
        "logp": float(model.compile_logp(mode="FAST_COMPILE")(point)),
        "dlogp": [float(x) for x in dlogp],
    }


def test_every_case_is_recorded():
    assert {_key(n, o) for n, o in CASES} == set(GOLDEN["graphs"])


@pytest.mark.parametrize(("name", "options"), CASES, ids=[_key(n, o) for n, o in CASES])
def test_graph_and_log_density_unchanged(name, options, trial):
    built = build(trial, load_spec(name, **options))
    expected = GOLDEN["graphs"][_key(name, options)]
    graphs = {"model": built.model} | ({"twin": built.twin} if built.twin is not None else {})
    assert set(graphs) == set(expected)
    for which, model in graphs.items():
        got, want = _fingerprint(model), expected[which]
        for field in ("free", "observed", "deterministics", "potentials", "data"):
            assert got[field] == want[field], (which, field)
        assert got["logp"] == pytest.approx(want["logp"], rel=1e-12)
        np.testing.assert_allclose(got["dlogp"], want["dlogp"], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name", sorted(GOLDEN["math"]))
def test_math_text_unchanged(name):
    spec = load_spec(name)
    context = MathContext(n_days=7, treatments=("placebo", "ketamine", "x"))
    from bayes_keta.models import builder_for

    assert builder_for(spec).math(spec, context) == GOLDEN["math"][name]
