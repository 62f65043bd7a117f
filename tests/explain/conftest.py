"""Fixtures of the explanation tests: tiny models of every kind, and the sample models."""

from __future__ import annotations

import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

from explain.cases import (
    BACKGROUND,
    CLASSES,
    LINEAR_WEIGHTS,
    LinearProbabilities,
    word_logit_model,
)
from workbench.models import (
    CallableAdapter,
    ModelInfo,
    SklearnAdapter,
    TorchTabularAdapter,
    TorchTextAdapter,
)


@pytest.fixture
def text_model(tiny_text_module, tiny_tokenizer):
    info = ModelInfo(name="tiny text", kind="text", class_names=CLASSES)
    return TorchTextAdapter(tiny_text_module, tiny_tokenizer, info, batch_size=2)


@pytest.fixture
def callable_text_model():
    info = ModelInfo(name="word logits", kind="text", class_names=CLASSES)
    return CallableAdapter(word_logit_model, info)


@pytest.fixture
def tabular_model(tiny_tabular_module, tiny_encoder):
    return TorchTabularAdapter(tiny_tabular_module, tiny_encoder, _rows_info("tiny rows"))


@pytest.fixture
def linear_model(tiny_encoder):
    return TorchTabularAdapter(
        LinearProbabilities(LINEAR_WEIGHTS),
        tiny_encoder,
        _rows_info("linear probabilities"),
        output="probabilities",
    )


@pytest.fixture
def sklearn_tabular_model():
    features = BACKGROUND[["phq9", "missed", "insurance"]]
    labels = ["no", "yes", "no", "yes", "no", "yes"]
    pipeline = make_pipeline(
        make_column_transformer((OneHotEncoder(), ["insurance"]), remainder="passthrough"),
        LogisticRegression(),
    ).fit(features, labels)
    info = ModelInfo(
        name="sklearn rows",
        kind="tabular",
        class_names=("no", "yes"),
        feature_columns=("phq9", "missed", "insurance"),
    )
    return SklearnAdapter(pipeline, info)


def _rows_info(name: str) -> ModelInfo:
    """The info of a tiny torch tabular model over the tiny encoder's columns."""
    return ModelInfo(
        name=name,
        kind="tabular",
        class_names=("no_relapse", "relapse"),
        feature_columns=("phq9", "missed", "insurance"),
    )


@pytest.fixture
def background() -> pd.DataFrame:
    return BACKGROUND.copy()


@pytest.fixture
def model_of(request):
    """Call with a fixture name to get that model."""
    return request.getfixturevalue

