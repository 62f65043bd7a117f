"""Mitigation with before/after audits: AIF360 post-processing of any model's scores, and
reweighing of the training rows of a model that can be retrained."""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._aif360 import aif360
from workbench.audit._audit import audit
from workbench.audit._groups import MISSING_GROUP, group_name
from workbench.audit._inputs import binary_truth, resolve_outcomes, text_column_of
from workbench.audit._names import POSTPROCESSORS
from workbench.audit._options import DEFAULT_OPTIONS, AuditOptions
from workbench.audit._result import AuditResult, records
from workbench.audit._threshold import check_threshold
from workbench.models import ModelAdapter, SklearnAdapter

MSG_UNKNOWN_METHOD = "unknown post-processing method {method!r}; choose one of {choices}"
MSG_NOT_BINARY = (
    "mitigation needs a binary decision (a binary model, or one score per row); a model with "
    "more than two classes decides by its most probable class"
)
MSG_NO_ATTRIBUTE = "attribute {attribute!r} is not a column of the data; its columns are {columns}"
MSG_NO_PRIVILEGED = (
    "privileged group {group!r} of {attribute!r} is not in the {part}; its groups there are "
    "{groups}"
)
MSG_ONE_SIDE = (
    "the {part} has no rows outside the privileged group {group!r} of {attribute!r}; there is "
    "nobody to compare it with"
)
MSG_BAD_SHARE = "fit_share must be between 0 and 1 (e.g. 0.5); got {value!r}"
MSG_NEEDS_RETRAIN = (
    "reweighing retrains the model; {kind} models cannot be retrained here, so pass "
    "retrain=function(train_data, weights) returning the retrained ModelAdapter"
)
MSG_AIF360_NOTE = "AIF360 {method}: {message}"
MSG_UNCHANGED = "{method} changed no decision on the held-out rows"


@dataclass(frozen=True)
class MitigationResult:
    """Audits of the same rows before and after a mitigation, and the new decisions."""

    method: str
    attribute: str
    privileged: str
    before: AuditResult
    after: AuditResult
    rows: np.ndarray
    decisions: np.ndarray | None
    notes: tuple[str, ...] = ()
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def table(self) -> pd.DataFrame:
        """Before/after/change per class, group and metric."""
        return self.before.compare(self.after)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: the before/after table and both audits."""
        return {
            "method": self.method,
            "attribute": self.attribute,
            "privileged": self.privileged,
            "params": self.params,
            "notes": list(self.notes),
            "table": records(self.table),
            "before": self.before.to_dict(),
            "after": self.after.to_dict(),
        }


def postprocess(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: Any,
    attribute: str,
    privileged: Any,
    method: str = "reject_option",
    protected: Sequence[str] | None = None,
    positive_class: Any = None,
    fit_share: float = 0.5,
    method_options: Mapping[str, Any] | None = None,
    options: AuditOptions = DEFAULT_OPTIONS,
    text_column: str | None = None,
) -> MitigationResult:
    """Fit an AIF360 post-processor on a random ``fit_share`` of the rows and audit the other
    rows before and after it changes the decisions.

    ``method`` is ``reject_option`` (Kamiran et al. 2012), ``equalized_odds`` (Hardt et al.
    2016) or ``calibrated_equalized_odds`` (Pleiss et al. 2017); ``method_options`` go to the
    AIF360 class. The ``privileged`` group (or list of groups) of ``attribute`` is set against
    all other rows. ``options`` give the threshold (one number), the seed of the split and the
    bootstrap, and the bounds of both audits.
    """
    if method not in POSTPROCESSORS:
        raise AuditError(MSG_UNKNOWN_METHOD.format(method=method, choices=list(POSTPROCESSORS)))
    if isinstance(fit_share, bool) or not isinstance(fit_share, int | float):
        raise AuditError(MSG_BAD_SHARE.format(value=fit_share))
    if not 0 < fit_share < 1 or not math.isfinite(fit_share):
        raise AuditError(MSG_BAD_SHARE.format(value=fit_share))
    threshold, seed = check_threshold(options.threshold), options.seed
    outcomes = resolve_outcomes(
        model_or_scores,
        data,
        label=label,
        positive_class=positive_class,
        text_column=text_column,
    )
    if outcomes.multiclass:
        raise AuditError(MSG_NOT_BINARY)
    kept = np.flatnonzero(outcomes.kept)
    favoured = _privileged_mask(data, attribute, privileged, kept)
    scores = outcomes.scores[:, 0]
    y_true = outcomes.y_true[:, 0]
    order = np.random.default_rng(seed).permutation(len(kept))
    cut = int(round(fit_share * len(kept)))
    fit, held = np.sort(order[:cut]), np.sort(order[cut:])
    for part, index in (("fitting rows", fit), ("held-out rows", held)):
        _check_sides(favoured[index], part, attribute, privileged)
    processor = _postprocessor(method, seed=seed, options=method_options or {})
    notes: list[str] = []
    with _global_random_state(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fit_true, fit_pred = _datasets(y_true[fit], scores[fit], favoured[fit], threshold)
        processor.fit(fit_true, fit_pred)
        _, held_pred = _datasets(y_true[held], scores[held], favoured[held], threshold)
        if method == "calibrated_equalized_odds":
            changed = processor.predict(held_pred, threshold=threshold)
        else:
            changed = processor.predict(held_pred)
    notes += [MSG_AIF360_NOTE.format(method=method, message=w.message) for w in caught]
    decisions = changed.labels.ravel() == 1.0
    if np.array_equal(decisions, scores[held] >= threshold):
        notes.append(MSG_UNCHANGED.format(method=method))
    rows = kept[held]
    frame = data.iloc[rows].reset_index(drop=True)
    labels = _labels(data, label, rows)
    positive = outcomes.classes[0]
    common = {
        "label": labels,
        "protected": list(protected) if protected else [attribute],
        "positive_class": positive,
    }
    audited = replace(options, privileged=_reference(attribute, privileged, common["protected"]))
    # Post-processing changes decisions, not scores: both audits are of 0/1 decisions, so that
    # they count the same breaches (calibration is measured on scores only).
    decided = replace(audited, threshold=0.5)
    before = audit((scores[held] >= threshold).astype(np.float64), frame, options=decided, **common)
    after = audit(decisions.astype(np.float64), frame, options=decided, **common)
    params = {
        "fit_rows": int(len(fit)),
        "held_out_rows": int(len(held)),
        "threshold": threshold,
        "seed": seed,
        "options": dict(method_options or {}),
    }
    return MitigationResult(
        method,
        attribute,
        ", ".join(_privileged_names(privileged)),
        before,
        after,
        rows,
        decisions,
        tuple(notes),
        params,
    )


def reweighing_weights(
    data: pd.DataFrame,
    *,
    label: Any,
    attribute: str,
    privileged: Any,
    positive_class: Any = None,
) -> np.ndarray:
    """AIF360 reweighing: a weight per row that makes label and privileged group independent."""
    y_true, favoured = _label_and_group(data, label, attribute, privileged, positive_class)
    truth, _ = _datasets(y_true, y_true.astype(np.float64), favoured, 0.5)
    reweighing = aif360().Reweighing(
        unprivileged_groups=[{"privileged": 0.0}], privileged_groups=[{"privileged": 1.0}]
    )
    return reweighing.fit_transform(truth).instance_weights.copy()


def reweigh(
    model: ModelAdapter,
    data: pd.DataFrame,
    *,
    label: Any,
    attribute: str,
    privileged: Any,
    train_data: pd.DataFrame,
    train_label: Any = None,
    retrain: Callable[[pd.DataFrame, np.ndarray], ModelAdapter] | None = None,
    protected: Sequence[str] | None = None,
    positive_class: Any = None,
    options: AuditOptions = DEFAULT_OPTIONS,
    text_column: str | None = None,
) -> MitigationResult:
    """Retrain with AIF360 reweighing weights on ``train_data``; audit ``data`` before and after.

    ``privileged`` is a group (or list of groups) of ``attribute``, set against all other rows.
    A scikit-learn model is refitted here (its final step gets ``sample_weight``); any other
    model needs ``retrain(train_data, weights)`` returning the retrained adapter. Both audits
    use ``options``, with ``privileged`` as the reference when it is one group.
    """
    training_label = label if train_label is None else train_label
    positive = model.positive_class if positive_class is None else positive_class
    weights = reweighing_weights(
        train_data,
        label=training_label,
        attribute=attribute,
        privileged=privileged,
        positive_class=positive,
    )
    if retrain is not None:
        retrained = retrain(train_data, weights)
    elif isinstance(model, SklearnAdapter):
        retrained = _refit_sklearn(model, train_data, training_label, weights, text_column)
    else:
        raise AuditError(MSG_NEEDS_RETRAIN.format(kind=model.framework))
    audited = list(protected) if protected else [attribute]
    common = {
        "label": label,
        "protected": audited,
        "positive_class": positive_class,
        "options": replace(options, privileged=_reference(attribute, privileged, audited)),
        "text_column": text_column,
    }
    before = audit(model, data, **common)
    after = audit(retrained, data, **common)
    params = {
        "train_rows": len(train_data),
        "weights": {
            "min": float(weights.min()),
            "max": float(weights.max()),
            "mean": float(weights.mean()),
        },
        "threshold": options.threshold_value(),
    }
    return MitigationResult(
        "reweighing",
        attribute,
        ", ".join(_privileged_names(privileged)),
        before,
        after,
        np.arange(len(data)),
        None,
        (),
        params,
    )


def _privileged_mask(
    data: pd.DataFrame, attribute: str, privileged: Any, rows: np.ndarray
) -> np.ndarray:
    if attribute not in data.columns:
        raise AuditError(MSG_NO_ATTRIBUTE.format(attribute=attribute, columns=list(data.columns)))
    values = data[attribute].iloc[rows]
    names = values.map(group_name, na_action="ignore").fillna(MISSING_GROUP).to_numpy()
    chosen = _privileged_names(privileged)
    absent = [name for name in chosen if name not in set(names)]
    if absent:
        raise AuditError(
            MSG_NO_PRIVILEGED.format(
                group=absent[0], attribute=attribute, part="data", groups=sorted(set(names))
            )
        )
    return np.isin(names, chosen)


def _privileged_names(privileged: Any) -> list[str]:
    if isinstance(privileged, str) or not isinstance(privileged, Sequence):
        return [group_name(privileged)]
    return [group_name(group) for group in privileged]


def _reference(
    attribute: str, privileged: Any, protected: list[str]
) -> dict[str, str | None] | None:
    """The audit's reference: the one privileged group of ``attribute``, the other protected
    attributes against the rest; None (all against the rest) for a list of privileged groups."""
    names = _privileged_names(privileged)
    return {**dict.fromkeys(protected), attribute: names[0]} if len(names) == 1 else None


def _check_sides(favoured: np.ndarray, part: str, attribute: str, privileged: Any) -> None:
    if not favoured.any():
        raise AuditError(
            MSG_NO_PRIVILEGED.format(group=privileged, attribute=attribute, part=part, groups=[])
        )
    if favoured.all():
        raise AuditError(MSG_ONE_SIDE.format(part=part, group=privileged, attribute=attribute))


def _label_and_group(
    data: pd.DataFrame, label: Any, attribute: str, privileged: Any, positive_class: Any
) -> tuple[np.ndarray, np.ndarray]:
    y_true = binary_truth(data, label=label, positive_class=positive_class)
    favoured = _privileged_mask(data, attribute, privileged, np.arange(len(data)))
    _check_sides(favoured, "training rows", attribute, privileged)
    return y_true, favoured


def _labels(data: pd.DataFrame, label: Any, rows: np.ndarray) -> np.ndarray:
    values = data[label] if isinstance(label, str) else pd.Series(np.asarray(label, dtype=object))
    return values.iloc[rows].to_numpy()


def _postprocessor(method: str, *, seed: int, options: Mapping[str, Any]) -> Any:
    groups = {
        "unprivileged_groups": [{"privileged": 0.0}],
        "privileged_groups": [{"privileged": 1.0}],
    }
    library = aif360()
    if method == "reject_option":
        return library.RejectOptionClassification(**groups, **options)
    if method == "equalized_odds":
        return library.EqOddsPostprocessing(**groups, seed=seed, **options)
    return library.CalibratedEqOddsPostprocessing(**groups, seed=seed, **options)


def _datasets(
    y_true: np.ndarray, scores: np.ndarray, favoured: np.ndarray, threshold: float
) -> tuple[Any, Any]:
    frame = pd.DataFrame(
        {"privileged": favoured.astype(np.float64), "label": y_true.astype(np.float64)}
    )
    truth = aif360().BinaryLabelDataset(
        df=frame,
        label_names=["label"],
        protected_attribute_names=["privileged"],
        favorable_label=1.0,
        unfavorable_label=0.0,
    )
    predicted = truth.copy(deepcopy=True)
    predicted.scores = scores.astype(np.float64)[:, None]
    predicted.labels = (scores >= threshold).astype(np.float64)[:, None]
    return truth, predicted


@contextmanager
def _global_random_state() -> Iterator[None]:
    """Restore numpy's global random state, which AIF360's equalized odds methods reseed."""
    state = np.random.get_state()
    try:
        yield
    finally:
        np.random.set_state(state)


def _refit_sklearn(
    model: SklearnAdapter,
    train_data: pd.DataFrame,
    label: Any,
    weights: np.ndarray,
    text_column: str | None,
) -> SklearnAdapter:
    # scikit-learn is imported only here, so that importing the audit stays fast.
    from sklearn.base import clone
    from sklearn.pipeline import Pipeline

    estimator = clone(model.estimator)
    inputs = (
        train_data[text_column_of(train_data, text_column)].tolist()
        if model.kind == "text"
        else train_data.loc[:, list(model.feature_columns)]
    )
    targets = train_data[label] if isinstance(label, str) else pd.Series(label)
    targets = targets.map(group_name).to_numpy()
    step = f"{estimator.steps[-1][0]}__" if isinstance(estimator, Pipeline) else ""
    estimator.fit(inputs, targets, **{f"{step}sample_weight": weights})
    info = replace(model.info, name=f"{model.name} (reweighed)", fingerprint="")
    return SklearnAdapter(estimator, info, batch_size=model.batch_size)
