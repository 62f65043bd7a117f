"""Hugging Face adapter on a tiny BERT built from a config, with a tokenizer built locally."""

import numpy as np
import pytest
import torch

from workbench import ModelLoadError, UnsafeFormatError, load_model
from workbench.models import DifferentiableTextModel

transformers = pytest.importorskip("transformers")

WORDS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "i", "feel", "hopeless", "tonight",
         "need", "a", "refill", "re", "##schedule", "my", "appointment"]
KEYS = {"name": "tiny-bert", "kind": "text", "framework": "transformers", "weights": "bert",
        "classes": ["routine", "urgent"], "positive_class": "urgent"}


def save_tiny_bert(folder, *, safe=True):
    torch.manual_seed(0)
    config = transformers.BertConfig(
        vocab_size=len(WORDS), hidden_size=16, num_hidden_layers=1, num_attention_heads=2,
        intermediate_size=32, max_position_embeddings=24, num_labels=2)
    model = transformers.BertForSequenceClassification(config)
    tokenizer = transformers.BertTokenizerFast(vocab={w: i for i, w in enumerate(WORDS)})
    tokenizer.save_pretrained(folder)
    if safe:
        model.save_pretrained(folder)
    else:
        model.config.save_pretrained(folder)
        torch.save(model.state_dict(), folder / "pytorch_model.bin")
    return model


@pytest.fixture
def bert_spec(spec_writer, tmp_path):
    path = spec_writer(**KEYS)
    save_tiny_bert(path.parent / "bert")
    return path


def test_tiny_bert_predicts(bert_spec):
    model = load_model(bert_spec)
    proba = model.predict_proba(["I feel hopeless tonight", "need a refill"])
    assert proba.shape == (2, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert model.framework == "transformers"


def test_tiny_bert_batched_equals_one_by_one(bert_spec):
    model = load_model(bert_spec)
    model.batch_size = 3
    texts = ["hopeless", "i feel hopeless tonight my appointment", "refill", "re", "xyz words"]
    batched = model.predict_proba(texts)
    single = np.vstack([model.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(batched, single, atol=1e-5)


def test_tiny_bert_tokens_and_gradient_access(bert_spec):
    model = load_model(bert_spec)
    assert isinstance(model, DifferentiableTextModel)
    tokenizer = model.tokenizer
    assert tokenizer.tokens("I need to reschedule") == ["[CLS]", "i", "need", "[UNK]", "re",
                                                        "##schedule", "[SEP]"]
    assert tokenizer.pad_id == 0 and tokenizer.mask_id == 4
    assert {2, 3}.issubset(tokenizer.special_ids)
    assert model.embedding_layer is model.module.get_input_embeddings()
    batch = model.encode(["i feel hopeless"])
    probabilities = model.forward(batch.input_ids, batch.attention_mask)
    assert probabilities.requires_grad and probabilities.shape == (1, 2)


def test_tiny_bert_truncates_to_position_limit(bert_spec):
    model = load_model(bert_spec)
    long_text = " ".join(["hopeless"] * 60)
    assert model.tokenizer.max_length == 24
    assert model.tokenizer.is_truncated(long_text)
    assert model.predict_proba([long_text]).shape == (1, 2)


def test_pickle_only_folder_is_refused(spec_writer):
    path = spec_writer(**KEYS)
    save_tiny_bert(path.parent / "bert", safe=False)
    with pytest.raises(UnsafeFormatError, match="holds no .safetensors weights"):
        load_model(path)


def test_class_count_mismatch(spec_writer):
    path = spec_writer(**{**KEYS, "classes": ["a", "b", "c"], "positive_class": "a"})
    save_tiny_bert(path.parent / "bert")
    with pytest.raises(ModelLoadError, match="has 2 labels but the spec names 3 classes"):
        load_model(path)


def test_weights_must_be_a_folder(spec_writer):
    path = spec_writer(**{**KEYS, "weights": "model.safetensors"})
    (path.parent / "model.safetensors").write_bytes(b"")
    with pytest.raises(ModelLoadError, match="must be a local folder"):
        load_model(path)
