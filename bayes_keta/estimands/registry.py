"""The estimands the workbench reports, declared once: adding an estimand is one entry here.

Each :class:`Estimand` names its scale kind (``"outcome"``: per-reading units such as NRS
points; ``"auc"``: units x readings; ``"percent"``), says in words what it is, computes its
draws from the daily difference curves (:class:`Curves`) and says for which follow-up lengths it
exists. The tables (:func:`bayes_keta.estimands.contrast_table`), the draws, the exports, the
summary schema's enum (a test holds ``bayes_keta/schemas/summary.schema.json`` to
:data:`ESTIMANDS`) and the plain-language text all read this registry.

===========================  =========  ==================================================
name                         scale      definition
===========================  =========  ==================================================
``mean_daily_difference``    outcome    mean over days 1..D of the daily difference
``auc_difference``           auc        D x ``mean_daily_difference`` (area between curves)
``week_1``                   outcome    mean over days 1..7 (needs D >= 7)
``day_7`` ... ``day_28``     outcome    difference on that day (:data:`SECONDARY_DAYS`)
``relative_change_pct``      percent    100 x (mean active - mean ref) / mean ref, arm
                                        means over days 1..D (a ratio of arm means)
===========================  =========  ==================================================

A contrast is ``arm_mean[active] - arm_mean[reference]``; the direction of benefit comes from
the outcome (:attr:`bayes_keta.outcome.Outcome.better`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial

import xarray as xr

from bayes_keta.constants import SECONDARY_DAYS
from bayes_keta.outcome import SCALE_KINDS, Outcome

__all__ = ["ESTIMANDS", "Curves", "Estimand", "estimand", "estimand_names", "scale_labels"]

_WEEK_1_DAYS = 7


@dataclass(frozen=True)
class Curves:
    """What every estimand is computed from.

    Attributes
    ----------
    arm_mean : xarray.DataArray
        Draws of the typical subject's expected reading per arm and day, dims
        ``(chain, draw, treatment, day)``, days ``1..n_days``.
    by_day : xarray.DataArray
        Daily differences active - reference, dims ``(chain, draw, contrast, day)``, with
        coords ``active`` and ``reference`` along ``contrast``.
    n_days : int
        Readings (days) per period.
    """

    arm_mean: xr.DataArray = field(repr=False)
    by_day: xr.DataArray = field(repr=False)
    n_days: int


def _always(n_days: int) -> bool:
    return True


def _covers(day: int, n_days: int) -> bool:
    return day <= n_days


@dataclass(frozen=True)
class Estimand:
    """One scalar estimand: a function of the daily difference curves.

    Attributes
    ----------
    name : str
        Identifier in tables, files and the summary schema.
    scale : {"outcome", "auc", "percent"}
        Kind of scale (see :mod:`bayes_keta.outcome`); thresholds and units follow from it.
    description : str
        One line on what it is (docs, exports).
    compute : callable
        ``compute(curves) -> DataArray`` with dims ``chain``, ``draw``, ``contrast``.
    available : callable
        ``available(n_days) -> bool``: whether the follow-up is long enough.
    in_text : bool
        Whether the plain-language summary has sentences for it (the others are in the table
        only).
    """

    name: str
    scale: str
    description: str
    compute: Callable[[Curves], xr.DataArray] = field(repr=False)
    available: Callable[[int], bool] = field(default=_always, repr=False)
    in_text: bool = False

    def __post_init__(self) -> None:
        if self.scale not in SCALE_KINDS:
            raise ValueError(f"estimand {self.name!r}: scale must be one of {SCALE_KINDS}")


# ------------------------------------------------------------------------------ computations
def _mean_daily(c: Curves) -> xr.DataArray:
    return c.by_day.mean("day")


def _auc(c: Curves) -> xr.DataArray:
    return c.n_days * c.by_day.mean("day")


def _week_1(c: Curves) -> xr.DataArray:
    return c.by_day.sel(day=slice(1, _WEEK_1_DAYS)).mean("day")


def _on_day(day: int, c: Curves) -> xr.DataArray:
    return c.by_day.sel(day=day, drop=True)


def _relative(c: Curves) -> xr.DataArray:
    arm_avg = c.arm_mean.mean("day")
    active = arm_avg.sel(treatment=c.by_day["active"], drop=True)
    reference = arm_avg.sel(treatment=c.by_day["reference"], drop=True)
    return 100.0 * (active - reference) / reference


#: Every estimand, in reporting order.
ESTIMANDS: tuple[Estimand, ...] = (
    Estimand(
        "mean_daily_difference",
        "outcome",
        "mean over days 1..D of the daily difference active - reference",
        _mean_daily,
        in_text=True,
    ),
    Estimand(
        "auc_difference",
        "auc",
        "area between the arms' daily curves over days 1..D (D x mean_daily_difference)",
        _auc,
        in_text=True,
    ),
    Estimand(
        "week_1",
        "outcome",
        "mean daily difference over days 1..7",
        _week_1,
        available=partial(_covers, _WEEK_1_DAYS),
    ),
    *(
        Estimand(
            f"day_{d}",
            "outcome",
            f"difference on day {d}",
            partial(_on_day, d),
            available=partial(_covers, d),
        )
        for d in SECONDARY_DAYS
    ),
    Estimand(
        "relative_change_pct",
        "percent",
        "100 x (active - reference) / reference of the arm means over days 1..D (a ratio of"
        " arm means, not a within-patient change)",
        _relative,
        in_text=True,
    ),
)

_BY_NAME = {e.name: e for e in ESTIMANDS}


def estimand(name: str) -> Estimand:
    """Return the registered estimand called ``name``.

    Raises
    ------
    ValueError
        No such estimand.

    Examples
    --------
    >>> estimand("week_1").scale
    'outcome'
    """
    try:
        return _BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown estimand {name!r}; known: {list(_BY_NAME)}") from None


def estimand_names() -> tuple[str, ...]:
    """Return the names of every estimand, in reporting order.

    Examples
    --------
    >>> estimand_names()[:2]
    ('mean_daily_difference', 'auc_difference')
    """
    return tuple(_BY_NAME)


def scale_labels(outcome: Outcome | None = None) -> dict[str, str]:
    """Return the scale each estimand is written under (column ``scale``) for an outcome.

    Examples
    --------
    >>> scale_labels()["mean_daily_difference"], scale_labels()["auc_difference"]
    ('nrs', 'auc')
    """
    outcome = Outcome.nrs_0_10() if outcome is None else outcome
    return {e.name: outcome.scale_label(e.scale) for e in ESTIMANDS}
