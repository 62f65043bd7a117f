"""Batch explanation equals one-by-one explanation; the cache makes repeats free."""

import re

import numpy as np
import pandas as pd
import pytest

from explain.cases import CLASSES, MESSAGES, ROWS, word_logit_model
from workbench import ExplanationError
from workbench.explain import ExplanationCache, explain, explain_batch
from workbench.explain._cache import MSG_BAD_SIZE
from workbench.models import CallableAdapter, ModelInfo, TorchTextAdapter


class CountingModel:
    """The word-logit model, counting how many texts it scored."""

    def __init__(self):
        self.scored = 0

    def __call__(self, texts):
        self.scored += len(texts)
        return word_logit_model(texts)


@pytest.fixture
def counted():
    function = CountingModel()
    info = ModelInfo(name="counted", kind="text", class_names=CLASSES, fingerprint="abc123")
    model = CallableAdapter(function, info)
    return model, function


@pytest.mark.parametrize("method", ["ig", "deeplift", "saliency", "gradient_shap"])
@pytest.mark.parametrize("batch_size", [1, 3, None])
def test_text_batch_equals_one_by_one(text_model, method, batch_size):
    texts = [*MESSAGES, "hopeless", "refill appointment tonight"]
    batch = explain_batch(text_model, pd.Series(texts), method=method, batch_size=batch_size,
                          progress=False, cache=None)
    for text, result in zip(texts, batch):
        single = explain(text_model, text, method=method, cache=None)
        assert result.features == single.features and result.target == single.target
        np.testing.assert_allclose(result.attributions, single.attributions, atol=1e-5)
        assert result.score == pytest.approx(single.score, abs=1e-6)


@pytest.mark.parametrize("method", ["ig", "gradient_shap", "feature_ablation", "lime"])
def test_tabular_batch_equals_one_by_one(tabular_model, background, method):
    params = {"n_samples": 100} if method == "lime" else {}
    batch = explain_batch(tabular_model, ROWS, method=method, background=background,
                          progress=False, cache=None, **params)
    for position, result in enumerate(batch):
        single = explain(tabular_model, ROWS.iloc[[position]], method=method,
                         background=background, cache=None, **params)
        np.testing.assert_allclose(result.attributions, single.attributions, atol=1e-6)


def test_batch_with_one_target_and_faithfulness(text_model):
    batch = explain_batch(text_model, MESSAGES, target="urgent", faithfulness=True,
                          progress=False, cache=None)
    assert {r.target_name for r in batch} == {"urgent"}
    assert all(r.faithfulness is not None for r in batch)


def test_progress_bar(text_model, capsys):
    explain_batch(text_model, MESSAGES, progress=True, cache=None)
    assert "explain (ig)" in capsys.readouterr().err


def test_a_cached_repeat_does_not_call_the_model(counted):
    model, function = counted
    cache = ExplanationCache()
    first = explain(model, MESSAGES[2], method="feature_ablation", cache=cache)
    calls = function.scored
    second = explain(model, MESSAGES[2], method="feature_ablation", cache=cache)
    assert second is first and function.scored == calls
    assert (cache.hits, cache.misses, len(cache)) == (1, 1, 1)


@pytest.mark.parametrize(
    "change",
    [
        {"text": MESSAGES[1]},
        {"method": "occlusion"},
        {"target": "urgent"},
        {"window": 2, "method": "occlusion"},
        {"faithfulness": True},
    ],
)
def test_anything_that_changes_the_result_changes_the_key(counted, change):
    model, _ = counted
    cache = ExplanationCache()
    explain(model, MESSAGES[2], method="feature_ablation", cache=cache)
    options = {"method": "feature_ablation", **change}
    text = options.pop("text", MESSAGES[2])
    explain(model, text, cache=cache, **options)
    assert len(cache) == 2 and cache.hits == 0


def test_defaults_and_given_defaults_share_a_key(counted):
    model, _ = counted
    cache = ExplanationCache()
    explain(model, MESSAGES[2], method="lime", n_samples=100, cache=cache)
    explain(model, MESSAGES[2], method="lime", n_samples=100, seed=0, kernel_width=25.0,
            cache=cache)
    assert cache.hits == 1


def test_batch_uses_and_fills_the_cache(counted):
    model, function = counted
    cache = ExplanationCache()
    explain(model, MESSAGES[0], method="feature_ablation", cache=cache)
    batch = explain_batch(model, MESSAGES, method="feature_ablation", cache=cache,
                          progress=False)
    assert cache.hits == 1 and len(cache) == len(MESSAGES)
    calls = function.scored
    again = explain_batch(model, MESSAGES, method="feature_ablation", cache=cache,
                          progress=False)
    assert function.scored == calls
    assert all(a is b for a, b in zip(batch, again))


def test_background_is_part_of_the_key(tiny_tabular_module, tiny_encoder, background):
    from workbench.models import TorchTabularAdapter

    info = ModelInfo(name="rows", kind="tabular", class_names=("n", "y"),
                     feature_columns=tiny_encoder.feature_columns, fingerprint="rows")
    model = TorchTabularAdapter(tiny_tabular_module, tiny_encoder, info)
    cache = ExplanationCache()
    explain(model, ROWS.iloc[[0]], background=background, cache=cache)
    explain(model, ROWS.iloc[[0]], background=background.iloc[:3], cache=cache)
    explain(model, ROWS.iloc[[0]], background=background.copy(), cache=cache)
    assert len(cache) == 2 and cache.hits == 1


def test_least_recently_used_is_dropped(counted):
    model, _ = counted
    cache = ExplanationCache(maxsize=2)
    for text in MESSAGES[:2]:
        explain(model, text, method="feature_ablation", cache=cache)
    explain(model, MESSAGES[0], method="feature_ablation", cache=cache)
    explain(model, MESSAGES[2], method="feature_ablation", cache=cache)
    explain(model, MESSAGES[0], method="feature_ablation", cache=cache)
    assert len(cache) == 2 and cache.hits == 2
    cache.clear()
    assert len(cache) == 0 and cache.hits == 0


def test_models_without_a_hash_are_not_cached(tiny_text_module, tiny_tokenizer):
    info = ModelInfo(name="no hash", kind="text", class_names=CLASSES)
    model = TorchTextAdapter(tiny_text_module, tiny_tokenizer, info)
    cache = ExplanationCache()
    first = explain(model, MESSAGES[0], cache=cache)
    assert explain(model, MESSAGES[0], cache=cache) is not first
    assert len(cache) == 0


@pytest.mark.parametrize("size", [0, 1.0, True])
def test_cache_size_must_be_positive(size):
    with pytest.raises(ExplanationError, match=f"^{re.escape(MSG_BAD_SIZE.format(maxsize=size))}$"):
        ExplanationCache(maxsize=size)
