"""Rules for numeric settings, shared by the Python API and the command line.

Each rule knows what values it accepts and says what is wrong with any other in one phrase.
The API raises ``SpecError("<name> <phrase>")`` (:meth:`Integer.check`, :meth:`Real.check`);
the CLI's argparse types (:mod:`bayes_keta.cli.options`) report the same phrase after
``argument --<option>:`` with the usage exit code (2). Everything is checked before anything
runs. This module imports nothing heavy (the CLI builds its parser from it).

Examples
--------
>>> TUNE.check(500, "tune")
500
>>> TUNE.problem(0)
"must be an integer >= 1 (nutpie's warm-up needs at least one tuning step), got 0"
>>> BFMI_MIN.problem(float("nan"))
'must be a number in (0, 1), got nan'
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from bayes_keta.constants import MIN_CHAINS, MIN_CHAINS_RHAT, MIN_DRAWS, MIN_TUNE, SEED_MAX
from bayes_keta.exceptions import SpecError

__all__ = [
    "AE_MARGIN",
    "BENEFIT_SIZE",
    "BFMI_MIN",
    "CHAINS",
    "CORES",
    "DAYS",
    "DRAWS",
    "DROPOUT_RATE",
    "ESS_MIN",
    "EXACT_SIMS",
    "FINITE",
    "HARM_WEIGHT",
    "Integer",
    "MISSING_RATE",
    "NEGATIVE",
    "POSITIVE",
    "PRIOR_DRAWS",
    "PROBABILITY",
    "RHAT_MAX",
    "Real",
    "SEED",
    "SIMS",
    "SUBJECTS",
    "TARGET_ACCEPT",
    "TRIAL_SIZE",
    "TUNE",
    "WORKERS",
    "check_gate",
    "check_sampling",
    "sampling_notes",
]


@dataclass(frozen=True)
class Integer:
    """An integer in ``low..high`` (``high=None``: no upper bound)."""

    low: int
    high: int | None = None
    why: str = ""

    def describe(self) -> str:
        """Say what the rule accepts, e.g. ``"an integer >= 1"``."""
        if self.high is None:
            text = f"an integer >= {self.low}"
        else:
            text = f"an integer in {self.low}..{self.high}"
        return f"{text} ({self.why})" if self.why else text

    def problem(self, value: object) -> str | None:
        """Say what is wrong with ``value`` (None when it is accepted)."""
        ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if ok and self.low <= int(value) and (self.high is None or int(value) <= self.high):
            return None
        return f"must be {self.describe()}, got {value!r}"

    def check(self, value: object, name: str) -> int:
        """Return ``value`` as an int or raise :class:`SpecError` naming ``name``."""
        problem = self.problem(value)
        if problem:
            raise SpecError(f"{name} {problem}")
        return int(value)  # type: ignore[call-overload]

    def parse(self, text: str) -> int:
        """Parse command-line text; ``ValueError`` with the problem otherwise."""
        try:
            value = int(text.strip())
        except ValueError:
            raise ValueError(f"must be {self.describe()}, got {text!r}") from None
        problem = self.problem(value)
        if problem:
            raise ValueError(problem)
        return value


@dataclass(frozen=True)
class Real:
    """A finite number, optionally bounded (open bounds unless ``*_closed``)."""

    low: float | None = None
    high: float | None = None
    low_closed: bool = False
    high_closed: bool = False
    why: str = ""

    def describe(self) -> str:
        """Say what the rule accepts, e.g. ``"a number in (0, 1)"``."""
        low, high = self.low, self.high
        if low is not None and high is not None:
            left = "[" if self.low_closed else "("
            right = "]" if self.high_closed else ")"
            text = f"a number in {left}{low:g}, {high:g}{right}"
        elif low is not None:
            text = f"a finite number {'>=' if self.low_closed else '>'} {low:g}"
        elif high is not None:
            text = f"a finite number {'<=' if self.high_closed else '<'} {high:g}"
        else:
            text = "a finite number"
        return f"{text} ({self.why})" if self.why else text

    def accepts(self, value: float) -> bool:
        """Tell whether ``value`` is finite and within the bounds."""
        if not math.isfinite(value):
            return False
        low, high = self.low, self.high
        above = low is None or (value >= low if self.low_closed else value > low)
        below = high is None or (value <= high if self.high_closed else value < high)
        return above and below

    def problem(self, value: object) -> str | None:
        """Say what is wrong with ``value`` (None when it is accepted)."""
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            if self.accepts(float(value)):
                return None
        return f"must be {self.describe()}, got {value!r}"

    def check(self, value: object, name: str) -> float:
        """Return ``value`` as a float or raise :class:`SpecError` naming ``name``."""
        problem = self.problem(value)
        if problem:
            raise SpecError(f"{name} {problem}")
        return float(value)  # type: ignore[arg-type]

    def parse(self, text: str) -> float:
        """Parse command-line text; ``ValueError`` with the problem otherwise."""
        try:
            value = float(text.strip())
        except ValueError:
            raise ValueError(f"must be {self.describe()}, got {text!r}") from None
        problem = self.problem(value)
        if problem:
            raise ValueError(problem)
        return value


DRAWS = Integer(MIN_DRAWS, why="R-hat and ESS need two draws per chain")
TUNE = Integer(MIN_TUNE, why="nutpie's warm-up needs at least one tuning step")
CHAINS = Integer(MIN_CHAINS)
SEED = Integer(0, SEED_MAX)
PRIOR_DRAWS = Integer(0)
WORKERS = Integer(1)
CORES = Integer(1)
SUBJECTS = Integer(1)
DAYS = Integer(1)
#: R-hat is about 1 for a converged chain set, so a gate at or below 1 can never pass.
RHAT_MAX = Real(low=1.0)
ESS_MIN = Real(low=0.0)
BFMI_MIN = Real(low=0.0, high=1.0)
MISSING_RATE = Real(low=0.0, high=1.0, low_closed=True)
DROPOUT_RATE = Real(low=0.0, high=1.0, low_closed=True, high_closed=True)
POSITIVE = Real(low=0.0)
#: Effects are active - reference with negative = less pain (benefit).
NEGATIVE = Real(high=0.0, why="negative = benefit, less pain")
FINITE = Real()
#: NUTS step-size adaptation target (an acceptance probability).
TARGET_ACCEPT = Real(low=0.0, high=1.0)
#: Assurance (bayes_keta.planning): subjects of a next trial, simulated trials, posterior
#: probabilities of a success rule, and the size of benefit it asks for (its direction comes
#: from the outcome, so the size is never negative).
TRIAL_SIZE = Integer(2, why="a crossover trial of at least two subjects")
SIMS = Integer(1)
EXACT_SIMS = Integer(0)
PROBABILITY = Real(low=0.0, high=1.0)
BENEFIT_SIZE = Real(
    low=0.0, low_closed=True, why="the size of the benefit; its direction comes from the outcome"
)
#: Benefit and harm (bayes_keta.harms): the weight of adverse-event risk in the net benefit
#: (outcome units per unit of risk; 0 = harm ignored) and margins of excess risk (a risk
#: difference, probability scale).
HARM_WEIGHT = Real(low=0.0, low_closed=True, why="outcome units per unit of adverse-event risk")
AE_MARGIN = Real(low=-1.0, high=1.0, high_closed=True, why="a risk difference")


def check_sampling(
    *, draws: object, tune: object, chains: object, seed: object | None = None
) -> None:
    """Check sampler settings (:class:`SpecError` naming the first bad one).

    Examples
    --------
    >>> check_sampling(draws=100, tune=100, chains=2, seed=1)
    >>> check_sampling(draws=100, tune=0, chains=2)
    Traceback (most recent call last):
    ...
    bayes_keta.exceptions.SpecError: tune must be an integer >= 1 (nutpie's warm-up needs at \
least one tuning step), got 0
    """
    DRAWS.check(draws, "draws")
    TUNE.check(tune, "tune")
    CHAINS.check(chains, "chains")
    if seed is not None:
        SEED.check(seed, "seed")


def check_gate(*, rhat_max: object, ess_min: object, bfmi_min: object) -> None:
    """Check diagnostics-gate thresholds (:class:`SpecError` naming the first bad one).

    Examples
    --------
    >>> check_gate(rhat_max=1.01, ess_min=400, bfmi_min=0.3)
    """
    RHAT_MAX.check(rhat_max, "rhat_max")
    ESS_MIN.check(ess_min, "ess_min")
    BFMI_MIN.check(bfmi_min, "bfmi_min")


def sampling_notes(*, chains: int | None) -> list[str]:
    """Warnings about valid but weak settings, for the CLI to show before sampling.

    Examples
    --------
    >>> sampling_notes(chains=1)
    ['1 chain: R-hat needs >= 2 chains to compare, so the diagnostics gate will fail']
    >>> sampling_notes(chains=4)
    []
    """
    if chains is not None and chains < MIN_CHAINS_RHAT:
        return [
            f"{chains} chain: R-hat needs >= {MIN_CHAINS_RHAT} chains to compare, so the"
            " diagnostics gate will fail"
        ]
    return []
