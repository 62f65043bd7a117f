"""Gradient methods say when they are unreliable: completeness gap, zero attributions, masks."""

import dataclasses

import numpy as np
import pytest
import torch
from tiny_models import TINY_EMBEDDING, MaskFromIds

from explain.cases import CLASSES, MESSAGES
from workbench.explain import explain
from workbench.explain._explain import NOTE_ZERO_GRADIENT, NOTE_ZERO_SAME_SCORE
from workbench.explain._explanation import COMPLETENESS_TOLERANCE
from workbench.models import ModelInfo, TorchTextAdapter

GRADIENT_PARAMS = {"ig": {"n_steps": 50}, "deeplift": {}, "gradient_shap": {"n_samples": 20}}


@pytest.fixture
def mask_from_ids(tiny_tokenizer):
    module = MaskFromIds()
    with torch.no_grad():
        module.embedding.weight.copy_(torch.tensor(TINY_EMBEDDING))
    info = ModelInfo(name="mask from ids", kind="text", class_names=CLASSES)
    return TorchTextAdapter(module, tiny_tokenizer, info)


@pytest.mark.parametrize("method", sorted(GRADIENT_PARAMS))
def test_baselines_keep_the_mask_the_model_builds_from_its_ids(mask_from_ids, text_model, method):
    params = GRADIENT_PARAMS[method]
    own_mask = explain(mask_from_ids, MESSAGES[0], method=method, cache=None, **params)
    given_mask = explain(text_model, MESSAGES[0], method=method, cache=None, **params)
    assert np.any(own_mask.attributions != 0)
    np.testing.assert_allclose(own_mask.attributions, given_mask.attributions, atol=1e-6)
    assert own_mask.baseline_score == pytest.approx(given_mask.baseline_score)


@pytest.mark.parametrize("method", sorted(GRADIENT_PARAMS))
def test_completeness_gap_is_relative_to_the_score_change(text_model, method):
    result = explain(text_model, MESSAGES[0], method=method, cache=None,
                     **GRADIENT_PARAMS[method])
    change = result.score - result.baseline_score
    assert result.attributions.sum() - change == pytest.approx(result.convergence_delta,
                                                               abs=1e-6)
    assert result.completeness_gap == pytest.approx(abs(result.convergence_delta) / abs(change))
    assert not result.completeness_exceeded
    payload = result.to_dict()
    assert payload["completeness_gap"] == result.completeness_gap
    assert payload["completeness_tolerance"] == COMPLETENESS_TOLERANCE
    assert payload["completeness_exceeded"] is False


def test_a_gap_above_the_tolerance_is_marked(text_model):
    result = explain(text_model, MESSAGES[0], n_steps=50, cache=None)
    change = result.score - result.baseline_score
    off = dataclasses.replace(result, convergence_delta=2 * COMPLETENESS_TOLERANCE * change)
    assert off.completeness_gap == pytest.approx(2 * COMPLETENESS_TOLERANCE)
    assert off.completeness_exceeded and off.to_dict()["completeness_exceeded"] is True


def test_methods_without_a_baseline_have_no_gap(text_model):
    result = explain(text_model, MESSAGES[0], method="saliency", cache=None)
    assert result.completeness_gap is None and not result.completeness_exceeded


def test_zero_attributions_say_the_baseline_scores_the_same(text_model):
    result = explain(text_model, "i feel", n_steps=10, cache=None)
    assert np.all(result.attributions == 0)
    assert result.notes[-1] == NOTE_ZERO_SAME_SCORE


def test_zero_attributions_say_the_model_ignores_the_embedding(tiny_tokenizer):
    class Constant(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.embedding = torch.nn.Embedding(len(tiny_tokenizer.vocabulary), 2)
            self.bias = torch.nn.Parameter(torch.tensor([0.2, 0.1]))

        def forward(self, input_ids, attention_mask):
            return self.bias.expand(len(input_ids), 2) + 0 * self.embedding(input_ids).sum(1)

    info = ModelInfo(name="constant", kind="text", class_names=CLASSES)
    model = TorchTextAdapter(Constant(), tiny_tokenizer, info)
    result = explain(model, MESSAGES[0], method="saliency", cache=None)
    assert np.all(result.attributions == 0)
    assert result.notes[-1] == NOTE_ZERO_GRADIENT
