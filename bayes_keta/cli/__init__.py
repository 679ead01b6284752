"""The ``bayes-keta`` command line: one module per subcommand, one error policy for all.

Every subcommand module exposes ``register(subparsers)`` which adds its parser and sets
``func`` (a callable taking the parsed ``argparse.Namespace`` and returning an exit code).
Domain errors (:class:`bayes_keta.exceptions.BayesKetaError`) become one clear message on
stderr and a non-zero exit code, never a traceback. Building the parser imports nothing heavy
(no PyMC, ArviZ, xarray, pandas...): ``--help`` answers at once; each ``run`` imports what it
needs. Every subcommand gets ``--quiet`` (:func:`bayes_keta.cli.options.add_quiet_option`).
The parser and :func:`main` live in :mod:`bayes_keta.cli.app`.
"""

from bayes_keta.cli.app import SUBCOMMANDS, build_parser, main

__all__ = ["SUBCOMMANDS", "build_parser", "main"]
