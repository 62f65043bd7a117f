"""Bootstrap on counts: resampling rows with replacement is a multinomial draw over the cells."""

from __future__ import annotations

import warnings

import numpy as np


def resample(counts: np.ndarray, *, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Cell counts of bootstrap samples of the rows, shape (replicates, cells).

    Drawing n rows with replacement and counting them per cell is one multinomial draw with the
    observed cell shares, so this is the ordinary nonparametric bootstrap.
    """
    total = int(round(counts.sum()))
    shares = counts / counts.sum()
    return rng.multinomial(total, shares, size=replicates).astype(np.float64)


def interval(values: np.ndarray, *, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval over axis 0, leaving out replicates where the metric is undefined."""
    tail = (1.0 - confidence) / 2.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        low, high = np.nanquantile(values, [tail, 1.0 - tail], axis=0)
    return low, high


def bias_corrected_interval(
    values: np.ndarray, estimate: np.ndarray, *, confidence: float
) -> tuple[np.ndarray, np.ndarray]:
    """Bias-corrected percentile interval of a metric that is never negative (a Theil index,
    the largest or mean absolute gap): the replicates shifted by the bootstrap's estimate of
    bias (their mean minus the estimate), never below 0.

    Such a metric is never negative, so near 0 resampling noise only adds to it: every replicate
    can lie above the estimate and the percentile interval then misses it from above, and the
    basic interval (the estimate's mirror of it) from below; Efron's bias-corrected
    percentile interval collapses there (its bias constant goes to minus infinity). Shifted by
    the bias, the replicates centre on the estimate, so the interval holds it.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        bias = np.nanmean(values, axis=0) - estimate
    low, high = interval(values - bias, confidence=confidence)
    return np.maximum(low, 0.0), np.maximum(high, 0.0)
