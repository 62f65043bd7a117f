"""Multiclass models: every class audited one-vs-rest, decisions by the most probable class."""

import numpy as np
import pytest

from workbench.audit import RATES, AuditOptions, audit
from workbench.audit._audit import MSG_MULTICLASS_THRESHOLD

from .audit_data import TOLERANCE, random_frame, with_options

CLASSES = ["sadness", "fear_anxiety", "anger"]
FRAME = random_frame(41, n=2000, attributes=("gender", "ethnicity"))
RNG = np.random.default_rng(41)
PROBABILITIES = RNG.dirichlet([2, 1, 1], size=len(FRAME))
LABELS = RNG.choice(CLASSES, size=len(FRAME))


def _audit(**options):
    options = {"label": LABELS, "protected": "ethnicity", "bootstrap": 0, **options}
    return audit(PROBABILITIES, FRAME, classes=CLASSES, **with_options(options))


def test_each_class_equals_a_binary_audit_of_its_one_vs_rest_decisions():
    result = _audit()
    assert result.classes == tuple(CLASSES)
    assert result.multiclass is True
    chosen = np.asarray(CLASSES)[PROBABILITIES.argmax(axis=1)]
    for name in CLASSES:
        binary = audit(
            (chosen == name).astype(float),
            FRAME,
            label=(LABELS == name).astype(int),
            protected="ethnicity",
            options=AuditOptions(bootstrap=0),
        )
        ours = result.by_group.loc[name]
        np.testing.assert_allclose(
            ours[list(RATES)], binary.by_group.loc["1"][list(RATES)], atol=TOLERANCE
        )


def test_positive_class_narrows_the_audit_to_one_class():
    result = _audit(positive_class="anger")
    assert result.classes == ("anger",)
    np.testing.assert_allclose(
        result.by_group.loc["anger", "tpr"], _audit().by_group.loc["anger", "tpr"], atol=TOLERANCE
    )


def test_threshold_is_not_used_and_said_so():
    result = _audit(threshold=0.3)
    assert MSG_MULTICLASS_THRESHOLD.format(threshold=0.3) in result.warnings
    np.testing.assert_array_equal(result.by_group["tpr"], _audit().by_group["tpr"])


def test_emotion_sample_model_is_audited_per_class(sample):
    model, data = sample("emotion_text")
    result = audit(
        model,
        data,
        label="label",
        protected=["gender", "ethnicity"],
        options=AuditOptions(bootstrap=0),
    )
    assert result.classes == model.class_names
    sizes = result.by_group.xs("ethnicity", level="attribute")["size"].groupby("class").sum()
    assert (sizes == len(data)).all()
    for name in model.class_names:
        base = result.overall.loc[name, "base_rate"]
        assert base == pytest.approx((data["label"] == name).mean(), abs=TOLERANCE)
