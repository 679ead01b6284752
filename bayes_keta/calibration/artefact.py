"""The versioned SBC artefact (``calibration/sbc_results.json``) and the checks run on it.

Calibration rule (one family of tests over every spec in the artefact):

* uniformity: for every ranked quantity of every spec, the p-value ``p_uniform`` (chi-square on
  binned ranks and the ECDF-based POT-C test, Bonferroni over the two;
  :func:`bayes_keta.calibration.ranks.rank_uniformity`);
* coverage: for every contrast (``mean_daily_difference`` of each pair of arms) of every spec,
  the exact binomial test that its ``CI_PROB`` intervals cover the truth ``CI_PROB`` of the time
  (:func:`bayes_keta.calibration.ranks.coverage_test`);
* multiplicity: Bonferroni over the whole family, each test failing below
  ``FAMILY_ALPHA / n_tests`` (family-wise error 5%: with about 50 tests, about 0.001).

An artefact is **stale** when the hash of a spec's TOML and the model-building sources
(:func:`bayes_keta.calibration.sbc.sbc_hash`) no longer matches the recorded one: change the
model code and the SBC must be rerun (``make sbc``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from bayes_keta.calibration.ranks import coverage_test, rank_uniformity
from bayes_keta.calibration.sbc import CONTRAST_ESTIMAND, SBC_SPECS, SBCResult, sbc_hash
from bayes_keta.constants import CI_PROB
from bayes_keta.outputs import atomic_write
from bayes_keta.provenance import machine_info as _machine_info

__all__ = [
    "FAMILY_ALPHA",
    "SCHEMA",
    "ArtefactCheck",
    "check_artefact",
    "machine_info",
    "read_artefact",
    "results_record",
    "write_artefact",
]

#: Schema tag of the artefact.
SCHEMA = "bayes_keta.sbc/1"
#: A simulation's fit counts as poorly mixed below this bulk ESS or above this R-hat (over
#: the ranked quantities; reported, not gated: SBC judges the ranks, whatever the mixing).
POOR_ESS = 100.0
POOR_RHAT = 1.05
#: Family-wise error rate of the calibration checks (Bonferroni over all tests).
FAMILY_ALPHA = 0.05
_ENTRY_KEYS = (
    "spec",
    "settings",
    "spec_hash",
    "hashed_files",
    "seconds",
    "acceptance",
    "sampler",
    "ranks",
    "covered",
    "runs",
    "truths",
)
_PACKAGES = ("bayes_keta", "pymc", "pytensor", "nutpie", "arviz-stats", "numpy", "scipy")


def machine_info() -> dict[str, Any]:
    """Cores, CPU model, platform and package versions of this machine."""
    return _machine_info(_PACKAGES)


def _spec_tests(entry: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Recompute uniformity (all quantities) and coverage (contrasts) from stored ranks/flags."""
    settings = entry["settings"]
    n_ranks = settings["n_rank_draws"] + 1
    uniform, coverage = {}, {}
    for i, (name, ranks) in enumerate(entry["ranks"].items()):
        test = rank_uniformity(ranks, n_ranks, seed=settings["seed"] + i)
        flags = entry["covered"][name]
        uniform[name] = {
            "n_sims": len(ranks),
            "p_chi2": test.p_chi2,
            "p_pot_c": test.p_pot_c,
            "p_uniform": test.p_value,
            "n_bins": test.n_bins,
            "coverage": sum(flags) / len(flags),
        }
        if name.startswith(CONTRAST_ESTIMAND):
            coverage[name] = (sum(flags), len(flags))
    return uniform, coverage


def _n_tests(specs: dict[str, Any]) -> int:
    n = 0
    for entry in specs.values():
        n += len(entry["ranks"])
        n += sum(1 for q in entry["ranks"] if q.startswith(CONTRAST_ESTIMAND))
    return n


def results_record(
    results: Sequence[SBCResult | dict[str, Any]], *, design: dict[str, Any], command: str = ""
) -> dict[str, Any]:
    """Build the artefact dict from SBC results (one per spec).

    Parameters
    ----------
    results : sequence of SBCResult or dict
        One per spec: results, or their :meth:`~SBCResult.to_dict` records (e.g. the entries
        of an earlier artefact, to merge a rerun of some specs with the others).
    design : dict
        Description of the trial design the simulations kept (name, sha256, sizes).
    command : str
        Command that produced it.

    Returns
    -------
    dict
        Schema :data:`SCHEMA`: ``rule`` (multiplicity, threshold), ``design``, ``machine``,
        and per spec ``settings``, ``spec_hash``, ``parameters`` (per quantity: ``n_sims``,
        p-values, coverage), ``contrast_coverage`` (binomial test and band), diagnostics
        summary, raw ``ranks``, ``covered`` flags and per-simulation ``runs``.
    """
    specs = {}
    for r in results:
        entry = r.to_dict() if isinstance(r, SBCResult) else dict(r)
        specs[entry["spec"]] = {k: entry[k] for k in _ENTRY_KEYS if k in entry}
    n_tests = _n_tests(specs)
    threshold = FAMILY_ALPHA / n_tests
    for entry in specs.values():
        uniform, coverage = _spec_tests(entry)
        entry["parameters"] = uniform
        entry["contrast_coverage"] = {
            name: _coverage_dict(k, n, threshold) for name, (k, n) in coverage.items()
        }
        runs = pd.DataFrame(entry["runs"])
        entry["diagnostics"] = {
            "sims_with_divergences": int((runs["divergences"] > 0).sum()),
            "sims_poorly_mixed": int(
                ((runs["min_ess_bulk"] < POOR_ESS) | (runs["max_rhat"] > POOR_RHAT)).sum()
            ),
            "total_divergences": int(runs["divergences"].clip(lower=0).sum()),
            "median_min_ess_bulk": float(runs["min_ess_bulk"].median()),
            "max_rhat": float(runs["max_rhat"].max()),
            "median_sample_s": float(runs["sample_s"].median()),
        }
    pooled = [c for e in specs.values() for c in e["contrast_coverage"].values()]
    return {
        "schema": SCHEMA,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": command,
        "ci_prob": CI_PROB,
        "rule": {
            "uniformity": "p_uniform = min(1, 2 min(p_chi2, p_pot_c)) per quantity",
            "coverage": f"exact binomial test of {CI_PROB:g} coverage per contrast",
            "multiplicity": "bonferroni",
            "family_alpha": FAMILY_ALPHA,
            "n_tests": n_tests,
            "threshold": threshold,
        },
        "pooled_contrast_coverage": (
            sum(c["n_covered"] for c in pooled) / sum(c["n_sims"] for c in pooled)
            if pooled
            else None
        ),
        "design": design,
        "machine": machine_info(),
        "specs": specs,
    }


def _coverage_dict(k: int, n: int, alpha: float) -> dict[str, Any]:
    test = coverage_test(k, n, nominal=CI_PROB, alpha=alpha)
    return {
        "n_sims": n,
        "n_covered": k,
        "coverage": test.coverage,
        "p_value": test.p_value,
        "band": list(test.band),
    }


def write_artefact(record: dict[str, Any], path: str | Path) -> Path:
    """Write the artefact as indented JSON (ranks on one line each), atomically."""
    text = json.dumps(record, indent=1, sort_keys=False) + "\n"
    return atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def read_artefact(path: str | Path) -> dict[str, Any]:
    """Read an artefact written by :func:`write_artefact`.

    Raises
    ------
    ValueError
        Not an SBC artefact of schema :data:`SCHEMA`.
    """
    record = json.loads(Path(path).read_text())
    if record.get("schema") != SCHEMA:
        raise ValueError(f"{path} is not an SBC artefact of schema {SCHEMA!r}")
    return record


@dataclass(frozen=True)
class ArtefactCheck:
    """Verdict on an SBC artefact.

    Attributes
    ----------
    passed : bool
        Calibrated, consistent and fresh.
    failures : tuple of str
        Calibration failures and inconsistencies.
    stale : tuple of str
        Specs whose model sources changed since the run.
    table : pandas.DataFrame
        Per spec and quantity: ``n_sims``, ``p_uniform``, ``coverage``.
    text : str
        Human summary.
    """

    passed: bool
    failures: tuple[str, ...]
    stale: tuple[str, ...]
    table: pd.DataFrame
    text: str


def check_artefact(
    record: dict[str, Any],
    *,
    specs: Sequence[str] = SBC_SPECS,
    check_fresh: bool = True,
    tolerance: float = 1e-9,
) -> ArtefactCheck:
    """Check an SBC artefact: every spec present, calibrated, consistent, not stale.

    p-values and coverage are recomputed from the stored ranks and flags (so the numbers in
    the file cannot disagree with the ranks), and compared with the family threshold
    ``FAMILY_ALPHA / n_tests`` (Bonferroni, see the module docstring).

    Parameters
    ----------
    record : dict
        The artefact (:func:`read_artefact`).
    specs : sequence of str
        Specs that must be present.
    check_fresh : bool
        Recompute :func:`~bayes_keta.calibration.sbc.sbc_hash` of each spec and compare.
    tolerance : float
        Allowed difference between stored and recomputed p-values.

    Returns
    -------
    ArtefactCheck
    """
    failures: list[str] = []
    stale: list[str] = []
    entries = record.get("specs", {})
    missing = [s for s in specs if s not in entries]
    failures += [f"{s}: no SBC results" for s in missing]
    n_tests = _n_tests(entries) if entries else 1
    threshold = FAMILY_ALPHA / n_tests
    if abs(record.get("rule", {}).get("threshold", -1) - threshold) > 1e-15:
        failures.append(f"rule threshold is not {FAMILY_ALPHA} / {n_tests} tests")
    rows = []
    for name, entry in entries.items():
        n_sims = entry["settings"]["n_sims"]
        top = entry["settings"]["n_rank_draws"]
        for q, ranks in entry["ranks"].items():
            if len(ranks) != n_sims or min(ranks) < 0 or max(ranks) > top:
                failures.append(f"{name}/{q}: ranks outside 0..{top} or not {n_sims} sims")
        uniform, coverage = _spec_tests(entry)
        for q, stats in uniform.items():
            stored = entry.get("parameters", {}).get(q, {}).get("p_uniform")
            if stored is None or abs(stored - stats["p_uniform"]) > tolerance:
                failures.append(f"{name}/{q}: stored p-value disagrees with the ranks")
            if stats["p_uniform"] < threshold:
                failures.append(
                    f"{name}/{q}: ranks not uniform (p = {stats['p_uniform']:.2g} <"
                    f" {threshold:.2g})"
                )
            rows.append({"spec": name, "quantity": q, **stats})
        for q, (k, n) in coverage.items():
            test = coverage_test(k, n, nominal=CI_PROB, alpha=threshold)
            if test.p_value < threshold:
                failures.append(
                    f"{name}/{q}: {CI_PROB:.0%} coverage {test.coverage:.3f} outside"
                    f" [{test.band[0]}, {test.band[1]}] of {n}"
                )
        if check_fresh:
            digest, _ = sbc_hash(name)
            if digest != entry.get("spec_hash"):
                stale.append(name)
    table = pd.DataFrame(rows)
    passed = not failures and not stale
    text = (
        f"SBC artefact: {len(entries)} specs, {n_tests} tests, threshold {threshold:.2g}: "
        + ("PASSED" if passed else "FAILED")
        + "".join(f"\n  - {f}" for f in failures)
        + "".join(f"\n  - {s}: stale (model sources changed; rerun `make sbc`)" for s in stale)
    )
    return ArtefactCheck(
        passed=passed, failures=tuple(failures), stale=tuple(stale), table=table, text=text
    )
