"""The one prior-family table: every entry's PyMC constructor, rescaling and checks.

Valid parameters are derived from each parameter's declared kind, so a family added to
:data:`bayes_keta.spec.families.FAMILIES` is checked here with no change to this file.
"""

from __future__ import annotations

import math

import numpy as np
import pymc as pm
import pytest

from bayes_keta.exceptions import SpecError
from bayes_keta.published import Prior as PublishedPrior
from bayes_keta.published import read_priors_toml
from bayes_keta.spec import DISTRIBUTIONS, FAMILIES, Prior

_EXAMPLE = {"location": 0.3, "scale": 1.5, "rate": 2.0, "shape": 3.0, "log_location": 0.2}


def _params(family) -> dict:
    """Valid parameters from the kinds: two components for per-component families."""
    params = {}
    bounds = iter((-1.0, 2.0))
    for name, kind in family.kinds.items():
        value = next(bounds) if kind == "bound" else _EXAMPLE.get(kind, 0.5)
        if family.vector:
            value = {"weights": (0.3, 0.7), "location": (0.3, -0.8)}.get(kind, (value, value))
        params[name] = value
    return params


def _point(family) -> float:
    return {"real": 0.4, "positive": 0.7, "interval": 0.5}[family.support]


def _logp(family, params, x: float) -> float:
    dist = getattr(pm, family.pymc).dist(**{k: np.asarray(v) for k, v in params.items()})
    return float(pm.logp(dist, x).eval())


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_builds_in_pymc_and_rescales_exactly(name):
    family = FAMILIES[name]
    params = family.check(_params(family), where=f"prior {name!r}")
    if family.support == "correlation":  # LKJ: the model gives the dimension; scale-free
        chol = np.array([[1.0, 0.0], [0.4, np.sqrt(1 - 0.4**2)]])
        dist = getattr(pm, family.pymc).dist(n=2, **{k: np.asarray(v) for k, v in params.items()})
        assert np.isfinite(float(pm.logp(dist, chol).eval()))
        assert family.scaled(params, 2.5) == params
        with pytest.raises(SpecError, match="cannot be mirrored"):
            family.mirrored(params)
        return
    x = _point(family)
    base = _logp(family, params, x)
    assert np.isfinite(base)
    # the density of c X at c x is the density of X at x over c: the table's rescaling rule
    c = 2.5
    assert _logp(family, family.scaled(params, c), c * x) == pytest.approx(base - math.log(c))
    assert Prior(name, params).scaled(c) == Prior(name, family.scaled(params, c))
    if family.support == "real":  # -X: locations negated
        assert _logp(family, family.mirrored(params), -x) == pytest.approx(base)
    else:
        with pytest.raises(SpecError, match="cannot be mirrored"):
            family.mirrored(params)


@pytest.mark.parametrize("name", list(FAMILIES))
def test_family_checks(name):
    family = FAMILIES[name]
    params = _params(family)
    assert DISTRIBUTIONS[name] == family.params == tuple(params)
    with pytest.raises(SpecError, match=r"needs exactly"):
        family.check({k: v for k, v in list(params.items())[1:]}, where="prior 'x'")
    with pytest.raises(SpecError, match=r"unknown \['extra'\]"):
        family.check({**params, "extra": 1.0}, where="prior 'x'")
    for pname, kind in family.kinds.items():
        if kind in ("scale", "rate", "shape", "weights"):
            bad = (0.0, 1.0) if family.vector else 0.0
            with pytest.raises(SpecError, match=f"{pname} must be > 0"):
                family.check({**params, pname: bad}, where="prior 'x'")
    with pytest.raises(SpecError, match="must be a number"):
        family.check({**params, family.params[0]: True}, where="prior 'x'")


def test_table_specific_rules():
    with pytest.raises(SpecError, match="uniform needs lower < upper"):
        FAMILIES["uniform"].check({"lower": 1.0, "upper": 1.0}, where="prior 'phi'")
    mix = FAMILIES["mixture"]
    assert mix.check({"w": [1, 3], "mu": [0, 1], "sigma": [1, 1]}, where="p")["w"] == (0.25, 0.75)
    with pytest.raises(SpecError, match="same length"):
        mix.check({"w": [1, 3], "mu": [0], "sigma": [1, 1]}, where="p")
    with pytest.raises(SpecError, match="non-empty lists"):
        mix.check({"w": 1.0, "mu": 0.0, "sigma": 1.0}, where="p")
    # older spellings only where asked (the published reanalysis's files)
    with pytest.raises(SpecError, match=r"unknown \['mean', 'sd'\]"):
        FAMILIES["normal"].check({"mean": 0, "sd": 1}, where="prior 'x'")
    assert FAMILIES["normal"].check({"mean": 0, "sd": 1}, where="p", aliases=True) == {
        "mu": 0.0,
        "sigma": 1.0,
    }
    with pytest.raises(SpecError, match="unknown dist 'gauss'; known: normal, student_t"):
        Prior.from_dict({"dist": "gauss"}, role="x")


def test_published_priors_are_the_workbench_prior_with_a_name(tmp_path):
    old = PublishedPrior("wide", "normal", {"mean": 0.0, "sd": 0.5}, "note")
    new = PublishedPrior("wide", "normal", {"mu": 0.0, "sigma": 0.5})
    assert old == new and old.prior == Prior("normal", {"mu": 0.0, "sigma": 0.5})
    assert old.to_dict() == {
        "name": "wide",
        "family": "normal",
        "mu": 0.0,
        "sigma": 0.5,
        "note": "note",
    }
    assert PublishedPrior.from_dict(old.to_dict()) == old
    assert old.label == "Normal(0, 0.5)"
    mix = PublishedPrior("m", "mixture", {"weights": [1, 1], "means": [0, -0.5], "sds": [0.1, 0.2]})
    assert mix.params == {"w": (0.5, 0.5), "mu": (0.0, -0.5), "sigma": (0.1, 0.2)}
    assert mix.mirrored().params["mu"] == (0.0, 0.5) and mix.conjugate
    path = tmp_path / "p.toml"
    path.write_text('[[prior]]\nname = "t"\nfamily = "student_t"\nnu = 3\nmu = 0\nsigma = 1\n')
    assert read_priors_toml(path)[0].prior == Prior(
        "student_t", {"nu": 3.0, "mu": 0.0, "sigma": 1.0}
    )
    with pytest.raises(SpecError, match="unknown family 'halfnormal'"):
        PublishedPrior("h", "halfnormal", {"sigma": 1.0})  # no distribution object: not offered
    with pytest.raises(SpecError, match="mu must be numbers"):
        PublishedPrior("v", "normal", {"mu": [0.0, 1.0], "sigma": 1.0})
