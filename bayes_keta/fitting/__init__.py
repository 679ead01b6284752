"""Fitting: compile once, sample, complete; one fit type and one record (face only).

* :mod:`~bayes_keta.fitting.pipeline`: :class:`Fitter` (``compile``, ``sample``,
  ``complete``) and :func:`fit`;
* :mod:`~bayes_keta.fitting.settings`: :class:`SamplerSettings`;
* :mod:`~bayes_keta.fitting.runner`: the one place NUTS runs (nutpie or PyMC);
* :mod:`~bayes_keta.fitting.record`: :class:`FitRecord`, the only reader/writer of a fit's
  DataTree attrs;
* :mod:`~bayes_keta.fitting.result`: :class:`FitResult`, the only fit type;
* :mod:`~bayes_keta.fitting.io`: :func:`save_fit` / :func:`load_fit`;
* :mod:`~bayes_keta.fitting.cache`, ``lean_compile``, ``completion``, ``predictive``: the
  compile cache, nutpie's lean glue, random effects put back, predictive draws;
* :mod:`~bayes_keta.fitting.background`: one fit in a second process, beside other work.

Names are imported on first use (PEP 562): reading a saved fit does not load PyMC.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_LAZY: dict[str, str] = {
    "FitRecord": "bayes_keta.fitting.record",
    "FitResult": "bayes_keta.fitting.result",
    "Fitter": "bayes_keta.fitting.pipeline",
    "SamplerSettings": "bayes_keta.fitting.settings",
    "Sampled": "bayes_keta.fitting.pipeline",
    "cache_info": "bayes_keta.fitting.cache",
    "clear_cache": "bayes_keta.fitting.cache",
    "fit": "bayes_keta.fitting.pipeline",
    "load_fit": "bayes_keta.fitting.io",
    "save_fit": "bayes_keta.fitting.io",
    "set_prior_values": "bayes_keta.fitting.cache",
}

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from bayes_keta.fitting.cache import cache_info, clear_cache, set_prior_values
    from bayes_keta.fitting.io import load_fit, save_fit
    from bayes_keta.fitting.pipeline import Fitter, Sampled, fit
    from bayes_keta.fitting.record import FitRecord
    from bayes_keta.fitting.result import FitResult
    from bayes_keta.fitting.settings import SamplerSettings

__all__ = [
    "FitRecord",
    "FitResult",
    "Fitter",
    "SamplerSettings",
    "Sampled",
    "cache_info",
    "clear_cache",
    "fit",
    "load_fit",
    "save_fit",
    "set_prior_values",
]


def __getattr__(name: str) -> Any:
    """Import a public name from its module on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'bayes_keta.fitting' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Public names and the module's own attributes."""
    return sorted(set(globals()) | set(__all__))
