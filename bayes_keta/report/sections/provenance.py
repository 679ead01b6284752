"""Provenance and reproducibility: versions, hashes, seeds, the command, per-model records."""

from __future__ import annotations

import pandas as pd

from bayes_keta.report.blocks import Details, Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import section

__all__ = ["ID", "provenance_section"]

ID = "provenance"


def provenance_section(data: ReportData) -> Section:
    """Describe the run, the environment and each model's record (from the fits' records)."""
    trial = data.trial
    rows = [
        {"item": "command", "value": data.command},
        {"item": "report created", "value": data.created},
        {"item": "output directory", "value": str(data.out_dir.resolve() if data.out_dir else "")},
        {"item": "data", "value": f"{trial.name} ({'SYNTHETIC' if trial.synthetic else 'real'})"},
        {"item": "data source", "value": trial.source},
        {"item": "data sha256", "value": trial.sha256},
        {"item": "outcome", "value": f"{data.outcome.label} ({data.outcome.units})"},
    ]
    versions = data.main_result.fit.record.versions
    rows += [{"item": f"version: {k}", "value": str(v)} for k, v in sorted(versions.items())]
    per_model = []
    for name, r in data.results.items():
        record = r.fit.record
        per_model.append(
            {
                "model": name,
                "spec sha256": record.model.sha256,
                "spec file": record.model.source,
                "seed": record.sampler.settings.seed,
                "sampler": record.sampler.used,
                "fit created": record.created,
                "outputs": f"fits/{name}/posterior.nc, fits/{name}/summary.json",
            }
        )
    blocks: list = [
        Table.from_frame(pd.DataFrame(rows), caption="Run and environment."),
        Table.from_frame(pd.DataFrame(per_model), caption="Per model: spec hash, seed, sampler."),
    ]
    spec_text = data.main_result.fit.record.model.toml
    if spec_text:
        blocks.append(
            Details(f"Spec of the main model '{data.main}' as read", (Text(spec_text, "pre"),))
        )
    blocks.append(
        Text(
            "Reproduce: rerun the command above in the same environment (same data sha256,"
            " spec hashes and seeds give identical draws); every fit is stored in"
            " fits/<model>/posterior.nc with its summary.json, reopened by"
            " bayes_keta.load_fit(dir).",
            "note",
        )
    )
    return section(
        ID,
        "Provenance and reproducibility",
        blocks,
        lead="What produced this report and how to reproduce it: command, versions, data and"
        " spec hashes, seeds.",
    )
