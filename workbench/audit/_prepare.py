"""Inputs of an audit checked and coded once: outcomes, protected groups and the comparisons."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import AuditError
from workbench.audit._groups import GroupCodes, encode_groups, group_name, levels
from workbench.audit._inputs import Outcomes, resolve_outcomes
from workbench.audit._metrics import Level
from workbench.audit._options import BEST_OFF

REST = "rest"

MSG_NO_PROTECTED = "name at least one protected attribute (a column of the data) in protected="
MSG_PROTECTED_NOT_TEXT = "protected attributes must be column names (str); got {value!r}"
MSG_MISSING_PROTECTED = (
    "protected attribute {attribute!r} is not a column of the data, so it was not audited; "
    "the data's columns are {columns}"
)
MSG_NO_PROTECTED_COLUMNS = (
    "none of the protected attributes {protected} is a column of the data; its columns are "
    "{columns}"
)
MSG_ONE_GROUP = (
    "{attribute}: only one group ({group!r}) is present, so there is nothing to compare it with; "
    "its rates are reported but it has no between-group metrics and no intersections"
)
MSG_PRIVILEGED_NOT_MAPPING = (
    "privileged must map attribute to its privileged group, e.g. {{'gender': 'male'}}, or be "
    "'best_off' or None (the rest); got {kind}"
)
MSG_PRIVILEGED_PARTIAL = (
    "privileged names no group for {missing}; name one for every audited attribute (None "
    "compares an attribute's groups with the rest), or compare every group with the rest or "
    "the best-off group"
)
MSG_PRIVILEGED_ATTRIBUTE = (
    "privileged names attribute {attribute!r}, which is not an audited protected attribute "
    "{protected}"
)
MSG_PRIVILEGED_GROUP = (
    "privileged group {group!r} of {attribute!r} is not in the data; its groups are {groups}"
)


@dataclass(frozen=True)
class Prepared:
    """Everything an audit needs, checked: outcomes, group codes and what to compare."""

    outcomes: Outcomes
    groups: GroupCodes
    plan: tuple[tuple[tuple[int, ...], tuple[int, ...] | str | None], ...]
    privileged: dict[str, str]
    notes: tuple[str, ...]
    skipped: tuple[str, ...]


def prepare(
    model_or_scores: Any,
    data: pd.DataFrame,
    *,
    label: Any,
    protected: str | Sequence[str],
    positive_class: Any,
    classes: Sequence[str] | None,
    text_column: str | None,
    privileged: Mapping[str, Any] | str | None,
    intersections: bool,
) -> Prepared:
    """Check and code the inputs of an audit; problems that stop it raise ``AuditError``."""
    outcomes = resolve_outcomes(
        model_or_scores,
        data,
        label=label,
        positive_class=positive_class,
        classes=classes,
        text_column=text_column,
    )
    return prepare_outcomes(
        outcomes, data, protected=protected, privileged=privileged, intersections=intersections
    )


def prepare_outcomes(
    outcomes: Outcomes,
    data: pd.DataFrame,
    *,
    protected: str | Sequence[str],
    privileged: Mapping[str, Any] | str | None,
    intersections: bool,
) -> Prepared:
    """Code the protected groups of ``data`` (the rows of ``outcomes``) and plan what each is
    compared with; problems that stop the audit raise ``AuditError``."""
    attributes = _protected_names(protected)
    present = [a for a in attributes if a in data.columns]
    notes = list(outcomes.notes)
    skipped = tuple(a for a in attributes if a not in data.columns)
    notes += [
        MSG_MISSING_PROTECTED.format(attribute=a, columns=list(data.columns)) for a in skipped
    ]
    if not present:
        raise AuditError(
            MSG_NO_PROTECTED_COLUMNS.format(protected=attributes, columns=list(data.columns))
        )
    rows = data.loc[outcomes.kept, present].reset_index(drop=True)
    groups = encode_groups(rows, present, weights=outcomes.weights)
    notes += groups.notes
    chosen = _privileged(privileged, groups)
    varied = [i for i, size in enumerate(groups.sizes) if size > 1]
    notes += [
        MSG_ONE_GROUP.format(attribute=groups.attributes[i], group=groups.categories[i][0])
        for i, size in enumerate(groups.sizes)
        if size == 1
    ]
    plan = [((i,), _reference(groups, (i,), chosen)) for i in range(len(present))]
    for combo in levels(len(varied), intersections=intersections):
        if len(combo) > 1:
            positions = tuple(varied[i] for i in combo)
            plan.append((positions, _reference(groups, positions, chosen)))
    named = {} if chosen == BEST_OFF else chosen
    return Prepared(outcomes, groups, tuple(plan), named, tuple(notes), skipped)


def _protected_names(protected: str | Sequence[str]) -> list[str]:
    names = [protected] if isinstance(protected, str) else list(protected or [])
    if not names:
        raise AuditError(MSG_NO_PROTECTED)
    for name in names:
        if not isinstance(name, str):
            raise AuditError(MSG_PROTECTED_NOT_TEXT.format(value=name))
    return list(dict.fromkeys(names))


def _privileged(
    privileged: Mapping[str, Any] | str | None, groups: GroupCodes
) -> dict[str, str] | str:
    if privileged is None or privileged == BEST_OFF:
        return {} if privileged is None else BEST_OFF
    if not isinstance(privileged, Mapping):
        raise AuditError(MSG_PRIVILEGED_NOT_MAPPING.format(kind=type(privileged).__name__))
    chosen = {}
    for attribute, value in privileged.items():
        if value is None:
            continue
        if attribute not in groups.attributes:
            raise AuditError(
                MSG_PRIVILEGED_ATTRIBUTE.format(
                    attribute=attribute, protected=list(groups.attributes)
                )
            )
        names = groups.categories[groups.attributes.index(attribute)]
        if group_name(value) not in names:
            raise AuditError(
                MSG_PRIVILEGED_GROUP.format(group=value, attribute=attribute, groups=list(names))
            )
        chosen[attribute] = group_name(value)
    missing = [a for a in groups.attributes if a not in privileged]
    if missing:
        raise AuditError(MSG_PRIVILEGED_PARTIAL.format(missing=missing))
    return chosen


def _reference(
    groups: GroupCodes, positions: tuple[int, ...], privileged: dict[str, str] | str
) -> tuple[int, ...] | str | None:
    if privileged == BEST_OFF:
        return BEST_OFF
    names = [groups.attributes[p] for p in positions]
    if not all(name in privileged for name in names):
        return None
    return tuple(groups.categories[p].index(privileged[name]) for p, name in zip(positions, names))


def group_labels(groups: GroupCodes, level: Level) -> list[str]:
    """Names of a level's observed groups, in order."""
    return [groups.group_name(level.positions, key) for key in level.keys]


def reference_of(
    groups: GroupCodes,
    level: Level,
    key: tuple[int, ...] | str | None,
    *,
    counts: np.ndarray,
    min_group_size: int,
) -> tuple[int | None, str]:
    """Position and name of a level's reference group (``key``: the privileged combination,
    ``BEST_OFF`` or None); (None, 'rest') for all other rows."""
    if key == BEST_OFF:
        best = best_off(counts, counts.sum(axis=-1) < min_group_size)
        key = None if best is None else tuple(int(code) for code in level.keys[best])
    index = None if key is None else level.index_of(key)
    if index is None:
        return None, REST
    return index, groups.group_name(level.positions, key)


def best_off(counts: np.ndarray, small: np.ndarray) -> int | None:
    """Position of the best-off group: the lowest false negative rate among groups that are not
    small and have truly positive rows, ties going to the higher selection rate, then the
    larger group; None when no group qualifies.

    In triage a missed positive (a crisis not flagged) is the harm the audit guards against,
    so the group the model misses least is the one every other group should match.
    """
    tp, fp, _, fn = np.moveaxis(counts, -1, 0).astype(np.float64)
    candidates = np.flatnonzero(~small & (tp + fn > 0))
    if not len(candidates):
        return None
    sizes = counts.sum(axis=-1)
    fnr = fn[candidates] / (tp + fn)[candidates]
    selection = (tp + fp)[candidates] / sizes[candidates]
    order = np.lexsort((-sizes[candidates], -selection, fnr))
    return int(candidates[order[0]])
