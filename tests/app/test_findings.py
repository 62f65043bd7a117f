"""The audit as the app runs it, and its findings in plain words (workbench.app.findings)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import workbench
from workbench.app.browse import make_subject, open_subject
from workbench.app.findings import (
    MSG_NO_PROTECTED,
    MSG_NOT_BINARY,
    MSG_PASS,
    MSG_PASS_ROBUST,
    MSG_UNCERTAIN,
    findings,
    group_calibration,
    group_metrics,
    mitigate,
    run_audit,
)
from workbench.audit import TABLE_CALIBRATION, AuditError, AuditOptions, Breach, audit


@pytest.fixture(scope="module")
def crisis():
    return open_subject(workbench.sample_model_specs()["crisis_text_sklearn"])


@pytest.fixture(scope="module")
def crisis_run(crisis):
    return run_audit(crisis, options=AuditOptions(bootstrap=50))


def test_run_audits_stored_predictions_like_the_model(crisis, crisis_run):
    direct = audit(
        crisis.model,
        crisis.data,
        label="label",
        protected=list(crisis.protected),
        text_column="text",
        options=AuditOptions(bootstrap=50),
    )
    pd.testing.assert_frame_equal(crisis_run.audit.by_group, direct.by_group)
    assert len(crisis_run.audit.breaches) == len(direct.breaches)


def test_the_first_findings_name_the_injected_bias(crisis_run):
    headline, first = crisis_run.findings[:2]
    assert headline.level == "breach"
    robust = crisis_run.audit.robust_breaches
    assert headline.text.startswith(f"{len(robust)} fairness bound(s) are breached robustly")
    assert first.level == "breach"
    assert first.text.startswith("ethnicity = black vs the rest: ")
    assert "the truly 'urgent' cases in this group" in first.text
    assert crisis_run.focus == ("urgent", "ethnicity")


def test_swaps_are_found_for_text_models(crisis_run):
    swaps = crisis_run.findings[-1]
    assert swaps.text.startswith("Swapping identity words in 343 message(s)")
    assert crisis_run.swap_pairs.index[0][1:] == ("gay", "straight")
    flips = crisis_run.flip_examples
    assert len(flips) == 5
    assert (flips["score"] - flips["counterfactual_score"]).abs().is_monotonic_decreasing


def test_attributes_come_in_the_order_given_then_intersections(crisis_run):
    assert crisis_run.attributes == (
        "gender",
        "ethnicity",
        "age_band",
        "ethnicity & age_band",
        "gender & age_band",
        "gender & ethnicity",
        "gender & ethnicity & age_band",
    )


def test_group_metrics_marks_breached_cells(crisis_run):
    metrics = group_metrics(crisis_run.audit, positive_class="urgent", attribute="ethnicity")
    assert list(metrics.table.index) == ["asian", "black", "hispanic", "white"]
    breached = {
        (b.group, b.metric)
        for b in crisis_run.audit.robust_breaches
        if b.attribute == "ethnicity"
    }
    assert metrics.breached == breached
    assert ("black", "false_negative_rate_difference") in breached
    assert metrics.reference == "the rest"
    assert metrics.table.loc["black", "fnr"] > metrics.table.loc["white", "fnr"]


def test_group_calibration_is_the_audits_per_group_with_its_curves(crisis_run):
    result = crisis_run.audit
    calibration = group_calibration(result, positive_class="urgent", attribute="ethnicity")
    assert calibration.measured and calibration.reference == "the rest"
    table = calibration.table
    assert list(table.index) == ["asian", "black", "hispanic", "white"]
    assert set(TABLE_CALIBRATION) <= set(table.columns)
    rows = result.by_group.loc[("urgent", "ethnicity")]
    pd.testing.assert_series_equal(table["ece"], rows["ece"])
    gaps = result.differences.loc[("urgent", "ethnicity")]
    pd.testing.assert_series_equal(table["roc_auc_difference_low"], gaps["roc_auc_difference_low"])
    curves = calibration.curves
    assert curves["rows"].groupby(level="group").sum().to_dict() == rows["size"].to_dict()
    assert calibration.breached == {
        (b.group, b.metric)
        for b in result.failing_breaches
        if b.attribute == "ethnicity" and b.metric.startswith(("ece", "brier", "roc"))
    }


def test_decisions_have_no_calibration_and_say_so():
    data = pd.DataFrame({"label": [0, 1] * 60, "group": ["a", "b", "c"] * 40})
    result = audit(data["label"], data, label="label", protected="group")
    calibration = group_calibration(result, positive_class="1", attribute="group")
    assert not calibration.measured and calibration.curves.empty
    assert calibration.table["ece"].isna().all()


def test_a_fair_result_passes_in_plain_words():
    data = pd.DataFrame({"label": [0, 1] * 60, "group": ["a", "b", "c"] * 40})
    result = audit(
        data["label"].astype(float),
        data,
        label="label",
        protected="group",
        options=AuditOptions(bootstrap=0),
    )
    found = findings(result)
    assert found[0].level == "pass"
    assert found[0].text == MSG_PASS.format(attributes="group", intersections="", rows=120)


def test_uncertain_breaches_say_so():
    data = pd.DataFrame({"label": [1, 0] * 40, "group": ["a"] * 40 + ["b"] * 40})
    scores = [1.0, 0.0] * 20 + [0.0, 0.0] * 20
    options = AuditOptions(bootstrap=100, gate="any")
    result = audit(scores, data, label="label", protected="group", options=options)
    texts = [f.text for f in findings(result)]
    assert any("fairness bound" in t for t in texts)
    breach = result.breaches[0]
    low, high = breach.bound
    certain = breach.high < low or breach.low > high
    assert any(MSG_UNCERTAIN.format(percent=95) in t for t in texts) != certain


def test_possible_breaches_and_small_groups_are_said_plainly(crisis_run):
    result = crisis_run.audit
    possible = len(result.breaches) - len(result.robust_breaches)
    texts = [f.text for f in crisis_run.findings]
    assert any(t.startswith(f"{possible} possible breach(es), for ") for t in texts)
    underpowered = next(f for f in crisis_run.findings if "too few rows to detect" in f.text)
    assert underpowered.level == "warning"
    assert "(80% power) a gap of three times its bound" in underpowered.text
    assert ": too few rows to detect a false negative rate gap below 0." in underpowered.text


def test_a_result_with_only_possible_breaches_passes_the_robust_gate():
    data = pd.DataFrame({"label": [1, 0] * 40, "group": ["a"] * 40 + ["b"] * 40})
    scores = [1.0, 0.0] * 20 + [1.0, 0.0] * 17 + [0.0, 0.0] * 3
    result = audit(scores, data, label="label", protected="group")
    assert result.breaches and not result.robust_breaches and result.passed
    headline = findings(result)[0]
    assert (headline.level, headline.text) == (
        "pass",
        MSG_PASS_ROBUST.format(attributes="group", intersections="", rows=80),
    )


def test_choosing_no_attribute_is_refused(crisis):
    with pytest.raises(AuditError) as caught:
        run_audit(crisis, protected=[])
    assert str(caught.value) == MSG_NO_PROTECTED


def test_mitigation_reports_before_and_after(crisis):
    result = mitigate(
        crisis,
        attribute="ethnicity",
        privileged="white",
        options=AuditOptions(bootstrap=0),
    )
    assert list(result.table.index) == ["all", "asian", "black", "hispanic", "white"]
    assert ("tpr", "before") in result.table.columns and ("tpr", "after") in result.table.columns
    before = result.table.loc["black", ("tpr", "before")]
    assert math.isclose(
        before, result.result.before.by_group.loc[("urgent", "ethnicity", "black"), "tpr"]
    )
    assert result.summary.startswith("reject option on ethnicity (privileged: white), 750")


def test_mitigation_needs_a_binary_model():
    subject = open_subject(workbench.sample_model_specs()["emotion_text"])
    with pytest.raises(AuditError) as caught:
        mitigate(subject, attribute="ethnicity", privileged="white")
    assert str(caught.value) == MSG_NOT_BINARY.format(name="emotion_text", count=5)


def test_subject_without_protected_attributes_cannot_be_audited(crisis):
    bare = make_subject(crisis.model, crisis.data, label="label", text_column="text")
    with pytest.raises(AuditError) as caught:
        run_audit(bare)
    assert str(caught.value) == MSG_NO_PROTECTED


def test_breach_type_is_the_audits(crisis_run):
    assert all(isinstance(b, Breach) for b in crisis_run.audit.breaches)
