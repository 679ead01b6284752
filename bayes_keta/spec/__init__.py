"""Model specifications (``models/*.toml``) and prior objects (``models/priors/*.toml``)."""

from bayes_keta.spec.priors import DISTRIBUTIONS, Prior
from bayes_keta.spec.spec import (
    OUTCOME_SCALED,
    ModelSpec,
    PriorsArg,
    available_models,
    available_prior_sets,
    load_prior_set,
    load_spec,
    models_dir,
    resolve_priors,
)

__all__ = [
    "DISTRIBUTIONS",
    "OUTCOME_SCALED",
    "ModelSpec",
    "Prior",
    "PriorsArg",
    "available_models",
    "available_prior_sets",
    "load_prior_set",
    "load_spec",
    "models_dir",
    "resolve_priors",
]
