"""The Explanation result type: immutable, JSON-ready, top-k, table form, sub-word merging."""

import json
import re

import numpy as np
import pandas as pd
import pytest

from workbench import ExplanationError
from workbench.explain import Explanation, Faithfulness
from workbench.explain._explanation import MSG_BAD_K, MSG_LENGTHS_DIFFER


def make(features=("i", "feel", "hope", "##less"), values=(0.1, -0.3, 0.2, 0.25), **changes):
    fields = {
        "method": "ig",
        "kind": "text",
        "features": features,
        "attributions": values,
        "target": 1,
        "target_name": "urgent",
        "score": 0.8,
        "params": {"n_steps": 50},
        "convergence_delta": 0.001,
    }
    return Explanation(**{**fields, **changes})


@pytest.mark.parametrize("container", [list, tuple, np.array, pd.Series])
def test_attributions_become_a_read_only_float_array(container):
    result = make(values=container([1, 2, 3, 4]))
    assert result.attributions.dtype == float
    with pytest.raises(ValueError):
        result.attributions[0] = 5.0
    with pytest.raises(TypeError):
        result.params["n_steps"] = 3


def test_lengths_must_match():
    with pytest.raises(ExplanationError, match=re.escape(MSG_LENGTHS_DIFFER.format(n=4, m=2))):
        make(values=[1.0, 2.0])


def test_top_by_size_and_by_sign():
    result = make()
    assert result.top(2) == [("feel", -0.3), ("##less", 0.25)]
    assert result.top(2, absolute=False) == [("##less", 0.25), ("hope", 0.2)]
    assert len(result.top(10)) == 4


@pytest.mark.parametrize("k", [0, -1, 1.5, True])
def test_top_needs_a_positive_k(k):
    with pytest.raises(ExplanationError, match=re.escape(MSG_BAD_K.format(k=k))):
        make().top(k)


def test_to_frame():
    frame = make().to_frame()
    assert list(frame.columns) == ["position", "feature", "attribution"]
    assert frame["feature"].tolist() == ["i", "feel", "hope", "##less"]


def test_to_dict_is_json_ready():
    faith = Faithfulness(
        bins=(10.0, 50.0),
        comprehensiveness_by_bin=(0.2, 0.4),
        sufficiency_by_bin=(0.1, 0.0),
        steps=(0, 2, 4),
        deletion_curve=(0.8, 0.5, 0.3),
        insertion_curve=(0.3, 0.6, 0.8),
    )
    payload = json.loads(json.dumps(make(faithfulness=faith).to_dict()))
    assert payload["attributions"][1] == {"feature": "feel", "attribution": -0.3}
    assert payload["method"] == "ig" and payload["target_name"] == "urgent"
    assert payload["params"] == {"n_steps": 50}
    assert payload["convergence_delta"] == 0.001
    assert payload["faithfulness"]["comprehensiveness"] == pytest.approx(0.3)
    assert payload["faithfulness"]["sufficiency"] == pytest.approx(0.05)
    assert payload["faithfulness"]["deletion_auc"] == pytest.approx((0.65 + 0.4) / 2)
    assert payload["faithfulness"]["insertion_auc"] == pytest.approx((0.45 + 0.7) / 2)
    assert payload["faithfulness"]["infidelity"] is None


def test_words_of_the_word_tokenizer_are_its_tokens(text_model):
    from workbench.explain import explain

    words = explain(text_model, "I feel hopeless", cache=None)
    tokens = explain(text_model, "I feel hopeless", unit="subword", cache=None)
    assert words.features == tokens.features == ("i", "feel", "hopeless")
    assert words.params["unit"] == "word" and tokens.params["unit"] == "subword"
    np.testing.assert_allclose(words.attributions, tokens.attributions)
