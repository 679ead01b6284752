"""``bayes-keta validate``: check a data file against the contract and print its design."""

from __future__ import annotations

import argparse

__all__ = ["register", "run"]

DESCRIPTION = """\
Validate a long-format crossover pain data set (one row per subject x period x day; columns
subject, period, treatment, day, pain; optional sequence, baseline_pain) and print its design
summary: subjects, periods, sequences, days, missing diary days per arm, drop-outs.

Without DATA, validates the embedded SYNTHETIC KETAPAIN-like trial (simulated, not patients).
Exits 0 when the data are valid; otherwise prints every problem found (rows are 1-based data
rows, header excluded) and exits with the DataError code (3).
"""

EPILOG = """\
examples:
  bayes-keta validate
  bayes-keta validate diary.csv
  bayes-keta validate migraine.parquet --treatments P,D1,D2 --reference P
  bayes-keta validate diary.csv --design design.toml

design.toml:
  treatments = ["P", "D1", "D2"]
  reference = "P"
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``validate`` subcommand."""
    from bayes_keta.cli.options import add_data_argument, add_label_options

    parser = subparsers.add_parser(
        "validate",
        help="check a data file against the data contract and summarise its design",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_argument(parser)
    add_label_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Validate and print the design summary; domain errors propagate to the CLI core."""
    from bayes_keta.data.design import design_summary
    from bayes_keta.data.load import load_trial

    trial = load_trial(
        args.data,
        treatments=args.treatments,
        reference=args.reference,
        design=args.design,
        name=args.name,
    )
    print(design_summary(trial).text)
    print("\nOK: the data satisfy the data contract.")
    return 0
