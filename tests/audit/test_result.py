"""The result type: fairlearn-style difference()/ratio(), compare(), and JSON output."""

import dataclasses
import json

import pandas as pd
import pytest
from fairlearn.metrics import MetricFrame, selection_rate, true_positive_rate

from workbench.audit import AuditError, AuditOptions, AuditResult, audit
from workbench.audit._result import MSG_UNKNOWN_METHOD, MSG_UNKNOWN_METRIC

from .audit_data import TOLERANCE, random_frame

FRAME = random_frame(51, n=3000)
RESULT = audit(
    FRAME["score"],
    FRAME,
    label="label",
    protected=["gender", "ethnicity"],
    options=AuditOptions(bootstrap=50),
)
METRICS = {"selection_rate": selection_rate, "tpr": true_positive_rate}


@pytest.mark.parametrize("attributes", [["gender"], ["ethnicity"], ["gender", "ethnicity"]])
@pytest.mark.parametrize("method", ["between_groups", "to_overall"])
def test_difference_and_ratio_match_fairlearn(attributes, method):
    frame = MetricFrame(
        metrics=METRICS,
        y_true=FRAME["label"],
        y_pred=FRAME["score"] >= 0.5,
        sensitive_features=FRAME[attributes],
    )
    level = ("1", " & ".join(attributes))
    for name in METRICS:
        assert RESULT.difference(name, method=method)[level] == pytest.approx(
            frame.difference(method=method)[name], abs=TOLERANCE
        )
        assert RESULT.ratio(name, method=method)[level] == pytest.approx(
            frame.ratio(method=method)[name], abs=TOLERANCE
        )


def test_queries_refuse_unknown_metrics_and_methods():
    with pytest.raises(AuditError) as caught:
        RESULT.difference("recall")
    assert str(caught.value) == MSG_UNKNOWN_METRIC.format(
        metric="recall",
        choices=[
            "size",
            "base_rate",
            "selection_rate",
            "tpr",
            "fpr",
            "fnr",
            "precision",
            "accuracy",
        ],
    )
    with pytest.raises(AuditError) as caught:
        RESULT.ratio("tpr", method="max")
    assert str(caught.value) == MSG_UNKNOWN_METHOD.format(method="max")


def test_tables_have_the_documented_shape():
    assert list(RESULT.by_group.index.names) == ["class", "attribute", "group"]
    assert list(RESULT.differences.index.names) == ["class", "attribute", "group"]
    assert list(RESULT.by_attribute.index.names) == ["class", "attribute"]
    assert {"size", "tpr", "tpr_low", "tpr_high", "caveats"} <= set(RESULT.by_group.columns)
    assert {"reference", "disparate_impact_low", "caveats"} <= set(RESULT.differences.columns)
    assert (RESULT.differences["reference"] == "rest").all()
    assert len(RESULT.differences) == len(RESULT.by_group) == 3 + 4 + 12


def test_result_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        RESULT.breaches = ()


def test_to_dict_is_plain_json():
    payload = json.loads(json.dumps(RESULT.to_dict(), allow_nan=False))
    assert payload["passed"] is RESULT.passed is False
    assert len(payload["by_group"]) == len(RESULT.by_group)
    first = payload["by_group"][0]
    assert (first["class"], first["attribute"], first["group"]) == ("1", "ethnicity", "asian")
    assert payload["breaches"][0]["message"] == str(RESULT.breaches[0])
    assert payload["params"]["protected"] == ["gender", "ethnicity"]


def test_compare_lists_before_after_and_change():
    other = audit(
        FRAME["score"],
        FRAME,
        label="label",
        protected=["gender", "ethnicity"],
        options=AuditOptions(threshold=0.6, bootstrap=0),
    )
    table = RESULT.compare(other)
    assert list(table.columns) == ["before", "after", "change"]
    row = table.loc[("1", "ethnicity", "black", "false_negative_rate_difference")]
    key = ("1", "ethnicity", "black")
    before = RESULT.differences.loc[key, "false_negative_rate_difference"]
    after = other.differences.loc[key, "false_negative_rate_difference"]
    assert (row["before"], row["after"]) == (before, after) and before != after
    assert row["change"] == pytest.approx(after - before)
    overall = table.loc[("1", "all", "all", "selection_rate")]
    by_hand = (FRAME["score"] >= 0.6).mean() - (FRAME["score"] >= 0.5).mean()
    assert overall["change"] == pytest.approx(by_hand, abs=TOLERANCE) and by_hand < 0


def test_compare_keeps_only_groups_present_in_both():
    gender_only = audit(
        FRAME["score"],
        FRAME,
        label="label",
        protected=["gender"],
        options=AuditOptions(bootstrap=0),
    )
    table = RESULT.compare(gender_only)
    attributes = set(table.index.get_level_values("attribute"))
    assert attributes == {"all", "gender"}
    genders = set(table.xs("gender", level="attribute").index.get_level_values("group"))
    assert genders == set(FRAME["gender"])


def test_an_empty_level_query_is_a_series():
    assert isinstance(RESULT.difference("tpr"), pd.Series)
    assert isinstance(RESULT, AuditResult)
