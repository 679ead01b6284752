"""Compile a PyMC model for nutpie with lighter numba glue (same density, ~2x faster compile).

``nutpie.compile_pymc_model`` (0.16) wraps PyTensor's numba-compiled log density in a C
callback. That glue, not the model, dominates a cold compile: the model's own numba function
is served from PyTensor's on-disk cache, while the glue is compiled afresh in every process
(it cannot be cached). For ``daily`` (14 shared arrays) the log-density callback alone costs
7.1 s of CPU, of which

* about 4 s go to reading the shared arrays (``literal_unroll`` over typed records, about
  0.4 s per ``pm.Data``), and
* about 1-2 s to ``out[...] = grad`` (numba compiles its broadcasting and error message);

the lean callback compiles in 1.7 s, and a whole cold compile takes 4.8 s instead of 9.7 s
(CPU seconds, medians of 3 fresh processes; ``docs/upstream/nutpie-lean-glue.md``).
:func:`compile_lean` builds the compiled model itself from nutpie's own pieces, in the order
nutpie's numba path does (``make_initial_point_fn`` with nutpie's defaults,
``_make_functions``, ``make_user_data``, ``_prepare_dims_and_coords``,
``CompiledPyMCModel``), with its own two callbacks in place of nutpie's
``_make_c_logp_func``/``_make_c_expand_func``: they copy with a plain loop and read each shared
array at fixed offsets of nutpie's ``user_data`` record (straight-line code). Nothing of nutpie
is patched: other callers of ``nutpie.compile_pymc_model`` in the process (other threads
included) get nutpie's own compile, whatever runs here. The result is a stock
``CompiledPyMCModel`` (``with_data`` and the sampler are nutpie's). Those pieces are private
to nutpie, so the glue is pinned to nutpie 0.16.x (checked; any other version gets the stock
compile). The upstream change that would make this module unnecessary is proposed in
``docs/upstream/nutpie-lean-glue.md``.

Safety: :func:`check` compares the C callbacks with a reference that reads the same data
through PyTensor's own numba function (``logp_func.vm.jit_fn``, what PyTensor itself calls,
given the compiled model's ``shared_data`` in PyTensor's input order) at a jittered point:
log density, gradient and the expansion to the stored variables. :func:`compile_lean` runs it
before use; on any error or mismatch, or with another nutpie version, the stock compile is
used instead and the reason returned.

Check after every data swap: yes. A cached compiled model is reused with other data and prior
values (``with_data``, :mod:`bayes_keta.fitting.cache`): the callbacks then read arrays at
other addresses, which is exactly what the lean glue does differently from nutpie's, so
:func:`with_data_checked` re-runs :func:`check` on every swap. The reference reads the
*swapped* ``shared_data`` (PyTensor's ``compiled.logp_func`` would still hold the first
model's values, so comparing with it would fail on every correct swap). The check costs one
log density and gradient evaluation and one expansion (0.1 ms for ``daily``).
"""

from __future__ import annotations

import ctypes
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from bayes_keta.constants import DEFAULT_SEED

__all__ = ["check", "compile_lean", "compile_stock", "with_data_checked"]

#: nutpie versions whose private pieces this module calls (``nutpie.compile_pymc``).
NUTPIE_SERIES = "0.16."
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

    Examples
    --------
    Compiling for nutpie is for the slow test tier, so the example is not run:

    >>> import pymc as pm
    >>> with pm.Model() as model:
    ...     mu = pm.Normal("mu", shape=2)
    >>> compiled, fallback_reason = compile_lean(model)  # doctest: +SKIP
    >>> int(compiled.n_dim), fallback_reason  # doctest: +SKIP
    (2, None)
    """
    try:
        compiled = _compile(model)
        check(compiled)
    except Exception as err:  # noqa: BLE001 - any failure: nutpie's own compile is the reference
        return compile_stock(model), f"lean compile not used ({type(err).__name__}: {err})"
    return compiled, None


def with_data_checked(compiled: Any, values: Mapping[str, Any]) -> Any:
    """``compiled.with_data(**values)``, checked against PyTensor on the new values.

    Parameters
    ----------
    compiled : nutpie.compile_pymc.CompiledPyMCModel
        A compiled model (lean or nutpie's own).
    values : mapping
        New values of shared variables, by name (same ranks; names must be known).

    Returns
    -------
    CompiledPyMCModel
        The swapped copy (``compiled`` itself when ``values`` is empty).

    Raises
    ------
    RuntimeError
        When the callbacks disagree with PyTensor on the new values (see :func:`check`).
    """
    if not values:
        return compiled
    swapped = compiled.with_data(**values)
    check(swapped)
    return swapped


def _compile(model: Any) -> Any:
    """Run the numba compile path of nutpie 0.16 with the lean callbacks (nutpie untouched)."""
    import numba
    import nutpie
    from nutpie import compile_pymc as ncp
    from pymc.initial_point import make_initial_point_fn

    if not nutpie.__version__.startswith(NUTPIE_SERIES):
        raise RuntimeError(f"written against nutpie {NUTPIE_SERIES}x, found {nutpie.__version__}")
    # compile_pymc_model's defaults for the numba backend: support point, every free RV jittered
    initial_point_fn = ncp._wrap_with_lock(
        make_initial_point_fn(
            model=model,
            overrides=None,
            default_strategy="support_point",
            jitter_rvs=set(model.free_RVs),
            return_transformed=True,
        )
    )
    n_dim, n_expanded, logp_pt, expand_pt, flat_initial_fn, shape_info, reparameterized = (
        ncp._make_functions(
            model,
            mode="NUMBA",
            compute_grad=True,
            join_expanded=True,
            pymc_initial_point_fn=initial_point_fn,
            var_names=None,
        )
    )
    shared_data: dict[str, np.ndarray] = {}
    shared_var_keys: dict[Any, str] = {}
    for var in [*logp_pt.get_shared(), *expand_pt.get_shared()]:
        if var not in shared_var_keys:
            key = f"shared_{len(shared_var_keys)}"
            shared_data[key] = np.array(var.get_value(), order="C", copy=True)
            shared_data[key].flags.writeable = False
            shared_var_keys[var] = key
    user_data = ncp.make_user_data(shared_var_keys, shared_data)

    def cfunc(raw: Any, signature: Any) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings(
                "ignore",
                message="Cannot cache compiled function .* as it uses dynamic globals",
                category=numba.NumbaWarning,
            )
            return numba.cfunc(signature)(raw)

    def keys(fn: Any) -> list[str]:
        return [shared_var_keys[var] for var in fn.get_shared()]

    logp_c = cfunc(
        *_make_c_logp_func(n_dim, logp_pt.vm.jit_fn, user_data, keys(logp_pt), shared_data)
    )
    expand_c = cfunc(
        *_make_c_expand_func(
            n_dim, n_expanded, expand_pt.vm.jit_fn, user_data, keys(expand_pt), shared_data
        )
    )
    dims, coords = ncp._prepare_dims_and_coords(model, shape_info, reparameterized)
    return ncp.CompiledPyMCModel(
        _n_dim=n_dim,
        dims=dims,
        _coords=coords,
        _shapes={name: tuple(shape) for name, _, shape in zip(*shape_info, strict=True)},
        compiled_logp_func=logp_c,
        compiled_expand_func=expand_c,
        initial_point_func=flat_initial_fn,
        shared_data=shared_data,
        shared_var_keys=shared_var_keys,
        user_data=user_data,
        n_expanded=n_expanded,
        shape_info=shape_info,
        logp_func=logp_pt,
        expand_func=expand_pt,
        reparameterized_names=reparameterized,
    )


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


def _reference(fn: Any, compiled: Any, x: np.ndarray) -> tuple:
    """PyTensor's numba function of ``fn`` at ``x``, reading the compiled model's data.

    ``fn.vm.jit_fn`` takes the explicit input, then the shared variables in ``fn.get_shared()``
    order: what PyTensor's own ``fn(x)`` passes from its storage (the first model's values).
    """
    keys = [compiled.shared_var_keys[var] for var in fn.get_shared()]
    return fn.vm.jit_fn(x, *[np.array(compiled.shared_data[key]) for key in keys])


def check(compiled: Any) -> None:
    """Compare a compiled model's C callbacks with PyTensor's functions at a jittered point.

    The reference reads the compiled model's current ``shared_data``, so the check holds after
    ``with_data`` too. It checks the glue (which arrays are read, at which addresses, with
    which shapes; the copy of the gradient and of the expanded values), not PyTensor's maths.

    Raises
    ------
    RuntimeError
        On a non-zero return code or a value differing by more than ``rtol=1e-9``.
    """
    rng = np.random.default_rng(DEFAULT_SEED)
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
    want_logp, want_grad = _reference(compiled.logp_func, compiled, x)
    if code != 0 or not np.allclose(
        [float(logp), *grad], [float(want_logp), *np.asarray(want_grad)], rtol=_CHECK_RTOL
    ):
        raise RuntimeError(f"log density check failed (return code {code})")
    n_expanded = compiled.n_expanded
    values = np.empty(n_expanded)
    code = compiled.compiled_expand_func.ctypes(
        n_dim, n_expanded, x.ctypes.data_as(double_p), values.ctypes.data_as(double_p), user
    )
    (want,) = _reference(compiled.expand_func, compiled, x)
    if code != 0 or not np.allclose(values, np.asarray(want).ravel(), rtol=_CHECK_RTOL):
        raise RuntimeError(f"expansion check failed (return code {code})")
