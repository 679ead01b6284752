"""Model graphs: build only (never sample). One builder module per likelihood family."""

from __future__ import annotations

from dataclasses import dataclass

import pymc as pm

from bayes_keta.data.trial import Trial
from bayes_keta.spec import ModelSpec, Prior, PriorsArg, load_spec, resolve_priors

__all__ = ["BuiltModel", "build", "build_model"]


@dataclass(frozen=True)
class BuiltModel:
    """A built model with what fitting and provenance need.

    Attributes
    ----------
    model : pymc.Model
        The graph.
    spec : ModelSpec
        The spec it was built from.
    priors : dict of str to Prior
        Resolved priors in daily NRS points (as declared, before outcome scaling).
    scaled : dict of str to Prior
        The same on the model's own scale (what the ``prior__*`` data hold).
    notes : tuple of str
        Facts about the build (e.g. AUC cells dropped).
    """

    model: pm.Model
    spec: ModelSpec
    priors: dict[str, Prior]
    scaled: dict[str, Prior]
    notes: tuple[str, ...] = ()


def build(trial: Trial, spec: str | ModelSpec, priors: PriorsArg = None) -> BuiltModel:
    """Resolve spec and priors and build the graph (see :func:`build_model`)."""
    from bayes_keta.models.priors import scaled_priors

    spec = load_spec(spec)
    resolved = resolve_priors(spec, priors)
    scaled = scaled_priors(spec, resolved, trial.n_days)
    notes: tuple[str, ...] = ()
    if spec.outcome == "auc":
        from bayes_keta.models.auc import build_auc

        model, notes = build_auc(trial, spec, scaled)
    elif spec.likelihood == "ordinal":
        from bayes_keta.models.ordinal import build_ordinal

        model = build_ordinal(trial, spec, scaled)
    else:
        from bayes_keta.models.gaussian import build_daily

        model = build_daily(trial, spec, scaled)
    return BuiltModel(model=model, spec=spec, priors=resolved, scaled=scaled, notes=notes)


def build_model(trial: Trial, spec: str | ModelSpec, priors: PriorsArg = None) -> pm.Model:
    """Build the PyMC model of a spec for a trial (never samples).

    Parameters
    ----------
    trial : Trial
        Validated data (:func:`bayes_keta.load_trial`).
    spec : str, Path or ModelSpec
        Model name (``"daily"``), spec path, or spec.
    priors : str, Path, dict or list, optional
        Prior sets and overrides (:func:`bayes_keta.spec.resolve_priors`).

    Returns
    -------
    pymc.Model
        With coords ``subject``, ``period``, ``treatment``, ``day``, ``active``; posterior
        variables ``arm_mean`` (treatment, day), ``treatment_effect`` (active) and the
        variance parameters; observed ``pain`` (``auc`` for the AUC spec).

    Raises
    ------
    SpecError
        Invalid spec or priors, or a spec the data cannot support.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> trial = bk.load_trial(bk.simulate_trial(n_subjects=6, n_days=7, seed=1))
    >>> model = build_model(trial, "daily")
    >>> model["arm_mean"].type.shape
    (3, 7)
    """
    return build(trial, spec, priors).model
