"""Calibration by group, from the scores: expected calibration error, Brier score, ROC AUC and
the reliability curve of each group, and their gaps against the group's reference.

Choices, and why:

- **Bins**: the expected calibration error (ECE) and the reliability curve use ten equal-width
  bins of the score, as scikit-learn's ``calibration_curve(strategy="uniform")`` (values on an
  inner edge fall in the lower bin). Equal-width bins are fixed by the score alone, so every
  group and every bootstrap replicate is binned the same way, the curves of two groups can be
  laid over each other, and the bootstrap reduces to weighted sums (equal-mass bins move with
  each group and replicate). ECE = sum over bins of (rows in bin / rows) * |observed rate -
  mean score|.
- **Intervals**: the ordinary bootstrap of the rows (each replicate draws the rows with
  replacement; the same draws for every group of a level), as for the other metrics. ECE is
  never negative and grows with noise, so its intervals (and those of its difference) are
  shifted by the bootstrap's estimate of bias, as ``bias_corrected_interval``; the others are
  percentile intervals.
- **Tests** of "no disparity", analytic so that Benjamini-Hochberg over hundreds of tests can
  use them: the ECE difference by the Cochran-Mantel-Haenszel test (with continuity
  correction) of the group's against the reference's observed rate within each score bin: it
  asks whether the same score goes with a different risk, whatever the model's calibration
  overall and whatever the groups' score distributions, and it is immune to the upward bias of
  a small group's ECE. It detects a score that over- or understates a group's risk; a
  miscalibration that changes direction across the scores shows in the ECE and its interval
  but stays a possible breach. The Brier score difference by Welch's test of the mean squared
  error per row; the ROC AUC difference by a z-test with DeLong's variance of each AUC (the
  group and its reference are disjoint rows, so the two are independent), where the group's
  variance is at least Hanley and McNeil's for its rows at the reference's AUC (its variance
  were there no disparity): in groups of a few dozen rows DeLong's estimate is unstable and
  smallest where the AUC is highest, and alone it rejected a true null 1.7% of the time at a
  level of 0.1% in simulation (crisis_text's groups, calibrated scores); with the floor, 0%.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.special import ndtr
from scipy.stats import chi2, rankdata

from workbench.audit._bootstrap import interval
from workbench.audit._metrics import divide

N_BINS = 10
EDGES = np.linspace(0.0, 1.0, N_BINS + 1)
# Bootstrap row weights are drawn this many at a time at most (replicates x rows).
_CHUNK = 2_000_000


@dataclass(frozen=True)
class LevelCalibration:
    """One level's calibration: per group, against its reference, and the reliability curve.

    ``by_group`` and ``between`` map column names (metric, ``_low``, ``_high``; ``_p`` in
    ``between``) to one value per group; ``curve`` has one row per group and non-empty bin
    (``group`` the group's position).
    """

    by_group: dict[str, np.ndarray]
    between: dict[str, np.ndarray]
    curve: pd.DataFrame


def has_scores(scores: np.ndarray) -> bool:
    """Whether the predictions are scores, not only 0/1 decisions."""
    return not np.isin(scores, (0.0, 1.0)).all()


def score_bins(scores: np.ndarray) -> np.ndarray:
    """Each score's bin, 0 to ``N_BINS - 1``, as scikit-learn's uniform ``calibration_curve``."""
    return np.searchsorted(EDGES[1:-1], scores)


def level_calibration(
    scores: np.ndarray,
    truth: np.ndarray,
    group: np.ndarray,
    *,
    n_groups: int,
    reference: int | None,
    replicates: int,
    confidence: float,
    min_group_size: int,
    rng: np.random.Generator,
) -> LevelCalibration:
    """Calibration of each group (``group``: each row's position in ``0..n_groups-1``) and its
    differences against ``reference`` (None: all other rows), with ``replicates`` bootstrap
    draws from ``rng`` (0: no intervals); the reference's own differences are NaN. p-values are
    computed for groups of at least ``min_group_size`` rows (NaN below: not tested)."""
    truth = truth.astype(np.float64)
    frame = _Frame(scores, truth, group, n_groups)
    point = frame.statistics(np.ones((1, len(scores))), reference)
    by_group = {name: point[name][0] for name in ("ece", "brier_score", "roc_auc")}
    between = {name: point[name][0] for name in _BETWEEN}
    boot = _bootstrap(frame, reference, replicates=replicates, rng=rng) if replicates else None
    for name, values in (*by_group.items(), *between.items()):
        target = by_group if name in by_group else between
        if boot is None:
            low = high = np.full(n_groups, np.nan)
        elif name.startswith("ece"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                bias = np.nanmean(boot[name], axis=0) - values
            low, high = interval(boot[name] - bias, confidence=confidence)
            if name == "ece":
                low, high = np.maximum(low, 0.0), np.maximum(high, 0.0)
        else:
            low, high = interval(boot[name], confidence=confidence)
        target[f"{name}_low"], target[f"{name}_high"] = low, high
    tested = np.bincount(group, minlength=n_groups) >= min_group_size
    auc_r = by_group["roc_auc"] - between["roc_auc_difference"]
    for name, p in frame.p_values(reference, tested, auc_r).items():
        between[f"{name}_p"] = p
    compared = np.full(n_groups, n_groups > 1)
    if reference is not None:
        compared[reference] = False
    between = {name: np.where(compared, values, np.nan) for name, values in between.items()}
    return LevelCalibration(by_group=by_group, between=between, curve=frame.curve())


_BETWEEN = ("ece_difference", "brier_score_difference", "roc_auc_difference")


def _bootstrap(
    frame: _Frame, reference: int | None, *, replicates: int, rng: np.random.Generator
) -> dict[str, np.ndarray]:
    rows = len(frame.scores)
    size = max(1, min(replicates, _CHUNK // max(rows, 1)))
    parts: dict[str, list[np.ndarray]] = {}
    done = 0
    while done < replicates:
        count = min(size, replicates - done)
        drawn = rng.integers(0, rows, size=(count, rows)) + rows * np.arange(count)[:, None]
        weights = np.bincount(drawn.ravel(), minlength=count * rows).reshape(count, rows)
        weights = weights.astype(np.float64)
        for name, values in frame.statistics(weights, reference).items():
            parts.setdefault(name, []).append(values)
        done += count
    return {name: np.concatenate(values) for name, values in parts.items()}


class _Frame:
    """Rows of one level coded once for weighted sums: score bins, tied scores, groups."""

    def __init__(
        self, scores: np.ndarray, truth: np.ndarray, group: np.ndarray, n_groups: int
    ) -> None:
        self.scores, self.truth, self.group, self.n_groups = scores, truth, group, n_groups
        rows = np.arange(len(scores))
        error = (scores - truth) ** 2
        cell = group * N_BINS + score_bins(scores)
        width = n_groups * N_BINS
        self.cells = sparse.csr_matrix(
            (np.concatenate([np.ones(len(rows)), scores, truth]), _stack(rows, cell, 3, width)),
            shape=(len(rows), 3 * width),
        )
        self.errors = sparse.csr_matrix((error, (rows, group)), shape=(len(rows), n_groups))
        # Tied scores share a level; pairs are counted per (group, level) and per level.
        _, level = np.unique(scores, return_inverse=True)
        self.n_levels = int(level.max()) + 1 if len(level) else 0
        positive = truth > 0
        self.by_level = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, level + self.n_levels * ~positive)),
            shape=(len(rows), 2 * self.n_levels),
        )
        pairs, local = np.unique(group * self.n_levels + level, return_inverse=True)
        self.local_level = pairs % self.n_levels
        self.local_group = pairs // self.n_levels
        self.starts = np.flatnonzero(np.r_[True, np.diff(self.local_group) != 0])
        self.n_local = len(pairs)
        self.by_local = sparse.csr_matrix(
            (np.ones(len(rows)), (rows, local + self.n_local * ~positive)),
            shape=(len(rows), 2 * self.n_local),
        )

    def statistics(self, weights: np.ndarray, reference: int | None) -> dict[str, np.ndarray]:
        """ECE, Brier score and ROC AUC per group and their differences against the reference,
        for each row of ``weights`` (replicates, rows)."""
        count, predicted, observed = _split(_times(weights, self.cells), 3, self.n_groups)
        rows = count.sum(axis=-1)
        error = _times(weights, self.errors)
        ece = divide(np.abs(observed - predicted).sum(axis=-1), rows)
        brier = divide(error, rows)
        u, positives, negatives, cross = self._pairs(weights)
        auc = divide(u, positives * negatives)
        if reference is None:
            count_r = count.sum(axis=1, keepdims=True) - count
            predicted_r = predicted.sum(axis=1, keepdims=True) - predicted
            observed_r = observed.sum(axis=1, keepdims=True) - observed
            rows_r = count_r.sum(axis=-1)
            ece_r = divide(np.abs(observed_r - predicted_r).sum(axis=-1), rows_r)
            brier_r = divide(error.sum(axis=1, keepdims=True) - error, rows_r)
            u_all, positives_all, negatives_all = cross[0]
            u_r = u_all[:, None] - cross[1] - cross[2] + u
            auc_r = divide(
                u_r, (positives_all[:, None] - positives) * (negatives_all[:, None] - negatives)
            )
        else:
            ece_r, brier_r, auc_r = (v[:, reference : reference + 1] for v in (ece, brier, auc))
        return {
            "ece": ece,
            "brier_score": brier,
            "roc_auc": auc,
            "ece_difference": ece - ece_r,
            "brier_score_difference": brier - brier_r,
            "roc_auc_difference": auc - auc_r,
        }

    def _pairs(
        self, weights: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, tuple[tuple[np.ndarray, ...], ...]]:
        """Weighted Mann-Whitney sums per group (ties count a half): the weight of (positive,
        negative) pairs ranked right, of positives and of negatives; and what the rest needs:
        the sums over all rows, and each group's positives and negatives paired with all rows."""
        positive, negative = _split(_times(weights, self.by_level), 2, 1)
        positive, negative = positive[:, 0], negative[:, 0]
        below = np.cumsum(negative, axis=1) - 0.5 * negative
        above = positive.sum(axis=1, keepdims=True) - np.cumsum(positive, axis=1) + 0.5 * positive
        totals = ((positive * below).sum(axis=1), positive.sum(axis=1), negative.sum(axis=1))
        positive_local, negative_local = _split(_times(weights, self.by_local), 2, 1)
        positive_local, negative_local = positive_local[:, 0], negative_local[:, 0]
        running = np.cumsum(negative_local, axis=1)
        start = np.where(self.starts > 0, running[:, self.starts - 1], 0.0)
        start = np.repeat(start, np.diff(np.r_[self.starts, self.n_local]), axis=1)
        local_below = running - start - 0.5 * negative_local
        u = self._per_group(positive_local * local_below)
        cross_positive = self._per_group(positive_local * below[:, self.local_level])
        cross_negative = self._per_group(negative_local * above[:, self.local_level])
        return (
            u,
            self._per_group(positive_local),
            self._per_group(negative_local),
            (totals, cross_positive, cross_negative),
        )

    def _per_group(self, values: np.ndarray) -> np.ndarray:
        out = np.zeros((len(values), self.n_groups))
        out[:, self.local_group[self.starts]] = np.add.reduceat(values, self.starts, axis=1)
        return out

    def p_values(
        self, reference: int | None, tested: np.ndarray, auc_r: np.ndarray
    ) -> dict[str, np.ndarray]:
        """p-values of no disparity for the ``tested`` groups (NaN for the others):
        Cochran-Mantel-Haenszel over the score bins for the ECE difference, Welch for the Brier
        score difference, DeLong for the AUC difference; NaN where a side has no rows (or, for
        the AUC, only one class)."""
        ones = np.ones((1, len(self.scores)))
        count, _, observed = (v[0] for v in _split(_times(ones, self.cells), 3, self.n_groups))
        error = (self.scores - self.truth) ** 2
        sums = np.stack(
            [
                np.bincount(self.group, weights=values, minlength=self.n_groups)
                for values in (np.ones(len(error)), error, error**2)
            ]
        )
        if reference is None:
            count_r, observed_r = count.sum(axis=0) - count, observed.sum(axis=0) - observed
            sums_r = sums.sum(axis=1, keepdims=True) - sums
        else:
            count_r, observed_r = count[reference][None, :], observed[reference][None, :]
            sums_r = sums[:, [reference]]
        found = {
            "ece_difference": _mantel_haenszel(count, observed, count_r, observed_r),
            "brier_score_difference": _welch(sums, sums_r),
            "roc_auc_difference": self._auc_p(reference, tested, auc_r),
        }
        return {name: np.where(tested, p, np.nan) for name, p in found.items()}

    def _auc_p(self, reference: int | None, tested: np.ndarray, auc_r: np.ndarray) -> np.ndarray:
        """z-test of equal AUC: the group's variance is the larger of DeLong's and Hanley and
        McNeil's at the reference's AUC ``auc_r``; the rest's is Hanley and McNeil's, a
        privileged group's DeLong's."""
        positive = self.truth > 0
        positives = np.bincount(self.group, weights=positive, minlength=self.n_groups)
        negatives = np.bincount(self.group, minlength=self.n_groups) - positives
        order = np.argsort(self.group, kind="stable")
        bounds = np.r_[0, np.cumsum(np.bincount(self.group, minlength=self.n_groups))]
        auc, variance = np.full((2, self.n_groups), np.nan)
        for g in np.flatnonzero(tested | (np.arange(self.n_groups) == reference)):
            rows = order[bounds[g] : bounds[g + 1]]
            auc[g], variance[g] = _delong(self.scores[rows], positive[rows])
        if reference is None:
            variance_r = _hanley_mcneil(
                auc_r, positives.sum() - positives, negatives.sum() - negatives
            )
        else:
            variance_r = np.full(self.n_groups, variance[reference])
        null = _hanley_mcneil(auc_r, positives, negatives)
        with np.errstate(invalid="ignore", divide="ignore"):
            error = np.sqrt(np.fmax(variance, null) + variance_r)
            p = 2.0 * ndtr(-np.abs(auc - auc_r) / error)
        return np.where(error == 0, 1.0, p)

    def curve(self) -> pd.DataFrame:
        """The reliability curve of each group: rows, mean score and observed rate per bin."""
        ones = np.ones((1, len(self.scores)))
        count, predicted, observed = (
            v[0] for v in _split(_times(ones, self.cells), 3, self.n_groups)
        )
        group, bin_ = np.nonzero(count)
        rows = count[group, bin_]
        return pd.DataFrame(
            {
                "group": group,
                "bin": bin_,
                "bin_low": EDGES[bin_],
                "bin_high": EDGES[bin_ + 1],
                "rows": rows.astype(np.int64),
                "mean_predicted": predicted[group, bin_] / rows,
                "observed_rate": observed[group, bin_] / rows,
            }
        )


def _stack(rows: np.ndarray, cell: np.ndarray, parts: int, width: int) -> tuple[np.ndarray, ...]:
    return np.tile(rows, parts), np.concatenate([cell + k * width for k in range(parts)])


def _times(weights: np.ndarray, matrix: sparse.csr_matrix) -> np.ndarray:
    """``weights @ matrix`` as a dense array (replicates, columns)."""
    return np.asarray((matrix.T @ weights.T).T)


def _split(values: np.ndarray, parts: int, groups: int) -> tuple[np.ndarray, ...]:
    """Columns of ``parts`` equal blocks, each reshaped to (replicates, groups, -1)."""
    return tuple(block.reshape(len(values), groups, -1) for block in np.split(values, parts, 1))


def _mantel_haenszel(
    count: np.ndarray, observed: np.ndarray, count_r: np.ndarray, observed_r: np.ndarray
) -> np.ndarray:
    """Two-sided Cochran-Mantel-Haenszel p-value (continuity corrected) per group of equal
    observed rates in the group and its reference, stratified by score bin (groups, bins)."""
    total = count + count_r
    hits = observed + observed_r
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.where(total > 0, count * hits / total, 0.0)
        variance = np.where(
            total > 1, count * count_r * hits * (total - hits) / (total**2 * (total - 1)), 0.0
        )
    spread = variance.sum(axis=-1)
    deviation = np.maximum(np.abs((observed - expected).sum(axis=-1)) - 0.5, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = chi2.sf(deviation**2 / spread, 1)
    p = np.where(spread > 0, p, 1.0)
    empty = (count.sum(axis=-1) == 0) | (count_r.sum(axis=-1) == 0)
    return np.where(empty, np.nan, p)


def _welch(sums: np.ndarray, sums_r: np.ndarray) -> np.ndarray:
    """Welch z-test p-value of equal mean squared error, from (rows, sum, sum of squares)."""
    moments = []
    for size, total, squares in (sums, sums_r):
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = total / size
            moments.append((mean, squares / size - mean**2, size))
    (mean, variance, size), (mean_r, variance_r, size_r) = moments
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.sqrt(np.maximum(variance, 0) / size + np.maximum(variance_r, 0) / size_r)
        p = 2.0 * ndtr(-np.abs(mean - mean_r) / error)
    p = np.where(error == 0, 1.0, p)
    return np.where((size == 0) | (size_r == 0), np.nan, p)


def _hanley_mcneil(auc: np.ndarray, positives: np.ndarray, negatives: np.ndarray) -> np.ndarray:
    """Hanley and McNeil's variance of an AUC of ``auc`` from so many positive and negative
    rows."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = auc * (1 - auc) + (positives - 1) * (q1 - auc**2) + (negatives - 1) * (q2 - auc**2)
        return spread / (positives * negatives)


def _delong(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """ROC AUC and DeLong's variance of it; NaN without both classes (variance: without two
    of each)."""
    x, y = scores[positive], scores[~positive]
    m, n = len(x), len(y)
    if m == 0 or n == 0:
        return np.nan, np.nan
    ranks = rankdata(np.concatenate([x, y]))
    auc = (ranks[:m].sum() - m * (m + 1) / 2) / (m * n)
    if m < 2 or n < 2:
        return float(auc), np.nan
    v10 = (ranks[:m] - rankdata(x)) / n
    v01 = 1.0 - (ranks[m:] - rankdata(y)) / m
    return float(auc), float(v10.var(ddof=1) / m + v01.var(ddof=1) / n)
