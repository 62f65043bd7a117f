"""AuditPanel: attributes, threshold, metrics table, bars, swaps and mitigation."""

from __future__ import annotations

import dataclasses
import re
import threading

import pytest
import traitlets

import widgets._audit_panel as audit_panel
from widgets import AuditPanel
from widgets._task import MSG_BUSY
from workbench.app.findings import (
    MSG_NO_CALIBRATION,
    MSG_NO_PROTECTED,
    MSG_NOT_BINARY,
    group_calibration,
    group_metrics,
    run_audit,
)
from workbench.audit import BEST_OFF, TABLE_CALIBRATION, TABLE_DIFFERENCES, TABLE_RATES
from workbench.presentation import metric_label


@pytest.fixture
def panel(crisis_sklearn):
    return AuditPanel(subject=crisis_sklearn, threaded=False)


def test_offers_the_subjects_protected_attributes(panel):
    names = [box.description for box in panel.attribute_boxes.children]
    assert names == ["gender", "ethnicity", "age_band"]
    assert panel.protected == ("gender", "ethnicity", "age_band")
    assert panel.results.layout.display == "none"


def test_run_shows_the_table_with_breaches_marked_and_bars(panel, crisis_sklearn):
    panel.audit_button.click()
    assert panel.error == "" and panel.results.layout.display == "flex"
    run = panel.run
    assert (panel.class_box.value, panel.level_box.value) == run.focus == ("urgent", "ethnicity")
    metrics = group_metrics(run.audit, positive_class="urgent", attribute="ethnicity")
    assert panel.table.value.count('class="wb-breach"') == len(metrics.breached) > 0
    assert panel.table.value.count("outside bound</span></td>") == len(metrics.breached)
    assert "outside their fairness bound" in panel.table.value
    heads = re.findall(r"<th>([^<]*)</th>", panel.table.value.split("</thead>")[0])
    labels = [metric_label(name) for name in (*TABLE_RATES, *TABLE_DIFFERENCES)]
    assert heads == ["group", *labels, "caveats"]
    assert labels[:4] == ["rows", "base rate", "selection rate", "TPR"]
    bars = panel.chart.figure.data[0]
    assert list(bars.x) == ["asian", "black", "hispanic", "white"]
    assert list(bars.y) == pytest.approx(metrics.table["fnr"].tolist())
    high = metrics.table["fnr_high"] - metrics.table["fnr"]
    assert list(bars.error_y.array) == pytest.approx(high.tolist())
    assert "Counterfactual identity swaps" in panel.swaps.value
    assert "sexual_orientation / gay / straight" in panel.swaps.value


def test_run_shows_calibration_by_group_as_a_table_and_curves(panel):
    panel.intersections_box.value = False
    panel.audit()
    panel.level_box.value = "gender"
    shown = panel.calibration.value
    calibration = group_calibration(panel.run.audit, positive_class="urgent", attribute="gender")
    heads = re.findall(r"<th>([^<]*)</th>", shown.split("</thead>")[0])
    assert heads == ["group", *[metric_label(name) for name in TABLE_CALIBRATION]]
    assert shown.count('class="wb-breach"') == len(calibration.breached)
    # The table that stands in for the chart: one row per group and non-empty score bin.
    assert "Reliability curves as a table" in shown
    assert shown.count("<tr>") == 1 + len(calibration.table) + 1 + len(calibration.curves)
    diagonal, *curves = panel.reliability_chart.figure.data
    assert list(diagonal.x) == [0, 1]
    assert [curve.name for curve in curves] == ["female", "male", "nonbinary"]
    female = calibration.curves.loc["female"]
    assert list(curves[0].y) == pytest.approx(female["observed_rate"].tolist())
    assert panel.reliability_chart.layout.display == "flex"


def test_decisions_show_no_calibration(crisis_sklearn):
    decisions = (crisis_sklearn.probabilities >= 0.5).astype(float)
    subject = dataclasses.replace(crisis_sklearn, probabilities=decisions)
    panel = AuditPanel(subject=subject, threaded=False)
    panel.intersections_box.value = False
    panel.audit()
    assert MSG_NO_CALIBRATION in panel.calibration.value
    assert panel.reliability_chart.layout.display == "none"


def test_choosing_attribute_metric_and_intersections(panel):
    panel.attribute_boxes.children[0].value = False
    panel.intersections_box.value = False
    assert panel.protected == ("ethnicity", "age_band") and not panel.intersections
    panel.audit()
    assert panel.run.attributes == ("ethnicity", "age_band")
    panel.level_box.value = "age_band"
    panel.metric_box.value = "selection_rate"
    assert list(panel.chart.figure.data[0].x) == ["18-25", "26-40", "41-65", "65+"]
    assert panel.chart.figure.layout.title.text.startswith("selection rate by age_band")


def test_compare_with_the_best_off_or_chosen_privileged_groups(panel):
    assert panel.reference() is None and panel.privileged_boxes.layout.display == "none"
    panel.reference_box.value = BEST_OFF
    panel.intersections_box.value = False
    panel.audit()
    assert panel.run.audit.reference == BEST_OFF
    panel.reference_box.value = "privileged"
    assert panel.privileged_boxes.layout.display == "flex"
    chosen = {"gender": "male", "ethnicity": "white", "age_band": "41-65"}
    for box in panel.privileged_boxes.children:
        box.value = chosen[box.description]
    panel.attribute_boxes.children[2].value = False  # age_band is no longer audited
    assert panel.reference() == {"gender": "male", "ethnicity": "white"}
    panel.intersections_box.value = True
    panel.audit()
    references = panel.run.audit.differences["reference"].groupby(level="attribute").unique()
    assert {attribute: list(names) for attribute, names in references.items()} == {
        "gender": ["male"],
        "ethnicity": ["white"],
        "gender & ethnicity": ["male & white"],
    }


def test_moving_the_threshold_reruns_the_audit(panel):
    panel.threshold_box.value = 0.3
    assert panel.run is None  # nothing to re-run yet
    panel.audit()
    panel.threshold_box.value = 0.7
    assert panel.run.audit.options.threshold == 0.7


def test_no_attribute_is_a_short_message(panel):
    for box in panel.attribute_boxes.children:
        box.value = False
    panel.audit()
    assert panel.error == MSG_NO_PROTECTED and panel.run is None
    with pytest.raises(traitlets.TraitError):
        panel.protected = ("religion",)


def test_mitigation_before_and_after(panel):
    panel.audit()
    panel.mitigate_attribute_box.value = "ethnicity"
    assert panel.privileged_box.value == "white"  # the largest group comes first
    panel.mitigate_button.click()
    assert panel.error == ""
    assert panel.mitigation.result.method == "reject_option"
    assert panel.mitigation_view.value.startswith('<p class="wb-line">reject option on')
    assert "TPR: before" in panel.mitigation_view.value


def test_mitigation_of_a_multiclass_model_is_refused(emotion):
    panel = AuditPanel(subject=emotion, threaded=False)
    assert panel.threshold_box.disabled
    panel.mitigate()
    assert panel.error == MSG_NOT_BINARY.format(name="emotion_text", count=5)


def test_an_audit_click_while_one_runs_is_refused(crisis_sklearn, monkeypatch):
    release, started = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        started.set()
        release.wait(10)
        return run_audit(*args, **kwargs)

    monkeypatch.setattr(audit_panel, "run_audit", slow)
    panel = AuditPanel(subject=crisis_sklearn)
    panel.audit_button.click()
    assert started.wait(10)
    calls_before = panel.busy
    panel.audit_button.click()  # the page's button may be enabled: the handler checks
    assert calls_before and MSG_BUSY in panel.status.value
    release.set()
    assert panel.wait(30)
    assert panel.run is not None and not panel.busy


def test_a_result_for_a_model_no_longer_shown_is_dropped(crisis_sklearn, relapse, monkeypatch):
    release, started = threading.Event(), threading.Event()

    def slow(*args, **kwargs):
        started.set()
        release.wait(10)
        return run_audit(*args, **kwargs)

    monkeypatch.setattr(audit_panel, "run_audit", slow)
    panel = AuditPanel(subject=crisis_sklearn)
    panel.audit()
    assert started.wait(10)
    panel.subject = relapse
    release.set()
    assert panel.wait(30)
    assert panel.run is None
