"""Known answers on hand-weighted models: linear rows, mean-of-embeddings text, word logits."""

import numpy as np
import pytest

from explain.cases import BACKGROUND, LINEAR_WEIGHTS, MESSAGES, ROWS, WORD_WEIGHTS, sigmoid
from workbench.explain import explain


def linear_answer(model, row, target):
    """(x - baseline) * w per encoded column, summed over each feature's columns."""
    encoded = model.encode(row).numpy()[0]
    baseline = model.encode(BACKGROUND).numpy().mean(axis=0)
    per_column = (encoded - baseline) * np.asarray(LINEAR_WEIGHTS) * (1 if target == 1 else -1)
    return np.bincount(model.encoder.feature_index, weights=per_column)


@pytest.mark.parametrize("position", range(len(ROWS)))
@pytest.mark.parametrize("target", [0, 1])
def test_linear_ig_is_input_minus_baseline_times_weight(linear_model, background, position, target):
    row = ROWS.iloc[[position]]
    result = explain(
        linear_model, row, method="ig", target=target, background=background, cache=None
    )
    np.testing.assert_allclose(result.attributions, linear_answer(linear_model, row, target),
                               atol=1e-4)
    assert abs(result.convergence_delta) < 1e-4


@pytest.mark.parametrize("method, params", [
    ("deeplift", {}),
    ("feature_ablation", {}),
    ("shapley_sampling", {"n_samples": 3}),
    ("kernel_shap", {"n_samples": 64}),
])
def test_linear_model_every_method_finds_the_same_answer(linear_model, background, method,
                                                        params):
    row = ROWS.iloc[[0]]
    result = explain(linear_model, row, method=method, target=1, background=background,
                     cache=None, **params)
    np.testing.assert_allclose(result.attributions, linear_answer(linear_model, row, 1), atol=1e-4)


def test_median_baseline(linear_model, background):
    row = ROWS.iloc[[1]]
    result = explain(linear_model, row, target=1, background=background, baseline="median",
                     cache=None)
    encoded = linear_model.encode(row).numpy()[0]
    median = np.median(linear_model.encode(background).numpy(), axis=0)
    expected = np.bincount(
        linear_model.encoder.feature_index, weights=(encoded - median) * np.asarray(LINEAR_WEIGHTS)
    )
    np.testing.assert_allclose(result.attributions, expected, atol=1e-4)


def test_zero_baseline_is_the_encoded_zero_vector(linear_model):
    row = ROWS.iloc[[0]]
    result = explain(linear_model, row, target=1, baseline="zero", cache=None)
    encoded = linear_model.encode(row).numpy()[0]
    expected = np.bincount(
        linear_model.encoder.feature_index, weights=encoded * np.asarray(LINEAR_WEIGHTS)
    )
    np.testing.assert_allclose(result.attributions, expected, atol=1e-4)


def test_single_word_takes_the_whole_score_difference(text_model):
    result = explain(text_model, "hopeless", target="urgent", n_steps=100, cache=None)
    urgent = np.exp(3.0) / (1 + np.exp(3.0))
    assert result.score == pytest.approx(urgent, abs=1e-6)
    assert result.attributions[0] == pytest.approx(urgent - 0.5, abs=1e-4)


@pytest.mark.parametrize("method", ["ig", "deeplift", "gradient_shap", "input_x_gradient"])
def test_words_embedded_like_the_baseline_get_nothing(text_model, method):
    result = explain(text_model, MESSAGES[0], method=method, target="urgent", cache=None)
    assert result.features == ("i", "feel", "hopeless", "tonight")
    np.testing.assert_allclose(result.attributions[:2], 0.0, atol=1e-7)
    assert result.attributions[2] > result.attributions[3] > 0


def test_deeplift_is_complete_on_a_two_class_model(text_model):
    result = explain(text_model, MESSAGES[2], method="deeplift", target="urgent", cache=None)
    assert abs(result.convergence_delta) < 1e-6


def test_feature_ablation_on_a_black_box_is_the_score_drop(callable_text_model):
    result = explain(callable_text_model, "hopeless tonight", method="feature_ablation",
                     target="urgent", cache=None)
    full = sigmoid(WORD_WEIGHTS["hopeless"] + WORD_WEIGHTS["tonight"])
    np.testing.assert_allclose(
        result.attributions,
        [full - sigmoid(WORD_WEIGHTS["tonight"]), full - sigmoid(WORD_WEIGHTS["hopeless"])],
        atol=1e-9,
    )


def test_occlusion_with_window_one_is_feature_ablation(callable_text_model):
    occluded = explain(callable_text_model, MESSAGES[2], method="occlusion", cache=None)
    ablated = explain(callable_text_model, MESSAGES[2], method="feature_ablation", cache=None)
    np.testing.assert_allclose(occluded.attributions, ablated.attributions)


def test_lime_signs_follow_the_word_weights(callable_text_model):
    result = explain(callable_text_model, MESSAGES[2], method="lime", target="urgent",
                     n_samples=500, cache=None)
    weights = dict(zip(result.features, result.attributions))
    assert weights["hopeless"] > weights["tonight"] > 0 > weights["appointment"]
    assert abs(weights["and"]) < 0.1 * weights["hopeless"]
