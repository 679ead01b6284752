"""Model specifications (``models/*.toml``) and prior objects (``models/priors/*.toml``).

Where things are: :mod:`~bayes_keta.spec.spec` (:class:`ModelSpec`, :func:`load_spec`),
:mod:`~bayes_keta.spec.resolve` (prior sets, precedence), :mod:`~bayes_keta.spec.priors`
(:class:`Prior`), :mod:`~bayes_keta.spec.families` (the one prior-family table; add a family
there), :mod:`~bayes_keta.spec.roles` (what each prior role may be),
:mod:`~bayes_keta.spec.files` (where specs live).
"""

from bayes_keta.spec.families import FAMILIES, Family
from bayes_keta.spec.files import available_models, available_prior_sets, models_dir
from bayes_keta.spec.priors import DISTRIBUTIONS, Prior
from bayes_keta.spec.resolve import PriorsArg, load_prior_set, resolve_priors
from bayes_keta.spec.roles import OUTCOME_SCALED
from bayes_keta.spec.spec import ModelSpec, load_spec

__all__ = [
    "DISTRIBUTIONS",
    "FAMILIES",
    "OUTCOME_SCALED",
    "Family",
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
