"""The method table: which methods apply to which model, and how parameters are checked."""

import re

import pytest

from explain.cases import MESSAGES, ROWS
from workbench import ExplanationError
from workbench.explain import METHODS, MethodInfo, applicable_methods, default_method, explain
from workbench.explain._methods import (
    MSG_BAD_CHOICE,
    MSG_BAD_NUMBER,
    MSG_BAD_WHOLE,
    MSG_NEEDS_GRADIENTS,
    MSG_UNKNOWN_METHOD,
    MSG_UNKNOWN_PARAM,
    MSG_WRONG_KIND,
)

GRADIENT_TEXT = ["ig", "saliency", "input_x_gradient", "deeplift", "gradient_shap"]
PERTURBATION_TEXT = ["occlusion", "feature_ablation", "shapley_sampling", "kernel_shap", "lime"]
GRADIENT_TABULAR = ["ig", "deeplift", "gradient_shap"]
PERTURBATION_TABULAR = ["feature_ablation", "shapley_sampling", "kernel_shap", "lime"]


def raises(message):
    return pytest.raises(ExplanationError, match=f"^{re.escape(message)}$")


@pytest.mark.parametrize(
    "fixture, expected",
    [
        ("text_model", GRADIENT_TEXT + PERTURBATION_TEXT),
        ("callable_text_model", ["feature_ablation", "occlusion", "shapley_sampling",
                                 "kernel_shap", "lime"]),
        ("tabular_model", GRADIENT_TABULAR + PERTURBATION_TABULAR),
        ("sklearn_tabular_model", PERTURBATION_TABULAR),
    ],
)
def test_applicable_methods_default_first(model_of, fixture, expected):
    model = model_of(fixture)
    assert applicable_methods(model) == tuple(expected)
    assert applicable_methods(model)[0] == default_method(model)


def test_every_row_describes_itself():
    for name, info in METHODS.items():
        assert isinstance(info, MethodInfo) and info.name == name
        assert info.label and info.description
        assert set(info.kinds) <= {"text", "tabular", "generative"}
        assert set(info.params) == set(info.kinds)


@pytest.mark.parametrize("method", GRADIENT_TEXT)
def test_gradient_method_on_a_model_without_gradients(callable_text_model, method):
    message = MSG_NEEDS_GRADIENTS.format(
        method=method,
        model="word logits",
        framework="callable",
        methods=["feature_ablation", "occlusion", "shapley_sampling", "kernel_shap", "lime"],
    )
    with raises(message):
        explain(callable_text_model, MESSAGES[0], method=method)


@pytest.mark.parametrize("method", ["saliency", "input_x_gradient", "occlusion"])
def test_text_only_method_on_a_tabular_model(tabular_model, method):
    message = MSG_WRONG_KIND.format(
        method=method,
        kind="tabular",
        model="tiny rows",
        methods=GRADIENT_TABULAR + PERTURBATION_TABULAR,
    )
    with raises(message):
        explain(tabular_model, ROWS.iloc[[0]], method=method)


def test_unknown_method(text_model):
    with raises(MSG_UNKNOWN_METHOD.format(method="shap", known=list(METHODS))):
        explain(text_model, MESSAGES[0], method="shap")


def test_unknown_parameter(text_model):
    known = ["baseline", "n_steps", "unit"]
    with raises(MSG_UNKNOWN_PARAM.format(method="ig", name="steps", known=known)):
        explain(text_model, MESSAGES[0], steps=10)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"n_steps": 0}, MSG_BAD_WHOLE.format(name="n_steps", method="ig", value=0, minimum=1)),
        ({"n_steps": 2.5}, MSG_BAD_WHOLE.format(name="n_steps", method="ig", value=2.5,
                                                minimum=1)),
        ({"n_steps": True}, MSG_BAD_WHOLE.format(name="n_steps", method="ig", value=True,
                                                 minimum=1)),
        ({"baseline": "unk"}, MSG_BAD_CHOICE.format(name="baseline", method="ig", value="unk",
                                                    choices=["pad", "mask"])),
        ({"unit": "token"}, MSG_BAD_CHOICE.format(name="unit", method="ig", value="token",
                                                  choices=["word", "subword"])),
    ],
)
def test_bad_parameter_values(text_model, params, message):
    with raises(message):
        explain(text_model, MESSAGES[0], **params)


def test_bad_number(text_model):
    message = MSG_BAD_NUMBER.format(name="stdevs", method="gradient_shap", value=-1.0, minimum=0)
    with raises(message):
        explain(text_model, MESSAGES[0], method="gradient_shap", stdevs=-1.0)


def test_settings_fill_defaults_sorted_by_name():
    settings = METHODS["lime"].settings("text", {"n_samples": 100})
    assert settings == {"kernel_width": 25.0, "n_samples": 100, "seed": 0, "unit": "word"}
    assert list(settings) == sorted(settings)
