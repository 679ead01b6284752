"""How R-hat, ESS and other gated diagnostics are printed: digits that agree with the verdict.

One formatter (:func:`format_vs_threshold`) for every place a diagnostic is shown next to its
gate threshold: the gate text and failure messages (:mod:`bayes_keta.diagnostics`), the report
tables, the published reanalysis' warnings.
"""

from __future__ import annotations

import math

from bayes_keta.constants import ESS_MIN, RHAT_MAX

__all__ = ["format_ess", "format_rhat", "format_vs_threshold", "name_list", "render_verdict"]


def format_vs_threshold(value: float | None, threshold: float, *, decimals: int = 3) -> str:
    """Format a diagnostic so that the number shown compares with ``threshold`` as it does.

    At least ``decimals`` decimals, and as many more as it takes for the shown number to be
    above, equal to or below ``threshold`` exactly when ``value`` is, so the number always
    agrees with the verdict: an R-hat of 1.0104 is shown as ``1.0104``, not ``1.010``, against
    a threshold of 1.01 (and 1.0096 as ``1.0096``: never equal to the threshold unless it
    is); an ESS of 399.6 as ``399.6``, not ``400``, against 400. The one formatter of R-hat
    and ESS wherever they are printed (gate text, failure messages, report tables).

    Parameters
    ----------
    value : float or None
        The diagnostic (``None``/NaN print as ``n/a``, infinities as ``inf``/``-inf``).
    threshold : float
        The gate threshold it is compared with.
    decimals : int
        Fewest decimals shown (keyword-only).

    Returns
    -------
    str

    Examples
    --------
    >>> format_vs_threshold(1.0104, 1.01), format_vs_threshold(1.0096, 1.01)
    ('1.0104', '1.0096')
    >>> format_vs_threshold(1.0100000002, 1.01), format_vs_threshold(1.003, 1.01)
    ('1.0100000002', '1.003')
    >>> format_vs_threshold(399.6, 400, decimals=0), format_vs_threshold(1450.2, 400, decimals=0)
    ('399.6', '1450')
    """
    if value is None:
        return "n/a"
    x = float(value)
    if math.isnan(x):
        return "n/a"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    side = (x > threshold) - (x < threshold)
    for digits in range(decimals, 18):
        text = f"{x:.{digits}f}"
        shown = float(text)
        if (shown > threshold) - (shown < threshold) == side:
            return text
    return repr(x)  # exact: compares as the value does


def format_rhat(value: float | None, threshold: float = RHAT_MAX) -> str:
    """Format an R-hat against its gate threshold (3 decimals or more, see above).

    Examples
    --------
    >>> format_rhat(1.0104), format_rhat(1.003)
    ('1.0104', '1.003')
    """
    return format_vs_threshold(value, threshold, decimals=3)


def format_ess(value: float | None, threshold: float = ESS_MIN) -> str:
    """Format an effective sample size against its gate threshold (whole numbers or more).

    Examples
    --------
    >>> format_ess(399.7), format_ess(1450.2)
    ('399.7', '1450')
    """
    return format_vs_threshold(value, threshold, decimals=0)


def name_list(rows: list[str], limit: int = 5) -> str:
    """Join the first ``limit`` names, saying how many more there are.

    Examples
    --------
    >>> name_list(["a", "b", "c"], limit=2)
    'a, b and 1 more'
    """
    shown = ", ".join(rows[:limit])
    return shown + (f" and {len(rows) - limit} more" if len(rows) > limit else "")


def render_verdict(
    *,
    passed: bool,
    failures: list[str],
    warnings: list[str],
    max_rhat: float,
    min_ess_bulk: float,
    min_ess_tail: float,
    divergences: int | None,
    min_bfmi: float | None,
    n_chains: int,
    n_draws: int,
    excluded: list[str],
    thresholds: dict[str, float],
) -> str:
    """Plain-language verdict of the convergence gate (:class:`bayes_keta.Diagnostics` text)."""
    head = "DIAGNOSTICS PASSED" if passed else "DIAGNOSTICS FAILED"
    ess_min = thresholds["ess_min"]
    ess_bulk, ess_tail = format_ess(min_ess_bulk, ess_min), format_ess(min_ess_tail, ess_min)
    bfmi = format_vs_threshold(min_bfmi, thresholds["bfmi_min"], decimals=2)
    lines = [
        f"{head} ({n_chains} chains x {n_draws} draws): max R-hat"
        f" {format_rhat(max_rhat, thresholds['rhat_max'])}, min bulk ESS {ess_bulk},"
        f" min tail ESS {ess_tail},"
        f" divergences {divergences if divergences is not None else 'n/a'},"
        f" min E-BFMI {bfmi}"
    ]
    lines += [f"  FAILED: {f}" for f in failures]
    lines += [f"  warning: {w}" for w in warnings]
    if excluded:
        lines.append(f"  (not gated: {', '.join(excluded)})")
    if not passed:
        lines.append("  Do not interpret these posteriors until the failures are resolved.")
    return "\n".join(lines)
