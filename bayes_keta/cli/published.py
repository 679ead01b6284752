"""``bayes-keta published``: Bayesian reanalysis of published summary estimates."""

from __future__ import annotations

import argparse
from pathlib import Path

from bayes_keta import checks
from bayes_keta.cli.options import magnitudes, number
from bayes_keta.exceptions import DataError

__all__ = ["register", "handler"]

_EPILOG = """\
Estimates CSV columns: active, reference, scale, estimate, and either lo95, hi95 or se
(optional: favoured). Rows are kept in their published orientation (effect = active -
reference, negative = less pain on active). For the embedded KETAPAIN numbers the row
"placebo vs ketamine_magnesium +0.2" contradicts the arm means (and the other two rows): it
is flagged INCONSISTENT in every output (CSV columns inconsistent, reading, default,
published_estimate; the JSON's orientation; the text) and analysed both ways, the reading the
arm means support (placebo - ketamine_magnesium = -0.2) being the default. p_benefit is
P(favoured arm has less pain); favoured defaults to the non-placebo arm when one arm is
placebo, else the active arm. Lines starting with '#' are comments. All rows must share one scale.

Outputs in --out: published_reanalysis.csv, published_reanalysis.png and
published_reanalysis.json (provenance). Existing files are not overwritten without --force.

Without --data, the published adverse-event shares (2, 4 and 7 of 20 patients on placebo,
ketamine, ketamine/magnesium) are analysed too, as independent binomials with a Beta prior per
arm (--ae-prior, default Jeffreys 0.5,0.5): published_adverse_events.csv. A summary-level
approximation that ignores the crossover pairing.
"""


def register(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """Add the ``published`` subcommand."""
    parser = subparsers.add_parser(
        "published",
        help="reanalyse published effect estimates under skeptical/enthusiastic/vague priors",
        description=(
            "Summary-level Bayesian reanalysis (normal approximation of the likelihood) of the"
            " published KETAPAIN effect sizes, or of the rows of --data, under the vague,"
            " skeptical and enthusiastic priors and any user priors."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--data", type=Path, help="estimates CSV (default: KETAPAIN as published)")
    parser.add_argument("--priors", type=Path, help="user priors TOML ([[prior]] tables)")
    parser.add_argument(
        "--prior",
        action="append",
        default=[],
        metavar="SPEC",
        help="user prior, e.g. 'wide=normal(0,1)', 't3=student_t(3,0,0.3)',"
        " 'mix=mixture(0.5:0:0.1,0.5:-0.5:0.2)' (repeatable)",
    )
    parser.add_argument(
        "--design-effect",
        type=number(checks.NEGATIVE),
        help="design hypothesis, < 0 (negative = benefit; default on smd: -0.5, an assumption)",
    )
    parser.add_argument(
        "--thresholds",
        type=magnitudes,
        help="comma-separated benefit thresholds, > 0 (default by scale; smd: 0.2,0.5,0.8)",
    )
    parser.add_argument(
        "--centre",
        choices=("fit", "published"),
        default="fit",
        help="likelihood centre of CI rows: (estimate+lo95+hi95)/3, the symmetric interval"
        " closest to the rounded numbers (default), or the estimate as published",
    )
    parser.add_argument(
        "--no-default-priors",
        action="store_true",
        help="only the user priors (no vague/skeptical/enthusiastic)",
    )
    parser.add_argument(
        "--seed", type=number(checks.SEED), default=None, help="seed of the PyMC path"
    )
    parser.add_argument(
        "--ae-prior",
        type=_beta_prior,
        metavar="A,B",
        help="Beta(A, B) prior of each arm's adverse-event share, A, B > 0 (default 0.5,0.5:"
        " Jeffreys)",
    )
    parser.add_argument("--out", type=Path, required=True, help="output directory")
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    parser.set_defaults(func=handler)
    return parser


def _beta_prior(text: str) -> tuple[float, float]:
    """Argparse type: ``A,B``, two positive numbers (a Beta prior).

    Examples
    --------
    >>> _beta_prior("1, 1")
    (1.0, 1.0)
    """
    parts = [t for t in text.split(",") if t.strip()]
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected A,B (two numbers > 0), got {text!r}")
    try:
        a, b = (checks.POSITIVE.parse(t) for t in parts)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"each Beta parameter {err}") from None
    return a, b


def handler(args: argparse.Namespace) -> int:
    """Run the reanalysis and write the CSV, the PNG and the provenance JSON."""
    from bayes_keta.constants import DEFAULT_SEED
    from bayes_keta.outputs import staged_folder
    from bayes_keta.published.output import prepare_outputs, provenance_record, write_json
    from bayes_keta.published.priors import parse_prior_spec, read_priors_toml
    from bayes_keta.published.reanalysis import reanalyse_published

    names = ("published_reanalysis.csv", "published_reanalysis.png", "published_reanalysis.json")
    harms = args.data is None  # the published adverse events: KETAPAIN's own table only
    names += ("published_adverse_events.csv",) if harms else ()
    # Check overwrite and parse everything before any computation.
    csv_path, png_path, json_path, *ae_path = prepare_outputs(args.out, names, force=args.force)
    user = list(read_priors_toml(args.priors)) if args.priors else []
    user += [parse_prior_spec(s) for s in args.prior]
    inputs: dict[str, bytes | str] = {}
    if args.data is not None:
        try:
            inputs["estimates"] = args.data.read_bytes()
        except OSError as err:
            raise DataError(f"cannot read {args.data}: {err}") from None
    else:
        inputs["estimates"] = "embedded:ketapain_published"
    if args.priors is not None:
        inputs["priors"] = args.priors.read_bytes()
    seed = DEFAULT_SEED if args.seed is None else args.seed

    result = reanalyse_published(
        args.data,
        priors=user or None,
        include_defaults=not args.no_default_priors,
        design_effect=args.design_effect,
        thresholds=args.thresholds,
        centre=args.centre,
        seed=seed,
    )
    adverse = None
    if harms:
        from bayes_keta.published.adverse_events import analyse_published_adverse_events

        options = {} if args.ae_prior is None else {"prior": args.ae_prior}
        adverse = analyse_published_adverse_events(seed=seed, **options)
    record = provenance_record(
        kind="published_reanalysis",
        inputs=inputs,
        settings={
            "scale": result.scale,
            "design_effect": result.design_effect,
            "thresholds": list(result.thresholds),
            "priors": [p.to_dict() for p in result.priors],
            "seed": seed,
            "centre": args.centre,
            "notes": list(result.notes),
            "orientation": [c.to_dict() for c in result.orientation],
            "inconsistent_rows": [
                {
                    "active": c.active,
                    "reference": c.reference,
                    "as_printed": c.estimate,
                    "default_reading": -c.estimate + 0.0,
                    "default": "arm_means",
                    "text": c.text,
                }
                for c in result.orientation
                if not c.consistent
            ],
            "outputs": [str(p.name) for p in (csv_path, png_path, *ae_path)],
            **({"adverse_events": adverse.to_dict()} if adverse is not None else {}),
        },
    )
    with staged_folder(args.out, force=args.force) as tmp:  # published together when complete
        result.table.to_csv(tmp / csv_path.name, index=False, float_format="%.6g")
        result.plot().savefig(tmp / png_path.name, dpi=120)
        write_json(tmp / json_path.name, record)
        if adverse is not None:
            adverse.table.to_csv(tmp / ae_path[0].name, index=False, float_format="%.6g")
    print(result.text)
    if adverse is not None:
        print(adverse.text)
    print(f"wrote {', '.join(str(p) for p in (csv_path, png_path, json_path, *ae_path))}")
    return 0
