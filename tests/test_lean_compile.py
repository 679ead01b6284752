"""The lean nutpie compile: the same sampler as nutpie's own, nutpie left untouched, and a
check that can fail (on the first compile and after every data swap)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pymc as pm
import pytest

from bayes_keta.fitting import cache, lean_compile
from bayes_keta.models import build
from bayes_keta.spec import load_spec

SAMPLE = {"draws": 60, "tune": 60, "chains": 1, "seed": 5, "progress_bar": False}


@pytest.fixture(scope="module")
def compiled_pair(fixed_trial):
    # centred: every random effect is a sampled parameter, 14 shared arrays to read
    model = build(fixed_trial, load_spec("daily", parameterization="centred")).model
    lean, note = lean_compile.compile_lean(model)
    return lean, lean_compile.compile_stock(model), note


def _draws(compiled):
    import nutpie

    tree = nutpie.sample(compiled, **SAMPLE)
    return np.concatenate(
        [tree.posterior[v].to_numpy().ravel() for v in ("treatment_effect", "sigma", "cell_mean")]
    )


def _shifted(compiled, by: float) -> dict[str, np.ndarray]:
    names = {var.name: key for var, key in compiled.shared_var_keys.items()}
    return {"pain_data": np.asarray(compiled.shared_data[names["pain_data"]]) + by}


@pytest.mark.slow
def test_lean_compile_samples_exactly_like_nutpies_own(compiled_pair):
    lean, stock, note = compiled_pair
    assert note is None  # the lean glue passed its own check
    np.testing.assert_array_equal(_draws(lean), _draws(stock))


@pytest.mark.slow
def test_lean_compile_reads_swapped_data_like_nutpies_own(compiled_pair):
    lean, stock, _ = compiled_pair
    shift = {**_shifted(lean, -2.0), "prior__sigma__sigma": np.asarray(0.5)}
    lean_draws, stock_draws = _draws(lean.with_data(**shift)), _draws(stock.with_data(**shift))
    np.testing.assert_array_equal(lean_draws, stock_draws)
    assert not np.array_equal(lean_draws, _draws(lean))


@pytest.mark.slow
def test_check_follows_data_swaps_and_catches_a_callback_reading_other_data(compiled_pair):
    lean, _, _ = compiled_pair
    moved = lean_compile.with_data_checked(lean, _shifted(lean, 1.0))  # checked on the new data
    lean_compile.check(moved)
    # the callback reads the first data while shared_data says the data moved: must be caught
    stale = dataclasses.replace(moved, user_data=lean.user_data)
    with pytest.raises(RuntimeError, match="log density check failed"):
        lean_compile.check(stale)
    # and the stock glue passes the same check (the reference is PyTensor's, not the lean glue)
    lean_compile.check(compiled_pair[1].with_data(**_shifted(lean, 1.0)))


@pytest.mark.slow
def test_lean_compile_changes_no_nutpie_global_while_it_runs(monkeypatch):
    """Another thread calling nutpie.compile_pymc_model meanwhile must get nutpie's own glue."""
    import nutpie.compile_pymc as ncp

    before = dict(vars(ncp))
    seen = []
    make_logp = lean_compile._make_c_logp_func

    def spy(*args, **kwargs):
        seen.append(dict(vars(ncp)) == before)  # mid-compile: nutpie's module as it was
        return make_logp(*args, **kwargs)

    monkeypatch.setattr(lean_compile, "_make_c_logp_func", spy)
    with pm.Model() as model:
        pm.Normal("y", pm.Normal("mu"), 1.0, observed=pm.Data("obs", np.arange(3.0)))
    compiled, note = lean_compile.compile_lean(model)
    assert note is None
    assert seen == [True]
    assert dict(vars(ncp)) == before


def test_other_nutpie_series_falls_back_to_stock_compile(monkeypatch):
    import nutpie

    monkeypatch.setattr(nutpie, "__version__", "0.17.0")
    monkeypatch.setattr(lean_compile, "compile_stock", lambda model: "stock-compiled")
    compiled, note = lean_compile.compile_lean(object())
    assert compiled == "stock-compiled"
    assert note == (
        "lean compile not used (RuntimeError: written against nutpie 0.16.x, found 0.17.0)"
    )


def test_falls_back_to_stock_compile_and_says_why(monkeypatch):
    def failing_check(compiled):
        raise RuntimeError("mismatch")

    monkeypatch.setattr(lean_compile, "_compile", lambda model: "lean-compiled")
    monkeypatch.setattr(lean_compile, "check", failing_check)
    monkeypatch.setattr(lean_compile, "compile_stock", lambda model: "stock-compiled")
    compiled, note = lean_compile.compile_lean(object())
    assert compiled == "stock-compiled"
    assert note == "lean compile not used (RuntimeError: mismatch)"


def test_cache_hit_failing_its_check_after_the_swap_compiles_afresh(monkeypatch):
    """A cached model whose swapped callbacks disagree with PyTensor is not used."""

    class Compiled:
        shared_var_keys = {type("Var", (), {"name": "obs"})(): "k0"}

        def with_data(self, **updates):
            return self

    def failing_check(compiled):
        raise RuntimeError("log density check failed (return code 0)")

    monkeypatch.setattr(cache, "_CACHE", {"key": (Compiled(), None)})
    monkeypatch.setattr(cache, "_STATS", {"hits": 0, "misses": 0})
    monkeypatch.setattr(cache, "data_values", lambda model: {"obs": np.zeros(3)})
    monkeypatch.setattr(lean_compile, "check", failing_check)
    monkeypatch.setattr(cache, "compile_stock", lambda model: "stock-compiled")
    compiled, hit, note = cache.compiled_for(object(), "key")
    assert (compiled, hit) == ("stock-compiled", False)
    assert note == (
        "cached compile failed its check after a swap (log density check failed (return code 0))"
    )
