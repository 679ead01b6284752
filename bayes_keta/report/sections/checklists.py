"""Reporting checklists: where the report meets each item, or that it is the author's.

Three checklists, paraphrased (read the published ones for their exact wording):

* BARG, the Bayesian Analysis Reporting Guidelines (Kruschke, Nat Hum Behav 2021;5:1282-1291);
* the CONSORT 2010 extension to randomised crossover trials (Dwan et al., BMJ
  2019;366:l4378): flow per sequence and period, carryover and period effects, the
  within-participant analysis;
* for replicated designs (N-of-1 series), the items of CENT 2015 (Vohra et al., BMJ
  2015;350:h1738) that the workbench can fill.

Each item names the report section that meets it, or says it is the author's to supply
(things a data file cannot tell: eligibility, randomisation, blinding, registration...).
"""

from __future__ import annotations

import pandas as pd

from bayes_keta.report.blocks import Section, Table, Text
from bayes_keta.report.data import ReportData
from bayes_keta.report.sections.common import collapsed, section

__all__ = ["BARG", "CENT", "CONSORT_CROSSOVER", "ID", "checklist_section"]

ID = "checklist"
AUTHOR = "the author's to supply"

#: (item, what it asks) -> where; ``{carryover}`` and ``{assurance}`` are filled per report.
BARG: tuple[tuple[str, str, str], ...] = (
    ("1", "Explain the model and why it suits the question", "Models and priors"),
    ("2", "State and justify every prior", "Models and priors (prior tables with sources)"),
    ("3", "Prior predictive check / prior sensitivity", "Prior sensitivity"),
    ("4", "MCMC convergence (R-hat, ESS) and resolution (MCSE)", "MCMC diagnostics"),
    (
        "5",
        "Posterior: central tendency and credible interval",
        "The answer; Clinical answers over time",
    ),
    (
        "6",
        "Decision rules (ROPE, thresholds) stated in advance",
        "Models and priors (decision rules); The answer",
    ),
    (
        "7",
        "Sensitivity of the conclusions to the priors and the model",
        "Prior sensitivity; Model comparison",
    ),
    ("8", "Posterior predictive check", "Posterior predictive checks"),
    ("9", "Reproducibility: data, code, seeds", "Provenance and reproducibility"),
    ("10", "Why a Bayesian analysis; goals and audience", AUTHOR),
)

#: CONSORT 2010 for randomised crossover trials (Dwan et al. 2019), paraphrased.
CONSORT_CROSSOVER: tuple[tuple[str, str, str], ...] = (
    ("1a", "Title identifies a randomised crossover trial", AUTHOR),
    ("2a", "Background and the rationale for a crossover design", AUTHOR),
    (
        "3a",
        "Design: periods, treatments, sequences and allocation to sequences",
        "Data and design (sequences, periods, subjects per sequence); washout: " + AUTHOR,
    ),
    ("4a", "Eligibility criteria (chronic, stable condition)", AUTHOR),
    (
        "5",
        "Interventions in each period, with washout",
        "Data and design (arms); details: " + AUTHOR,
    ),
    (
        "6a",
        "Outcomes, and how and when they were measured in each period",
        "Data and design (outcome, readings per period); Models and priors (decision rules)",
    ),
    ("7a", "Sample size, allowing for the within-participant correlation", AUTHOR + "{assurance}"),
    ("8a-10", "Sequence generation, allocation concealment and implementation", AUTHOR),
    ("11", "Blinding", AUTHOR),
    (
        "12a",
        "Statistical methods for a crossover: the within-participant comparison, period"
        " effects, carryover",
        "Models and priors (subject and subject-by-period effects, period"
        " effects in every model); {carryover}",
    ),
    ("12b", "Additional analyses", "Prior sensitivity; Model comparison"),
    (
        "13a",
        "Participant flow per sequence and period: allocated, received, analysed",
        "Data and design (participant flow per sequence and period)",
    ),
    (
        "13b",
        "Losses and exclusions per sequence and period, with reasons",
        "Data and design (drop-outs, missing readings, missing-data handling); reasons: " + AUTHOR,
    ),
    ("14", "Dates of recruitment and follow-up; why the trial ended", AUTHOR),
    ("15", "Baseline characteristics per sequence", AUTHOR + " (the data carry no demographics)"),
    ("16", "Numbers analysed in each period and sequence", "Data and design (participant flow)"),
    (
        "17a",
        "Results for each treatment and the within-participant difference, with its precision",
        "The answer; Clinical answers over time",
    ),
    ("18", "Ancillary analyses: carryover and period effects", "{carryover}; Models and priors"),
    ("19", "Harms", AUTHOR),
    ("20-22", "Limitations (including carryover), generalisability, interpretation", AUTHOR),
    ("23-25", "Registration, protocol, funding", AUTHOR),
)

#: CENT 2015 items for N-of-1 series that the workbench can fill, paraphrased.
CENT: tuple[tuple[str, str, str], ...] = (
    (
        "3a",
        "Design: number of periods, treatment pairs or blocks, order within them",
        "Data and design (sequences; replicated design)",
    ),
    (
        "6a",
        "Outcomes measured repeatedly within each period",
        "Data and design (readings per period)",
    ),
    (
        "12a",
        "Methods for each participant and for the series, accounting for period and carryover",
        "Models and priors; {carryover}; individual effects: a spec that"
        " estimates them, else " + AUTHOR,
    ),
    (
        "13a",
        "Flow of each participant through the periods",
        "Data and design (participant flow per sequence and period)",
    ),
    (
        "17a",
        "Results for the series and for each participant",
        "The answer (the series); each participant: a spec with individual effects, else " + AUTHOR,
    ),
    ("other", "Every other CENT item", "as in the CONSORT table above, else " + AUTHOR),
)


def _table(items: tuple[tuple[str, str, str], ...], data: ReportData, source: str) -> Table:
    has_rows = any(len(r.carryover) for r in data.results.values())
    carryover = (
        "Carryover; Model comparison (with and without carryover)"
        if has_rows
        else "Model comparison (with and without carryover)"
    )
    assurance = (
        "; assurance of a next trial: Designing the next trial"
        if (data.assurance is not None)
        else ""
    )
    rows = [
        {"item": i, "asks": what, "where": where.format(carryover=carryover, assurance=assurance)}
        for i, what, where in items
    ]
    return Table.from_frame(pd.DataFrame(rows), caption=source)


def checklist_section(data: ReportData) -> Section:
    """BARG, the crossover CONSORT and (replicated designs) CENT, item by item."""
    blocks: list = [
        Text(
            "Items are paraphrased; read the published checklists for their exact wording."
            " 'Where' names the section of this report that meets the item."
        ),
        collapsed(
            _table(
                BARG,
                data,
                "BARG: Bayesian Analysis Reporting Guidelines (Kruschke, Nat"
                " Hum Behav 2021;5:1282-1291).",
            ),
            "BARG",
        ),
        collapsed(
            _table(
                CONSORT_CROSSOVER,
                data,
                "CONSORT 2010 extension to randomised crossover"
                " trials (Dwan et al., BMJ 2019;366:l4378).",
            ),
            "CONSORT for randomised crossover trials",
        ),
    ]
    if data.replicated:
        blocks.append(
            collapsed(
                _table(
                    CENT,
                    data,
                    "CENT 2015, the CONSORT extension for N-of-1 trials (Vohra"
                    " et al., BMJ 2015;350:h1738): the items the workbench can fill.",
                ),
                "CENT 2015 (N-of-1 series)",
            )
        )
    else:
        blocks.append(
            Text(
                "CENT 2015 (N-of-1 series) applies to replicated designs, where a subject"
                " receives a treatment in more than one period; this design is not replicated."
            )
        )
    return section(
        ID,
        "Reporting checklists",
        blocks,
        lead="Where this report meets each item of the Bayesian and crossover reporting"
        " guidelines, and which items only the author can supply.",
    )
