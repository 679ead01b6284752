"""``bayes-keta export``: export a saved fit for other tools and for meta-analysis."""

from __future__ import annotations

import argparse
import shlex
import sys

__all__ = ["command_line", "register", "run"]

DESCRIPTION = """\
Export a fit written by `bayes-keta fit` (FIT_DIR holds posterior.nc and summary.json) into DIR:

  posterior.nc         the whole DataTree (xarray.open_datatree / arviz reopen it as is)
  posterior.zarr       the same as zarr (--zarr; needs the zarr package)
  draws.csv/.parquet   tidy draws: chain, draw, contrast, active, reference, estimand, scale,
                       value (every contrast x scalar estimand, incl. the SMD), and on every
                       row data_name, data_sha256, synthetic, model
  meta_summary.csv     one row per contrast x estimand: active, reference, estimand, scale,
                       estimate, se, lo95, hi95 (posterior), lik_estimate, lik_se (normal
                       approximation of the likelihood alone: the trial's prior divided out,
                       so a meta-analysis does not count it again), approx, lik_reason, ...;
                       with an adverse-event fit, one ae_risk_difference row per active arm
  adverse_events.nc    with FIT_DIR/adverse_events (written by `bayes-keta fit` when the data
  adverse_event_draws.csv  have an adverse_event column): its DataTree, and tidy draws of the
                       risk differences and ratios
  summary.json         the fit's summary, and summary.schema.json its JSON Schema
  export.json          every file with sha256, provenance, column definitions

Every table is validated against its schema before anything is written; files are written to
a temporary directory and moved in at the end. Existing files are never overwritten without
--force (exit code 6). CSV files are plain tables, header row first (pandas.read_csv(path),
R read.csv(path)); their provenance is in export.json."""

EPILOG = """\
examples:
  bayes-keta export reports/latest/fits/daily --out exports/daily
  bayes-keta export out/skeptical --out exports/skeptical --zarr --force
  bayes-keta meta exports/daily/meta_summary.csv --estimand mean_daily_difference \\
      --active ketamine --reference placebo --out meta_out
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``export`` subcommand."""
    parser = subparsers.add_parser(
        "export",
        help="export a saved fit: netCDF, tidy draws, meta-analysis summary",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("fit_dir", metavar="FIT_DIR", help="directory written by bayes-keta fit")
    parser.add_argument("--out", required=True, metavar="DIR", help="export directory")
    parser.add_argument("--zarr", action="store_true", help="also write posterior.zarr")
    parser.add_argument("--force", action="store_true", help="overwrite existing export files")
    parser.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """Canonical command line of a parsed ``export`` invocation (for provenance).

    Examples
    --------
    >>> command_line(argparse.Namespace(fit_dir="f", out="o", zarr=True, force=False))
    'bayes-keta export f --out o --zarr'
    """
    parts = ["bayes-keta", "export", str(args.fit_dir), "--out", str(args.out)]
    parts += [f"--{flag}" for flag in ("zarr", "force") if getattr(args, flag, False)]
    return shlex.join(parts)


def run(args: argparse.Namespace) -> int:
    """Export; domain errors propagate to the CLI core (exit codes)."""
    from bayes_keta.estimands import CI_LABEL
    from bayes_keta.export import export_fit

    exported = export_fit(
        args.fit_dir, args.out, force=args.force, zarr=args.zarr, command=command_line(args)
    )
    meta = exported.meta_summary
    rows = meta[meta["estimand"].isin(["mean_daily_difference", "smd", "ae_risk_difference"])]
    print(
        f"{'contrast':<31} {'estimand':<22} {'estimate':>9} {'se':>7}"
        f" {CI_LABEL + '% CrI':>19} {'lik_est':>8} {'lik_se':>7}"
    )
    for r in rows.to_dict("records"):
        print(
            f"{r['contrast']:<31} {r['estimand']:<22} {r['estimate']:>9.3f} {r['se']:>7.3f}"
            f" [{r[f'lo{CI_LABEL}']:>8.3f},{r[f'hi{CI_LABEL}']:>8.3f}]"
            f" {r['lik_estimate']:>8.3f} {r['lik_se']:>7.3f}"
        )
    lik = exported.manifest["likelihood_only"]
    if not lik["available"]:
        print(f"likelihood-only columns empty: {lik['reason']}", file=sys.stderr)
    if exported.manifest["data"]["synthetic"]:
        print("\nSYNTHETIC DATA: simulated subjects, not patients.")
    print(f"\nwrote {', '.join(sorted(exported.manifest['files']))}, export.json to {args.out}")
    return 0
