"""``bayes-keta report``: fit the specs and write one self-contained HTML report (+ Markdown)."""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from pathlib import Path

__all__ = ["register", "run"]

DESCRIPTION = """\
Fit one or more model specs to DATA (default: the embedded SYNTHETIC KETAPAIN-like trial),
run the diagnostics gate, PSIS-LOO, posterior predictive checks and power-scaling prior
sensitivity, and write DIR/report.html (one self-contained file: inline figures, no network),
DIR/report.md (its Markdown twin), DIR/summary.json (of the main spec) and
DIR/fits/<spec>/{posterior.nc,summary.json}. Page 1 is the answer: the headline figure of the
contrasts, a few sentences and one table; the details follow.

With three or more periods the main spec is also fitted with its carryover option flipped
(DIR/fits/<main>_carryover/) and the two are compared by PSIS-LOO (--no-carryover-check skips
it). The KETAPAIN published-results reanalysis is included for the embedded KETAPAIN-like
trial only, unless --published / --no-published says otherwise. --assurance 12,24,48 adds the
assurance of a next trial of those sizes from the main fit.

A failed diagnostics gate is shown in red at the top of the report and recorded in summary.json
(diagnostics.passed = false); with --strict the command then exits with the ConvergenceError
code (5) after writing the report. An existing non-empty --out is refused (exit 6) unless
--force. Without --out the report goes to reports/<data-name>-<timestamp>/ and reports/latest
is pointed at it.
"""

EPILOG = """\
examples:
  bayes-keta report
  bayes-keta report --model models/daily.toml --out out/daily-only
  bayes-keta report diary.csv --model models/daily.toml --treatments P,D1,D2 --reference P
  bayes-keta report --draws 500 --strict --sweep out/sweep --out out/report
  bayes-keta report --with-sweep --assurance 12,24,48 --out out/full
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``report`` subcommand."""
    from bayes_keta import checks
    from bayes_keta.cli.adverse_events import add_harm_options
    from bayes_keta.cli.assurance import sizes
    from bayes_keta.cli.options import (
        add_data_argument,
        add_label_options,
        add_sampling_options,
        number,
    )
    from bayes_keta.constants import (
        BFMI_MIN,
        DEFAULT_MAIN_SPEC,
        DEFAULT_SPECS,
        ESS_MIN,
        RHAT_MAX,
    )

    parser = subparsers.add_parser(
        "report",
        help="fit models and write a self-contained HTML posterior report",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_argument(parser)
    add_label_options(parser)
    parser.add_argument(
        "--model",
        action="append",
        default=None,
        metavar="SPEC",
        help="spec name or TOML path, repeatable (default: " + ", ".join(DEFAULT_SPECS) + ")",
    )
    parser.add_argument(
        "--priors",
        action="append",
        default=None,
        metavar="SET",
        help="prior set name or TOML file applied to every spec (repeatable, later wins)",
    )
    parser.add_argument(
        "--main", help=f"main spec (default: {DEFAULT_MAIN_SPEC} if fitted, else the first)"
    )
    parser.add_argument(
        "--out", type=Path, help="output directory (default: reports/<data>-<time>)"
    )
    add_sampling_options(parser, draws=1000, tune=1000, chains=4)
    parser.add_argument("--sampler", choices=("nutpie", "pymc"), default=None, help="NUTS sampler")
    parser.add_argument(
        "--rhat-max",
        type=number(checks.RHAT_MAX),
        default=RHAT_MAX,
        help=f"gate: largest R-hat allowed, > 1 (default {RHAT_MAX})",
    )
    parser.add_argument(
        "--ess-min",
        type=number(checks.ESS_MIN),
        default=ESS_MIN,
        help=f"gate: smallest bulk/tail ESS allowed, > 0 (default {ESS_MIN:g})",
    )
    parser.add_argument(
        "--bfmi-min",
        type=number(checks.BFMI_MIN),
        default=BFMI_MIN,
        help=f"gate: smallest E-BFMI allowed, in (0, 1) (default {BFMI_MIN})",
    )
    parser.add_argument("--strict", action="store_true", help="exit 5 when any spec fails the gate")
    parser.add_argument(
        "--sweep", type=Path, metavar="DIR", help="include a `bayes-keta sweep` output"
    )
    parser.add_argument(
        "--with-sweep",
        nargs="?",
        const="default",
        default=None,
        metavar="GRID",
        help=(
            "also run a prior-sensitivity sweep of the main spec over GRID (default grid"
            " models/grids/default.toml when no GRID is given), reusing the compiled model, and"
            " include it (written to OUT/sweep)"
        ),
    )
    parser.add_argument(
        "--published",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="include the KETAPAIN published-results reanalysis (default: only for the embedded"
        " KETAPAIN-like trial)",
    )
    parser.add_argument(
        "--assurance",
        type=sizes,
        default=None,
        metavar="N,N,...",
        help="also compute the assurance of a next trial of these sizes from the main fit and"
        " include it",
    )
    parser.add_argument(
        "--no-carryover-check",
        dest="carryover_check",
        action="store_false",
        default=None,
        help="do not fit the main spec with its carryover flipped for the PSIS-LOO comparison",
    )
    parser.add_argument("--force", action="store_true", help="write into a non-empty --out")
    add_harm_options(parser)
    parser.set_defaults(func=run)


def _suited(trial, names: list[str]) -> tuple[list[str], dict[str, str]]:
    """Split default specs into those the design suits and the others (with the reason)."""
    from bayes_keta.exceptions import SpecError
    from bayes_keta.models import check_design

    suited, unsuited = [], {}
    for name in names:
        try:
            check_design(trial, name)
            suited.append(name)
        except SpecError as err:
            unsuited[name] = str(err).split(": ", 1)[-1].split("; specs that suit")[0]
    return suited, unsuited


def run(args: argparse.Namespace) -> int:
    """Build the report; domain errors propagate to the CLI core (exit codes)."""
    from bayes_keta.checks import sampling_notes
    from bayes_keta.cli.options import trial_from_args
    from bayes_keta.cli.progress import Progress
    from bayes_keta.report.build import build_report, default_specs
    from bayes_keta.report.data import GateThresholds

    t0 = time.perf_counter()
    progress = Progress.for_args(args)
    progress.stage("validating data")
    trial = trial_from_args(args)
    if args.model:
        specs = list(args.model)
    else:
        present, missing = default_specs()
        specs = list(present)
        if missing:
            progress.note(f"default spec(s) not in models/, skipped: {', '.join(missing)}")
        specs, unsuited = _suited(trial, specs)
        for name, why in unsuited.items():
            print(f"default spec {name} does not suit this design, skipped: {why}", flush=True)
    command = "bayes-keta " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv else ""

    def log(msg: str) -> None:
        print(msg, flush=True)

    for note in sampling_notes(chains=args.chains):
        progress.note(note)
    outcome = build_report(
        trial,
        specs,
        out_dir=args.out,
        main=args.main,
        priors=args.priors,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
        sampler=args.sampler,
        gate=GateThresholds(rhat_max=args.rhat_max, ess_min=args.ess_min, bfmi_min=args.bfmi_min),
        sweep_dir=args.sweep,
        sweep_grid=args.with_sweep,
        published=args.published,
        assurance=args.assurance,
        carryover_check=args.carryover_check,
        harm_weights=args.harm_weight,
        adverse_events=not args.no_adverse_events,
        force=args.force,
        strict=False,
        command=command,
        log=progress.stage,
    )
    log(f"wrote {outcome.html}")
    log(f"wrote {outcome.markdown}")
    log(f"wrote {outcome.summary} (main spec '{outcome.data.main}')")
    for name, path in outcome.fits.items():
        log(f"wrote {path}/posterior.nc, summary.json ({name})")
    for message in outcome.messages:
        log(message)
    if trial.synthetic:
        log(f"SYNTHETIC DATA: {trial.name} (simulated, not patients)")
    if outcome.passed:
        log("DIAGNOSTICS PASSED for every spec.")
    else:
        print("DIAGNOSTICS FAILED (marked in red at the top of the report):", file=sys.stderr)
        for f in outcome.failures:
            print(f"  {f}", file=sys.stderr)
    log(f"total wall time {time.perf_counter() - t0:.1f} s")
    if args.strict and not outcome.passed:
        from bayes_keta.exceptions import ConvergenceError

        raise ConvergenceError(
            f"--strict: diagnostics failed; the report was written to {outcome.html}"
        )
    return 0
