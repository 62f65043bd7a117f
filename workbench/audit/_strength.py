"""How sure a breach is: a p-value per group and bounded metric, Benjamini-Hochberg q-values
across the whole audit, and the smallest gap a group's rows could detect.

A breach is robust when two things hold. Its whole confidence interval lies outside the
allowed range (the bound, with the bootstrap's uncertainty). And the disparity behind it is
real: its test of "no disparity" (the metric at its ideal value) stays significant after
Benjamini-Hochberg control of the false discovery rate over every group and metric tested,
so an audit of a model without any group effect reports a robust breach in at most that share
of audits, however many intersections it tests.

The tests are exact or analytic, so they work without the bootstrap and resolve p-values far
below 1/replicates, which Benjamini-Hochberg over hundreds of tests needs:

- a **difference of rates** (statistical parity, disparate impact, equal opportunity, false
  negative and false positive rate, error rate, precision): Fisher's exact test of the 2x2
  table (group and compared rows, hits and misses of that rate), two-sided by doubling the
  smaller tail. Exact and conservative, it keeps its level in groups of a few dozen rows and
  at rates near 0 or 1, where a z-test's tails are far too light for the small levels
  Benjamini-Hochberg uses;
- **average odds, equalized odds, average absolute odds**: each is 0 when the true and the
  false positive rates are both equal; their Fisher tests are independent (disjoint rows), so
  the smaller p-value is combined by Sidak, 1 - (1 - min p)^2;
- the **between-group Theil index** is 0 when the group's mean benefit (1 + decision - label)
  equals that of the rows it is compared with: Welch's z-test of the two means.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from workbench.audit._registry import BETWEEN

if TYPE_CHECKING:
    from workbench.audit._bounds import FairnessBounds

POWER = 0.8
# Each metric that compares one rate: the cells (of tp, fp, tn, fn) counted as hits, and those
# counted as trials, of that rate.
PROPORTIONS = {
    "statistical_parity_difference": ((0, 1), (0, 1, 2, 3)),
    "disparate_impact": ((0, 1), (0, 1, 2, 3)),
    "equal_opportunity_difference": ((0,), (0, 3)),
    "false_negative_rate_difference": ((3,), (0, 3)),
    "error_rate_difference": ((1, 3), (0, 1, 2, 3)),
    "false_positive_rate_difference": ((1,), (1, 2)),
    "precision_difference": ((0,), (0, 1)),
}
ODDS = ("average_odds_difference", "equalized_odds_difference", "average_abs_odds_difference")
# The metrics whose detectable gap is reported: the differences of one rate, each rate once
# (disparate impact compares selection rates, equal opportunity the false negative rate's
# complement).
DETECTABLE = tuple(
    name
    for name in BETWEEN
    if name in PROPORTIONS and name not in ("disparate_impact", "equal_opportunity_difference")
)
RateCells = tuple[tuple[int, ...], tuple[int, ...]]


def _proportion(counts: np.ndarray, cells: RateCells) -> tuple[np.ndarray, np.ndarray]:
    hits, trials = cells
    return counts[..., list(hits)].sum(axis=-1), counts[..., list(trials)].sum(axis=-1)


def _fisher(group: np.ndarray, compared: np.ndarray, cells: RateCells) -> np.ndarray:
    """Two-sided Fisher exact p-value (twice the smaller tail) of equal rates, per group; NaN
    where either side has no trials."""
    from scipy.stats import hypergeom  # loaded with the first audit, not with the app's page

    (hits, trials), (other_hits, other_trials) = (
        _proportion(group, cells),
        _proportion(compared, cells),
    )
    total, drawn = trials + other_trials, hits + other_hits
    with np.errstate(invalid="ignore"):
        upper = hypergeom.sf(hits - 1, total, drawn, trials)
        lower = hypergeom.cdf(hits, total, drawn, trials)
    p = np.minimum(1.0, 2.0 * np.minimum(upper, lower))
    return np.where((trials == 0) | (other_trials == 0), np.nan, p)


def _benefit_p(group: np.ndarray, compared: np.ndarray) -> np.ndarray:
    """Welch z-test p-value of equal mean benefit (tp, tn: 1; fp: 2; fn: 0)."""
    from scipy.special import ndtr

    moments = []
    for counts in (group, compared):
        tp, fp, tn, fn = np.moveaxis(counts, -1, 0)
        size = tp + fp + tn + fn
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = (tp + tn + 2 * fp) / size
            variance = ((tp + tn) * (1 - mean) ** 2 + fp * (2 - mean) ** 2 + fn * mean**2) / size
        moments.append((mean, variance, size))
    (mean, variance, size), (other_mean, other_variance, other_size) = moments
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.sqrt(variance / size + other_variance / other_size)
        p = 2.0 * ndtr(-np.abs(mean - other_mean) / error)
    p = np.where(error == 0, 1.0, p)
    return np.where((size == 0) | (other_size == 0), np.nan, p)


def p_values(
    group: np.ndarray, compared: np.ndarray, bounds: FairnessBounds
) -> dict[str, np.ndarray]:
    """p-value of "no disparity" for each group's bounded metrics (NaN where unbounded or
    undefined), from the confusion counts (groups, 4) of each group and of what it is compared
    with."""
    fisher = {name: _fisher(group, compared, cells) for name, cells in PROPORTIONS.items()}
    smaller = np.fmin(
        fisher["equal_opportunity_difference"], fisher["false_positive_rate_difference"]
    )
    both = np.isnan(fisher["equal_opportunity_difference"]) | np.isnan(
        fisher["false_positive_rate_difference"]
    )
    odds = np.where(both, np.nan, 1.0 - (1.0 - smaller) ** 2)
    found: dict[str, np.ndarray] = {}
    for metric in BETWEEN:
        if bounds.limits(metric) is None:
            found[metric] = np.full(len(group), np.nan)
        elif metric in PROPORTIONS:
            found[metric] = fisher[metric]
        elif metric in ODDS:
            found[metric] = odds
        else:
            found[metric] = _benefit_p(group, compared)
    return found


def q_values(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values of the defined entries of ``p`` (NaN stays NaN)."""
    p = np.asarray(p, dtype=np.float64)
    q = np.full(p.shape, np.nan)
    tested = np.flatnonzero(np.isfinite(p))
    if len(tested) == 0:
        return q
    order = tested[np.argsort(p[tested], kind="stable")]
    ranked = p[order] * len(order) / np.arange(1, len(order) + 1)
    q[order] = np.minimum(1.0, np.minimum.accumulate(ranked[::-1])[::-1])
    return q


def null_errors(group: np.ndarray, compared: np.ndarray) -> dict[str, np.ndarray]:
    """Standard error of each rate gap if the group had the compared rows' rate (with one hit
    and one miss added, so that a rate of 0 or 1 still has one), per metric of
    ``DETECTABLE``; NaN where either side has no trials."""
    errors = {}
    for metric in DETECTABLE:
        (_, trials), (other_hits, other_trials) = (
            _proportion(group, PROPORTIONS[metric]),
            _proportion(compared, PROPORTIONS[metric]),
        )
        other = (other_hits + 1) / (other_trials + 2)
        with np.errstate(divide="ignore"):
            error = np.sqrt(other * (1 - other) * (1 / trials + 1 / other_trials))
        errors[metric] = np.where((trials == 0) | (other_trials == 0), np.nan, error)
    return errors


def detectable_gaps(
    errors: pd.DataFrame,
    bounds: FairnessBounds,
    *,
    confidence: float,
    false_discovery_rate: float,
    tests: int,
) -> pd.DataFrame:
    """The smallest |gap| of each rate that the audit calls a robust breach with 80% power,
    were it the only one: its interval must clear the bound (bound + (z of the confidence +
    z of 80%) standard errors) and its test must pass the level Benjamini-Hochberg asks of a
    first discovery, FDR / tests ((z of that level + z of 80%) standard errors); the larger of
    the two. NaN where unbounded or undefined."""
    from scipy.special import ndtri

    power = ndtri(POWER)
    interval = ndtri(0.5 + confidence / 2) + power
    test = ndtri(1.0 - false_discovery_rate / (2 * max(tests, 1))) + power
    gaps = {}
    for metric in DETECTABLE:
        limits = bounds.limits(metric)
        limit = math.nan if limits is None else limits[1]
        error = errors[metric].to_numpy()
        gaps[f"{metric}_detectable"] = np.maximum(limit + interval * error, test * error)
    return pd.DataFrame(gaps, index=errors.index)
