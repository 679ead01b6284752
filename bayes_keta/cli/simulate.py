"""``bayes-keta simulate``: write a SYNTHETIC KETAPAIN-like trial (CSV or Parquet)."""

from __future__ import annotations

import argparse

from bayes_keta import checks
from bayes_keta.cli.options import labelled_number, number
from bayes_keta.constants import EMBEDDED_SEED, N_DAYS

__all__ = ["register", "run"]

DESCRIPTION = f"""\
Simulate a 3-period crossover trial of daily 0-10 pain (Williams design: placebo, ketamine,
ketamine_magnesium in all 6 orders) in the data-contract format, calibrated to the published
KETAPAIN AUC means and SDs. The output is SYNTHETIC (simulated, not patients). Defaults give the
embedded synthetic trial (20 subjects, 35 days, no treatment effect, seed {EMBEDDED_SEED}).
"""

EPILOG = """\
examples:
  bayes-keta simulate --out synthetic.csv
  bayes-keta simulate --out effect.parquet --effect ketamine=-1.0 --effect ketamine_magnesium=-1.5
  bayes-keta simulate --out big.csv --n-subjects 60 --days 28 --seed 7 --missing-rate 0.1 --force

--effect LABEL=SHIFT adds SHIFT NRS points to every day of that arm (negative = less pain).
Parquet keeps the synthetic marker for `bayes-keta validate`; CSV cannot carry it.
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser(
        "simulate",
        help="write a SYNTHETIC KETAPAIN-like trial as CSV or Parquet",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out", required=True, metavar="FILE", help="output file (.csv, .parquet or .pq)"
    )
    parser.add_argument(
        "--n-subjects", type=number(checks.SUBJECTS), default=20, metavar="N", help="default 20"
    )
    parser.add_argument(
        "--days",
        type=number(checks.DAYS),
        default=N_DAYS,
        metavar="D",
        help=f"days per period ({N_DAYS})",
    )
    parser.add_argument(
        "--seed",
        type=number(checks.SEED),
        default=EMBEDDED_SEED,
        metavar="S",
        help=f"0..{checks.SEED.high} (default {EMBEDDED_SEED})",
    )
    parser.add_argument(
        "--effect",
        action="append",
        type=labelled_number,
        default=[],
        metavar="LABEL=SHIFT",
        help="constant daily NRS shift of an active arm; repeat for several arms",
    )
    parser.add_argument(
        "--missing-rate",
        type=number(checks.MISSING_RATE),
        default=0.03,
        metavar="R",
        help="probability a diary day is missing, in [0, 1) (default 0.03)",
    )
    parser.add_argument(
        "--dropout-rate",
        type=number(checks.DROPOUT_RATE),
        default=0.0,
        metavar="R",
        help="probability a subject drops out after period 1 or 2, in [0, 1] (default 0)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite an existing file")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Simulate and write; domain errors propagate to the CLI core."""
    from bayes_keta.data.io import write_table
    from bayes_keta.data.simulate import simulate_trial

    effects = dict(args.effect)
    frame = simulate_trial(
        n_subjects=args.n_subjects,
        n_days=args.days,
        seed=args.seed,
        effects=effects,
        missing_rate=args.missing_rate,
        dropout_rate=args.dropout_rate,
    )
    path = write_table(frame, args.out, force=args.force)
    print(
        f"wrote SYNTHETIC data (simulated, not patients) to {path}: {len(frame)} rows,"
        f" {args.n_subjects} subjects, 3 periods, {args.days} days; {frame.attrs['source']}"
    )
    return 0
