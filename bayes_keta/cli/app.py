"""The command line's parser and entry point (:func:`main`; ``bayes_keta.cli`` is its face)."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

from bayes_keta.exceptions import BayesKetaError, DiagnosticsWarning

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

#: Subcommand modules under ``bayes_keta.cli``, in the order ``--help`` lists them.
SUBCOMMANDS: tuple[str, ...] = (
    "validate",
    "simulate",
    "fit",
    "report",
    "published",
    "sweep",
    "export",
    "meta",
    "assurance",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the top-level parser with every registered subcommand."""
    from bayes_keta._version import __version__
    from bayes_keta.cli.options import add_quiet_option

    parser = argparse.ArgumentParser(
        prog="bayes-keta",
        description=(
            "Bayesian reanalysis workbench for crossover pain trials. Every command runs on the"
            " embedded SYNTHETIC KETAPAIN-like trial unless given a data file."
        ),
    )
    parser.add_argument("--version", action="version", version=f"bayes-keta {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in SUBCOMMANDS:
        importlib.import_module(f"bayes_keta.cli.{name}").register(subparsers)
    for subparser in subparsers.choices.values():
        add_quiet_option(subparser)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the process exit code.

    Ctrl-C / SIGTERM at any moment end the process with exit code 130 / 143 and one line on
    stderr, removing incomplete outputs (:mod:`bayes_keta.cli.interrupt`).
    """
    from bayes_keta.cli.interrupt import guard
    from bayes_keta.stages import stage

    words = sys.argv[1:] if argv is None else list(argv)
    with guard() as run:
        run.command = next((w for w in words if w in SUBCOMMANDS), None)
        stage("starting")
        parser = build_parser()
        args = parser.parse_args(argv)
        run.command, run.out = args.command, getattr(args, "out", None)
        stage("validating")
        try:
            with warnings.catch_warnings():
                # every subcommand states a failed gate itself (stderr, the report's banner)
                warnings.simplefilter("ignore", DiagnosticsWarning)
                return int(args.func(args) or 0)
        except BayesKetaError as err:
            kind = type(err).__name__
            print(f"bayes-keta {args.command}: {kind}: {err}", file=sys.stderr)
            return err.exit_code
        except KeyboardInterrupt:  # only without the guard (not in the main thread)
            print(f"bayes-keta {args.command}: interrupted", file=sys.stderr)
            return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
