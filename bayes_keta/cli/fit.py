"""``bayes-keta fit``: fit a model spec to a trial, gate the diagnostics, write the results."""

from __future__ import annotations

import argparse
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

__all__ = ["register", "run"]

DESCRIPTION = """\
Fit a Bayesian model (models/NAME.toml, or a model name) to a crossover data set and write
DIR/posterior.nc (the whole DataTree: posterior, prior, posterior predictive, log likelihood,
sample stats) and DIR/summary.json (schema bayes_keta.summary/1: data hash, spec, priors, sampler
settings, diagnostics verdict, treatment contrasts with 95% credible intervals and probabilities
of clinically meaningful benefit).

Without DATA, fits the embedded SYNTHETIC KETAPAIN-like trial (simulated, not patients).
The outcome is daily pain on the 0-10 NRS unless the design file's [outcome] table or the
--outcome-* flags declare another (units, bounds, direction of benefit, thresholds, ROPE);
the priors are then scaled to it by a documented rule (printed, and in summary.json). A spec
the design cannot support (a day-level spec with one reading per period, carryover with two
periods) is refused (exit 4) naming the specs that suit.
Everything (data, spec, priors, output directory) is checked before sampling starts; existing
outputs are never overwritten without --force. Failed diagnostics are printed loudly on stderr
and recorded in summary.json; with --strict the command then exits with code 5.
"""

EPILOG = """\
examples:
  bayes-keta fit --model models/daily.toml --out reports/daily
  bayes-keta fit diary.csv --model daily --priors skeptical --out out/skeptical --seed 1
  bayes-keta fit --model models/daily.toml --draws 300 --tune 300 --chains 2 --out tmp --strict
  bayes-keta fit migraine.csv --design migraine.toml --model auc --out out/migraine
  bayes-keta fit bp.csv --treatments A,B,C --outcome-column sbp --outcome-units mmHg \
      --outcome-better lower --outcome-thresholds 2,5,10 --outcome-rope 2 --out out/bp
"""


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the ``fit`` subcommand."""
    from bayes_keta.cli.adverse_events import add_harm_options
    from bayes_keta.cli.options import (
        add_data_argument,
        add_label_options,
        add_model_option,
        add_sampling_options,
    )

    parser = subparsers.add_parser(
        "fit",
        help="fit a model to a trial; write posterior.nc and summary.json",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_data_argument(parser)
    add_model_option(parser)
    parser.add_argument(
        "--priors",
        action="append",
        metavar="SET",
        help="prior set name or TOML file (models/priors/X.toml); repeatable, later wins",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="output directory")
    add_sampling_options(parser)
    parser.add_argument(
        "--sampler", choices=("nutpie", "pymc"), help="NUTS implementation (default: nutpie)"
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="exit with the ConvergenceError code (5) when diagnostics fail",
    )
    parser.add_argument("--force", action="store_true", help="overwrite existing outputs")
    add_label_options(parser)
    add_harm_options(parser)
    parser.set_defaults(func=run)


def command_line(args: argparse.Namespace) -> str:
    """Canonical command line of a parsed ``fit`` invocation (for provenance).

    Examples
    --------
    >>> ns = argparse.Namespace(data=None, model="daily", priors=None, out="o", draws=10,
    ...     tune=None, chains=None, seed=1, sampler=None, strict=False, force=False,
    ...     treatments=None, reference=None, design=None, name=None, outcome_units="mm")
    >>> command_line(ns)
    'bayes-keta fit --model daily --out o --draws 10 --seed 1 --outcome-units mm'
    """
    from bayes_keta.cli.adverse_events import harm_flags
    from bayes_keta.cli.options import outcome_arguments

    parts = ["bayes-keta", "fit"]
    if args.data:
        parts.append(str(args.data))
    parts += ["--model", str(args.model)]
    for p in args.priors or []:
        parts += ["--priors", str(p)]
    parts += ["--out", str(args.out)]
    for opt in ("draws", "tune", "chains", "seed", "sampler", "treatments", "reference"):
        value = getattr(args, opt, None)
        if value is not None:
            parts += [f"--{opt}", str(value)]
    for opt in ("design", "name"):
        value = getattr(args, opt, None)
        if value is not None:
            parts += [f"--{opt}", str(value)]
    parts += outcome_arguments(args)
    parts += harm_flags(args)
    parts += [f"--{flag}" for flag in ("strict", "force") if getattr(args, flag, False)]
    return shlex.join(parts)


def _sampler_options(args: argparse.Namespace) -> dict[str, Any]:
    """Sampler settings the user gave (unset ones are left to the fit's defaults)."""
    options = {
        "draws": args.draws,
        "tune": args.tune,
        "chains": args.chains,
        "seed": args.seed,
        "sampler": args.sampler,
    }
    return {k: v for k, v in options.items() if v is not None}


def _check_sampler(name: str | None) -> None:
    from bayes_keta.exceptions import SpecError

    if name in (None, "nutpie"):
        try:
            import nutpie  # noqa: F401
        except ImportError as err:
            if name == "nutpie":
                raise SpecError("--sampler nutpie: nutpie is not installed") from err


def format_contrasts(table, *, outcome=None) -> str:
    """Compact text rendering of a contrast table (one line per contrast x estimand).

    ``P(<0)`` is the probability of benefit and ``P(< -t)`` lists each threshold on the row's
    own scale (AUC rows: ``n_days x t``) with the probability of a benefit beyond it, read from
    the flat ``p_beyond_<t>`` columns by :func:`bayes_keta.estimands.beyond_by_row`; when the
    ``outcome`` (default the 0-10 NRS) is better higher they read ``P(>0)`` and ``P(> t)``.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> from bayes_keta.estimands import contrast_draws, contrast_table
    >>> from bayes_keta.outcome import Outcome
    >>> am = xr.DataArray(np.full((1, 4, 2, 7), 5.0), dims=("chain", "draw", "treatment", "day"),
    ...                   coords={"treatment": ["placebo", "drug"], "day": np.arange(1, 8)})
    >>> relief = Outcome(better="higher", noun="relief", preset=None)
    >>> table = contrast_table(contrast_draws(am, outcome=relief), outcome=relief)
    >>> format_contrasts(table, outcome=relief).splitlines()[0].split()[-3:]
    ['P(>0)', 'P(>', 't)']
    """
    from bayes_keta.estimands import CI_LABEL, beyond_by_row

    higher = outcome is not None and outcome.better == "higher"
    benefit, beyond_t = ("P(>0)", "P(> t)") if higher else ("P(<0)", "P(< -t)")
    lines = [
        f"{'contrast':<31} {'estimand':<22} {'mean':>8} {CI_LABEL + '% CrI':>19}"
        f" {benefit:>6}  {beyond_t}"
    ]
    for row, beyond_t in zip(table.to_dict("records"), beyond_by_row(table), strict=True):
        digits = 1 if row["scale"] in ("auc", "percent") else 2
        lo, hi = row[f"lo{CI_LABEL}"], row[f"hi{CI_LABEL}"]
        beyond = " ".join(f"{t:g}:{p:.2f}" for t, p in beyond_t.items())
        lines.append(
            f"{row['contrast']:<31} {row['estimand']:<22} {row['mean']:>8.{digits}f}"
            f" [{lo:>8.{digits}f},{hi:>8.{digits}f}] {row['p_benefit']:>6.2f}  {beyond}"
        )
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    """Validate everything, fit, gate, write; domain errors propagate to the CLI core."""
    from pathlib import Path

    from bayes_keta.checks import sampling_notes
    from bayes_keta.cli.adverse_events import wants_adverse_events
    from bayes_keta.cli.options import trial_from_args
    from bayes_keta.cli.progress import Progress
    from bayes_keta.exceptions import ConvergenceError, OutputError
    from bayes_keta.fitting.io import check_outputs
    from bayes_keta.harms import (
        AE_FOLDER,
        adverse_event_fit_options,
        benefit_risk,
        check_pair_outputs,
        save_with_adverse_events,
    )
    from bayes_keta.stages import stage

    progress = Progress.for_args(args)
    # 1. everything that can be checked before sampling
    progress.stage("validating data, spec and outputs")
    paths = check_outputs(args.out, force=args.force)
    trial = trial_from_args(args)
    with_ae = wants_adverse_events(trial, args)
    if with_ae:  # DIR/adverse_events/ too, checked before sampling
        check_pair_outputs(args.out, force=args.force)
    elif args.harm_weight:
        progress.note("no adverse_event values in the data: --harm-weight is not used")
    _check_sampler(args.sampler)
    fit_args = _prepare_fit(trial, args)
    fit_args.update(progress=progress.stage, progressbar=progress.enabled)
    command = command_line(args)
    if trial.synthetic:
        progress.note("fitting SYNTHETIC DATA (simulated, not patients)")
    for note in sampling_notes(chains=args.chains):
        progress.note(note)

    # 2. sample (the adverse-event model beside the efficacy spec when the data have it: in a
    # second process while this one compiles, when there is a second core)
    harm = None
    ae_options = adverse_event_fit_options(trial, **_sampler_options(args)) if with_ae else {}
    with _start_beside(ae_options, progress) as beside:
        result = _run_fit(fit_args)
        if with_ae:
            progress.stage("fitting the adverse-event model")
            if beside is None:
                ae_options.update(progressbar=progress.enabled, progress=progress.stage)
                harm = _run_fit(ae_options)
            else:  # what an interruption while waiting for it reports
                stage("fitting the adverse-event model")
                harm = beside.result()

    # 3. gate, record, write (failed diagnostics are written too, flagged, never hidden)
    progress.stage("diagnostics")
    diagnostics = result.diagnostics()
    pair = (
        None if harm is None else (harm, benefit_risk(result, harm, harm_weights=args.harm_weight))
    )
    progress.stage(f"writing {args.out}")
    try:
        if pair is None:
            result.save(args.out, force=args.force, command=command, diagnostics=diagnostics)
        else:
            save_with_adverse_events(
                result,
                pair[0],
                args.out,
                result=pair[1],
                force=args.force,
                command=command,
                diagnostics=diagnostics,
                ae_diagnostics=pair[0].diagnostics(),
            )
    except OutputError as err:  # disk full, permissions changed: the numbers are not lost
        _print_results(result, diagnostics, synthetic=trial.synthetic, pair=pair)
        raise OutputError(f"{err}; the results printed above were computed but not saved") from err
    progress.stage("done")

    # 4. report
    _print_results(result, diagnostics, synthetic=trial.synthetic, pair=pair)
    print(f"\nwrote {paths['posterior']} and {paths['summary']}")
    if pair is not None:
        print(f"wrote the adverse-event fit to {Path(args.out) / AE_FOLDER}")
    failed, failures = not diagnostics.passed, list(diagnostics.failures)
    if pair is not None and not pair[0].diagnostics().passed:
        failed = True
        failures += [f"adverse events: {f}" for f in pair[0].diagnostics().failures]
    if args.strict and failed:
        raise ConvergenceError("diagnostics failed (--strict): " + "; ".join(failures))
    return 0


def _print_results(result, diagnostics, *, synthetic: bool, pair=None) -> None:
    """Print the outcome, contrasts, carryover, missing data, the verdict (and benefit-harm)."""
    summary = result.contrast_summary()
    outcome = result.outcome
    print(f"Outcome: {outcome.describe()}")
    print(format_contrasts(summary.table, outcome=outcome))
    if summary.constant_over_day and summary.n_days > 1:
        r = outcome.reading
        print(
            f"(this model's effect is constant over the {r}s of a period: week-1 and day-k"
            " rows repeat the mean difference over the period; daily_decay lets it vary)"
        )
    print(f"(differences in {outcome.units}; {outcome.better} is better)")
    carry = format_carryover(result)
    if carry:
        print()
        print(carry)
    for line in _record_lines(result.record):
        print(line)
    print()
    print(diagnostics.text)
    if not diagnostics.passed:
        print(
            "DIAGNOSTICS FAILED: " + "; ".join(diagnostics.failures),
            file=sys.stderr,
        )
    if pair is not None:
        from bayes_keta.cli.adverse_events import format_benefit_risk

        harm, joint = pair
        print()
        print(harm.diagnostics().text.replace("DIAGNOSTICS", "ADVERSE-EVENT DIAGNOSTICS", 1))
        if not harm.diagnostics().passed:
            print(
                "ADVERSE-EVENT DIAGNOSTICS FAILED: " + "; ".join(harm.diagnostics().failures),
                file=sys.stderr,
            )
        print()
        print(format_benefit_risk(joint))
    if synthetic:
        print("\nSYNTHETIC DATA: simulated subjects, not patients; the numbers say nothing about")
        print("the treatments' real effects.")


def format_carryover(result) -> str:
    """Carryover rows of a fit (one per active arm), or "" when the spec has none.

    Values are on the model's scale (the outcome's units per reading; the AUC spec's units x
    readings; the ordinal spec's logits).
    """
    from bayes_keta.estimands import CI_LABEL
    from bayes_keta.summary import carryover_records

    rows = carryover_records(result)
    if not rows:
        return ""
    scale = rows[0]["scale"]
    lines = [f"Carryover of the previous period's treatment (scale {scale}):"]
    for row in rows:
        lo, hi = row[f"ci{CI_LABEL}"]
        lines.append(
            f"  after {row['treatment']:<24} {row['mean']:>8.2f}  sd {row['sd']:.2f}"
            f"  {CI_LABEL}% CrI [{lo:.2f}, {hi:.2f}]"
        )
    return "\n".join(lines)


def _record_lines(record) -> list[str]:
    """Return the fit record's facts worth a line: missing-data handling, prior scaling."""
    lines = []
    text = record.missing_data.get("text")
    if text:
        lines.append(f"Missing data: {text.removeprefix('missing data: ')}")
    scaling = record.prior_scaling
    if scaling and (scaling.get("factor") != 1.0 or scaling.get("flip")):
        lines.append(f"Priors: {scaling['text']}")
    return lines


def _prepare_fit(trial, args: argparse.Namespace) -> dict[str, Any]:
    """Load the spec, check it suits the design and resolve the priors (before sampling).

    :func:`bayes_keta.fitting.fit` then checks the sampler settings and builds the graph
    before it samples.
    """
    from bayes_keta.models import check_design
    from bayes_keta.spec import load_spec, resolve_priors

    spec = load_spec(args.model)
    check_design(trial, spec)
    priors = list(args.priors) if args.priors else None
    resolve_priors(spec, priors)
    return {"trial": trial, "spec": spec, "priors": priors, **_sampler_options(args)}


@contextmanager
def _start_beside(options: dict[str, Any], progress: Any) -> Iterator[Any]:
    """Start the fit of ``options`` in a second process (None: no options, or no second core).

    The process ends with the block, whatever happens (an error, an interruption).
    """
    beside = _fit_beside(options) if options else None
    if beside is not None:
        progress.note("fitting the adverse-event model in a second process")
    try:
        yield beside
    finally:
        if beside is not None:
            beside.cancel()


def _fit_beside(options: dict[str, Any]):
    """Start ``fit(**options)`` in a second process; None where none can run beside this one."""
    from bayes_keta.fitting.background import BackgroundFit

    return BackgroundFit.start(**options)


def _run_fit(fit_args: dict[str, Any]):
    from bayes_keta.fitting import fit

    return fit(**fit_args)
