"""LIME through the workbench: features align with the tokens, the model runs without grad."""

import numpy as np
import torch

from explain.cases import CLASSES, word_logit_model
from workbench.explain import explain
from workbench.models import CallableAdapter, ModelInfo, split_words

RECORDED = ModelInfo(name="recorded word logits", kind="text", class_names=CLASSES)


def is_subsequence(words, of):
    remaining = iter(of)
    return all(word in remaining for word in words)


class Recorder:
    """The word-logit model, remembering each call's texts and whether grad was on."""

    def __init__(self):
        self.calls = []

    def __call__(self, texts):
        self.calls.append((list(texts), torch.is_grad_enabled()))
        return word_logit_model(texts)


def test_lime_features_are_the_workbench_words_and_removal_drops_them():
    recorder = Recorder()
    model = CallableAdapter(recorder, RECORDED, batch_size=64)
    text = "I can't go on... Hopeless,tonight!"
    result = explain(model, text, method="lime", n_samples=200, cache=None)
    assert result.features == ("i", "can't", "go", "on", ".", ".", ".", "hopeless", ",",
                               "tonight", "!")
    scored, *lime_batches = recorder.calls
    assert scored[0] == [text]
    texts = [t for batch, _ in lime_batches for t in batch]
    assert texts[0] == text and len(texts) == 200
    assert all(is_subsequence(split_words(t), result.features) for t in texts)
    assert len({len(split_words(t)) for t in texts}) > 5


def test_lime_calls_the_model_in_chunks_without_gradients():
    recorder = Recorder()
    model = CallableAdapter(recorder, RECORDED, batch_size=64)
    explain(model, "hopeless tonight", method="lime", n_samples=300, cache=None)
    sizes = [len(batch) for batch, _ in recorder.calls]
    assert sizes == [1, 64, 64, 64, 64, 44]
    assert not any(grad for _, grad in recorder.calls)


def test_lime_weight_of_a_word_removed_everywhere_else_is_its_effect(callable_text_model):
    result = explain(callable_text_model, "hopeless and so on", method="lime", n_samples=1000,
                     target="urgent", cache=None)
    weights = dict(zip(result.features, result.attributions))
    assert weights["hopeless"] > 0.3
    assert np.abs([weights[w] for w in ("and", "so", "on")]).max() < 0.05
