"""In-process cache of compiled nutpie models, and swapping data/prior values into them.

A compiled model depends only on the graph *structure*: the spec's structural choices, the
prior families, and the shapes and dtypes of every ``pm.Data`` (observed data, index arrays,
prior parameters). :func:`graph_key` hashes exactly that, so refitting other data of the same
shape, or other prior *values*, reuses the compiled model: the new values are swapped in with
nutpie's ``CompiledModel.with_data`` (no recompilation). A different prior family or a
different number of observations is a new key (new compile).

``with_data`` swaps the data the log density reads, but not nutpie's *initial point* function,
which PyMC compiled against the first model's shared variables: its starting values (the
support point of each prior, e.g. a prior mean, plus jitter) would still be those of the model
compiled first, so a fit's draws would depend on what ran before it in the process. A cache hit
therefore also gets an initial point function of its own model (:func:`_initial_point_func`,
~40 ms), and a swapped model samples bit-for-bit like a fresh compile (tested).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
from pytensor.compile.sharedvalue import SharedVariable

from bayes_keta.exceptions import SpecError
from bayes_keta.fitting.lean_compile import compile_lean, compile_stock, with_data_checked
from bayes_keta.models.priors import prior_data_values, scaled_priors
from bayes_keta.spec import ModelSpec, Prior, PriorsArg, load_spec, resolve_priors

__all__ = [
    "cache_info",
    "clear_cache",
    "compiled_for",
    "data_values",
    "graph_key",
    "set_prior_values",
    "with_values",
]

_CACHE: dict[str, Any] = {}
_STATS = {"hits": 0, "misses": 0}


def data_values(model: pm.Model) -> dict[str, np.ndarray]:
    """Return the current values of every shared ``pm.Data`` of a model, by name."""
    return {v.name: v.get_value() for v in model.data_vars if isinstance(v, SharedVariable)}


def graph_key(model: pm.Model, spec: ModelSpec, scaled: Mapping[str, Prior]) -> str:
    """Hash of what the compiled graph depends on (structure, families, data shapes)."""
    shapes = {
        k: [list(np.shape(v)), str(np.asarray(v).dtype)] for k, v in data_values(model).items()
    }
    blob = {
        "spec": spec.structure(),
        "families": {r: p.dist for r, p in sorted(scaled.items())},
        "data": dict(sorted(shapes.items())),
        "coords": {k: len(v) for k, v in sorted(model.coords.items()) if v is not None},
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def with_values(compiled: Any, values: Mapping[str, Any]) -> Any:
    """Return a copy of a compiled nutpie model with new values for its ``pm.Data`` (same shapes).

    Names the compiled graph does not use are ignored (e.g. data only the predictive uses).
    The swapped copy is checked against PyTensor on the new values
    (:func:`~bayes_keta.fitting.lean_compile.with_data_checked`; RuntimeError on a mismatch).
    """
    known = {var.name for var in compiled.shared_var_keys}
    return with_data_checked(compiled, {k: v for k, v in values.items() if k in known})


def _initial_point_func(model: pm.Model, n_dim: int):
    """Nutpie's initial point function (support point + jitter, flat) for ``model``'s values.

    The same strategy and layout as ``nutpie.compile_pymc_model``'s default (``"support_point"``
    with every free variable jittered; the free variables' transformed values concatenated in
    ``model.free_RVs`` order), built from ``model`` so that it reads *its* prior values.
    """
    from pymc.initial_point import make_initial_point_fn

    point_fn = make_initial_point_fn(
        model=model,
        default_strategy="support_point",
        jitter_rvs=set(model.free_RVs),
        return_transformed=True,
    )
    names = [model.rvs_to_values[rv].name for rv in model.free_RVs]
    lock = threading.Lock()  # nutpie calls it from several chains' threads

    def initial_point(seed: Any = None) -> np.ndarray:
        with lock:
            point = point_fn(seed)
        flat = np.concatenate([np.asarray(point[n], dtype="float64").ravel() for n in names])
        if flat.size != n_dim:
            raise ValueError(f"initial point has {flat.size} values, the model {n_dim}")
        return np.ascontiguousarray(flat)

    return initial_point


def _relabel(compiled: Any, model: pm.Model) -> Any:
    """Give a cached compiled model ``model``'s coordinate labels and initial point function."""
    coords = dict(compiled._coords or {})
    for name, vals in model.coords.items():
        if vals is not None:
            coords[name] = pd.Index(vals)
    return dataclasses.replace(
        compiled, _coords=coords, initial_point_func=_initial_point_func(model, compiled.n_dim)
    )


def compiled_for(model: pm.Model, key: str) -> tuple[Any, bool]:
    """Compiled nutpie model for ``model``: from the cache (values swapped in) or compiled.

    Returns
    -------
    tuple
        ``(compiled, hit, note)``: the compiled model carrying ``model``'s data and labels,
        whether it came from the cache, and ``None`` or why nutpie's stock compile was used
        instead of the lean one (:mod:`bayes_keta.fitting.lean_compile`).
    """
    cached = _CACHE.get(key)
    if cached is None:
        _STATS["misses"] += 1
        compiled, note = compile_lean(model)
        _CACHE[key] = (compiled, note)
        return compiled, False, note
    _STATS["hits"] += 1
    compiled, note = cached
    try:
        swapped = with_values(compiled, data_values(model))
    except RuntimeError as err:  # the callbacks disagree with PyTensor on the new values
        return compile_stock(model), False, f"cached compile failed its check after a swap ({err})"
    return _relabel(swapped, model), True, note


def cache_info() -> dict[str, int]:
    """``{"hits": ..., "misses": ..., "size": ...}`` of the compile cache."""
    return {**_STATS, "size": len(_CACHE)}


def clear_cache() -> None:
    """Empty the compile cache (and reset its counters)."""
    _CACHE.clear()
    _STATS.update(hits=0, misses=0)


def set_prior_values(
    target: Any,
    spec: str | Path | ModelSpec,
    priors: PriorsArg,
    *,
    n_days: int,
) -> Any:
    """Put new prior *values* into a built model or a compiled nutpie model (no rebuild).

    Parameters
    ----------
    target : pymc.Model or nutpie compiled model
        A ``pm.Model`` is updated in place (``pm.set_data``) and returned; a compiled nutpie
        model is immutable, so an updated copy is returned (``with_data``).
    spec : str, Path or ModelSpec
        The spec the target was built from.
    priors : str, Path, dict or list
        Prior sets / overrides, resolved against the spec as in :func:`fit`.
    n_days : int
        Days of follow-up of the trial (the AUC spec scales priors by it).

    Returns
    -------
    pymc.Model or compiled model

    Raises
    ------
    SpecError
        A prior changes family (a structural change: rebuild instead), or is invalid.
    """
    spec = load_spec(spec)
    scaled = scaled_priors(spec, resolve_priors(spec, priors), n_days)
    values = prior_data_values(scaled)
    if isinstance(target, pm.Model):
        names = {v.name for v in target.data_vars}
        missing = sorted(k for k in values if k not in names and not _unused(k))
        if missing:
            raise SpecError(
                f"prior values {missing} have no data in this model: a prior family changed"
                " (structure); rebuild the model instead"
            )
        pm.set_data({k: v for k, v in values.items() if k in names}, model=target)
        return target
    known = {var.name for var in target.shared_var_keys}
    extra = sorted(k for k in values if k not in known and not _unused(k))
    if extra:
        raise SpecError(f"prior values {extra} are not in the compiled model: rebuild it")
    return with_values(target, values)


def _unused(name: str) -> bool:
    # ZeroSumNormal period effects have no ``mu`` parameter in the graph (it is always 0).
    return name == "prior__period_effect__mu"
