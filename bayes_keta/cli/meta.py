"""``bayes-keta meta``: Bayesian random-effects meta-analysis of trial-level estimates."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from bayes_keta import checks
from bayes_keta.cli.options import add_sampling_options, magnitudes, number
from bayes_keta.exceptions import DataError, OutputError

__all__ = ["register", "handler"]

_EPILOG = """\
INPUTS are CSV files: trial tables (trial, estimate, se or lo95/hi95, scale) and/or
meta_summary.csv exports of `bayes-keta export` (one trial each; choose the row with
--estimand/--active/--reference; their likelihood-only columns lik_estimate/lik_se are used
when present, so the trial's own prior is not counted again). All rows must share one scale.
Effects are active - reference; negative = benefit.

Example (fabricated numbers):
  bayes-keta meta --example --out meta_demo

Outputs in --out: meta_summary.csv (pooled, tau, prediction, shrunken trial effects),
meta_posterior.nc, forest.png and meta_summary.json (provenance). Existing files are not
overwritten without --force.
"""

_OUTPUTS = ("meta_summary.csv", "meta_posterior.nc", "forest.png", "meta_summary.json")


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``meta`` subcommand."""
    parser = subparsers.add_parser(
        "meta",
        help="Bayesian random-effects meta-analysis of trial-level estimates",
        description=(
            "Normal-normal hierarchical (random-effects) meta-analysis with PyMC: pooled effect,"
            " between-trial SD tau, shrunken trial effects and the prediction for a new trial."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("inputs", nargs="*", type=Path, metavar="INPUTS", help="input CSV files")
    parser.add_argument(
        "--example",
        action="store_true",
        help="add the shipped ILLUSTRATIVE (fabricated) example file to the inputs",
    )
    parser.add_argument("--scale", help="required effect scale (e.g. smd, nrs, auc, log_or)")
    parser.add_argument(
        "--estimand", help="estimand row of export files (e.g. mean_daily_difference)"
    )
    parser.add_argument("--active", help="active arm of the rows to use")
    parser.add_argument("--reference", help="reference arm of the rows to use")
    parser.add_argument(
        "--no-likelihood-columns",
        action="store_true",
        help="use the exports' posterior estimate/se even when lik_estimate/lik_se exist",
    )
    parser.add_argument(
        "--tau-prior",
        choices=("half_normal", "half_cauchy", "fixed0"),
        default="half_normal",
        help="prior on the between-trial SD; fixed0 = common-effect model (default half_normal)",
    )
    parser.add_argument(
        "--tau-scale",
        type=number(checks.POSITIVE),
        help="scale of the tau prior, > 0 (default by scale)",
    )
    parser.add_argument(
        "--mu-sd",
        type=number(checks.POSITIVE),
        help="SD of the Normal(0, SD) pooled-effect prior, > 0 (default by scale)",
    )
    parser.add_argument(
        "--thresholds",
        type=magnitudes,
        help="comma-separated benefit thresholds, > 0 (default by scale)",
    )
    add_sampling_options(parser, draws=4000, tune=1000, chains=2)
    parser.add_argument(
        "--sampler",
        choices=("nutpie", "pymc"),
        default="nutpie",
        help="NUTS sampler (default nutpie)",
    )
    parser.add_argument("--strict", action="store_true", help="fail if diagnostics fail")
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.set_defaults(func=handler)
    return parser


def handler(args: argparse.Namespace) -> int:
    """Run the meta-analysis and write the summary, posterior, forest plot and provenance."""
    from importlib import resources

    from bayes_keta.constants import META_SEED
    from bayes_keta.meta.inputs import read_meta_inputs
    from bayes_keta.meta.model import meta_analysis
    from bayes_keta.outputs import staged_folder
    from bayes_keta.published.output import prepare_outputs, provenance_record, write_json

    csv_path, nc_path, png_path, json_path = prepare_outputs(args.out, _OUTPUTS, force=args.force)
    paths = list(args.inputs)
    if args.example:
        paths.append(
            Path(str(resources.files("bayes_keta.data") / "files/meta_example_illustrative.csv"))
        )
    if not paths:
        raise DataError("no INPUTS given (or use --example)")
    inputs = read_meta_inputs(
        paths,
        scale=args.scale,
        estimand=args.estimand,
        active=args.active,
        reference=args.reference,
        prefer_likelihood=not args.no_likelihood_columns,
    )
    seed = META_SEED if args.seed is None else args.seed
    result = meta_analysis(
        inputs,
        scale=args.scale,
        tau_prior=args.tau_prior,
        tau_scale=args.tau_scale,
        mu_sd=args.mu_sd,
        thresholds=args.thresholds,
        seed=seed,
        draws=args.draws,
        tune=args.tune,
        chains=args.chains,
        nuts_sampler=args.sampler,
        strict=args.strict,
    )
    record = provenance_record(
        kind="meta_analysis",
        inputs={str(p): p.read_bytes() for p in paths},
        settings={**result.settings, "notes": list(inputs.notes), "passed": result.passed},
    )
    dt = result.datatree.copy()
    dt.attrs["bayes_keta_provenance"] = json.dumps(record, default=str)
    with staged_folder(args.out, force=args.force) as tmp:  # published together when complete
        result.table.to_csv(tmp / csv_path.name, index=False, float_format="%.6g")
        try:
            dt.to_netcdf(tmp / nc_path.name, engine="h5netcdf")
        except ImportError as err:  # h5netcdf needs h5py to write
            raise OutputError(f"cannot write {nc_path}: {err}") from None
        result.plot_forest().savefig(tmp / png_path.name, dpi=120)
        write_json(tmp / json_path.name, record)
    print(result.text)
    print(f"wrote {csv_path}, {nc_path}, {png_path}, {json_path}")
    return 0 if result.passed or not args.strict else 5
