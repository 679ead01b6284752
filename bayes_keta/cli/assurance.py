"""``bayes-keta assurance``: probability that a next crossover trial succeeds, from a fit."""

from __future__ import annotations

import argparse
import shlex

__all__ = ["command_line", "register", "run", "sizes"]

DESCRIPTION = """\
Assurance of a next crossover trial (O'Hagan, Stevens & Campbell 2005): the probability that
a new trial of N subjects would show the benefit, given what the fitted trial taught us.

For each N, --sims trials are simulated from the fitted Gaussian model (daily, daily_ar1,
daily_decay or auc), each with one posterior draw of the treatment effects AND the variance
components (--design-prior point: their posterior means, i.e. classical power). Each is
analysed on its own data (within-subject analysis of the period means under the spec's
default priors, or --analysis-priors; closed form, no NUTS) and counts as a success when
P(benefit beyond --threshold) > --prob for a contrast (each active vs the reference; the
benefit direction and units come from the fitted outcome, e.g. lower pain is better). The
simulated trials and the analysis priors are on the fit's outcome scale. The preset
P(benefit) > 0.975 is reported too. Writes, into DIR:

  assurance.csv    n, active, reference, assurance, lo95, hi95 (95% Monte Carlo interval),
                   rule, threshold, prob, successes, sims, mean_posterior_prob, design
  assurance.json   provenance, settings, seeds, design prior, method; schema-checked
  assurance.png    assurance against n
  assurance_exact.csv              with --exact K: K trials per N also fitted with NUTS
  assurance_report.md / .html      with --report: the report section on its own

Simulations run as Dask tasks (a local cluster of threads by default, --scheduler ADDRESS for
a running cluster, serial for no Dask); each task's seed derives from (--seed, N, task index)
only, so every schedule gives the same numbers. Existing outputs are never overwritten
without --force.
"""

EPILOG = """\
examples:
  bayes-keta fit --model daily --out fits/daily
  bayes-keta assurance fits/daily --n 12,24,48 --out out/assurance
  bayes-keta assurance fits/daily --n 24 --design 2x2 --threshold 0.5 --prob 0.8 --out tmp
  bayes-keta assurance fits/daily --n 12,24 --design-prior point --analysis-priors flat --out tmp
  bayes-keta assurance fits/daily --n 20,40 --scheduler tcp://10.0.0.5:8786 --out tmp
"""


def sizes(text: str) -> tuple[int, ...]:
    """Argparse type: comma-separated sample sizes, each an integer >= 2.

    Examples
    --------
    >>> sizes("12, 24,48")
    (12, 24, 48)
    >>> sizes("1")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: each n must be an integer >= 2 (a crossover trial of at least \
two subjects), got 1
    """
    from bayes_keta import checks

    parts = [t for t in text.split(",") if t.strip()]
    if not parts:
        raise argparse.ArgumentTypeError(f"expected comma-separated sample sizes, got {text!r}")
    try:
        return tuple(checks.TRIAL_SIZE.parse(t) for t in parts)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"each n {err}") from None


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``assurance`` subcommand."""
    from bayes_keta import checks
    from bayes_keta.cli.options import add_scheduler_options, number
    from bayes_keta.constants import (
        ASSURANCE_DESIGNS,
        ASSURANCE_PRESET_PROB,
        ASSURANCE_PROB,
        ASSURANCE_SIMS,
        ASSURANCE_THRESHOLD,
        DEFAULT_SEED,
    )

    parser = subparsers.add_parser(
        "assurance",
        help="probability that a next crossover trial of n subjects succeeds, from a fit",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("fit_dir", metavar="FIT_DIR", help="a fit folder (bayes-keta fit --out)")
    parser.add_argument(
        "--n", required=True, type=sizes, metavar="N,N,...", help="subjects of the next trial"
    )
    parser.add_argument(
        "--design",
        choices=ASSURANCE_DESIGNS,
        default="williams",
        help="williams (balanced orderings of the fitted treatments, default), 2x2 (AB/BA of"
        " each active vs the reference) or same (the fitted trial's sequences)",
    )
    parser.add_argument(
        "--threshold",
        type=number(checks.BENEFIT_SIZE),
        default=None,
        help=f"size of the benefit, >= 0, in the fitted outcome's units (default"
        f" {ASSURANCE_THRESHOLD:g} point of the 0-10 NRS, put on the fit's outcome by its prior"
        " scaling: 10 mm on a 0-100 VAS);"
        " its direction comes from the outcome (e.g. lower pain is better)",
    )
    parser.add_argument(
        "--prob",
        type=number(checks.PROBABILITY),
        default=ASSURANCE_PROB,
        help=f"posterior probability of benefit beyond the threshold needed, in (0, 1)"
        f" (default {ASSURANCE_PROB:g}; P(benefit) > {ASSURANCE_PRESET_PROB:g} is reported too)",
    )
    parser.add_argument(
        "--sims",
        type=number(checks.SIMS),
        default=ASSURANCE_SIMS,
        help=f"simulated trials per n (default {ASSURANCE_SIMS})",
    )
    parser.add_argument(
        "--seed",
        type=number(checks.SEED),
        default=DEFAULT_SEED,
        help=f"base seed, 0..{checks.SEED.high} ({DEFAULT_SEED})",
    )
    parser.add_argument(
        "--design-prior",
        choices=("posterior", "point"),
        default="posterior",
        help="posterior draws (default) or their means (classical power)",
    )
    parser.add_argument(
        "--analysis-priors",
        action="append",
        metavar="SET",
        help="priors of the next trial's analysis: a prior set or TOML file (repeatable, later"
        " wins) or 'flat' (default: the fitted spec's default priors)",
    )
    parser.add_argument(
        "--exact",
        type=number(checks.EXACT_SIMS),
        default=0,
        metavar="K",
        help="also fit K simulated trials per n with full NUTS and compare (slow; default 0)",
    )
    add_scheduler_options(parser, tasks="tasks")
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    parser.add_argument(
        "--report", action="store_true", help="also write the report section (Markdown, HTML)"
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """Canonical command line of a parsed ``assurance`` invocation (for provenance).

    Examples
    --------
    >>> ns = argparse.Namespace(fit_dir="f", n=(12, 24), design="williams", threshold=1.0,
    ...     prob=0.9, sims=100, seed=1, design_prior="posterior", analysis_priors=None,
    ...     exact=0, scheduler="local", workers=None, out="o", report=False, force=False)
    >>> command_line(ns)
    'bayes-keta assurance f --n 12,24 --design williams --threshold 1 --prob 0.9 --sims 100 \
--seed 1 --design-prior posterior --scheduler local --out o'
    """
    parts = ["bayes-keta", "assurance", str(args.fit_dir), "--n", ",".join(map(str, args.n))]
    parts += ["--design", args.design]
    if args.threshold is not None:
        parts += ["--threshold", f"{args.threshold:g}"]
    parts += ["--prob", f"{args.prob:g}", "--sims", str(args.sims), "--seed", str(args.seed)]
    parts += ["--design-prior", args.design_prior]
    for p in args.analysis_priors or []:
        parts += ["--analysis-priors", str(p)]
    if args.exact:
        parts += ["--exact", str(args.exact)]
    parts += ["--scheduler", args.scheduler]
    if args.workers is not None:
        parts += ["--workers", str(args.workers)]
    parts += ["--out", str(args.out)]
    parts += [f"--{flag}" for flag in ("report", "force") if getattr(args, flag)]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    """Check the outputs, compute, write; domain errors propagate to the CLI core."""
    from bayes_keta.cli.progress import Progress
    from bayes_keta.planning import assurance
    from bayes_keta.planning.output import check_assurance_outputs

    progress = Progress.for_args(args)
    progress.stage("checking the outputs")
    check_assurance_outputs(args.out, force=args.force, exact=bool(args.exact), report=args.report)
    priors = args.analysis_priors
    if priors and len(priors) == 1:
        priors = priors[0]
    result = assurance(
        args.fit_dir,
        n=args.n,
        design=args.design,
        threshold=args.threshold,
        prob=args.prob,
        sims=args.sims,
        seed=args.seed,
        design_prior=args.design_prior,
        analysis_priors=priors,
        exact=args.exact,
        scheduler=args.scheduler,
        workers=args.workers,
        progress=progress.stage,
        command=command_line(args),
    )
    progress.stage(f"writing {args.out}")
    from bayes_keta.report.assurance import render_section

    paths = result.save(args.out, force=args.force, report=render_section if args.report else None)
    print(result.text)
    print("\nwrote " + ", ".join(str(p) for p in paths.values()))
    return 0
