"""Command-line options shared by several subcommands (one definition, one help text).

The argparse ``type=`` helpers are here too: each wraps a rule of :mod:`bayes_keta.checks`, so
a bad value is a usage error (exit 2) worded as the Python API's :class:`SpecError`. This module
imports nothing heavy: every parser is built from it.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from bayes_keta import checks
from bayes_keta.constants import DEFAULT_MAIN_SPEC, MIN_CHAINS_RHAT
from bayes_keta.outcome import PRESETS

__all__ = [
    "OUTCOME_FLAGS",
    "add_data_argument",
    "add_label_options",
    "add_model_option",
    "add_outcome_options",
    "add_quiet_option",
    "add_sampling_options",
    "count",
    "labelled_number",
    "magnitudes",
    "number",
    "outcome_arguments",
    "outcome_keys",
    "trial_from_args",
]

#: ``--outcome-<flag>`` -> the ``[outcome]`` key it sets (:mod:`bayes_keta.outcome_table`).
OUTCOME_FLAGS: dict[str, str] = {
    "preset": "preset",
    "column": "column",
    "label": "label",
    "units": "units",
    "lower": "lower",
    "upper": "upper",
    "better": "better",
    "thresholds": "thresholds",
    "rope": "rope",
    "reading": "reading",
}


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
    """Add ``--treatments``, ``--reference``, ``--design``, ``--name`` and ``--outcome-*``."""
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
        help="TOML file declaring treatments, reference and an [outcome] table (flags take"
        " precedence)",
    )
    parser.add_argument("--name", help="name of the data set (default: the file stem)")
    add_outcome_options(parser)


def add_outcome_options(parser: argparse.ArgumentParser) -> None:
    """Add the ``--outcome-*`` flags: the ``[outcome]`` keys, over the design file's table."""
    group = parser.add_argument_group(
        "outcome",
        "what the readings are (default: daily pain on the 0-10 NRS); each flag sets one key"
        " of the design file's [outcome] table and wins over it",
    )
    group.add_argument(
        "--outcome-preset",
        choices=PRESETS,
        help="start from a preset: nrs_0_10 (0-10 pain NRS) or vas_0_100 (100 mm pain VAS)",
    )
    group.add_argument("--outcome-column", metavar="COL", help="column holding the readings")
    group.add_argument("--outcome-label", metavar="TEXT", help="label in tables and plots")
    group.add_argument("--outcome-units", metavar="UNITS", help="units of a reading (mmHg)")
    group.add_argument(
        "--outcome-lower", type=number(checks.FINITE), metavar="X", help="lower bound"
    )
    group.add_argument(
        "--outcome-upper", type=number(checks.FINITE), metavar="X", help="upper bound"
    )
    group.add_argument(
        "--outcome-better", choices=("lower", "higher"), help="which direction is benefit"
    )
    group.add_argument(
        "--outcome-thresholds",
        type=magnitudes,
        metavar="T1,T2",
        help="clinically meaningful differences, in units (e.g. 2,5,10)",
    )
    group.add_argument(
        "--outcome-rope",
        type=number(checks.POSITIVE),
        metavar="X",
        help="half-width of the region of practical equivalence, in units",
    )
    group.add_argument(
        "--outcome-reading",
        metavar="WORD",
        help="what one reading covers, for wording (day, hour, visit, period; default day)",
    )


def outcome_keys(args: argparse.Namespace) -> dict[str, Any] | None:
    """Return the ``[outcome]`` keys set by ``--outcome-*`` flags (None: none given).

    Examples
    --------
    >>> outcome_keys(argparse.Namespace(outcome_units="mmHg", outcome_thresholds=(2.0, 5.0)))
    {'units': 'mmHg', 'thresholds': [2.0, 5.0]}
    """
    keys: dict[str, Any] = {}
    for flag, key in OUTCOME_FLAGS.items():
        value = getattr(args, f"outcome_{flag}", None)
        if value is not None:
            keys[key] = list(value) if isinstance(value, tuple) else value
    return keys or None


def outcome_arguments(args: argparse.Namespace) -> list[str]:
    """Return the ``--outcome-*`` flags given, as command-line words (for provenance).

    Examples
    --------
    >>> outcome_arguments(argparse.Namespace(outcome_preset="vas_0_100", outcome_rope=3.0))
    ['--outcome-preset', 'vas_0_100', '--outcome-rope', '3']
    """
    words: list[str] = []
    for flag in OUTCOME_FLAGS:
        value = getattr(args, f"outcome_{flag}", None)
        if value is None:
            continue
        shown = ",".join(f"{v:g}" for v in value) if isinstance(value, tuple) else value
        words += [f"--outcome-{flag}", f"{shown:g}" if isinstance(shown, float) else str(shown)]
    return words


def trial_from_args(args: argparse.Namespace) -> Any:
    """Load the trial the data options name (DATA, labels, design file, outcome flags)."""
    from bayes_keta.data.load import load_trial

    return load_trial(
        args.data,
        treatments=args.treatments,
        reference=args.reference,
        design=args.design,
        name=args.name,
        outcome=outcome_keys(args),
    )


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


def add_scheduler_options(parser: argparse.ArgumentParser, *, tasks: str) -> None:
    """Add ``--scheduler`` (Dask address, ``local`` or ``serial``) and ``--workers``.

    ``tasks`` names what the workers run (``"settings"``, ``"tasks"``) in the help text.
    """
    parser.add_argument(
        "--scheduler",
        default="local",
        metavar="ADDRESS|local|serial",
        help="Dask scheduler address, 'local' (LocalCluster of threads, default) or 'serial'",
    )
    parser.add_argument(
        "--workers",
        type=number(checks.WORKERS),
        help=f"local Dask workers, >= 1 (default: min({tasks}, cores))",
    )
