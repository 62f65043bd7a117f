"""Bad input gets a clear ExplanationError; long messages and unknown words are explained."""

import re

import numpy as np
import pandas as pd
import pytest

from explain.cases import BACKGROUND, MESSAGES, ROWS
from workbench import ExplanationError, WorkbenchError
from workbench.explain import explain, explain_batch
from workbench.explain._checks import (
    MSG_BACKGROUND_COLUMNS,
    MSG_BACKGROUND_EMPTY,
    MSG_BAD_TARGET,
    MSG_EMPTY_TEXT,
    MSG_MISSING_FEATURES,
    MSG_MISSING_VALUES,
    MSG_NOT_A_ROW,
    MSG_ONE_ROW,
    MSG_TEXT_NOT_STR,
    MSG_TEXTS_NOT_LIST,
)
from workbench.explain._explain import (
    MSG_BACKGROUND_TEXT,
    MSG_BAD_BATCH_SIZE,
    MSG_NOTHING_TO_EXPLAIN,
)
from workbench.explain._inputs import (
    MSG_NEEDS_BACKGROUND,
    MSG_NO_MASK_TOKEN,
    MSG_TOKENS_MISALIGNED,
)
from workbench.models import ModelInfo, TokenBatch, TorchTextAdapter


def raises(message):
    return pytest.raises(ExplanationError, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
@pytest.mark.parametrize("method", ["ig", "lime", "feature_ablation"])
def test_empty_text(text_model, text, method):
    with raises(MSG_EMPTY_TEXT):
        explain(text_model, text, method=method)


@pytest.mark.parametrize("value, kind", [(None, "NoneType"), (3, "int"), (["hi"], "list")])
def test_text_that_is_not_a_string(text_model, value, kind):
    with raises(MSG_TEXT_NOT_STR.format(kind=kind)):
        explain(text_model, value)


@pytest.mark.parametrize("method", ["ig", "feature_ablation", "lime"])
def test_text_over_the_maximum_length_is_truncated_and_says_so(text_model, method):
    long = " ".join(["hopeless tonight appointment"] * 5)
    result = explain(text_model, long, method=method, n_samples=200, cache=None) if method == (
        "lime") else explain(text_model, long, method=method, cache=None)
    assert result.truncated
    assert len(result.features) == text_model.tokenizer.max_length == 8
    assert result.features[:3] == ("hopeless", "tonight", "appointment")
    assert "only the first 8 words are explained" in result.notes[0]
    assert result.score == pytest.approx(text_model.predict_proba([long])[0, result.target])
    assert result.to_dict()["truncated"] is True


def test_short_text_is_not_truncated(text_model):
    result = explain(text_model, MESSAGES[0], cache=None)
    assert not result.truncated and result.notes == ()


@pytest.mark.parametrize("method", ["ig", "lime"])
def test_unknown_words_are_explained_and_named(text_model, method):
    params = {"n_samples": 200} if method == "lime" else {}
    result = explain(text_model, "hopeless finna ion", method=method, cache=None, **params)
    assert result.features == ("hopeless", "finna", "ion")
    assert np.all(np.isfinite(result.attributions))
    assert result.notes == (
        "2 word(s) are not in the model's vocabulary and are read as an unknown token: "
        "finna, ion",
    )


def test_mask_baseline_needs_a_mask_token(text_model):
    with raises(MSG_NO_MASK_TOKEN.format(model="tiny text")):
        explain(text_model, MESSAGES[0], baseline="mask")


@pytest.mark.parametrize("target", [2, -1, "angry", 1.0, True])
def test_target_out_of_range(text_model, target):
    message = MSG_BAD_TARGET.format(
        target=target, model="tiny text", names=["routine", "urgent"], last=1
    )
    with raises(message):
        explain(text_model, MESSAGES[0], target=target)


@pytest.mark.parametrize("method", ["ig", "feature_ablation", "lime"])
def test_row_with_missing_columns(tabular_model, background, method):
    row = ROWS.iloc[[0]].drop(columns=["missed"])
    with raises(MSG_MISSING_FEATURES.format(missing=["missed"], model="tiny rows")):
        explain(tabular_model, row, method=method, background=background)


def test_row_with_missing_values(tabular_model, background):
    row = ROWS.iloc[[0]].assign(phq9=np.nan)
    with raises(MSG_MISSING_VALUES.format(columns=["phq9"])):
        explain(tabular_model, row, background=background)


@pytest.mark.parametrize("row", [ROWS.iloc[0], ROWS.iloc[0].to_dict(), ROWS.iloc[[0]]])
def test_a_row_as_series_dict_or_frame(tabular_model, background, row):
    result = explain(tabular_model, row, background=background, cache=None)
    expected = explain(tabular_model, ROWS.iloc[[0]], background=background, cache=None)
    np.testing.assert_allclose(result.attributions, expected.attributions)


def test_more_than_one_row(tabular_model, background):
    with raises(MSG_ONE_ROW.format(n=4)):
        explain(tabular_model, ROWS, background=background)


@pytest.mark.parametrize("value", [[1, 2, 3], "phq9=3", None])
def test_not_a_row(tabular_model, value):
    with raises(MSG_NOT_A_ROW.format(kind=type(value).__name__)):
        explain(tabular_model, value)


@pytest.mark.parametrize("method", ["ig", "feature_ablation"])
def test_mean_baseline_needs_background(tabular_model, method):
    message = MSG_NEEDS_BACKGROUND.format(
        baseline="mean", alternative=" or baseline='zero' for the encoded zero vector"
    )
    with raises(message):
        explain(tabular_model, ROWS.iloc[[0]], method=method)


@pytest.mark.parametrize("method", ["feature_ablation", "lime"])
def test_raw_rows_need_background(sklearn_tabular_model, method):
    with raises(MSG_NEEDS_BACKGROUND.format(baseline="mean", alternative="")):
        explain(sklearn_tabular_model, ROWS.iloc[[0]], method=method)


def test_background_without_the_feature_columns(tabular_model):
    with raises(MSG_BACKGROUND_COLUMNS.format(missing=["insurance"])):
        explain(tabular_model, ROWS.iloc[[0]], background=BACKGROUND.drop(columns="insurance"))


def test_background_without_complete_rows(tabular_model):
    with raises(MSG_BACKGROUND_EMPTY):
        explain(tabular_model, ROWS.iloc[[0]], background=BACKGROUND.assign(missed=np.nan))


def test_text_models_take_no_background(text_model):
    with raises(MSG_BACKGROUND_TEXT):
        explain(text_model, MESSAGES[0], background=BACKGROUND)


@pytest.mark.parametrize("inputs", ["one message", pd.DataFrame({"text": ["a"]}), 3])
def test_batch_of_texts_must_be_a_list(text_model, inputs):
    with raises(MSG_TEXTS_NOT_LIST.format(kind=type(inputs).__name__)):
        explain_batch(text_model, inputs)


def test_empty_batch(text_model):
    with raises(MSG_NOTHING_TO_EXPLAIN):
        explain_batch(text_model, [])


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_bad_batch_size(text_model, size):
    with raises(MSG_BAD_BATCH_SIZE.format(value=size)):
        explain_batch(text_model, MESSAGES, batch_size=size)


def test_errors_are_workbench_errors_and_value_errors():
    assert issubclass(ExplanationError, WorkbenchError)
    assert issubclass(ExplanationError, ValueError)


def test_tokenizer_whose_tokens_do_not_match_its_ids(tiny_text_module, tiny_tokenizer):
    class Misaligned(type(tiny_tokenizer)):
        def encode(self, texts):
            batch = super().encode(texts)
            return TokenBatch(batch.input_ids[:, 1:], batch.attention_mask[:, 1:])

    tokenizer = Misaligned(tiny_tokenizer.vocabulary, max_length=8)
    model = TorchTextAdapter(
        tiny_text_module, tokenizer, ModelInfo(name="odd", kind="text", class_names=("a", "b"))
    )
    with raises(MSG_TOKENS_MISALIGNED.format(model="odd", tokens=4, ids=3)):
        explain(model, MESSAGES[0])
