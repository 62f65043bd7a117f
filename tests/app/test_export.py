"""The review app's report (workbench.app.export), built by workbench.report."""

from __future__ import annotations

import pytest

import workbench
from workbench.app.browse import example_input, make_subject, open_subject
from workbench.app.compare import explain_pair, quick_explain
from workbench.app.decisions import record_decision
from workbench.app.export import MSG_NO_SPEC, MSG_NOTHING_YET, review_report
from workbench.app.findings import run_audit
from workbench.audit import AuditOptions
from workbench.report import ReportError

MESSAGE = "My name is Jane Doe, mail jane@example.org. I want to end it tonight."


@pytest.fixture(scope="module")
def crisis():
    return open_subject(workbench.sample_model_specs()["crisis_text_sklearn"])


def test_report_holds_the_review(crisis, tmp_path):
    store = tmp_path / "reviews.sqlite3"
    record_decision(store, crisis.spec, decision="reject", reviewer="Board", comment="FNR gap")
    run = run_audit(crisis, options=AuditOptions(bootstrap=0))
    report = review_report(crisis, run=run, pair=explain_pair(crisis.model, MESSAGE), store=store)
    assert report.name.startswith("report_crisis_text_sklearn_") and report.name.endswith(".html")
    html = report.html
    assert html.lstrip().lower().startswith("<!doctype html")
    assert "crisis_text_sklearn" in html and "FNR gap" in html
    assert "Jane" not in html and "jane@example.org" not in html
    assert "http://" not in html.replace("http://www.w3.org", "")


def test_a_table_row_example(tmp_path):
    relapse = open_subject(workbench.sample_model_specs()["relapse_tabular"])
    row = example_input(relapse, 0)
    explanation = quick_explain(relapse.model, row, background=relapse.data)
    report = review_report(
        relapse, row=row, row_explanation=explanation, store=tmp_path / "r.sqlite3"
    )
    assert "medication_adherence" in report.html


def test_needs_a_spec_and_something_to_report(crisis, tmp_path):
    with pytest.raises(ReportError) as caught:
        review_report(None)
    assert str(caught.value) == MSG_NO_SPEC
    bare = make_subject(crisis.model, crisis.data, label="label", text_column="text")
    with pytest.raises(ReportError) as caught:
        review_report(bare, run=run_audit(crisis, options=AuditOptions(bootstrap=0)))
    assert str(caught.value) == MSG_NO_SPEC
    with pytest.raises(ReportError) as caught:
        review_report(crisis, store=tmp_path / "r.sqlite3")
    assert str(caught.value) == MSG_NOTHING_YET
