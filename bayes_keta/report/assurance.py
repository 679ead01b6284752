"""The report section "Designing the next trial (assurance)", built from a result.

:func:`assurance_section` returns a :class:`bayes_keta.report.blocks.Section` (text, the table,
the plot of :func:`bayes_keta.plots.assurance_curve`), so a full report can list it among its
sections (``bayes-keta report --assurance``); :func:`render_section` renders it on its own as
Markdown and HTML (``bayes-keta assurance --report``). Nothing is computed here.
"""

from __future__ import annotations

from typing import Any

from bayes_keta.estimands import CI_LABEL

__all__ = ["SECTION_ID", "assurance_section", "render_section"]

SECTION_ID = "assurance"


def assurance_section(result: Any) -> Any:
    """Build the assurance section of a report (see the module docstring).

    Returns
    -------
    bayes_keta.report.blocks.Section
    """
    from bayes_keta.plots import assurance_curve
    from bayes_keta.report.blocks import Figure, Section, Table, Text

    rec = result.record
    design = rec["designs"][0]
    prior = rec["design_prior"]
    intro = (
        f"Probability that a next crossover trial succeeds (assurance; O'Hagan, Stevens &"
        f" Campbell 2005), from the {rec['fit'].get('spec_name')!r} fit of"
        f" {rec['fit'].get('data_name')!r}. Each of {rec['run']['sims']} simulated trials per"
        f" size takes "
        + (
            "one posterior draw of the effects and variance components"
            if prior["kind"] == "posterior"
            else "the posterior means of the effects and variance components (classical power)"
        )
        + f", is simulated in a {design['kind']} design"
        f" ({', '.join(design['sequences'])}; {design['n_days']} readings per period) and is"
        f" analysed on its own data under the analysis prior"
        f" ({rec['analysis']['prior']['description']}). Success: "
        + "; ".join(r["text"] for r in rec["rules"])
        + f", for each contrast ({result.outcome.better} {result.outcome.noun} is better)."
    )
    blocks: list = [Text(intro)]
    if result.synthetic:
        blocks.append(
            Text(
                "The fit is to SYNTHETIC data: these numbers say nothing about the"
                " treatments' real effects.",
                kind="danger",
            )
        )
    shown = result.table[
        ["n", "active", "reference", "rule", "assurance", f"lo{CI_LABEL}", f"hi{CI_LABEL}"]
    ]
    blocks.append(
        Table.from_frame(
            shown,
            caption=f"Assurance with its {CI_LABEL}% Monte Carlo interval (assurance.csv).",
            formats={"assurance": ".3f", f"lo{CI_LABEL}": ".3f", f"hi{CI_LABEL}": ".3f"},
        )
    )
    blocks.append(
        Figure.of(
            assurance_curve(result),
            caption="Assurance against the next trial's size; band: Monte Carlo interval.",
            alt="Assurance of a next trial against its number of subjects, per contrast.",
        )
    )
    if rec["exact"] is not None:
        worst = max(r["max_abs_prob_diff"] for r in rec["exact"]["summary"])
        blocks.append(
            Text(
                f"Check (--exact): on {rec['exact']['summary'][0]['sims']} simulated trials per"
                f" size, full NUTS and the fast analysis gave posterior probabilities at most"
                f" {worst:.3f} apart.",
                kind="note",
            )
        )
    blocks.append(Text(rec["analysis"]["simulation"]))
    blocks.append(Text(rec["analysis"]["method"]))
    return Section(
        SECTION_ID,
        "Designing the next trial (assurance)",
        tuple(blocks),
        lead="How likely a next crossover trial of each size is to show the benefit, given what"
        " this trial taught us.",
    )


def render_section(result: Any) -> tuple[str, str]:
    """Render :func:`assurance_section` alone as ``(markdown, html)``."""
    from bayes_keta.report.blocks import Report
    from bayes_keta.report.render import render_html, render_markdown

    title = "Designing the next trial (assurance)"
    report = Report(
        title=title,
        subtitle=f"from the fit in {result.record['fit'].get('fit')}",
        banners=(),
        sections=(assurance_section(result),),
        passed=True,
        synthetic=result.synthetic,
    )
    return render_markdown(report), render_html(report)
