"""``bayes-keta validate``: check a data file against the contract and print its design."""

from __future__ import annotations

import argparse

__all__ = ["register", "run"]

DESCRIPTION = """\
Validate a long-format crossover data set (one row per subject x period x reading; columns
subject, period, treatment, day (the reading number within the period; may be omitted with
one reading per period) and the outcome's column (default pain); optional sequence,
baseline_pain) and print its design summary: the outcome, the design class (2x2, Williams,
Latin square; one reading per period or K readings; replicated or not), sequences, missing
readings per arm and by day (with a warning when completion trends over the days),
drop-outs, and which model specs suit the design.

The outcome is daily pain on the 0-10 NRS unless the design file's [outcome] table or the
--outcome-* flags declare another; readings outside its declared bounds are refused.
Without DATA, validates the embedded SYNTHETIC KETAPAIN-like trial (simulated, not patients).
Exits 0 when the data are valid; otherwise prints every problem found (rows are 1-based data
rows, header excluded) and exits with the DataError code (3); an invalid [outcome] exits 4.
"""

EPILOG = """\
examples:
  bayes-keta validate
  bayes-keta validate diary.csv
  bayes-keta validate migraine.parquet --treatments P,D1,D2 --reference P
  bayes-keta validate diary.csv --design design.toml
  bayes-keta validate bp.csv --outcome-column sbp --outcome-units mmHg --outcome-better lower

design.toml:
  treatments = ["P", "D1", "D2"]
  reference = "P"

  [outcome]                # optional; default: daily pain on the 0-10 NRS
  preset = "vas_0_100"     # or declare: label, units, lower, upper, better, thresholds, rope
  column = "vas"
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
    from bayes_keta.cli.options import trial_from_args
    from bayes_keta.data.design import design_summary
    from bayes_keta.models.registry import suitability

    trial = trial_from_args(args)
    print(design_summary(trial, suitability=suitability(trial)).text)
    print("\nOK: the data satisfy the data contract.")
    return 0
