"""Model graphs: build only (never sample); one declared builder per family of variants.

Where things are: :mod:`~bayes_keta.models.registry` (which builder builds a spec, the design
check, :func:`build`), :mod:`~bayes_keta.models.variants` (the builders' declarations),
:mod:`~bayes_keta.models.builder` (the protocol and :class:`BuiltModel`),
:mod:`~bayes_keta.models.declared` (what builders declare: capabilities, needs), the graph modules
(:mod:`~bayes_keta.models.gaussian`, :mod:`~bayes_keta.models.marginal`,
:mod:`~bayes_keta.models.ordinal`, :mod:`~bayes_keta.models.auc`) and their shared pieces
(:mod:`~bayes_keta.models.components`, :mod:`~bayes_keta.models.design`,
:mod:`~bayes_keta.models.priors`, :mod:`~bayes_keta.models.math_text`).
"""

from bayes_keta.models.builder import Builder, BuiltModel
from bayes_keta.models.declared import Capabilities, MathContext, Needs, Support
from bayes_keta.models.registry import (
    BUILDERS,
    build,
    build_model,
    builder_for,
    capabilities,
    check_design,
)

__all__ = [
    "BUILDERS",
    "Builder",
    "BuiltModel",
    "Capabilities",
    "MathContext",
    "Needs",
    "Support",
    "build",
    "build_model",
    "builder_for",
    "capabilities",
    "check_design",
]
