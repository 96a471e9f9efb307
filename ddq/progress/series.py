"""The figures of weekly series: slope, current level, clarity of the trend, XmR signals.

Computed with numpy for every series at once (rows of an array, weeks in columns, NaN for
a week not reported), so an organisation's progress takes one pass.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np

from ddq import xmr
from ddq.progress.status import CURRENT_WEEKS, SLOPE_WEEKS, XMR_BASELINE_WEEKS


def theil_sen(xs: Sequence[float], ys: Sequence[float | None]) -> float | None:
    """The median of the slopes between every pair of points (None for fewer than two).

    Points whose y is None are left out. Robust: up to about 29% of the points can be
    wild without moving the estimate far, where a least-squares line follows every outlier.
    """
    points = [(x, y) for x, y in zip(xs, ys, strict=True) if y is not None and not math.isnan(y)]
    slopes = sorted(
        (y2 - y1) / (x2 - x1)
        for i, (x1, y1) in enumerate(points)
        for x2, y2 in points[i + 1 :]
        if x2 != x1
    )
    if not slopes:
        return None
    middle = len(slopes) // 2
    return slopes[middle] if len(slopes) % 2 else (slopes[middle - 1] + slopes[middle]) / 2


def _series_figures(
    values: np.ndarray, lower_is_better: np.ndarray, floor: np.ndarray, ceiling: np.ndarray
) -> dict[str, np.ndarray]:
    """Per series (rows of ``values``, weeks in columns, NaN = not reported): the figures.

    Returns arrays: ``current``, ``centre`` (column the current level is centred on),
    ``reported`` (in the last SLOPE_WEEKS), ``last_col`` (last reported column, -1 none),
    ``slope`` (NaN with fewer than 2 points) and ``signal_col`` (last good XmR signal, -1).
    """
    n, width = values.shape
    cols = np.arange(width)
    valid = ~np.isnan(values)
    recent = values[:, -SLOPE_WEEKS:]
    recent_valid = valid[:, -SLOPE_WEEKS:]
    offset = width - recent.shape[1]
    reported = recent_valid.sum(axis=1)

    # Current level: the last CURRENT_WEEKS reported weeks among the recent ones.
    from_right = np.cumsum(recent_valid[:, ::-1], axis=1)[:, ::-1]
    chosen = recent_valid & (from_right <= CURRENT_WEEKS)
    count = chosen.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        current = np.where(chosen, recent, 0.0).sum(axis=1) / count
        centre = np.where(chosen, cols[offset:], 0).sum(axis=1) / count + 0.0
    last_col = np.where(valid.any(axis=1), width - 1 - valid[:, ::-1].argmax(axis=1), -1)

    # Theil-Sen over the recent weeks: the median of every pair's slope.
    first_i, second_i = np.triu_indices(recent.shape[1], k=1)
    slopes = (recent[:, second_i] - recent[:, first_i]) / (second_i - first_i)
    slope = np.full(n, np.nan)
    enough = reported >= 2
    if enough.any():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            slope[enough] = np.nanmedian(slopes[enough], axis=1)
    # How clearly it moves: of the pairs of weeks whose values differ, the share that goes
    # the good way (ties say nothing either way; NaN when no pair differs).
    signed = slopes * np.where(lower_is_better, -1.0, 1.0)[:, None]
    good, bad = (signed > 0).sum(axis=1), (signed < 0).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        agreement = good / (good + bad)

    return {
        "current": current,
        "centre": centre,
        "reported": reported,
        "last_col": last_col,
        "slope": slope,
        "agreement": agreement,
        "signal_col": _last_good_signal(values, valid, lower_is_better, floor, ceiling),
    }


def _last_good_signal(
    values: np.ndarray,
    valid: np.ndarray,
    lower_is_better: np.ndarray,
    floor: np.ndarray,
    ceiling: np.ndarray,
) -> np.ndarray:
    """Per series, the last column that is an XmR signal in the good direction (-1: none).

    The same rules as :mod:`ddq.xmr` (limits from the series' first XMR_BASELINE_WEEKS
    columns that follow its first reported one, clipped to ``floor``/``ceiling``; a point
    outside the limits, or in a run of RUN_LENGTH reported points on one side of the centre
    line; unreported weeks skipped), computed for all series at once.
    """
    n, width = values.shape
    cols = np.arange(width)
    rows_i = np.arange(n)[:, None]
    first = np.where(valid.any(axis=1), valid.argmax(axis=1), width)
    in_base = valid & (cols >= first[:, None]) & (cols < first[:, None] + XMR_BASELINE_WEEKS)
    points = in_base.sum(axis=1)
    # The previous reported column of each column (-1: none), for moving ranges.
    seen = np.maximum.accumulate(np.where(valid, cols, -1), axis=1)
    previous = np.concatenate([np.full((n, 1), -1), seen[:, :-1]], axis=1)
    ranged = in_base & (previous >= 0)
    moving = np.abs(values - values[rows_i, np.maximum(previous, 0)])
    with np.errstate(invalid="ignore", divide="ignore"):
        centre = np.where(in_base, values, 0.0).sum(axis=1) / points
        mean_range = np.where(ranged, moving, 0.0).sum(axis=1) / ranged.sum(axis=1)
    lower = np.maximum(centre - xmr.NATURAL_LIMIT_FACTOR * mean_range, floor)
    upper = np.minimum(centre + xmr.NATURAL_LIMIT_FACTOR * mean_range, ceiling)
    has_limits = points >= xmr.MIN_BASELINE_POINTS
    good_side = np.where(lower_is_better, -1, 1)

    with np.errstate(invalid="ignore"):
        above, below = values > upper[:, None], values < lower[:, None]
        side = np.sign(values - centre[:, None])
    outside_good = valid & np.where(lower_is_better[:, None], below, above)
    last = np.full(n, -1)
    run_length = np.zeros(n, dtype=np.int64)
    run_side = np.zeros(n)
    for col in range(width):
        here = valid[:, col]
        s = np.nan_to_num(side[:, col])
        continues = here & (s != 0) & (s == run_side)
        run_length = np.where(here, np.where(continues, run_length + 1, (s != 0) * 1), run_length)
        run_side = np.where(here, s, run_side)
        good = outside_good[:, col] | (
            here & (run_length >= xmr.RUN_LENGTH) & (run_side == good_side)
        )
        last = np.where(good, col, last)
    return np.where(has_limits, last, -1)
