"""Protected attributes as integer group codes, and the attribute intersections to audit."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING_GROUP = "missing"
JOIN = " & "

MSG_NO_VALUE = (
    "{attribute}: {count} row(s) have no value; they form their own group {group!r}, audited "
    "like any other group"
)


@dataclass(frozen=True)
class GroupCodes:
    """Each row's group code per protected attribute, and the group names behind the codes."""

    attributes: tuple[str, ...]
    codes: np.ndarray
    categories: tuple[tuple[str, ...], ...]
    notes: tuple[str, ...]

    @property
    def sizes(self) -> tuple[int, ...]:
        """Number of groups of each attribute."""
        return tuple(len(c) for c in self.categories)

    def level_name(self, level: tuple[int, ...]) -> str:
        """Name of an attribute or intersection, e.g. ``gender & ethnicity``."""
        return JOIN.join(self.attributes[a] for a in level)

    def group_name(self, level: tuple[int, ...], key: Sequence[int]) -> str:
        """Name of one group of a level, e.g. ``female & black``."""
        return JOIN.join(self.categories[a][int(k)] for a, k in zip(level, key))

    def codes_of(self, attribute: str) -> np.ndarray:
        """Group codes of one attribute, one per row."""
        return self.codes[:, self.attributes.index(attribute)]


def encode_groups(
    data: pd.DataFrame, attributes: Sequence[str], *, weights: np.ndarray | None = None
) -> GroupCodes:
    """Code every protected column as integers; values become text names, no value ``missing``.

    ``weights`` are the rows each row of ``data`` stands for (counted outcomes).
    """
    columns, categories, notes = [], [], []
    for attribute in attributes:
        codes, names, missing = _encode(data[attribute], weights)
        columns.append(codes)
        categories.append(names)
        if missing:
            notes.append(MSG_NO_VALUE.format(attribute=attribute, count=missing, group=names[-1]))
    matrix = np.column_stack(columns) if columns else np.zeros((len(data), 0), dtype=np.int64)
    return GroupCodes(tuple(attributes), matrix, tuple(categories), tuple(notes))


def levels(count: int, *, intersections: bool) -> list[tuple[int, ...]]:
    """Attribute positions to audit: each attribute, then every intersection of two or more."""
    orders = range(1, count + 1) if intersections else (1,)
    return [combo for order in orders for combo in itertools.combinations(range(count), order)]


def group_name(value: object) -> str:
    """The text name of a group (or class) value: ``1.0`` and ``1`` both become ``'1'``; no
    value (None, NaN) is the group ``missing``."""
    if value is None or value is pd.NA:
        return MISSING_GROUP
    if isinstance(value, float | np.floating) and math.isnan(value):
        return MISSING_GROUP
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, float | np.floating) and math.isfinite(value) and value == int(value):
        return str(int(value))
    return str(value)


def _encode(
    column: pd.Series, weights: np.ndarray | None
) -> tuple[np.ndarray, tuple[str, ...], int]:
    raw_codes, uniques = pd.factorize(column, use_na_sentinel=True)
    names = [group_name(u) for u in uniques]
    ordered = sorted(set(names), key=_sort_key)
    position = {name: i for i, name in enumerate(ordered)}
    lookup = np.asarray([position[name] for name in names], dtype=np.int64)
    absent = raw_codes < 0
    missing = int(absent.sum() if weights is None else weights[absent].sum())
    codes = np.empty(len(raw_codes), dtype=np.int64)
    present = raw_codes >= 0
    codes[present] = lookup[raw_codes[present]]
    if missing:
        label = MISSING_GROUP
        while label in position:
            label = f"({label})"
        codes[~present] = len(ordered)
        ordered.append(label)
    return codes, tuple(ordered), missing


def _sort_key(name: str) -> tuple[int, float, str]:
    try:
        return (0, float(name), name)
    except ValueError:
        return (1, 0.0, name)
