"""Torch text and tabular adapters: known answers, batching, checks of bad input."""

import numpy as np
import pandas as pd
import pytest
import torch

from workbench import InputError, ModelLoadError
from workbench.models import (
    DifferentiableTabularModel,
    DifferentiableTextModel,
    ModelInfo,
    TorchTabularAdapter,
    TorchTextAdapter,
)
from workbench.models._base import MSG_KIND_NOT_READ
from workbench.models._torch import MSG_ENCODER_COLUMNS


@pytest.fixture
def text_model(tiny_text_module, tiny_tokenizer):
    info = ModelInfo(
        name="tiny text", kind="text", class_names=("routine", "urgent"), positive_class="urgent"
    )
    return TorchTextAdapter(tiny_text_module, tiny_tokenizer, info, batch_size=2)


@pytest.fixture
def tabular_model(tiny_tabular_module, tiny_encoder):
    info = _rows_info(tiny_encoder, ("no_relapse", "relapse"))
    return TorchTabularAdapter(tiny_tabular_module, tiny_encoder, info, batch_size=2)


def _rows_info(encoder, class_names):
    return ModelInfo(
        name="tiny rows",
        kind="tabular",
        class_names=class_names,
        feature_columns=encoder.feature_columns,
    )


def softmax(logits):
    exp = np.exp(np.asarray(logits) - np.max(logits))
    return exp / exp.sum()


def test_text_known_answer(text_model):
    proba = text_model.predict_proba(["hopeless", "appointment refill", "i feel hopeless tonight"])
    np.testing.assert_allclose(proba[0], softmax([0.0, 3.0]), atol=1e-6)
    np.testing.assert_allclose(proba[1], softmax([2.0, 0.0]), atol=1e-6)
    np.testing.assert_allclose(proba[2], softmax([0.0, 4.0 / 4]), atol=1e-6)
    assert text_model.kind == "text"
    assert text_model.class_names == ("routine", "urgent")
    assert text_model.positive_index == 1


@pytest.mark.parametrize("container", [list, pd.Series, np.array])
def test_text_batched_equals_one_by_one(text_model, container):
    texts = ["hopeless", "i feel hopeless tonight and unknown words", "refill", "appointment"]
    batched = text_model.predict_proba(container(texts))
    single = np.vstack([text_model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-6)
    np.testing.assert_allclose(batched.sum(axis=1), 1.0, atol=1e-9)


def test_text_bare_string_is_refused(text_model):
    with pytest.raises(InputError, match=r"wrap a single message as \[message\]"):
        text_model.predict_proba("hopeless")


@pytest.mark.parametrize("bad", ["", "   "])
def test_text_empty_is_refused_with_position(text_model, bad):
    with pytest.raises(InputError, match="position 1 is empty"):
        text_model.predict_proba(["hopeless", bad])


def test_text_empty_allowed_for_perturbations(text_model):
    proba = text_model.predict_proba([""], allow_empty=True)
    np.testing.assert_allclose(proba[0], [0.5, 0.5], atol=1e-6)


@pytest.mark.parametrize("bad, kind", [(None, "missing"), (float("nan"), "missing"), (3, "int")])
def test_text_non_string_is_refused(text_model, bad, kind):
    with pytest.raises(InputError, match=f"position 0 is {kind}"):
        text_model.predict_proba([bad])


def test_text_unknown_words_and_truncation(text_model, tiny_tokenizer):
    assert tiny_tokenizer.tokens("Zebra hopeless!") == ["zebra", "hopeless", "!"]
    ids = tiny_tokenizer.ids("Zebra hopeless")
    assert ids == [tiny_tokenizer.unk_id, 2]
    long_text = " ".join(["refill"] * 20)
    assert tiny_tokenizer.is_truncated(long_text)
    assert len(tiny_tokenizer.tokens(long_text)) == tiny_tokenizer.max_length
    assert text_model.predict_proba([long_text]).shape == (1, 2)


def test_text_gradient_access(text_model, tiny_text_module):
    assert text_model.differentiable
    assert isinstance(text_model, DifferentiableTextModel)
    assert text_model.embedding_layer is tiny_text_module.embedding
    tokens = text_model.encode(["hopeless tonight"])
    embedded = text_model.embedding_layer(tokens.input_ids).detach().requires_grad_(True)
    assert tokens.input_ids.tolist() == [[2, 3]]
    probabilities = text_model.forward(tokens.input_ids, tokens.attention_mask)
    assert probabilities.requires_grad
    assert embedded.shape == (1, 2, 2)


def test_tabular_known_answer(tabular_model):
    frame = pd.DataFrame(
        {"missed": [2.0, 3.0], "phq9": [15.0, 10.0], "insurance": ["public", "private"],
         "unused": [1, 2]}
    )
    proba = tabular_model.predict_proba(frame)
    # encoded rows: [(15-10)/5, 0, 0, 1] and [0, 1, 1, 0]; w = [0.5, -1, 2, 0], b = 0.25
    expected = [1 / (1 + np.exp(-(0.5 + 0.25))), 1 / (1 + np.exp(-(-1 + 2 + 0.25)))]
    np.testing.assert_allclose(proba[:, 1], expected, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert isinstance(tabular_model, DifferentiableTabularModel)
    assert tabular_model.feature_mask.tolist() == [[0, 1, 2, 2]]


def test_tabular_batched_equals_one_by_one(tabular_model):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"phq9": rng.integers(0, 27, 7).astype(float), "missed": rng.integers(0, 5, 7),
         "insurance": rng.choice(["public", "private"], 7)}
    )
    batched = tabular_model.predict_proba(frame)
    single = np.vstack([tabular_model.predict_proba(frame.iloc[[i]]) for i in range(7)])
    np.testing.assert_allclose(batched, single, atol=1e-7)


def test_tabular_missing_column_names_it(tabular_model):
    frame = pd.DataFrame({"phq9": [1.0], "insurance": ["public"]})
    with pytest.raises(InputError, match=r"lacks feature columns \['missed'\]"):
        tabular_model.predict_proba(frame)


def test_tabular_nan_names_column_and_row(tabular_model):
    frame = pd.DataFrame(
        {"phq9": [1.0, np.nan], "missed": [1, 2], "insurance": ["public", "public"]},
        index=[10, 11],
    )
    with pytest.raises(InputError, match=r"feature 'phq9' has missing values in rows \[11\]"):
        tabular_model.predict_proba(frame)


def test_tabular_unseen_category_and_non_numeric(tabular_model):
    unseen = pd.DataFrame({"phq9": [1.0], "missed": [1], "insurance": ["uninsured"]})
    with pytest.raises(InputError, match="never saw: \\['uninsured'\\]"):
        tabular_model.predict_proba(unseen)
    text = pd.DataFrame({"phq9": ["high"], "missed": [1], "insurance": ["public"]})
    with pytest.raises(InputError, match="feature 'phq9' must be numeric"):
        tabular_model.predict_proba(text)


def test_tabular_refuses_non_frame(tabular_model):
    with pytest.raises(InputError, match="take a pandas DataFrame"):
        tabular_model.predict_proba([[1.0, 2.0, "public"]])


def test_single_logit_output_becomes_two_classes(tiny_encoder):
    module = torch.nn.Linear(4, 1)
    model = TorchTabularAdapter(module, tiny_encoder, _rows_info(tiny_encoder, ("no", "yes")))
    frame = pd.DataFrame({"phq9": [3.0], "missed": [1], "insurance": ["public"]})
    proba = model.predict_proba(frame)
    assert proba.shape == (1, 2)
    np.testing.assert_allclose(proba.sum(), 1.0)


def test_adapters_refuse_info_of_another_kind(tiny_text_module, tiny_tokenizer, tiny_encoder):
    with pytest.raises(InputError) as caught:
        TorchTextAdapter(tiny_text_module, tiny_tokenizer, _rows_info(tiny_encoder, ("a", "b")))
    assert str(caught.value) == MSG_KIND_NOT_READ.format(
        adapter="TorchTextAdapter", kinds="text", kind="tabular"
    )


def test_tabular_info_names_the_encoder_columns_in_order(tiny_tabular_module, tiny_encoder):
    reordered = ModelInfo(name="rows", kind="tabular", class_names=("a", "b"),
                          feature_columns=("missed", "phq9", "insurance"))
    with pytest.raises(ModelLoadError) as caught:
        TorchTabularAdapter(tiny_tabular_module, tiny_encoder, reordered)
    assert str(caught.value) == MSG_ENCODER_COLUMNS.format(
        encoded=["phq9", "missed", "insurance"], named=["missed", "phq9", "insurance"]
    )
