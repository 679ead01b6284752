"""Assurance results: the table, the Monte Carlo interval, the text, and the files written.

``assurance.csv``: one row per ``n`` x contrast x rule, columns ``n, active, reference,
assurance, lo95, hi95`` first (the Monte Carlo interval is Clopper-Pearson's exact binomial
interval for ``successes`` of ``sims``, :data:`~bayes_keta.constants.CI_PROB`), then
``rule, threshold, prob, successes, sims, mean_posterior_prob, design, design_prior``
(meanings in :data:`bayes_keta.planning.record.COLUMNS`). ``assurance.json``: the record
(:mod:`bayes_keta.planning.record`), schema-checked before writing. ``assurance.png``: the
assurance-vs-n plot. With ``--exact``, ``assurance_exact.csv`` (one row per simulated trial x
contrast x rule: the fast and the NUTS posterior probabilities). With ``--report``,
``assurance_report.md`` / ``.html`` (the report section on its own).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from bayes_keta.constants import CI_PROB
from bayes_keta.estimands import CI_LABEL
from bayes_keta.exceptions import OutputError
from bayes_keta.outcome import Outcome
from bayes_keta.outputs import check_writable, refuse_existing, staged_folder
from bayes_keta.planning.record import validate_record
from bayes_keta.planning.tasks import TaskSetup

__all__ = [
    "OUTPUT_FILES",
    "TABLE_COLUMNS",
    "AssuranceResult",
    "assurance_table",
    "check_assurance_outputs",
    "mc_interval",
]

_LO, _HI = f"lo{CI_LABEL}", f"hi{CI_LABEL}"
#: Columns of ``assurance.csv``, in order.
TABLE_COLUMNS: tuple[str, ...] = (
    "n",
    "active",
    "reference",
    "assurance",
    _LO,
    _HI,
    "rule",
    "threshold",
    "prob",
    "successes",
    "sims",
    "mean_posterior_prob",
    "design",
    "design_prior",
)
#: Files of :meth:`AssuranceResult.save`, by role (``exact`` and ``report_*`` when asked).
OUTPUT_FILES: dict[str, str] = {
    "csv": "assurance.csv",
    "json": "assurance.json",
    "plot": "assurance.png",
    "exact": "assurance_exact.csv",
    "report_md": "assurance_report.md",
    "report_html": "assurance_report.html",
}


def mc_interval(successes: np.ndarray, sims: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Clopper-Pearson interval (``CI_PROB``) of a binomial proportion.

    Examples
    --------
    >>> lo, hi = mc_interval(np.array([0, 50, 100]), np.array([100, 100, 100]))
    >>> np.round(lo, 3).tolist(), np.round(hi, 3).tolist()
    ([0.0, 0.398, 0.964], [0.036, 0.602, 1.0])
    """
    from scipy import stats

    x, n = np.asarray(successes, float), np.asarray(sims, float)
    tail = (1.0 - CI_PROB) / 2.0
    with np.errstate(invalid="ignore"):
        lo = np.where(x > 0, stats.beta.ppf(tail, x, n - x + 1), 0.0)
        hi = np.where(x < n, stats.beta.ppf(1.0 - tail, x + 1, n - x), 1.0)
    return lo, hi


def assurance_table(
    outputs: Sequence[Mapping[str, np.ndarray]],
    jobs: Sequence[tuple[int, int, int]],
    setup: TaskSetup,
    *,
    outcome: Outcome,
    design_prior: str,
) -> pd.DataFrame:
    """Sum the tasks' counts into ``assurance.csv``'s table (scheme in the module docstring)."""
    rows = []
    for size in dict.fromkeys(job[0] for job in jobs):
        mine = [out for out, job in zip(outputs, jobs, strict=True) if job[0] == size]
        successes = sum(out["successes"] for out in mine)
        prob_sum = sum(out["prob_sum"] for out in mine)
        sims = int(sum(int(out["size"]) for out in mine))
        for d, design in enumerate(setup.designs):
            for k, active in enumerate(design.actives):
                for r, rule in enumerate(setup.rules):
                    rows.append(
                        {
                            "n": size,
                            "active": active,
                            "reference": design.reference,
                            "successes": int(successes[d, k, r]),
                            "sims": sims,
                            "rule": rule.name,
                            "threshold": rule.threshold,
                            "prob": rule.prob,
                            "mean_posterior_prob": float(prob_sum[d, k, r] / sims),
                            "design": design.label,
                            "design_prior": design_prior,
                        }
                    )
    table = pd.DataFrame(rows)
    table["assurance"] = table["successes"] / table["sims"]
    table[_LO], table[_HI] = mc_interval(table["successes"].to_numpy(), table["sims"].to_numpy())
    return table[list(TABLE_COLUMNS)]


def check_assurance_outputs(
    out_dir: str | Path, *, force: bool = False, exact: bool = False, report: bool = False
) -> dict[str, Path]:
    """Paths of the outputs in ``out_dir``; refuse existing ones and an unwritable folder.

    Examples
    --------
    >>> import tempfile
    >>> sorted(check_assurance_outputs(tempfile.mkdtemp() + "/new"))
    ['csv', 'json', 'plot']
    """
    out = Path(out_dir)
    roles = ["csv", "json", "plot"] + (["exact"] if exact else [])
    roles += ["report_md", "report_html"] if report else []
    paths = {role: out / OUTPUT_FILES[role] for role in roles}
    refuse_existing(paths.values(), force=force)
    check_writable(out)
    return paths


@dataclass(frozen=True)
class AssuranceResult:
    """Result of :func:`bayes_keta.planning`.

    Attributes
    ----------
    table : pandas.DataFrame
        ``assurance.csv``'s rows.
    exact : pandas.DataFrame or None
        The ``--exact`` check, one row per simulated trial x contrast x rule.
    record : dict
        ``assurance.json``'s record (settings, method, provenance, results).
    outcome : Outcome
        Direction and units.
    """

    table: pd.DataFrame = field(repr=False)
    exact: pd.DataFrame | None = field(repr=False)
    record: Mapping[str, Any] = field(repr=False)
    outcome: Outcome = field(repr=False)

    def __repr__(self) -> str:
        run = self.record["run"]
        return (
            f"<AssuranceResult from {self.record['fit'].get('spec_name')!r}: n={run['sizes']},"
            f" {run['sims']} simulated trials each, design"
            f" {self.record['designs'][0]['kind']!r}>"
        )

    def __str__(self) -> str:
        return self.text

    @property
    def synthetic(self) -> bool:
        """Whether the fit behind the design prior was to simulated data."""
        return bool(self.record["fit"].get("data_synthetic"))

    @property
    def text(self) -> str:
        """Plain-language summary, one line per contrast, rule and ``n``."""
        units = self.outcome.units
        rec = self.record
        lines = [
            f"Assurance of a next trial ({rec['designs'][0]['kind']} design,"
            f" {rec['run']['sims']} simulated trials per n, design prior:"
            f" {rec['design_prior']['kind']}) from the {rec['fit'].get('spec_name')!r} fit of"
            f" {rec['fit'].get('data_name')!r}; analysis prior: {rec['analysis']['prior']['kind']}"
        ]
        if self.synthetic:
            lines[0] += " -- SYNTHETIC DATA (simulated, not patients)"
        for rule in rec["rules"]:
            lines.append(f"\nsuccess: {rule['text']} ({self.outcome.better} is better)")
            rows = self.table[self.table["rule"] == rule["name"]]
            for (active, reference), group in rows.groupby(["active", "reference"], sort=False):
                cells = ", ".join(
                    f"n={r['n']}: {r['assurance']:.2f} [{r[_LO]:.2f}, {r[_HI]:.2f}]"
                    for r in group.to_dict("records")
                )
                lines.append(f"  {active} vs {reference}: {cells}")
        if rec["exact"] is not None:
            worst = max(r["max_abs_prob_diff"] for r in rec["exact"]["summary"])
            lines.append(
                f"\n--exact: the fast analysis and full NUTS on the same simulated trials differ"
                f" by at most {worst:.3f} in posterior probability (see assurance_exact.csv)"
            )
        lines.append(
            f"\nBrackets: {CI_LABEL}% Monte Carlo interval. Thresholds in {units} of"
            f" {self.outcome.noun}; assurance = P(success) averaged over the design prior."
        )
        if self.synthetic:
            lines.append(
                "SYNTHETIC DATA: the numbers say nothing about the treatments' real effects."
            )
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        """Render a compact card for Jupyter: assurance per size, contrast and rule."""
        from bayes_keta.cards import html_card

        keep = ["n", "active", "reference", "rule", "assurance", _LO, _HI]
        return html_card(
            repr(self).strip("<>"),
            table=self.table[keep].round(3),
            notes=("SYNTHETIC DATA: the fit is to simulated subjects.",) if self.synthetic else (),
        )

    def plot(self, *, ax: Any = None, rule: str | None = None) -> Any:
        """Assurance against ``n`` (see :func:`bayes_keta.plots.assurance_curve`)."""
        from bayes_keta.plots.assurance import assurance_curve

        return assurance_curve(self, ax=ax, rule=rule)

    def save(
        self,
        out_dir: str | Path,
        *,
        force: bool = False,
        report: Callable[[AssuranceResult], tuple[str, str]] | None = None,
    ) -> dict[str, Path]:
        """Write ``assurance.csv``, ``.json``, ``.png`` (+ the exact check, + the report).

        The record is validated against its schema before anything is written; the files
        appear together (:func:`bayes_keta.outputs.staged_folder`). ``report`` renders the
        report section on its own as ``(markdown, html)``
        (:func:`bayes_keta.report.assurance.render_section`; the report layer renders, this
        one only writes).

        Raises
        ------
        OutputError
            Outputs exist without ``force``, the record is invalid, or writing fails.
        """
        import matplotlib.pyplot as plt

        paths = check_assurance_outputs(
            out_dir, force=force, exact=self.exact is not None, report=report is not None
        )
        validate_record(self.record)
        text = json.dumps(self.record, indent=2, sort_keys=True, allow_nan=False) + "\n"
        try:
            with staged_folder(out_dir, force=force) as tmp:
                staged = {role: tmp / path.name for role, path in paths.items()}
                self.table.to_csv(staged["csv"], index=False)
                staged["json"].write_text(text, encoding="utf-8")
                ax = self.plot()
                ax.figure.savefig(staged["plot"], format="png", dpi=120)
                plt.close(ax.figure)
                if self.exact is not None:
                    self.exact.to_csv(staged["exact"], index=False)
                if report is not None:
                    markdown, html = report(self)
                    staged["report_md"].write_text(markdown, encoding="utf-8")
                    staged["report_html"].write_text(html, encoding="utf-8")
        except (ValueError, TypeError) as err:
            raise OutputError(f"cannot write the assurance outputs in {out_dir}: {err}") from err
        return paths
