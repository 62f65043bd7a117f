"""A tiny BERT: special tokens are never features, WordPiece tokens are summed into words."""

import numpy as np
import pytest

from workbench import load_model
from workbench.explain import explain

pytest.importorskip("transformers")
from test_models_transformers import KEYS, save_tiny_bert  # noqa: E402

TEXT = "I need to reschedule my appointment"
WORDS = ("i", "need", "to", "reschedule", "my", "appointment")
TOKENS = ("i", "need", "[UNK]", "re", "##schedule", "my", "appointment")


@pytest.fixture
def bert(spec_writer):
    spec = spec_writer(**KEYS)
    save_tiny_bert(spec.parent / "bert")
    return load_model(spec)


@pytest.mark.parametrize("baseline", ["pad", "mask"])
def test_words_are_explained_and_special_tokens_are_not(bert, baseline):
    result = explain(bert, TEXT, target="urgent", baseline=baseline, n_steps=20, cache=None)
    assert result.features == WORDS
    assert result.params["baseline"] == baseline and result.params["unit"] == "word"
    assert abs(result.convergence_delta) < 1e-3


def test_subword_view_sums_into_the_word_view(bert):
    words = explain(bert, TEXT, n_steps=20, cache=None)
    tokens = explain(bert, TEXT, n_steps=20, unit="subword", cache=None)
    assert tokens.features == TOKENS
    assert words.attributions[3] == pytest.approx(tokens.attributions[3] + tokens.attributions[4])
    assert words.attributions.sum() == pytest.approx(tokens.attributions.sum())


def test_unknown_words_are_features_and_noted(bert):
    result = explain(bert, TEXT, method="feature_ablation", unit="subword", cache=None)
    assert "[UNK]" in result.features
    assert any("unknown token: [UNK]" in note for note in result.notes)


def test_perturbation_removes_words(bert):
    result = explain(bert, TEXT, method="feature_ablation", faithfulness=True, cache=None)
    assert result.features == WORDS
    assert np.isfinite(result.faithfulness.comprehensiveness)


def test_lime_explains_the_same_words(bert):
    result = explain(bert, TEXT, method="lime", n_samples=100, cache=None)
    assert result.features == WORDS


def test_long_message_is_cut_where_the_model_stops_reading(bert):
    long = "reschedule " * 40
    tokens = explain(bert, long, n_steps=5, unit="subword", cache=None)
    words = explain(bert, long, n_steps=5, cache=None)
    lime = explain(bert, long, method="lime", n_samples=50, cache=None)
    assert tokens.truncated and words.truncated and lime.truncated
    assert len(tokens.features) == bert.tokenizer.max_length - 2
    assert words.features == lime.features
    assert len(words.features) == (bert.tokenizer.max_length - 2) // 2
    assert words.notes[0].endswith(f"only the first {len(words.features)} words are explained")
