"""What can be audited: a model adapter, or scores and decisions as lists, arrays or Series."""

import numpy as np
import pandas as pd
import pytest

from workbench.audit import AuditError, AuditOptions, audit
from workbench.audit._audit import MSG_NO_SCORES
from workbench.audit._inputs import MSG_NO_TEXT_COLUMN

from .audit_data import random_frame, text_model, with_options

FRAME = random_frame(71, n=800, attributes=("gender", "ethnicity"))
KINDS = {"list": list, "array": np.asarray, "series": pd.Series}


def _audit(scores, label="label", **options):
    options = {"protected": ["gender", "ethnicity"], "bootstrap": 0, **options}
    return audit(scores, FRAME, label=label, **with_options(options))


@pytest.mark.parametrize("scores_kind", list(KINDS))
@pytest.mark.parametrize("label_kind", ["column", *KINDS])
def test_lists_arrays_and_series_give_the_same_audit(scores_kind, label_kind):
    expected = _audit(FRAME["score"].to_numpy())
    scores = KINDS[scores_kind](FRAME["score"].tolist())
    label = "label" if label_kind == "column" else KINDS[label_kind](FRAME["label"].tolist())
    result = _audit(scores, label=label)
    pd.testing.assert_frame_equal(result.by_group, expected.by_group)
    pd.testing.assert_frame_equal(result.differences, expected.differences)


def test_decisions_are_scores_of_zero_and_one():
    decisions = _audit((FRAME["score"] >= 0.5).astype(int))
    scores = _audit(FRAME["score"])
    calibration = [c for c in scores.by_group if c.split("_")[0] in ("ece", "brier", "roc")]
    assert calibration
    pd.testing.assert_frame_equal(
        decisions.by_group.drop(columns=calibration), scores.by_group.drop(columns=calibration)
    )
    # 0/1 decisions are not scores: calibration is not measured, and the audit says so.
    assert decisions.by_group[calibration].isna().all().all() and decisions.reliability.empty
    assert MSG_NO_SCORES in decisions.warnings and MSG_NO_SCORES not in scores.warnings


def test_a_non_default_index_is_ignored():
    shuffled = FRAME.set_index(np.arange(len(FRAME))[::-1] + 1000)
    result = audit(
        FRAME["score"].to_numpy(),
        shuffled,
        label="label",
        protected="gender",
        options=AuditOptions(bootstrap=0),
    )
    expected = _audit(FRAME["score"].to_numpy(), protected="gender")
    pd.testing.assert_frame_equal(result.by_group, expected.by_group)


def test_text_model_equals_its_scores():
    frame = FRAME.assign(
        text=np.where(FRAME["score"] > 0.5, "I feel hopeless", "need a refill"),
        outcome=np.where(FRAME["label"] == 1, "urgent", "routine"),
    )
    model = text_model(lambda t: 0.8 if "hopeless" in t else 0.3)
    options = AuditOptions(bootstrap=0)
    result = audit(model, frame, label="outcome", protected="gender", options=options)
    scores = np.where(frame["text"] == "I feel hopeless", 0.8, 0.3)
    expected = audit(
        scores,
        frame,
        label="outcome",
        positive_class="urgent",
        protected="gender",
        options=AuditOptions(bootstrap=0),
    )
    pd.testing.assert_frame_equal(result.by_group, expected.by_group)
    assert result.model_name == "tiny text"
    with pytest.raises(AuditError) as caught:
        audit(model, frame.drop(columns="text"), label="outcome", protected="gender")
    assert str(caught.value) == MSG_NO_TEXT_COLUMN.format(
        columns=[c for c in frame.columns if c != "text"]
    )


def test_tabular_sample_model_equals_its_scores(sample):
    model, data = sample("relapse_tabular")
    result = audit(
        model,
        data,
        label="label",
        protected=["gender", "insurance_type"],
        options=AuditOptions(bootstrap=0),
    )
    scores = model.predict_proba(data)[:, model.positive_index]
    expected = audit(
        scores,
        data,
        label="label",
        positive_class=model.positive_class,
        protected=["gender", "insurance_type"],
        options=AuditOptions(bootstrap=0),
    )
    pd.testing.assert_frame_equal(result.by_group, expected.by_group)
    assert result.classes == ("relapse",)
