"""Global and per-group views: mean |attribution| of each token or feature over many inputs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from workbench._errors import ExplanationError
from workbench.explain._explanation import Explanation

MSG_NO_EXPLANATIONS = "there are no explanations to aggregate"
MSG_MIXED_TARGETS = (
    "the explanations are for different classes {names}; explain every input for one target "
    "(e.g. target={first!r}) before aggregating"
)
MSG_GROUPS_LENGTH = "got {n} explanations but {m} group labels; give one label per explanation"
MSG_BAD_MIN_COUNT = "min_count must be a positive whole number; got {value!r}"
COLUMNS = ["feature", "mean_abs_attribution", "mean_attribution", "count"]


def global_importance(explanations: Sequence[Explanation], *, min_count: int = 1) -> pd.DataFrame:
    """Mean |attribution|, mean attribution and occurrence count per token or feature.

    Tokens are grouped by their text; features seen fewer than ``min_count`` times are dropped.
    Rows are sorted by mean |attribution|, largest first.
    """
    _check(explanations, min_count)
    return _summarise(_long(explanations), min_count).reset_index(drop=True)


def group_importance(
    explanations: Sequence[Explanation], groups: Sequence, *, min_count: int = 1
) -> pd.DataFrame:
    """Mean |attribution| per token or feature (rows) and group (columns), plus ``difference``.

    ``groups`` holds one label per explanation, e.g. a demographic column of the explained rows.
    A cell seen fewer than ``min_count`` times is NaN; ``difference`` is the largest minus the
    smallest group value (NaN unless two groups have one). Rows are sorted by the overall mean
    |attribution|.
    """
    _check(explanations, min_count)
    labels = list(groups)
    if len(labels) != len(explanations):
        raise ExplanationError(MSG_GROUPS_LENGTH.format(n=len(explanations), m=len(labels)))
    long = _long(explanations)
    long["group"] = np.repeat(labels, [len(e.features) for e in explanations])
    overall = _summarise(long, min_count)
    per_group = long.groupby(["feature", "group"], sort=True)["magnitude"].agg(
        mean_abs="mean", count="size"
    )
    per_group.loc[per_group["count"] < min_count, "mean_abs"] = np.nan
    wide = per_group["mean_abs"].unstack("group").reindex(overall["feature"])
    wide.columns.name = None
    spread = wide.max(axis=1) - wide.min(axis=1)
    wide["difference"] = spread.where(wide.count(axis=1) >= 2)
    wide.index.name = "feature"
    return wide


def _check(explanations: Sequence[Explanation], min_count: int) -> None:
    if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
        raise ExplanationError(MSG_BAD_MIN_COUNT.format(value=min_count))
    if len(explanations) == 0:
        raise ExplanationError(MSG_NO_EXPLANATIONS)
    names = sorted({e.target_name for e in explanations})
    if len(names) > 1:
        raise ExplanationError(MSG_MIXED_TARGETS.format(names=names, first=names[0]))


def _long(explanations: Sequence[Explanation]) -> pd.DataFrame:
    attributions = np.concatenate([e.attributions for e in explanations])
    return pd.DataFrame(
        {
            "feature": [f for e in explanations for f in e.features],
            "attribution": attributions,
            "magnitude": np.abs(attributions),
        }
    )


def _summarise(long: pd.DataFrame, min_count: int) -> pd.DataFrame:
    grouped = long.groupby("feature", sort=True)
    summary = pd.DataFrame(
        {
            "mean_abs_attribution": grouped["magnitude"].mean(),
            "mean_attribution": grouped["attribution"].mean(),
            "count": grouped.size(),
        }
    )
    summary = summary[summary["count"] >= min_count].reset_index()
    return summary.sort_values(
        ["mean_abs_attribution", "feature"], ascending=[False, True], kind="stable"
    )[COLUMNS]
