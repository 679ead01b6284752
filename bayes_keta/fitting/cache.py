"""In-process cache of compiled nutpie models, and swapping data/prior values into them.

A compiled model depends only on the graph *structure*: the spec's structural choices, the
prior families, and the shapes and dtypes of every ``pm.Data`` (observed data, index arrays,
prior parameters). :func:`graph_key` hashes exactly that, so refitting other data of the same
shape, or other prior *values*, reuses the compiled model: the new values are swapped in with
nutpie's ``CompiledModel.with_data`` (no recompilation). A different prior family or a
different number of observations is a new key (new compile).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
from pytensor.compile.sharedvalue import SharedVariable

from bayes_keta.fitting.lean_compile import compile_lean
from bayes_keta.spec import ModelSpec, Prior

__all__ = [
    "cache_info",
    "clear_cache",
    "compiled_for",
    "data_values",
    "graph_key",
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
    """
    known = {var.name for var in compiled.shared_var_keys}
    updates = {k: v for k, v in values.items() if k in known}
    return compiled.with_data(**updates) if updates else compiled


def _relabel(compiled: Any, model: pm.Model) -> Any:
    """Give a cached compiled model the coordinate labels of ``model`` (same lengths)."""
    coords = dict(compiled._coords or {})
    for name, vals in model.coords.items():
        if vals is not None:
            coords[name] = pd.Index(vals)
    return dataclasses.replace(compiled, _coords=coords)


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
    return _relabel(with_values(compiled, data_values(model)), model), True, note


def cache_info() -> dict[str, int]:
    """``{"hits": ..., "misses": ..., "size": ...}`` of the compile cache."""
    return {**_STATS, "size": len(_CACHE)}


def clear_cache() -> None:
    """Empty the compile cache (and reset its counters)."""
    _CACHE.clear()
    _STATS.update(hits=0, misses=0)
