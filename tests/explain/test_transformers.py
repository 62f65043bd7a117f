"""A tiny BERT: special tokens stay in the baseline, WordPiece tokens merge into words."""

import numpy as np
import pytest

from workbench import load_model
from workbench.explain import explain

pytest.importorskip("transformers")
from test_models_transformers import KEYS, save_tiny_bert  # noqa: E402

TEXT = "I need to reschedule my appointment"
TOKENS = ("[CLS]", "i", "need", "[UNK]", "re", "##schedule", "my", "appointment", "[SEP]")


@pytest.fixture
def bert(spec_writer):
    spec = spec_writer(**KEYS)
    save_tiny_bert(spec.parent / "bert")
    return load_model(spec)


@pytest.mark.parametrize("baseline", ["pad", "mask"])
def test_special_tokens_are_kept_and_get_nothing(bert, baseline):
    result = explain(bert, TEXT, target="urgent", baseline=baseline, n_steps=20, cache=None)
    assert result.features == TOKENS
    assert result.attributions[0] == 0.0 and result.attributions[-1] == 0.0
    assert result.params["baseline"] == baseline
    assert abs(result.convergence_delta) < 1e-3


def test_subwords_merge_into_words(bert):
    plain = explain(bert, TEXT, n_steps=20, cache=None)
    merged = explain(bert, TEXT, n_steps=20, merge_subwords=True, cache=None)
    assert merged.features == ("[CLS]", "i", "need", "[UNK]", "reschedule", "my", "appointment",
                               "[SEP]")
    assert merged.attributions[4] == pytest.approx(plain.attributions[4] + plain.attributions[5])


def test_perturbation_keeps_special_tokens(bert):
    result = explain(bert, TEXT, method="feature_ablation", faithfulness=True, cache=None)
    assert result.features == TOKENS
    assert result.attributions[0] == 0.0 and result.attributions[-1] == 0.0
    assert np.isfinite(result.faithfulness.comprehensiveness)


def test_lime_explains_words(bert):
    result = explain(bert, TEXT, method="lime", n_samples=100, cache=None)
    assert result.features == ("i", "need", "to", "reschedule", "my", "appointment")


def test_long_message_is_cut_where_the_model_stops_reading(bert):
    long = "reschedule " * 40
    tokens = explain(bert, long, n_steps=5, cache=None)
    words = explain(bert, long, method="lime", n_samples=50, cache=None)
    assert tokens.truncated and words.truncated
    assert len(tokens.features) == bert.tokenizer.max_length
    assert len(words.features) == (bert.tokenizer.max_length - 2) // 2
    assert words.notes[0].endswith(f"only the first {len(words.features)} words are explained")
