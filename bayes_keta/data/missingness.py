"""Missing readings by reading number (day) and whether completion trends over the period.

When the chance that a reading is missing depends on the day (completion falls, or rises,
over the follow-up), estimators that weight the observed readings equally over-weight the
days with more data: the AUC model's cell-mean filling and a constant-effect daily model then
estimate an average over the *observed* days, tilted towards the well-completed ones. A model
whose effect varies by day (``daily_decay``) estimates the effect curve on every day and its
``mean_daily_difference`` averages the curve over all days equally: it estimates the all-days
mean honestly (under missing at random given the model).

The trend is tested with the Cochran-Armitage test for a linear trend in proportions over the
days (Armitage P. Biometrics 1955;11:375-386), warning below
:data:`bayes_keta.constants.COMPLETION_TREND_ALPHA`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from bayes_keta.constants import COMPLETION_TREND_ALPHA
from bayes_keta.data.trial import Trial

__all__ = ["CompletionTrend", "completion_trend", "missingness_by_arm", "missingness_by_day"]


def missingness_by_day(trial: Trial) -> pd.DataFrame:
    """Count expected, observed and missing readings on each day (reading number).

    ``expected`` counts the subject-periods present in the data (a drop-out's absent periods
    are not expected), ``observed`` their non-missing readings on that day.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> table = missingness_by_day(bk.ketapain_synthetic())
    >>> table.columns.tolist(), len(table)
    (['day', 'expected', 'observed', 'missing', 'missing_pct'], 35)
    """
    n_cells = len(trial.cells)
    observed = trial.observations.groupby("day").size().reindex(trial.days, fill_value=0)
    table = pd.DataFrame({"day": list(trial.days), "expected": n_cells})
    table["observed"] = observed.to_numpy(dtype=int)
    table["missing"] = table["expected"] - table["observed"]
    table["missing_pct"] = 100.0 * table["missing"] / max(n_cells, 1)
    return table


def missingness_by_arm(trial: Trial) -> pd.DataFrame:
    """Count expected, observed and missing readings on each day of each arm.

    As :func:`missingness_by_day`, one row per arm and day (arms in the trial's order):
    ``expected`` counts the arm's subject-periods present in the data.

    Examples
    --------
    >>> import bayes_keta as bk
    >>> table = missingness_by_arm(bk.ketapain_synthetic())
    >>> table.columns.tolist()
    ['treatment', 'day', 'expected', 'observed', 'missing', 'missing_pct']
    >>> len(table), int(table["missing"].sum()) == int(missingness_by_day(
    ...     bk.ketapain_synthetic())["missing"].sum())
    (105, True)
    """
    days = list(trial.days)
    cells = trial.cells.groupby("treatment", observed=True).size()
    seen = trial.observations.groupby(["treatment", "day"], observed=True).size()
    rows = []
    for arm in trial.treatments:
        n_cells = int(cells.get(arm, 0))
        for day in days:
            observed = int(seen.get((arm, day), 0))
            rows.append(
                {
                    "treatment": str(arm),
                    "day": day,
                    "expected": n_cells,
                    "observed": observed,
                    "missing": n_cells - observed,
                    "missing_pct": 100.0 * (n_cells - observed) / max(n_cells, 1),
                }
            )
    return pd.DataFrame(rows)


@dataclass(frozen=True)
class CompletionTrend:
    """Cochran-Armitage test of a linear trend in completion over the days.

    Attributes
    ----------
    z, p_value : float
        Test statistic (positive: completion rises with the day) and two-sided P value.
    first_pct, last_pct : float
        Percent of readings observed on the first and the last day.
    trend : bool
        ``p_value < alpha``: missingness depends on the day.
    text : str
        One line; a warning naming the consequences when ``trend``.
    """

    z: float
    p_value: float
    first_pct: float
    last_pct: float
    trend: bool
    text: str

    def to_dict(self) -> dict[str, object]:
        """JSON-able record."""
        return dict(self.__dict__)


def completion_trend(
    table: pd.DataFrame, *, alpha: float = COMPLETION_TREND_ALPHA, reading: str = "day"
) -> CompletionTrend | None:
    """Test whether completion trends over the days (None with fewer than 3 days or no gaps).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`missingness_by_day` output.
    alpha : float
        Warn when the two-sided P value is below it.
    reading : str
        What one reading covers (:attr:`bayes_keta.outcome.Outcome.reading`), for the text.

    Examples
    --------
    >>> t = pd.DataFrame({"day": [1, 2, 3, 4], "expected": 40,
    ...                   "observed": [40, 36, 30, 22]})
    >>> trend = completion_trend(t)
    >>> trend.trend, trend.first_pct, trend.last_pct
    (True, 100.0, 55.0)
    >>> completion_trend(t, reading="week").text.split(" (")[0]
    'WARNING: completion depends on the week'
    """
    days = table["day"].to_numpy(dtype=float)
    n = table["expected"].to_numpy(dtype=float)
    x = table["observed"].to_numpy(dtype=float)
    if len(days) < 3 or n.sum() == 0 or x.sum() in (0, n.sum()):
        return None
    p_bar = x.sum() / n.sum()
    d_bar = (n * days).sum() / n.sum()
    variance = p_bar * (1 - p_bar) * (n * (days - d_bar) ** 2).sum()
    z = float((x * (days - d_bar)).sum() / math.sqrt(variance))
    p_value = math.erfc(abs(z) / math.sqrt(2.0))  # two-sided normal tail
    first, last = 100 * x[0] / max(n[0], 1), 100 * x[-1] / max(n[-1], 1)
    trend = p_value < alpha
    r = reading
    where = f"{first:.0f}% on {r} {days[0]:g} to {last:.0f}% on {r} {days[-1]:g}"
    if trend:
        text = (
            f"WARNING: completion depends on the {r} (from {where}; trend test z = {z:.2f},"
            f" P = {p_value:.2g}): the AUC's cell-mean filling and a constant-effect daily"
            f" model over-weight the well-completed {r}s; daily_decay (an effect by {r},"
            f" averaged over all {r}s equally) estimates the all-{r}s mean honestly"
        )
    else:
        text = f"completion shows no trend over the {r}s (from {where}; P = {p_value:.2g})"
    return CompletionTrend(z, p_value, float(first), float(last), bool(trend), text)
