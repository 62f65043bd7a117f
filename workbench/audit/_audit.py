"""The audit: group rates and AIF360 between-group metrics for every protected attribute and
intersection, with bootstrap confidence intervals, fairness bounds and plain-words notes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._bootstrap import bias_corrected_interval, interval, resample
from workbench.audit._bounds import find_breaches, tested_p_values
from workbench.audit._calibration import LevelCalibration, has_scores, level_calibration
from workbench.audit._metrics import (
    BETWEEN,
    RATES,
    Cells,
    Level,
    aggregate,
    aif360_level,
    aif360_overall,
    confusion,
    level_of,
    level_tables,
    overall_confusion,
    rates,
    reference_counts,
    theil_between,
    theil_index,
)
from workbench.audit._options import BEST_OFF, DEFAULT_OPTIONS, AuditOptions
from workbench.audit._prepare import Prepared, group_labels, prepare, reference_of
from workbench.audit._registry import CALIBRATION, CALIBRATION_BETWEEN, REGISTRY
from workbench.audit._result import AuditResult, indexed
from workbench.audit._strength import detectable_gaps, null_errors, p_values
from workbench.audit._threshold import row_thresholds

MSG_SMALL = (
    "{level}: {count} of {total} group(s) have fewer than {minimum} rows ({groups}); their "
    "numbers are flagged 'small' and not checked against the fairness bounds"
)
MSG_REFERENCE_ABSENT = (
    "{level}: the privileged combination {group!r} has no rows, so its groups are compared with "
    "all other rows instead"
)
MSG_NO_BEST_OFF = (
    "{prefix}{level}: no group has {minimum} rows or more with truly '{positive}' rows, so there "
    "is no best-off group and its groups are compared with all other rows instead"
)
MSG_MULTICLASS_THRESHOLD = (
    "the model has more than two classes, so each decision is its most probable class and "
    "the threshold {threshold} is not used"
)
MSG_GROUP_PROBLEMS = {
    "no_positives": (
        "{prefix}{level}: {groups} have no truly '{positive}' rows: tpr and fnr are undefined "
        "(NaN) there, and so are their equal opportunity, average odds and false negative rate "
        "differences"
    ),
    "no_negatives": (
        "{prefix}{level}: {groups} have no rows that are truly not '{positive}': fpr is "
        "undefined (NaN) there, and so is their average odds difference"
    ),
    "no_predicted_positives": (
        "{prefix}{level}: the model predicts '{positive}' for nobody in {groups}: precision is "
        "undefined (NaN) there"
    ),
}
MSG_REFERENCE_PROBLEMS = {
    "no_positives": (
        "{prefix}{level}: what {groups} are compared with ({reference}) has no truly "
        "'{positive}' rows: their equal opportunity, average odds and false negative rate "
        "differences are undefined (NaN)"
    ),
    "no_negatives": (
        "{prefix}{level}: what {groups} are compared with ({reference}) has no rows that are "
        "truly not '{positive}': their average odds differences are undefined (NaN)"
    ),
    "no_predicted_positives": (
        "{prefix}{level}: the model predicts '{positive}' for nobody in what {groups} are "
        "compared with ({reference}): their disparate impact is undefined (NaN)"
    ),
}
MSG_ODDS_CANCEL = (
    "{prefix}{level}: the average odds difference of {groups} is within its bound only because "
    "their true and false positive rate gaps have opposite signs and cancel; see their average "
    "absolute odds and equalized odds differences"
)
MSG_NO_SCORES = (
    "the predictions are 0/1 decisions, not scores, so calibration (expected calibration "
    "error, Brier score, ROC AUC, reliability curves) is not measured"
)
MSG_COUNTS_NO_CALIBRATION = (
    "the stored predictions were audited from group counts, not rows, so calibration (expected "
    "calibration error, Brier score, ROC AUC, reliability curves) is not measured; audit a "
    "sample of the rows in memory for it"
)
MSG_CALIBRATION_UNBOOTSTRAPPED = (
    "calibration: {rows} rows x {replicates} bootstrap replicates is beyond the {budget:,} that "
    "calibration is bootstrapped for (it resamples rows, not counts), so its numbers have no "
    "confidence intervals and its breaches are judged by their q-values alone"
)
# Rows x replicates up to which calibration is bootstrapped: its bootstrap resamples every row
# (about 5 microseconds per row and replicate for every attribute and intersection).
CALIBRATION_BOOTSTRAP_BUDGET = 2_000_000
MSG_AUC_UNDEFINED = (
    "{prefix}{level}: {groups} have rows of one class only (all or none truly '{positive}'), "
    "so their ROC AUC is undefined (NaN), and so is its difference"
)
MSG_AUC_REFERENCE = (
    "{prefix}{level}: what {groups} are compared with ({reference}) has rows of one class only "
    "(all or none truly '{positive}'), so their ROC AUC difference is undefined (NaN)"
)
MSG_NOT_OPTIONS = "options must be an AuditOptions; got {kind}"
_SHOWN = 8
_INDEX = {
    "overall": ["class"],
    "by_group": ["class", "attribute", "group"],
    "differences": ["class", "attribute", "group"],
    "by_attribute": ["class", "attribute"],
    "reliability": ["class", "attribute", "group", "bin"],
}
_CURVE = ("bin_low", "bin_high", "rows", "mean_predicted", "observed_rate")


def audit(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: str | Sequence[Any] | np.ndarray | pd.Series,
    protected: str | Sequence[str],
    options: AuditOptions = DEFAULT_OPTIONS,
    positive_class: Any = None,
    classes: Sequence[str] | None = None,
    text_column: str | None = None,
) -> AuditResult:
    """Audit a model (a ``ModelAdapter``) or its predictions for group fairness.

    ``model_or_scores`` is a model adapter, or predictions made anywhere: one score (or 0/1
    decision) per row, or one probability column per class (named by ``classes``). ``label``
    is a column of ``data`` or one value per row; ``protected`` names the columns whose groups
    and intersections are audited, as ``options`` say (threshold, privileged groups, bounds,
    bootstrap; see :class:`AuditOptions`).
    """
    if not isinstance(options, AuditOptions):
        raise AuditError(MSG_NOT_OPTIONS.format(kind=type(options).__name__))
    prepared = prepare(
        model_or_scores,
        data,
        label=label,
        protected=protected,
        positive_class=positive_class,
        classes=classes,
        text_column=text_column,
        privileged=options.privileged,
        intersections=options.intersections,
    )
    return audit_prepared(prepared, options)


def audit_prepared(prepared: Prepared, options: AuditOptions) -> AuditResult:
    """The audit of checked inputs: counts per group cell, then every level's tables."""
    threshold = options.threshold
    outcomes = prepared.outcomes
    notes = list(prepared.notes)
    if outcomes.multiclass and threshold != 0.5:
        notes.append(MSG_MULTICLASS_THRESHOLD.format(threshold=threshold))
    decisions = outcomes.decisions(row_thresholds(threshold, prepared.groups))
    counted = outcomes.weights is not None
    calibrated = options.calibration and not counted and has_scores(outcomes.scores)
    if options.calibration and counted:
        notes.append(MSG_COUNTS_NO_CALIBRATION)
    elif options.calibration and not calibrated:
        notes.append(MSG_NO_SCORES)
    if calibrated and options.bootstrap * len(outcomes.scores) > CALIBRATION_BOOTSTRAP_BUDGET:
        notes.append(
            MSG_CALIBRATION_UNBOOTSTRAPPED.format(
                rows=len(outcomes.scores),
                replicates=options.bootstrap,
                budget=CALIBRATION_BOOTSTRAP_BUDGET,
            )
        )
    rng = np.random.default_rng(options.seed)
    parts: dict[str, list[pd.DataFrame]] = {name: [] for name in (*_INDEX, "null_errors")}
    for j in range(len(outcomes.classes)):
        cells = aggregate(
            prepared.groups.codes,
            prepared.groups.sizes,
            outcomes.y_true[:, j],
            decisions[:, j],
            weights=outcomes.weights,
        )
        replicates = (
            resample(cells.counts, replicates=options.bootstrap, rng=rng)
            if options.bootstrap
            else None
        )
        parts["overall"].append(
            _overall(prepared, j, cells, replicates, options, calibrated=calibrated)
        )
        for positions, key in prepared.plan:
            tables, level_notes = _level(
                prepared,
                j,
                cells,
                positions,
                key,
                replicates,
                options,
                first=j == 0,
                calibrated=calibrated,
            )
            for name, table in tables.items():
                parts[name].append(table)
            notes += level_notes
    result_tables = {name: _frame(name, parts[name]) for name in _INDEX}
    differences = result_tables["differences"]
    tests = int(np.isfinite(tested_p_values(differences).to_numpy()).sum())
    detectable = detectable_gaps(
        _frame("differences", parts["null_errors"]),
        options.bounds,
        confidence=options.confidence,
        false_discovery_rate=options.false_discovery_rate,
        tests=tests,
    )
    differences = pd.concat([differences, detectable], axis=1)
    breaches = find_breaches(
        differences,
        result_tables["by_group"],
        options.bounds,
        confidence=options.confidence,
        false_discovery_rate=options.false_discovery_rate,
        multiclass=outcomes.multiclass,
    )
    return AuditResult(
        overall=result_tables["overall"],
        by_group=result_tables["by_group"],
        differences=differences,
        by_attribute=result_tables["by_attribute"],
        reliability=result_tables["reliability"],
        breaches=tuple(breaches),
        warnings=tuple(dict.fromkeys(notes)),
        skipped=prepared.skipped,
        options=options,
        multiclass=outcomes.multiclass,
        rows=outcomes.rows,
        protected=tuple(prepared.groups.attributes),
        privileged=prepared.privileged,
        model_name=outcomes.source.get("model"),
        fingerprint=outcomes.source.get("fingerprint"),
    )


def _overall(
    prepared: Prepared,
    column: int,
    cells: Cells,
    replicates: np.ndarray | None,
    settings: AuditOptions,
    *,
    calibrated: bool,
) -> pd.DataFrame:
    positive = prepared.outcomes.classes[column]
    values = aif360_overall(cells)
    values["theil_index"] = float(theil_index(overall_confusion(cells)))
    boot = None
    if replicates is not None:
        counts = overall_confusion(cells, replicates)
        boot = {**rates(counts), "theil_index": theil_index(counts)}
    table = pd.DataFrame({name: [value] for name, value in values.items()})
    table = _with_intervals(table, boot, (*RATES, "theil_index"), settings)
    everyone = np.zeros(len(prepared.groups.codes), dtype=np.int64)
    found = _calibration(prepared, column, everyone, 1, None, (), settings, calibrated=calibrated)
    table = pd.concat([table, pd.DataFrame(_calibration_columns(found, CALIBRATION, 1))], axis=1)
    table.insert(0, "class", positive)
    return table


def _calibration(
    prepared: Prepared,
    column: int,
    group: np.ndarray,
    n_groups: int,
    reference: int | None,
    positions: tuple[int, ...],
    settings: AuditOptions,
    *,
    calibrated: bool,
) -> LevelCalibration | None:
    """Calibration of one level's groups for one audited class (None without scores); its
    bootstrap draws are seeded by the options' seed, the class and the level."""
    if not calibrated:
        return None
    outcomes = prepared.outcomes
    return level_calibration(
        outcomes.scores[:, column],
        outcomes.y_true[:, column],
        group,
        n_groups=n_groups,
        reference=reference,
        replicates=(
            settings.bootstrap
            if settings.bootstrap * len(outcomes.scores) <= CALIBRATION_BOOTSTRAP_BUDGET
            else 0
        ),
        confidence=settings.confidence,
        min_group_size=settings.min_group_size,
        rng=np.random.default_rng([settings.seed, column, len(positions), *positions]),
    )


def _calibration_columns(
    found: LevelCalibration | None, metrics: Sequence[str], n_groups: int, *, tests: bool = False
) -> dict[str, np.ndarray]:
    """The calibration columns of a table: each metric with its limits (and p-values)."""
    suffixes = ("", "_low", "_high", "_p") if tests else ("", "_low", "_high")
    values = {} if found is None else {**found.by_group, **found.between}
    return {
        f"{metric}{suffix}": values.get(f"{metric}{suffix}", np.full(n_groups, np.nan))
        for metric in metrics
        for suffix in suffixes
    }


def _row_groups(prepared: Prepared, level: Level) -> np.ndarray:
    """Each row's group in a level: its position among the level's observed groups."""
    positions = level.positions
    dims = tuple(prepared.groups.sizes[p] for p in positions)
    codes = prepared.groups.codes[:, list(positions)]
    flat = np.ravel_multi_index(tuple(codes.T), dims)
    return np.searchsorted(np.ravel_multi_index(tuple(level.keys.T), dims), flat)


def _level(
    prepared: Prepared,
    column: int,
    cells: Cells,
    positions: tuple[int, ...],
    key: tuple[int, ...] | str | None,
    replicates: np.ndarray | None,
    settings: AuditOptions,
    *,
    first: bool,
    calibrated: bool,
) -> tuple[dict[str, pd.DataFrame], list[str]]:
    positive = prepared.outcomes.classes[column]
    groups = prepared.groups
    level = level_of(cells, positions)
    counts = confusion(cells, level)
    small = counts.sum(axis=-1) < settings.min_group_size
    reference, reference_name = reference_of(
        groups, level, key, counts=counts, min_group_size=settings.min_group_size
    )
    point = aif360_level(cells, level, reference)
    boot_rates = boot_between = boot_theil = None
    if replicates is not None:
        boot_rates, boot_between, boot_theil = level_tables(cells, level, reference, replicates)
    labels = {
        "class": positive,
        "attribute": groups.level_name(positions),
        "group": group_labels(groups, level),
    }
    found = _calibration(
        prepared,
        column,
        _row_groups(prepared, level),
        level.n_groups,
        reference,
        positions,
        settings,
        calibrated=calibrated,
    )
    by_group = pd.DataFrame(point.rates)
    by_group = _with_intervals(by_group, boot_rates, RATES, settings)
    by_group = by_group.assign(**_calibration_columns(found, CALIBRATION, level.n_groups))
    by_group["caveats"] = [", ".join(found) for found in _caveats(counts, small)]
    compared_counts = reference_counts(counts, reference)
    differences = pd.DataFrame(point.between)
    differences = _with_intervals(differences, boot_between, BETWEEN, settings)
    tests = p_values(counts, compared_counts, settings.bounds)
    differences = differences.assign(**{f"{name}_p": tests[name] for name in BETWEEN})
    differences = differences.assign(
        **_calibration_columns(found, CALIBRATION_BETWEEN, level.n_groups, tests=True)
    )
    for name in CALIBRATION_BETWEEN:
        if settings.bounds.limits(name) is None:
            differences[f"{name}_p"] = np.nan
    errors = pd.DataFrame(null_errors(counts, compared_counts))
    compared_small = compared_counts.sum(axis=-1) < settings.min_group_size
    differences["caveats"] = np.where(small | compared_small, "small", "")
    differences.insert(0, "reference", reference_name)
    compared = np.arange(level.n_groups) != (-1 if reference is None else reference)
    for table in (by_group, differences, errors):
        for column, value in reversed(labels.items()):
            table.insert(0, column, value)
    by_attribute = pd.DataFrame(
        {"between_all_groups_theil_index": [float(theil_between(counts, cells.total))]}
    )
    by_attribute = _with_intervals(
        by_attribute,
        None if boot_theil is None else {"between_all_groups_theil_index": boot_theil[:, None]},
        ("between_all_groups_theil_index",),
        settings,
    )
    by_attribute.insert(0, "reference", reference_name)
    by_attribute.insert(0, "groups", level.n_groups)
    by_attribute.insert(0, "attribute", labels["attribute"])
    by_attribute.insert(0, "class", positive)
    curve = pd.DataFrame(columns=["group", "bin", *_CURVE]) if found is None else found.curve
    reliability = curve.loc[:, ["bin", *_CURVE]].astype({"bin": np.int64})
    reliability.insert(0, "group", [labels["group"][g] for g in curve["group"]])
    reliability.insert(0, "attribute", labels["attribute"])
    reliability.insert(0, "class", positive)
    tables = {
        "by_group": by_group,
        "reliability": reliability,
        "differences": differences[compared] if level.n_groups > 1 else differences[:0],
        "by_attribute": by_attribute,
        "null_errors": errors[compared] if level.n_groups > 1 else errors[:0],
    }
    notes = _level_notes(prepared, positive, level, counts, key, reference, settings, first=first)
    if key == BEST_OFF and reference is None and level.n_groups > 1:
        notes.append(
            MSG_NO_BEST_OFF.format(
                prefix=f"class '{positive}': " if prepared.outcomes.multiclass else "",
                level=groups.level_name(positions),
                minimum=settings.min_group_size,
                positive=positive,
            )
        )
    notes += _odds_notes(prepared, positive, level, point.between, small, settings)
    if found is not None:
        notes += _auc_notes(prepared, positive, level, counts, reference)
    return tables, notes


def _auc_notes(
    prepared: Prepared,
    positive: str,
    level: Level,
    counts: np.ndarray,
    reference: int | None,
) -> list[str]:
    """Notes on the groups, and the references, whose rows are all of one class: their ROC AUC
    is undefined."""
    names = group_labels(prepared.groups, level)
    words = {
        "prefix": f"class '{positive}': " if prepared.outcomes.multiclass else "",
        "level": prepared.groups.level_name(level.positions),
        "positive": positive,
    }
    notes = []
    one_class = _one_class(counts)
    if one_class.any():
        listed = _listing([names[g] for g in np.flatnonzero(one_class)])
        notes.append(MSG_AUC_UNDEFINED.format(groups=listed, **words))
    if level.n_groups > 1:
        compared_one_class = _one_class(reference_counts(counts, reference))
        if reference is not None:
            compared_one_class[reference] = False
        if compared_one_class.any():
            listed = _listing([names[g] for g in np.flatnonzero(compared_one_class)])
            reference_name = "the rest" if reference is None else names[reference]
            notes.append(
                MSG_AUC_REFERENCE.format(groups=listed, reference=reference_name, **words)
            )
    return notes


def _one_class(counts: np.ndarray) -> np.ndarray:
    """Whether each group's rows are all truly positive or all truly negative."""
    tp, fp, tn, fn = np.moveaxis(counts, -1, 0)
    return np.array((tp + fn == 0) | (fp + tn == 0))


def _odds_notes(
    prepared: Prepared,
    positive: str,
    level: Level,
    between: dict[str, np.ndarray],
    small: np.ndarray,
    settings: AuditOptions,
) -> list[str]:
    """A note on the groups whose average odds difference is within its bound only because
    their TPR and FPR gaps cancel: the mean absolute gap is outside it."""
    limit = settings.bounds.average_odds_difference or REGISTRY["average_odds_difference"].bound
    with np.errstate(invalid="ignore"):
        cancel = (
            ~small
            & (np.abs(between["average_odds_difference"]) <= limit)
            & (between["average_abs_odds_difference"] > limit)
        )
    if not cancel.any():
        return []
    names = group_labels(prepared.groups, level)
    return [
        MSG_ODDS_CANCEL.format(
            prefix=f"class '{positive}': " if prepared.outcomes.multiclass else "",
            level=prepared.groups.level_name(level.positions),
            groups=_listing([names[g] for g in np.flatnonzero(cancel)]),
        )
    ]


def _level_notes(
    prepared: Prepared,
    positive: str,
    level: Level,
    counts: np.ndarray,
    key: tuple[int, ...] | str | None,
    reference: int | None,
    settings: AuditOptions,
    *,
    first: bool,
) -> list[str]:
    groups = prepared.groups
    positions = level.positions
    level_name = groups.level_name(positions)
    names = group_labels(groups, level)
    sizes = counts.sum(axis=-1)
    small = sizes < settings.min_group_size
    notes = []
    if first and isinstance(key, tuple) and reference is None:
        notes.append(
            MSG_REFERENCE_ABSENT.format(level=level_name, group=groups.group_name(positions, key))
        )
    if first and small.any():
        listed = [f"{names[g]} ({int(sizes[g])})" for g in np.flatnonzero(small)]
        notes.append(
            MSG_SMALL.format(
                level=level_name,
                count=int(small.sum()),
                total=level.n_groups,
                minimum=settings.min_group_size,
                groups=_listing(listed),
            )
        )
    words = {
        "prefix": f"class '{positive}': " if prepared.outcomes.multiclass else "",
        "level": level_name,
        "positive": positive,
        "reference": "the rest" if reference is None else names[reference],
    }
    notes += _problems(names, _caveats(counts, small), MSG_GROUP_PROBLEMS, words)
    if level.n_groups > 1:
        reference_caveats = _caveats(reference_counts(counts, reference), np.zeros_like(small))
        if reference is not None:
            reference_caveats[reference] = []
        notes += _problems(names, reference_caveats, MSG_REFERENCE_PROBLEMS, words)
    return notes


def _caveats(counts: np.ndarray, small: np.ndarray) -> list[list[str]]:
    tp, fp, tn, fn = np.moveaxis(counts, -1, 0)
    caveats: list[list[str]] = []
    for g in range(len(tp)):
        found = []
        if small[g]:
            found.append("small")
        if tp[g] + fn[g] == 0:
            found.append("no_positives")
        if fp[g] + tn[g] == 0:
            found.append("no_negatives")
        if tp[g] + fp[g] == 0:
            found.append("no_predicted_positives")
        caveats.append(found)
    return caveats


def _problems(
    names: list[str], caveats: list[list[str]], templates: dict[str, str], words: dict[str, str]
) -> list[str]:
    notes = []
    for problem, template in templates.items():
        hit = [name for name, found in zip(names, caveats) if problem in found]
        if hit:
            notes.append(template.format(groups=_listing(hit), **words))
    return notes


def _listing(names: list[str]) -> str:
    shown = ", ".join(names[:_SHOWN])
    return shown if len(names) <= _SHOWN else f"{shown} and {len(names) - _SHOWN} more"


def _with_intervals(
    table: pd.DataFrame,
    replicates: dict[str, np.ndarray] | None,
    metrics: Sequence[str],
    settings: AuditOptions,
) -> pd.DataFrame:
    """The table with ``<metric>_low`` and ``<metric>_high`` columns (NaN without bootstrap);
    percentile intervals, bias-corrected for the metrics that are never negative."""
    limits = {}
    for metric in metrics:
        if replicates is None:
            low = high = np.full(len(table), np.nan)
        elif REGISTRY[metric].kind in ("gap", "index"):
            low, high = bias_corrected_interval(
                replicates[metric], table[metric].to_numpy(), confidence=settings.confidence
            )
        else:
            low, high = interval(replicates[metric], confidence=settings.confidence)
        limits[f"{metric}_low"], limits[f"{metric}_high"] = low, high
    return pd.concat([table, pd.DataFrame(limits, index=table.index)], axis=1)


def _frame(name: str, frames: list[pd.DataFrame]) -> pd.DataFrame:
    frame = pd.concat(frames, ignore_index=True)
    if "size" in frame:
        frame["size"] = frame["size"].astype(np.int64)
    return indexed(frame, _INDEX[name])
