"""``bayes-keta sweep``: prior-sensitivity sweep of a patient-level model over a prior grid."""

from __future__ import annotations

import argparse
import shlex
import sys

__all__ = ["command_line", "register", "run"]

DESCRIPTION = """\
Fit one model under every prior setting of a grid (default models/grids/default.toml: the
treatment-effect prior's centre {-1, -0.5, 0} x scale {0.5, 1, 2} NRS points, variance
hyperprior scales x0.5 and x2, and the skeptical / neutral / enthusiastic sets: 15 settings)
and write, into DIR:

  sweep.csv, sweep.parquet  one row per setting x contrast x estimand: setting, prior columns
                            (kind, prior_set, prior_effect_mu, prior_effect_sigma, hyper_scale),
                            active, reference, estimand, mean, lo95, hi95, p_benefit,
                            p_beyond_<t> at the outcome's declared thresholds (0-10 NRS:
                            0.5/1/2; AUC rows use n_days x t), p_rope,
                            diagnostics (passed, max_rhat, min_ess_bulk, divergences),
                            method, pareto_k, reweight_ess, seed
  sweep.nc                  the same as an xarray Dataset (dims setting x contrast x estimand)
  sweep.json                provenance, the grid, every setting's priors, seeds and timings
  sweep_heatmap.png         P(benefit > the middle threshold) over the centre x scale grid,
                            per contrast
  sweep_tornado.png         posterior mean and 95% interval per setting, per contrast

Near the cost of one fit: settings differ only in prior values, so the 'default' setting (the
spec's priors under --priors) is fitted with NUTS and its draws are reweighted to every other
setting by Pareto-smoothed importance sampling (PSIS). A setting is refitted with NUTS when its
Pareto k exceeds --k-max (0.7) or fewer effective draws than --min-ess are left (default: a
quarter of the base fit's bulk ESS, at least 400); --refit-all fits every setting with NUTS.
The table's method column says which (fit, reweighted, refit), with pareto_k and reweight_ess.
NUTS fits share one compiled model and run on Dask (a local cluster of threads by default,
--scheduler ADDRESS for a running cluster, serial for no Dask). Each fitted setting's seed
derives from --seed and its name, so every schedule gives the same numbers. Without DATA,
uses the embedded SYNTHETIC KETAPAIN-like trial (simulated, not patients).
Everything is checked before sampling; existing outputs are never overwritten without --force.
"""

EPILOG = """\
examples:
  bayes-keta sweep --model models/daily.toml --out reports/sweep
  bayes-keta sweep diary.csv --model daily --grid my_grid.toml --out out/sweep --seed 1
  bayes-keta sweep --model daily --draws 300 --tune 300 --chains 2 --scheduler serial --out tmp
  bayes-keta sweep --model daily --refit-all --out reports/sweep-refit   # NUTS for every setting
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``sweep`` subcommand."""
    from bayes_keta import checks
    from bayes_keta.cli.options import (
        add_data_argument,
        add_label_options,
        add_model_option,
        add_sampling_options,
        add_scheduler_options,
        number,
    )
    from bayes_keta.constants import DEFAULT_SEED, SWEEP_K_MAX

    parser = subparsers.add_parser(
        "sweep",
        help="prior-sensitivity sweep over a grid of priors; write sweep.csv/.parquet/.nc/.json",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_argument(parser)
    add_model_option(parser)
    parser.add_argument(
        "--grid",
        metavar="GRID",
        help="grid TOML (see models/grids/default.toml) or a name in models/grids/",
    )
    parser.add_argument(
        "--priors",
        action="append",
        metavar="SET",
        help="base prior set or TOML file every setting starts from; repeatable, later wins",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    add_sampling_options(parser, draws=1000, tune=1000, chains=4, seed=DEFAULT_SEED)
    add_scheduler_options(parser, tasks="settings")
    parser.add_argument(
        "--refit-all",
        action="store_true",
        help="fit every setting with NUTS instead of reweighting the default setting's fit",
    )
    parser.add_argument(
        "--k-max",
        type=number(checks.POSITIVE),
        default=SWEEP_K_MAX,
        metavar="K",
        help=f"refit a setting whose Pareto k exceeds K (default {SWEEP_K_MAX:g})",
    )
    parser.add_argument(
        "--min-ess",
        type=number(checks.ESS_MIN),
        metavar="N",
        help="refit a setting with fewer effective draws after reweighting (default: a quarter"
        " of the base fit's bulk ESS, at least 400)",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    add_label_options(parser)
    parser.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """Canonical command line of a parsed ``sweep`` invocation (for provenance).

    Examples
    --------
    >>> ns = argparse.Namespace(data=None, model="daily", grid=None, priors=None, out="o",
    ...     draws=10, tune=10, chains=2, seed=1, scheduler="local", workers=None, force=False,
    ...     refit_all=True)
    >>> command_line(ns).split(" --draws")[0]
    'bayes-keta sweep --model daily --out o'
    >>> command_line(ns).endswith("--refit-all")
    True
    """
    parts = ["bayes-keta", "sweep"]
    if args.data:
        parts.append(str(args.data))
    parts += ["--model", str(args.model)]
    if args.grid:
        parts += ["--grid", str(args.grid)]
    for p in args.priors or []:
        parts += ["--priors", str(p)]
    parts += ["--out", str(args.out)]
    for opt in (
        "draws",
        "tune",
        "chains",
        "seed",
        "scheduler",
        "workers",
        "k_max",
        "min_ess",
        "treatments",
        "reference",
        "design",
        "name",
    ):
        value = getattr(args, opt, None)
        if value is not None:
            parts += [f"--{opt.replace('_', '-')}", str(value)]
    if getattr(args, "refit_all", False):
        parts.append("--refit-all")
    if args.force:
        parts.append("--force")
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    """Validate everything, sweep, write; domain errors propagate to the CLI core."""
    from bayes_keta.checks import sampling_notes
    from bayes_keta.cli.options import trial_from_args
    from bayes_keta.cli.progress import Progress
    from bayes_keta.spec import load_spec
    from bayes_keta.sweep.grid import load_grid
    from bayes_keta.sweep.output import check_sweep_outputs
    from bayes_keta.sweep.run import prior_sweep

    progress = Progress.for_args(args)
    progress.stage("validating data, spec, grid and outputs")
    check_sweep_outputs(args.out, force=args.force)
    trial = trial_from_args(args)
    spec = load_spec(args.model)
    grid = load_grid(args.grid)
    priors = list(args.priors) if args.priors else None
    n = len(grid.settings(spec, base=priors))
    if trial.synthetic:
        progress.note("sweeping on SYNTHETIC DATA (simulated, not patients)")
    for note in sampling_notes(chains=args.chains):
        progress.note(note)
    progress.stage(f"prior sweep: {n} settings of grid {grid.name!r} on model {spec.name!r}")
    result = prior_sweep(
        trial,
        spec,
        grid=grid,
        priors=priors,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        seed=args.seed,
        scheduler=args.scheduler,
        workers=args.workers,
        refit_all=args.refit_all,
        k_max=args.k_max,
        min_ess=args.min_ess,
        progress=progress.enabled and not args.no_progress,
        command=command_line(args),
    )
    progress.stage(f"writing {args.out}")
    paths = result.save(args.out, force=args.force)
    print(result.text)
    if not result.table["passed"].all():
        print(
            "DIAGNOSTICS FAILED for some settings (see the table's passed column)", file=sys.stderr
        )
    print("\nwrote " + ", ".join(str(p) for p in paths.values()))
    return 0
