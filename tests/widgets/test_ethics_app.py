"""EthicsReviewApp: the views wired together as the served app uses them."""

from __future__ import annotations

import shutil

import pandas as pd
import yaml

import workbench
from widgets import EthicsReviewApp
from widgets._ethics_app import NOT_STARTED, OPEN_LABEL
from workbench.app.catalog import MSG_VISITOR_LOAD_FAILED
from workbench.privacy import redact

FIRST_VIEW = (
    "from widgets import EthicsReviewApp\n"
    "app = EthicsReviewApp(threaded=False)\n"
    "assert app.picker.card is not None and app.subject is None\n"
)


def test_the_first_view_imports_no_model_or_audit_library(review_only_modules_loaded):
    assert review_only_modules_loaded(FIRST_VIEW) == []


def test_nothing_is_loaded_until_the_review_starts(review_dir):
    app = EthicsReviewApp(threaded=False)
    assert app.subject is None and app.browser is None and app.audit_panel is None
    app.picker.dropdown.value = "relapse_tabular"
    assert app.subject is None and app.picker.card is not None
    assert app.browser is None
    sections = app.children[3:-1]  # after the intro, the section list and the model section
    waiting = NOT_STARTED.format(label=OPEN_LABEL)
    assert [section.children[1].value for section in sections] == [waiting] * 6
    app.open_button.click()
    assert [section.children[1] for section in sections] == [
        app.browser,
        app.importance_view,
        app.audit_panel,
        app.findings,
        app.review,
        app.report,
    ]
    assert app.subject.name == "relapse_tabular"
    assert app.open_button.layout.display == "none"
    app.picker.dropdown.value = "crisis_text"
    assert app.subject.name == "crisis_text"


def test_choosing_a_model_hands_it_to_every_view(review_dir):
    app = EthicsReviewApp(threaded=False)
    app.open_button.click()
    assert app.subject.name == "crisis_text"
    assert app.text_view.model is app.subject.model
    assert app.text_view.layout.display == "flex" and app.row_view.layout.display == "none"
    for view in (app.browser, app.importance_view, app.audit_panel):
        assert view.subject is app.subject
    assert app.review.spec.name == "crisis_text"
    assert app.text_view.written == app.browser.example
    assert app.text_view.text == redact(app.browser.example).text


def test_explain_audit_findings_and_decision(review_dir):
    app = EthicsReviewApp(threaded=False)
    app.open_button.click()
    app.browser.list.value = app.browser.list.options[3][1]
    app.text_view.explain_button.click()
    assert 'class="wb-token"' in app.text_view.first.value
    app.audit_panel.audit_button.click()
    assert app.findings.run is app.audit_panel.run
    assert "fairness bound(s) are breached" in app.findings.text.value
    app.review.reviewer.value = "Board"
    app.review.decision.value = "reject"
    app.review.record()
    assert app.review.recorded.model_name == "crisis_text"
    assert app.report.run is app.audit_panel.run and app.report.pair is app.text_view.result
    app.report.export_button.click()
    assert app.report.error == ""
    assert "Board" in app.report.report.html
    assert 'class="wb-download"' in app.report.link.value


def test_a_tabular_model_shows_the_row_view(review_dir):
    app = EthicsReviewApp(threaded=False)
    app.picker.dropdown.value = "relapse_tabular"
    app.open_button.click()
    assert app.subject.name == "relapse_tabular"
    assert app.text_view.layout.display == "none" and app.row_view.layout.display == "flex"
    assert isinstance(app.row_view.row, pd.DataFrame)
    assert app.row_view.background is app.subject.data
    app.row_view.explain()
    assert app.row_view.error == "" and app.row_view.explanation is not None
    assert app.audit_panel.run is None and app.findings.run is None


def test_a_model_that_fails_to_load_is_told_plainly_and_the_others_keep_working(
    review_dir, tmp_path, caplog
):
    folder = tmp_path / "broken_import"
    shutil.copytree(workbench.sample_model_specs()["relapse_tabular"].parent, folder)
    spec_path = folder / "model.yaml"
    spec = yaml.safe_load(spec_path.read_text(encoding="utf-8"))
    spec["architecture"] = "no_such_architecture_module:Net"
    spec_path.write_text(yaml.safe_dump(spec), encoding="utf-8")
    app = EthicsReviewApp(
        models=[workbench.sample_model_specs()["crisis_text"], spec_path], threaded=False
    )
    assert app.picker.dropdown.options == ("crisis_text", "broken_import")
    app.open_button.click()
    app.picker.dropdown.value = "broken_import"
    assert app.subject is None
    assert app.error == MSG_VISITOR_LOAD_FAILED
    assert "model 'broken_import'" in caplog.text and "no_such_architecture_module" in caplog.text
    app.picker.dropdown.value = "crisis_text"
    assert app.subject.name == "crisis_text" and app.error == ""
