"""Agreement between two explanations of one input: Spearman correlation and top-k overlap."""

import dataclasses
import json
import math
import re

import numpy as np
import pytest

from explain.cases import MESSAGES
from workbench import ExplanationError
from workbench.explain import Agreement, agreement, explain
from workbench.explain._agreement import MSG_BAD_K, MSG_FEATURES_DIFFER, MSG_TARGETS_DIFFER
from workbench.explain._explanation import Explanation


def make(values, features=None, target=1, method="ig"):
    features = features or tuple(f"w{i}" for i in range(len(values)))
    return Explanation(method=method, kind="text", features=features, attributions=values,
                       target=target, target_name=str(target), score=0.5)


@pytest.mark.parametrize("container", [list, tuple, np.array])
def test_identical_rankings_agree_fully(container):
    result = agreement(make(container([0.5, 0.1, -0.2, 0.3])), make([5.0, 1.0, -2.0, 3.0]), k=2)
    assert result == Agreement(methods=("ig", "ig"), spearman=1.0, top_k_overlap=1.0, k=2,
                               n_features=4)


def test_reversed_rankings_disagree():
    result = agreement(make([1.0, 2.0, 3.0, 4.0]), make([4.0, 3.0, 2.0, 1.0]), k=2)
    assert result.spearman == pytest.approx(-1.0)
    assert result.top_k_overlap == 0.0


def test_top_k_uses_size_and_is_capped_at_the_feature_count():
    result = agreement(make([-3.0, 0.1, 2.0]), make([3.0, 0.1, 2.0]), k=10)
    assert result.k == 3 and result.top_k_overlap == 1.0
    half = agreement(make([-3.0, 0.1, 2.0, 0.0]), make([0.0, 3.0, 2.0, 0.1]), k=2)
    assert half.top_k_overlap == 0.5


def test_constant_ranking_has_no_correlation():
    result = agreement(make([0.0, 0.0, 0.0]), make([1.0, 2.0, 3.0]))
    assert math.isnan(result.spearman)
    assert json.loads(json.dumps(result.to_dict()))["spearman"] is None


def test_different_features_are_refused():
    message = MSG_FEATURES_DIFFER.format(n=2, m=3)
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        agreement(make([1.0, 2.0]), make([1.0, 2.0, 3.0]))


def test_different_targets_are_refused():
    message = MSG_TARGETS_DIFFER.format(first="0", second="1")
    with pytest.raises(ExplanationError, match=f"^{re.escape(message)}$"):
        agreement(make([1.0, 2.0], target=0), make([1.0, 2.0], target=1))


@pytest.mark.parametrize("k", [0, 2.0, False])
def test_bad_k(k):
    with pytest.raises(ExplanationError, match=f"^{re.escape(MSG_BAD_K.format(k=k))}$"):
        agreement(make([1.0, 2.0]), make([1.0, 2.0]), k=k)


def test_captum_and_lime_agree_on_a_tiny_model(text_model):
    ig = explain(text_model, MESSAGES[2], target="urgent", cache=None)
    lime = explain(text_model, MESSAGES[2], method="lime", target="urgent", n_samples=500,
                   cache=None)
    result = agreement(ig, lime, k=2)
    assert result.methods == ("ig", "lime")
    assert result.spearman > 0.5 and result.top_k_overlap == 1.0
    flipped = dataclasses.replace(lime, attributions=-lime.attributions)
    assert agreement(ig, flipped).spearman < -0.5
