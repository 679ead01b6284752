r"""Per-cell sufficient statistics of the observed days, computed once from the data (NumPy).

The marginal daily models (:mod:`bayes_keta.models.marginal`, :mod:`bayes_keta.models.hte`)
need each subject-period's (cell's) :math:`A = 1^T\Sigma^{-1}1`, :math:`B = 1^T\Sigma^{-1}r`,
:math:`C = r^T\Sigma^{-1}r` and :math:`\log|\Sigma|`. Computed from every reading inside the
log density, they cost O(readings) per gradient; from the statistics here they cost
O(cells) (constant effect), O(cells x days) (time-varying effect: day-indexed sums) or
O(cells x distinct gaps) (AR(1)), whatever the number of readings:

* iid: the number of observed days, their sum and sum of squares;
* time-varying effect (iid): also the cell-by-day table of readings and which days are
  observed, so that the sums of :math:`r_t = y_t - h(t)` follow as dense sums over days;
* AR(1): the first observed day, and for each gap length :math:`g` between consecutive
  observed days the count and the sums of :math:`y_t`, :math:`y_{t-g}`, :math:`y_t^2`,
  :math:`y_t y_{t-g}` and :math:`y_{t-g}^2` over the days that follow a gap of :math:`g`.

Only the values of the readings enter (not the parameters), so other observed data (SBC,
assurance) give other statistics of the same shapes: :meth:`CellLayout.statistics` computes
them, and the fitting pipeline sets them beside ``pain_data``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["CellLayout"]


@dataclass(frozen=True)
class CellLayout:
    """Where each observed reading sits (cell, day, gap), and which statistics are wanted.

    Attributes
    ----------
    cell_idx, day_idx : numpy.ndarray
        Cell and day index of each reading (sorted by cell, then day).
    prev, gap : numpy.ndarray
        Index of the previous observed reading of the same cell (-1 for a cell's first) and
        the number of days since it (1 for a first).
    n_cells, n_days : int
        Number of cells and of days per period.
    ar1 : bool
        AR(1) statistics (by gap length) instead of iid sums.
    by_day : bool
        Also the cell-by-day tables (a time-varying treatment effect).

    Examples
    --------
    Two cells: days 0, 1, 3 observed in the first, day 1 in the second.

    >>> layout = CellLayout(
    ...     cell_idx=np.array([0, 0, 0, 1]), day_idx=np.array([0, 1, 3, 1]),
    ...     prev=np.array([-1, 0, 1, -1]), gap=np.array([1, 1, 2, 1]),
    ...     n_cells=2, n_days=4, ar1=True, by_day=False,
    ... )
    >>> layout.gaps.tolist()
    [1, 2]
    >>> stats = layout.statistics(np.array([2.0, 3.0, 5.0, 4.0]))
    >>> stats["cell_n_obs"].tolist(), stats["cell_pain_first"].tolist()
    ([3.0, 1.0], [2.0, 4.0])
    >>> stats["cell_gap_cross"].tolist()  # y_t * y_{t-g}: 3 * 2 after gap 1, 5 * 3 after gap 2
    [[6.0, 15.0], [0.0, 0.0]]
    """

    cell_idx: np.ndarray
    day_idx: np.ndarray
    prev: np.ndarray
    gap: np.ndarray
    n_cells: int
    n_days: int
    ar1: bool = False
    by_day: bool = False

    @property
    def gaps(self) -> np.ndarray:
        """The distinct gap lengths between consecutive observed days (AR(1) statistics)."""
        return np.unique(self.gap[self.prev >= 0])

    def statistics(self, pain: np.ndarray) -> dict[str, np.ndarray]:
        """Statistics of readings ``pain`` (one per reading), by the names the models use.

        Returns
        -------
        dict of str to numpy.ndarray
            ``cell_n_obs`` always; iid: ``cell_pain_sum``, ``cell_pain_sumsq`` (cell,), with
            ``by_day`` also ``cell_day_pain`` and ``cell_day_seen`` (cell, day); AR(1):
            ``cell_pain_first`` (cell,), ``gap_length`` (gap,) and ``cell_gap_n``,
            ``cell_gap_sum``, ``cell_gap_sum_prev``, ``cell_gap_sumsq``, ``cell_gap_cross``,
            ``cell_gap_sumsq_prev`` (cell, gap).
        """
        y = np.asarray(pain, dtype=float)
        cells = self.cell_idx
        out = {"cell_n_obs": np.bincount(cells, minlength=self.n_cells).astype(float)}
        if not self.ar1:
            out["cell_pain_sum"] = self._by_cell(y)
            out["cell_pain_sumsq"] = self._by_cell(y * y)
            if self.by_day:
                table = np.zeros((self.n_cells, self.n_days))
                seen = np.zeros((self.n_cells, self.n_days))
                np.add.at(table, (cells, self.day_idx), y)
                np.add.at(seen, (cells, self.day_idx), 1.0)
                out["cell_day_pain"], out["cell_day_seen"] = table, seen
            return out
        first = self.prev < 0
        out["cell_pain_first"] = self._by_cell(np.where(first, y, 0.0))
        gaps = self.gaps
        out["gap_length"] = gaps.astype(float)
        later = np.flatnonzero(~first)
        column = np.searchsorted(gaps, self.gap[later])
        now, before = y[later], y[self.prev[later]]
        for name, values in (
            ("cell_gap_n", np.ones_like(now)),
            ("cell_gap_sum", now),
            ("cell_gap_sum_prev", before),
            ("cell_gap_sumsq", now * now),
            ("cell_gap_cross", now * before),
            ("cell_gap_sumsq_prev", before * before),
        ):
            table = np.zeros((self.n_cells, len(gaps)))
            np.add.at(table, (cells[later], column), values)
            out[name] = table
        return out

    def _by_cell(self, values: np.ndarray) -> np.ndarray:
        return np.bincount(self.cell_idx, weights=values, minlength=self.n_cells)
