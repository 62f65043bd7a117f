"""Explanations for the interactive views (workbench.app.compare), on the sample models."""

from __future__ import annotations

import pandas as pd
import pytest

import workbench
from workbench.app.browse import open_subject
from workbench.app.compare import (
    FAST_PARAMS,
    MSG_BAD_ROWS,
    MSG_NO_MODEL,
    explain_pair,
    fast_params,
    importance,
    quick_explain,
)

# IG and LIME share 3 of their top 5 words here, so the overlap is neither 0 nor 1.
HARD_NIGHT = "I cannot sleep and I feel hopeless, my appointment is next week but tonight is hard"
MESSAGE = "My name is Jane Doe, mail jane@example.org. I want to end it tonight, I have my pills."


@pytest.fixture(scope="module")
def crisis():
    return open_subject(workbench.sample_model_specs()["crisis_text"])


@pytest.fixture(scope="module")
def relapse():
    return open_subject(workbench.sample_model_specs()["relapse_tabular"])


def test_fast_params_only_name_what_the_method_takes(crisis, relapse):
    assert fast_params(crisis.model, "ig") == {"n_steps": FAST_PARAMS["ig"]["n_steps"]}
    assert fast_params(crisis.model, "lime") == {"n_samples": 500}
    assert fast_params(crisis.model, "saliency") == {}
    assert fast_params(relapse.model, "lime") == {"n_samples": 500}


def test_pair_explains_the_message_as_written_and_shows_it_redacted(crisis):
    pair = explain_pair(crisis.model, MESSAGE)
    assert "jane@example.org" not in pair.text and "[EMAIL]" in pair.text
    assert set(pair.redacted) == {"NAME", "EMAIL"}
    written = crisis.model.predict_proba([MESSAGE])[0, 1]
    redacted = crisis.model.predict_proba([pair.text])[0, 1]
    assert abs(written - redacted) > 1e-4  # redaction would change the score explained
    for explanation in (pair.first, pair.second):
        assert explanation.score == pytest.approx(written, abs=1e-6)
        assert not {"jane", "doe", "example", "org"} & set(explanation.features)
        assert {"[NAME]", "[EMAIL]"} <= set(explanation.features)
        assert explanation.faithfulness is not None
    assert (pair.first.method, pair.second.method) == ("ig", "lime")
    assert pair.first.params["n_steps"] == 32 and pair.second.params["n_samples"] == 500
    assert pair.first.target_name == pair.second.target_name == "urgent"


def test_pair_agreement_is_between_its_two_explanations(crisis):
    pair = explain_pair(crisis.model, HARD_NIGHT)
    first, second = pair.first.attributions, pair.second.attributions
    by_rank = pd.Series(first).corr(pd.Series(second), method="spearman")
    top = min(5, len(first))
    largest = {i for i in range(len(first)) if (abs(first) > abs(first[i])).sum() < top}
    shared = largest & {i for i in range(len(second)) if (abs(second) > abs(second[i])).sum() < top}
    assert pair.agreement.methods == ("ig", "lime")
    assert pair.agreement.n_features == len(pair.first.features) == len(second)
    assert pair.agreement.spearman == pytest.approx(by_rank)
    assert (pair.agreement.k, pair.agreement.top_k_overlap) == (top, len(shared) / top)
    assert 0 < len(shared) < top


def test_pair_follows_the_chosen_method_and_class(crisis):
    pair = explain_pair(crisis.model, MESSAGE, method="saliency", target="routine")
    assert pair.first.method == "saliency"
    assert pair.first.target_name == pair.second.target_name == "routine"


def test_no_model_is_a_plain_error():
    with pytest.raises(workbench.ExplanationError) as caught:
        explain_pair(None, MESSAGE)
    assert str(caught.value) == MSG_NO_MODEL


def test_quick_explain_of_a_row_uses_the_background(relapse):
    row = relapse.data.iloc[[0]]
    explanation = quick_explain(relapse.model, row, background=relapse.data)
    assert explanation.features == relapse.model.feature_columns
    assert explanation.params["background_rows"] == len(relapse.data)
    assert explanation.faithfulness.infidelity is not None


def test_importance_overall_and_per_group(relapse):
    overall = importance(relapse, rows=100)
    assert overall.rows == 100 and overall.attribute is None
    assert set(overall.table["feature"]) == set(relapse.model.feature_columns)
    assert overall.target_name == "relapse"
    per_group = importance(relapse, rows=100, attribute="ethnicity")
    assert set(per_group.table.columns) == {"asian", "black", "hispanic", "white", "difference"}
    again = importance(relapse, rows=100, attribute="ethnicity")
    assert again.table.equals(per_group.table)


def test_importance_of_messages_leaves_rare_tokens_out(crisis):
    result = importance(crisis, rows=100)
    assert (result.table["count"] >= 3).all()
    assert result.target_name == "urgent"


@pytest.mark.parametrize("rows", [0, 2.5, True])
def test_importance_needs_a_row_count(relapse, rows):
    with pytest.raises(workbench.ExplanationError) as caught:
        importance(relapse, rows=rows)
    assert str(caught.value) == MSG_BAD_ROWS.format(value=rows)
