"""Every row of the method table: one attribution per feature, the score, the target, seeding."""

import json

import numpy as np
import pytest
import torch

from explain.cases import MESSAGES, METHOD_CASES, ROWS
from workbench.explain import Explanation, explain

CASES = [pytest.param(case, id=case.id) for case in METHOD_CASES]


def one_input(model):
    return MESSAGES[0] if model.kind == "text" else ROWS.iloc[[0]]


def run(case, model_of, background, **changes):
    model = model_of(case.model)
    extra = {"background": background} if model.kind == "tabular" else {}
    options = {"cache": None, **extra, **case.params, **changes}
    return model, explain(model, one_input(model), method=case.method, **options)


@pytest.mark.parametrize("case", CASES)
def test_one_attribution_per_feature_and_the_models_score(case, model_of, background):
    model, result = run(case, model_of, background)
    assert isinstance(result, Explanation)
    assert result.method == case.method and result.kind == model.kind
    assert len(result.features) == len(result.attributions) > 0
    assert np.all(np.isfinite(result.attributions))
    if model.kind == "tabular":
        assert result.features == model.feature_columns
    else:
        assert result.features == ("i", "feel", "hopeless", "tonight")
    proba = model.predict_proba([MESSAGES[0]] if model.kind == "text" else ROWS.iloc[[0]])[0]
    assert result.target == int(np.argmax(proba))
    assert result.target_name == model.class_names[result.target]
    assert result.score == pytest.approx(proba[result.target], abs=1e-6)
    json.dumps(result.to_dict())


@pytest.mark.parametrize("case", CASES)
def test_parameters_are_recorded_with_defaults(case, model_of, background):
    _, result = run(case, model_of, background)
    for name, value in case.params.items():
        assert result.params[name] == value
    if case.stochastic:
        assert result.params["seed"] == 0


@pytest.mark.parametrize("case", CASES)
def test_explicit_target_by_name_and_index(case, model_of, background):
    model, by_name = run(case, model_of, background, target=model_of(case.model).class_names[0])
    _, by_index = run(case, model_of, background, target=0)
    assert by_name.target == by_index.target == 0
    assert by_name.target_name == model.class_names[0]
    np.testing.assert_allclose(by_name.attributions, by_index.attributions)


@pytest.mark.parametrize("case", CASES)
def test_same_seed_same_numbers(case, model_of, background):
    _, first = run(case, model_of, background)
    _, second = run(case, model_of, background)
    np.testing.assert_array_equal(first.attributions, second.attributions)
    assert first.convergence_delta == second.convergence_delta


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0].stochastic])
def test_another_seed_other_numbers(case, model_of, background):
    _, first = run(case, model_of, background, seed=1)
    _, second = run(case, model_of, background, seed=2)
    assert not np.array_equal(first.attributions, second.attributions)


@pytest.mark.parametrize("case", [c for c in CASES if c.values[0].completeness])
def test_completeness_within_the_reported_delta(case, model_of, background):
    model, result = run(case, model_of, background)
    with torch.no_grad():
        if model.kind == "text":
            ids = torch.full((1, len(result.features)), model.tokenizer.pad_id)
            start = model.forward(ids, torch.ones_like(ids))
        else:
            start = model.forward(model.encode(background).mean(dim=0, keepdim=True))
    difference = result.score - float(start[0, result.target])
    gap = result.attributions.sum() - difference
    assert gap == pytest.approx(result.convergence_delta, abs=1e-5)
    assert abs(result.convergence_delta) < 0.02


@pytest.mark.parametrize("case", [c for c in CASES if "text" in c.values[0].model])
def test_a_one_word_message(case, model_of):
    model = model_of(case.model)
    result = explain(model, "hopeless", method=case.method, target="urgent", cache=None,
                     **case.params)
    assert result.features == ("hopeless",)
    assert result.attributions[0] > 0
