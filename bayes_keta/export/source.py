"""One view of whatever is being exported: a fit, a reopened fit, a fit directory or a DataTree.

:func:`fit_view` reads, once, what the export needs: the DataTree, the reference arm, the
resolved priors (daily NRS points, as applied), the model structure (outcome, likelihood,
effect), the fit's provenance and, when there is one, the validated ``summary.json`` record.
Sources, in the order each item is looked for: the object's own attributes (``FitResult``:
``.priors``, ``.spec``, ``.trial``; ``SavedFit``: ``.record``), then the DataTree attrs written
by :func:`bayes_keta.provenance.provenance_record` (``priors``, ``spec`` as JSON strings).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import xarray as xr

from bayes_keta.exceptions import OutputError

__all__ = ["FitView", "decode_attrs", "fit_view"]

_JSON_WORDS = frozenset({"true", "false", "null"})


@dataclass(frozen=True)
class FitView:
    """What an export reads from a fit.

    Attributes
    ----------
    datatree : xarray.DataTree
        The whole fit (``posterior`` with ``arm_mean``; ``prior`` when prior draws exist).
    reference : str or None
        Reference arm of the contrasts (None: the first treatment of ``arm_mean``).
    priors : dict
        Resolved priors by role as plain dicts (``{"dist": "normal", "mu": 0.0, ...}``);
        empty when unknown.
    spec : dict
        Model structure (``outcome``, ``likelihood``, ``effect``, ...); empty when unknown.
    provenance : dict
        The fit's provenance (DataTree attrs, JSON values decoded).
    record : dict or None
        The fit's validated ``summary.json`` record, when one exists or can be built.
    origin : str
        Where the fit came from (a directory, or ``"python"``).
    """

    datatree: xr.DataTree = field(repr=False)
    reference: str | None
    priors: dict[str, dict[str, Any]] = field(repr=False)
    spec: dict[str, Any] = field(repr=False)
    provenance: dict[str, Any] = field(repr=False)
    record: dict[str, Any] | None = field(repr=False)
    origin: str


def decode_attrs(attrs: Mapping[str, Any]) -> dict[str, Any]:
    """DataTree attrs with JSON-encoded values decoded (plain strings kept as they are).

    Examples
    --------
    >>> decode_attrs({"a": "x", "b": '{"c": 1}', "t": "true", "n": "3"})
    {'a': 'x', 'b': {'c': 1}, 't': True, 'n': '3'}
    """
    out: dict[str, Any] = {}
    for key, value in attrs.items():
        if isinstance(value, str) and (value[:1] in "{[" or value in _JSON_WORDS):
            try:
                out[str(key)] = json.loads(value)
                continue
            except json.JSONDecodeError:
                pass
        out[str(key)] = value.tolist() if hasattr(value, "tolist") else value
    return out


def _plain_priors(priors: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(priors, Mapping):
        return {}
    out = {}
    for role, prior in priors.items():
        value = prior.to_dict() if hasattr(prior, "to_dict") else prior
        if isinstance(value, Mapping) and "dist" in value:
            out[str(role)] = dict(value)
    return out


def _spec_dict(spec: Any) -> dict[str, Any]:
    if spec is None:
        return {}
    if hasattr(spec, "structure"):
        return dict(spec.structure())
    if hasattr(spec, "to_dict"):
        return dict(spec.to_dict())
    return dict(spec) if isinstance(spec, Mapping) else {}


def fit_view(source: Any, *, reference: str | None = None) -> FitView:
    """Read what an export needs from a fit, a reopened fit, a fit directory or a DataTree.

    Parameters
    ----------
    source : FitResult, SavedFit, str, Path or xarray.DataTree
        A directory is reopened with :func:`bayes_keta.load_fit` (which checks that its
        ``posterior.nc`` and ``summary.json`` belong together).
    reference : str, optional
        Reference arm (default: the fit's own reference).

    Returns
    -------
    FitView

    Raises
    ------
    OutputError
        A directory that does not hold a saved fit.

    Examples
    --------
    >>> import numpy as np
    >>> am = xr.DataArray(np.zeros((1, 2, 2, 3)), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": [1, 2, 3]})
    >>> view = fit_view(xr.DataTree.from_dict({"posterior": xr.Dataset({"arm_mean": am})}))
    >>> view.reference, view.priors, view.origin
    (None, {}, 'python')
    """
    if isinstance(source, FitView):
        return source if reference is None else _with_reference(source, reference)
    origin = "python"
    if isinstance(source, str | Path):
        from bayes_keta.results import load_fit

        origin = str(source)
        source = load_fit(source)
    tree = getattr(source, "datatree", source)
    if not isinstance(tree, xr.DataTree):
        raise OutputError(
            f"cannot export a {type(source).__name__}: give a fit result, a fit directory or a"
            " DataTree"
        )
    attrs = decode_attrs(tree.attrs)
    obj = None if source is tree else source  # a bare DataTree has no fit attributes
    record = getattr(obj, "record", None)
    trial = getattr(obj, "trial", None)
    if record is None and trial is not None and hasattr(obj, "summary"):
        record = obj.summary()
    if getattr(obj, "path", None) is not None:
        origin = str(obj.path)
    priors = _plain_priors(getattr(obj, "priors", None))
    if not priors and record:
        priors = _plain_priors(record.get("priors"))
    if not priors:
        priors = _plain_priors(attrs.get("priors"))
    spec = _spec_dict(getattr(obj, "spec", None))
    if not spec and record:
        spec = _spec_dict(record.get("model", {}).get("structure"))
    if not spec:
        spec = _spec_dict(attrs.get("spec"))
    if reference is None:
        reference = getattr(trial, "reference", None)
    if reference is None and record:
        reference = record.get("data", {}).get("reference")
    return FitView(
        datatree=tree,
        reference=reference,
        priors=priors,
        spec=spec,
        provenance=attrs,
        record=record,
        origin=origin,
    )


def _with_reference(view: FitView, reference: str) -> FitView:
    from dataclasses import replace

    return replace(view, reference=reference)
