"""The call-outs above every section: synthetic data, the gate's verdict, warnings."""

from __future__ import annotations

from bayes_keta.report.blocks import Banner
from bayes_keta.report.data import ReportData
from bayes_keta.report.loo import KHAT_MAX
from bayes_keta.report.sections import adverse_events

__all__ = ["banners"]


def banners(data: ReportData) -> tuple[Banner, ...]:
    """Synthetic data (red), the gate's verdict (green or red), warnings (amber, collapsed).

    Kept to one line each so that the first screen still shows the answer below them.
    """
    out: list[Banner] = []
    trial = data.trial
    if trial.synthetic:
        out.append(
            Banner(
                "danger",
                "SYNTHETIC DATA: simulated subjects, not patients.",
                (
                    f"Every number describes the simulation '{trial.name}', not the real"
                    " effects of the treatments.",
                ),
                role="synthetic",
            )
        )
    harm = data.extras.get(adverse_events.ID)
    names = list(data.results) + ([harm.adverse_events_model] if harm is not None else [])
    failed = [r.name for r in data.results.values() if not r.passed]
    details = [
        f"{r.name}: {f}"
        for r in data.results.values()
        if not r.passed
        for f in r.diagnostics.failures
    ]
    if harm is not None and not harm.adverse_events_passed:
        failed.append(harm.adverse_events_model)
        details += [f"{harm.adverse_events_model}: {f}" for f in harm.adverse_events_failures]
    if failed:
        out.append(
            Banner(
                "danger",
                f"DIAGNOSTICS FAILED for {len(failed)} of {len(names)} model(s):"
                f" {', '.join(failed)}. Do not interpret their posteriors until"
                " the failures are resolved.",
                tuple(details),
                role="gate",
            )
        )
    else:
        out.append(
            Banner(
                "note",
                f"Diagnostics gate passed for every model ({', '.join(names)}):"
                f" R-hat <= {data.gate.rhat_max:g}, bulk and tail ESS >= {data.gate.ess_min:g},"
                f" no divergences, E-BFMI >= {data.gate.bfmi_min:g}.",
                role="gate",
            )
        )
    warnings = []
    for r in data.results.values():
        warnings += [f"{r.name}: {w}" for w in r.diagnostics.warnings]
        if r.loo.n_high_k:
            warnings.append(
                f"{r.name}: {r.loo.n_high_k} observation(s) with Pareto k > {KHAT_MAX:g}"
                " (PSIS-LOO unreliable for them)"
            )
    table = data.psense.table
    if table is not None:
        flagged = table["diagnosis"].astype(str).str.contains("conflict|prior", case=False)
        if flagged.any():
            warnings.append(
                f"{data.main}: power-scaling flags {int(flagged.sum())} quantity(ies) as prior-"
                "sensitive (see Prior sensitivity)"
            )
    if warnings:
        out.append(
            Banner(
                "warning",
                f"{len(warnings)} warning(s) that do not fail the gate (click to read)",
                tuple(warnings),
                role="warnings",
            )
        )
    return tuple(out)
