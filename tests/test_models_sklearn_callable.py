"""scikit-learn and callable adapters: class order, raw inputs, output checks."""

import numpy as np
import pandas as pd
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.pipeline import make_pipeline

from workbench import InputError, ModelLoadError
from workbench.models import CallableAdapter, SklearnAdapter

TEXTS = ["i feel hopeless tonight", "need a refill", "hopeless and alone", "reschedule appointment"]
LABELS = ["urgent", "routine", "urgent", "routine"]


@pytest.fixture
def text_pipeline():
    return make_pipeline(TfidfVectorizer(), LogisticRegression(C=10.0)).fit(TEXTS, LABELS)


def test_sklearn_text_pipeline_on_raw_strings(text_pipeline):
    model = SklearnAdapter(text_pipeline, kind="text", class_names=("routine", "urgent"))
    proba = model.predict_proba(["hopeless tonight", "refill please"])
    np.testing.assert_allclose(proba, text_pipeline.predict_proba(["hopeless tonight",
                                                                   "refill please"]))
    assert proba[0, 1] > 0.5 > proba[1, 1]
    assert not model.differentiable


def test_sklearn_columns_follow_spec_order(text_pipeline):
    model = SklearnAdapter(text_pipeline, kind="text", class_names=("urgent", "routine"))
    proba = model.predict_proba(["hopeless tonight"])
    assert proba[0, 0] == pytest.approx(text_pipeline.predict_proba(["hopeless tonight"])[0, 1])


def test_sklearn_integer_classes_map_by_position():
    frame = pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "b": [1.0, 0.0, 1.0, 0.0]})
    estimator = LogisticRegression().fit(frame, [0, 0, 1, 1])
    model = SklearnAdapter(estimator, kind="tabular", class_names=("no", "yes"),
                           feature_columns=("a", "b"), batch_size=3)
    reordered = frame[["b", "a"]].assign(extra=1)
    np.testing.assert_allclose(model.predict_proba(reordered), estimator.predict_proba(frame))


def test_sklearn_class_mismatch_and_no_proba():
    estimator = LogisticRegression().fit([[0.0], [1.0]], ["a", "b"])
    with pytest.raises(ModelLoadError, match="match neither"):
        SklearnAdapter(estimator, kind="tabular", class_names=("x", "y"), feature_columns=("f",))
    regressor = LinearRegression().fit([[0.0], [1.0]], [0.0, 1.0])
    with pytest.raises(ModelLoadError, match="has no predict_proba"):
        SklearnAdapter(regressor, kind="tabular", class_names=("x", "y"), feature_columns=("f",))


def keyword_model(texts):
    urgent = np.array([0.9 if "hopeless" in t else 0.2 for t in texts])
    return np.column_stack([1 - urgent, urgent])


def test_callable_black_box_batches():
    model = CallableAdapter(keyword_model, kind="text", class_names=("routine", "urgent"),
                            batch_size=2)
    proba = model.predict_proba(["hopeless", "refill", "so hopeless", "ok", "fine"])
    np.testing.assert_allclose(proba[:, 1], [0.9, 0.2, 0.9, 0.2, 0.2])
    assert not model.differentiable


def test_callable_returning_logits_is_named():
    model = CallableAdapter(lambda texts: np.ones((len(texts), 2)) * 3.0, kind="text",
                            class_names=("routine", "urgent"), name="raw scores")
    with pytest.raises(InputError, match="model 'raw scores' returned rows that do not sum to 1"):
        model.predict_proba(["anything"])


def test_callable_wrong_shape_is_named():
    model = CallableAdapter(lambda texts: np.ones(len(texts)), kind="text",
                            class_names=("routine", "urgent"))
    with pytest.raises(InputError, match=r"shape \(1,\); expected \(1, 2\)"):
        model.predict_proba(["anything"])


def test_adapter_refuses_bad_construction():
    with pytest.raises(InputError, match="at least two class names"):
        CallableAdapter(keyword_model, kind="text", class_names=("only",))
    with pytest.raises(InputError, match="kind must be 'text' or 'tabular'"):
        CallableAdapter(keyword_model, kind="image", class_names=("a", "b"))
    with pytest.raises(InputError, match="positive class 'c' is not one of"):
        CallableAdapter(keyword_model, kind="text", class_names=("a", "b"), positive_class="c")
    with pytest.raises(InputError, match="needs its feature column names"):
        CallableAdapter(keyword_model, kind="tabular", class_names=("a", "b"))


def test_empty_input_gives_empty_output():
    model = CallableAdapter(keyword_model, kind="text", class_names=("routine", "urgent"))
    assert model.predict_proba([]).shape == (0, 2)
