"""scikit-learn and callable adapters: class order, raw inputs, output checks."""

import dataclasses

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from workbench import InputError, ModelLoadError
from workbench.models import CallableAdapter, ModelInfo, SklearnAdapter
from workbench.models._base import (
    MSG_BAD_BATCH_SIZE,
    MSG_BAD_KIND,
    MSG_FEW_CLASSES,
    MSG_NO_FEATURE_COLUMNS,
    MSG_UNKNOWN_POSITIVE,
)

TRIAGE = ModelInfo(name="triage", kind="text", class_names=("routine", "urgent"))
TEXTS = ["i feel hopeless tonight", "need a refill", "hopeless and alone", "reschedule appointment"]
LABELS = ["urgent", "routine", "urgent", "routine"]


@pytest.fixture
def text_pipeline():
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=10.0)).fit(TEXTS, LABELS)


def test_sklearn_text_pipeline_on_raw_strings(text_pipeline):
    model = SklearnAdapter(text_pipeline, TRIAGE)
    proba = model.predict_proba(["hopeless tonight", "refill please"])
    np.testing.assert_allclose(proba, text_pipeline.predict_proba(["hopeless tonight",
                                                                   "refill please"]))
    assert proba[0, 1] > 0.5 > proba[1, 1]
    assert not model.differentiable


def test_sklearn_columns_follow_spec_order(text_pipeline):
    info = ModelInfo(name="reversed triage", kind="text", class_names=("urgent", "routine"))
    model = SklearnAdapter(text_pipeline, info)
    proba = model.predict_proba(["hopeless tonight"])
    assert proba[0, 0] == pytest.approx(text_pipeline.predict_proba(["hopeless tonight"])[0, 1])


def test_sklearn_integer_classes_map_by_position():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    estimator = LogisticRegression().fit(frame, [0, 0, 1, 1])
    info = ModelInfo(name="ab", kind="tabular", class_names=("no", "yes"),
                     feature_columns=("a", "b"))
    model = SklearnAdapter(estimator, info, batch_size=3)
    reordered = frame[["b", "a"]].assign(extra=1)
    np.testing.assert_allclose(model.predict_proba(reordered), estimator.predict_proba(frame))


def test_sklearn_class_mismatch_and_no_proba():
    estimator = LogisticRegression().fit([[0.0], [1.0]], ["a", "b"])
    info = ModelInfo(name="xy", kind="tabular", class_names=("x", "y"), feature_columns=("f",))
    with pytest.raises(ModelLoadError, match="match neither"):
        SklearnAdapter(estimator, info)
    regressor = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ModelLoadError, match="has no predict_proba"):
        SklearnAdapter(regressor, info)


def keyword_model(texts):
    urgent = np.array([0.9 if "hopeless" in t else 0.2 for t in texts])
    return np.column_stack([1 - urgent, urgent])


def test_callable_black_box_batches():
    model = CallableAdapter(keyword_model, TRIAGE, batch_size=2)
    proba = model.predict_proba(["hopeless", "refill", "so hopeless", "ok", "fine"])
    np.testing.assert_allclose(proba[:, 1], [0.9, 0.2, 0.9, 0.2, 0.2])
    assert not model.differentiable


def test_callable_returning_logits_is_named():
    info = ModelInfo(name="raw scores", kind="text", class_names=("routine", "urgent"))
    model = CallableAdapter(lambda texts: np.ones((len(texts), 2)) * 3.0, info)
    with pytest.raises(InputError, match="model 'raw scores' returned rows that do not sum to 1"):
        model.predict_proba(["anything"])


def test_callable_wrong_shape_is_named():
    model = CallableAdapter(lambda texts: np.ones(len(texts)), TRIAGE)
    with pytest.raises(InputError, match=r"shape \(1,\); expected \(1, 2\)"):
        model.predict_proba(["anything"])


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "text", "class_names": ["only"]}, MSG_FEW_CLASSES.format(class_names=("only",))),
        ({"kind": "image", "class_names": ("a", "b")}, MSG_BAD_KIND.format(kind="image")),
        (
            {"kind": "text", "class_names": ("a", "b"), "positive_class": "c"},
            MSG_UNKNOWN_POSITIVE.format(positive_class="c", class_names=["a", "b"]),
        ),
        ({"kind": "tabular", "class_names": ("a", "b")}, MSG_NO_FEATURE_COLUMNS),
    ],
)
def test_model_info_refuses_bad_metadata(fields, message):
    with pytest.raises(InputError) as caught:
        ModelInfo(name="bad", **fields)
    assert str(caught.value) == message


def test_model_info_is_frozen_and_read_through_the_adapter():
    info = ModelInfo(name="triage", kind="text", class_names=["routine", "urgent"],
                     positive_class="urgent", fingerprint="abc")
    model = CallableAdapter(keyword_model, info)
    assert model.info is info
    assert (model.name, model.kind, model.class_names) == ("triage", "text", ("routine", "urgent"))
    assert (model.positive_class, model.positive_index, model.fingerprint) == ("urgent", 1, "abc")
    assert model.feature_columns == ()
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.name = "other"


def test_adapter_refuses_a_bad_batch_size():
    with pytest.raises(InputError) as caught:
        CallableAdapter(keyword_model, TRIAGE, batch_size=0)
    assert str(caught.value) == MSG_BAD_BATCH_SIZE.format(batch_size=0)


def test_empty_input_gives_empty_output():
    model = CallableAdapter(keyword_model, TRIAGE)
    assert model.predict_proba([]).shape == (0, 2)
