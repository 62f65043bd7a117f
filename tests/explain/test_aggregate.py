"""Global and per-group views: mean |attribution| per token or feature over many inputs."""

import re

import numpy as np
import pandas as pd
import pytest

from explain.cases import MESSAGES
from workbench import ExplanationError
from workbench.explain import explain_batch, global_importance, group_importance
from workbench.explain._aggregate import (
    MSG_BAD_MIN_COUNT,
    MSG_GROUPS_LENGTH,
    MSG_MIXED_TARGETS,
    MSG_NO_EXPLANATIONS,
)
from workbench.explain._explanation import Explanation


def make(features, values, target_name="urgent"):
    return Explanation(method="ig", kind="text", features=features, attributions=values,
                       target=1, target_name=target_name, score=0.9)


EXPLANATIONS = [
    make(("i", "feel", "hopeless"), [0.0, 0.1, 0.6]),
    make(("hopeless", "tonight"), [0.4, 0.3]),
    make(("need", "a", "refill"), [0.0, 0.0, -0.5]),
    make(("hopeless", "hopeless"), [0.2, 0.2]),
]


def test_global_importance_known_values():
    table = global_importance(EXPLANATIONS)
    assert list(table.columns) == ["feature", "mean_abs_attribution", "mean_attribution", "count"]
    top = table.iloc[0]
    assert top["feature"] == "refill" and top["mean_abs_attribution"] == pytest.approx(0.5)
    assert top["mean_attribution"] == pytest.approx(-0.5)
    hopeless = table.set_index("feature").loc["hopeless"]
    assert hopeless["count"] == 4
    assert hopeless["mean_abs_attribution"] == pytest.approx(0.35)
    assert table["mean_abs_attribution"].is_monotonic_decreasing


def test_min_count_drops_rare_features():
    assert global_importance(EXPLANATIONS, min_count=2)["feature"].tolist() == ["hopeless"]


@pytest.mark.parametrize("container", [list, np.array, pd.Series])
def test_group_importance_wide_table(container):
    table = group_importance(EXPLANATIONS, container(["a", "b", "a", "b"]))
    assert list(table.columns) == ["a", "b", "difference"]
    assert table.index.name == "feature"
    assert table.loc["hopeless", "a"] == pytest.approx(0.6)
    assert table.loc["hopeless", "b"] == pytest.approx((0.4 + 0.2 + 0.2) / 3)
    assert table.loc["hopeless", "difference"] == pytest.approx(0.6 - 0.8 / 3)
    assert np.isnan(table.loc["tonight", "a"]) and np.isnan(table.loc["tonight", "difference"])
    assert table.index[0] == "refill"


def test_group_importance_min_count():
    table = group_importance(EXPLANATIONS, ["a", "b", "a", "b"], min_count=2)
    assert table.index.tolist() == ["hopeless"]
    assert np.isnan(table.loc["hopeless", "a"]) and table.loc["hopeless", "b"] > 0


def test_groups_must_match_the_explanations():
    message = MSG_GROUPS_LENGTH.format(n=4, m=2)
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        group_importance(EXPLANATIONS, ["a", "b"])


def test_mixed_targets_are_refused():
    mixed = [*EXPLANATIONS, make(("ok",), [0.1], target_name="routine")]
    message = MSG_MIXED_TARGETS.format(names=["routine", "urgent"], first="routine")
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        global_importance(mixed)


def test_nothing_to_aggregate():
    with pytest.raises(ExplanationError, match=f"^{re.escape(MSG_NO_EXPLANATIONS)}$"):
        global_importance([])


@pytest.mark.parametrize("value", [0, 1.5, True])
def test_bad_min_count(value):
    message = MSG_BAD_MIN_COUNT.format(value=value)
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        global_importance(EXPLANATIONS, min_count=value)


def test_aggregating_a_batch(text_model):
    explanations = explain_batch(text_model, MESSAGES, target="urgent", progress=False)
    table = global_importance(explanations)
    assert table.iloc[0]["feature"] == "hopeless"
    by_group = group_importance(explanations, ["x", "y", "x", "y"])
    assert by_group.loc["hopeless"].notna().all()
