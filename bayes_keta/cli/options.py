"""Command-line options shared by several subcommands (one definition, one help text).

The argparse ``type=`` helpers are here too: each wraps a rule of :mod:`bayes_keta.checks`, so
a bad value is a usage error (exit 2) worded as the Python API's :class:`SpecError`. This module
imports nothing heavy: every parser is built from it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_MAIN_SPEC, MIN_CHAINS_RHAT

__all__ = [
    "add_data_argument",
    "add_label_options",
    "add_model_option",
    "add_quiet_option",
    "add_sampling_options",
    "count",
    "labelled_number",
    "magnitudes",
    "number",
]


def number(rule: checks.Integer | checks.Real) -> Callable[[str], int | float]:
    """Argparse type checking a value against a rule of :mod:`bayes_keta.checks`.

    Examples
    --------
    >>> number(checks.BFMI_MIN)("0.3")
    0.3
    >>> number(checks.BFMI_MIN)("inf")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: must be a number in (0, 1), got inf
    """

    def parse(text: str) -> int | float:
        try:
            return rule.parse(text)
        except ValueError as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    parse.__name__ = "number"
    return parse


def count(minimum: int) -> Callable[[str], int]:
    """Argparse type: an integer >= ``minimum``, with a clear message otherwise.

    Examples
    --------
    >>> count(1)("3")
    3
    """
    return number(checks.Integer(minimum))  # type: ignore[return-value]


def magnitudes(text: str) -> tuple[float, ...]:
    """Argparse type: comma-separated positive finite numbers (benefit thresholds).

    Examples
    --------
    >>> magnitudes("0.2, 0.5,0.8")
    (0.2, 0.5, 0.8)
    """
    parts = [t for t in text.split(",") if t.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers > 0, got {text!r}")
    try:
        return tuple(checks.POSITIVE.parse(t) for t in parts)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"each threshold {err}") from None


def labelled_number(text: str) -> tuple[str, float]:
    """Argparse type: ``LABEL=NUMBER`` with a finite number (e.g. ``ketamine=-1.0``).

    Examples
    --------
    >>> labelled_number("ketamine=-1.5")
    ('ketamine', -1.5)
    """
    label, sep, value = text.partition("=")
    if not sep or not label.strip():
        raise argparse.ArgumentTypeError(f"expected LABEL=SHIFT (e.g. ketamine=-1.0), got {text!r}")
    try:
        return label.strip(), checks.FINITE.parse(value)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"the shift of {label.strip()!r} {err}") from None


def add_quiet_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--quiet``: only errors and the final result (no progress, notes or bars)."""
    parser.add_argument(
        "--quiet",
        "-q",
        action="store_true",
        help="print only errors and the final result (no progress lines, notes or bars)",
    )


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """Add the optional positional ``DATA`` (default: the embedded synthetic trial)."""
    parser.add_argument(
        "data",
        nargs="?",
        metavar="DATA",
        help="CSV or Parquet file (default: the embedded synthetic trial)",
    )


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--model SPEC`` (one spec; default :data:`~bayes_keta.constants.DEFAULT_MAIN_SPEC`)."""
    parser.add_argument(
        "--model",
        default=DEFAULT_MAIN_SPEC,
        metavar="SPEC",
        help="model spec: a path (models/daily.toml) or a name in models/"
        f" (default: {DEFAULT_MAIN_SPEC})",
    )


def add_label_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--treatments``, ``--reference``, ``--design`` and ``--name`` (data options)."""
    parser.add_argument(
        "--treatments",
        metavar="A,B,C",
        help="comma-separated treatment labels (default: placebo,ketamine,ketamine_magnesium)",
    )
    parser.add_argument(
        "--reference",
        metavar="LABEL",
        help="reference (control) label (default: placebo, or the first of --treatments)",
    )
    parser.add_argument(
        "--design",
        metavar="TOML",
        help="TOML file declaring treatments and reference (flags take precedence)",
    )
    parser.add_argument("--name", help="name of the data set (default: the file stem)")


def add_sampling_options(
    parser: argparse.ArgumentParser,
    *,
    draws: int | None = None,
    tune: int | None = None,
    chains: int | None = None,
    seed: int | None = None,
) -> None:
    """Add ``--draws``, ``--tune``, ``--chains`` and ``--seed`` (None: the fit's own default)."""

    def shown(value: int | None) -> str:
        return "the fit's default" if value is None else str(value)

    parser.add_argument(
        "--draws",
        type=number(checks.DRAWS),
        default=draws,
        help=f"draws per chain, >= {checks.DRAWS.low} ({shown(draws)})",
    )
    parser.add_argument(
        "--tune",
        type=number(checks.TUNE),
        default=tune,
        help=f"warm-up iterations per chain, >= {checks.TUNE.low} ({shown(tune)})",
    )
    parser.add_argument(
        "--chains",
        type=number(checks.CHAINS),
        default=chains,
        help=f"number of chains; R-hat needs >= {MIN_CHAINS_RHAT} ({shown(chains)})",
    )
    parser.add_argument(
        "--seed",
        type=number(checks.SEED),
        default=seed,
        help=f"random seed, 0..{checks.SEED.high} ({shown(seed)})",
    )
