"""Stop a fast-tier test that samples: NUTS, a nutpie compile, or a subprocess doing either.

The fast tier (``make test-fast``: tests not marked ``slow``) must not sample. While a fast
test runs (its setup included, where module-scoped fixtures fit), the entry points below raise
:class:`SamplingInFastTest` (a ``BaseException``, so ``except Exception`` fallbacks cannot
swallow it) and record the call; the pytest plugin (``bk_sampling_plugin``) fails the test
with the record.

Child processes get it too: the plugin puts this folder on ``PYTHONPATH`` and names a report
file in :data:`REPORT_ENV`, so ``sitecustomize.py`` (here) installs the guard in any Python
the test starts; the child records the call in that file and the parent test fails with it.
This module imports nothing heavy: the entry points are wrapped when their modules are
imported (an import hook), never by importing them here."""

from __future__ import annotations

import functools
import importlib.abc
import importlib.util
import os
import sys
from collections.abc import Callable
from typing import Any

#: module -> functions that sample or compile for nutpie, looked up as module attributes by
#: every caller (``nutpie.sample``, ``pm.sample``; ``_make_functions`` is the first step of
#: ``nutpie.compile_pymc_model`` and of :mod:`bayes_keta.fitting.lean_compile`)
ENTRY_POINTS: dict[str, tuple[str, ...]] = {
    "nutpie": ("sample",),
    "nutpie.compile_pymc": ("_make_functions",),  # nutpie's compile and the lean one
    "pymc": ("sample",),
    "pymc.sampling.mcmc": ("sample",),
}
#: environment variable naming the file a guarded child process reports to
REPORT_ENV = "BAYES_KETA_SAMPLING_GUARD"


class SamplingInFastTest(BaseException):
    """A test without ``@pytest.mark.slow`` called the sampler or compiled for nutpie."""


_calls: list[str] = []
_active = False
_child = False  # in a process a guarded test started: report to the file named in REPORT_ENV


def _blocked(name: str, original: Callable) -> Callable:
    @functools.wraps(original)
    def blocked(*args: Any, **kwargs: Any) -> Any:
        if not _active:
            return original(*args, **kwargs)
        message = f"{name} called in a test not marked slow: mark it @pytest.mark.slow"
        _calls.append(message)
        report = os.environ.get(REPORT_ENV)
        if _child and report:
            with open(report, "a", encoding="utf-8") as out:
                out.write(f"{message} (in a child process: {' '.join(sys.argv)})\n")
        raise SamplingInFastTest(message)

    blocked.__sampling_guard__ = True  # type: ignore[attr-defined]
    return blocked


def _wrap(module: Any) -> None:
    for attr in ENTRY_POINTS.get(module.__name__, ()):
        original = getattr(module, attr, None)
        if original is not None and not hasattr(original, "__sampling_guard__"):
            setattr(module, attr, _blocked(f"{module.__name__}.{attr}", original))


class _Finder(importlib.abc.MetaPathFinder):
    """Wrap the entry points of a module right after it is imported."""

    def find_spec(self, name, path, target=None):  # noqa: D102
        if name not in ENTRY_POINTS:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None:
            return spec
        exec_module = spec.loader.exec_module

        def exec_and_wrap(module):
            exec_module(module)
            _wrap(module)

        spec.loader.exec_module = exec_and_wrap  # type: ignore[method-assign]
        return spec


def install() -> None:
    """Wrap the entry points (now for imported modules, on import for the others)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
    for name in ENTRY_POINTS:
        if name in sys.modules:
            _wrap(sys.modules[name])


def activate(on: bool, *, child: bool = False) -> list[str]:
    """Switch the guard on or off; return (and forget) the calls recorded so far."""
    global _active, _child
    _active, _child = on, child
    calls = list(_calls)
    _calls.clear()
    return calls
