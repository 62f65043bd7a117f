"""The checks of what is explained, and the digest of background rows: light (numpy and pandas
only), so that the store serves explanations without importing torch or Captum."""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd

from workbench._errors import ExplanationError
from workbench.models import ModelAdapter

MSG_TEXT_NOT_STR = "a text model explains one message given as str; got {kind}"
MSG_EMPTY_TEXT = "the message is empty; a model cannot be explained on an empty message"
MSG_NOT_A_ROW = (
    "a tabular model explains one row: a one-row DataFrame, a Series or a dict of feature "
    "values; got {kind}"
)
MSG_ONE_ROW = "explain takes one row; got a table of {n} rows (use explain_batch for many)"
MSG_MISSING_FEATURES = "the row lacks feature columns {missing} that model {model!r} needs"
MSG_MISSING_VALUES = "the row has no value for feature(s) {columns}; impute them first"
MSG_BACKGROUND_COLUMNS = "the background rows lack feature columns {missing}"
MSG_BACKGROUND_EMPTY = "the background has no rows with a value in every feature column"
MSG_BAD_TARGET = (
    "target {target!r} is not a class of model {model!r}; give a class name from {names} or an "
    "index from 0 to {last}"
)
MSG_TEXTS_NOT_LIST = "explain_batch takes a list (or Series) of messages; got {kind}"


def check_text(text: Any) -> str:
    """The message, if it is a non-empty str."""
    if not isinstance(text, str):
        raise ExplanationError(MSG_TEXT_NOT_STR.format(kind=type(text).__name__))
    if not text.strip():
        raise ExplanationError(MSG_EMPTY_TEXT)
    return text


def check_rows(model: ModelAdapter, rows: Any, *, single: bool) -> pd.DataFrame:
    """The feature columns of the rows to explain, checked for missing columns and values."""
    if isinstance(rows, pd.Series):
        rows = pd.DataFrame([rows.to_dict()]).infer_objects()
    elif isinstance(rows, dict):
        rows = pd.DataFrame([rows])
    elif not isinstance(rows, pd.DataFrame):
        raise ExplanationError(MSG_NOT_A_ROW.format(kind=type(rows).__name__))
    if single and len(rows) != 1:
        raise ExplanationError(MSG_ONE_ROW.format(n=len(rows)))
    missing = [c for c in model.feature_columns if c not in rows.columns]
    if missing:
        raise ExplanationError(MSG_MISSING_FEATURES.format(missing=missing, model=model.name))
    table = rows.loc[:, list(model.feature_columns)].reset_index(drop=True)
    empty = [c for c in model.feature_columns if table[c].isna().any()]
    if empty:
        raise ExplanationError(MSG_MISSING_VALUES.format(columns=empty))
    return table


def check_background(model: ModelAdapter, background: pd.DataFrame) -> pd.DataFrame:
    """Background rows restricted to the feature columns, without rows missing a value."""
    missing = [c for c in model.feature_columns if c not in background.columns]
    if missing:
        raise ExplanationError(MSG_BACKGROUND_COLUMNS.format(missing=missing))
    table = background.loc[:, list(model.feature_columns)].dropna().reset_index(drop=True)
    if table.empty:
        raise ExplanationError(MSG_BACKGROUND_EMPTY)
    return table


def background_digest(background: pd.DataFrame | None) -> str:
    """SHA-256 of the background rows' values (part of the cache key)."""
    if background is None:
        return ""
    hashed = pd.util.hash_pandas_object(background, index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes()).hexdigest()


def resolve_target(model: ModelAdapter, target: int | str | None) -> int | None:
    """The class index of ``target`` (a name or an index); None stays None (predicted class)."""
    if target is None:
        return None
    if isinstance(target, str) and target in model.class_names:
        return model.class_names.index(target)
    if isinstance(target, int | np.integer) and not isinstance(target, bool):
        if 0 <= int(target) < len(model.class_names):
            return int(target)
    raise ExplanationError(
        MSG_BAD_TARGET.format(
            target=target,
            model=model.name,
            names=list(model.class_names),
            last=len(model.class_names) - 1,
        )
    )
