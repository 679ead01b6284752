"""What kind of crossover a trial is: 2x2, Williams or Latin square, readings per period.

The class is read from the treatments each subject actually received in each period (not the
declared ``sequence`` codes), over the subjects with every period (drop-outs are counted
apart). Definitions (Jones & Kenward, Design and Analysis of Cross-Over Trials, 3rd ed. 2014;
Senn, Cross-over Trials in Clinical Research, 2nd ed. 2002):

* **uniform**: within each period, every treatment appears equally often over the distinct
  sequences (a Latin square, or several);
* **Williams** (balanced for first-order carryover): uniform, and every ordered pair of
  different treatments is consecutive equally often (for 3 treatments: all 6 orderings);
* **2x2**: two treatments, two periods, sequences AB and BA;
* **replicated**: some subject receives a treatment in more than one period (the data
  contract refuses that today, so a valid trial is never replicated: individual response is
  then not identified apart from the within-subject variation, Senn 2016).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from bayes_keta.data.trial import Trial

__all__ = ["DesignClass", "classify_design"]


@dataclass(frozen=True)
class DesignClass:
    """The class of a crossover design (see the module docstring).

    Attributes
    ----------
    name : str
        ``"2x2 (AB/BA)"``, ``"3x3 Williams"``, ``"4x4 Latin square"``, ...
    n_treatments, n_periods, n_sequences : int
        Treatments used, periods, distinct sequences among the subjects with every period.
    readings_per_period : int
        Readings a subject-period can have (the largest ``day``).
    uniform, williams, replicated : bool
        See the module docstring.
    sequences_balanced : bool
        Every distinct sequence has the same number of subjects.
    text : str
        One line, e.g. ``"3x3 Williams, 6 sequences, 35 readings per period, not replicated"``.
    """

    name: str
    n_treatments: int
    n_periods: int
    n_sequences: int
    readings_per_period: int
    uniform: bool
    williams: bool
    replicated: bool
    sequences_balanced: bool
    text: str

    @property
    def one_reading(self) -> bool:
        """Whether each subject-period has a single reading (day-level models cannot fit)."""
        return self.readings_per_period == 1

    def to_dict(self) -> dict[str, object]:
        """JSON-able record (``one_reading`` included)."""
        return {**self.__dict__, "one_reading": self.one_reading}


def _orders(trial: Trial) -> tuple[list[tuple[str, ...]], bool]:
    """Treatment order of each subject with every period, and whether any is replicated."""
    cells = trial.cells.sort_values(["subject_idx", "period_idx"])
    orders, replicated = [], False
    for _, sub in cells.groupby("subject", sort=False):
        order = tuple(str(t) for t in sub["treatment"])
        replicated |= len(set(order)) < len(order)
        if len(order) == len(trial.periods):
            orders.append(order)
    return orders, replicated


def _uniform(sequences: list[tuple[str, ...]], treatments: set[str]) -> bool:
    for position in zip(*sequences, strict=True):
        counts = Counter(position)
        if set(counts) != treatments or len(set(counts.values())) != 1:
            return False
    return True


def _carryover_balanced(sequences: list[tuple[str, ...]], treatments: set[str]) -> bool:
    pairs = Counter((a, b) for seq in sequences for a, b in zip(seq, seq[1:], strict=False))
    wanted = {(a, b) for a in treatments for b in treatments if a != b}
    return set(pairs) == wanted and len(set(pairs.values())) == 1


def _readings(n: int) -> str:
    return "one reading per period" if n == 1 else f"{n} readings per period"


def classify_design(trial: Trial) -> DesignClass:
    """Classify a trial's crossover design (see the module docstring).

    Examples
    --------
    >>> import bayes_keta as bk
    >>> classify_design(bk.ketapain_synthetic()).text.split(", ")[::2]
    ['3x3 Williams', '35 readings per period']
    """
    orders, replicated = _orders(trial)
    distinct = sorted(set(orders))
    counts = Counter(orders)
    used = {str(t) for t in trial.cells["treatment"].unique()}
    t, p = len(used), len(trial.periods)
    uniform = bool(distinct) and _uniform(distinct, used)
    williams = uniform and p > 1 and _carryover_balanced(distinct, used)
    if t == 2 and p == 2 and set(distinct) == {tuple(sorted(used)), tuple(sorted(used))[::-1]}:
        name = "2x2 (AB/BA)"
    elif t == p and williams:
        name = f"{t}x{t} Williams"
    elif t == p and uniform:
        name = f"{t}x{t} Latin square (not balanced for first-order carryover)"
    elif p < t:
        name = f"incomplete: {t} treatments in {p} periods"
    else:
        name = f"{t} treatments x {p} periods (not uniform within periods)"
    balanced = len(set(counts.values())) <= 1
    text = (
        f"{name}, {len(distinct)} sequence{'s' if len(distinct) != 1 else ''}"
        f"{'' if balanced else ' (unequal numbers of subjects)'}, {_readings(trial.n_days)},"
        f" {'replicated' if replicated else 'not replicated'}"
    )
    return DesignClass(
        name=name,
        n_treatments=t,
        n_periods=p,
        n_sequences=len(distinct),
        readings_per_period=int(trial.n_days),
        uniform=uniform,
        williams=williams,
        replicated=replicated,
        sequences_balanced=balanced,
        text=text,
    )
