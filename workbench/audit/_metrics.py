"""Group metrics from counts: rows aggregated by group, true label and decision.

Every metric here depends only on the confusion counts of a group (true/false positives and
negatives), so a million rows reduce to a few hundred cells of (group codes, label, decision,
count). Point estimates come from AIF360's ``ClassificationMetric`` run on those cells with the
counts as instance weights. The same formulas are also written out in numpy, vectorised over
bootstrap replicates and thresholds; tests hold the two to the same numbers. AIF360's
generalized entropy indices ignore instance weights, so they are computed from the counts here
(and tested against AIF360 on the rows).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from workbench.audit._aif360 import aif360
from workbench.audit._registry import BETWEEN, RATES

# The between-group metrics that AIF360 computes correctly with instance weights; their names
# are the names of ClassificationMetric's methods, but for the precision difference, which is
# AIF360's difference of positive predictive values.
_AIF360_BETWEEN = BETWEEN[:-1]


@dataclass(frozen=True)
class Cells:
    """Rows aggregated by the group code of every attribute, true label and decision."""

    codes: np.ndarray
    sizes: tuple[int, ...]
    quadrant: np.ndarray
    counts: np.ndarray

    @property
    def total(self) -> float:
        """Number of rows."""
        return float(self.counts.sum())


@dataclass(frozen=True)
class Level:
    """One attribute or intersection: its observed groups and each cell's group."""

    positions: tuple[int, ...]
    keys: np.ndarray
    cell_group: np.ndarray

    @property
    def n_groups(self) -> int:
        """Number of observed groups."""
        return len(self.keys)

    def index_of(self, key: tuple[int, ...]) -> int | None:
        """Position of the group with these codes, or None when it has no rows."""
        hits = np.flatnonzero((self.keys == np.asarray(key)).all(axis=1))
        return int(hits[0]) if len(hits) else None


def aggregate(
    codes: np.ndarray,
    sizes: tuple[int, ...],
    y_true: np.ndarray,
    y_pred: np.ndarray,
    weights: np.ndarray | None = None,
) -> Cells:
    """Count rows per (group codes, true label, decision); only observed cells are kept.

    ``weights`` are the rows each row stands for (counted outcomes); 1 each when None.
    """
    quadrant = np.where(y_pred, 1 - y_true.astype(np.int64), 2 + y_true.astype(np.int64))
    dims = (*sizes, 4)
    flat = np.ravel_multi_index((*codes.T, quadrant), dims)
    cells = math.prod(dims)
    if cells <= 4 * len(flat) + 4096:
        counted = np.bincount(flat, weights=weights, minlength=cells)
        keys = np.flatnonzero(counted)
        counts = counted[keys]
    elif weights is None:
        keys, counts = np.unique(flat, return_counts=True)
    else:
        keys, inverse = np.unique(flat, return_inverse=True)
        counts = np.bincount(inverse, weights=weights)
    unravelled = np.unravel_index(keys, dims)
    return Cells(
        codes=np.column_stack(unravelled[:-1]).astype(np.int64),
        sizes=tuple(sizes),
        quadrant=unravelled[-1].astype(np.int64),
        counts=counts.astype(np.float64),
    )


def level_of(cells: Cells, positions: tuple[int, ...]) -> Level:
    """The groups of one attribute or intersection, in code order."""
    dims = tuple(cells.sizes[p] for p in positions)
    flat = np.ravel_multi_index(tuple(cells.codes[:, p] for p in positions), dims)
    unique, inverse = np.unique(flat, return_inverse=True)
    keys = np.column_stack(np.unravel_index(unique, dims)).astype(np.int64)
    return Level(positions=positions, keys=keys, cell_group=inverse.astype(np.int64))


def confusion(cells: Cells, level: Level, weights: np.ndarray | None = None) -> np.ndarray:
    """Counts (tp, fp, tn, fn) per group: shape (groups, 4), or (replicates, groups, 4)."""
    weights = cells.counts if weights is None else weights
    slot = level.cell_group * 4 + cells.quadrant
    width = level.n_groups * 4
    if weights.ndim == 1:
        return np.bincount(slot, weights=weights, minlength=width).reshape(-1, 4)
    onehot = sparse.csr_matrix(
        (np.ones(len(slot)), (np.arange(len(slot)), slot)), shape=(len(slot), width)
    )
    return np.asarray((onehot.T @ weights.T).T).reshape(len(weights), -1, 4)


def overall_confusion(cells: Cells, weights: np.ndarray | None = None) -> np.ndarray:
    """Counts (tp, fp, tn, fn) over all rows: shape (4,), or (replicates, 4)."""
    weights = cells.counts if weights is None else weights
    onehot = np.eye(4)[cells.quadrant]
    return weights @ onehot


def rates(counts: np.ndarray) -> dict[str, np.ndarray]:
    """Size and the seven rates from counts whose last axis is (tp, fp, tn, fn)."""
    tp, fp, tn, fn = np.moveaxis(np.asarray(counts, dtype=np.float64), -1, 0)
    size = tp + fp + tn + fn
    return {
        "size": size,
        "base_rate": divide(tp + fn, size),
        "selection_rate": divide(tp + fp, size),
        "tpr": divide(tp, tp + fn),
        "fpr": divide(fp, fp + tn),
        "fnr": divide(fn, tp + fn),
        "precision": divide(tp, tp + fp),
        "accuracy": divide(tp + tn, size),
    }


def between(group: np.ndarray, reference: np.ndarray, total: float) -> dict[str, np.ndarray]:
    """AIF360's between-group metrics of a group against a reference, from their counts."""
    g, r = rates(group), rates(reference)
    return {
        "statistical_parity_difference": g["selection_rate"] - r["selection_rate"],
        "disparate_impact": divide(g["selection_rate"], r["selection_rate"]),
        "equal_opportunity_difference": g["tpr"] - r["tpr"],
        "average_odds_difference": 0.5 * ((g["fpr"] - r["fpr"]) + (g["tpr"] - r["tpr"])),
        "false_negative_rate_difference": g["fnr"] - r["fnr"],
        "error_rate_difference": (1.0 - g["accuracy"]) - (1.0 - r["accuracy"]),
        "false_positive_rate_difference": g["fpr"] - r["fpr"],
        "precision_difference": g["precision"] - r["precision"],
        "equalized_odds_difference": np.maximum(
            np.abs(g["fpr"] - r["fpr"]), np.abs(g["tpr"] - r["tpr"])
        ),
        "average_abs_odds_difference": 0.5
        * (np.abs(g["fpr"] - r["fpr"]) + np.abs(g["tpr"] - r["tpr"])),
        "between_group_theil_index": theil_between(np.stack([group, reference], -2), total),
    }


def theil_between(parts: np.ndarray, total: float | np.ndarray) -> np.ndarray:
    """AIF360's between-group Theil index of disjoint groups, from counts (..., groups, 4).

    Each row of a group gets ``b`` = the group's mean of 1 + decision - label; rows in none of
    the groups get ``b = 0``, as in AIF360. The index is the mean of (b/mu) ln(b/mu).
    """
    tp, fp, tn, fn = np.moveaxis(parts, -1, 0)
    size = tp + fp + tn + fn
    benefit = size + fp - fn
    mu = benefit.sum(axis=-1) / total
    b = divide(benefit, size)
    terms = np.where(size > 0, size * _x_log_x(divide(b, mu[..., None])), 0.0)
    return divide(terms.sum(axis=-1), np.asarray(total, dtype=np.float64) * (mu > 0))


def theil_index(counts: np.ndarray) -> np.ndarray:
    """AIF360's (individual) Theil index, from counts (..., 4): b is 0, 1 or 2 per row."""
    tp, fp, tn, fn = np.moveaxis(counts, -1, 0)
    size = tp + fp + tn + fn
    mu = divide(size + fp - fn, size)
    terms = (tp + tn) * _x_log_x(divide(1.0, mu)) + fp * _x_log_x(divide(2.0, mu))
    return divide(terms, size)


def divide(numerator: np.ndarray | float, denominator: np.ndarray | float) -> np.ndarray:
    """Elementwise ratio that is NaN (without a warning) wherever the denominator is 0."""
    numerator, denominator = np.broadcast_arrays(
        np.asarray(numerator, dtype=np.float64), np.asarray(denominator, dtype=np.float64)
    )
    out = np.full(numerator.shape, np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _x_log_x(x: np.ndarray) -> np.ndarray:
    out = np.zeros(np.shape(x))
    positive = np.asarray(x) > 0
    np.multiply(x, np.log(x, where=positive, out=np.ones(np.shape(x))), out=out, where=positive)
    return np.where(np.isnan(x), np.nan, out)


@dataclass(frozen=True)
class LevelMetrics:
    """AIF360's numbers for one level: per-group rates and, per group, the between metrics."""

    rates: dict[str, np.ndarray]
    between: dict[str, np.ndarray]


def aif360_overall(cells: Cells) -> dict[str, float]:
    """AIF360's rates over all rows, computed on the aggregated cells."""
    counts = overall_confusion(cells)
    truth, predicted = _datasets(counts[None, :], n_groups=1)
    metric = aif360().ClassificationMetric(truth, predicted)
    with np.errstate(all="ignore"):
        values = _aif360_rates(metric, privileged=None)
    return {name: float(value) for name, value in values.items()}


def aif360_level(cells: Cells, level: Level, reference: int | None) -> LevelMetrics:
    """AIF360's per-group rates and between-group metrics for one attribute or intersection.

    With ``reference`` None each group is compared with all other rows; otherwise with the
    reference group. The reference group itself gets NaN between-group metrics.
    """
    counts = confusion(cells, level)
    truth, predicted = _datasets(counts, n_groups=level.n_groups)
    classification_metric = aif360().ClassificationMetric
    rate_values: dict[str, list[float]] = {name: [] for name in ("size", *RATES)}
    between_values: dict[str, list[float]] = {name: [] for name in _AIF360_BETWEEN}
    with np.errstate(all="ignore"):
        for k in range(level.n_groups):
            versus_rest = classification_metric(
                truth,
                predicted,
                unprivileged_groups=[{f"g{k}": 1}],
                privileged_groups=[{f"g{k}": 0}],
            )
            for name, value in _aif360_rates(versus_rest, privileged=False).items():
                rate_values[name].append(float(value))
            if level.n_groups < 2 or k == reference:
                metric = None
            elif reference is None:
                metric = versus_rest
            else:
                metric = classification_metric(
                    truth,
                    predicted,
                    unprivileged_groups=[{"group": k}],
                    privileged_groups=[{"group": reference}],
                )
            for name in _AIF360_BETWEEN:
                value = np.nan if metric is None else float(_aif360_between(metric, name))
                between_values[name].append(value if math.isfinite(value) else np.nan)
    rate_arrays = {name: np.asarray(values) for name, values in rate_values.items()}
    between_arrays = {name: np.asarray(values) for name, values in between_values.items()}
    # AIF360 counts precision as 0 where nothing is predicted positive; it is undefined there.
    predicted = counts[:, 0] + counts[:, 1]
    compared = reference_counts(counts, reference)
    undefined = (predicted == 0) | (compared[:, 0] + compared[:, 1] == 0)
    between_arrays["precision_difference"][undefined] = np.nan
    theil = theil_between(np.stack([counts, reference_counts(counts, reference)], -2), cells.total)
    between_arrays["between_group_theil_index"] = theil
    return LevelMetrics(rates=rate_arrays, between=mask_between(between_arrays, reference))


def reference_counts(counts: np.ndarray, reference: int | None) -> np.ndarray:
    """Counts of what each group is compared with: all other rows, or the reference group."""
    if reference is None:
        return counts.sum(axis=-2, keepdims=True) - counts
    return np.broadcast_to(counts[..., reference : reference + 1, :], counts.shape)


def level_tables(
    cells: Cells, level: Level, reference: int | None, weights: np.ndarray | None = None
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], np.ndarray]:
    """Numpy twin of the AIF360 path: per-group rates, between-group metrics against the
    reference, and the between-all-groups Theil index; vectorised over replicate weights."""
    counts = confusion(cells, level, weights)
    total = counts.sum(axis=(-2, -1))
    versus = between(counts, reference_counts(counts, reference), np.expand_dims(total, -1))
    return rates(counts), mask_between(versus, reference), theil_between(counts, total)


def mask_between(values: dict[str, np.ndarray], reference: int | None) -> dict[str, np.ndarray]:
    """Between-group metrics with NaN for the reference group and for a level of one group."""
    masked = {}
    for name, array in values.items():
        array = np.array(array, dtype=np.float64)
        if array.shape[-1] < 2:
            array[...] = np.nan
        elif reference is not None:
            array[..., reference] = np.nan
        masked[name] = array
    return masked


def _aif360_between(metric: Any, name: str) -> float:
    if name == "precision_difference":
        return metric.difference(metric.positive_predictive_value)
    return getattr(metric, name)()


def _aif360_rates(metric: Any, *, privileged: bool | None) -> dict[str, float]:
    measures = metric.performance_measures(privileged=privileged)
    predicted_positive = metric.num_pred_positives(privileged=privileged)
    return {
        "size": metric.num_instances(privileged=privileged),
        "base_rate": metric.base_rate(privileged=privileged),
        "selection_rate": metric.selection_rate(privileged=privileged),
        "tpr": measures["TPR"],
        "fpr": measures["FPR"],
        "fnr": measures["FNR"],
        # AIF360 reports precision 0 where nothing is predicted positive; it is undefined.
        "precision": measures["PPV"] if predicted_positive > 0 else np.nan,
        "accuracy": measures["ACC"],
    }


def _datasets(counts: np.ndarray, *, n_groups: int) -> tuple[Any, Any]:
    """Two AIF360 datasets (true labels, decisions) of one row per non-empty (group, quadrant).

    Protected columns: ``group`` (the code) and one indicator ``g<k>`` per group, so that "group
    k against all other rows" is a single AIF360 condition.
    """
    group, quadrant = np.nonzero(counts)
    y_true = np.isin(quadrant, (0, 3)).astype(np.float64)
    y_pred = np.isin(quadrant, (0, 1)).astype(np.float64)
    columns = {"group": group.astype(np.float64)}
    columns.update({f"g{k}": (group == k).astype(np.float64) for k in range(n_groups)})
    frame = pd.DataFrame({**columns, "label": y_true, "weight": counts[group, quadrant]})
    truth = aif360().BinaryLabelDataset(
        df=frame,
        label_names=["label"],
        protected_attribute_names=list(columns),
        instance_weights_name="weight",
        favorable_label=1.0,
        unfavorable_label=0.0,
    )
    predicted = truth.copy(deepcopy=True)
    predicted.labels = y_pred[:, None]
    predicted.scores = y_pred[:, None].copy()
    return truth, predicted
