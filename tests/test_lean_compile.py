"""The lean nutpie compile: the same sampler as nutpie's own, and a check that can fail."""

from __future__ import annotations

import numpy as np
import pytest

from bayes_keta.fitting import lean_compile
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


def test_lean_compile_samples_exactly_like_nutpies_own(compiled_pair):
    lean, stock, note = compiled_pair
    assert note is None  # the lean glue passed its own check
    np.testing.assert_array_equal(_draws(lean), _draws(stock))


def test_lean_compile_reads_swapped_data_like_nutpies_own(compiled_pair):
    lean, stock, _ = compiled_pair
    names = {var.name: key for var, key in lean.shared_var_keys.items()}
    pain = np.asarray(lean.shared_data[names["pain_data"]]) - 2.0  # everyone 2 points better
    shift = {"pain_data": pain, "prior__sigma__sigma": np.asarray(0.5)}
    lean_draws, stock_draws = _draws(lean.with_data(**shift)), _draws(stock.with_data(**shift))
    np.testing.assert_array_equal(lean_draws, stock_draws)
    assert not np.array_equal(lean_draws, _draws(lean))


def test_check_fails_when_the_callback_disagrees_with_pytensor(compiled_pair):
    lean, _, _ = compiled_pair
    # the callback now reads other data than PyTensor's own function holds: must be caught
    names = {var.name: key for var, key in lean.shared_var_keys.items()}
    moved = lean.with_data(pain_data=np.asarray(lean.shared_data[names["pain_data"]]) + 1.0)
    with pytest.raises(RuntimeError, match="log density check failed"):
        lean_compile._check(moved)
    lean_compile._check(lean)  # and passes on the real thing


def test_falls_back_to_stock_compile_and_says_why(monkeypatch):
    def failing_check(compiled):
        raise RuntimeError("mismatch")

    monkeypatch.setattr(lean_compile, "_check", failing_check)
    monkeypatch.setattr(lean_compile, "compile_stock", lambda model: "stock-compiled")
    compiled, note = lean_compile.compile_lean(object())
    assert compiled == "stock-compiled"
    assert note == "lean compile not used (RuntimeError: mismatch)"
