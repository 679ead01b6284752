"""Command-line options shared by several subcommands (one definition, one help text)."""

from __future__ import annotations

import argparse
from collections.abc import Callable

__all__ = [
    "add_data_argument",
    "add_label_options",
    "add_model_option",
    "add_sampling_options",
    "count",
]


def count(minimum: int) -> Callable[[str], int]:
    """Argparse type: an integer >= ``minimum``, with a clear message otherwise.

    Examples
    --------
    >>> count(1)("3")
    3
    """

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def add_data_argument(parser: argparse.ArgumentParser) -> None:
    """Add the optional positional ``DATA`` (default: the embedded synthetic trial)."""
    parser.add_argument(
        "data",
        nargs="?",
        metavar="DATA",
        help="CSV or Parquet file (default: the embedded synthetic trial)",
    )


def add_model_option(parser: argparse.ArgumentParser) -> None:
    """Add ``--model SPEC`` (one spec; default ``daily``)."""
    parser.add_argument(
        "--model",
        default="daily",
        metavar="SPEC",
        help="model spec: a path (models/daily.toml) or a name in models/ (default: daily)",
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
        "--draws", type=count(1), default=draws, help=f"draws per chain ({shown(draws)})"
    )
    parser.add_argument(
        "--tune", type=count(0), default=tune, help=f"warm-up iterations per chain ({shown(tune)})"
    )
    parser.add_argument(
        "--chains", type=count(1), default=chains, help=f"number of chains ({shown(chains)})"
    )
    parser.add_argument("--seed", type=count(0), default=seed, help=f"random seed ({shown(seed)})")
