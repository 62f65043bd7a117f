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
