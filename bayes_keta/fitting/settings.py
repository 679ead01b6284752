"""Sampler settings: how NUTS is run, apart from what is fitted (the model and its priors)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass, replace
from typing import Any

from bayes_keta import checks
from bayes_keta.constants import (
    DEFAULT_CHAINS,
    DEFAULT_DRAWS,
    DEFAULT_SAMPLER,
    DEFAULT_SEED,
    DEFAULT_TUNE,
    MASS_MATRICES,
    SAMPLERS,
)
from bayes_keta.exceptions import SpecError

__all__ = ["SamplerSettings"]


@dataclass(frozen=True)
class SamplerSettings:
    """How to run NUTS (defaults from :mod:`bayes_keta.constants`).

    Attributes
    ----------
    sampler : {"nutpie", "pymc"}
        NUTS implementation; nutpie falls back to PyMC's (with a warning, recorded) when it
        cannot be used.
    draws, tune, chains : int
        Posterior draws and tuning steps per chain, number of chains.
    cores : int or None
        Chains run in parallel on this many cores (None: ``min(chains, cpu count)``).
    seed : int
        Seed of the sampler (and of a fit's prior / predictive draws).
    mass_matrix : {"diag", "low_rank"} or None
        nutpie's mass matrix adaptation; None takes the model spec's suggestion (``"diag"``
        unless the spec asks for ``"low_rank"``). PyMC's NUTS always adapts a diagonal one.
    progressbar : bool
        Show the sampler's progress bar.
    target_accept : float or None
        Step-size adaptation target; None keeps the sampler's default (0.8).

    Examples
    --------
    >>> s = SamplerSettings(draws=200, chains=2, seed=1).validate()
    >>> s.resolved().cores <= 2, s.to_dict()["draws"]
    (True, 200)
    >>> SamplerSettings.from_dict(s.to_dict()) == s
    True
    """

    sampler: str = DEFAULT_SAMPLER
    draws: int = DEFAULT_DRAWS
    tune: int = DEFAULT_TUNE
    chains: int = DEFAULT_CHAINS
    cores: int | None = None
    seed: int = DEFAULT_SEED
    mass_matrix: str | None = None
    progressbar: bool = False
    target_accept: float | None = None

    def validate(self) -> SamplerSettings:
        """Return self, or raise :class:`SpecError` naming the first bad setting.

        The numeric rules are those of :mod:`bayes_keta.checks` (the CLI words its errors
        alike): e.g. ``tune >= 1``, ``seed`` in ``0..2**32-1``.
        """
        if self.sampler not in SAMPLERS:
            raise SpecError(f"unknown sampler {self.sampler!r}; choose one of {list(SAMPLERS)}")
        checks.check_sampling(draws=self.draws, tune=self.tune, chains=self.chains, seed=self.seed)
        if self.cores is not None:
            checks.CORES.check(self.cores, "cores")
        if self.mass_matrix is not None and self.mass_matrix not in MASS_MATRICES:
            raise SpecError(
                f"mass_matrix must be one of {list(MASS_MATRICES)}, got {self.mass_matrix!r}"
            )
        if self.target_accept is not None:
            checks.TARGET_ACCEPT.check(self.target_accept, "target_accept")
        return self

    def resolved(
        self,
        *,
        suggested_mass_matrix: str = "diag",
        suggested_target_accept: float | None = None,
    ) -> SamplerSettings:
        """Fill in ``cores``, ``mass_matrix`` and ``target_accept`` (what actually runs).

        Parameters
        ----------
        suggested_mass_matrix : str
            The model spec's suggestion, used when ``mass_matrix`` is None.
        suggested_target_accept : float, optional
            The model spec's suggestion, used when ``target_accept`` is None.
        """
        return replace(
            self,
            cores=self.cores or min(self.chains, os.cpu_count() or 1),
            mass_matrix=self.mass_matrix or suggested_mass_matrix,
            target_accept=self.target_accept
            if self.target_accept is not None
            else suggested_target_accept,
        )

    def with_seed(self, seed: int | None) -> SamplerSettings:
        """Return a copy with another seed (None: unchanged)."""
        return self if seed is None else replace(self, seed=int(seed))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict of every setting."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SamplerSettings:
        """Rebuild from :meth:`to_dict` (unknown keys are refused with a :class:`SpecError`)."""
        known = set(cls.__dataclass_fields__)
        unknown = sorted(set(values) - known)
        if unknown:
            raise SpecError(f"unknown sampler setting(s) {unknown}; known: {sorted(known)}")
        return cls(**dict(values))
