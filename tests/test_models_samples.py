"""The adapter contract holds on every bundled sample model."""

import numpy as np
import pytest

from workbench import load_dataset, load_model, load_spec, sample_model_specs

KINDS = {name: load_spec(path).kind for name, path in sample_model_specs().items()}
SAMPLES = sorted(name for name, kind in KINDS.items() if kind != "generative")
GENERATIVE_SAMPLES = sorted(name for name, kind in KINDS.items() if kind == "generative")


@pytest.fixture(scope="module", params=SAMPLES)
def sample(request):
    spec = sample_model_specs()[request.param]
    model = load_model(spec)
    data = load_dataset(spec).head(40)
    inputs = data["text"].tolist() if model.kind == "text" else data
    return model, inputs


def test_probabilities_sum_to_one(sample):
    model, inputs = sample
    proba = model.predict_proba(inputs)
    assert proba.shape == (len(inputs), len(model.class_names))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert (proba >= 0).all()


def test_batching_gives_the_same_answer_as_one_by_one(sample):
    model, inputs = sample
    model.batch_size = 7
    batched = model.predict_proba(inputs)
    if model.kind == "text":
        single = np.vstack([model.predict_proba([text]) for text in inputs])
    else:
        single = np.vstack([model.predict_proba(inputs.iloc[[i]]) for i in range(len(inputs))])
    np.testing.assert_allclose(batched, single, atol=1e-6)


def test_contract_attributes(sample):
    model, _ = sample
    assert model.kind in ("text", "tabular")
    assert model.positive_class in model.class_names
    assert len(model.fingerprint) == 64
    assert model.differentiable == (model.framework in ("torch", "transformers"))


@pytest.mark.parametrize("name", GENERATIVE_SAMPLES)
def test_generative_contract_and_batching(name):
    spec = sample_model_specs()[name]
    model = load_model(spec)
    prompts = load_dataset(spec)["prompt"].head(12).tolist()
    assert model.kind == "generative" and len(model.fingerprint) == 64
    model.batch_size = 5
    batched = model.generate(prompts)
    assert batched == [model.generate([prompt])[0] for prompt in prompts]
    assert all(isinstance(r, str) and r and "\n" not in r for r in batched)


def test_a_generative_sample_is_bundled():
    assert GENERATIVE_SAMPLES
