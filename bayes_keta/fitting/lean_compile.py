"""Compile a PyMC model for nutpie with lighter numba glue (same density, ~3x faster compile).

``nutpie.compile_pymc_model`` (0.16) wraps PyTensor's numba-compiled log density in a C
callback. That glue, not the model, dominates a cold compile on this kind of machine: the
model's own numba function is served from PyTensor's on-disk cache, while the glue is compiled
afresh in every process (it cannot be cached) and costs

* about 3 s for ``out[...] = grad``: numba compiles its shape-mismatch error message, and
* about 0.5 s per ``pm.Data`` for reading shared arrays (``literal_unroll`` over typed records),

i.e. about 10 of the 12 s of a cold ``daily`` fit (14 shared arrays). :func:`compile_lean`
runs nutpie's own compile with two of its private builders swapped for equivalents that copy
with a plain loop and read each shared array at fixed offsets of nutpie's ``user_data``
record (straight-line code). Everything else (the ``CompiledPyMCModel``, ``with_data``, the
sampler) is nutpie's.

Safety: the result is checked against PyTensor's own log density and gradient (and the
expansion to the stored variables) at a jittered point before use; on any error or mismatch,
or with another nutpie version, the stock compile is used instead and the reason returned.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

__all__ = ["compile_lean", "compile_stock"]

_LOCK = threading.Lock()
_CHECK_RTOL = 1e-9


def compile_stock(model: Any) -> Any:
    """Nutpie's own compile (numba backend)."""
    import nutpie

    return nutpie.compile_pymc_model(model)


def compile_lean(model: Any) -> tuple[Any, str | None]:
    """Compile ``model`` for nutpie with the lean glue, checked; fall back to the stock compile.

    Parameters
    ----------
    model : pymc.Model
        The model to compile.

    Returns
    -------
    tuple
        ``(compiled, fallback_reason)``: a nutpie ``CompiledPyMCModel`` and ``None``, or the
        stock compile and why the lean one was not used.
    """
    try:
        with _LOCK, _lean_builders():
            compiled = compile_stock(model)
        _check(compiled)
    except Exception as err:  # noqa: BLE001 - any failure: nutpie's own compile is the reference
        return compile_stock(model), f"lean compile not used ({type(err).__name__}: {err})"
    return compiled, None


@contextmanager
def _lean_builders() -> Iterator[None]:
    import nutpie
    import nutpie.compile_pymc as ncp

    if not nutpie.__version__.startswith("0.16."):
        raise RuntimeError(f"written against nutpie 0.16, found {nutpie.__version__}")
    saved = (ncp._make_c_logp_func, ncp._make_c_expand_func)
    ncp._make_c_logp_func = _make_c_logp_func
    ncp._make_c_expand_func = _make_c_expand_func
    try:
        yield
    finally:
        ncp._make_c_logp_func, ncp._make_c_expand_func = saved


def _extraction(inner, shared_data, shared_keys, record_dtype):
    """Numba function ``(x, user_data_ptr) -> inner(x, *shared arrays)``, straight-line code.

    nutpie's ``user_data`` record is ``shared: {data: {key: uintp}, size: {key: uintp},
    shape: {key: uint[ndim]}}`` (64-bit fields); each array is read at its fixed word offset.
    """
    import numba
    from nutpie.compile_pymc import address_as_void_pointer

    if not shared_keys:
        return numba.njit(inline="always")(lambda x, user_data_: inner(x))
    shared, base = record_dtype.fields["shared"][:2]
    leaves = [shared[f].fields[k][0].base for f in ("data", "size", "shape") for k in shared_keys]
    if any(leaf.itemsize != 8 or leaf.kind != "u" for leaf in leaves):
        raise RuntimeError("unexpected layout of nutpie's user_data record")
    words = record_dtype.itemsize // 8
    namespace: dict[str, Any] = {
        "numba": numba,
        "np": np,
        "inner": inner,
        "address": address_as_void_pointer,
    }
    lines = [
        "def extract(x, user_data_):",
        f"    u = numba.carray(user_data_, ({words},), np.uint64)",
    ]
    args = []
    for j, key in enumerate(shared_keys):
        array = shared_data[key]
        data_at = (base + shared.fields["data"][1] + shared["data"].fields[key][1]) // 8
        shape_at = (base + shared.fields["shape"][1] + shared["shape"].fields[key][1]) // 8
        namespace[f"dtype{j}"] = array.dtype
        read = f"numba.carray(address(u[{data_at}]), ({{}},), dtype{j})"
        if array.ndim == 0:
            lines.append(f"    a{j} = {read.format(1)}.reshape(())")
        else:
            shape = ", ".join(f"int(u[{shape_at + k}])" for k in range(array.ndim))
            lines.append(f"    a{j} = {read.format(shape)}")
        args.append(f"a{j}")
    lines.append(f"    return inner(x, {', '.join(args)})")
    exec("\n".join(lines), namespace)  # noqa: S102 - generated from array metadata only
    return numba.njit(inline="always")(namespace["extract"])


def _c_signature(*, n_sizes: int, n_arrays: int):
    """``int64(uint64 x n_sizes, double* x n_arrays, void*)``: nutpie's callback signatures."""
    import numba

    t = numba.types
    return t.int64(*[t.uint64] * n_sizes, *[t.CPointer(t.double)] * n_arrays, t.voidptr)


def _make_c_logp_func(n_dim, logp_fn, user_data, shared_keys, shared_data):
    """As nutpie's, with the gradient copied by a loop (same return codes)."""
    import numba

    extract = _extraction(logp_fn, shared_data, shared_keys, user_data.dtype)
    c_sig = _c_signature(n_sizes=1, n_arrays=3)

    def logp_numba(dim, x_, out_, logp_, user_data_):
        if dim != n_dim:
            return -1
        try:
            x = numba.carray(x_, (n_dim,))
            out = numba.carray(out_, (n_dim,))
            logp = numba.carray(logp_, ())
            logp_val, grad = extract(x, user_data_)
            logp[()] = logp_val
            finite = True
            for i in range(n_dim):
                out[i] = grad[i]
                finite = finite and np.isfinite(grad[i])
            if not finite:
                return 3
            if not np.isfinite(logp_val):
                return 4
        except Exception:  # noqa: BLE001
            return 1
        return 0

    return logp_numba, c_sig


def _make_c_expand_func(n_dim, n_expanded, expand_fn, user_data, shared_keys, shared_data):
    """As nutpie's, with the values copied by a loop (same return codes)."""
    import numba

    extract = _extraction(expand_fn, shared_data, shared_keys, user_data.dtype)
    c_sig = _c_signature(n_sizes=2, n_arrays=2)

    def expand_numba(dim, expanded, x_, out_, user_data_):
        if dim != n_dim:
            return -1
        if expanded != n_expanded:
            return -1
        try:
            x = numba.carray(x_, (n_dim,))
            out = numba.carray(out_, (n_expanded,))
            (values,) = extract(x, user_data_)
            for i in range(n_expanded):
                out[i] = values[i]
        except Exception:  # noqa: BLE001
            return -2
        return 0

    return expand_numba, c_sig


def _check(compiled: Any) -> None:
    """Compare the compiled callbacks with PyTensor's functions at a jittered point."""
    rng = np.random.default_rng(20200701)
    n_dim = compiled.n_dim
    x = rng.normal(0.0, 0.3, size=n_dim)
    grad = np.empty(n_dim)
    logp = np.empty(())
    double_p = ctypes.POINTER(ctypes.c_double)
    user = ctypes.c_void_p(compiled.user_data.ctypes.data)
    code = compiled.compiled_logp_func.ctypes(
        n_dim, x.ctypes.data_as(double_p), grad.ctypes.data_as(double_p),
        logp.ctypes.data_as(double_p), user,
    )  # fmt: skip
    want_logp, want_grad = compiled.logp_func(x)
    if code != 0 or not np.allclose(
        [float(logp), *grad], [float(want_logp), *np.asarray(want_grad)], rtol=_CHECK_RTOL
    ):
        raise RuntimeError(f"log density check failed (return code {code})")
    n_expanded = compiled.n_expanded
    values = np.empty(n_expanded)
    code = compiled.compiled_expand_func.ctypes(
        n_dim, n_expanded, x.ctypes.data_as(double_p), values.ctypes.data_as(double_p), user
    )
    (want,) = compiled.expand_func(x)
    if code != 0 or not np.allclose(values, np.asarray(want).ravel(), rtol=_CHECK_RTOL):
        raise RuntimeError(f"expansion check failed (return code {code})")
