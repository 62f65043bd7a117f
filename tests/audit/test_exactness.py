"""Per-group numbers equal AIF360 computed row by row and Fairlearn's MetricFrame, to 1e-9."""

import warnings

import numpy as np
import pandas as pd
import pytest
from fairlearn.metrics import (
    MetricFrame,
    count,
    false_negative_rate,
    false_positive_rate,
    selection_rate,
    true_positive_rate,
)
from sklearn.metrics import accuracy_score, precision_score

from workbench.audit import BEST_OFF, AuditOptions, audit
from workbench.audit._groups import JOIN

from .audit_data import TOLERANCE, level_codes, random_frame, row_level_metric

PROTECTED = ["gender", "ethnicity", "age_band"]
PRIVILEGED = {"gender": "male", "ethnicity": "white", "age_band": None}


def _case(request, source: str):
    """Scores, a frame holding label and protected columns, and the positive label value."""
    if source == "random":
        frame = random_frame(7)
        return frame["score"].to_numpy(), frame, "label", 1
    scores, data = request.getfixturevalue("crisis_scores")
    return scores, data, "label", "urgent"


class _Codes(dict):
    """Row-level group codes per attribute name of the audit tables, computed once each."""

    def __init__(self, frame):
        super().__init__()
        self.frame = frame

    def __missing__(self, attribute):
        self[attribute] = level_codes(self.frame, attribute.split(JOIN))
        return self[attribute]


def _truth(frame, label, positive, scores, threshold=0.5):
    return (frame[label] == positive).to_numpy(), scores >= threshold


@pytest.fixture(params=["random", "crisis_sample"])
def case(request):
    return _case(request, request.param)


@pytest.mark.parametrize(
    "privileged", [None, PRIVILEGED, BEST_OFF], ids=["vs-rest", "vs-privileged", "vs-best-off"]
)
def test_by_group_and_differences_match_row_level_aif360(case, privileged):
    scores, frame, label, positive = case
    result = audit(
        scores,
        frame,
        label=label,
        protected=PROTECTED,
        positive_class=positive,
        options=AuditOptions(privileged=privileged, bootstrap=0),
    )
    y_true, y_pred = _truth(frame, label, positive, scores)
    level = _Codes(frame)
    checked = 0
    with np.errstate(all="ignore"):
        for (_, attribute, group), row in result.by_group.iterrows():
            codes, names = level[attribute]
            metric = row_level_metric(y_true, y_pred, codes, names.index(group), None)
            expected = {
                "size": metric.num_instances(privileged=False),
                "base_rate": metric.base_rate(privileged=False),
                "selection_rate": metric.selection_rate(privileged=False),
                "tpr": metric.true_positive_rate(privileged=False),
                "fpr": metric.false_positive_rate(privileged=False),
                "fnr": metric.false_negative_rate(privileged=False),
                "accuracy": metric.accuracy(privileged=False),
            }
            for name, value in expected.items():
                np.testing.assert_allclose(row[name], value, atol=TOLERANCE, err_msg=name)
            if metric.num_pred_positives(privileged=False) > 0:
                assert row["precision"] == pytest.approx(
                    metric.precision(privileged=False), abs=TOLERANCE
                )
            else:  # AIF360 says 0 where precision is undefined; the audit says NaN
                assert np.isnan(row["precision"]) and metric.precision(privileged=False) == 0
            checked += 1
        for (_, attribute, group), row in result.differences.iterrows():
            codes, names = level[attribute]
            reference = None if row["reference"] == "rest" else names.index(row["reference"])
            metric = row_level_metric(y_true, y_pred, codes, names.index(group), reference)
            expected = {
                "statistical_parity_difference": metric.statistical_parity_difference(),
                "disparate_impact": metric.disparate_impact(),
                "equal_opportunity_difference": metric.equal_opportunity_difference(),
                "average_odds_difference": metric.average_odds_difference(),
                "false_negative_rate_difference": metric.false_negative_rate_difference(),
                "error_rate_difference": metric.error_rate_difference(),
                "between_group_theil_index": metric.between_group_theil_index(),
                "false_positive_rate_difference": metric.false_positive_rate_difference(),
                "equalized_odds_difference": metric.equalized_odds_difference(),
                "average_abs_odds_difference": metric.average_abs_odds_difference(),
                "precision_difference": metric.difference(metric.positive_predictive_value),
            }
            # AIF360 counts precision as 0 where nothing is predicted positive; it is undefined.
            if min(metric.num_pred_positives(privileged=side) for side in (True, False)) == 0:
                expected["precision_difference"] = np.nan
            for name, value in expected.items():
                value = value if np.isfinite(value) else np.nan
                np.testing.assert_allclose(row[name], value, atol=TOLERANCE, err_msg=name)
            checked += 1
    assert checked == len(result.by_group) + len(result.differences) > 150


def test_theil_indices_from_counts_match_row_level_aif360(case):
    scores, frame, label, positive = case
    result = audit(
        scores,
        frame,
        label=label,
        protected=PROTECTED,
        positive_class=positive,
        options=AuditOptions(bootstrap=0),
    )
    y_true, y_pred = _truth(frame, label, positive, scores)
    for (positive_name, attribute), row in result.by_attribute.iterrows():
        codes, _ = level_codes(frame, attribute.split(JOIN))
        metric = row_level_metric(y_true, y_pred, codes, 0, None)
        assert row["between_all_groups_theil_index"] == pytest.approx(
            metric.between_all_groups_theil_index(), abs=TOLERANCE
        )
        assert result.overall.loc[positive_name, "theil_index"] == pytest.approx(
            metric.theil_index(), abs=TOLERANCE
        )


def _base_rate(y_true, y_pred):
    return float(np.mean(y_true))


FAIRLEARN_METRICS = {
    "size": count,
    "base_rate": _base_rate,
    "selection_rate": selection_rate,
    "tpr": true_positive_rate,
    "fpr": false_positive_rate,
    "fnr": false_negative_rate,
    "precision": lambda t, p: precision_score(t, p, zero_division=np.nan),
    "accuracy": accuracy_score,
}


@pytest.mark.parametrize("attributes", [["ethnicity"], ["gender", "ethnicity"], PROTECTED])
def test_by_group_matches_fairlearn_metric_frame(case, attributes):
    scores, frame, label, positive = case
    result = audit(
        scores,
        frame,
        label=label,
        protected=PROTECTED,
        positive_class=positive,
        options=AuditOptions(bootstrap=0),
    )
    y_true, y_pred = _truth(frame, label, positive, scores)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = MetricFrame(
            metrics=FAIRLEARN_METRICS,
            y_true=y_true,
            y_pred=y_pred,
            sensitive_features=frame[attributes].astype(str),
        ).by_group
    ours = result.by_group.xs(JOIN.join(attributes), level="attribute").droplevel("class")
    keys = [JOIN.join(map(str, k)) if isinstance(k, tuple) else k for k in expected.index]
    expected.index = pd.Index(keys, name="group")
    expected = expected.astype(float).dropna(how="all")
    assert sorted(ours.index) == sorted(expected.index)
    ours = ours.loc[expected.index]
    for name in FAIRLEARN_METRICS:
        mine = ours[name].astype(float)
        undefined = mine.isna() & expected[name].notna()
        # Fairlearn reports 0 for a rate whose denominator is 0; the audit reports NaN and why.
        assert (expected.loc[undefined, name] == 0).all()
        assert ours.loc[undefined, "caveats"].str.contains("no_").all()
        np.testing.assert_allclose(
            mine[~undefined], expected.loc[~undefined, name], atol=TOLERANCE, err_msg=name
        )


def test_overall_matches_fairlearn(case):
    scores, frame, label, positive = case
    result = audit(scores, frame, label=label, protected="gender", positive_class=positive)
    y_true, y_pred = _truth(frame, label, positive, scores)
    overall = result.overall.iloc[0]
    for name, function in FAIRLEARN_METRICS.items():
        assert overall[name] == pytest.approx(function(y_true, y_pred), abs=TOLERANCE)
